"""What the record keeps around a run: protocol state, configuration and the CLI dialogue.

Read-only and best effort: the record must never break a run (or an undo).
Each reader publishes typed events the artifacts writer subscribes to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from nornir.core import Nornir

from vrpbook.checks.polling import ScheduledCheck, command_plan, read_all
from vrpbook.events import Event
from vrpbook.intent import NetworkIntent
from vrpbook.tasks import verify_snapshot
from vrpbook.tasks.channel import CONNECTION, VrpChannel

from . import events as ev
from .steps import run_step

log = logging.getLogger(__name__)


def observe_state(nr: Nornir, intents: NetworkIntent, checks: Iterable[ScheduledCheck], skip: set[str],
                  tag: str, emit: Callable[[Event], None]) -> None:
    """Every display the runbook's gates read, per router (``pre``/``post`` the run)."""
    plan = {h: cmds for h, cmds in command_plan(list(checks), intents).items() if h not in skip}
    try:
        observed = read_all(nr, plan)
    except Exception as exc:  # pragma: no cover - the record must not break a run
        log.warning("%s state snapshot failed: %s", tag, exc)
        return
    for h, cmds in observed.items():
        for obs in cmds.values():
            emit(ev.StateObserved(host=h, tag=tag, observation=obs))


def config_after(nr: Nornir, hosts: list[str], emit: Callable[[Event], None]) -> Mapping[str, str]:
    """Each router's running configuration after the run (a lost session is reopened)."""
    out = {}
    for h, o in run_step(nr, hosts, verify_snapshot, "post-snapshot").items():
        if o.error is None:
            out[h] = str(o.value)
            emit(ev.ConfigAfter(host=h, config=out[h]))
    return out


def transcripts(nr: Nornir, emit: Callable[[Event], None]) -> None:
    """The whole CLI dialogue with each router (every session, revived ones included)."""
    for name, host in nr.inventory.hosts.items():
        conn = host.connections.get(CONNECTION)
        chan = conn.connection if conn is not None else None
        if isinstance(chan, VrpChannel):
            emit(ev.Transcript(host=name, lines=tuple(chan.transcript)))
