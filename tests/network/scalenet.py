"""Scale topologies (bench/topologies.py) as in-process configurations for network tests.

Why through the CLI: each router's configuration text is replayed through the
twin's own CLI (as a boot from a saved configuration does), so the tests run
exactly the commands an operator would type, with no hand-built model objects.
"""

from __future__ import annotations

from typing import Any

from tests.bench_scripts import topologies
from vrpbook.twin.cli.replay import replay_config
from vrpbook.twin.config.model import RouterConfig
from vrpbook.twin.state import Router
from vrpbook.twin.topology import Topology

# This module is loaded by path (tests/network/conftest.py), hence the absolute ``tests.`` import
# (pytest's --import-mode=importlib makes ``tests`` a namespace package); the network tests
# import ``topologies`` from here.
__all__ = ["build", "topologies"]


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
