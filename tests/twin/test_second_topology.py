"""A second topology (R-A, R-B, R-C, 10.x addresses, NE8000, other ports):
configured over SSH and rendered correctly; nothing is tied to the reference."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.lab

INVENTORY = Path(__file__).resolve().parents[1] / "fixtures" / "topologies" / "three"

LINKS = {  # router -> [(interface, address)]
    "R-A": [("GigabitEthernet0/0/1", "10.0.12.1"), ("GigabitEthernet0/0/2", "10.0.31.2")],
    "R-B": [("GigabitEthernet0/0/1", "10.0.12.2"), ("GigabitEthernet0/0/2", "10.0.23.1")],
    "R-C": [("GigabitEthernet0/0/1", "10.0.23.2"), ("GigabitEthernet0/0/2", "10.0.31.1")],
}


def _commands(router: str, index: int) -> list[str]:
    lines = [f"sysname {router}", "commit", "interface LoopBack0", f"ip address 10.255.0.{index} 255.255.255.255", "quit"]
    for ifname, addr in LINKS[router]:
        lines += [f"int {ifname.replace('GigabitEthernet', 'GE')}", f"ip address {addr} 30", "ospf cost 20", "quit"]
    lines += ["ospf 10 router-id 10.255.0.%d" % index, "area 0.0.0.1"]
    lines += [f"network {addr.rsplit('.', 1)[0]}.0 0.0.0.3" for _if, addr in LINKS[router]]
    lines += [f"network 10.255.0.{index} 0.0.0.0", "commit", "return"]
    return lines


def _expected(router: str, index: int, ports: list[str]) -> list[str]:
    out = ["#", f"sysname {router}"]
    addrs = dict(LINKS[router])
    for port in ports:
        out += ["#", f"interface {port}", " undo shutdown"]
        if port in addrs:
            out += [f" ip address {addrs[port]} 255.255.255.252", " ospf cost 20"]
    out += ["#", "interface LoopBack0", f" ip address 10.255.0.{index} 255.255.255.255"]
    out += ["#", f"ospf 10 router-id 10.255.0.{index}", " area 0.0.0.1"]
    out += [f"  network {a.rsplit('.', 1)[0]}.0 0.0.0.3" for _i, a in LINKS[router]]
    out += [f"  network 10.255.0.{index} 0.0.0.0", "#", "return"]
    return out


def test_second_topology_configured_and_rendered(lab_factory, vty) -> None:
    lab = lab_factory(inventory=INVENTORY)
    assert lab.credentials[0] == "ops"
    ports = {
        "R-A": ["GigabitEthernet0/0/1", "GigabitEthernet0/0/2", "GigabitEthernet1/0/0"],
        "R-B": ["GigabitEthernet0/0/1", "GigabitEthernet0/0/2"],
        "R-C": ["GigabitEthernet0/0/1", "GigabitEthernet0/0/2"],
    }
    for index, router in enumerate(["R-A", "R-B", "R-C"], 1):
        s = vty(lab, router)
        assert s.prompt == "<HUAWEI>"
        s.send("system-view")
        for line in _commands(router, index):
            out = s.send(line)
            assert not [o for o in out if "Error" in o], (router, line, out)
        assert s.prompt == f"<{router}>"
        shown = s.send("display current-configuration")
        assert shown[shown.index("#"):] == _expected(router, index, ports[router])
        version = s.send("display version")
        assert version[3].startswith("HUAWEI NE8000 uptime is ")
        s.send("system-view")
        s.send("interface GigabitEthernet0/0/1")
        assert s.prompt == f"[~{router}-GigabitEthernet0/0/1]"
        assert s.send("display this") == ["#", "interface GigabitEthernet0/0/1", " undo shutdown",
                                          f" ip address {dict(LINKS[router])['GigabitEthernet0/0/1']} 255.255.255.252",
                                          " ospf cost 20", "#", "return"]
    # the network side sees the committed configs: OSPF carries R-C's loopback to R-A
    s = vty(lab, "R-A")
    table = "\n".join(s.send("display ip routing-table"))
    assert "10.255.0.3/32" in table
