"""Per-command answer latency of a twin router, measured through netmiko's channel.

Why not ``send_command`` timings: netmiko adds its own fixed waits; this
measures what the twin costs — from writing ``line\\n`` to the router's next
prompt — for display and configuration lines, over real SSH.

Run: ``.venv/bin/python bench/twin_latency.py [--router PE1] [--rounds 200]``
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import netmiko

from vrpbook.paths import PROJECT_ROOT
from vrpbook.lab import boot_lab

END = re.compile(r"(<[^<>\s]+>|\[[~*][^\[\]\s]+\])\Z")


def timed(conn: netmiko.BaseConnection, line: str) -> float:
    start = time.perf_counter()
    conn.write_channel(line + "\n")
    buf = ""
    while not END.search(buf):
        chunk = conn.read_channel()
        if chunk:
            buf += chunk
        else:
            time.sleep(0.0002)
        if time.perf_counter() - start > 10:
            raise TimeoutError(f"{line!r}: no prompt in 10 s")
    return (time.perf_counter() - start) * 1000


def summary(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    return f"{name:<40} n={len(samples):<5} median={statistics.median(samples):7.2f} ms  p95={p95:7.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--router", default="PE1")
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    lab = boot_lab(PROJECT_ROOT / "inventory" / "lab", time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        conn = netmiko.ConnectHandler(**running.netmiko_params(args.router))
        try:
            results: dict[str, list[float]] = {}
            timed(conn, "system-view")
            for i in range(args.rounds):
                for line in (
                    f"interface loopback {i % 50 + 1}",
                    f"ip address 10.{i % 200}.{i % 50}.1 32",
                    "quit",
                    f"ip route-static 192.168.{i % 250}.0 24 10.0.0.{i % 250 + 1}",
                ):
                    # two words name the command ("ip address" and "ip route-static" apart)
                    results.setdefault("config: " + " ".join(line.split()[:2]) + " ...", []).append(timed(conn, line))
                if i % 20 == 19:
                    results.setdefault("commit (20 changes)", []).append(timed(conn, "commit"))
            timed(conn, "commit")
            for _ in range(args.rounds):
                for line in ("display current-configuration", "display this", "display configuration commit list",
                             "display ip routing-table"):
                    results.setdefault(line, []).append(timed(conn, line))
            for name, samples in results.items():
                print(summary(name, samples))
        finally:
            conn.paramiko_cleanup()


if __name__ == "__main__":
    main()
