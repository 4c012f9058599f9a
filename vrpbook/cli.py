"""The ``vrpbook`` command: the root app, and THE one error boundary.

Each command group lives beside the code it drives (``runbooks/command.py``,
``parsers/command.py``, the lab in :mod:`vrpbook.lab`); this module mounts
them and decides how every failure ends:

- an expected failure (:class:`vrpbook.errors.VrpbookError`) prints one line
  per affected router (or one line) on stderr and exits with its code
  (2 usage/intent/inventory/runbook, 3 device, 4 gate);
- a click usage error prints click's message and exits 2;
- Ctrl-C prints ``interrupted`` and exits 130 (typer runs with standalone
  mode off, so the interrupt reaches this handler instead of click's);
  SIGTERM and SIGHUP end the same way with 143 and 129. ``vrpbook run``
  replaces these handlers for its duration (``runbooks/signals.py``): a run
  is never torn apart by a signal, it stops at a safe point and undoes its
  change first; ``vrpbook lab up`` stops its servers cleanly;
- anything else is a bug: one line on stderr, exit 1, and the traceback goes
  to a log file (named in the line), never the console.
"""

from __future__ import annotations

import functools
import logging
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from vrpbook.errors import ExitCode, Interrupted, VrpbookError, describe_error

log = logging.getLogger("vrpbook.cli")
_err = Console(stderr=True)


def report_failure(exc: BaseException) -> int:
    """Print *exc* as the boundary does and return the exit code it ends in."""
    if isinstance(exc, VrpbookError):
        for line in exc.lines():
            _err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
        return exc.status
    if isinstance(exc, KeyboardInterrupt):
        _err.print("interrupted", highlight=False)
        return int(ExitCode.INTERRUPTED)
    where = _log_traceback(exc)
    _err.print(
        f"[red]internal error:[/red] {escape(type(exc).__name__)}: {escape(describe_error(exc))} (traceback in {where})",
        highlight=False, soft_wrap=True,
    )
    return int(ExitCode.INTERNAL)


def _log_traceback(exc: BaseException) -> Path:
    with tempfile.NamedTemporaryFile("w", prefix="vrpbook-internal-", suffix=".log", delete=False) as fh:
        fh.write("".join(traceback.format_exception(exc)))
    log.debug("internal error", exc_info=exc)
    return Path(fh.name)


P = ParamSpec("P")
R = TypeVar("R")


def boundary(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command inside the error boundary: every failure ends in a line and a code."""

    @functools.wraps(fn)  # typer reads the wrapped signature (options, arguments)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.TyperException, typer.Abort, SystemExit):
            raise  # typer's own exits and usage errors
        except BaseException as exc:
            raise typer.Exit(report_failure(exc)) from None

    return guarded


def _guard_all(typer_app: typer.Typer) -> None:
    """Put every command of *typer_app* (and of its sub-apps) inside the boundary."""
    for info in typer_app.registered_commands:
        if info.callback is not None:
            info.callback = boundary(info.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _guard_all(group.typer_instance)


app = typer.Typer(
    help="Runbooks for Huawei VRP8 routers: staged push, gates on parsed state, rollback.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _mount() -> None:
    from vrpbook.changes.command import register as register_changes
    from vrpbook.compliance.command import register as register_check
    from vrpbook.compliance.worker_command import register as register_worker
    from vrpbook.drills.command import register as register_drill
    from vrpbook.history.command import register as register_history
    from vrpbook.history.lock_command import register as register_locks
    from vrpbook.lab import lab_app
    from vrpbook.parsers.command import register as register_parse
    from vrpbook.rehearsal.command import register as register_rehearsal
    from vrpbook.runbooks.command import register as register_runbooks

    app.add_typer(lab_app, name="lab", help="Run the twin: software VRP8 routers over SSH.")
    register_parse(app)
    register_runbooks(app)
    register_check(app)
    register_worker(app)
    register_history(app)
    register_locks(app)
    register_changes(app)
    register_drill(app)
    register_rehearsal(app)
    _guard_all(app)


_mount()


def _interrupted(signum: int, frame: object) -> None:
    """SIGTERM / SIGHUP outside a run: end through the boundary (one line, 128 + signal)."""
    raise Interrupted(signum)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script (standalone mode off: vrpbook owns every exit)."""
    # Library loggers (nornir's failed-task tracebacks, paramiko's transport errors) must
    # never reach the console through logging's last-resort handler: a run's log file
    # receives them (runbooks/runner.py), the console only the boundary's lines.
    logging.getLogger().addHandler(logging.NullHandler())
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    try:
        rv = app(args=argv, prog_name="vrpbook", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # a usage error found by the argument parser
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _err.print(f"error: {escape(exc.format_message())}", highlight=False)
        code = 2 if exc.exit_code == 1 and "Usage" in type(exc).__name__ else exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = report_failure(KeyboardInterrupt())
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
