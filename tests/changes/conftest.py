"""Fixtures of the change-window tests: a lab, and an inventory copy that points at its ports.

``served(inventory)`` boots a factory-fresh lab of *inventory* in-process (time
scale 0) and writes a copy of the inventory whose ports are the lab's, so the
commands (``vrpbook change …``, ``vrpbook run -i``, ``vrpbook check -i``)
reach it exactly as they reach a ``vrpbook lab up`` lab.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from vrpbook.paths import PROJECT_ROOT

from ..by_path import load

LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"
CANARY = PROJECT_ROOT / "tests" / "fixtures" / "topologies" / "canary"
FIXTURE_RUNBOOKS = PROJECT_ROOT / "tests" / "fixtures" / "runbooks"


def _helpers() -> ModuleType:
    return load("vrpbook_tests_runbooks_helpers", PROJECT_ROOT / "tests" / "runbooks" / "helpers.py")


@pytest.fixture(scope="session")
def h() -> ModuleType:
    return _helpers()


@dataclass
class Served:
    running: Any
    inventory: Path

    def call(self, fn: Callable[[Any], Any]) -> Any:
        return self.running.lab.call(lambda: fn(self.running.network))


@pytest.fixture
def served(lab_factory: Callable[..., Any], tmp_path: Path) -> Callable[..., Served]:
    def start(inventory: Path = LAB_INVENTORY, **kw: Any) -> Served:
        running = lab_factory(inventory=inventory, **kw)
        copy = tmp_path / f"inventory-{inventory.name}"
        shutil.copytree(inventory, copy)
        hosts = yaml.safe_load((copy / "hosts.yaml").read_text())
        for name, (host, port) in dict(running.hosts).items():
            hosts[name]["hostname"], hosts[name]["port"] = host, port
        (copy / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
        return Served(running, copy)

    return start
