"""Nothing is tied to the reference's names: the same runbook converges a network with
other router names, sysnames, addresses, AS numbers, VPN name, RDs, targets and BFD
session names, and the gates judge that network's own values."""

from __future__ import annotations

import shutil

import pytest

from vrpbook.lab import boot_lab

pytestmark = pytest.mark.lab

RENAME = [  # applied in order to hosts.yaml, groups.yaml and topology.yaml
    ("pe1_to_ce1", "edge1_custa"), ("pe2_to_ce1", "edge2_custa"),
    ("ce1_to_pe1", "custa_edge1"), ("ce1_to_pe2", "custa_edge2"),
    ("PE1", "EDGE1"), ("PE2", "EDGE2"), ("PE3", "EDGE3"), ("CE1", "CUSTA"), ("CE2", "CUSTB"),
    ('"100:1"', '"65000:1"'), ('"100:2"', '"65000:2"'), ('"100:3"', '"65000:3"'),
    ('"111:1"', '"65000:100"'), ("as_number: 100", "as_number: 65000"), ("65410", "64512"),
    ("VPNA", "CUST1"),
    ("2.2.2.2", "10.255.0.1"), ("3.3.3.3", "10.255.0.2"), ("4.4.4.4", "10.255.0.3"), ("1.1.1.1", "192.168.100.1"),
    ("11.11.11.", "172.16.13."), ("22.22.22.", "172.16.23."), ("33.33.33.", "172.16.12."),
    ("10.1.1.", "192.168.1."), ("10.2.1.", "192.168.2."), ("10.3.1.", "192.168.3."),
]


def test_another_network_converges_and_is_judged_on_its_own_values(h, tmp_path):
    inv = tmp_path / "inventory"
    shutil.copytree(h.LAB_INVENTORY, inv)
    for name in ("hosts.yaml", "groups.yaml", "topology.yaml"):
        text = (inv / name).read_text()
        for old, new in RENAME:
            text = text.replace(old, new)
        (inv / name).write_text(text)
    lab = boot_lab(inv, state_dir=None, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        report, _root = h.run(running, tmp_path / "art", inventory=inv)
        assert report.exit_code == 0, report.failure
        final = {g.gate: g for g in report.stages[8].gates}
        rows = final["vpn-route-ecmp"].evidence["EDGE3"]["CUST1 192.168.100.1/32"]
        assert sorted(r["nexthop"] for r in rows) == ["10.255.0.1", "10.255.0.2"]
        assert {k: v.lower() for k, v in final["bfd-sessions-up"].evidence["EDGE2"].items()} == {"edge2_custa": "up"}
        configs = h.device_configs(running, inventory=inv)
        assert configs["EDGE1"].startswith("#\nsysname EDGE1\n")
        assert (
            "ip route-static vpn-instance CUST1 192.168.100.1 255.255.255.255 192.168.1.1 track bfd-session edge1_custa"
            in configs["EDGE1"]
        )
        assert "bgp 64512\n peer 192.168.3.1 as-number 65000" in configs["CUSTB"]
