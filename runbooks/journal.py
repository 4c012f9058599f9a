"""The run journal: what a run is doing to which routers, on disk before each change.

A controller can die at any instant (SIGKILL, power loss, a closed laptop). The
next vrpbook command that touches the same routers must find out, so before
its first change a run records durably the run, each router's pre-run commit
ID and configuration snapshot, and then every trial, confirmation, save and
rollback as it happens. ``run`` refuses to start on a router an unfinished run
touched (naming it), ``vrpbook recover RUN_ID`` puts those routers back to
their recorded pre-run commits, and :func:`unfinished_runs` answers "which
unfinished runs touch router R" for any other command (``vrpbook check``).

Format and place (why not the history database): one append-only JSON-lines
file per run, ``<journal dir>/<run-id>.jsonl``, each record written with one
``write`` and ``fsync``ed before the change it announces (the directory is
fsynced when the file is created). A torn last line after a power loss is
ignored. The directory is ``$VRPBOOK_JOURNAL``, else
``$XDG_STATE_HOME/vrpbook/journal`` — per user, not per working directory, so
any command finds it. The history database (``history/``) was the other
choice; it is not used because (1) a record must be durable *before* a trial
commit and must never wait behind a scheduled check holding the database's
write lock, (2) its schema is being extended by other work, and (3) after a
crash an operator can read a journal with ``cat``.

Liveness: the running process holds an exclusive ``flock`` on its journal for
its whole life; the kernel drops it however the process ends. A journal with
no ``end`` record whose lock nobody holds is an **unfinished** run. Starting a
run, checking for conflicts and creating the journal happen under one
directory-wide lock (``.registry.lock``), so of two runs started at once on the
same routers exactly one proceeds and the other names it.

Secrets: snapshots are stored redacted (the run's passwords and VRP cipher
text become ``<redacted>``); the comparison with the live configuration uses
the SHA-256 of the exact snapshot. Files are created ``0600``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vrpbook import clock

log = logging.getLogger(__name__)

ENV_JOURNAL = "VRPBOOK_JOURNAL"
REGISTRY_LOCK = ".registry.lock"
SUFFIX = ".jsonl"

#: Router states a record may name (``end_state``): ``pre-run`` and ``post-run`` are the two
#: known states; ``partial`` = confirmed stages kept (``rollback-stage`` policy); ``unknown``
#: = not verified (a rollback failed, a router could not be read).
KNOWN_STATES = ("pre-run", "post-run")


def default_journal_dir() -> Path:
    """``$VRPBOOK_JOURNAL``, else ``$XDG_STATE_HOME/vrpbook/journal`` (``~/.local/state/...``)."""
    if env := os.environ.get(ENV_JOURNAL):
        return Path(env)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "vrpbook" / "journal"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def now() -> str:
    return clock.now().isoformat(timespec="seconds")


# --- writing ----------------------------------------------------------------------------


class Journal:
    """The journal of one run, held open (and flock'ed) by the run's process."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def create(cls, directory: Path, run_id: str) -> Journal:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / f"{run_id}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until close(): "this run is alive"
        _fsync_dir(directory)
        return cls(path, fd)

    @classmethod
    def reopen(cls, path: Path) -> Journal:
        """Append to an existing journal (``recover``), holding its lock meanwhile."""
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise
        return cls(path, fd)

    def append(self, kind: str, **values: Any) -> None:
        """One record, durable when this returns (write + fsync)."""
        if self._fd is None:
            raise ValueError(f"journal {self.path} is closed")
        record = {"type": kind, "at": now(), **values}
        data = (json.dumps(record, sort_keys=True, default=str) + "\n").encode("utf-8")
        os.write(self._fd, data)
        os.fsync(self._fd)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading ----------------------------------------------------------------------------


@dataclass
class RouterRecord:
    """What the journal knows about one router of a run."""

    name: str
    address: str = ""
    pre_commit: str | None = None
    pre_config_sha256: str = ""
    pre_config: str = ""  # redacted, for people; compare with the sha
    pre_saved_sha256: str = ""
    recorded: bool = False  # the pre-run facts were written (before any change)
    trials: list[str] = field(default_factory=list)  # labels committed in trial
    confirmed: list[str] = field(default_factory=list)  # commit IDs confirmed
    saved: bool = False  # the run saved this router
    state: str = "pre-run"  # last known state: pre-run | changing | post-run | partial | unknown


@dataclass
class RunRecord:
    """A run as its journal tells it (records folded in order)."""

    path: Path
    run_id: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    routers: dict[str, RouterRecord] = field(default_factory=dict)
    ended: bool = False
    status: str = "running"
    exit_code: int | None = None
    alive: bool = False  # its process still holds the journal's lock

    @property
    def in_progress(self) -> bool:
        return not self.ended and self.alive

    @property
    def unfinished(self) -> bool:
        """Its process is gone without an end record (killed, power loss)."""
        return not self.ended and not self.alive

    @property
    def needs_recovery(self) -> bool:
        """Unfinished after a change was started (a trial commit is announced before it is
        sent), or ended with a router in no known state (a rollback that failed). A run that
        died before its first change left nothing to undo."""
        if self.unfinished:
            return any(r.trials or r.confirmed or r.saved for r in self.routers.values())
        return self.ended and any(r.state not in KNOWN_STATES for r in self.routers.values())

    def touches(self, names: Sequence[str] = (), addresses: Sequence[str] = ()) -> list[str]:
        """The routers of this run among *names* / *addresses*."""
        return [r.name for r in self.routers.values() if r.name in names or (r.address and r.address in addresses)]

    def describe(self) -> str:
        h = self.header
        who = ", ".join(x for x in (f"operator {h.get('operator')}" if h.get("operator") else "",
                                    f"pid {h.get('pid')} on {h.get('machine')}" if h.get("pid") else "",
                                    f"started {h.get('started')}" if h.get("started") else "") if x)
        return f"run {self.run_id} ({who})" if who else f"run {self.run_id}"


def read_run(path: Path) -> RunRecord:
    """Fold one journal file (a torn last line is ignored)."""
    rec = RunRecord(path=path, run_id=path.name[: -len(SUFFIX)])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return rec
    for line in text.splitlines():
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue  # a record cut by a crash: it never took effect
        if isinstance(r, dict):
            _fold(rec, r)
    rec.alive = _locked(path)
    return rec


def _router(rec: RunRecord, name: str) -> RouterRecord:
    return rec.routers.setdefault(name, RouterRecord(name))


def _fold(rec: RunRecord, r: dict[str, Any]) -> None:
    kind = r.get("type")
    if kind == "run":
        rec.header = {k: v for k, v in r.items() if k != "type"}
        rec.run_id = str(r.get("run_id") or rec.run_id)
        for name, address in dict(r.get("routers") or {}).items():
            _router(rec, name).address = str(address)
    elif kind == "router":
        rr = _router(rec, str(r["name"]))
        rr.address = str(r.get("address") or rr.address)
        rr.pre_commit = r.get("pre_commit")
        rr.pre_config_sha256 = str(r.get("pre_config_sha256") or "")
        rr.pre_config = str(r.get("pre_config") or "")
        rr.pre_saved_sha256 = str(r.get("pre_saved_sha256") or "")
        rr.recorded = True
    elif kind == "trial":
        for name in r.get("routers") or [r.get("name")]:
            rr = _router(rec, str(name))
            rr.trials.append(str(r.get("label")))
            rr.state = "changing"
    elif kind == "confirmed":
        rr = _router(rec, str(r["name"]))
        rr.confirmed.append(str(r.get("commit_id")))
        rr.state = "changing"
    elif kind == "saving":
        for name in r.get("routers") or []:
            _router(rec, str(name)).state = "changing"
    elif kind == "saved":
        rr = _router(rec, str(r["name"]))
        rr.saved = True
    elif kind == "state":
        _router(rec, str(r["name"])).state = str(r.get("state"))
    elif kind == "end":
        rec.ended = True
        rec.status = str(r.get("status"))
        rec.exit_code = r.get("exit_code")
        for name, state in dict(r.get("end_state") or {}).items():
            _router(rec, name).state = str(state)
    elif kind == "reopened":
        rec.ended = False  # a recovery appends after an end record (a rollback that failed)


def _locked(path: Path) -> bool:
    """True when a live process holds the journal's lock."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the shared lock we may have taken
    return False


def runs(directory: Path | None = None) -> list[RunRecord]:
    """Every run in the journal directory, oldest first (run IDs sort by time)."""
    d = directory or default_journal_dir()
    if not d.is_dir():
        return []
    return [read_run(p) for p in sorted(d.glob(f"*{SUFFIX}"))]


def find_run(run_id: str, directory: Path | None = None) -> RunRecord | None:
    path = (directory or default_journal_dir()) / f"{run_id}{SUFFIX}"
    return read_run(path) if path.exists() else None


def unfinished_runs(
    router: str | None = None, *, address: str | None = None, directory: Path | None = None
) -> list[RunRecord]:
    """Runs that need recovery (unfinished, or ended with a router in no known state) and touch
    router *router* (by inventory name) or *address* (``host:port``); all of them when neither
    is given. The query API for other commands (``vrpbook check`` reports these)."""
    out = []
    for rec in runs(directory):
        if not rec.needs_recovery:
            continue
        everything = router is None and address is None
        if everything or rec.touches([router] if router else [], [address] if address else []):
            out.append(rec)
    return out


# --- registering a run -----------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Another run on some of the same routers: in progress (alive) or needing recovery."""

    run: RunRecord
    routers: list[str]

    @property
    def in_progress(self) -> bool:
        return self.run.in_progress

    def message(self) -> str:
        """One line for one of its routers (the CLI prints one per router)."""
        what = "is in progress on this router" if self.in_progress else "did not finish on this router"
        others = len(self.routers) - 1
        also = f" (and {others} other{'s' if others > 1 else ''})" if others > 0 else ""
        hint = "" if self.in_progress else f"; run `vrpbook recover {self.run.run_id}` first"
        return f"{self.run.describe()} {what}{also}{hint}"


@contextlib.contextmanager
def registry(directory: Path) -> Iterator[None]:
    """The directory-wide lock under which runs check for conflicts and register."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(directory / REGISTRY_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def conflicts(routers: Mapping[str, str], directory: Path, exclude: str = "") -> list[Conflict]:
    """Runs (other than *exclude*) touching *routers* (name → address) that are in progress or
    need recovery."""
    found = []
    for rec in runs(directory):
        if rec.run_id == exclude or not (rec.in_progress or rec.needs_recovery):
            continue
        hit = rec.touches(list(routers), [a for a in routers.values() if a])
        if hit:
            found.append(Conflict(rec, hit))
    return found


def register(
    directory: Path,
    run_id: str,
    routers: Mapping[str, str],
    header: Mapping[str, Any],
    *,
    wait: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Journal | None, list[Conflict]]:
    """Create the run's journal unless another run touches the same routers.

    A run in progress elsewhere is waited for up to *wait* seconds; a run that needs
    recovery is never waited for (only ``recover`` ends it). Returns the journal, or
    None and the conflicts."""
    start = time.monotonic()
    deadline = start + max(0.0, wait)
    waiting = False
    while True:
        with registry(directory):
            found = conflicts(routers, directory)
            if not found:
                journal = Journal.create(directory, run_id)
                waited = round(time.monotonic() - start, 1) if waiting else 0.0
                journal.append("run", run_id=run_id, routers=dict(routers), waited=waited, **dict(header))
                return journal, []
        if any(not c.in_progress for c in found) or time.monotonic() >= deadline:
            return None, found
        if not waiting:
            waiting = True
            log.info("waiting up to %g s for %s", wait, "; ".join(f"{c.run.describe()} (in progress)" for c in found))
        sleep(min(0.5, max(0.0, deadline - time.monotonic())))
