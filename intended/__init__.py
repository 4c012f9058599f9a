"""vrpbook.intended: each router's intended configuration within the scope vrpbook manages.

The stable API (the compliance check and the runbook engine both use it):

- :func:`intended_config` ``(router, net) -> IntendedConfig``: the intended
  ``display current-configuration`` text (``.text``), its tree (``.tree``) and
  the router's managed scope (``.scope``);
- :func:`compare` ``(running_text, intended) -> list[SectionDiff]``: per
  managed section, ``missing`` and ``unexpected`` lines (empty: matches);
- :func:`remediation` ``(running_text, intended) -> list[Change]`` and
  :func:`commands` ``(changes) -> list[str]``: what to type to get there.

What the scope holds: :mod:`.scope` (and the top README).
"""

from .compare import Change, SectionDiff, commands, compare, remediation
from .render import IntendedConfig, intended_config, render_intended
from .scope import Managed, Scope, managed_scope
from .tree import ConfigParseError

__all__ = [
    "Change",
    "ConfigParseError",
    "IntendedConfig",
    "Managed",
    "Scope",
    "SectionDiff",
    "commands",
    "compare",
    "intended_config",
    "managed_scope",
    "remediation",
    "render_intended",
]
