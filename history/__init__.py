"""History (filled below)."""
