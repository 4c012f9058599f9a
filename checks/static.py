"""Static routes: public ones (CE default routes) installed with every intended next hop (ECMP);
a route a BFD session tracks installed or withdrawn as a failover drill expects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vrpbook.intent import NetworkIntent
from vrpbook.parsers.config import CurrentConfiguration
from vrpbook.vrp import canonical_interface_name

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .config import RUNNING
from .reads import ROUTING_TABLE, route_rows, same, vpn_routing_table


class StaticRoutesInstalled(Check[NoParams]):
    name = "static-routes-installed"
    description = "public static routes (CE default routes) installed with every intended next hop (ECMP)"
    requires = "public static_routes"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].public_static_routes())

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [ROUTING_TABLE] if self.applies(router, net) else []

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        table = obs[ROUTING_TABLE]
        failures, seen = [], {}
        expected = net[router].public_static_routes()
        for prefix, hops in expected.items():
            rows = [r for r in route_rows(table, prefix) if same(r["proto"], "static")]
            seen[prefix] = rows
            got = {str(r["nexthop"]) for r in rows}
            if got != hops:
                failures.append(f"{prefix} static next hops {sorted(got) or 'none'} (intended {sorted(hops)}, {len(hops)} ECMP)")
        return verdict(failures, "static routes installed with all intended next hops", seen,
                       {p: sorted(h) for p, h in expected.items()})


@dataclass(frozen=True)
class ConfiguredStatic:
    """One ``ip route-static`` line of the running configuration, read back."""

    line: str
    vpn_instance: str | None
    prefix: IPv4Network
    nexthop: str | None
    interface: str | None
    track_bfd_session: str | None


_STATIC = re.compile(r"^ip route-static (?:vpn-instance (?P<vpn>\S+) )?(?P<dest>\S+) (?P<mask>\S+)(?P<rest>.*)$")
_TRACK = re.compile(r"\btrack bfd-session (?P<session>\S+)")


def configured_statics(config: CurrentConfiguration) -> list[ConfiguredStatic]:
    """Every static route of the configuration as VRP prints it:
    ``ip route-static [vpn-instance V] DEST MASK [INTERFACE] [NEXTHOP] [preference N] [track bfd-session S] …``."""
    out: list[ConfiguredStatic] = []
    for node in config.sections_starting("ip route-static "):
        m = _STATIC.match(node.line)
        if not m:
            continue
        try:
            mask = m["mask"]
            prefix = IPv4Network(f"{m['dest']}/{mask}", strict=False)
        except ValueError:
            continue
        words = m["rest"].split()
        interface = nexthop = None
        for word in words[:2]:
            if _is_address(word):
                nexthop = word
                break
            if interface is None and is_interface(word):
                interface = word
                continue
            break
        track = _TRACK.search(m["rest"])
        out.append(ConfiguredStatic(node.line, m["vpn"], prefix, nexthop, interface, track["session"] if track else None))
    return out


def _is_address(word: str) -> bool:
    try:
        IPv4Address(word)
    except ValueError:
        return False
    return True


def is_interface(word: str) -> bool:
    try:
        canonical_interface_name(word)
    except ValueError:
        return False
    return True


class TrackedRoute(BaseModel):
    """The static route to ``prefix`` (in ``vpn_instance``, else public) that BFD session
    ``session`` tracks, and whether it must be ``installed`` (after the restore) or withdrawn
    (``installed: false``: the session went down)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    session: str = Field(min_length=1)
    prefix: IPv4Network
    vpn_instance: str | None = Field(default=None, min_length=1)
    installed: bool = False


class BfdTrackedRoute(Check[TrackedRoute]):
    """A static route that BFD protects: configured with ``track bfd-session S`` (read back from
    the running configuration) and installed or withdrawn as the drill expects.

    Why the configuration is read too: a route is also withdrawn when its outgoing interface
    goes down, with or without tracking. Behind a switch, or when the far end fails but its
    port stays up, only the BFD session can withdraw it; a route that does not track the
    session would keep black-holing traffic there. So "the tracked route was withdrawn" fails
    when the route does not track the session, whatever the routing table shows (*settled*:
    waiting does not add the tracking)."""

    name = "bfd-tracked-route"
    description = "the static route a BFD session tracks (read back) is installed, or withdrawn"
    requires = "the BFD session (bfd_sessions)"
    params_model = TrackedRoute

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].bfd_sessions)

    def targets(self, routers: Sequence[str], net: NetworkIntent, params: BaseModel | None = None) -> list[str]:
        if not isinstance(params, TrackedRoute):
            return [r for r in routers if self.applies(r, net)]
        return [r for r in routers if any(s.name == params.session for s in net[r].bfd_sessions)]

    def reads(self, router: str, net: NetworkIntent, params: TrackedRoute) -> list[Read[Any]]:
        return [RUNNING, vpn_routing_table(params.vpn_instance) if params.vpn_instance else ROUTING_TABLE]

    def judge(self, router: str, net: NetworkIntent, params: TrackedRoute, obs: Observations) -> Verdict:
        where = f"VPN {params.vpn_instance} " if params.vpn_instance else ""
        routes = [s for s in configured_statics(obs[RUNNING])
                  if s.prefix == params.prefix and s.vpn_instance == params.vpn_instance]
        tracked = [s for s in routes if s.track_bfd_session == params.session]
        table = obs[self.reads(router, net, params)[1]]
        rows = [r for r in route_rows(table, str(params.prefix)) if same(r["proto"], "static")]
        want = "installed" if params.installed else "withdrawn"
        observed = {"configured": [s.line for s in routes], "static_rows": rows}
        expected = {"tracked_by": params.session, "static": want}
        if not routes:
            return verdict([], "", observed, expected,
                           settled=[f"no static route to {where}{params.prefix} is configured (read back)"])
        if not tracked:
            lines = "; ".join(repr(s.line) for s in routes)
            return verdict([], "", observed, expected, settled=[
                f"the static route to {where}{params.prefix} does not track BFD session {params.session} (read back: {lines}); "
                "only an interface going down withdraws it, a failure the port does not see would not"])
        hops = {s.nexthop for s in tracked if s.nexthop}
        live = sorted({str(r["nexthop"]) for r in rows if str(r["nexthop"]) in hops})
        if params.installed:
            missing = sorted(hops - set(live))
            failures = [f"tracked static route {where}{params.prefix} via {missing} not installed"] if missing else []
        else:
            failures = [f"tracked static route {where}{params.prefix} still installed via {live}"] if live else []
        return verdict(failures, f"static route {where}{params.prefix} tracked by {params.session} {want}", observed, expected)
