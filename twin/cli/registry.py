"""The command table: grammar spec + views + handler, registered by decorator.

Why a registry: each command module (interfaces, BGP, commit ...) declares its
commands next to their handlers; the session matches a line against the
current view's table in one pass (see :mod:`.grammar`), so error positions and
abbreviations work the same for every command.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .grammar import Elem, compile_spec

if TYPE_CHECKING:
    from .grammar import Args
    from .session import CliSession

Handler = Callable[["CliSession", "Args"], None]


@dataclass
class Command:
    syntax: str
    views: tuple[str, ...]
    handler: Handler
    seqs: list[tuple[Elem, ...]]
    pipe: bool = False  # accepts "| include ..." filters (display commands)


_TABLE: dict[str, list[Command]] = {}


def command(syntax: str, *views: str, pipe: bool = False) -> Callable[[Handler], Handler]:
    """Register *handler* for *syntax* in each of *views*."""

    def deco(fn: Handler) -> Handler:
        cmd = Command(syntax, views, fn, compile_spec(syntax), pipe)
        for view in views:
            _TABLE.setdefault(view, []).append(cmd)
        return fn

    return deco


def commands_for(view_kind: str) -> list[Command]:
    _load()
    return _TABLE.get(view_kind, [])


@functools.cache
def _load() -> None:
    """Import the command modules once (they register themselves).

    Imported lazily: every command module imports this registry, so importing
    them at the top would be a cycle.
    """
    from . import (  # noqa: F401
        cmd_bfd,
        cmd_bgp,
        cmd_display,
        cmd_interface,
        cmd_mpls,
        cmd_routing,
        cmd_system,
        cmd_vpn,
    )
