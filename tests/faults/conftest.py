"""Fixtures of the fault suite: the harness module, the post-run reference, a scenario bench.

``harness.py`` is loaded by path (pytest runs with ``--import-mode=importlib``).
``post_run`` is one clean run of the fault runbook on a factory-fresh lab, read
back once per session: every scenario's routers must end exactly at their
pre-run configuration (read at the scenario's start) or at this one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vrpbook.paths import PROJECT_ROOT

from ..by_path import load


def _load(name: str) -> ModuleType:
    return load(f"vrpbook_tests_faults_{name}", Path(__file__).with_name(f"{name}.py"))


H = _load("harness")  # the test module finds it in sys.modules
TABLE = Path(os.environ.get("VRPBOOK_FAULT_TABLE") or PROJECT_ROOT / "build" / "fault-table.json")


@pytest.fixture(scope="session")
def measurements() -> Any:
    return H.Measurements(TABLE)


@pytest.fixture(scope="session")
def post_run(tmp_path_factory: pytest.TempPathFactory, measurements: Any) -> dict[str, Any]:
    """The post-run configuration of every router (running and saved), from a clean run."""
    tmp = tmp_path_factory.mktemp("post-run")
    inv = H.lab_inventory(tmp)
    lab = H.LabProcess(inv, tmp / "state", tmp / "lab.log").start()
    try:
        pre = H.read_routers(inv)
        t = time.monotonic()
        c = H.Controller.start(tmp, "clean", H.fault_runbook(tmp), inv, tmp / "journal")
        rc = c.wait()
        settle = time.monotonic() - t
        assert rc == 0, c.output()
        post = H.read_routers(inv)
    finally:
        lab.stop()
    assert all(post[h].running == post[h].saved for h in post), "a clean run saves what it ran"
    assert all(post[h].running != pre[h].running for h in post)
    measurements.add(fault="none (clean run)", point="-", exit_code=rc, end_state="post-run (all 5)",
                     settle_s=round(settle, 1), settled_by="controller exit")
    return {"pre": pre, "post": post}


@dataclass
class Bench:
    """One scenario's lab (its own process and state dir), journal and pre-run truth."""

    tmp: Path
    inventory: Path
    journal: Path
    lab: Any
    pre: dict[str, Any]
    post: dict[str, Any]
    runbook: Path

    def controller(self, name: str, **kw: Any) -> Any:
        return H.Controller.start(self.tmp, name, kw.pop("runbook", self.runbook), self.inventory, kw.pop("journal", self.journal), **kw)

    def states(self) -> dict[str, str]:
        """Every router's state now (running AND saved compared line by line)."""
        return H.classify(H.read_routers(self.inventory), self.pre, self.post)


@pytest.fixture
def bench(tmp_path: Path, post_run: dict[str, Any]) -> Iterator[Bench]:
    inv = H.lab_inventory(tmp_path)
    lab = H.LabProcess(inv, tmp_path / "state", tmp_path / "lab.log").start()
    try:
        pre = H.read_routers(inv)
        # Every scenario starts where the reference run started: a factory-fresh lab.
        assert {h: (c.running, c.saved) for h, c in pre.items()} == {h: (c.running, c.saved) for h, c in post_run["pre"].items()}
        yield Bench(tmp_path, inv, tmp_path / "journal", lab, pre, post_run["post"], H.fault_runbook(tmp_path))
    finally:
        lab.stop()
