"""Global ``bfd`` and static BFD sessions (``bfd NAME bind peer-ip ...``)."""

from __future__ import annotations

import dataclasses

from ..config.model import BfdSession, RouterConfig
from . import views as v
from .grammar import Args, CliSyntaxError
from .registry import command
from .session import CliSession, ConfigError


@command("bfd", v.SYSTEM)
def bfd(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "bfd_enabled", True))
    s.enter(v.BFD_VIEW)


@command("undo bfd", v.SYSTEM)
def undo_bfd(s: CliSession, a: Args) -> None:
    def op(cfg: RouterConfig) -> None:
        cfg.bfd_enabled = False
        cfg.bfd_sessions.clear()  # VRP deletes all sessions with the global switch

    s.stage(op)


BIND = (
    "bfd <name:WORD> bind peer-ip <peer:IPV4> [vpn-instance <vpn:WORD>] [interface <ifname:IFNAME>] "
    "[source-ip <src:IPV4>] [auto]"
)


@command(BIND, v.SYSTEM)
def bfd_bind(s: CliSession, a: Args) -> None:
    name = str(a["name"])
    if len(name) > 64:
        raise CliSyntaxError("Wrong parameter", a.offsets["name"])
    ifname = a.opt_text("ifname")
    if ifname is not None and ifname not in s.candidate.interfaces:
        raise CliSyntaxError("Wrong parameter", a.offsets["ifname"])
    sess = BfdSession(
        name=name,
        peer_ip=a.ip("peer"),
        vpn_instance=a.opt_text("vpn"),
        interface=ifname,
        source_ip=a.opt_ip("src"),
        auto=a.has("auto"),
    )

    def op(cfg: RouterConfig) -> None:
        old = cfg.bfd_sessions.get(name)
        if old is None:
            cfg.bfd_sessions[name] = sess
            return
        same = (old.peer_ip, old.vpn_instance, old.interface, old.source_ip, old.auto) == (
            sess.peer_ip, sess.vpn_instance, sess.interface, sess.source_ip, sess.auto)
        if not same:
            # twin's choice text: a session's binding cannot change in place
            raise ConfigError(f"Error: The BFD session {name} already exists with a different binding.")

    s.stage(op)
    s.enter(v.bfd_session_view(name))


@command("undo bfd <name:WORD>", v.SYSTEM)
def undo_bfd_session(s: CliSession, a: Args) -> None:
    name = str(a["name"])
    if name not in s.candidate.bfd_sessions:
        raise CliSyntaxError("Wrong parameter", a.offsets["name"])

    def op(cfg: RouterConfig) -> None:
        cfg.bfd_sessions.pop(name, None)

    s.stage(op)


def _sess(cfg: RouterConfig, view: v.View) -> BfdSession:
    assert view.name is not None
    if view.name not in cfg.bfd_sessions:
        raise ConfigError(f"Error: The BFD session {view.name} does not exist.")  # twin's choice
    return cfg.bfd_sessions[view.name]


def _set(s: CliSession, attr: str, value: object) -> None:
    view = s.view
    s.stage(lambda cfg: setattr(_sess(cfg, view), attr, value))


#: Factory values of the session timers: the model holds them, `undo` restores them.
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(BfdSession)}


def _reset(s: CliSession, attr: str) -> None:
    _set(s, attr, _DEFAULTS[attr])


@command("min-tx-interval <ms:INT(3-20000)>", v.BFD_SESSION)
def min_tx(s: CliSession, a: Args) -> None:
    _set(s, "min_tx_interval", a["ms"])


@command("undo min-tx-interval", v.BFD_SESSION)
def undo_min_tx(s: CliSession, a: Args) -> None:
    _reset(s, "min_tx_interval")


@command("min-rx-interval <ms:INT(3-20000)>", v.BFD_SESSION)
def min_rx(s: CliSession, a: Args) -> None:
    _set(s, "min_rx_interval", a["ms"])


@command("undo min-rx-interval", v.BFD_SESSION)
def undo_min_rx(s: CliSession, a: Args) -> None:
    _reset(s, "min_rx_interval")


@command("detect-multiplier <n:INT(3-50)>", v.BFD_SESSION)
def detect_multiplier(s: CliSession, a: Args) -> None:
    _set(s, "detect_multiplier", a["n"])


@command("undo detect-multiplier", v.BFD_SESSION)
def undo_detect_multiplier(s: CliSession, a: Args) -> None:
    _reset(s, "detect_multiplier")


@command("discriminator { local | remote } <n:INT(1-16383)>", v.BFD_SESSION)
def discriminator(s: CliSession, a: Args) -> None:
    view = s.view
    if _sess(s.candidate, view).auto:
        # twin's choice text: "auto" sessions negotiate their discriminators
        raise ConfigError("Error: The discriminator cannot be configured for a session with auto negotiation.")
    _set(s, "local_discriminator" if a.has("local") else "remote_discriminator", a["n"])


@command("description <text:TEXT>", v.BFD_SESSION)
def bfd_description(s: CliSession, a: Args) -> None:
    _set(s, "description", str(a["text"]))


@command("undo discriminator { local | remote }", v.BFD_SESSION)
def undo_discriminator(s: CliSession, a: Args) -> None:
    _set(s, "local_discriminator" if a.has("local") else "remote_discriminator", None)


@command("undo description", v.BFD_SESSION)
def undo_bfd_description(s: CliSession, a: Args) -> None:
    _set(s, "description", None)
