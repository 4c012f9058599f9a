"""`vrpbook backup` and `vrpbook rehearse` over SSH: a backup is stable and secret-free and fails
closed per router; a rehearsal boots the twin from the backup, runs the change there with the
same gates, never contacts the inventory's own addresses, and changes nothing in the lab."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from vrpbook.cli import app, main
from vrpbook.errors import UsageError
from vrpbook.history import ChangeLog, HistoryDB
from vrpbook.paths import PROJECT_ROOT
from vrpbook.rehearsal.backup import clean, read_backup
from vrpbook.rehearsal.topology import build, infer_cables, ports_of
from vrpbook.runbooks.redact import Redactor

from ..lab_process import free_ports
from .conftest import Converged, pointed_at

ROUTERS = ["PE1", "CE1", "PE2", "PE3", "CE2"]


def _cli(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def _state(converged: Converged) -> dict[str, tuple[object, list[tuple[int, str | None, str]]]]:
    """Every lab router's committed configuration and commit list, read from the twin itself."""
    lab = converged.running.lab
    return {r: (converged.running.running_config(r),
                lab.call(lambda r=r: [(p.commit_id, p.label, p.type) for p in lab.routers[r].history]))
            for r in ROUTERS}


def test_backup_is_one_stable_file_per_router_without_timestamps(converged: Converged):
    out = converged.tmp / "backup"
    res = _cli("backup", "--inventory", str(converged.inventory), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{r}.cfg" for r in ROUTERS)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    for name, data in first.items():
        text = data.decode()
        assert text.startswith("#\nsysname ") and text.endswith("return\n"), name
        assert not any(line.startswith("!") for line in text.splitlines()), name  # no '!Last configuration …' header
        assert "%^%#" not in text and "Lab@123" not in text
    assert "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session pe1_to_ce1" in first["PE1.cfg"].decode()
    res = _cli("backup", "--inventory", str(converged.inventory), "-o", str(out))
    assert res.exit_code == 0 and {p.name: p.read_bytes() for p in out.iterdir()} == first  # byte for byte: ready for git


def test_secrets_are_fingerprinted_and_credentials_masked():
    text = ("#\nsysname PE1\n#\naaa\n local-user admin password irreversible-cipher %^%#Xq1=w@9|abc%^%#\n"
            " local-user ops password simple Passw0rd!\n#\nsnmp-agent community read cipher %@%@x{y}z%@%@\n"
            "#\nstelnet server enable\n description uses Lab@123 by mistake\nreturn\n")
    once, again = clean(text, Redactor(["Lab@123"])), clean(text, Redactor(["Lab@123"]))
    assert once == again
    assert "%^%#" not in once and "%@%@" not in once and "Passw0rd!" not in once and "Lab@123" not in once
    assert re.search(r"irreversible-cipher <secret sha256:[0-9a-f]{12}>", once)
    assert re.search(r"password simple <secret sha256:[0-9a-f]{12}>", once)
    assert "description uses <redacted> by mistake" in once


def test_backup_fails_closed_per_router(converged: Converged, capsys: pytest.CaptureFixture[str]):
    closed = free_ports(1)[0]  # nothing listens there
    inv = pointed_at(converged.running, converged.tmp / "half", {"CE2": closed})
    out = converged.tmp / "backup"
    with pytest.raises(SystemExit) as code:  # the console script's own entry point
        main(["backup", "--inventory", str(inv), "-o", str(out)])
    printed = capsys.readouterr()
    assert code.value.code == 3, printed
    errors = [ln for ln in printed.err.splitlines() if ln.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: CE2: no SSH server answered"), printed.err
    assert "Traceback" not in printed.out + printed.err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{r}.cfg" for r in ROUTERS if r != "CE2")


def _backup(converged: Converged) -> Path:
    out = converged.tmp / "backup"
    res = _cli("backup", "--inventory", str(converged.inventory), "-o", str(out))
    assert res.exit_code == 0, res.output
    return out


def _elsewhere(tmp: Path, name: str, **intent: object) -> Path:
    """A production inventory of the lab's intent whose hosts are TEST-NET addresses nobody may
    contact (RFC 5737): a rehearsal must never try."""
    inv = tmp / name
    shutil.copytree(PROJECT_ROOT / "inventory" / "lab", inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    for i, spec in enumerate(hosts.values(), 1):
        spec["hostname"], spec["port"] = f"192.0.2.{i}", 22
    for path, value in intent.items():
        node = hosts
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    defaults = yaml.safe_load((inv / "defaults.yaml").read_text())
    defaults.pop("password")
    defaults["data"] = {"known_hosts": "known_hosts"}
    (inv / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    return inv


def test_rehearsal_of_the_wrong_vpn_target_fails_on_the_vpn_route_gate_and_changes_no_lab_router(converged: Converged):
    """The Done-when: `vrpbook backup` of a converged lab, then `vrpbook rehearse` of the wrong-VPN-
    target change against it fails on the VPN-route gate; no lab router changes."""
    backup = _backup(converged)
    before = _state(converged)
    wrong = _elsewhere(converged.tmp, "wrong", PE3__data__vpn_instances__VPNA__import_targets=["999:1"])
    res = _cli("rehearse", "bfd-static-vpn", "--from-backup", str(backup), "--inventory", str(wrong),
               "--artifacts", str(converged.tmp / "art"))
    out = res.output
    assert res.exit_code == 4, out
    assert "rehearsal: FAIL — bfd-static-vpn would stop at stage ebgp, gate vpn-route-ecmp: PE3: cannot pass by waiting" in out
    assert "VPN VPNA 1.1.1.1/32 can never arrive: PE3 imports ['999:1'] (read back)" in out
    assert "confirmed PE3" in out  # stage 3 changed the twin's PE3 ...
    assert "'verified': ['CE1', 'CE2', 'PE1', 'PE2', 'PE3'], 'errors': {}" in out  # ... and the rollback put it back
    assert _state(converged) == before  # the lab itself: every configuration and commit list as it was
    # the rehearsal's own record: a normal run report
    assert re.search(r"artifacts: .*/art/\d{8}T\d{6}Z-bfd-static-vpn-[0-9a-f]{4}", out)

    right = _elsewhere(converged.tmp, "right")
    res = _cli("rehearse", "bfd-static-vpn", "--from-backup", str(backup), "--inventory", str(right),
               "--artifacts", str(converged.tmp / "art"))
    assert res.exit_code == 0, res.output
    assert "rehearsal: PASS — bfd-static-vpn would pass every gate on the backup's network (5 routers, 6 cables)" in res.output
    assert "already matching the intent (nothing pushed): PE1, CE1, PE2, PE3, CE2" in res.output


def test_a_change_file_is_rehearsed_with_its_runbook_intent_and_ticket(converged: Converged, private_history: Path):
    """`vrpbook rehearse change.yaml`: the change's runbook, intent and ticket, no approval needed
    (it touches no production router); the verdict goes to the change log under the ticket."""
    backup = _backup(converged)
    wrong = pointed_at(converged.running, converged.tmp / "wrong-at-lab")
    hosts = yaml.safe_load((wrong / "hosts.yaml").read_text())
    hosts["PE3"]["data"]["vpn_instances"] = {"VPNA": {"rd": "100:3", "import_targets": ["999:1"]}}
    (wrong / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    change = converged.tmp / "change.yaml"
    now = datetime.now(UTC)
    res = _cli("change", "plan", "bfd-static-vpn", "--inventory", str(wrong), "--ticket", "CHG-REHEARSE", "-o", str(change),
               "--window", f"{(now + timedelta(days=1)).isoformat()}/{(now + timedelta(days=1, hours=2)).isoformat()}")
    assert res.exit_code == 0, res.output
    before = _state(converged)
    res = _cli("rehearse", str(change), "--from-backup", str(backup), "--artifacts", str(converged.tmp / "art"))
    assert res.exit_code == 4, res.output
    assert "rehearsal of bfd-static-vpn (change CHG-REHEARSE)" in res.output
    assert "rehearsal: FAIL — bfd-static-vpn would stop at stage ebgp, gate vpn-route-ecmp" in res.output
    assert _state(converged) == before
    with HistoryDB(private_history, readonly=True) as db:
        notes = [e for e in ChangeLog(db).entries("CHG-REHEARSE") if e.kind == "rehearsed"]
        runs = [r for r in db.runs() if r.kind == "rehearse"]
    assert len(notes) == 1 and "would stop at stage ebgp, gate vpn-route-ecmp" in notes[0].message
    assert len(runs) == 1 and runs[0].verdict == "fail"


def test_a_line_the_twin_refuses_names_the_backup_file_and_line(converged: Converged):
    backup = _backup(converged)
    pe1 = backup / "PE1.cfg"
    lines = pe1.read_text().splitlines()
    at = lines.index("interface GigabitEthernet0/1/0") + 1
    lines.insert(at, " frobnicate the port")
    pe1.write_text("\n".join(lines) + "\n")
    res = _cli("rehearse", "bfd-static-vpn", "--from-backup", str(backup), "--inventory", str(converged.inventory))
    assert res.exit_code == 2, res.output
    assert f"the twin cannot boot from this configuration: {pe1}:{at + 1}: 'frobnicate the port'" in res.output
    assert "Traceback" not in res.output


def test_cables_inferred_from_subnets_are_the_labs(converged: Converged):
    backup = _backup(converged)
    configs = {r: (str(p), text) for r, (p, text) in read_backup(backup).items()}
    layout, notes = build(configs)
    want = yaml.safe_load((PROJECT_ROOT / "inventory" / "lab" / "topology.yaml").read_text())
    assert {frozenset(c) for c in layout["cables"]} == {frozenset(c) for c in want["cables"]} and notes == []
    assert layout["devices"]["CE1"]["interfaces"] == ["GigabitEthernet0/1/0", "GigabitEthernet0/2/0"]
    # a file's cables win; one to a router the backup lacks is left out, and said so
    topo = converged.tmp / "topology.yaml"
    topo.write_text(yaml.safe_dump({"cables": [*want["cables"], ["PE3:GigabitEthernet0/3/0", "CE9:GigabitEthernet0/1/0"]]}))
    layout, notes = build(configs, topo)
    assert len(layout["cables"]) == 6 and len(notes) == 1 and "CE9" in notes[0]


def test_a_lan_cannot_be_cabled_point_to_point():
    ports = [p for r in ("A", "B", "C") for p in ports_of(
        r, f"#\nsysname {r}\n#\ninterface GigabitEthernet0/1/0\n undo shutdown\n ip address 10.9.9.{ord(r)} 255.255.255.0\n#\nreturn\n",
        f"{r}.cfg")]
    with pytest.raises(UsageError, match=r"subnet 10\.9\.9\.0/24 has 3 ports .*give the cables with --topology FILE"):
        infer_cables(ports)
    assert [(str(a), str(b)) for a, b in infer_cables(ports[:2])] == [("A:GigabitEthernet0/1/0", "B:GigabitEthernet0/1/0")]
