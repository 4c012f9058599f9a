"""Shared fixtures: the twin lab, in-process, on ephemeral loopback ports.

``lab`` — the reference lab (``inventory/lab``: PE1, PE2, PE3, CE1, CE2),
factory-fresh, time scale 0 (instant convergence), one fresh lab per test.
It yields a :class:`vrpbook.twin.lab.RunningLab`::

    def test_something(lab):
        host, port = lab.address("PE1")
        user, password = lab.credentials
        conn = netmiko.ConnectHandler(**lab.netmiko_params("PE1"))
        lab.running_config("PE1")      # committed RouterConfig
        lab.network                    # the Network instance
        lab.lab                        # the Lab itself

``lab_factory(inventory=..., state_dir=..., time_scale=..., trial_time_scale=...)``
starts further labs (another topology, a persistent state dir); all are
stopped at the end of the test.

Every test gets its own run journal directory (``$VRPBOOK_JOURNAL``) and its own
history database (``$VRPBOOK_HISTORY``: runs hold their routers and record
themselves there), so runs never read or leave records in the user's state
directory.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from vrpbook.paths import PROJECT_ROOT
from vrpbook.lab import boot_lab
from vrpbook.twin.lab import RunningLab

LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"


@pytest.fixture(autouse=True)
def private_journal(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    journal = tmp_path_factory.mktemp("journal")
    monkeypatch.setenv("VRPBOOK_JOURNAL", str(journal))
    return journal


@pytest.fixture
def lab_factory() -> Iterator[Callable[..., RunningLab]]:
    with ExitStack() as stack:

        def start(
            inventory: str | Path = LAB_INVENTORY,
            state_dir: str | Path | None = None,
            time_scale: float = 0.0,
            trial_time_scale: float = 1.0,
        ) -> RunningLab:
            lab = boot_lab(inventory, state_dir=state_dir, time_scale=time_scale, trial_time_scale=trial_time_scale)
            return stack.enter_context(lab.running(ephemeral_ports=True))

        yield start


@pytest.fixture
def lab(lab_factory: Callable[..., Any]) -> RunningLab:
    return lab_factory()


@pytest.fixture(autouse=True)
def private_history(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own history database (``$VRPBOOK_HISTORY``): runs hold their routers
    and record themselves there, checks read its locks; never the user's state directory."""
    path = tmp_path_factory.mktemp("history") / "history.db"
    monkeypatch.setenv("VRPBOOK_HISTORY", str(path))
    return path
