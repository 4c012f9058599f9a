"""Scale topologies (bench/topologies.py) as in-process configurations for network tests.

Why through the CLI: each router's configuration text is replayed through the
twin's own CLI (as a boot from a saved configuration does), so the tests run
exactly the commands an operator would type, with no hand-built model objects.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from vrpbook.twin.cli.replay import replay_config
from vrpbook.twin.config.model import RouterConfig
from vrpbook.twin.state import Router
from vrpbook.twin.topology import Topology

ROOT = Path(__file__).resolve().parents[2]


def topologies() -> ModuleType:
    """bench/topologies.py, imported by path (bench/ is not a package)."""
    name = "vrpbook_bench_topologies"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "topologies.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def build(net: Any, edit: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """(Topology, running configs) of *net*; *edit* maps a router to a function
    that rewrites its configuration lines before they are replayed."""
    topo = Topology.from_dict(net.topology())
    configs = {}
    for name in net.routers:
        ports = list(topo.devices[name].interfaces)
        router = Router(name=name, model="NE40E", physical_interfaces=ports, running=RouterConfig.factory(ports))
        lines = net.config_text(name)
        if edit and name in edit:
            lines = edit[name](lines)
        configs[name] = replay_config(router, None, "\n".join(lines), source=name)
    return topo, configs
