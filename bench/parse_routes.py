"""Benchmark: parse a generated 100,000-route ``display ip routing-table``.

Prints the median wall time of ``vrpbook.parsers.parse`` over several runs and
the routes per second, plus one run of plain TTP on the same template for
comparison (TTP alone does no fail-closed accounting).  Figures only; nothing
is asserted.  Usage: ``python bench/parse_routes.py [ROUTES] [RUNS]``.
"""

from __future__ import annotations

import statistics
import sys
import time

from vrpbook.parsers import parse
from vrpbook.parsers.grammar import load_grammar

INTERFACES = ("GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "Eth-Trunk10.100", "100GE1/0/1")


def generate(routes: int) -> str:
    """A public table in the NE40E layout; every 7th destination has a 2-way ECMP continuation."""
    rows: list[str] = []
    i = 0  # destinations so far
    while len(rows) < routes:
        dest = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32"
        iface = INTERFACES[i % len(INTERFACES)]
        rows.append(f"{dest:>18}  OSPF    10   {i % 100:<9}   D   10.1.1.2        {iface}")
        if i % 7 == 0 and len(rows) < routes:
            rows.append(f"{'':>18}  OSPF    10   {i % 100:<9}   D   10.1.2.2        {iface}")
        i += 1
    head = [
        "<PE1> display ip routing-table",
        "Route Flags: R - relay, D - download to fib, T - to vpn-instance, B - black hole route",
        "-" * 78,
        "Routing Table : _public_",
        f"         Destinations : {i}        Routes : {routes}",
        "",
        "Destination/Mask    Proto   Pre  Cost      Flags NextHop         Interface",
        "",
    ]
    return "\n".join([*head, *rows, "<PE1>"])


def main() -> None:
    routes = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    text = generate(routes)
    load_grammar("display_ip_routing-table.ttp")  # compile once, outside the timing
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = parse("display ip routing-table", text)
        timings.append(time.perf_counter() - start)
        assert len(result.routes) == routes == result.routes_count  # type: ignore[attr-defined]
    median = statistics.median(timings)
    print(f"routes parsed          : {routes}")
    print(f"runs                   : {runs}")
    print(f"parse() median seconds : {median:.3f}  (min {min(timings):.3f}, max {max(timings):.3f})")
    print(f"routes per second      : {routes / median:,.0f}")
    body = text.split("\n", 1)[1].rsplit("\n", 1)[0]
    start = time.perf_counter()
    plain = load_grammar("display_ip_routing-table.ttp").ttp_parse(body)
    ttp_seconds = time.perf_counter() - start
    rows = len(plain.get("route", [])) + len(plain.get("route_cont", []))
    print(f"plain TTP, 1 run       : {ttp_seconds:.3f} s for {rows} rows (no accounting, no typing)")


if __name__ == "__main__":
    main()
