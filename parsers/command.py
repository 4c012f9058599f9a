"""``vrpbook parse "COMMAND" FILE [--json]``: parse a saved display output.

Exit codes follow the rest of the CLI: 0 parsed, 2 usage error (unreadable
file, unsupported or ambiguous command), 3 the output could not be trusted
(device error, unknown line, truncated table) -- the message names the line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vrpbook.parsers import ParseError, ParseErrorKind, parse

_USAGE_KINDS = {ParseErrorKind.UNKNOWN_COMMAND, ParseErrorKind.AMBIGUOUS_COMMAND}


def parse_cmd(
    command: str = typer.Argument(..., help='The display command, as typed (abbreviations allowed): "dis ip rou".'),
    file: str = typer.Argument(..., help="File holding the output ('-' reads standard input)."),
    as_json: bool = typer.Option(False, "--json", help="Print the typed result as JSON."),
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
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    _print_human(data)


def _print_human(data: dict) -> None:
    out = Console()
    for key, value in data.items():
        if not isinstance(value, list):
            out.print(f"{key}: {value}", markup=False, highlight=False)
    for key, value in data.items():
        if isinstance(value, list) and key != "warnings" and value and isinstance(value[0], dict):
            table = Table(title=key)
            columns = [c for c in value[0] if not isinstance(value[0][c], (list, dict))]
            for column in columns:
                table.add_column(column, overflow="fold")
            for row in value:
                table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
            out.print(table)
        elif isinstance(value, list) and key != "warnings":
            out.print(f"{key}: {len(value)} (none)" if not value else f"{key}: {value}", markup=False, highlight=False)
    for warning in data.get("warnings", []):
        out.print(f"warning: {warning}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Mount the parse command on the root app."""
    app.command("parse", help="Parse a saved display output into typed JSON (fails closed).")(parse_cmd)
