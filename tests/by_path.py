"""Test modules imported by file path, each once per session under one module name.

Shared helpers (``tests/runbooks/helpers.py``, ``tests/network/refnet.py``, the fault
harness, ``bench/`` scripts) are not importable packages; several test folders load
the same file, and must get the same module (the same classes), so the first load
registers it in ``sys.modules`` and every later one returns it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load(name: str, path: Path) -> ModuleType:
    """The module at *path*, registered as *name* (loaded on the first call only)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod
