"""A run's snapshots: taken by the engine's hook, written to the artifacts and the history.

:class:`RunSnapshots` is the :class:`vrpbook.runbooks.hooks.Snapshotter` a run
plugs in: ``pre`` after the preflight (locked, before the first change),
``post`` after the run (after its rollback, if any). Each router's snapshot goes
to ``hosts/<H>/snapshot/{pre,post}.json`` (state, counters, what could not be
read) and ``…-config.txt`` (redacted), and — when the run records into the
history database — to its ``snapshots`` table; the proof goes to ``proof.json``
and to the run's report (``proof``), and to the change log under the ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nornir.core import Nornir

from vrpbook.history import ChangeLog, HistoryDB, HistoryError

from .collect import RouterSnapshot, take
from .compare import compare
from .normalise import SINCE_TOLERANCE

log = logging.getLogger(__name__)

WriteJson = Callable[[tuple[str, ...], Any], object]
WriteText = Callable[[tuple[str, ...], str], object]


class RunSnapshots:
    """The pre/post snapshots of one run (not reusable)."""

    def __init__(self, *, redact: Callable[[str], str], write_json: WriteJson, write_text: WriteText,
                 run_id: str, ticket: str | None = None, history_db: Path | None = None,
                 tolerance: float = SINCE_TOLERANCE) -> None:
        self.redact = redact
        self.write_json, self.write_text = write_json, write_text
        self.run_id, self.ticket, self.history_db = run_id, ticket, history_db
        self.tolerance = tolerance
        self.pre_snaps: dict[str, RouterSnapshot | str] = {}

    def _keep(self, phase: str, snaps: Mapping[str, RouterSnapshot | str]) -> None:
        for h, s in snaps.items():
            if isinstance(s, RouterSnapshot):
                self.write_json(("hosts", h, "snapshot", f"{phase}.json"), s.to_json())
                self.write_text(("hosts", h, "snapshot", f"{phase}-config.txt"), s.config)
            else:
                self.write_json(("hosts", h, "snapshot", f"{phase}.json"), {"router": h, "phase": phase, "error": s})
        if self.history_db is None:
            return
        try:
            with HistoryDB(self.history_db) as db:
                changes = ChangeLog(db)
                for h, s in snaps.items():
                    if isinstance(s, RouterSnapshot):
                        changes.snapshot(self.run_id, h, "pre" if phase == "pre" else "post", config=s.config,
                                         state=s.state, counters=s.counters, ticket=self.ticket, at=s.at)
        except HistoryError as exc:  # the artifacts hold them; the history is the second copy
            log.warning("%s-change snapshots not recorded in the history: %s", phase, exc)

    def pre(self, nr: Nornir, hosts: Sequence[str]) -> None:
        self.pre_snaps = take(nr, hosts, "pre", self.redact)
        self._keep("pre", self.pre_snaps)

    def post(self, nr: Nornir, hosts: Sequence[str], meant: Mapping[str, str]) -> dict[str, Any]:
        post = take(nr, hosts, "post", self.redact)
        self._keep("post", post)
        proof = compare({h: self.pre_snaps.get(h, "no pre-change snapshot") for h in hosts}, post,
                        {h: self.redact(d) for h, d in meant.items()}, self.tolerance)
        data = proof.to_json()
        self.write_json(("proof.json",), data)
        if self.history_db is not None and self.ticket:
            try:
                with HistoryDB(self.history_db) as db:
                    ChangeLog(db).note(self.ticket, "proof", run_id=self.run_id, message=proof.summary(),
                                       detail={"verdict": proof.verdict, "flagged": [d.line() for d in proof.flagged],
                                               "missing": proof.missing, "not_compared": proof.not_compared})
            except HistoryError as exc:
                log.warning("post-change proof not recorded in the history: %s", exc)
        return data


__all__ = ["RunSnapshots"]
