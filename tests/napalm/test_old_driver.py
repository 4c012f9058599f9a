"""The README's claims about napalm-huawei-vrp 1.2.0, measured against a twin router (fast ones
only; ``bench/napalm_compare.py`` measures the whole table, its commit included). The old
driver is optional and imported here only, through NAPALM."""

from __future__ import annotations

import inspect
import re

import napalm
import pytest

from napalm_huawei_vrp8.conformance import GETTER_SHAPES, problems

pytestmark = pytest.mark.lab

pytest.importorskip("napalm_huawei_vrp")


@pytest.fixture
def old(lab):
    address, port = lab.address("PE1")
    user, password = lab.credentials
    driver = napalm.get_network_driver("huawei_vrp")(address, user, password, optional_args={"port": port})
    driver.open()
    yield driver
    driver.close()


def test_it_imports_telnetlib_which_python_3_13_removed():
    import napalm_huawei_vrp.huawei_vrp as module

    assert re.search(r"^import telnetlib$", inspect.getsource(module), re.M)


def test_no_revert_in_no_replace_textual_compare_and_getters_off_the_model(old, lab):
    """One session (the old driver's logout waits on netmiko's ~2 s idle timers)."""
    assert "revert_in" not in inspect.signature(old.commit_config).parameters
    with pytest.raises(TypeError):
        old.commit_config(revert_in=60)
    with pytest.raises(NotImplementedError):
        old.has_pending_commit()

    assert old.load_replace_candidate(config="sysname REPLACED\n") is None
    assert old.compare_config() == ""  # nothing loaded, nothing to commit: the replace was dropped
    old.load_merge_candidate(config="interface LoopBack9\n ip address 300.1.1.1 32\n")
    # an invalid line is "a change": the old driver compares text, the router never saw it
    assert old.compare_config() == "interface LoopBack9\n ip address 300.1.1.1 32"
    assert "LoopBack9" not in lab.running_config("PE1").interfaces
    old.discard_config()

    for getter in ("get_bgp_neighbors", "get_bgp_neighbors_detail", "get_network_instances"):
        assert getattr(old, getter)() is None, getter
    assert old.get_route_to("1.1.1.1") is None
    facts = old.get_facts()
    assert problems(GETTER_SHAPES["get_facts"], facts)  # serial_number is a list, uptime an int
    assert facts["model"] == "Unknown" and facts["os_version"] == "Unknown"
