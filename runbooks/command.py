"""``vrpbook plan`` and ``vrpbook run``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Mount the runbook commands on the root app."""
