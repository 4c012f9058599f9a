"""Nornir task functions: one job each (render, push, diff, commit, collect, rollback, save).

All of them talk to the router through :mod:`vrpbook.tasks.channel`, which
waits on VRP8's prompts instead of idle timers and keeps one SSH session per
router for the whole run (Nornir's connection cache).
"""

from .collect import collect
from .commit import abort_task, commit_list_task, commit_trial_task, confirm_task
from .diff import candidate_diff
from .discard import discard_candidate
from .lock import lock_task, unlock_task
from .push import push_candidate
from .render import render_stage
from .rollback import rollback_task
from .save import save_task
from .snapshot import snapshot_task

__all__ = [
    "abort_task",
    "candidate_diff",
    "collect",
    "commit_list_task",
    "commit_trial_task",
    "confirm_task",
    "discard_candidate",
    "lock_task",
    "push_candidate",
    "render_stage",
    "rollback_task",
    "save_task",
    "snapshot_task",
    "unlock_task",
]
