"""The fault suite's harness: a lab and a controller, each a real process, and the routers' truth.

- :class:`LabProcess` runs ``vrpbook lab up`` in a subprocess on free loopback
  ports (a copy of ``inventory/lab``; protocols instant, trial timers scaled so
  a ``commit trial 60`` lasts 6 s) and can kill it and start it again from its
  state directory.
- :class:`Controller` runs ``vrpbook run`` in a subprocess with a fault point
  armed (``VRPBOOK_FAULT_POINT``, :mod:`vrpbook.runbooks.faults`): the run
  freezes itself (SIGSTOP) exactly there and writes a marker file; the test
  waits for the marker (a poll of a file, never a sleep-and-hope), then sends
  what the scenario needs.
- :func:`read_routers` reads every router's running AND saved configuration
  over SSH, each on a fresh session, for a line-by-line comparison with its
  pre-run and post-run configurations.
- :class:`Measurements` collects one row per scenario (fault, point, end state,
  seconds to settle) into a JSON file that ``table.py`` turns into the README
  table.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# This module is loaded by path (conftest.py), hence the absolute ``tests.`` import (pytest's
# --import-mode=importlib makes ``tests`` a namespace package).
from tests import lab_process
from tests.lab_process import VRPBOOK, copy_inventory
from vrpbook.paths import PROJECT_ROOT

RUNBOOK = PROJECT_ROOT / "runbooks" / "bfd_static_vpn.yaml"
HOSTS = ["PE1", "CE1", "PE2", "PE3", "CE2"]
TRIAL_TIME_SCALE = 0.1  # trial_seconds 60 -> 6 s of wall time
DEADLINE = 60.0  # no scenario step may take longer (a hang fails the test instead of CI)


def lab_inventory(tmp: Path) -> Path:
    """``inventory/lab`` on free ports (the fixed 22301-22305 may be an operator's lab)."""
    return copy_inventory(tmp / "inventory")


def fault_runbook(tmp: Path, *, swap_last_two: bool = False, trial_seconds: int = 60) -> Path:
    """The reference runbook with a short trial (60 s, i.e. 6 s scaled) and short deadlines.
    Scenarios that hold a run stopped while something else happens (another run starts, waits
    or is refused) use a long trial (600 s = 60 s scaled), so a slow machine can never let the
    held run's trial expire under it.
    ``swap_last_two`` puts step 9 (BFD-tracked routes) before step 8 (the BFD sessions): the
    whole-run dry run accepts it, the router refuses the stage's commit (a commit rejected)."""
    raw = yaml.safe_load(RUNBOOK.read_text())
    raw["defaults"].update(trial_seconds=trial_seconds, gate_deadline=5, confirm_margin=10)
    if swap_last_two:
        stages = raw["stages"]
        i = next(n for n, s in enumerate(stages) if s["name"] == "bfd-sessions")
        stages[i], stages[i + 1] = stages[i + 1], stages[i]
    path = tmp / f"{'rejected' if swap_last_two else 'fault'}_runbook_{trial_seconds}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def wait_for(predicate: Any, what: str, timeout: float = DEADLINE, every: float = 0.02) -> Any:
    """Poll *predicate* until it returns something truthy (an event, not a guess)."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


class LabProcess(lab_process.LabProcess):
    """``vrpbook lab up`` in its own process (:mod:`tests.lab_process`), trial timers scaled
    (a ``commit trial 60`` lasts 6 s); killable and restartable from its state dir."""

    up_timeout = DEADLINE

    def __init__(self, inventory: Path, state: Path, log: Path) -> None:
        super().__init__(inventory, state, "--trial-time-scale", str(TRIAL_TIME_SCALE), log=log)


@dataclass
class Controller:
    """One ``vrpbook run`` process (output to files: a stopped process must never block a pipe)."""

    proc: subprocess.Popen[bytes]
    out: Path
    err: Path
    marker: Path
    journal: Path
    artifacts: Path
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(cls, tmp: Path, name: str, runbook: Path, inventory: Path, journal: Path, *,
              point: str | None = None, action: str = "stop", extra: tuple[str, ...] = ()) -> Controller:
        base = tmp / name
        base.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "COLUMNS": "200", "VRPBOOK_JOURNAL": str(journal)}
        for key in ("VRPBOOK_FAULT_POINT", "VRPBOOK_FAULT_ACTION", "VRPBOOK_FAULT_FILE"):
            env.pop(key, None)
        if point:
            env.update(VRPBOOK_FAULT_POINT=point, VRPBOOK_FAULT_ACTION=action, VRPBOOK_FAULT_FILE=str(base / "marker"))
        out, err = base / "stdout.txt", base / "stderr.txt"
        with out.open("wb") as o, err.open("wb") as e:
            proc = subprocess.Popen(
                [VRPBOOK, "run", str(runbook), "--inventory", str(inventory), "--yes",
                 "--artifacts", str(base / "artifacts"), "--journal", str(journal), *extra],
                stdin=subprocess.DEVNULL, stdout=o, stderr=e, env=env,
            )
        return cls(proc, out, err, base / "marker", journal, base / "artifacts")

    def reached(self, nth: int = 1) -> str:
        """Wait until the run stopped itself at its *nth* fault point; return the point."""
        def hit() -> str | None:
            if self.proc.poll() is not None:
                raise AssertionError(f"controller exited {self.proc.returncode} before its fault point:\n{self.output()}")
            lines = (self.marker.read_text() if self.marker.exists() else "").splitlines()
            return lines[nth - 1].split()[0] if len(lines) >= nth else None
        point: str = wait_for(hit, "the controller to reach its fault point")
        wait_for(lambda: _stopped(self.proc.pid), "the controller to be stopped (SIGSTOP)")
        return point

    def signal(self, sig: int) -> None:
        os.kill(self.proc.pid, sig)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def wait(self, timeout: float = DEADLINE) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"controller did not finish within {timeout:g} s:\n{self.output()}") from None

    def output(self) -> str:
        return f"--- stdout\n{self.out.read_text()}\n--- stderr\n{self.err.read_text()}"

    def run_id(self) -> str:
        (journal,) = [p for p in self.journal.glob("*.jsonl") if self._mine(p)]
        return journal.name[: -len(".jsonl")]

    def _mine(self, path: Path) -> bool:
        first = path.read_text().splitlines()[0]
        return json.loads(first).get("pid") == self.proc.pid

    def report(self) -> dict[str, Any]:
        (run_dir,) = [p for p in self.artifacts.iterdir() if p.is_dir()]
        data: dict[str, Any] = json.loads((run_dir / "report.json").read_text())
        return data


def _stopped(pid: int) -> bool:
    """True when the process is in the stopped state (``T`` in /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] in ("T", "t")


def vrpbook(*args: str, journal: Path, timeout: float = DEADLINE) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "VRPBOOK_JOURNAL": str(journal)}
    for key in ("VRPBOOK_FAULT_POINT", "VRPBOOK_FAULT_ACTION", "VRPBOOK_FAULT_FILE"):
        env.pop(key, None)
    return subprocess.run([VRPBOOK, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, env=env)


# --- the routers' truth --------------------------------------------------------------------


@dataclass(frozen=True)
class RouterConfigs:
    running: str
    saved: str


def read_routers(inventory: Path, hosts: list[str] | None = None) -> dict[str, RouterConfigs]:
    """Every router's running and saved configuration (``!`` header lines dropped), each read on
    a fresh SSH session through vrpbook's own ``vrp8`` connection plugin."""
    from nornir.core.task import Result, Task

    from vrpbook.inventory import connect, load_inventory
    from vrpbook.runbooks.steps import run_step
    from vrpbook.tasks.channel import channel_for
    from vrpbook.tasks.device_state import read_saved_config
    from vrpbook.tasks.snapshot import read_config

    def read(task: Task) -> Result:
        chan = channel_for(task)
        return Result(host=task.host, result=RouterConfigs(read_config(chan), read_saved_config(chan)))

    inv = load_inventory(inventory)
    nr = connect(inv)
    try:
        res = run_step(nr, hosts or list(nr.inventory.hosts), read, "read")
    finally:
        nr.close_connections()
    errors = {h: o.error for h, o in res.items() if o.error is not None}
    assert not errors, errors
    return {h: o.value for h, o in res.items()}


def trial_active(inventory: Path, host: str) -> bool:
    """``display configuration trial status`` on *host*, on a fresh session."""
    from nornir.core.task import Result, Task

    from vrpbook.inventory import connect, load_inventory
    from vrpbook.runbooks.steps import run_step
    from vrpbook.tasks.channel import channel_for
    from vrpbook.tasks.device_state import read_trial_status

    def read(task: Task) -> Result:
        return Result(host=task.host, result=read_trial_status(channel_for(task)).active)

    nr = connect(load_inventory(inventory))
    try:
        out = run_step(nr, [host], read, "trial-status")[host]
    finally:
        nr.close_connections()
    assert out.error is None, out.error
    return bool(out.value)


def classify(now: dict[str, RouterConfigs], pre: dict[str, RouterConfigs], post: dict[str, RouterConfigs]) -> dict[str, str]:
    """Per router: ``pre-run`` or ``post-run`` when running AND saved both equal that state's,
    line by line; anything else is a failure of the suite (it names the lines)."""
    states: dict[str, str] = {}
    for host, cfg in now.items():
        for state, ref in (("pre-run", pre[host]), ("post-run", post[host])):
            if cfg.running.splitlines() == ref.running.splitlines() and cfg.saved.splitlines() == ref.saved.splitlines():
                states[host] = state
                break
        else:
            states[host] = "neither: " + _differences(cfg, pre[host], post[host])
    return states


def _differences(cfg: RouterConfigs, pre: RouterConfigs, post: RouterConfigs) -> str:
    def lines(a: str, b: str) -> str:
        sa, sb = set(a.splitlines()), set(b.splitlines())
        return f"+{sorted(sa - sb)[:4]} -{sorted(sb - sa)[:4]}"

    return (f"running vs pre {lines(cfg.running, pre.running)}, vs post {lines(cfg.running, post.running)}; "
            f"saved vs pre {lines(cfg.saved, pre.saved)}, vs post {lines(cfg.saved, post.saved)}")


# --- measurements -> README table -------------------------------------------------------------


class Measurements:
    """One row per scenario, written to ``$VRPBOOK_FAULT_TABLE`` (default
    ``build/fault-table.json``) as each scenario ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []

    def add(self, **row: Any) -> None:
        self.rows.append(row)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.rows, indent=2) + "\n")
