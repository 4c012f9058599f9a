"""``napalm validate`` (``compliance_report``) with the shipped YAML of the reference network:
compliant on the converged lab, with nothing skipped; non-compliant, naming the peer, once an
EBGP session is shut; compliant again after the driver's rollback."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab

REFERENCE = PROJECT_ROOT / "napalm_huawei_vrp8" / "validate" / "reference"


def failing(report: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths (getter, key, key...) of every non-compliant leaf of a compliance report."""
    out: list[tuple[str, ...]] = []
    if not isinstance(report, dict):
        return out
    if report.get("complies") is False and report.get("nested") is False:
        return [path]
    for key in ("missing",):
        out += [(*path, f"missing:{k}") for k in report.get(key, []) if isinstance(k, str)]
    for key, value in report.items():
        if key in ("complies", "skipped", "missing", "extra", "nested"):
            continue
        if key in ("present", "diff"):
            out += failing(value, path)
        else:
            out += failing(value, (*path, key))
    return out


def test_shipped_yaml_exists_for_every_reference_router():
    assert sorted(p.stem for p in REFERENCE.glob("*.yaml")) == ["CE1", "CE2", "PE1", "PE2", "PE3"]


def test_converged_reference_lab_complies_then_not_once_ebgp_is_shut(converged, drivers):
    reports = {h: drivers(converged, h).compliance_report(str(REFERENCE / f"{h}.yaml")) for h in ("PE1", "PE2", "PE3", "CE1", "CE2")}
    for host, report in reports.items():
        assert report["complies"] is True, (host, failing(report))
        assert report["skipped"] == [], (host, report["skipped"])  # every getter of the YAML was run

    pe3 = drivers(converged, "PE3")
    pe3.load_merge_candidate(config="interface GigabitEthernet0/3/0\n shutdown\n")
    pe3.commit_config(message="shut the EBGP session to CE2")
    try:
        on_pe3 = pe3.compliance_report(str(REFERENCE / "PE3.yaml"))
        assert on_pe3["complies"] is False
        paths = failing(on_pe3)
        assert ("get_bgp_neighbors", "VPNA", "peers", "10.3.1.2", "is_up") in paths, paths
        assert ("get_interfaces", "GigabitEthernet0/3/0", "is_enabled") in paths, paths
        on_ce2 = drivers(converged, "CE2").compliance_report(str(REFERENCE / "CE2.yaml"))
        assert on_ce2["complies"] is False
        assert ("get_bgp_neighbors", "global", "peers", "10.3.1.1", "is_up") in failing(on_ce2)
        assert drivers(converged, "PE1").compliance_report(str(REFERENCE / "PE1.yaml"))["complies"] is True
    finally:
        pe3.rollback()
    assert pe3.compliance_report(str(REFERENCE / "PE3.yaml"))["complies"] is True


def test_the_napalm_cli_validates_with_the_shipped_yaml(converged):
    """NAPALM's own command line (`napalm ... validate FILE`), in a real process."""
    host, port = converged.address("PE3")
    user, password = converged.credentials
    napalm_cli = shutil.which("napalm")
    assert napalm_cli, "NAPALM's command line is not installed"
    command = [napalm_cli, "--user", user, "--password", password, "--vendor", "huawei_vrp8",
               "--optional_args", f"port={port}", host, "validate", str(REFERENCE / "PE3.yaml")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["complies"] is True and report["skipped"] == [], report
