"""``vrpbook rehearse``: run a change against a twin of the network booted from its backup.

Before the window opens: the backup (``vrpbook backup``) says what each router runs;
the twin boots one router per ``<router>.cfg`` (through the product's one seam,
:func:`vrpbook.lab.boot_from_configs`: the configuration replayed through the twin's
CLI, as a router loads its startup file), cabled as the topology file says or as the
interface subnets imply (:mod:`.topology`), on loopback, with credentials of its own.
The inventory's hosts are pointed at it (its intent is the change's intent), and the
runbook runs there through the real engine over SSH: the same preflight, trial commits,
gates and rollback as in the window. The report is a normal run report, plus one line:
would the change pass, and if not, which stage, gate and router would stop it.

Nothing but the twin is ever connected to: every address is checked to be loopback
before the first connection, whatever the inventory's hosts are (a production
inventory's addresses are replaced, never used), and no production credential is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vrpbook.errors import UsageError
from vrpbook.events import EventBus
from vrpbook.history import ChangeLog, HistoryDB, HistoryError
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import Inventory, connect
from vrpbook.lab import LAB_TIME_SCALE, boot_from_configs, is_loopback_address
from vrpbook.runbooks.report import RunReport
from vrpbook.runbooks.runner import Target, run_with_target
from vrpbook.runbooks.schema import Runbook
from vrpbook.runbooks.signals import Interruption

from . import topology as topo
from .backup import read_backup


@dataclass
class Rehearsal:
    """A rehearsal's run report, where its record is, and the one-line verdict."""

    report: RunReport
    root: Path
    routers: int
    cables: int
    notes: list[str]

    @property
    def passed(self) -> bool:
        return self.report.exit_code == 0

    def verdict(self) -> str:
        rb = self.report.runbook
        if self.passed:
            return (f"rehearsal: PASS — {rb} would pass every gate on the backup's network ({self.routers} routers, "
                    f"{self.cables} cables); only the twin was changed, no router of the inventory was contacted")
        f = self.report.failure
        if f is None:
            return f"rehearsal: FAIL — {rb} ended {self.report.status} (exit {self.report.exit_code})"
        where = ", ".join(x for x in (f"stage {f.stage}", f"gate {f.gate}" if f.gate else "") if x)
        word = "FAIL" if self.report.exit_code == 4 else "ERROR"
        first = f.message.splitlines()[0] if f.message else f.kind
        return f"rehearsal: {word} — {rb} would stop at {where}: {first}; fix it before the window opens"


@contextmanager
def rehearsal_target(inv: Inventory, backup_dir: Path, topology_file: Path | None = None,
                     time_scale: float = LAB_TIME_SCALE) -> Iterator[tuple[Target, int, int, list[str]]]:
    """The inventory pointed at a twin booted from *backup_dir* (routers, cables, notes)."""
    if not backup_dir.is_dir():
        raise UsageError(f"--from-backup {backup_dir}: no such directory")
    files = read_backup(backup_dir)
    if not files:
        raise UsageError(f"--from-backup {backup_dir}: no <router>.cfg files (made by `vrpbook backup`)")
    hosts = list(inv.nr.inventory.hosts)
    missing = [h for h in hosts if h not in files]
    if missing:
        raise UsageError(f"--from-backup {backup_dir}: no backup of {', '.join(missing)} (inventory {inv.path}); "
                         f"backed up: {', '.join(files)}")
    configs = {r: (str(path), text) for r, (path, text) in files.items()}
    layout, notes = topo.build(configs, topology_file)
    with boot_from_configs({r: text for r, (_p, text) in configs.items()}, layout,
                           sources={**{r: str(p) for r, (p, _t) in files.items()}, "topology": str(topology_file or "inferred")},
                           time_scale=time_scale) as twin:
        addresses = {h: twin.hosts[h] for h in hosts}
        strays = {h: a for h, (a, _port) in addresses.items() if not is_loopback_address(a)}
        if strays:  # the seam serves on loopback only; a rehearsal must never reach anything else
            raise UsageError(f"rehearsal refused: non-loopback addresses {strays}")
        nr = connect(inv, credentials=twin.credentials, addresses=addresses, known_hosts=twin.known_hosts)
        for name, host in nr.inventory.hosts.items():  # what Nornir will connect to, checked once more
            if not is_loopback_address(str(host.hostname)):
                raise UsageError(f"rehearsal refused: {name} would connect to {host.hostname}")
        try:
            yield Target(nr, inv, list(inv.secrets), in_process=True), len(files), len(layout["cables"]), notes
        finally:
            nr.close_connections()


def rehearse(rb: Runbook, intents: NetworkIntent, inv: Inventory, backup_dir: Path, *, topology_file: Path | None = None,
             artifacts_dir: Path = Path("artifacts"), bus: EventBus | None = None, cancel: Interruption | None = None,
             time_scale: float = LAB_TIME_SCALE, ticket: str | None = None, hosts: list[str] | None = None) -> Rehearsal:
    """Run *rb* with *intents* against the twin of *backup_dir*; nothing else is touched."""
    with rehearsal_target(inv, backup_dir, topology_file, time_scale) as (target, routers, cables, notes):
        report, root = run_with_target(rb, intents, target, artifacts_dir=artifacts_dir, bus=bus, cancel=cancel, ticket=ticket,
                                       hosts=hosts)
    return Rehearsal(report, root, routers, cables, notes)


def record(done: Rehearsal, db_path: Path, *, inventory: str) -> str | None:
    """The rehearsal in the history database: a ``runs`` row of kind ``rehearse`` (status, exit
    code, verdict, gate counts) and, for a change, its verdict in the change log under the
    ticket. Its gate results are the twin's, not the routers': they are not recorded as the
    routers' state. Best effort: a database that cannot be written is a warning (returned)."""
    r = done.report
    verdict = "pass" if done.passed else "fail" if r.exit_code == 4 else "error"
    try:
        with HistoryDB(db_path) as db:
            log = ChangeLog(db)
            log.begin_run(r.run_id, ticket=r.facts.ticket, kind="rehearse", what=r.runbook, inventory=inventory,
                          vrpbook_version=r.facts.vrpbook_version)
            log.finish_run(r.run_id, status=r.status, exit_code=r.exit_code, verdict=verdict, counts=r.results().counts().model_dump())
            if r.facts.ticket:
                log.note(r.facts.ticket, "rehearsed", run_id=r.run_id, message=done.verdict(),
                         detail={"artifacts": str(done.root), "routers": done.routers, "cables": done.cables})
    except HistoryError as exc:
        return f"the rehearsal was not recorded in the history: {exc}"
    return None
