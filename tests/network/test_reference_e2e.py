"""End to end: replay the reference procedure over SSH (real netmiko) on all five
twin routers, poll until the network converges, check the displays against the
reference, then shut CE1's GE0/1/0 over SSH and check the switch-over.

Reuses the device side's replay pieces (tests/twin/test_reference.py parses the
procedure from the reference; tests/twin/conftest.py has the VTY client).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from vrpbook_tests_refnet import counts, reference_block, table_rows  # type: ignore[import-not-found]

from ..by_path import load

TWIN_TESTS = Path(__file__).resolve().parents[1] / "twin"


def poll(fn, what: str, timeout: float = 15.0, interval: float = 0.05):
    """Call *fn* until it returns a truthy value; fail naming *what* on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


@pytest.mark.lab
def test_reference_procedure_then_failover_over_ssh(lab_factory) -> None:
    procedure = load("vrpbook_twin_reference_replay", TWIN_TESTS / "test_reference.py")
    vtys = load("vrpbook_twin_vty", TWIN_TESTS / "conftest.py")
    import netmiko

    lab = lab_factory(time_scale=0.02)  # small but non-zero: convergence must be polled
    sessions = {}
    try:
        cmds = procedure.procedure_commands()
        for router in ("PE1", "PE2", "PE3", "CE1", "CE2"):
            v = vtys.Vty(netmiko.ConnectHandler(**lab.netmiko_params(router)))
            sessions[router] = v
            for line in procedure.ADDED.get(router, []) + [c for _s, _p, c in cmds[router]]:
                out = v.send(line)
                assert not any(o.startswith("Error") for o in out), (router, line, out)
            v.send("return")

        def show(router: str, command: str) -> list[str]:
            return sessions[router].send(command)

        def established(router: str, n: int) -> bool:
            return sum("Established" in x for x in show(router, "display bgp vpnv4 all peer")) == n

        for pe, n in (("PE1", 2), ("PE2", 2), ("PE3", 3)):
            poll(lambda: established(pe, n), f"{pe} BGP peers Established")
        poll(lambda: "Total UP/DOWN Session Number : 2/0" in "\n".join(show("CE1", "display bfd session all")),
             "CE1 BFD sessions Up")
        poll(lambda: len([r for r in table_rows(show("PE3", "display ip routing-table vpn-instance VPNA"))
                          if r[0] == "1.1.1.1/32"]) == 2, "PE3 two paths to 1.1.1.1")

        ref = reference_block("<PE1> display ip routing-table")
        out = show("PE1", "display ip routing-table")
        assert table_rows(out) == table_rows(ref) and counts(out) == (14, 15)
        ldp = show("PE1", "display mpls ldp session")
        assert [x.split()[:4] for x in ldp if ":0 " in x] == [
            ["3.3.3.3:0", "Operational", "DU", "Passive"], ["4.4.4.4:0", "Operational", "DU", "Passive"]]
        for router, occ in (("PE1", 1), ("PE3", 1)):
            ref = reference_block(f"<{router}> display ip routing-table vpn-instance VPNA", occ)
            out = show(router, "display ip routing-table vpn-instance VPNA")
            assert table_rows(out) == table_rows(ref), router
        bfd = show("PE1", "display bfd session all verbose")
        assert "  (One Hop) State : Up                      Name : pe1_to_ce1" in bfd
        trace = show("CE1", "tracert 10.3.1.2")
        assert any(re.fullmatch(r" 1 10\.1\.1\.2 \d+ ms 10\.2\.1\.2 \d+ ms 10\.1\.1\.2 \d+ ms", x) for x in trace)
        ping = show("PE1", "ping -vpn-instance VPNA 10.1.1.1")
        assert "    5 packet(s) received" in ping

        # The failure of step 9, over SSH.
        for line in ("system-view", "interface gigabitethernet 0/1/0", "shutdown", "commit", "return"):
            out = sessions["CE1"].send(line)
            assert not any(o.startswith("Error") for o in out), (line, out)
        poll(lambda: "  (One Hop) State : Down                    Name : pe1_to_ce1"
             in show("PE1", "display bfd session all verbose"), "PE1 BFD Down")
        ref = reference_block("<PE1> display ip routing-table vpn-instance VPNA", 2)
        want = [tuple("IBGP" if x == "EBGP" else x for x in row) for row in table_rows(ref)]  # protocol truth
        poll(lambda: table_rows(show("PE1", "display ip routing-table vpn-instance VPNA")) == want,
             "PE1 VPNA table after the failure")
        ref = reference_block("<PE3> display ip routing-table vpn-instance VPNA", 2)
        poll(lambda: table_rows(show("PE3", "display ip routing-table vpn-instance VPNA")) == table_rows(ref),
             "PE3 single path to 1.1.1.1")
        trace = show("CE2", "tracert 1.1.1.1")
        assert any(re.fullmatch(r" 2 10\.2\.1\.2 < AS=100 > \d+ ms  \d+ ms  \d+ ms", x) for x in trace), trace
        events = lab.events()
        link = [e for e in events if e.kind == "link-down" and e.router == "CE1"][-1]
        bfd_down = [e for e in events if e.kind == "bfd-down" and e.router == "PE1"][-1]
        assert abs(bfd_down.t_ms - link.t_ms - 30.0) < 1e-6
    finally:
        for v in sessions.values():
            v.close()
