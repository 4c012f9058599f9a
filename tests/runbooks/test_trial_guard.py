"""Confirmed commit as a guard: a trial commit that nobody confirms (the controller
died mid-gate, the session was lost) is reverted by the router itself."""

from __future__ import annotations

import time

import pytest

from vrpbook.runbooks.engine import _run_each
from vrpbook.runbooks.intent import load_intent
from vrpbook.tasks.channel import channel_for
from vrpbook.tasks.commit import commit_trial
from vrpbook.tasks.push import push_lines
from vrpbook.tasks.render import render_commands

pytestmark = pytest.mark.lab


def test_unconfirmed_trial_reverts_after_the_session_is_lost(h, lab_factory):
    running = lab_factory(trial_time_scale=0.01)  # a 60 s trial lasts 0.6 s
    intents = load_intent(h.LAB_INVENTORY)
    cmds = render_commands(["01_ospf.j2"], intents["PE1"], "PE1", intents)
    target = h.target_for(running)

    def trial(task):
        chan = channel_for(task)
        push_lines(chan, cmds)
        return commit_trial(chan, 60, "vrpbook-test-01-ospf", "guard test")

    res = _run_each(target.nr, ["PE1"], trial, "trial")
    commit_id, exc = res["PE1"]
    assert exc is None and commit_id.startswith("1")
    assert running.running_config("PE1").sysname == "PE1"  # committed (in trial)
    target.nr.close_connections()  # the controller goes away without confirming
    deadline = time.monotonic() + 10
    while running.running_config("PE1").sysname != "HUAWEI":
        assert time.monotonic() < deadline, "trial commit was not reverted"
        time.sleep(0.05)
    assert h.device_configs(running)["PE1"].count("interface LoopBack1") == 0
