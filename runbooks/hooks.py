"""What a caller can plug into a run besides the event bus: policies that act, not just watch.

Observers of the event bus only watch (a failing observer is logged and the run
goes on). These hooks take part: the engine calls them at fixed points and their
answer changes what it does. Each is optional; a plain ``vrpbook run`` uses none
but the lock table.

- ``PlanCheck``: after the preflight's dry run, under the routers' locks, with
  each router's live diff (``""`` when the router would not change); returns
  a refusal per router (``changes/``: the approved diff no longer matches), and
  any refusal stops the run before its first change (exit 5).
- ``Snapshotter`` (``vrpbook.snapshots``): the touched routers' configuration and
  state before the first change (``pre``) and after the run (``post``, given per
  router the diff the run meant to apply: ``""`` for a router it left at
  pre-run); ``post`` returns the post-change proof for the report. Best effort:
  a snapshot that fails is logged and never breaks a run or its undo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from nornir.core import Nornir

#: live diff per router -> refusal message per router (empty: go on)
PlanCheck = Callable[[Mapping[str, str]], Mapping[str, str]]


class Snapshotter(Protocol):
    def pre(self, nr: Nornir, hosts: Sequence[str]) -> None: ...

    def post(self, nr: Nornir, hosts: Sequence[str], meant: Mapping[str, str]) -> dict[str, Any] | None: ...


__all__ = ["PlanCheck", "Snapshotter"]
