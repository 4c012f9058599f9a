"""The scheduling example's command line, run for real: the unit's ExecStart word for word, with
only its paths moved into a temporary directory, against a running lab through a production-style
inventory (owner-only credentials file, verified host keys). The cron line is the same command
(tests/contrib/test_scheduling.py)."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from junitparser import JUnitXml
from prometheus_client.parser import text_string_to_metric_families

from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab

SERVICE = PROJECT_ROOT / "contrib" / "systemd" / "vrpbook-check.service"


def _exec_start() -> list[str]:
    unit = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(SERVICE.read_text())
    return shlex.split(unit["Service"]["ExecStart"])


def test_the_units_command_line_checks_a_network(check_lab, tmp_path):
    user, password = check_lab.running.credentials
    etc, var = tmp_path / "etc", tmp_path / "var"
    inv = etc / "inventory"
    shutil.copytree(PROJECT_ROOT / "inventory" / "production-example", inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    for host in hosts:
        hosts[host]["port"] = check_lab.running.address(host)[1]
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    defaults = yaml.safe_load((inv / "defaults.yaml").read_text())
    defaults["data"].update(known_hosts=str(check_lab.running.known_hosts_path),
                            intent_from=str(PROJECT_ROOT / "inventory" / "lab"))
    (inv / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    var.mkdir()  # systemd's StateDirectory= (and node_exporter's package) create these
    creds = etc / "credentials"
    creds.write_text(f"VRPBOOK_USERNAME='{user}'\nVRPBOOK_PASSWORD='{password}'\n")
    creds.chmod(0o600)

    argv = _exec_start()
    moved = [a.replace("/etc/vrpbook", str(etc)).replace("/var/lib/prometheus/node-exporter", str(var))
              .replace("/var/lib/vrpbook", str(var)) for a in argv[1:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VRPBOOK_") and k != "XDG_RUNTIME_DIR"}
    env.update(XDG_STATE_HOME=str(var), COLUMNS="200")
    res = subprocess.run([str(Path(sys.executable).with_name("vrpbook")), *moved], capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert password not in res.stdout + res.stderr
    report = json.loads((var / "report.json").read_text())
    assert report["run"]["verdict"] == "pass" and report["counts"]["total"] > 30
    junit = JUnitXml.fromfile(str(var / "junit.xml"))
    assert junit.tests == report["counts"]["total"] and junit.failures == 0 and junit.errors == 0
    families = {f.name: f for f in text_string_to_metric_families((var / "vrpbook.prom").read_text())}
    assert [s.value for s in families["vrpbook_check_last_run_success"].samples] == [1.0]
    assert (var / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (var / "history.db").exists()
    assert list(var.glob("vrpbook/check-*.lock"))  # the no-overlap lock, where the unit puts it
    for path in var.rglob("*"):
        if path.is_file() and path.suffix != ".db":
            assert password not in path.read_text(errors="replace")
