"""``save`` answering ``Continue? [Y/N]:`` (the stock nornir-netmiko save waits forever)."""

from __future__ import annotations

from nornir.core.task import Result, Task

from .channel import VrpChannel, channel_for


class SaveError(RuntimeError):
    pass


def save(chan: VrpChannel) -> str:
    chan.user_view()
    reply = chan.confirm("save", "y", timeout=120)
    if "successfully" not in reply.output:
        raise SaveError(f"{chan.host}: save did not report success: {reply.output.strip()!r}")
    return reply.output


def save_task(task: Task) -> Result:
    return Result(host=task.host, result=save(channel_for(task)), changed=True)
