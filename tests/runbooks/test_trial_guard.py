"""Confirmed commit as a guard: a trial commit that nobody confirms (the controller
died mid-gate, the session was lost) is reverted by the router itself."""

from __future__ import annotations

import time

import pytest

from vrpbook.intent import load_intent
from vrpbook.runbooks.render import render_commands
from vrpbook.tasks import commit_trial, push_config

pytestmark = pytest.mark.lab


def test_unconfirmed_trial_reverts_after_the_session_is_lost(h, lab_factory):
    running = lab_factory(trial_time_scale=0.05)  # a 60 s trial lasts 3 s
    intents = load_intent(h.LAB_INVENTORY)
    cmds = render_commands(["01_ospf.j2"], intents["PE1"], "PE1", intents)
    target = h.target_for(running)
    nr = target.nr.filter(name="PE1")
    # The Nornir task API of vrpbook.tasks, one job per task, on one SSH session.
    pushed = nr.run(task=push_config, commands=cmds)
    assert not pushed.failed
    diff = pushed["PE1"][0]
    assert diff.changed and "+ sysname PE1" in diff.diff
    res = nr.run(task=commit_trial, seconds=60, label="vrpbook-test-01-ospf", description="guard test")
    assert not res.failed and res["PE1"][0].result.startswith("1")
    assert running.running_config("PE1").sysname == "PE1"  # committed (in trial)
    target.nr.close_connections()  # the controller goes away without confirming
    deadline = time.monotonic() + 10
    while running.running_config("PE1").sysname != "HUAWEI":
        assert time.monotonic() < deadline, "trial commit was not reverted"
        time.sleep(0.05)
    assert h.device_configs(running)["PE1"].count("interface LoopBack1") == 0
