"""Tasks: hold VRP8's configuration lock for a change (``configuration exclusive``), release it.

While vrpbook holds it, other sessions may look and edit but their commits are
refused, so nothing slips in between the pre-run snapshot, the stages and the
rollback. VRP releases it at logout, too, so a crashed controller leaves no lock.
A refusal names the holder and since when (``display configuration-occupied
user``). ``unlock`` is a recovery step: a lost session is replaced first (and
the lock, released with the lost session, is re-taken and then released).
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import ChannelError, CommandError, LockError, ReadError

from .channel import VrpChannel, channel_for, live_channel_for
from .device_state import describe_lock, read_lock_holder


def take_lock(chan: VrpChannel) -> None:
    chan.user_view()
    try:
        chan.run("configuration exclusive")
    except CommandError as exc:
        raise LockError(f"{chan.host}: cannot lock the configuration: {holder_of(chan) or exc.message}", router=chan.host) from exc
    chan.locked = True


def holder_of(chan: VrpChannel) -> str | None:
    """Who holds the lock, in one phrase (None when nobody or unreadable)."""
    try:
        holder = read_lock_holder(chan)
    except (ChannelError, CommandError, ReadError):
        return None
    return f"locked by {describe_lock(holder)}" if holder else None


def release_lock(chan: VrpChannel) -> None:
    chan.user_view()
    chan.run("undo configuration exclusive")
    chan.locked = False


def lock(task: Task) -> Result:
    take_lock(channel_for(task))
    return Result(host=task.host, result="locked")


def unlock(task: Task) -> Result:
    release_lock(live_channel_for(task))
    return Result(host=task.host, result="unlocked")
