"""The run holds VRP8's configuration lock: a router locked by someone else stops the run
before anything changes, and the run releases its locks when it ends."""

from __future__ import annotations

import netmiko
import pytest

from vrpbook.tasks.channel import VrpChannel

pytestmark = pytest.mark.lab


def test_router_locked_by_another_session_stops_the_run_before_any_change(h, lab_factory, tmp_path):
    running = lab_factory()
    factory = h.device_configs(running)
    other = netmiko.ConnectHandler(**running.netmiko_params("PE2"))
    try:
        chan = VrpChannel(other, "PE2")
        chan.sync()
        chan.run("configuration exclusive")
        report, _root = h.run(running, tmp_path / "art")
        assert report.exit_code == 3 and report.stages == []
        f = report.failure
        assert (f.stage, f.kind, f.host) == ("preflight", "busy", "PE2")
        # The refusal names the holder and since when (display configuration-occupied user).
        assert "locked by user vrpbook (VTY" in f.message and " since 20" in f.message, f.message
        assert set(f.routers) == {"PE2"}
        assert h.device_configs(running) == factory
        chan.run("undo configuration exclusive")
    finally:
        other.write_channel("quit\n")
        other.remote_conn.close()
        other.remote_conn_pre.close()
    # Our run released the locks it took on the other routers: a new run goes through.
    report, _root = h.run(running, tmp_path / "art2")
    assert report.exit_code == 0, report.failure
