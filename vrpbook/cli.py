"""The ``vrpbook`` command: a thin shell over the packages.

Each command group lives beside the code it drives (``twin/command.py``,
``parsers/command.py``, ``runbooks/command.py``); this module only mounts them
and turns an unexpected exception into one line and exit code 1.
"""

from __future__ import annotations

import sys

import typer

from vrpbook.parsers.command import register as register_parse
from vrpbook.runbooks.command import register as register_runbooks
from vrpbook.twin.command import lab_app

app = typer.Typer(
    help="Runbooks for Huawei VRP8 routers: staged push, gates on parsed state, rollback.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(lab_app, name="lab", help="Run the twin: software VRP8 routers over SSH.")
register_parse(app)
register_runbooks(app)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130)
