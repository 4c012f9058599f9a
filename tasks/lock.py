"""Tasks: hold VRP8's configuration lock for a change (``configuration exclusive``), release it.

While vrpbook holds it, other sessions may look and edit but their commits are
refused, so nothing slips in between the pre-run snapshot, the stages and the
rollback. VRP releases it at logout, too, so a crashed controller leaves no lock.
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import CommandError, LockError

from .channel import VrpChannel, channel_for


def take_lock(chan: VrpChannel) -> None:
    chan.user_view()
    try:
        chan.run("configuration exclusive")
    except CommandError as exc:
        raise LockError(f"{chan.host}: cannot lock the configuration: {exc.message}", router=chan.host) from exc


def release_lock(chan: VrpChannel) -> None:
    chan.user_view()
    chan.run("undo configuration exclusive")


def lock(task: Task) -> Result:
    take_lock(channel_for(task))
    return Result(host=task.host, result="locked")


def unlock(task: Task) -> Result:
    release_lock(channel_for(task))
    return Result(host=task.host, result="unlocked")
