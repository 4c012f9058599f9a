"""Issue 9's acceptance, the operator's way: ``vrpbook lab up`` in a subprocess, converged by
``vrpbook run bfd-static-vpn --inventory … --yes``, then ``vrpbook check`` (the console script)
over SSH — compliant (0), a shut link (1, naming the session, the withdrawn routes and the
routers; JUnit read by junitparser, the HTML page in headless Chromium), the history of that
change, one router unreachable (2, the others still reported), a stray configuration line (1,
naming the line).

The lab inventory is copied with free ports (tests/lab_process.py) so the test never collides
with a lab on the fixed ports or with another test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import netmiko
import pytest
import yaml
from junitparser import Error, Failure, JUnitXml

from vrpbook.tasks.channel import VrpChannel

from ..lab_process import VRPBOOK, LabProcess, copy_inventory, free_ports, ports_of

pytestmark = pytest.mark.lab

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def vrpbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VRPBOOK, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "COLUMNS": "250", **(env or {})})


@contextlib.contextmanager
def operator(inventory: Path, router: str) -> Iterator[VrpChannel]:
    """An operator's SSH session on *router* of the lab."""
    spec = yaml.safe_load((inventory / "hosts.yaml").read_text())[router]
    creds = yaml.safe_load((inventory / "defaults.yaml").read_text())
    conn = netmiko.ConnectHandler(device_type="huawei_vrpv8", host="127.0.0.1", port=spec["port"],
                                  username=creds["username"], password=creds["password"])
    chan = VrpChannel(conn, router)
    chan.sync()
    try:
        yield chan
    finally:
        chan.logout()
        with contextlib.suppress(Exception):
            conn.paramiko_cleanup()


def configure(inventory: Path, router: str, *lines: str) -> None:
    with operator(inventory, router) as chan:
        chan.system_view()
        for line in lines:
            chan.run(line)
        chan.run("commit")
        chan.user_view()


class Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, cls: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and cls in a.get("class", "").split()
                and all(a.get(f"data-{k}") == v for k, v in attrs.items())]


def _results(report: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["router"], r["check"]): r for r in json.loads(report.read_text())["results"]}


def test_check_against_a_lab_up_network(tmp_path):
    inv = copy_inventory(tmp_path / "lab")
    state, db = tmp_path / "state", tmp_path / "history.db"
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "run")}

    def check(name: str, *extra: str, inventory: Path = inv) -> tuple[subprocess.CompletedProcess[str], Path]:
        out = tmp_path / name
        out.mkdir()
        res = vrpbook("check", "--inventory", str(inventory), "--history", str(db), "--json", str(out / "report.json"),
                      "--junit", str(out / "junit.xml"), "--html", str(out / "report.html"), *extra, env=env)
        assert "Traceback" not in res.stdout + res.stderr
        return res, out

    with LabProcess(inv, state):
        res = vrpbook("run", "bfd-static-vpn", "--inventory", str(inv), "--yes", "--artifacts", str(tmp_path / "art"))
        assert res.returncode == 0, res.stdout + res.stderr

        # 1. converged: compliant
        res, out = check("converged")
        assert res.returncode == 0, res.stdout + res.stderr
        assert "PASS  0 failed · 0 errors · 0 changing" in res.stdout
        while_up = datetime.now(UTC)

        # 2. CE1's link to PE1 shut: the BFD session and the routes it tracks go, on both routers
        configure(inv, "CE1", "interface GigabitEthernet0/1/0", "shutdown")
        res, out = check("link-down")
        assert res.returncode == 1, res.stdout + res.stderr
        assert "FAIL" in res.stdout and "pe1_to_ce1" in res.stdout
        results = _results(out / "report.json")
        bfd = results[("PE1", "bfd-sessions-up")]
        assert bfd["status"] == "fail" and "BFD session pe1_to_ce1 is Down" in bfd["message"]
        assert results[("CE1", "bfd-sessions-up")]["status"] == "fail"
        shut = results[("CE1", "interfaces-up")]
        assert shut["status"] == "fail" and "GigabitEthernet0/1/0 is *down/down (administratively down)" in shut["message"]
        withdrawn = results[("PE1", "vpn-static-routes")]  # PE1's VPN route to CE1, tracked by pe1_to_ce1
        assert withdrawn["status"] == "fail" and "VPNA 1.1.1.1/32 static via nothing" in withdrawn["message"]
        assert "1.1.1.1/32" in res.stdout
        failing = {r for (r, _c), v in results.items() if v["status"] == "fail"}
        assert {"PE1", "CE1"} <= failing and "PE2" not in failing

        # JUnit, read by a JUnit consumer: one case per (router, check, params), counts as reported
        doc = json.loads((out / "report.json").read_text())
        junit = JUnitXml.fromfile(str(out / "junit.xml"))
        cases = [c for suite in junit for c in suite]
        assert junit.tests == len(cases) == doc["counts"]["total"]
        assert junit.failures == doc["counts"]["fail"] > 0 and junit.errors == doc["counts"]["error"] == 0
        assert len({c.name for c in cases}) == len(cases)
        failed = {c.name for c in cases if any(isinstance(r, Failure) for r in c.result)}
        assert "PE1 · bfd-sessions-up" in failed and not any(isinstance(r, Error) for c in cases for r in c.result)

        # the HTML page in headless Chromium: the diagram, the failing router and link, the failing check
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        assert chromium, "headless Chromium is required (.ci/run installs it)"
        page = out / "report.html"
        dump = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chrome'}", "--dump-dom",
                               page.as_uri()], capture_output=True, text=True, timeout=120, check=True,
                              stdin=subprocess.DEVNULL)
        dom = Dom()
        dom.feed(dump.stdout)
        status = {a["data-router"]: a["data-status"] for a in dom.having("g", "router")}
        assert status["PE1"] == status["CE1"] == "fail" and status["PE2"] == "pass"
        assert len(dom.having("g", "link")) == 6  # the topology's six cables, each coloured by its interfaces
        assert len(dom.having("g", "link", health="up")) == 5
        assert dom.having("g", "link", a="PE1", b="CE1", health="down") or dom.having("g", "link", a="CE1", b="PE1",
                                                                                      health="down")
        assert dom.having("g", "bfd", health="down")
        assert dom.having("tr", "fail", check="bfd-sessions-up", status="fail")
        assert "pe1_to_ce1: Down (expected Up)" in " ".join(dom.text)

        # 3. history: when pe1_to_ce1 went Down, and the state before it
        hist = vrpbook("history", "--db", str(db), "--check", "bfd-sessions-up", "--host", "PE1", env=env)
        assert hist.returncode == 0, hist.stderr
        assert "pe1_to_ce1: Up → Down" in hist.stdout and "pass → fail" in hist.stdout
        rows = json.loads(vrpbook("history", "--db", str(db), "--check", "bfd-sessions-up", "--host", "PE1",
                                  "--json").stdout)
        assert [(r["status"], r["observed"]["pe1_to_ce1"]) for r in rows] == [("pass", "Up"), ("fail", "Down")]
        went_down = datetime.fromisoformat(rows[1]["at"])
        assert while_up < went_down
        earlier = json.loads(vrpbook("history", "--db", str(db), "--at", while_up.isoformat(), "--check",
                                     "bfd-sessions-up", "--host", "PE1", "--json").stdout)
        assert [(r["status"], r["observed"]["pe1_to_ce1"]) for r in earlier] == [("pass", "Up")]

        # 4. link back; CE2 unreachable (its address points at a port nobody listens on): 2, the rest reported
        configure(inv, "CE1", "interface GigabitEthernet0/1/0", "undo shutdown")
        broken = copy_inventory(tmp_path / "lab-ce2-gone", {**ports_of(inv), "CE2": free_ports(1)[0]})
        res, out = check("unreachable", inventory=broken)
        assert res.returncode == 2, res.stdout + res.stderr
        doc = json.loads((out / "report.json").read_text())
        ce2 = [r for r in doc["results"] if r["router"] == "CE2"]
        assert ce2 and all(r["status"] == "error" and "could not connect" in r["message"] for r in ce2)
        others = [r for r in doc["results"] if r["router"] != "CE2"]
        assert {r["router"] for r in others} == {"PE1", "PE2", "PE3", "CE1"} and {r["status"] for r in others} == {"pass"}
        assert doc["counts"]["error"] == len(ce2) and doc["counts"]["fail"] == 0 and doc["run"]["exit_code"] == 2
        assert "CE2" in res.stdout and "could not connect" in res.stdout

        # 5. a stray line committed on PE1's VPN instance: not what the intent renders
        configure(inv, "PE1", "ip vpn-instance VPNA", "ipv4-family", "vpn-target 999:1 both")
        res, out = check("stray-line")
        assert res.returncode == 1, res.stdout + res.stderr
        results = _results(out / "report.json")
        compliance = results[("PE1", "config-compliance")]
        assert compliance["status"] == "fail"
        assert compliance["message"] == "ip vpn-instance VPNA: unexpected 'ipv4-family > vpn-target 999:1 both'"
        assert "ip vpn-instance VPNA: unexpected: ipv4-family > vpn-target 999:1 both" in compliance["differences"]
        assert "vpn-target 999:1 both" in res.stdout
        assert results[("PE1", "saved-equals-running")]["status"] == "fail"  # committed, not saved
        assert {c for (r, c), v in results.items() if v["status"] == "fail" and r != "PE1"} == set()
