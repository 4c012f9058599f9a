"""Catalogs: the default one derived from the intent, files that add, narrow and waive, and
malformed files refused in one line naming the file and the field (exit 2, nothing connected)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from vrpbook.checks.bfd import DetectBudget
from vrpbook.checks.registry import all_checks
from vrpbook.cli import app
from vrpbook.compliance.catalog import CatalogError, default_catalog, load_catalog
from vrpbook.compliance.sweep import plan
from vrpbook.intent import intent_of
from vrpbook.inventory import load_inventory
from vrpbook.paths import PROJECT_ROOT

LAB = PROJECT_ROOT / "inventory" / "lab"
CHECKS_ALL = all_checks()
ROUTERS = ["PE1", "PE2", "PE3", "CE1", "CE2"]


@pytest.fixture(scope="module")
def lab_inv():
    inv = load_inventory(LAB)
    return inv, intent_of(inv)


def _load(tmp_path, text, lab_inv, routers=ROUTERS):
    inv, net = lab_inv
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    return load_catalog(path, CHECKS_ALL, net, inv.nr, routers)


def test_default_catalog_is_every_check_the_intent_gives_something_to_judge(lab_inv):
    _inv, net = lab_inv
    cat = default_catalog(CHECKS_ALL, net, ROUTERS)
    # the reference network exercises every check but the gates that judge a runbook stage's own
    # lines (config-lines-present): an intent alone gives them nothing, only a run's stage does
    stage_only = {n for n, c in CHECKS_ALL.items() if c.reads_stage_lines}
    assert stage_only == {"config-lines-present"}
    assert {e.name for e in cat.entries} == set(CHECKS_ALL) - stage_only
    work, empty = plan(cat, net)
    assert empty == []
    # per router, only the checks its intent has something for
    assert {i.entry.name for i in work["CE2"].items} == {
        "ebgp-peers-established", "no-pending-trial", "no-stale-config-lock", "config-compliance", "saved-equals-running",
        "interfaces-up"}
    assert "bfd-sessions-up" in {i.entry.name for i in work["CE1"].items}
    assert "vpn-route-ecmp" not in {i.entry.name for i in work["PE1"].items}  # PE1 has no maximum load-balancing
    # every router reads the lock holder and trial displays, and each display only once
    for w in work.values():
        assert "display configuration-occupied user" in w.commands and "display configuration trial status" in w.commands
        assert len(w.commands) == len(set(w.commands))
    # narrowed to CE2, a check that does not apply there is not in the default catalog at all
    assert "bfd-sessions-up" not in {e.name for e in default_catalog(CHECKS_ALL, net, ["CE2"]).entries}


def test_a_file_narrows_reparameterises_adds_and_waives(tmp_path, lab_inv):
    cat = _load(tmp_path, """
checks:
  - check: bfd-detect-time
    params: {budget_ms: 300}
    groups: [pe]
    tags: [sla]
  - check: vpn-route-ecmp
    params: {prefixes: [10.1.1.0/24]}
  - check: vpn-route-ecmp
  - check: no-pending-trial
    hosts: [CE2]
    waive: "CHG-1234: CE2 is being replaced"
""", lab_inv)
    by_name: dict[str, list] = {}
    for e in cat.entries:
        by_name.setdefault(e.name, []).append(e)
    (detect,) = by_name["bfd-detect-time"]
    assert isinstance(detect.params, DetectBudget) and detect.params.budget_ms == 300
    assert detect.routers == ("PE1", "PE2", "PE3") and detect.explicit
    assert {"sla", "state", "bfd"} <= set(detect.tags)
    assert len(by_name["vpn-route-ecmp"]) == 2  # two instances: one narrowed to a prefix, one default
    (trial,) = by_name["no-pending-trial"]
    assert "CE2" not in trial.routers and "CE1" in trial.routers
    assert [(w.check, w.routers, w.reason) for w in cat.waivers] == [
        ("no-pending-trial", ("CE2",), "CHG-1234: CE2 is being replaced")]
    assert "ospf-loopback-routes" in by_name  # untouched checks stay from the default catalog
    assert cat.what.startswith("catalog ")


def test_default_false_keeps_only_the_files_checks(tmp_path, lab_inv):
    cat = _load(tmp_path, "default: false\nchecks:\n  - check: bfd-sessions-up\n", lab_inv)
    assert [e.name for e in cat.entries] == ["bfd-sessions-up"]


def test_an_explicit_entry_with_nothing_to_judge_is_an_error_not_a_pass(tmp_path, lab_inv):
    _inv, net = lab_inv
    cat = _load(tmp_path, "default: false\nchecks:\n  - check: bfd-sessions-up\n    hosts: [CE2]\n", lab_inv)
    work, empty = plan(cat, net)
    assert work == {}
    assert [(r.router, r.check, r.status.value) for r in empty] == [("CE2", "bfd-sessions-up", "error")]
    assert "nothing to judge" in empty[0].message


MALFORMED = [
    ("checks: [\n  - check: x\n", "line 2: not valid YAML"),
    ("- check: bfd-sessions-up\n", "(top level): expected a mapping with 'checks', got list"),
    ("checks:\n  - check: bfd-sesions-up\n", "checks[0].check: unknown check 'bfd-sesions-up' (known: "),
    ("checks:\n  - check: bfd-detect-time\n    params: {budget_ms: 0}\n",
     "checks[0].params.budget_ms: Input should be greater than or equal to 1"),
    ("checks:\n  - check: bfd-detect-time\n    params: {budget: 10}\n", "checks[0].params.budget: unknown field"),
    ("checks:\n  - check: bfd-sessions-up\n    hosts: [PE9]\n", "checks[0].hosts[0]: unknown host 'PE9'"),
    ("checks:\n  - check: bfd-sessions-up\n    groups: [core]\n", "checks[0].groups[0]: unknown group 'core'"),
    ("checks:\n  - check: bfd-sessions-up\n    waive: ''\n", "checks[0].waive: String should have at least 1 character"),
    ("checks:\n  - check: bfd-detect-time\n    params: {budget_ms: 5}\n    waive: later\n",
     "checks[0].params: a waiver takes no params"),
    ("checks:\n  - check: bfd-sessions-up\n    hostz: [PE1]\n", "checks[0].hostz: unknown field"),
    ("default: maybe\n", "default: Input should be a valid boolean"),
    ("checks:\n  - check: bfd-sessions-up\n    hosts: [PE1]\n  - check: bfd-sessions-up\n    groups: [pe]\n",
     "checks[1]: same check and params as checks[0] on PE1"),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED, ids=[m[1][:40] for m in MALFORMED])
def test_a_malformed_catalog_is_one_line_naming_file_and_field(tmp_path, lab_inv, text, expected):
    with pytest.raises(CatalogError) as err:
        _load(tmp_path, text, lab_inv)
    line = str(err.value)
    assert line.startswith(f"{tmp_path / 'catalog.yaml'}: ") and expected in line
    assert "\n" not in line


def test_the_command_refuses_a_malformed_catalog_before_connecting(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("checks:\n  - check: bfd-detect-time\n    params: {budget_ms: -3}\n")
    # inventory/lab points at 127.0.0.1:22301..; nothing listens there in the test, and nothing is tried
    res = CliRunner().invoke(app, ["check", "--inventory", str(LAB), "--catalog", str(bad), "--no-history"])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines == [f"error: {bad}: checks[0].params.budget_ms: Input should be greater than or equal to 1"]
    assert "Traceback" not in res.output
