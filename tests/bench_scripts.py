"""The ``bench/`` scripts the tests build on, imported by path (``bench/`` is not a package).

Each is loaded once per session under one module name, so every test that writes a
``bench/topologies.py`` network shares the same classes.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from vrpbook.paths import PROJECT_ROOT


def _bench(script: str) -> ModuleType:
    name = f"vrpbook_bench_{script}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "bench" / f"{script}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def topologies() -> ModuleType:
    """``bench/topologies.py``: scale networks (PE rings, reflectors, CEs) and their inventories."""
    return _bench("topologies")
