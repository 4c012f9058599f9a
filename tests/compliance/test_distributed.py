"""``vrpbook check --distributed`` with real components: Debian's ``redis-server`` on a loopback
port (no persistence), real ``vrpbook worker`` processes, a converged 20-router ring lab over SSH
(``bench/topologies.py``: full-mesh MP-IBGP, the reference lab's two kinds of CE alternating; the
twin runs in this process, the workers reach it over loopback).

- two workers give exactly the results of a local check (the same JSON and the same history,
  timings aside), each router checked by exactly one session (seen from the twin);
- nothing secret crosses the broker: every command Redis received (MONITOR, message bodies
  decoded) holds no password and no VRP cipher text, and nothing is left in Redis after the run;
- a production inventory (no password anywhere) is checked by workers holding their own
  credentials file, while the coordinator has no credentials at all;
- a worker SIGKILLed while it holds a shard loses nothing: the shard is run again by the other
  worker and every router is reported exactly once, each checked by one session;
- shards nobody consumes, and workers that refuse a shard, end as ``error`` results (exit 2);
- the coordinator reads its own run journal: a dead run's routers fail ``no-unfinished-run`` as in
  a local check, each once, in the ``--shard`` that holds the router.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from typer.testing import CliRunner

from vrpbook.cli import app
from vrpbook.intent import intent_of
from vrpbook.inventory import Credentials, connect, load_inventory
from vrpbook.lab import boot_lab
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks import journal
from vrpbook.runbooks.runner import Target, run_with_target
from vrpbook.runbooks.schema import load_runbook
from vrpbook.twin.lab import RunningLab
from vrpbook.twin.state import Router

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from celery_rig import VRPBOOK, Worker, redis_server, start_workers
from topologies import ScaleNetwork

pytestmark = pytest.mark.lab

ROUTERS = 20
TIMINGS = ("started_at", "finished_at", "elapsed_s", "duration_s", "run_id")
CIPHER = re.compile(r"%\^%#|%@%@|%\$%\$|%#%#")


def _with_ports(inventory: Path, running: RunningLab) -> None:
    hosts = yaml.safe_load((inventory / "hosts.yaml").read_text())
    for name in hosts:
        hosts[name]["port"] = running.address(name)[1]
    (inventory / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))


def _production_copy(src: Path, dest: Path, known_hosts: str, queue: str | None = None) -> Path:
    """*src* as a production inventory: no password in any file, host keys verified."""
    dest.mkdir()
    for f in ("hosts.yaml", "groups.yaml", "topology.yaml"):
        (dest / f).write_text((src / f).read_text())
    data: dict[str, Any] = {"known_hosts": known_hosts}
    if queue:
        data["queue"] = queue
    (dest / "defaults.yaml").write_text(yaml.safe_dump({"platform": "huawei_vrpv8", "data": data}))
    return dest


def _lab_copy(src: Path, dest: Path, **data: Any) -> Path:
    dest.mkdir()
    for f in ("hosts.yaml", "groups.yaml", "topology.yaml"):
        (dest / f).write_text((src / f).read_text())
    defaults = yaml.safe_load((src / "defaults.yaml").read_text())
    defaults["data"].update(data)
    (dest / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    return dest


@dataclass
class Rig:
    running: RunningLab
    inventory: Path
    broker: str
    tmp: Path
    credentials: Path
    password: str
    workers: list[Worker]

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VRPBOOK_")}
        env.update(COLUMNS="250", XDG_RUNTIME_DIR=str(self.tmp / "run"), **extra)
        return env

    def check(self, *args: str, inventory: Path | None = None) -> tuple[Any, dict[str, Any]]:
        """``vrpbook check`` in-process (the coordinator); returns the result and the JSON report."""
        out = self.tmp / f"report-{time.monotonic_ns()}.json"
        res = CliRunner().invoke(app, ["check", "--inventory", str(inventory or self.inventory), "--json", str(out), *args],
                                 env=self.env())
        assert out.exists(), res.output
        return res, json.loads(out.read_text())


class Sessions:
    """SSH sessions the twin's routers open (the lab runs in this process)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count: Counter[str] = Counter()
        opened = Router.open_session
        lock = threading.Lock()

        def open_session(router: Router) -> tuple[int, int]:
            with lock:
                self.count[router.name] += 1
            return opened(router)

        monkeypatch.setattr(Router, "open_session", open_session)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp("distributed")
    inventory = ScaleNetwork.of_routers(ROUTERS, ibgp="full-mesh", pe_ce="mixed").write_inventory(tmp / "ring")
    with ExitStack() as stack:
        lab = boot_lab(inventory, state_dir=tmp / "state", time_scale=0.0)
        running = stack.enter_context(lab.running(ephemeral_ports=True))
        _with_ports(inventory, running)
        inv = load_inventory(inventory)
        user, password = running.credentials
        nr = connect(inv, credentials=Credentials(user, password), addresses=dict(running.hosts),
                     known_hosts=Path(running.known_hosts_path))
        try:
            report, _ = run_with_target(load_runbook("bfd-static-vpn"), intent_of(inv), Target(nr, inv, inv.secrets),
                                        artifacts_dir=tmp / "artifacts")
        finally:
            nr.close_connections()
        assert report.exit_code == 0, "the runbook did not converge the ring"
        broker = stack.enter_context(redis_server(tmp / "redis"))
        creds = tmp / "worker-credentials"
        creds.write_text(f"VRPBOOK_USERNAME='{user}'\nVRPBOOK_PASSWORD='{password}'\n")
        creds.chmod(0o600)
        workers = start_workers(["w1@rig", "w2@rig"], broker, tmp, credentials=creds)
        for w in workers:
            stack.callback(w.stop)
        yield Rig(running, inventory, broker, tmp, creds, password, workers)


def _normalised(doc: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    for key in TIMINGS:
        doc["run"].pop(key, None)
    doc["run"].pop("inventory", None)
    for r in doc["results"]:
        for key in TIMINGS:
            r.pop(key, None)
    return doc


def _history(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT s.router, s.check_name, s.params_key, t.status, t.observed, t.expected, t.message, t.source "
            "FROM subjects s JOIN transitions t ON t.subject_id = s.subject_id ORDER BY 1, 2, 3").fetchall()


class Monitor:
    """Every command Redis receives while it runs (``MONITOR``), kombu's base64 bodies decoded."""

    def __init__(self, url: str) -> None:
        self.commands: list[str] = []
        self._client = redis.Redis.from_url(url)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    def _listen(self) -> None:
        with self._client.monitor() as m:
            self._ready.set()
            for cmd in m.listen():
                self.commands.append(str(cmd["command"]))
                if "vrpbook-test-stop-monitor" in str(cmd["command"]):
                    return

    def stop(self) -> list[str]:
        self._client.echo("vrpbook-test-stop-monitor")
        self._thread.join(10)
        texts = list(self.commands)
        for cmd in self.commands:
            for body in re.findall(r'"body": "([A-Za-z0-9+/=]+)"', cmd):
                texts.append(base64.b64decode(body).decode("utf-8", "replace"))
        return texts


def test_two_workers_give_the_local_check_and_nothing_secret_crosses_the_broker(rig, monkeypatch):
    local, local_doc = rig.check("--history", str(rig.tmp / "local.db"))
    assert local.exit_code == 0, local.output
    assert local_doc["counts"]["pass"] == local_doc["counts"]["total"] > 150

    sessions = Sessions(monkeypatch)
    monitor = Monitor(rig.broker)
    dist, dist_doc = rig.check("--history", str(rig.tmp / "dist.db"), "--distributed", "--broker", rig.broker,
                               "--shard-size", "5")
    texts = monitor.stop()
    assert dist.exit_code == local.exit_code, dist.output
    assert _normalised(dist_doc) == _normalised(local_doc)
    assert _history(rig.tmp / "dist.db") == _history(rig.tmp / "local.db")
    # four shards of 5 routers, shared by both workers; one session per router
    assert re.search(r"distributed: 4 shard\(s\) on vrpbook \(4\) — checked by w1@rig \(\d\), w2@rig \(\d\)", dist.output), dist.output
    assert sessions.count == dict.fromkeys(local_doc["run"]["hosts"], 1)

    # the broker saw the tasks (positive control: the decoded bodies name routers and the inventory) ...
    bodies = [t for t in texts if '"payload"' in t and '"routers"' in t]
    assert len(bodies) >= 4 and all(str(rig.inventory) in b for b in bodies)
    assert any('"celery-task-meta-' in t or "celery-task-meta-" in t for t in texts)  # results came back through it
    # ... and never a password or VRP cipher text
    for t in texts:
        assert rig.password not in t
        assert not CIPHER.search(t), t[:300]
    # results are deleted once merged; no message is left behind
    left = redis.Redis.from_url(rig.broker)
    assert not [k for k in left.keys("*") if k.startswith((b"celery-task-meta-", b"unacked"))]
    assert left.llen("vrpbook") == 0


def test_workers_use_their_own_credentials_for_a_production_inventory(rig):
    prod = _production_copy(rig.inventory, rig.tmp / "production", str(rig.running.known_hosts_path))
    _, local_doc = rig.check("--no-history")
    res, doc = rig.check("--no-history", "--distributed", "--broker", rig.broker, "--shard-size", "8",
                         inventory=prod)  # the coordinator has no VRPBOOK_* variable at all
    assert res.exit_code == 0, res.output
    assert _normalised(doc) == _normalised(local_doc)


def test_a_worker_killed_mid_sweep_loses_nothing(rig, monkeypatch):
    """The victim holds the first shard it starts (fault hook) until SIGKILL; after the
    visibility timeout the other worker restores that shard and checks it."""
    _, local_doc = rig.check("--no-history")
    inventory = _lab_copy(rig.inventory, rig.tmp / "kill", queue="kill")
    hold = rig.tmp / "hold"
    hold.mkdir()
    victim = Worker("victim@rig", rig.broker, rig.tmp / "victim.log", queues=["kill"], visibility_timeout=3,
                    env={"VRPBOOK_FAULT_HOLD_SHARD": str(hold)})
    survivor = Worker("survivor@rig", rig.broker, rig.tmp / "survivor.log", queues=["kill"], visibility_timeout=3)
    try:
        victim.wait_ready()
        survivor.wait_ready()
        sessions = Sessions(monkeypatch)
        out = rig.tmp / "kill.json"
        coordinator = subprocess.Popen(
            [VRPBOOK, "check", "--inventory", str(inventory), "--no-history", "--json", str(out), "--distributed",
             "--broker", rig.broker, "--shard-size", "5", "--deadline", "60"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=rig.env())
        deadline = time.monotonic() + 30
        while not list(hold.iterdir()):
            assert coordinator.poll() is None, coordinator.communicate()[0]
            assert time.monotonic() < deadline, "the victim never started a shard:\n" + victim.output()[-2000:]
            time.sleep(0.05)
        marker = next(hold.iterdir())
        held_shard, held_routers = marker.read_text().splitlines()[:2]
        victim.kill()
        output, _ = coordinator.communicate(timeout=90)
    finally:
        victim.kill() if victim.proc.poll() is None else None
        survivor.stop()
    assert coordinator.returncode == 0, output
    doc = json.loads(out.read_text())
    assert _normalised(doc) == _normalised(local_doc)
    keys = [(r["router"], r["check"], r["params_key"]) for r in doc["results"]]
    assert len(keys) == len(set(keys))
    assert set(held_routers.split(",")) <= {r["router"] for r in doc["results"]}
    # every shard, the held one included, was checked by the survivor; each router by one session
    assert re.search(r"distributed: 4 shard\(s\) on kill \(4\) — checked by survivor@rig \(4\)", output), output
    assert "victim@rig" not in output
    assert sessions.count == dict.fromkeys(local_doc["run"]["hosts"], 1)
    assert held_shard.startswith("kill ")


def test_the_coordinator_reports_a_dead_run_of_its_journal(rig, private_journal):
    """A run SIGKILLed after its first trial on PE1 and CE1 (no end record, nobody holds the
    journal) is a finding of the coordinator's journal: the same results as a local check."""
    address = {r: "{}:{}".format(*rig.running.address(r)) for r in ("PE1", "CE1")}
    dead_id = "20261129T200000Z-bfd-static-vpn-dead"
    dead, _ = journal.register(private_journal, dead_id, address,
                               {"runbook": "bfd-static-vpn", "operator": "alice", "pid": 4242, "machine": "ctl1",
                                "started": "2026-11-29T20:00:00+00:00"})
    assert dead is not None
    for r, addr in address.items():
        dead.append("router", name=r, address=addr, pre_commit=None, pre_config_sha256="0" * 64,
                    pre_saved_sha256="0" * 64, pre_config="")
    dead.append("trial", stage="mpls-ldp", index=2, label=f"vrpbook-{dead_id}-02-mpls-ldp", routers=list(address))
    dead.close()

    local, local_doc = rig.check("--no-history")
    res, doc = rig.check("--no-history", "--distributed", "--broker", rig.broker, "--shard-size", "8")
    assert local.exit_code == res.exit_code == 1, res.output
    assert _normalised(doc) == _normalised(local_doc)
    found = [x for x in doc["results"] if x["check"] == "no-unfinished-run"]
    assert sorted(x["router"] for x in found) == ["CE1", "PE1"]
    assert all(x["status"] == "fail" and f"vrpbook recover {dead_id}" in x["message"] for x in found)
    assert doc["counts"]["fail"] == 2 and doc["counts"]["error"] == 0

    per_shard = []
    for shard in ("1/2", "2/2"):
        _, part = rig.check("--no-history", "--distributed", "--broker", rig.broker, "--shard", shard)
        mine = {x["router"] for x in part["results"]}
        unfinished = [x["router"] for x in part["results"] if x["check"] == "no-unfinished-run"]
        assert set(unfinished) <= mine  # a finding only for the shard's own routers
        per_shard += unfinished
    assert sorted(per_shard) == ["CE1", "PE1"]


def test_a_queue_nobody_consumes_and_a_refused_shard_are_errors(rig):
    lonely = _lab_copy(rig.inventory, rig.tmp / "lonely", queue="nobody-listens")
    res, doc = rig.check("--no-history", "--distributed", "--broker", rig.broker, "--deadline", "2", inventory=lonely)
    assert res.exit_code == 2, res.output
    assert doc["counts"]["error"] == doc["counts"]["total"] > 0
    assert all("no worker of queue 'nobody-listens' took it before the deadline" in r["message"] for r in doc["results"])
    # a production inventory naming a known_hosts file the worker hosts do not have: the workers
    # refuse (nothing connected), each check is an error naming the worker and why
    prod = _production_copy(rig.inventory, rig.tmp / "elsewhere", str(rig.tmp / "no-such-known-hosts"))
    res, doc = rig.check("--no-history", "--distributed", "--broker", rig.broker, "--shard-size", "10", inventory=prod)
    assert res.exit_code == 2, res.output
    assert doc["counts"]["error"] == doc["counts"]["total"] > 0
    assert all(re.search(r"worker w[12]@rig refused it: known_hosts file .* does not exist", r["message"])
               for r in doc["results"]), doc["results"][0]["message"]
