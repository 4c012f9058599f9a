"""``ip vpn-instance NAME`` and its ``ipv4-family`` sub-view."""

from __future__ import annotations

from ..config.model import RouterConfig, VpnInstance
from . import views as v
from .grammar import Args, CliSyntaxError
from .registry import command
from .session import CliSession, ConfigError


@command("ip vpn-instance <name:WORD>", v.SYSTEM)
def vpn_instance(s: CliSession, a: Args) -> None:
    name = str(a["name"])
    if len(name) > 31:
        raise CliSyntaxError("Wrong parameter", a.offsets["name"])

    def op(cfg: RouterConfig) -> None:
        cfg.vpn_instances.setdefault(name, VpnInstance(name=name))

    s.stage(op)
    s.enter(v.vpn_view(name))


@command("undo ip vpn-instance <name:WORD>", v.SYSTEM)
def undo_vpn_instance(s: CliSession, a: Args) -> None:
    name = str(a["name"])
    if name not in s.candidate.vpn_instances:
        raise CliSyntaxError("Wrong parameter", a.offsets["name"])

    def op(cfg: RouterConfig) -> None:
        cfg.vpn_instances.pop(name, None)
        for ifc in cfg.interfaces.values():  # VRP unbinds (and clears) its interfaces
            if ifc.vpn_instance == name:
                ifc.vpn_instance = None
                ifc.address = None

    s.stage(op)


def _vpn(cfg: RouterConfig, name: str | None) -> VpnInstance:
    assert name is not None
    if name not in cfg.vpn_instances:
        raise ConfigError(f"Error: The VPN instance {name} does not exist.")  # twin's choice
    return cfg.vpn_instances[name]


@command("description <text:TEXT>", v.VPN)
def vpn_description(s: CliSession, a: Args) -> None:
    name, text = s.view.name, str(a["text"])
    s.stage(lambda cfg: setattr(_vpn(cfg, name), "description", text))


@command("ipv4-family", v.VPN)
def ipv4_family(s: CliSession, a: Args) -> None:
    name = s.view.name
    s.stage(lambda cfg: setattr(_vpn(cfg, name), "ipv4_family", True))
    assert name is not None
    s.enter(v.vpn_af_view(name))


@command("undo ipv4-family", v.VPN)
def undo_ipv4_family(s: CliSession, a: Args) -> None:
    name = s.view.name

    def op(cfg: RouterConfig) -> None:
        vpn = _vpn(cfg, name)
        vpn.ipv4_family = False
        vpn.route_distinguisher = None
        vpn.export_targets.clear()
        vpn.import_targets.clear()

    s.stage(op)


@command("route-distinguisher <rd:RD>", v.VPN_AF)
def route_distinguisher(s: CliSession, a: Args) -> None:
    name, rd = s.view.name, str(a["rd"])

    def op(cfg: RouterConfig) -> None:
        vpn = _vpn(cfg, name)
        if vpn.route_distinguisher not in (None, rd):
            # twin's choice text (VRP8.md 8: no public sample)
            raise ConfigError(
                f"Error: The route-distinguisher of VPN instance {name} cannot be changed; "
                f"undo the existing one ({vpn.route_distinguisher}) first."
            )
        vpn.route_distinguisher = rd

    s.stage(op)


@command("undo route-distinguisher [<rd:RD>]", v.VPN_AF)
def undo_route_distinguisher(s: CliSession, a: Args) -> None:
    name = s.view.name
    s.stage(lambda cfg: setattr(_vpn(cfg, name), "route_distinguisher", None))


@command("apply-label per-instance", v.VPN_AF)
def apply_label(s: CliSession, a: Args) -> None:
    name = s.view.name
    s.stage(lambda cfg: setattr(_vpn(cfg, name), "apply_label", "per-instance"))


def _targets(a: Args) -> tuple[bool, bool]:
    if a.has("export-extcommunity"):
        return True, False
    if a.has("import-extcommunity"):
        return False, True
    return True, True  # "both" is the default


@command("vpn-target <rt:RD> [{export-extcommunity | import-extcommunity | both}]", v.VPN_AF)
def vpn_target(s: CliSession, a: Args) -> None:
    name, rt = s.view.name, str(a["rt"])
    exp, imp = _targets(a)

    def op(cfg: RouterConfig) -> None:
        vpn = _vpn(cfg, name)
        if exp and rt not in vpn.export_targets:
            vpn.export_targets.append(rt)
        if imp and rt not in vpn.import_targets:
            vpn.import_targets.append(rt)

    s.stage(op)


@command("undo vpn-target <rt:RD> [{export-extcommunity | import-extcommunity | both}]", v.VPN_AF)
def undo_vpn_target(s: CliSession, a: Args) -> None:
    name, rt = s.view.name, str(a["rt"])
    exp, imp = _targets(a)

    def op(cfg: RouterConfig) -> None:
        vpn = _vpn(cfg, name)
        if exp and rt in vpn.export_targets:
            vpn.export_targets.remove(rt)
        if imp and rt in vpn.import_targets:
            vpn.import_targets.remove(rt)

    s.stage(op)


@command("undo description", v.VPN)
def undo_vpn_description(s: CliSession, a: Args) -> None:
    name = s.view.name
    s.stage(lambda cfg: setattr(_vpn(cfg, name), "description", None))
