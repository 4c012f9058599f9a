"""The ``bench/`` scripts the tests build on, imported by path (``bench/`` is not a package).

Each is loaded once per session under one module name, so every test that writes a
``bench/topologies.py`` network shares the same classes.
"""

from __future__ import annotations

from types import ModuleType

from vrpbook.paths import PROJECT_ROOT

from .by_path import load


def _bench(script: str) -> ModuleType:
    return load(f"vrpbook_bench_{script}", PROJECT_ROOT / "bench" / f"{script}.py")


def topologies() -> ModuleType:
    """``bench/topologies.py``: scale networks (PE rings, reflectors, CEs) and their inventories."""
    return _bench("topologies")
