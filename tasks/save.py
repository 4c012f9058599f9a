"""Tasks: ``save``, answering ``Continue? [Y/N]:`` (the stock nornir-netmiko save waits forever);
``save_if_unsaved``: save only when the saved configuration differs from the running one, and
prove afterwards that it no longer does."""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import SaveError
from vrpbook.vrp import SAVE_SUCCEEDED

from .channel import VrpChannel, channel_for
from .device_state import read_saved_config
from .snapshot import read_config


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


def save_if_unsaved(task: Task) -> Result:
    """Nornir task: ``save`` when ``display saved-configuration`` differs from the running
    configuration; ``result`` is the router's answer (``""``: nothing to save)."""
    chan = channel_for(task)
    running = read_config(chan)
    if read_saved_config(chan) == running:
        return Result(host=task.host, result="", changed=False)
    out = save_config(chan)
    if read_saved_config(chan) != running:
        raise SaveError(f"{chan.host}: saved configuration still differs from the running one after save", router=chan.host)
    return Result(host=task.host, result=out, changed=True)
