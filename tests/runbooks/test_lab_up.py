"""The operator's path: `vrpbook lab up` in a subprocess, `vrpbook run --inventory … --yes`
against it, a restart from the state directory (saved configuration), and the
production-example inventory shape (credentials from the environment, strict host keys).

The lab inventory is copied with free ports so the test never collides with a lab
an operator is running on the fixed ports 22301-22305.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab

VRPBOOK = str(Path(sys.executable).with_name("vrpbook"))


def _free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _inventories(tmp: Path) -> tuple[Path, Path]:
    lab = tmp / "lab"
    prod = tmp / "production-example"
    shutil.copytree(PROJECT_ROOT / "inventory" / "lab", lab)
    shutil.copytree(PROJECT_ROOT / "inventory" / "production-example", prod)
    hosts = yaml.safe_load((lab / "hosts.yaml").read_text())
    prod_hosts = yaml.safe_load((prod / "hosts.yaml").read_text())
    for name, port in zip(hosts, _free_ports(len(hosts))):
        hosts[name]["port"] = port
        prod_hosts[name]["port"] = port
    (lab / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    (prod / "hosts.yaml").write_text(yaml.safe_dump(prod_hosts, sort_keys=False))
    defaults = yaml.safe_load((prod / "defaults.yaml").read_text())
    defaults["data"]["known_hosts"] = "../state/known_hosts"
    (prod / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    return lab, prod


@contextmanager
def lab_up(inventory: Path, state: Path) -> Iterator[None]:
    proc = subprocess.Popen(
        [VRPBOOK, "lab", "up", "--inventory", str(inventory), "--state-dir", str(state), "--time-scale", "0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    ports = [spec["port"] for spec in yaml.safe_load((inventory / "hosts.yaml").read_text()).values()]
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                for port in ports:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                if (state / "known_hosts").exists():
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "lab did not come up"
            time.sleep(0.1)
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _other_key(line: str) -> str:
    """The same known_hosts entry with another, valid key of the same type."""
    import asyncssh

    host, algo, _blob = line.split()[:3]
    key = asyncssh.generate_private_key(algo).export_public_key("openssh").decode().split()[1]
    return f"{host} {algo} {key}\n"


def _vrpbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VRPBOOK, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def test_run_against_lab_up_then_restart_comes_back_converged(tmp_path):
    lab, prod = _inventories(tmp_path)
    state = tmp_path / "state"
    creds = yaml.safe_load((lab / "defaults.yaml").read_text())
    with lab_up(lab, state):
        res = _vrpbook("run", "bfd-static-vpn", "--inventory", str(lab), "--yes", "--artifacts", str(tmp_path / "art"))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "ok (exit 0)" in res.stdout
    # Restart from the state directory: the saved configuration comes back.
    with lab_up(lab, state):
        env = {"VRPBOOK_USERNAME": creds["username"], "VRPBOOK_PASSWORD": creds["password"]}
        res = _vrpbook("plan", "bfd-static-vpn", "--inventory", str(prod), env=env)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "plan: 0 router(s) would change: none" in res.stdout
        assert creds["password"] not in res.stdout + res.stderr
        # Strict host keys: a known_hosts file that does not match the lab's keys fails.
        bad = tmp_path / "state" / "known_hosts"
        good = bad.read_text()
        bad.write_text("".join(_other_key(line) for line in good.splitlines(keepends=True)))
        res = _vrpbook("plan", "bfd-static-vpn", "--inventory", str(prod), env=env)
        assert res.returncode == 3, res.stdout + res.stderr
        assert "error" in res.stdout.lower() and "key" in res.stdout.lower(), res.stdout
        bad.write_text(good)
