"""Sharding an inventory: ``--shard i/N`` partitions it exactly (a stable hash of the router name),
the distributed check's shards are per queue and bounded, the wire carries no secret, a worker
refuses a shard planned against another inventory, and the sweep's threads stay bounded."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from vrpbook.checks.registry import all_checks
from vrpbook.compliance import sweep as sweep_module
from vrpbook.compliance.catalog import default_catalog
from vrpbook.compliance.celery_settings import BrokerSettings, redact_url
from vrpbook.compliance.shard_worker import run_shard
from vrpbook.compliance.shards import DEFAULT_QUEUE, ShardSpec, plan_shards, queue_of, router_hash
from vrpbook.compliance.sweep import SweepOptions, plan
from vrpbook.compliance.wire import OptionsDoc, ShardTask, fingerprint, intent_digest
from vrpbook.errors import InventoryError, UsageError
from vrpbook.intent import intent_of
from vrpbook.inventory import load_inventory
from vrpbook.paths import PROJECT_ROOT

LAB = PROJECT_ROOT / "inventory" / "lab"
PE1_HASH, CE2_HASH = 11865652954695835347, 16645199942685837555

names = st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1, max_size=12),
                 unique=True, max_size=300)


@given(routers=names, count=st.integers(min_value=1, max_value=17))
def test_shards_partition_an_inventory_exactly(routers, count):
    shards = [ShardSpec(i, count).select(routers) for i in range(1, count + 1)]
    flat = [r for s in shards for r in s]
    assert sorted(flat) == sorted(routers)  # every router once: disjoint and complete
    for s in shards:
        assert s == [r for r in routers if r in set(s)]  # inventory order kept


def test_the_hash_is_stable_and_independent_of_the_rest_of_the_inventory():
    # the first 8 bytes of sha256(name): the same in every process, on every host, in every release
    # (Python's hash() is salted per process and would scatter routers between runs)
    assert (router_hash("PE1"), router_hash("CE2")) == (PE1_HASH, CE2_HASH)
    few = ShardSpec(2, 3).select(["PE1", "PE2", "PE3", "CE1", "CE2"])
    many = ShardSpec(2, 3).select(["PE1", "PE2", "PE3", "CE1", "CE2", *[f"X{i}" for i in range(100)]])
    assert [r for r in many if not r.startswith("X")] == few
    # a real spread, not everything in one shard
    sizes = [len(ShardSpec(i, 4).select([f"R{k}" for k in range(400)])) for i in range(1, 5)]
    assert min(sizes) > 60 and sum(sizes) == 400


@pytest.mark.parametrize("text, why", [("3", "expected i/N"), ("0/4", "between 1 and N"), ("5/4", "between 1 and N"),
                                       ("1/0", "between 1 and N"), ("a/b", "expected i/N")])
def test_a_bad_shard_is_one_line(text, why):
    with pytest.raises(UsageError, match=why):
        ShardSpec.parse(text)
    assert ShardSpec.parse(" 2 / 4 ") == ShardSpec(2, 4) and str(ShardSpec(2, 4)) == "2/4"


def _inventory(tmp_path: Path, queues: dict[str, str], group_queue: str | None = None) -> Path:
    dest = tmp_path / "inv"
    dest.mkdir()
    hosts = yaml.safe_load((LAB / "hosts.yaml").read_text())
    groups = yaml.safe_load((LAB / "groups.yaml").read_text())
    for name, queue in queues.items():
        hosts[name].setdefault("data", {})["queue"] = queue
    if group_queue:
        for g in groups.values():
            g.setdefault("data", {})["queue"] = group_queue
    (dest / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    (dest / "groups.yaml").write_text(yaml.safe_dump(groups))
    (dest / "defaults.yaml").write_text((LAB / "defaults.yaml").read_text())
    return dest


def test_distributed_shards_are_per_queue_bounded_and_cover_every_router_once(tmp_path):
    inv = load_inventory(_inventory(tmp_path, {"PE1": "mgmt-east", "CE1": "mgmt-east"}, group_queue="mgmt-west"))
    routers = list(inv.nr.inventory.hosts)
    assert queue_of(inv.nr, "PE1") == "mgmt-east"  # the host's own data wins over its group's
    assert queue_of(inv.nr, "PE2") == "mgmt-west"
    intent_of(inv)  # data.queue is a connection detail, not intent: the intent still validates
    shards = plan_shards(inv.nr, routers, 2)
    assert [(s.queue, s.index, s.count, len(s.routers)) for s in shards] == [
        ("mgmt-east", 1, 1, 2), ("mgmt-west", 1, 2, 2), ("mgmt-west", 2, 2, 1)]
    assert sorted(r for s in shards for r in s.routers) == sorted(routers)
    assert {s.name for s in shards} == {"mgmt-east 1/1", "mgmt-west 1/2", "mgmt-west 2/2"}
    lab = load_inventory(LAB)
    assert {queue_of(lab.nr, r) for r in lab.nr.inventory.hosts} == {DEFAULT_QUEUE}
    (tmp_path / "b").mkdir()
    bad = load_inventory(_inventory(tmp_path / "b", {"PE1": "no spaces"}))
    with pytest.raises(InventoryError, match=r"host PE1: data\.queue 'no spaces' is not a queue name"):
        plan_shards(bad.nr, list(bad.nr.inventory.hosts), 10)


def test_broker_settings_come_from_options_or_environment_and_only_redis(monkeypatch):
    monkeypatch.delenv("VRPBOOK_BROKER", raising=False)
    monkeypatch.delenv("VRPBOOK_RESULT_BACKEND", raising=False)
    with pytest.raises(UsageError, match="no broker: give --broker"):
        BrokerSettings.resolve(None)
    monkeypatch.setenv("VRPBOOK_BROKER", "redis://:s3cret@broker:6379/0")
    s = BrokerSettings.resolve(None)
    assert s.broker == s.result_backend == "redis://:s3cret@broker:6379/0"
    with pytest.raises(UsageError, match=r"broker amqp://u:\*\*\*@mq//: only Redis") as exc:
        BrokerSettings.resolve("amqp://u:pw@mq//")
    assert "pw" not in str(exc.value)
    assert redact_url("redis://:s3cret@broker:6379/0") == "redis://:***@broker:6379/0"
    assert redact_url("redis://broker:6379/0") == "redis://broker:6379/0"


def _task(inv_dir: Path, routers: list[str], **over: object) -> ShardTask:
    inv = load_inventory(inv_dir)
    net = intent_of(inv)
    work, _ = plan(default_catalog(all_checks(), net, list(inv.nr.inventory.hosts)), net)
    fields: dict[str, object] = dict(shard="vrpbook 1/1", inventory=str(inv_dir), selectors=["all"], routers=routers,
                                     options=OptionsDoc.of(SweepOptions()), fingerprint=fingerprint(intent_digest(net), work, routers))
    fields.update(over)
    return ShardTask.model_validate(fields)


def test_the_task_names_paths_and_routers_only(tmp_path):
    task = _task(LAB, ["PE1", "CE2"])
    wire = json.dumps(task.model_dump(mode="json"))
    assert "Lab@123" not in wire and "password" not in wire
    assert set(json.loads(wire)) == {"shard", "inventory", "catalog", "selectors", "routers", "held", "options",
                                     "fingerprint", "vrpbook_version"}


def test_a_worker_refuses_a_shard_planned_against_another_inventory(tmp_path, monkeypatch):
    connected: list[str] = []
    monkeypatch.setattr("vrpbook.compliance.shard_worker.connect", lambda *a, **k: connected.append("x"))
    other = _inventory(tmp_path, {})
    hosts = yaml.safe_load((other / "hosts.yaml").read_text())
    hosts["PE1"]["data"]["loopbacks"]["LoopBack1"] = "9.9.9.9/32"  # the worker's copy differs
    (other / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    task = _task(LAB, ["PE1", "PE2"]).model_copy(update={"inventory": str(other)})
    report = run_shard(task, "w@test")
    assert report.refused is not None and "plans another check than the coordinator's" in report.refused
    assert report.outcomes == [] and connected == []
    # another vrpbook, a host the worker's inventory lacks, an unreadable inventory: refused too
    assert "this worker" in (run_shard(_task(LAB, ["PE1"], vrpbook_version="0.0.1"), "w").refused or "")
    assert "no hosts ['PE9']" in (run_shard(_task(LAB, ["PE1"]).model_copy(update={"routers": ["PE9"]}), "w").refused or "")
    assert "no hosts.yaml" in (run_shard(_task(LAB, ["PE1"]).model_copy(update={"inventory": str(tmp_path)}), "w").refused or "")
    assert connected == []


def test_a_worker_keeps_a_read_inventory_until_a_file_changes(tmp_path):
    from vrpbook.compliance.shard_worker import prepare

    inv = _inventory(tmp_path, {})
    task = _task(inv, ["PE1"])
    first = prepare(task)
    assert prepare(task) is first  # the next shard of the sweep reads nothing again
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    hosts["PE1"]["data"]["loopbacks"]["LoopBack1"] = "9.9.9.9/32"
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    again = prepare(task)
    assert again is not first and again.intent != first.intent
    assert run_shard(task, "w").refused is not None  # planned against the old file: refused


def test_a_production_shard_needs_the_workers_own_credentials(tmp_path, monkeypatch):
    for var in ("VRPBOOK_USERNAME", "VRPBOOK_PASSWORD", "VRPBOOK_CREDENTIALS"):
        monkeypatch.delenv(var, raising=False)
    prod = tmp_path / "prod"
    prod.mkdir()
    for f in ("hosts.yaml", "groups.yaml"):
        (prod / f).write_text((LAB / f).read_text())
    (prod / "known_hosts").write_text("")
    (prod / "defaults.yaml").write_text(yaml.safe_dump({"username": "netops", "data": {"known_hosts": "known_hosts"}}))
    report = run_shard(_task(prod, ["PE1"]), "w@test")
    assert report.refused == "no password: set VRPBOOK_PASSWORD (no terminal to prompt on)"
    creds = tmp_path / "creds"
    creds.write_text("VRPBOOK_USERNAME=a\nVRPBOOK_PASSWORD=b\n")
    creds.chmod(0o644)
    monkeypatch.setenv("VRPBOOK_CREDENTIALS", str(creds))
    report = run_shard(_task(prod, ["PE1"]), "w@test")
    assert report.refused is not None and "readable or writable by group or others" in report.refused


def test_shards_of_a_local_check_partition_its_results(check_lab):
    """``--shard i/3`` three times gives, together, exactly the results of one whole check."""
    _, whole = check_lab.check_json("--no-history")
    parts = [check_lab.check_json("--no-history", "--shard", f"{i}/3")[1] for i in (1, 2, 3)]
    keys = [(r["router"], r["check"], r["params_key"]) for p in parts for r in p["results"]]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted((r["router"], r["check"], r["params_key"]) for r in whole["results"])
    for i, p in enumerate(parts, 1):
        assert p["run"]["hosts"] == sorted(ShardSpec(i, 3).select(whole["run"]["hosts"]))
        assert {r["router"] for r in p["results"]} <= set(p["run"]["hosts"])
    assert sum(p["counts"]["total"] for p in parts) == whole["counts"]["total"]


def test_two_shards_of_one_inventory_may_run_at_once(check_lab, tmp_path):
    from vrpbook.compliance.command import lock_file
    from vrpbook.history.overlap import exclusive

    inv = load_inventory(check_lab.inventory)
    with exclusive(lock_file(inv, ShardSpec(1, 2)), wait=0, what="shard 1/2"):
        res, _ = check_lab.check_json("--no-history", "--shard", "2/2")
        assert res.exit_code == 0, res.output  # another shard's lock does not block it
        res = check_lab.check("--no-history", "--shard", "1/2")
        assert res.exit_code == 2 and "shard 1/2" in res.output


def test_the_sweep_runs_on_at_most_max_sessions_threads(check_lab, monkeypatch):
    """The sweep's workers are --max-sessions threads, reused router after router (their number
    does not grow with the routers); the sessions they hold open at once are bounded the same way
    (test_check_lab). Each open session also has paramiko's transport thread, which ends shortly
    after its session closes (bench/check_sweep.py prints the peak thread count at size)."""
    threads: dict[str, set[str]] = {}
    real = sweep_module.check_router

    def recording(task, **kw):  # type: ignore[no-untyped-def]
        threads.setdefault(threading.current_thread().name, set()).add(task.host.name)
        return real(task, **kw)

    monkeypatch.setattr(sweep_module, "check_router", recording)
    res, _ = check_lab.check_json("--no-history", "--max-sessions", "2", "--login-rate", "0")
    assert res.exit_code == 0, res.output
    assert len(threads) <= 2 and sum(map(len, threads.values())) == 5, threads


def _cli(*args: str, **env: str) -> Any:
    from typer.testing import CliRunner

    from vrpbook.cli import app

    base = {"VRPBOOK_BROKER": "", "VRPBOOK_RESULT_BACKEND": "", "VRPBOOK_CREDENTIALS": "", "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env={**base, **env})


def test_usage_errors_of_the_distributed_check_and_the_worker_are_one_line(tmp_path):
    res = _cli("check", "--lab", "--distributed", "--broker", "redis://127.0.0.1:1/0", "--no-history")
    assert res.exit_code == 2 and "cannot check an in-process --lab" in res.output
    res = _cli("check", "--inventory", str(LAB), "--distributed", "--no-history")
    assert res.exit_code == 2 and "no broker: give --broker" in res.output and "Traceback" not in res.output
    res = _cli("worker")
    assert res.exit_code == 2 and "no broker" in res.output
    res = _cli("worker", "--broker", "redis://127.0.0.1:1/0", "--queues", "a b")
    assert res.exit_code == 2 and "queue 'a b' is not a queue name" in res.output
    creds = tmp_path / "creds"
    creds.write_text("VRPBOOK_USERNAME=a\nVRPBOOK_PASSWORD=b\n")
    creds.chmod(0o640)
    res = _cli("worker", "--broker", "redis://127.0.0.1:1/0", "--credentials", str(creds))
    assert res.exit_code == 2 and "readable or writable by group or others" in res.output
    assert len([ln for ln in res.output.splitlines() if ln.strip()]) == 1


def test_a_broker_that_cannot_be_reached_makes_every_check_an_error(tmp_path):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "report.json"
    res = _cli("check", "--inventory", str(LAB), "--distributed", "--broker", f"redis://127.0.0.1:{port}/0",
               "--no-history", "--json", str(out), XDG_RUNTIME_DIR=str(tmp_path))
    assert res.exit_code == 2, res.output
    doc = json.loads(out.read_text())
    assert doc["counts"]["error"] == doc["counts"]["total"] > 0
    assert all(f"not checked: broker redis://127.0.0.1:{port}/0 unreachable" in r["message"] for r in doc["results"])
    assert "Traceback" not in res.output
