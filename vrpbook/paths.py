"""Where the project's data lives, whether run from a checkout or installed."""

from __future__ import annotations

from pathlib import Path

#: The repository root when installed with ``pip install -e .`` (the README's way).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def resolve_data_path(path: str | Path) -> Path:
    """Resolve *path* against the working directory first, then the project root,
    so ``vrpbook run bfd-static-vpn --lab`` works from any directory."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    candidate = PROJECT_ROOT / p
    return candidate if candidate.exists() else p


LAB_INVENTORY = "inventory/lab"
