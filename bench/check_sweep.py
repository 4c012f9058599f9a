"""Check sweep benchmark: ``vrpbook check`` against a stock Nornir sweep of the same displays.

For each size (default 16 and 40 routers) it writes a ring lab of that many
routers (``bench/ring_lab.py``), serves it with ``vrpbook lab up`` in its own
process (time scale 0), converges it with ``vrpbook run bfd-static-vpn
--inventory … --yes`` (the runbook takes any topology there through its
intent), then times, alternately and ``--runs`` times each:

* ``vrpbook check --inventory … --no-history`` (the default catalog; run
  in-process through the CLI, so the figure is the command's work without the
  interpreter's start-up; default sessions and login pacing — and, for
  information, once more with ``--login-rate 0``);
* the stock sweep: Nornir's default threaded runner, nornir-netmiko's
  ``netmiko_send_command`` with netmiko's default settings for every display
  ``vrpbook check`` reads on each router (the same command list, taken from
  its catalog plan), each output parsed with TTP (``ttp`` with vrpbook's own
  templates), then the sessions closed.

Both run in this process as the controller; the twin runs in the lab process.
Prints each path's median seconds and per-router cost at both sizes (so
growth is visible) and, last, ``check-sweep speedup: N.Nx`` at the largest
size. Nothing asserts a time.

    python bench/check_sweep.py [--sizes 16 40] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nornir import InitNornir
from nornir.core.task import Result, Task
from nornir_netmiko.tasks import netmiko_send_command
from ttp import ttp
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ring_lab import write_ring_inventory

from vrpbook.checks.registry import all_checks
from vrpbook.cli import app
from vrpbook.compliance.catalog import default_catalog
from vrpbook.compliance.sweep import plan
from vrpbook.intent import intent_of
from vrpbook.inventory import load_inventory
from vrpbook.parsers.commands import resolve
from vrpbook.parsers.grammar import template_text

VRPBOOK = str(Path(sys.executable).with_name("vrpbook"))


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@contextlib.contextmanager
def lab_up(inventory: Path, state: Path, ports: list[int]) -> Iterator[None]:
    """``vrpbook lab up`` in its own process until every router answers."""
    proc = subprocess.Popen([VRPBOOK, "lab", "up", "--inventory", str(inventory), "--state-dir", str(state),
                             "--time-scale", "0"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        pending = list(ports)
        while pending:
            if proc.poll() is not None:
                raise SystemExit("vrpbook lab up exited")
            try:
                socket.create_connection(("127.0.0.1", pending[0]), timeout=1).close()
                pending.pop(0)
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the lab did not come up") from None
                time.sleep(0.1)
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def displays(inventory: Path) -> dict[str, list[str]]:
    """Per router, the displays ``vrpbook check`` reads with the default catalog."""
    inv = load_inventory(inventory)
    net = intent_of(inv)
    routers = list(inv.nr.inventory.hosts)
    work, _ = plan(default_catalog(all_checks(), net, routers), net)
    return {r: list(w.commands) for r, w in work.items()}


def vrpbook_check(inventory: Path, *extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    res = CliRunner().invoke(app, ["check", "--inventory", str(inventory), "--no-history", *extra], env={"COLUMNS": "200"})
    took = time.perf_counter() - started
    if res.exit_code != 0:
        raise SystemExit(f"vrpbook check exited {res.exit_code}:\n{res.output}")
    return took, res.output.strip().splitlines()[-1]


def _stock_task(task: Task, commands: dict[str, list[str]]) -> Result:
    parsed: dict[str, Any] = {}
    for cmd in commands[task.host.name]:
        out = task.run(task=netmiko_send_command, command_string=cmd).result
        parser = ttp(data=str(out), template=template_text(resolve(cmd).spec.template))
        parser.parse()
        parsed[cmd] = parser.result()
    return Result(host=task.host, result=parsed)


def stock_sweep(inventory: Path, commands: dict[str, list[str]]) -> tuple[float, int]:
    started = time.perf_counter()
    nr = InitNornir(  # Nornir's defaults: the threaded runner, 20 workers
        inventory={"plugin": "SimpleInventory", "options": {
            "host_file": str(inventory / "hosts.yaml"), "group_file": str(inventory / "groups.yaml"),
            "defaults_file": str(inventory / "defaults.yaml")}},
        logging={"enabled": False},
    )
    try:
        agg = nr.run(task=_stock_task, commands=commands)
    finally:
        nr.close_connections()
    took = time.perf_counter() - started
    if agg.failed:
        raise SystemExit(f"stock sweep failed on {sorted(agg.failed_hosts)}: "
                         f"{next(iter(agg.failed_hosts.values()))[0].exception}")
    records = sum(1 for multi in agg.values() for parsed in multi[0].result.values() if parsed and parsed[0])
    return took, records


def measure(routers: int, runs: int, work: Path) -> dict[str, Any]:
    ports = _free_ports(2 * (routers // 2))
    names = [f"{kind}{i}" for i in range(1, routers // 2 + 1) for kind in ("PE", "CE")]
    inventory = write_ring_inventory(routers, work / f"ring{routers}", dict(zip(names, ports, strict=True)))
    with lab_up(inventory, work / f"state{routers}", ports):
        t = time.perf_counter()
        run = subprocess.run([VRPBOOK, "run", "bfd-static-vpn", "--inventory", str(inventory), "--yes",
                              "--artifacts", str(work / "artifacts")], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200"})
        if run.returncode != 0:
            raise SystemExit(f"the runbook did not converge {routers} routers:\n{run.stdout[-3000:]}{run.stderr}")
        converge = time.perf_counter() - t
        commands = displays(inventory)
        ours: list[float] = []
        unpaced: list[float] = []
        stock: list[float] = []
        summary, records = "", 0
        for _ in range(runs):
            took, summary = vrpbook_check(inventory)
            ours.append(took)
            unpaced.append(vrpbook_check(inventory, "--login-rate", "0")[0])
            took, records = stock_sweep(inventory, commands)
            stock.append(took)
    return {"routers": routers, "converge": converge, "displays": sum(map(len, commands.values())),
            "ours": statistics.median(ours), "unpaced": statistics.median(unpaced), "stock": statistics.median(stock),
            "summary": summary, "records": records}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 40], help="lab sizes in routers (default 16 40)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per path and size (default 3; medians)")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes))
    figures = []
    with tempfile.TemporaryDirectory(prefix="vrpbook-check-sweep-") as tmp:
        for n in sizes:
            f = measure(n, args.runs, Path(tmp))
            figures.append(f)
            print(f"{f['routers']} routers: converged by the runbook in {f['converge']:.1f} s; "
                  f"{f['displays']} displays per sweep ({f['displays'] / f['routers']:.1f} per router)")
            print(f"  vrpbook check (16 sessions, 20 logins/s, one session per router): {f['ours']:.2f} s "
                  f"({1000 * f['ours'] / f['routers']:.0f} ms/router) — {f['summary']}")
            print(f"  (the same, logins unpaced, --login-rate 0:                      {f['unpaced']:.2f} s)")
            print(f"  stock nornir-netmiko netmiko_send_command + TTP (20 workers):     {f['stock']:.2f} s "
                  f"({1000 * f['stock'] / f['routers']:.0f} ms/router), {f['records']} of {f['displays']} displays parsed "
                  "to records (an unlocked router's lock-holder display is empty)")
    print("per-router cost: " + "; ".join(
        f"{f['routers']} routers: vrpbook {1000 * f['ours'] / f['routers']:.0f} ms, stock {1000 * f['stock'] / f['routers']:.0f} ms"
        for f in figures))
    last = figures[-1]
    print(f"check-sweep speedup: {last['stock'] / last['ours']:.1f}x")


if __name__ == "__main__":
    main()
