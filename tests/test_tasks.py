"""vrpbook's Nornir tasks over SSH to the twin: ``changed`` and ``diff`` are honest, and a
Nornir processor turns task completions into typed events."""

from __future__ import annotations

import pytest

from vrpbook.events import EventBus
from vrpbook.inventory import Credentials, connect, load_inventory
from vrpbook.paths import PROJECT_ROOT
from vrpbook.tasks import EventProcessor, TaskFinished, commit_trial, confirm, push_config

pytestmark = pytest.mark.lab


def _nornir(lab, host="PE1"):
    inv = load_inventory(PROJECT_ROOT / "inventory" / "lab")
    user, password = lab.credentials
    nr = connect(inv, credentials=Credentials(user, password), addresses=dict(lab.hosts), known_hosts=lab.known_hosts_path)
    return nr.filter(name=host)


def test_push_of_lines_the_router_already_has_is_not_a_change(lab):
    nr = _nornir(lab)
    try:
        first = nr.run(task=push_config, commands=["interface LoopBack7", "description honest", "quit"])["PE1"][0]
        assert not first.failed and first.changed is True
        assert "+ interface LoopBack7" in first.diff and "+  description honest" in first.diff
        assert not nr.run(task=commit_trial, seconds=60, label="tasks-test", description="honest diff").failed
        assert not nr.run(task=confirm).failed
        again = nr.run(task=push_config, commands=["interface LoopBack7", "description honest", "quit"])["PE1"][0]
        assert not again.failed
        assert again.changed is False  # the router computes no difference
        assert "+" not in "".join(ln[:1] for ln in again.diff.splitlines())
        factory = nr.run(task=push_config, commands=["sysname HUAWEI"])["PE1"][0]  # the factory name, already set
        assert factory.changed is False
    finally:
        nr.close_connections()


def test_dry_run_shows_the_diff_changes_nothing_and_leaves_no_candidate(lab):
    nr = _nornir(lab)
    try:
        res = nr.run(task=push_config, commands=["sysname DRY-RUN"], dry_run=True)["PE1"][0]
        assert not res.failed and res.changed is False and "sysname DRY-RUN" in res.diff
        assert res.result.changed is True  # it would change the router...
        assert lab.running_config("PE1").sysname == "HUAWEI"  # ...but nothing was committed
        again = nr.run(task=push_config, commands=["sysname HUAWEI"])["PE1"][0]
        assert again.changed is False  # and nothing of the dry run was left in the candidate
    finally:
        nr.close_connections()


def test_the_processor_publishes_typed_task_events(lab):
    bus = EventBus()
    seen: list[TaskFinished] = []
    bus.subscribe(seen.append, TaskFinished)
    nr = _nornir(lab).with_processors([EventProcessor(bus)])
    try:
        nr.run(task=push_config, commands=["sysname EVENTS"], dry_run=True)
        nr.run(task=push_config, commands=["ip address 300.1.1.1 32"])
    finally:
        nr.close_connections()
    assert [(e.router, e.task, e.changed, e.failed) for e in seen] == [
        ("PE1", "push_config", False, False), ("PE1", "push_config", False, True)
    ]
    assert "sysname EVENTS" in seen[0].diff
    assert seen[1].error and "300.1.1.1" in seen[1].error
