"""No overlap between two real processes: the second waits (bounded) or says who holds the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

HOLDER = """
import sys
from vrpbook.history.overlap import exclusive
with exclusive(sys.argv[1], wait=float(sys.argv[2])):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""

SECOND = """
import sys, time
from vrpbook.history.overlap import AlreadyRunning, exclusive
print("trying", flush=True)
t0 = time.monotonic()
try:
    with exclusive(sys.argv[1], wait=float(sys.argv[2])):
        print(f"got it after {time.monotonic() - t0:.2f}", flush=True)
except AlreadyRunning as exc:
    sys.stderr.write(f"vrpbook check: {exc}\\n")
    raise SystemExit(4)
"""


def _holder(lock, wait="0"):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock), wait], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def _second(lock, wait):
    return subprocess.Popen([sys.executable, "-c", SECOND, str(lock), wait], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def test_second_run_gives_up_with_a_clear_line(tmp_path):
    lock = tmp_path / "run" / "check.lock"
    first = _holder(lock)
    try:
        started = time.monotonic()
        _out, err = _second(lock, "0.5").communicate(timeout=30)
        assert time.monotonic() - started >= 0.5
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err
        assert lines[0].startswith("vrpbook check: another vrpbook check is still running (pid ")
        assert f"pid {first.pid}," in lines[0] and f"waited 0.5 s for {lock}" in lines[0]
    finally:
        first.communicate("\n", timeout=30)


def test_second_run_waits_for_the_first_to_finish(tmp_path):
    lock = tmp_path / "check.lock"
    first = _holder(lock)
    second = _second(lock, "30")
    assert second.stdout is not None and second.stdout.readline().strip() == "trying"
    time.sleep(0.5)  # the second is polling the lock (its start-up time no longer counts)
    assert second.poll() is None  # still waiting, not failed
    out, _ = first.communicate("\n", timeout=30)
    assert "released" in out
    out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert float(out.split()[-1]) > 0.2  # it waited for the lock rather than getting it at once


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    lock = tmp_path / "check.lock"
    first = _holder(lock)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    second = _second(lock, "0")
    out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert out.splitlines()[1].startswith("got it after 0.0")  # at once: the kernel released the dead holder's lock
