"""Benchmark: full network recompute of the reference lab after a commit.

Builds the five reference routers' RouterConfigs directly in Python (the
helper of tests/network), then times ``config_changed`` (snapshot + full
evaluation) and a forced ``recompute`` over N runs and prints the medians in
milliseconds. Target (brief): under 50 ms. Not a test: run it by hand.

    .venv/bin/python bench/network_recompute.py [RUNS]
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _refnet():
    spec = importlib.util.spec_from_file_location("refnet", ROOT / "tests/network/refnet.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(runs: int = 200) -> None:
    from vrpbook.twin.network.engine import Network
    from vrpbook.twin.topology import Topology

    refnet = _refnet()
    topo = Topology.load(refnet.LAB_TOPOLOGY)
    configs = refnet.reference_configs(topo)
    net = Network(topo, lambda: configs, time_scale=0.0)
    net.state()
    commit, full = [], []
    iface = configs["CE1"].interfaces["GigabitEthernet0/1/0"]
    for i in range(runs):
        iface.shutdown = bool(i % 2)  # alternate a real change so every run does work
        t0 = time.perf_counter()
        net.config_changed("CE1")
        commit.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        net.recompute()
        full.append((time.perf_counter() - t0) * 1000)
    print(f"runs: {runs}")
    print(f"config_changed (snapshot + recompute) median: {statistics.median(commit):.2f} ms"
          f"  p95: {sorted(commit)[int(runs * 0.95) - 1]:.2f} ms")
    print(f"full recompute median: {statistics.median(full):.2f} ms"
          f"  p95: {sorted(full)[int(runs * 0.95) - 1]:.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
