"""Task: ``save``, answering ``Continue? [Y/N]:`` (the stock nornir-netmiko save waits forever)."""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import SaveError
from vrpbook.vrp import SAVE_SUCCEEDED

from .channel import VrpChannel, channel_for


def save_config(chan: VrpChannel) -> str:
    """Save; fail closed unless VRP says it saved ``successfully``."""
    chan.user_view()
    reply = chan.confirm("save", "y", timeout=120)
    if SAVE_SUCCEEDED not in reply.output:
        raise SaveError(f"{chan.host}: save did not report success: {reply.output.strip()!r}", router=chan.host)
    return reply.output


def save(task: Task) -> Result:
    """Nornir task: the saved configuration changed (the running one did not)."""
    return Result(host=task.host, result=save_config(channel_for(task)), changed=True)
