"""VRP8 Nornir tasks: one job per task function, each returning a Nornir ``Result``
with ``changed`` and ``diff`` set honestly.

=================  ==============================================================
``push_config``    load commands into the candidate; ``diff`` = the router's own
                   ``display configuration candidate changes``; ``dry_run`` discards
``commit_trial``   ``commit trial S label L description D``; ``result`` = commit ID
``confirm``        confirm the trial (plain ``commit``), proving before and after
                   that the trial was pending and is now the newest commit
``abort_trial``    revert the pending trial (``abort trial``, answering Y/N)
``rollback``       ``rollback configuration to commit-id`` / ``last N``
``save``           ``save`` (answering Y/N); ``save_if_unsaved``: only when the saved
                   configuration differs from the running one
``collect``        display commands, parsed (``vrpbook.parsers``), fail closed
``snapshot``       the running configuration (no ``!`` header)
``commit_list``    the commit list, parsed
``lock/unlock``    ``configuration exclusive`` / its undo
``router_state``   pending trial, lock holder, commits, running and saved config
``trial_status``   ``display configuration trial status``
=================  ==============================================================

They talk to the router through the ``vrp8`` connection plugin
(:mod:`vrpbook.tasks.connection`), which waits on VRP8's prompts instead of
idle timers and keeps one SSH session per router. See ``tasks/README.md`` for a
plain Nornir script using them.
"""

from .abort_trial import abort_trial
from .collect import Observation, collect
from .commit_list import commit_list
from .commit_trial import commit_trial
from .confirm import confirm
from .device_state import RouterState, router_state, trial_status
from .lock import lock, unlock
from .processor import EventProcessor, TaskFinished
from .push_config import Pushed, push_config
from .rollback import rollback
from .save import save, save_if_unsaved
from .snapshot import snapshot, verify_snapshot

__all__ = [
    "EventProcessor",
    "Observation",
    "Pushed",
    "RouterState",
    "TaskFinished",
    "abort_trial",
    "collect",
    "commit_list",
    "commit_trial",
    "confirm",
    "lock",
    "push_config",
    "rollback",
    "router_state",
    "save",
    "save_if_unsaved",
    "snapshot",
    "trial_status",
    "unlock",
    "verify_snapshot",
]
