"""``vrpbook parse``: parse a saved display output."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Mount the parse command on the root app."""
