"""Global MPLS / LDP commands (system view and the ``-mpls`` / ``-mpls-ldp`` views)."""

from __future__ import annotations

from ..config.model import RouterConfig
from . import views as v
from .grammar import Args
from .registry import command
from .session import CliSession


@command("mpls lsr-id <id:IPV4>", v.SYSTEM)
def lsr_id(s: CliSession, a: Args) -> None:
    rid = a.ip("id")

    def op(cfg: RouterConfig) -> None:
        cfg.mpls_lsr_id = rid

    s.stage(op)


@command("undo mpls lsr-id", v.SYSTEM)
def undo_lsr_id(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "mpls_lsr_id", None))


@command("mpls", v.SYSTEM)
def mpls(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "mpls_enabled", True))
    s.enter(v.MPLS_VIEW)


@command("undo mpls", v.SYSTEM)
def undo_mpls(s: CliSession, a: Args) -> None:
    def op(cfg: RouterConfig) -> None:
        cfg.mpls_enabled = False
        cfg.mpls_ldp_enabled = False

    s.stage(op)


@command("mpls ldp", v.SYSTEM)
def mpls_ldp(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "mpls_ldp_enabled", True))
    s.enter(v.MPLS_LDP_VIEW)


@command("undo mpls ldp", v.SYSTEM)
def undo_mpls_ldp(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "mpls_ldp_enabled", False))
