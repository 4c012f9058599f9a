"""Check sweep benchmark: ``vrpbook check`` against a stock Nornir sweep of the same displays.

For each size (default 16 and 40 routers) it writes a ring lab of that many
routers (``bench/topologies.py``: full-mesh MP-IBGP, the reference lab's two
kinds of CE alternating), serves it with ``vrpbook lab up`` in its own
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

**Scale** (``--routers N``): one ring of about N routers, and ``vrpbook check``
three ways, alternately and ``--runs`` times each — in one process; through
``--distributed`` with one ``vrpbook worker``; with two workers. Each worker is
its own process (prefork pool, one shard at a time), the broker a real
``redis-server`` on loopback (``bench/celery_rig.py``); the coordinator runs in
this process. The lab boots already converged: each router's saved
configuration is what the runbook's ``save`` stage leaves (the intent rendered
by ``vrpbook.intended``, plus the ``undo shutdown`` the twin prints under a
physical port — checked equal to a runbook-converged ring's files), because
converging hundreds of routers through the runbook is the twin's open scale
work; ``--fresh`` boots factory-fresh routers instead. Prints per mode the
median sweep time, the per-router cost, and the peak threads and memory of the
controller (one process) or of the workers (summed over their processes).

    python bench/check_sweep.py [--sizes 16 40] [--runs 3]
    python bench/check_sweep.py --routers 500 [--runs 3] [--shard-size 50] [--login-rate 20] [--fresh]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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

from celery_rig import redis_server, start_workers
from topologies import ScaleNetwork

from vrpbook.checks.registry import all_checks
from vrpbook.cli import app
from vrpbook.compliance.catalog import default_catalog
from vrpbook.compliance.sweep import plan
from vrpbook.intended import intended_config
from vrpbook.intent import intent_of
from vrpbook.inventory import load_inventory
from vrpbook.parsers.commands import resolve
from vrpbook.parsers.grammar import template_text

VRPBOOK = str(Path(sys.executable).with_name("vrpbook"))


def _free_ports(n: int) -> list[int]:
    """*n* free loopback ports below the kernel's ephemeral range (from a random start): between
    choosing them and the lab binding them, no outgoing connection can be given one as its source
    port (with hundreds of ports and other work on the machine, ephemeral ones got taken)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]) if Path(
        "/proc/sys/net/ipv4/ip_local_port_range").exists() else 32768
    start = random.randrange(10000, max(10001, low - n - 2000))
    ports: list[int] = []
    for port in range(start, low):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == n:
            return ports
    raise SystemExit(f"no {n} free ports between {start} and {low}")


@contextlib.contextmanager
def lab_up(inventory: Path, state: Path, ports: list[int], boot_timeout: float = 120) -> Iterator[int]:
    """``vrpbook lab up`` in its own process until every router answers; yields its pid."""
    log = (state.parent / f"{state.name}-lab.log").open("w")
    proc = subprocess.Popen([VRPBOOK, "lab", "up", "--inventory", str(inventory), "--state-dir", str(state),
                             "--time-scale", "0"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + boot_timeout
        pending = list(ports)
        while pending:
            if proc.poll() is not None:
                raise SystemExit("vrpbook lab up exited: " + Path(log.name).read_text()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", pending[0]), timeout=1).close()
                pending.pop(0)
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the lab did not come up") from None
                time.sleep(0.1)
        yield proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def displays(inventory: Path) -> dict[str, list[str]]:
    """Per router, the displays ``vrpbook check`` reads with the default catalog."""
    inv = load_inventory(inventory)
    net = intent_of(inv)
    routers = list(inv.nr.inventory.hosts)
    work, _ = plan(default_catalog(all_checks(), net, routers), net)
    return {r: list(w.commands) for r, w in work.items()}


def vrpbook_check(inventory: Path, *extra: str, codes: tuple[int, ...] = (0,)) -> tuple[float, str]:
    """Time ``vrpbook check`` in-process; its summary line (and, distributed, the shards line)."""
    started = time.perf_counter()
    res = CliRunner().invoke(app, ["check", "--inventory", str(inventory), "--no-history", *extra], env={"COLUMNS": "200"})
    took = time.perf_counter() - started
    if res.exit_code not in codes:
        raise SystemExit(f"vrpbook check exited {res.exit_code}:\n{res.output[-5000:]}")
    lines = res.output.strip().splitlines()
    summary = [ln for ln in lines if re.match(r"(PASS|FAIL|ERROR) ", ln)]
    return took, " / ".join([*summary[-1:], *(ln for ln in lines if ln.startswith("distributed: "))])


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
    net = ScaleNetwork.of_routers(routers, ibgp="full-mesh", pe_ce="mixed")
    ports = _free_ports(len(net.routers))
    inventory = net.write_inventory(work / f"ring{routers}", dict(zip(net.routers, ports, strict=True)))
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


# --- scale: one process, one Celery worker, two Celery workers ------------------------------------


def ring_size(requested: int) -> int:
    """The nearest network ``bench/topologies.py`` builds at or above *requested* (a PE and a CE per
    ring stop, at least three PEs)."""
    return max(6, requested + requested % 2)


def converged_state(inventory: Path, state: Path) -> None:
    """Each router's saved configuration as the runbook's ``save`` leaves it (module docstring)."""
    net = intent_of(load_inventory(inventory))
    for router in net:
        text = re.sub(r"^(interface GigabitEthernet\S+)$", r"\1\n undo shutdown", intended_config(router, net).text,
                      flags=re.M)
        (state / router).mkdir(parents=True, exist_ok=True)
        (state / router / "vrpcfg.cfg").write_text(text)


def _proc_tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{p}/task"):
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split())
    return out


def _usage(pids: list[int]) -> tuple[int, int]:
    """(threads, resident kB) summed over *pids* and their descendants."""
    threads = rss = 0
    for p in {q for pid in pids for q in _proc_tree(pid)}:
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{p}/status").read_text().splitlines() if ":" in line)
            threads += int(fields["Threads"])
            rss += int(fields["VmRSS"].split()[0])
    return threads, rss


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by *pids* and their descendants."""
    total = 0
    for p in {q for pid in pids for q in _proc_tree(pid)}:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


class Peak:
    """Peak threads and memory of some processes while a block runs (sampled every 20 ms), and
    the CPU seconds they used in it."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.threads, self.rss_kb, self.cpu = pids, 0, 0, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            t, r = _usage(self.pids)
            self.threads, self.rss_kb = max(self.threads, t), max(self.rss_kb, r)

    def __enter__(self) -> Peak:
        self.cpu = -_cpu(self.pids)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.cpu += _cpu(self.pids)


def scale(requested: int, runs: int, work: Path, *, shard_size: int, login_rate: float, fresh: bool,
          boot_timeout: float, ibgp: str) -> None:
    routers = ring_size(requested)
    if routers != requested:
        print(f"{requested} routers requested: bench/topologies.py builds rings of PE + CE pairs; using {routers}")
    # At hundreds of routers a network's MP-IBGP runs over route reflectors (the default here,
    # two dedicated ones, as bench/twin_scale.py); a full mesh is N² sessions.
    net = (ScaleNetwork.of_routers(routers, ibgp="rr", pe_ce="mixed", rr_placement="dedicated") if ibgp == "rr"
           else ScaleNetwork.of_routers(routers, ibgp="full-mesh", pe_ce="mixed"))
    ports = _free_ports(len(net.routers))
    inventory = net.write_inventory(work / f"ring{routers}", dict(zip(net.routers, ports, strict=True)))
    state = work / f"state{routers}"
    t = time.perf_counter()
    if not fresh:
        converged_state(inventory, state)
    rendered = time.perf_counter() - t
    t = time.perf_counter()
    with lab_up(inventory, state, ports, boot_timeout) as lab_pid, redis_server(work / "redis") as broker:
        boot = time.perf_counter() - t
        how = f"{ibgp} MP-IBGP, " + ("factory-fresh" if fresh else
                                     f"converged (saved configurations from the intent, rendered in {rendered:.0f} s)")
        print(f"{routers} routers: lab {how}, up in {boot:.0f} s; {_usage([lab_pid])[1] / 1024:.0f} MB for the twin process",
              flush=True)
        common = ["--login-rate", str(login_rate)]
        codes = (0, 1, 2) if fresh else (0,)  # a factory-fresh network fails its checks
        dist = ["--distributed", "--broker", broker, "--shard-size", str(shard_size)]
        timings: dict[str, list[float]] = {"one process": [], "1 Celery worker": [], "2 Celery workers": []}
        peaks: dict[str, tuple[int, int]] = {}
        cpu: dict[str, list[float]] = {mode: [] for mode in timings}
        twin_cpu: dict[str, list[float]] = {mode: [] for mode in timings}
        summary = shards_line = ""

        def record(mode: str, took: float, peak: Peak, twin: Peak) -> None:
            timings[mode].append(took)
            peaks[mode] = (peak.threads, peak.rss_kb)
            cpu[mode].append(peak.cpu)
            twin_cpu[mode].append(twin.cpu)
        first = start_workers(["w1@bench"], broker, work)[0]
        try:
            for _ in range(runs):
                with Peak([lab_pid]) as twin, Peak([os.getpid()]) as peak:
                    took, summary = vrpbook_check(inventory, *common, codes=codes)
                record("one process", took, peak, twin)
                with Peak([lab_pid]) as twin, Peak([first.pid]) as peak:
                    took, summary1 = vrpbook_check(inventory, *common, *dist, codes=codes)
                record("1 Celery worker", took, peak, twin)
                second = start_workers(["w2@bench"], broker, work)[0]  # (a running worker would take shards)
                try:
                    with Peak([lab_pid]) as twin, Peak([first.pid, second.pid]) as peak:
                        took, summary2 = vrpbook_check(inventory, *common, *dist, codes=codes)
                finally:
                    second.stop()
                record("2 Celery workers", took, peak, twin)
                if not (summary == summary1.split(" / ")[0] == summary2.split(" / ")[0]):
                    raise SystemExit(f"the modes disagree: {summary!r} / {summary1!r} / {summary2!r}")
                shards_line = summary2.split(" / ")[-1]
        finally:
            first.stop()
    shards = -(-routers // shard_size)
    print(f"  {summary}")
    print(f"  {shards_line}")
    print(f"  sessions: 16 per sweep (one process) or per shard ({shards} shards of ≤ {shard_size}; a worker runs one "
          f"at a time); logins paced at {login_rate:g}/s per sweep or shard; medians of {runs}")
    base = statistics.median(timings["one process"])
    for mode, ts in timings.items():
        med = statistics.median(ts)
        threads, rss = peaks[mode]
        who = "controller" if mode == "one process" else "worker processes"
        used = statistics.median(cpu[mode])
        print(f"  {mode:17} {med:7.2f} s  {1000 * med / routers:6.1f} ms/router  ({base / med:.2f}x one process)  "
              f"CPU {used:.1f} s ({1000 * used / routers:.0f} ms/router; the twin {statistics.median(twin_cpu[mode]):.1f} s)  "
              f"peak {threads} threads, {rss / 1024:.0f} MB ({who})")
    print("per-router cost: " + "; ".join(f"{m} {1000 * statistics.median(ts) / routers:.1f} ms"
                                          for m, ts in timings.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 40], help="lab sizes in routers (default 16 40)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per path and size (default 3; medians)")
    ap.add_argument("--routers", type=int, help="scale mode: one process vs 1 and 2 Celery workers at this size")
    ap.add_argument("--shard-size", type=int, default=50, help="scale mode: routers per Celery task (default 50)")
    ap.add_argument("--login-rate", type=float, default=20.0, help="scale mode: --login-rate of every sweep (default 20)")
    ap.add_argument("--fresh", action="store_true", help="scale mode: boot factory-fresh routers (not converged)")
    ap.add_argument("--ibgp", choices=("rr", "full-mesh"), default="rr",
                    help="scale mode: MP-IBGP over two dedicated route reflectors (default) or a full mesh")
    ap.add_argument("--boot-timeout", type=float, default=3600, help="scale mode: seconds to wait for the lab (default 3600)")
    args = ap.parse_args()
    if args.routers:
        with tempfile.TemporaryDirectory(prefix="vrpbook-check-scale-") as tmp:
            scale(args.routers, args.runs, Path(tmp), shard_size=args.shard_size, login_rate=args.login_rate,
                  fresh=args.fresh, boot_timeout=args.boot_timeout, ibgp=args.ibgp)
        return
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
