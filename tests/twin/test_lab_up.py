"""``vrpbook lab up``: serves the inventory, prints its table, stops on SIGTERM,
refuses non-loopback addresses unless --bind is explicit."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import netmiko
import pytest
import yaml

from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab

VRPBOOK = [sys.executable, "-c", "from vrpbook.cli import main; main()"]


def _inventory(tmp_path: Path, hostname: str = "127.0.0.1") -> Path:
    inv = tmp_path / "inv"
    shutil.copytree(PROJECT_ROOT / "inventory" / "lab", inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    for spec in hosts.values():
        spec["hostname"], spec["port"] = hostname, 0  # port 0: let the OS choose
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    return inv


def test_lab_up_serves_and_stops(tmp_path: Path) -> None:
    inv, state = _inventory(tmp_path), tmp_path / "state"
    proc = subprocess.Popen(
        VRPBOOK + ["lab", "up", "--inventory", str(inv), "--state-dir", str(state), "--time-scale", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("known_hosts:"):
                break
        text = "".join(lines)
        rows = dict(re.findall(r"│ (PE1|PE2|PE3|CE1|CE2)\s+│ 127\.0\.0\.1 │ (\d+)\s+│", text))
        assert sorted(rows) == ["CE1", "CE2", "PE1", "PE2", "PE3"], text
        conn = netmiko.ConnectHandler(device_type="huawei_vrpv8", host="127.0.0.1", port=int(rows["PE1"]),
                                      username="vrpbook", password="Lab@123")
        assert conn.find_prompt() == "<HUAWEI>"
        conn.paramiko_cleanup()
        known = (state / "known_hosts").read_text().splitlines()
        assert f"[127.0.0.1]:{rows['PE1']} ssh-ed25519 " in "\n".join(known)
        assert (state / "PE1" / "ssh_host_ed25519_key").exists()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0 and "lab stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_lab_up_refuses_non_loopback_without_bind(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, hostname="192.0.2.10")
    proc = subprocess.run(
        VRPBOOK + ["lab", "up", "--inventory", str(inv), "--state-dir", str(tmp_path / "s")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "refusing to listen on non-loopback 192.0.2.10" in proc.stdout
