"""Task: snapshot the running configuration, without the ``!`` header lines (they carry timestamps)."""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import ReadError
from vrpbook.vrp import CONFIG_END, CURRENT_CONFIGURATION

from .channel import VrpChannel, channel_for, live_channel_for


def normalise_config(text: str) -> str:
    """Drop ``!`` header lines and trailing blanks, so two snapshots compare equal when
    the configuration is equal (the header changes with every commit)."""
    lines = [ln.rstrip() for ln in text.splitlines() if not ln.startswith("!")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def read_config(chan: VrpChannel, *, in_place: bool = False) -> str:
    """The running configuration, normalised; a truncated one raises :class:`ReadError`.

    ``in_place`` reads it from the view the session is in (VRP displays work in
    every view), for callers holding a loaded candidate that must not be left."""
    if not in_place:
        chan.user_view()
    text = chan.run(CURRENT_CONFIGURATION, timeout=60).output
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[-1] != CONFIG_END:
        # Fail closed: a truncated configuration must never pass as a snapshot.
        raise ReadError(f"{chan.host}: {CURRENT_CONFIGURATION} did not end with {CONFIG_END!r}", router=chan.host)
    return normalise_config(text)


def snapshot(task: Task) -> Result:
    """Nornir task: ``result`` is the normalised running configuration."""
    return Result(host=task.host, result=read_config(channel_for(task)))


def verify_snapshot(task: Task) -> Result:
    """Nornir task: the running configuration read for a verification after a failure
    (a recovery step: a lost session is replaced by a fresh one first)."""
    return Result(host=task.host, result=read_config(live_channel_for(task)))
