"""One line per field pydantic refused, naming the file and the field.

Runbooks, drills and change files are operators' YAML read into pydantic models;
a field that is wrong must read the same way whichever file it is in:
``FILE: stages.3.gates.0.deadline (stage 'ldp'): Input should be a valid number``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

Loc = tuple[int | str, ...]


def error_lines(path: Path, exc: ValidationError, label: Callable[[Loc], str] | None = None) -> list[str]:
    """``path: dotted.field: message`` for each error; *label* may add a name for a location
    (a runbook names the stage an index points at)."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        extra = label(err["loc"]) if label is not None else ""
        lines.append(f"{path}: {loc}{extra}: {err['msg']}")
    return lines
