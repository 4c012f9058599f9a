"""Device failures end in one line per affected router and exit 3, never a traceback.

The real ``vrpbook`` console script runs in a subprocess as CI runs it (CI=true, no
stdin) against the twin over SSH: a wrong password, routers that do not answer, and
SSH host keys that differ from known_hosts. Every router is named, because every
router is affected.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import asyncssh
import pytest
import yaml

from vrpbook.paths import PROJECT_ROOT

from ..lab_process import VRPBOOK, copy_inventory, free_ports

pytestmark = pytest.mark.lab

HOSTS = ["PE1", "CE1", "PE2", "PE3", "CE2"]


def _vrpbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("VRPBOOK_")}
    full.update({"CI": "true", "COLUMNS": "200", **(env or {})})
    return subprocess.run([VRPBOOK, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=full)


def _inventory(tmp: Path, name: str, ports: dict[str, int], **defaults: object) -> Path:
    inv = copy_inventory(tmp / name, ports, source=PROJECT_ROOT / "inventory" / name)
    data = yaml.safe_load((inv / "defaults.yaml").read_text())
    data.update(defaults)
    (inv / "defaults.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return inv


def _assert_one_line_per_router(proc: subprocess.CompletedProcess[str], words: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 3, out
    assert "Traceback" not in out, out
    for host in HOSTS:
        lines = [ln for ln in out.splitlines() if f"{host}: " in ln and words in ln]
        assert lines, f"no line names {host} with {words!r}:\n{out}"


def test_wrong_password_names_every_router_and_exits_3(lab, tmp_path):
    ports = {h: lab.address(h)[1] for h in HOSTS}
    inv = _inventory(tmp_path, "lab", ports, password="Wrong@123")
    proc = _vrpbook("run", "bfd-static-vpn", "--inventory", str(inv), "--yes", "--artifacts", str(tmp_path / "a"))
    _assert_one_line_per_router(proc, "authentication failed")
    assert "Wrong@123" not in proc.stdout + proc.stderr


def test_unreachable_routers_are_each_named_and_exit_3(tmp_path):
    ports = dict(zip(HOSTS, free_ports(len(HOSTS)), strict=True))  # nothing listens there
    inv = _inventory(tmp_path, "lab", ports)
    proc = _vrpbook("run", "bfd-static-vpn", "--inventory", str(inv), "--yes", "--artifacts", str(tmp_path / "a"))
    _assert_one_line_per_router(proc, "no SSH server answered")


def test_host_key_mismatch_names_every_router_and_exits_3(lab, tmp_path):
    ports = {h: lab.address(h)[1] for h in HOSTS}
    known = tmp_path / "known_hosts"
    lines = []
    for host in HOSTS:  # keys that are not the routers' own: what an impostor would present
        pub = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().split()
        lines.append(f"[127.0.0.1]:{ports[host]} {pub[0]} {pub[1]}")
    known.write_text("\n".join(lines) + "\n")
    data = {"intent_from": str(PROJECT_ROOT / "inventory" / "lab"), "known_hosts": str(known)}
    inv = _inventory(tmp_path, "production-example", ports, data=data)
    user, password = lab.credentials
    proc = _vrpbook("plan", "bfd-static-vpn", "--inventory", str(inv), env={"VRPBOOK_USERNAME": user, "VRPBOOK_PASSWORD": password})
    _assert_one_line_per_router(proc, "host key")
    proc = _vrpbook("run", "bfd-static-vpn", "--inventory", str(inv), "--yes", "--artifacts", str(tmp_path / "a"),
                    env={"VRPBOOK_USERNAME": user, "VRPBOOK_PASSWORD": password})
    _assert_one_line_per_router(proc, "host key")
    assert password not in proc.stdout + proc.stderr
