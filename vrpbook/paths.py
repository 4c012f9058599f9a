"""Where the project's data lives, whether run from a checkout or installed."""

from __future__ import annotations

import re
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


def named_yaml(name_or_path: str, folder: Path, what: str, error: type[Exception]) -> Path:
    """``bfd-static-vpn`` → ``folder/bfd_static_vpn.yaml``; a path (or a ``.yaml`` name) is taken
    as is. Runbooks and drills are found the same way; a name that is not there is one line
    (*error*) naming where it looked and what there is."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        path = resolve_data_path(p)
    else:
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", name_or_path):
            raise error(f"not a {what} name or file: {name_or_path!r}")
        path = folder / f"{name_or_path.replace('-', '_')}.yaml"
    if not path.exists():
        known = ", ".join(sorted(f.stem.replace("_", "-") for f in folder.glob("*.yaml"))) or "none"
        raise error(f"{what} {name_or_path!r} not found (looked for {path}; {what}s: {known})")
    return path


LAB_INVENTORY = "inventory/lab"
