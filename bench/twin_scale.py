"""Scale benchmark of the twin: a PE ring with route reflectors and a CE per PE.

For each size N (routers in total; half PEs, half CEs, two route reflectors)
it prints:

- boot: seconds to build the lab and start N SSH servers (factory-fresh);
- memory per router: RSS growth of the lab process over the boot, / N, and
  again after convergence (what the configured network costs);
- push: seconds until every router's whole configuration has been typed over
  SSH and committed (one SSH session per router, netmiko's connection driven
  by vrpbook's prompt-driven channel, ``--concurrency`` sessions at a time);
- converge: seconds from the first push until the network is converged
  (every BGP session Established, every PE's VPN table holding every CE
  loopback, no protocol transition pending), with protocols at
  ``--time-scale`` of real time (the ``--lab`` default, 5%);
- the twin's work for one commit on one router after convergence (a CE
  announces one more loopback: every PE and CE learns one prefix): the
  incremental evaluation the commit triggers vs a full recompute of the same
  network by the same code (caches dropped), medians, and their ratio.

The lab runs in a child process (``--serve``), so the SSH clients do not
share its interpreter; it reports its own RSS and timings.

A second table compares, in-process on full-mesh rings (which the old code
can read), the engine before this work (git ``BASE``) with this one: a full
recompute each, and this engine's incremental commit.

    python bench/twin_scale.py [--sizes 10,50,100,250,500] [--compare 10,50,100]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

import netmiko

from vrpbook.lab import boot_lab
from vrpbook.tasks.candidate import push_lines
from vrpbook.tasks.channel import VrpChannel
from vrpbook.twin.cli.replay import replay_config
from vrpbook.twin.config.model import Interface, RouterConfig
from vrpbook.twin.network.engine import Network
from vrpbook.twin.state import Router
from vrpbook.twin.topology import Topology

sys.path.insert(0, str(Path(__file__).resolve().parent))
from topologies import ScaleNetwork, to_commands

ROOT = Path(__file__).resolve().parents[1]
BASE = "1d0fbe6"  # the commit before incremental evaluation (the "old" engine)
PROBE_LOOPBACK = "LoopBack9"


# ---------------------------------------------------------------- lab process

def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def serve(inventory: Path, time_scale: float) -> None:
    """Child process: boot the lab, then answer JSON commands on stdin."""
    gc.collect()
    rss0 = _rss_kb()
    t0 = time.perf_counter()
    lab = boot_lab(inventory, state_dir=None, time_scale=time_scale)
    ctx = lab.running(ephemeral_ports=True)
    running = ctx.__enter__()
    boot = time.perf_counter() - t0
    gc.collect()
    net = ScaleNetwork.of_routers(len(lab.routers))
    _reply({"event": "ready", "boot_s": boot, "rss_before_kb": rss0, "rss_after_kb": _rss_kb(),
            "hosts": {n: list(a) for n, a in running.hosts.items()}})

    def status() -> dict[str, Any]:
        st = lab.network.state()
        peers = [s for _pv, s in st.bgp_peers]
        want = {f"{net.ce_loopback(i)}/32" for i in range(1, net.pes + 1)}
        short = 0
        for i in range(1, net.pes + 1):
            table = st.tables.get(f"PE{i}", {}).get("VPNA")
            have = {str(p) for p in table.by_prefix()} if table is not None else set()
            short += len(want - have)
        pending = lab.network._timeline.next_t < float("inf")
        return {"bgp_up": peers.count("Established"), "bgp_total": len(peers), "missing_routes": short,
                "pending": pending, "rss_kb": _rss_kb(),
                "converged": bool(peers) and peers.count("Established") == len(peers) and short == 0 and not pending}

    def probe(runs: int) -> dict[str, Any]:
        router = lab.routers["CE1"]
        incremental, full = [], []
        for _ in range(runs):
            new = router.running.clone()
            if PROBE_LOOPBACK in new.interfaces:
                del new.interfaces[PROBE_LOOPBACK]
            else:
                new.interfaces[PROBE_LOOPBACK] = Interface(PROBE_LOOPBACK, False,
                                                           address=IPv4Interface("10.250.0.1/32"))
            t = time.perf_counter()
            router.commit(new, user="bench", user_intf="-", sid=None)
            incremental.append(time.perf_counter() - t)
            t = time.perf_counter()
            lab.network.recompute()
            full.append(time.perf_counter() - t)
        return {"incremental_s": statistics.median(incremental), "full_s": statistics.median(full),
                "steps": lab.network._evaluator.bgp.steps}

    def on_loop(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        # Router state lives on the lab's loop thread; wait as long as the twin is busy.
        async def run() -> dict[str, Any]:
            return fn()

        assert lab._loop is not None
        return asyncio.run_coroutine_threadsafe(run(), lab._loop).result()

    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "status":
            _reply(on_loop(status))
        elif cmd["op"] == "probe":
            runs = int(cmd.get("runs", 5))
            _reply(on_loop(lambda runs=runs: probe(runs)))
        elif cmd["op"] == "quit":
            break
    ctx.__exit__(None, None, None)


def _reply(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- client side

class LabProcess:
    def __init__(self, inventory: Path, time_scale: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(inventory), "--time-scale", str(time_scale)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        self.lock = threading.Lock()
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"lab process exited ({self.proc.wait()})")
        return dict(json.loads(line))

    def ask(self, op: str, **kw: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        with self.lock:
            self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
            self.proc.stdin.flush()
            return self._read()

    def close(self) -> None:
        try:
            self.ask_quit()
        finally:
            self.proc.wait(timeout=120)

    def ask_quit(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
        self.proc.stdin.flush()


def push_router(name: str, host: str, port: int, user: str, password: str, commands: list[str]) -> None:
    """One SSH session: type the configuration, commit, leave."""
    # Generous timeouts: a large lab is busy recomputing while hundreds of sessions log in.
    conn = netmiko.ConnectHandler(device_type="huawei_vrpv8", host=host, port=port, username=user,
                                  password=password, fast_cli=True, conn_timeout=120, banner_timeout=600,
                                  auth_timeout=600, read_timeout_override=900)
    try:
        chan = VrpChannel(conn, name, timeout=900)
        chan.sync()
        push_lines(chan, commands)
        reply = chan.run("commit", timeout=900)
        if reply.dirty:
            raise RuntimeError(f"{name}: commit left the candidate dirty")
        chan.user_view()
    finally:
        conn.paramiko_cleanup()  # drop the session at once (disconnect() idles ~2 s)


def scale_row(n: int, time_scale: float, concurrency: int, probe_runs: int, timeout: float) -> dict[str, Any]:
    net = ScaleNetwork.of_routers(n, ibgp="rr")
    with tempfile.TemporaryDirectory(prefix="vrpbook-scale-") as tmp:
        inv = net.write_inventory(Path(tmp) / "inv")
        lab = LabProcess(inv, time_scale)
        try:
            ready = lab.ready
            defaults = net.defaults()
            user, password = str(defaults["username"]), str(defaults["password"])
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                futures = [pool.submit(push_router, name, *ready["hosts"][name], user, password,
                                       to_commands(net.config_text(name))) for name in net.routers]
                for f in futures:
                    f.result()
            pushed = time.perf_counter() - t0
            status: dict[str, Any] = {}
            while time.perf_counter() - t0 < timeout:
                status = lab.ask("status")
                if status["converged"]:
                    break
                time.sleep(0.5)
            converged = time.perf_counter() - t0 if status.get("converged") else None
            probe = lab.ask("probe", runs=probe_runs)
        finally:
            lab.close()
    return {
        "routers": len(net.routers), "boot_s": ready["boot_s"],
        "kb_per_router_boot": (ready["rss_after_kb"] - ready["rss_before_kb"]) / len(net.routers),
        "kb_per_router_converged": (status.get("rss_kb", 0) - ready["rss_before_kb"]) / len(net.routers),
        "push_s": pushed, "converge_s": converged, "status": status, **probe,
    }


# ---------------------------------------------------------------- old vs new, in-process

def _old_engine() -> Any:
    """The network engine at BASE, extracted from git and imported as ``oldtwin``."""
    tmp = Path(tempfile.mkdtemp(prefix="vrpbook-oldtwin-"))
    data = subprocess.run(["git", "-C", str(ROOT), "archive", BASE, "twin"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "twin").rename(tmp / "oldtwin")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("oldtwin.network.engine")


def _configs(net: ScaleNetwork) -> tuple[Any, dict[str, Any]]:
    topo = Topology.from_dict(net.topology())
    configs = {}
    for name in net.routers:
        ports = list(topo.devices[name].interfaces)
        router = Router(name=name, model="NE40E", physical_interfaces=ports, running=RouterConfig.factory(ports))
        configs[name] = replay_config(router, None, "\n".join(net.config_text(name)), source=name)  # type: ignore[arg-type]  # no network while booting
    return topo, configs


def _timed(fn: Callable[[], Any], runs: int) -> float:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def compare_row(n: int, old: Any, runs: int) -> dict[str, Any]:
    net = ScaleNetwork.of_routers(n, ibgp="full-mesh")
    topo, configs = _configs(net)
    old_net = old.Network(topo, lambda: configs, time_scale=0.0)
    new_net = Network(topo, lambda: configs, time_scale=0.0)
    old_net.state()
    new_net.state()

    def flip() -> None:
        cfg = configs["CE1"].clone()
        if PROBE_LOOPBACK in cfg.interfaces:
            del cfg.interfaces[PROBE_LOOPBACK]
        else:
            cfg.interfaces[PROBE_LOOPBACK] = Interface(PROBE_LOOPBACK, False, address=IPv4Interface("10.250.0.1/32"))
        configs["CE1"] = cfg

    def old_commit() -> None:
        flip()
        old_net.config_changed("CE1")

    def new_commit() -> None:
        flip()
        new_net.config_changed("CE1")

    return {"routers": len(net.routers), "old_full_s": _timed(old_net.recompute, runs),
            "old_commit_s": _timed(old_commit, runs), "new_full_s": _timed(new_net.recompute, runs),
            "new_commit_s": _timed(new_commit, runs)}


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,50,100,250,500", help="routers per lab (comma separated)")
    ap.add_argument("--compare", default="10,50,100", help="full-mesh sizes for old vs new in-process ('' = skip)")
    ap.add_argument("--time-scale", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=16, help="SSH sessions pushing at once")
    ap.add_argument("--probe-runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for convergence")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.time_scale)
        return

    print(f"twin scale: PE ring, 2 route reflectors, a CE per PE, EBGP PE-CE; time scale {args.time_scale}, "
          f"{args.concurrency} SSH sessions at a time; {os.cpu_count()} CPUs", flush=True)
    head = (f"{'routers':>7} {'boot s':>7} {'KB/rtr boot':>11} {'KB/rtr conv':>11} {'push s':>8} {'converge s':>10} "
            f"{'commit ms':>10} {'full ms':>9} {'full/commit':>11}")
    print(head, flush=True)
    for n in [int(x) for x in args.sizes.split(",") if x]:
        r = scale_row(n, args.time_scale, args.concurrency, args.probe_runs, args.timeout)
        conv = f"{r['converge_s']:.1f}" if r["converge_s"] is not None else f"no ({r['status']})"
        print(f"{r['routers']:>7} {r['boot_s']:>7.2f} {r['kb_per_router_boot']:>11.0f} "
              f"{r['kb_per_router_converged']:>11.0f} {r['push_s']:>8.1f} {conv:>10} "
              f"{r['incremental_s'] * 1000:>10.1f} {r['full_s'] * 1000:>9.0f} "
              f"{r['full_s'] / r['incremental_s']:>10.0f}x", flush=True)
    sizes = [int(x) for x in args.compare.split(",") if x]
    if sizes:
        print(f"\nold engine ({BASE}) vs this one, in-process, full-mesh rings, medians of 3", flush=True)
        print(f"{'routers':>7} {'old full ms':>11} {'old commit ms':>13} {'new full ms':>11} {'new commit ms':>13} "
              f"{'old/new commit':>14}", flush=True)
        old = _old_engine()
        for n in sizes:
            c = compare_row(n, old, 3)
            print(f"{c['routers']:>7} {c['old_full_s'] * 1000:>11.0f} {c['old_commit_s'] * 1000:>13.0f} "
                  f"{c['new_full_s'] * 1000:>11.0f} {c['new_commit_s'] * 1000:>13.1f} "
                  f"{c['old_commit_s'] / c['new_commit_s']:>13.0f}x", flush=True)


if __name__ == "__main__":
    main()
