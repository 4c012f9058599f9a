"""A converged reference lab for the fixtures that boot many labs from it (``vrpbook check``,
backups, rehearsals): the reference runbook is run once over SSH, and its ``save`` stage leaves
every router's saved configuration in a state directory; a lab booted from a copy of that
directory is converged at once (protocols at time scale 0), without running the runbook again.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from vrpbook.intent import intent_of
from vrpbook.inventory import Credentials, connect, load_inventory
from vrpbook.lab import boot_lab
from vrpbook.runbooks.runner import Target, run_with_target
from vrpbook.runbooks.schema import load_runbook
from vrpbook.twin.lab import RunningLab

from .lab_process import LAB_INVENTORY, copy_inventory


def converge(root: Path, *, in_process: bool = False) -> Path:
    """``root/state``: a factory-fresh lab's state dir after a full run of ``bfd-static-vpn``
    (artifacts in ``root/artifacts``). *in_process*: the run's target is a lab in this process
    (:class:`vrpbook.runbooks.runner.Target`: no lock table, no history)."""
    state = root / "state"
    lab = boot_lab(LAB_INVENTORY, state_dir=state, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        inv = load_inventory(LAB_INVENTORY)
        user, password = running.credentials
        nr = connect(inv, credentials=Credentials(user, password), addresses=dict(running.hosts),
                     known_hosts=Path(running.known_hosts_path))
        try:
            report, _ = run_with_target(load_runbook("bfd-static-vpn"), intent_of(inv),
                                        Target(nr, inv, inv.secrets, in_process=in_process), artifacts_dir=root / "artifacts")
        finally:
            nr.close_connections()
        assert report.exit_code == 0
    return state


@contextmanager
def booted_from(converged_state: Path, tmp: Path) -> Iterator[RunningLab]:
    """A lab booted from a copy of *converged_state* (``tmp/state``), on ephemeral ports."""
    state = tmp / "state"
    shutil.copytree(converged_state, state)
    lab = boot_lab(LAB_INVENTORY, state_dir=state, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        yield running


def pointed_at(running: RunningLab, dest: Path, ports: Mapping[str, int] | None = None) -> Path:
    """A copy of ``inventory/lab`` whose hosts point at *running*'s ports (or, for those named, *ports*)."""
    return copy_inventory(dest, {**{name: address[1] for name, address in running.hosts.items()}, **(ports or {})})
