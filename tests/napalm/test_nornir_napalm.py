"""nornir-napalm with ``platform: huawei_vrp8`` against the lab: ``napalm_configure`` (dry run,
commit, trial + ``napalm_confirm_commit``, replace within the managed scope), ``napalm_get`` and
``napalm_validate``, from a plain SimpleInventory whose napalm connection options are the ones
the driver's README shows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.task import Result, Task
from nornir_napalm.plugins.tasks import napalm_configure, napalm_confirm_commit, napalm_get, napalm_validate

from napalm_huawei_vrp8.conformance import GETTER_SHAPES, problems
from vrpbook.intended import intended_config
from vrpbook.intent import load_intent
from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab

REFERENCE = PROJECT_ROOT / "napalm_huawei_vrp8" / "validate" / "reference"
SNIPPET = "interface LoopBack9\n description nornir-napalm\n ip address 9.9.9.9 255.255.255.255\n"


def nornir_for(running: Any, tmp: Path) -> Nornir:
    """The lab inventory, pointed at the running lab, with the napalm connection options of the README.

    Each host gets its own ``connection_options.napalm``: nornir-napalm 0.6.0 writes the host's
    port into the ``optional_args`` dict it is handed, and a dict from defaults or a group is
    one object shared by every host -- with one port per host (the lab) all hosts after the
    first would reach the first one's port (see the driver's README)."""
    inv = tmp / "inventory"
    shutil.copytree(PROJECT_ROOT / "inventory" / "lab", inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    for name, spec in hosts.items():
        spec["hostname"], spec["port"] = running.address(name)
        spec["connection_options"] = {
            "napalm": {
                "platform": "huawei_vrp8",
                "extras": {
                    "optional_args": {
                        "ssh_strict": True,
                        "system_host_keys": False,
                        "alt_host_keys": True,
                        "alt_key_file": str(running.known_hosts_path),
                        "intent_inventory": str(PROJECT_ROOT / "inventory" / "lab"),
                    }
                },
            }
        }
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": 5}},
        inventory={"plugin": "SimpleInventory", "options": {
            "host_file": str(inv / "hosts.yaml"),
            "group_file": str(inv / "groups.yaml"),
            "defaults_file": str(inv / "defaults.yaml"),
        }},
        logging={"enabled": False},
    )


def test_napalm_configure_dry_run_then_commit_then_trial_and_confirm(lab, tmp_path):
    nr = nornir_for(lab, tmp_path).filter(name="PE1")
    try:
        dry = nr.run(task=napalm_configure, configuration=SNIPPET, dry_run=True)["PE1"][0]
        assert not dry.failed and dry.changed is True
        assert "+ interface LoopBack9" in dry.diff and "+  description nornir-napalm" in dry.diff
        assert "LoopBack9" not in lab.running_config("PE1").interfaces  # nothing committed

        done = nr.run(task=napalm_configure, configuration=SNIPPET, commit_message="nornir-napalm commit")["PE1"][0]
        assert not done.failed and done.changed is True and done.diff == dry.diff
        assert lab.running_config("PE1").interfaces["LoopBack9"].description == "nornir-napalm"
        again = nr.run(task=napalm_configure, configuration=SNIPPET)["PE1"][0]
        assert not again.failed and again.changed is False and again.diff == ""  # the router computes no difference

        trial = nr.run(task=napalm_configure, configuration="interface LoopBack10\n", revert_in=600)["PE1"][0]
        assert not trial.failed and trial.changed
        assert nr.run(task=napalm_get, getters=["config"], getters_options={"config": {"retrieve": "running"}})
        confirmed = nr.run(task=napalm_confirm_commit)["PE1"][0]
        assert not confirmed.failed
        assert "LoopBack10" in lab.running_config("PE1").interfaces

        bad = nr.run(task=napalm_configure, configuration="interface LoopBack11\n ip address 300.1.1.1 32\n")["PE1"]
        assert bad.failed and "MergeConfigException" in bad[0].exception.__class__.__name__
        assert "line 2 'ip address 300.1.1.1 32' rejected" in str(bad[0].exception)
        assert "LoopBack11" not in lab.running_config("PE1").interfaces
    finally:
        nr.close_connections()


def test_napalm_get_and_validate_on_every_lab_router(converged, tmp_path):
    nr = nornir_for(converged, tmp_path)
    net = load_intent(PROJECT_ROOT / "inventory" / "lab")
    getters = ["facts", "interfaces", "interfaces_ip", "bgp_neighbors", "network_instances"]

    def validate(task: Task) -> Result:
        return task.run(task=napalm_validate, src=str(REFERENCE / f"{task.host.name}.yaml"))[0]

    def replace_with_intent(task: Task) -> Result:
        text = intended_config(task.host.name, net).text
        return task.run(task=napalm_configure, configuration=text, replace=True, dry_run=True)[0]

    try:
        got = nr.run(task=napalm_get, getters=getters)
        assert not got.failed, {h: m[0].exception for h, m in got.items() if m.failed}
        for host, multi in got.items():
            for getter in getters:
                assert problems(GETTER_SHAPES[f"get_{getter}"], multi[0].result[getter]) == [], (host, getter)
        assert got["PE3"][0].result["bgp_neighbors"]["VPNA"]["peers"]["10.3.1.2"]["is_up"] is True
        checked = nr.run(task=validate)
        assert not checked.failed, {h: m[0].exception for h, m in checked.items() if m.failed}
        for host, multi in checked.items():
            assert multi[1].result["complies"] is True, (host, multi[1].result)
        # replace within the managed scope (intent_host: the sysname in each prompt): converged = no change
        replaced = nr.run(task=replace_with_intent)
        assert not replaced.failed, {h: m[0].exception for h, m in replaced.items() if m.failed}
        assert {h: (m[1].changed, m[1].diff) for h, m in replaced.items()} == {h: (False, "") for h in replaced}
    finally:
        nr.close_connections()
