"""Snapshot the running configuration, without the ``!`` header lines (they carry timestamps)."""

from __future__ import annotations

from nornir.core.task import Result, Task

from .channel import VrpChannel, channel_for


def normalise_config(text: str) -> str:
    """Drop ``!`` header lines and trailing blanks, so two snapshots compare equal when
    the configuration is equal (the header changes with every commit)."""
    lines = [ln.rstrip() for ln in text.splitlines() if not ln.startswith("!")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def snapshot(chan: VrpChannel) -> str:
    chan.user_view()
    text = chan.run("display current-configuration", timeout=60).output
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[-1] != "return":
        # Fail closed: a truncated configuration must never pass as a snapshot.
        raise RuntimeError(f"{chan.host}: display current-configuration did not end with 'return'")
    return normalise_config(text)


def snapshot_task(task: Task) -> Result:
    return Result(host=task.host, result=snapshot(channel_for(task)))
