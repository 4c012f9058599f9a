"""A check from another distribution, registered through the ``vrpbook.checks`` entry points.

Nothing is installed: the test writes a distribution (a package and its ``.dist-info`` with
``entry_points.txt``) into a directory and puts that directory on the import path, which is
where ``importlib.metadata`` finds installed distributions. The check then runs in the
default catalog, can be named in a catalog file, and a broken plugin is one line, exit 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vrpbook.checks.registry import CHECKS, COMPLIANCE_CHECKS, DRILL_CHECKS, CheckPluginError, all_checks
from vrpbook.paths import PROJECT_ROOT

PLUGIN = '''
"""A site's own check: every intended loopback is a Direct /32 in the router's routing table."""
from typing import Any

from vrpbook.checks import Check, NoParams, Read, Verdict
from vrpbook.checks.reads import ROUTING_TABLE


class LoopbacksDirect(Check[NoParams]):
    name = "loopbacks-direct"
    description = "every intended loopback is a Direct route"
    requires = "loopbacks"
    params_model = NoParams
    tags = ("site",)

    def applies(self, router, net):
        return bool(net[router].loopbacks)

    def reads(self, router, net, params) -> list[Read[Any]]:
        return [ROUTING_TABLE]

    def judge(self, router, net, params, obs) -> Verdict:
        table = obs[ROUTING_TABLE]
        direct = {r.destination for r in table.routes if r.proto.lower() == "direct"}
        want = {f"{a.ip}/32" for a in net[router].loopbacks.values()}
        missing = sorted(want - direct)
        return Verdict(not missing, f"not Direct: {missing}" if missing else "loopbacks Direct",
                       sorted(want & direct), sorted(want))


class NotACheck:
    name = "not-a-check"
'''


def _distribution(root: Path, entry_points: str) -> Path:
    """A distribution as pip would leave it in site-packages: the package and its dist-info."""
    (root / "netops_checks").mkdir(parents=True)
    (root / "netops_checks" / "__init__.py").write_text(PLUGIN)
    info = root / "netops_checks-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: netops-checks\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    return root


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    root = _distribution(tmp_path / "site", "[vrpbook.checks]\nloopbacks-direct = netops_checks:LoopbacksDirect\n")
    monkeypatch.syspath_prepend(str(root))
    return root


def test_the_registered_check_is_found_through_importlib_metadata(plugin_path):
    checks = all_checks()
    assert set(checks) == set(CHECKS) | set(COMPLIANCE_CHECKS) | set(DRILL_CHECKS) | {"loopbacks-direct"}
    plugin = checks["loopbacks-direct"]
    assert type(plugin).__module__ == "netops_checks" and plugin.tags == ("site",)


def test_a_registered_check_runs_in_the_default_catalog_and_in_a_catalog_file(plugin_path, check_lab):
    res, doc = check_lab.check_json()
    assert res.exit_code == 0, res.output
    mine = [r for r in doc["results"] if r["check"] == "loopbacks-direct"]
    assert {r["router"] for r in mine} == {"PE1", "PE2", "PE3", "CE1"}  # CE2 has no loopback in its intent
    assert {r["status"] for r in mine} == {"pass"}
    assert set(mine[0]["tags"]) == {"state", "netops_checks", "site"}
    catalog = check_lab.tmp / "catalog.yaml"
    catalog.write_text("default: false\nchecks:\n  - check: loopbacks-direct\n    hosts: [PE1]\n")
    res, doc = check_lab.check_json("--catalog", str(catalog))
    assert res.exit_code == 0 and [(r["router"], r["check"]) for r in doc["results"]] == [("PE1", "loopbacks-direct")]


@pytest.mark.parametrize(("entry", "expected"), [
    ("not-a-check = netops_checks:NotACheck", "is NotACheck, not a vrpbook.checks.Check"),
    ("gone = netops_checks:Missing", "cannot load: AttributeError"),
    ("bfd-sessions-up = netops_checks:LoopbacksDirect", "the name 'bfd-sessions-up' is already a check"),
    ("other-name = netops_checks:LoopbacksDirect", "the check is named 'loopbacks-direct', not 'other-name'"),
])
def test_a_broken_plugin_is_one_line_and_exit_2(tmp_path, entry, expected):
    root = _distribution(tmp_path / "site", f"[vrpbook.checks]\n{entry}\n")
    sys.path.insert(0, str(root))
    try:
        with pytest.raises(CheckPluginError) as err:
            all_checks()
        assert expected in str(err.value) and "(distribution netops-checks)" in str(err.value)
    finally:
        sys.path.remove(str(root))
    # the real console script, the plugin found on its import path: refused before connecting
    res = subprocess.run(
        [str(Path(sys.executable).with_name("vrpbook")), "check", "--inventory", str(PROJECT_ROOT / "inventory" / "lab"),
         "--no-history"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(root), "COLUMNS": "300", "XDG_RUNTIME_DIR": str(tmp_path)},
    )
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: entry point vrpbook.checks:") and expected in lines[0]
