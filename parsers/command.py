"""``vrpbook parse "COMMAND" FILE [--format table|json|yaml]``: parse a saved display output.

Exit codes follow the rest of the CLI: 0 parsed, 2 usage error (unreadable
file, unsupported or ambiguous command), 3 the output could not be trusted
(device error, unknown line, truncated table) -- the message names the line.

People read the default format: a table display is printed as tables (a
table per section where the display has sections), a verbose display
(``... verbose``, ``display version``) as one block of ``field: value`` lines
per record, a configuration as its indented lines.  ``--format json`` (or
``--json``) prints the typed result as JSON, ``--format yaml`` as YAML.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from vrpbook.parsers import ParseError, ParseErrorKind, parse
from vrpbook.parsers.commands import resolve
from vrpbook.parsers.config import CurrentConfiguration

_USAGE_KINDS = {ParseErrorKind.UNKNOWN_COMMAND, ParseErrorKind.AMBIGUOUS_COMMAND}
# Displays whose records are blocks of "Key : value" lines on the router, printed the same way.
_BLOCK_DISPLAYS = frozenset(
    {"bfd_session_all_verbose", "ip_vpn_instance_verbose", "configuration_commit_list_verbose", "version"}
)
_HEADER_KEYS = ("prompt", "hostname", "command")


class Format(StrEnum):
    """Output formats of ``vrpbook parse``."""

    table = "table"
    json = "json"
    yaml = "yaml"


def parse_cmd(
    command: str = typer.Argument(..., help='The display command, as typed (abbreviations allowed): "dis ip rou".'),
    file: str = typer.Argument(..., help="File holding the output ('-' reads standard input)."),
    fmt: Format = typer.Option(
        Format.table, "--format", "-f",
        help="table: tables, or one block per record for verbose displays (default); json; yaml.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Parse a saved VRP display output; fail (exit 3) on anything not understood."""
    err = Console(stderr=True)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        err.print(f"error: cannot read {file}: {exc.strerror}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    try:
        result = parse(command, text)
    except ParseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        if exc.kind in _USAGE_KINDS:
            raise typer.Exit(2) from None
        raise typer.Exit(3) from None
    data = result.model_dump()
    if as_json or fmt is Format.json:
        typer.echo(json.dumps(data, indent=2))
    elif fmt is Format.yaml:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n"))
    elif isinstance(result, CurrentConfiguration):
        _print_config(result)
    else:
        _print_human(data, blocks=resolve(command).spec.key in _BLOCK_DISPLAYS)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def _is_records(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _print_human(data: dict[str, Any], *, blocks: bool) -> None:
    out = Console()
    for key, value in data.items():
        if key != "warnings" and not _is_records(value) and not (isinstance(value, list) and value == []):
            out.print(f"{key}: {_cell(value)}", markup=False, highlight=False)
    for key, value in data.items():
        if key == "warnings":
            continue
        if isinstance(value, list) and not value:
            out.print(f"{key}: none", markup=False, highlight=False)
        elif _is_records(value):
            if blocks:
                _print_blocks(out, key, value)
            else:
                _print_tables(out, key, value)
    for warning in data.get("warnings", []):
        out.print(f"warning: {warning}", markup=False, highlight=False)


def _print_blocks(out: Console, key: str, records: list[dict[str, Any]], indent: str = "") -> None:
    """One block per record: ``field: value`` lines; nested records indented under it."""
    for index, record in enumerate(records, start=1):
        out.print("", markup=False)
        out.print(f"{indent}{key}[{index}]", markup=False, highlight=False)
        width = max((len(k) for k, v in record.items() if not _is_records(v)), default=0)
        for field, value in record.items():
            if _is_records(value):
                _print_blocks(out, field, value, indent + "  ")
            elif isinstance(value, dict):
                for sub, subvalue in value.items():
                    out.print(f"{indent}  {field}.{sub}: {_cell(subvalue)}", markup=False, highlight=False)
            else:
                out.print(f"{indent}  {field:<{width}} : {_cell(value)}", markup=False, highlight=False)


def _print_tables(out: Console, key: str, records: list[dict[str, Any]]) -> None:
    """A table of the records' plain fields; records holding records (sections) get a table each."""
    nested = [f for f, v in records[0].items() if isinstance(v, list) and (not v or isinstance(v[0], dict))]
    plain = [f for f in records[0] if f not in nested]
    if not nested:
        table = Table(title=key)
        for column in plain:
            table.add_column(column, overflow="fold")
        for record in records:
            table.add_row(*(_cell(record.get(c)) for c in plain))
        out.print(table)
        return
    for record in records:
        title = ", ".join(f"{f}: {_cell(record[f])}" for f in plain if record.get(f) is not None)
        for field in nested:
            children = record[field]
            if children:
                _print_tables(out, f"{key} ({title}) {field}" if title else f"{key} {field}", children)
            else:
                out.print(f"{key} ({title}) {field}: none", markup=False, highlight=False)


def _print_config(result: CurrentConfiguration) -> None:
    out = Console()
    for key in (*_HEADER_KEYS, "software_version", "last_updated", "last_updated_by", "last_saved", "complete"):
        value = getattr(result, key)
        if value is not None:
            out.print(f"{key}: {value}", markup=False, highlight=False)
    out.print(f"sections: {len(result.sections)}", markup=False, highlight=False)
    for line in result.lines():
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    for warning in result.warnings:
        out.print(f"warning: {warning}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Mount the parse command on the root app."""
    app.command("parse", help="Parse a saved display output into typed data (fails closed).")(parse_cmd)
