"""``vrpbook backup``: each router's running configuration, one file per router, ready for git.

Read-only: one SSH session per router, ``display current-configuration`` in user view
(:func:`vrpbook.tasks.snapshot.read_config`: a configuration cut before its final
``return`` is refused, never written). What is written is stable, so two backups of an
unchanged network are byte-identical and a git diff shows only real changes:

- no ``!`` header lines (they carry the time of the last change);
- no secrets: VRP cipher text (``%^%#…%^%#`` and the other marker pairs) and passwords
  given after ``simple`` / ``plain`` become ``<secret sha256:…>`` fingerprints, as
  :func:`vrpbook.parsers.config.redact` writes them (equal secrets stay equal, nothing
  secret is kept), and the credentials in use are masked wherever they appear.

So a backup is for review and rehearsal (``vrpbook rehearse --from-backup``), not a
bit-exact restore: a router restored from it would lack its secrets.

Fail closed per router: a router that cannot be read gets no file (an older file of it
is left as it was) and one line; the others are still written; exit 3.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nornir.core import Nornir

from vrpbook.errors import describe_error
from vrpbook.parsers.config import redact as redact_secrets
from vrpbook.runbooks.journal import sha256
from vrpbook.runbooks.redact import Redactor
from vrpbook.runbooks.steps import run_step
from vrpbook.tasks.snapshot import snapshot

SUFFIX = ".cfg"


@dataclass
class Backup:
    """What a backup wrote (router → file) and which routers it could not read (router → why)."""

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


def clean(config: str, redactor: Redactor) -> str:
    """The configuration as written to a backup: secrets fingerprinted, known credentials masked
    (the ``!`` header lines are already gone: :func:`vrpbook.tasks.snapshot.normalise_config`)."""
    lines = [redactor(redact_secrets(line)) for line in config.splitlines() if not line.startswith("!")]
    return "\n".join(lines).rstrip("\n") + "\n"


def _write(path: Path, text: str) -> None:
    """Atomically (a reader, or a git add, never sees half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def backup(nr: Nornir, hosts: list[str], dest: Path, redactor: Redactor) -> Backup:
    """Read every router at once; write ``<dest>/<router>.cfg`` for each one that was read."""
    dest.mkdir(parents=True, exist_ok=True)
    out = Backup()
    for host, o in run_step(nr, hosts, snapshot, "backup").items():
        if o.error is not None:
            out.failed[host] = describe_error(o.error)
            continue
        text = clean(str(o.value), redactor)
        path = dest / f"{host}{SUFFIX}"
        _write(path, text)
        out.written[host] = path
        out.lines[host] = len(text.splitlines())
        out.digests[host] = sha256(text)
    return out


def read_backup(directory: Path) -> dict[str, tuple[Path, str]]:
    """Every ``<router>.cfg`` of a backup directory: router → (file, text)."""
    return {p.name[: -len(SUFFIX)]: (p, p.read_text(encoding="utf-8")) for p in sorted(directory.glob(f"*{SUFFIX}"))}
