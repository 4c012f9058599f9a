"""Typed checks of a network's state against its intent (runbook gates, ``vrpbook check``).

- :mod:`.api` — ``Check``, ``Read``, ``Observations``, ``Verdict``, ``evaluate``
- :mod:`.reads` — the typed display reads (command + parser model)
- one module per domain: :mod:`.ospf`, :mod:`.ldp`, :mod:`.vpn`, :mod:`.bgp`,
  :mod:`.static`, :mod:`.bfd`
- :mod:`.registry` — ``CHECKS`` by name
- :mod:`.polling` — read and poll (read-only; shared by run and check)
- :mod:`.task` — a check as a Nornir task
"""

from .api import Check, NoParams, Observations, Read, Verdict, evaluate, nothing_to_judge
from .registry import CHECKS

__all__ = ["CHECKS", "Check", "NoParams", "Observations", "Read", "Verdict", "evaluate", "nothing_to_judge"]
