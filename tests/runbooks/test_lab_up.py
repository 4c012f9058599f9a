"""The operator's path: `vrpbook lab up` in a subprocess, `vrpbook run --inventory … --yes`
against it, a restart from the state directory (saved configuration), and the
production-example inventory shape (credentials from the environment, strict host keys).

The lab inventory is copied with free ports so the test never collides with a lab
an operator is running on the fixed ports 22301-22305.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from ..lab_process import VRPBOOK, LabProcess, copy_inventory, ports_of, production_inventory

pytestmark = pytest.mark.lab


def _inventories(tmp: Path) -> tuple[Path, Path]:
    lab = copy_inventory(tmp / "lab")
    return lab, production_inventory(tmp / "production-example", ports_of(lab), tmp / "state")


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
    with LabProcess(lab, state):
        res = _vrpbook("run", "bfd-static-vpn", "--inventory", str(lab), "--yes", "--artifacts", str(tmp_path / "art"))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "ok (exit 0)" in res.stdout
    # Restart from the state directory: the saved configuration comes back.
    with LabProcess(lab, state):
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
