"""Push path benchmark: vrpbook's prompt-driven channel vs stock nornir-netmiko.

Starts its own in-process twin lab (time scale 0), then on the same router
(PE1), alternately and several times each, pushes and commits one 20-command
stage:

* ``nornir-netmiko``: ``netmiko_send_config`` + ``netmiko_commit`` (what a
  Nornir user reaches for first; netmiko waits on ~2 s idle timers on VRP8);
* ``vrpbook``: ``tasks.push.push_lines`` + a plain ``commit`` on the run-long
  channel, which reads until VRP8's prompt instead of waiting for silence.

Both paths run through Nornir on one persistent SSH session each (connection
set-up is excluded from the timings), and each iteration changes the
configuration (descriptions alternate) so every commit commits something.
Prints per-path median seconds and, as its last line, ``push-path speedup: N.Nx``.

    python bench/push_path.py [--runs 3] [--host PE1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from nornir.core.inventory import ConnectionOptions
from nornir.core.task import Result, Task
from nornir_netmiko.tasks import netmiko_commit, netmiko_send_config

from vrpbook.inventory import Credentials, connect, load_inventory
from vrpbook.lab import boot_lab
from vrpbook.paths import PROJECT_ROOT
from vrpbook.tasks.candidate import push_lines
from vrpbook.tasks.channel import CONNECTION, channel_for

INVENTORY = PROJECT_ROOT / "inventory" / "lab"


def stage_commands(tag: str) -> list[str]:
    """20 configuration lines: ten loopbacks, each with a description carrying *tag*."""
    cmds: list[str] = []
    for n in range(10):
        cmds += [f"interface LoopBack{100 + n}", f"description bench-{tag}-{n}"]
    return cmds


def vrpbook_push(task: Task, commands: list[str]) -> Result:
    chan = channel_for(task)
    push_lines(chan, commands)
    reply = chan.run("commit")
    if reply.dirty:
        raise RuntimeError("commit left the candidate dirty")
    chan.user_view()
    return Result(host=task.host, result="ok")


def stock_push(task: Task, commands: list[str]) -> Result:
    task.run(task=netmiko_send_config, config_commands=commands)
    task.run(task=netmiko_commit)
    return Result(host=task.host, result="ok")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs per path (default 3)")
    ap.add_argument("--host", default="PE1")
    args = ap.parse_args()

    lab = boot_lab(INVENTORY, state_dir=None, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        user, password = running.credentials

        def nornir():
            inv = load_inventory(INVENTORY)
            nr = connect(inv, credentials=Credentials(user, password), addresses=dict(running.hosts),
                         known_hosts=Path(running.known_hosts_path), hosts=[args.host]).filter(name=args.host)
            # The stock path gets the very same SSH settings (fast_cli, host keys) as ours.
            host = nr.inventory.hosts[args.host]
            host.connection_options["netmiko"] = ConnectionOptions(extras=host.connection_options[CONNECTION].extras)
            return nr

        ours, stock = nornir(), nornir()
        # Open both sessions before timing (connection set-up is not the push path).
        ours.run(task=lambda t: Result(host=t.host, result=channel_for(t).sync().end))
        stock.run(task=lambda t: Result(host=t.host, result=t.host.get_connection("netmiko", t.nornir.config).find_prompt()))

        times: dict[str, list[float]] = {"nornir-netmiko": [], "vrpbook": []}
        for i in range(args.runs):
            for name, nr, fn in (("nornir-netmiko", stock, stock_push), ("vrpbook", ours, vrpbook_push)):
                cmds = stage_commands(f"{name[:4]}{i}")
                t0 = time.perf_counter()
                res = nr.run(task=fn, commands=cmds)
                elapsed = time.perf_counter() - t0
                if res.failed:
                    raise SystemExit(f"{name} run {i} failed: {res[args.host].exception or res[args.host][0].result}")
                times[name].append(elapsed)
                print(f"{name:15s} run {i + 1}: {elapsed:7.3f} s  ({len(cmds)} commands + commit on {args.host})", flush=True)
        config = running.running_config(args.host)
        assert any(getattr(i, "description", "") == f"bench-vrpb{args.runs - 1}-9" for i in config.interfaces.values()), "last push not in running config"
        ours.close_connections()
        stock.close_connections()

    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"median {k}: {v:.3f} s")
    print(f"push-path speedup: {med['nornir-netmiko'] / med['vrpbook']:.1f}x")


if __name__ == "__main__":
    main()
