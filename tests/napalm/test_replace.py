"""``load_replace_candidate`` = replace within vrpbook's managed scope, over SSH to the twin:
a factory router replaced with its intended configuration reaches it; drift inside the scope
is removed, drift outside it kept; lines outside the scope in the text are refused."""

from __future__ import annotations

import pytest
from napalm.base.exceptions import ReplaceConfigException

from vrpbook.intended import compare, intended_config
from vrpbook.intent import load_intent
from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab

LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"
SCOPE = {"intent_inventory": str(LAB_INVENTORY), "intent_host": "PE1"}


@pytest.fixture(scope="module")
def intended():
    return intended_config("PE1", load_intent(LAB_INVENTORY))


def running(driver) -> str:
    return driver.get_config(retrieve="running")["running"]


def test_replace_needs_the_managed_scope(lab, drivers):
    driver = drivers(lab, "PE1")
    with pytest.raises(ReplaceConfigException, match="intent_inventory"):
        driver.load_replace_candidate(config="sysname PE1\n")
    unnamed = drivers(lab, "PE1", intent_inventory=str(LAB_INVENTORY))  # factory sysname HUAWEI is no host there
    with pytest.raises(ReplaceConfigException, match="'HUAWEI' is not a host of intent_inventory"):
        unnamed.load_replace_candidate(config="sysname PE1\n")
    with pytest.raises(ReplaceConfigException, match="filename or a config"):
        driver.load_replace_candidate()
    assert driver.compare_config() == ""


def test_a_factory_router_replaced_with_its_intended_configuration_reaches_it(lab, drivers, intended):
    driver = drivers(lab, "PE1", **SCOPE)
    driver.load_merge_candidate(config="interface LoopBack77\n")  # a replace starts from an empty candidate
    driver.load_replace_candidate(config=intended.text)
    diff = driver.compare_config()
    assert "+ sysname PE1" in diff and "+ ip vpn-instance VPNA" in diff and "LoopBack77" not in diff
    driver.commit_config(message="replace from intent")
    assert compare(running(driver), intended) == []
    driver.load_replace_candidate(config=intended.text)
    assert driver.compare_config() == ""  # within the scope the router already is the text
    # the default intent_host: the sysname in the prompt, now PE1
    by_prompt = drivers(lab, "PE1", intent_inventory=str(LAB_INVENTORY))
    by_prompt.load_replace_candidate(config=intended.text)
    assert by_prompt.compare_config() == ""


def test_drift_inside_the_scope_is_removed_and_outside_kept(lab, drivers, intended):
    driver = drivers(lab, "PE1", **SCOPE)
    driver.load_replace_candidate(config=intended.text)
    driver.commit_config()
    other = drivers(lab, "PE1")
    other.load_merge_candidate(config=(
        "ip vpn-instance VPNA\n ipv4-family\n  vpn-target 999:1 both\n#\n"
        "interface GigabitEthernet0/3/0\n description kept: not managed\n#\n"
        "ip route-static 9.9.9.0 24 11.11.11.2\n"
    ))
    other.commit_config(message="drift")
    drifted = running(driver)
    assert {d.section for d in compare(drifted, intended)} == {"ip vpn-instance VPNA", "ip route-static"}

    driver.load_replace_candidate(config=intended.text)
    diff = driver.compare_config()
    assert "-   vpn-target 999:1 export-extcommunity" in diff or "-   vpn-target 999:1 both" in diff, diff
    assert "- ip route-static 9.9.9.0 255.255.255.0 11.11.11.2" in diff
    assert "description" not in diff and "+" not in "".join(ln[:1] for ln in diff.splitlines())
    driver.commit_config(message="remove drift")
    after = running(driver)
    assert compare(after, intended) == []
    assert " description kept: not managed" in after


def test_a_text_without_a_managed_line_removes_it(lab, drivers, intended):
    driver = drivers(lab, "PE1", **SCOPE)
    driver.load_replace_candidate(config=intended.text)
    driver.commit_config()
    route = next(ln for ln in intended.text.splitlines() if ln.startswith("ip route-static"))
    driver.load_replace_candidate(config=intended.text.replace(route + "\n", ""))
    diff = driver.compare_config()
    assert [ln for ln in diff.splitlines() if ln.startswith(("+", "-"))] == [
        "- ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session pe1_to_ce1"
    ]
    driver.discard_config()


def test_lines_outside_the_scope_are_refused_naming_them(lab, drivers, intended):
    driver = drivers(lab, "PE1", **SCOPE)
    text = intended.text.replace("return\n", "interface LoopBack9\n ip address 9.9.9.9 255.255.255.255\n#\nreturn\n")
    with pytest.raises(ReplaceConfigException) as err:
        driver.load_replace_candidate(config=text)
    assert "outside the managed scope of PE1" in str(err.value)
    assert "interface LoopBack9 > ip address 9.9.9.9 255.255.255.255" in str(err.value)
    assert driver.compare_config() == ""
