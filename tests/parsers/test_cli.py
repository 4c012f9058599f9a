"""``vrpbook parse "COMMAND" FILE [--json]``: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from vrpbook.parsers.command import register

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Group, so that ``parse`` is a sub-command as on the real root app."""

    register(app)
    return app


def test_json_output_is_the_model_dump() -> None:
    sample = SAMPLES / "mpls_ldp_session" / "03-ne40e-cmdref.txt"
    result = CliRunner().invoke(_app(), ["parse", "dis mpls ldp se", str(sample), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total_sessions"] == 2 and [s["peer_id"] for s in data["sessions"]] == ["10.2.2.9:0", "10.3.3.9:0"]


def test_human_output_and_stdin() -> None:
    text = (SAMPLES / "bgp_peer" / "07-ntc-templates-real-asdot.txt").read_text(encoding="utf-8")
    result = CliRunner().invoke(_app(), ["parse", "display bgp peer", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert "local_as: 635.88" in result.stdout and "router_id: 192.168.1.1" in result.stdout
    assert "peers" in result.stdout


def test_unreadable_output_exits_3_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "out.txt"
    bad.write_text("Routing Table: _public_\nsomething else\n", encoding="utf-8")
    result = CliRunner().invoke(_app(), ["parse", "display ip routing-table", str(bad)])
    assert result.exit_code == 3
    assert "line 2" in result.stderr and "something else" in result.stderr


def test_unsupported_command_and_missing_file_exit_2(tmp_path: Path) -> None:
    sample = SAMPLES / "mpls_ldp_session" / "03-ne40e-cmdref.txt"
    assert CliRunner().invoke(_app(), ["parse", "display version", str(sample)]).exit_code == 2
    assert CliRunner().invoke(_app(), ["parse", "display bgp peer", str(tmp_path / "missing.txt")]).exit_code == 2
