"""Hold VRP8's configuration lock for the run (``configuration exclusive``).

While vrpbook holds it, other sessions may look and edit but their commits are
refused, so nothing slips in between the pre-run snapshot, the stages and the
rollback. VRP releases it at logout, too, so a crashed controller leaves no lock.
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from .channel import CommandError, VrpChannel, channel_for


class LockError(RuntimeError):
    """Another session holds the configuration lock."""


def lock(chan: VrpChannel) -> None:
    chan.user_view()
    try:
        chan.run("configuration exclusive")
    except CommandError as exc:
        raise LockError(f"{chan.host}: cannot lock the configuration: {exc.message}") from exc


def unlock(chan: VrpChannel) -> None:
    chan.user_view()
    chan.run("undo configuration exclusive")


def lock_task(task: Task) -> Result:
    lock(channel_for(task))
    return Result(host=task.host, result="locked")


def unlock_task(task: Task) -> Result:
    unlock(channel_for(task))
    return Result(host=task.host, result="unlocked")
