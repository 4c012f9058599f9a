"""`vrpbook lab status` / `lab down`: a pidfile the lab holds (flock) for its whole life."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..lab_process import VRPBOOK, LabProcess, copy_inventory

pytestmark = pytest.mark.lab


def _vrpbook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VRPBOOK, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def _up(inv: Path, state: Path) -> subprocess.Popen[bytes]:
    lab = LabProcess(inv, state).start()
    assert lab.proc is not None
    return lab.proc


def test_status_down_and_a_killed_labs_stale_pidfile(tmp_path):
    inv, state = copy_inventory(tmp_path / "inventory"), tmp_path / "state"
    gone = _vrpbook("lab", "status", "--state-dir", str(state))
    assert gone.returncode == 3 and f"no lab running from {state}" in gone.stderr

    proc = _up(inv, state)
    status = _vrpbook("lab", "status", "--state-dir", str(state))
    assert status.returncode == 0 and f"pid {proc.pid}" in status.stdout
    assert all(name in status.stdout for name in ("PE1", "CE2")) and status.stdout.count(" yes ") == 5
    second = subprocess.run([VRPBOOK, "lab", "up", "--inventory", str(inv), "--state-dir", str(state)],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert second.returncode == 2 and f"pid {proc.pid}" in second.stderr  # one lab per state dir

    down = _vrpbook("lab", "down", "--state-dir", str(state))
    assert down.returncode == 0 and f"lab pid {proc.pid} stopped" in down.stdout
    assert proc.wait(10) == 0 and not (state / "lab.pid").exists()
    assert _vrpbook("lab", "down", "--state-dir", str(state)).returncode == 0  # nothing to stop: fine

    proc = _up(inv, state)
    proc.kill()  # SIGKILL: the pidfile stays, but nobody holds its lock
    proc.wait(10)
    assert (state / "lab.pid").exists()
    stale = _vrpbook("lab", "status", "--state-dir", str(state))
    assert stale.returncode == 3 and "stale pidfile" in stale.stderr
    proc = _up(inv, state)  # a new lab takes the state dir over
    assert _vrpbook("lab", "down", "--state-dir", str(state)).returncode == 0
    proc.wait(10)
