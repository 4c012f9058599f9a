"""Boot from a saved configuration: replay its text through the CLI engine.

Why replay instead of a separate parser: a real router loads its startup
configuration through the same command parser, nesting views by indentation.
Replaying through :class:`CliSession` guarantees that whatever ``save`` wrote,
the twin reads back identically, and that a hand-edited file is checked with
the same grammar and errors as typed commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config.model import RouterConfig
from ..config.validate import CommitError, validate_commit
from .session import CliSession

if TYPE_CHECKING:
    from ..network.api import NetworkView
    from ..state import Router


class BootError(ValueError):
    """A saved configuration line the CLI refuses; names the source and line."""


def replay_config(router: Router, network: NetworkView, text: str, source: str = "<saved>") -> RouterConfig:
    """Return the configuration *text* produces on top of *router*'s running one."""
    s = CliSession(router, network, "SYSTEM")
    try:
        s.handle_line("system-view")
        stack: list[int] = []  # indentation of each view entered from the file
        for lineno, raw in enumerate(text.splitlines(), 1):
            stripped = raw.strip()
            if not stripped or stripped in ("#", "return") or stripped.startswith("!"):
                continue
            indent = len(raw) - len(raw.lstrip(" "))
            while stack and stack[-1] >= indent:
                s.handle_line("quit")
                stack.pop()
            depth = s.view.depth
            out = s.handle_line(stripped)
            if "Error" in out:
                err = next(ln for ln in out.split("\r\n") if "Error" in ln)
                raise BootError(f"{source}:{lineno}: {stripped!r}: {err}")
            if s.view.depth > depth:
                stack.append(indent)
        new = s.build_commit()
        validate_commit(router.running, new)
        return new
    except CommitError as exc:
        raise BootError(f"{source}: {exc}") from exc
    finally:
        s.logout()
