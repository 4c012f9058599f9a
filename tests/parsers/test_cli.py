"""``vrpbook parse "COMMAND" FILE [--format table|json|yaml] [--json]``: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
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
    assert CliRunner().invoke(_app(), ["parse", "display interface counters", str(sample)]).exit_code == 2
    assert CliRunner().invoke(_app(), ["parse", "display bgp peer", str(tmp_path / "missing.txt")]).exit_code == 2


def test_verbose_display_prints_one_block_per_record() -> None:
    sample = SAMPLES / "bfd_session_all_verbose" / "03-ne40e-ldp-lsp-two-sessions.txt"
    result = CliRunner().invoke(_app(), ["parse", "display bfd session all verbose", str(sample)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "sessions[1]" in out and "sessions[2]" in out
    block = out.split("sessions[2]")[0].split("sessions[1]")[1]
    names = [line.split(":", 1)[0].strip() for line in block.strip().splitlines()]
    assert names[:3] == ["name", "state", "hop_type"] and "local_discriminator" in names
    assert "┃" not in out  # no table


def test_table_display_prints_tables_and_sections_get_one_each() -> None:
    sample = SAMPLES / "mpls_lsp" / "01-real-ar-vrp5-option-c-asbr-bgp-ldp.txt"
    out = CliRunner().invoke(_app(), ["parse", "dis mpls lsp", str(sample)]).stdout
    assert "lsp_type: BGP  LSP" in out and "lsp_type: LDP LSP" in out
    assert out.count("┃ fec") == 2 and "GE0/0/0" in out


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_machine_formats_are_the_model_dump(fmt: str) -> None:
    sample = SAMPLES / "version" / "01-real-ne40e-x8a-v800r021-patch.txt"
    result = CliRunner().invoke(_app(), ["parse", "display version", str(sample), "--format", fmt])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout) if fmt == "json" else yaml.safe_load(result.stdout)
    assert (data["model"], data["vrp_version"], data["patch_version"]) == ("NE40E-X8A", "8.211", "V800R021SPH016")
    as_json = CliRunner().invoke(_app(), ["parse", "display version", str(sample), "--json"]).stdout
    assert json.loads(as_json) == data


def test_configuration_prints_its_lines(tmp_path: Path) -> None:
    config = tmp_path / "pe1.cfg"
    config.write_text("!Software Version V800R012C10\n#\nsysname PE1\n#\ninterface LoopBack1\n"
                      " ip address 2.2.2.2 255.255.255.255\n#\nreturn\n", encoding="utf-8")
    out = CliRunner().invoke(_app(), ["parse", "display current-configuration", str(config)]).stdout
    assert "software_version: V800R012C10" in out and "sections: 2" in out
    assert "interface LoopBack1\n ip address 2.2.2.2 255.255.255.255" in out
