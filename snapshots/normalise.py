"""Parsed displays → state and counters, with the noise taken out when collected.

A snapshot is compared with another taken minutes (or a drill) later. Read as
printed, nearly every display differs: BGP ``Up/Down``, LDP ``SsnAge`` and a
VPN instance's ``Up time`` grow by the second, message and keepalive counts and
interface utilisation move all the time. None of that is a change. So:

- **Ages become "since" times**: ``collected_at - age``, kept with the age's
  resolution (``00:05:15`` → 1 s, ``626h43m`` → 60 s, LDP ``0000:01:02`` →
  60 s). Two snapshots of a session that stayed up carry the same "since"
  (within resolution plus collection jitter: :data:`SINCE_TOLERANCE`); a
  session that flapped carries a later one, which *is* a change.
- **Counters are kept apart** from the state (messages, keepalives, queue,
  prefixes received, utilisation, error counts, table totals): stored with the
  snapshot, never part of its comparison.
- An age in a form we do not know is not guessed at: it goes with the counters
  and the snapshot carries a warning naming it.

The state is ``{section: {key: {field: value}}}``; a key names the object the
way an operator would (``10.1.1.0/24 via 10.1.1.1 GigabitEthernet0/3/0``,
``peer 3.3.3.3``), so a difference reads as a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vrpbook.parsers.base import ParsedOutput
from vrpbook.parsers.bfd import BfdSessions
from vrpbook.parsers.bgp import BgpPeers, BgpVpnv4AllPeers
from vrpbook.parsers.interface_brief import InterfaceBrief
from vrpbook.parsers.ldp import LdpSessions
from vrpbook.parsers.ospf import OspfPeers
from vrpbook.parsers.routing import RoutingTable, VpnRoutingTable
from vrpbook.parsers.vpn_instance import VpnInstances

#: Seconds two "since" times may differ (besides the age's own resolution) and still be the
#: same instant: the displays of one snapshot are read over a second or so.
SINCE_TOLERANCE = 5.0

Items = dict[str, dict[str, Any]]


@dataclass
class Normalised:
    """One display's state items and counters (by section), and what could not be normalised."""

    state: dict[str, Items] = field(default_factory=dict)
    counters: dict[str, Items] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def put(self, section: str, key: str, state: dict[str, Any], counters: dict[str, Any] | None = None) -> None:
        self.state.setdefault(section, {})[key] = state
        if counters:
            self.counters.setdefault(section, {})[key] = counters


_HMS = re.compile(r"^(\d+):(\d{2}):(\d{2})$")
_UNITS = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_age(text: str, *, ldp: bool = False) -> tuple[float, float] | None:
    """An age as printed → (seconds, resolution in seconds), or None when the form is unknown.

    ``HH:MM:SS`` (BGP Up/Down below a day), ``NNNhMMm`` and other unit forms
    (``1d02h``, ``3w2d``; the resolution is the smallest unit printed), and LDP's
    ``DDDD:HH:MM`` (*ldp*)."""
    t = text.strip()
    m = _HMS.match(t)
    if m:
        a, b, c = (int(x) for x in m.groups())
        if ldp:
            return float(a * 86400 + b * 3600 + c * 60), 60.0
        return float(a * 3600 + b * 60 + c), 1.0
    m = _UNITS.match(t)
    if m and any(m.groups()):
        units = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1)
        values = [int(g) if g else None for g in m.groups()]
        seconds = sum(v * u for v, u in zip(values, units, strict=True) if v is not None)
        resolution = min(u for v, u in zip(values, units, strict=True) if v is not None)
        return float(seconds), float(resolution)
    return None


def since(at: datetime, age: str, *, ldp: bool = False) -> dict[str, Any] | None:
    """``{"at": ISO, "resolution_s": N}`` for an age read at *at*, or None (unknown form)."""
    parsed = parse_age(age, ldp=ldp)
    if parsed is None:
        return None
    seconds, resolution = parsed
    return {"at": (at - timedelta(seconds=seconds)).isoformat(timespec="seconds"), "resolution_s": resolution}


def is_since(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"at", "resolution_s"}


def same_since(a: dict[str, Any], b: dict[str, Any], tolerance: float = SINCE_TOLERANCE) -> bool:
    """Whether two "since" times are the same instant, within their resolution and *tolerance*."""
    gap = abs((datetime.fromisoformat(a["at"]) - datetime.fromisoformat(b["at"])).total_seconds())
    return gap <= max(float(a["resolution_s"]), float(b["resolution_s"])) + tolerance


def _age(out: Normalised, where: str, at: datetime, age: str | None, *, ldp: bool = False) -> dict[str, Any]:
    """The "since" field of an object (empty when no age is printed; a counter when not understood)."""
    if age is None:
        return {}
    value = since(at, age, ldp=ldp)
    if value is None:
        out.warnings.append(f"{where}: age {age!r} in a form not understood: kept with the counters, not compared")
        return {}
    return {"since": value}


def _routes(out: Normalised, table: RoutingTable, name: str) -> None:
    section = f"routes {name}"
    out.state.setdefault(section, {})
    for r in table.routes:
        key = f"{r.destination} via {r.nexthop or '-'} {r.interface or '-'}"
        out.put(section, key, {"proto": r.proto, "pre": r.pre, "cost": r.cost, "flags": r.flags})
    out.counters.setdefault(section, {})["table"] = {"destinations": table.destinations, "routes": table.routes_count}


def _bgp(out: Normalised, peers: BgpPeers, at: datetime, section: str) -> None:
    out.state.setdefault(section, {})
    for p in peers.peers:
        key = f"{p.vpn_instance + ' ' if p.vpn_instance else ''}peer {p.peer}"
        state = {"as": p.as_number, "state": p.state, **_age(out, f"{section} {key}", at, p.up_down)}
        counters: dict[str, Any] = {"msg_rcvd": p.msg_rcvd, "msg_sent": p.msg_sent, "out_q": p.out_q, "pref_rcv": p.pref_rcv}
        if "since" not in state:
            counters["up_down"] = p.up_down
        out.put(section, key, state, counters)


def normalise(command: str, parsed: ParsedOutput, at: datetime) -> Normalised:
    """The state and counters of one parsed display read at *at*."""
    out = Normalised()
    if isinstance(parsed, VpnRoutingTable):
        _routes(out, parsed, parsed.vpn_instance)
    elif isinstance(parsed, RoutingTable):
        _routes(out, parsed, "_public_")  # the public table, however a release capitalises its name
    elif isinstance(parsed, BgpVpnv4AllPeers):
        _bgp(out, parsed, at, "bgp vpnv4 peers")
    elif isinstance(parsed, BgpPeers):
        _bgp(out, parsed, at, "bgp peers")
    elif isinstance(parsed, InterfaceBrief):
        out.state.setdefault("interfaces", {})
        for i in parsed.interfaces:
            out.put("interfaces", i.interface, {"phy": i.phy, "protocol": i.protocol},
                    {"in_uti": i.in_uti, "out_uti": i.out_uti, "in_errors": i.in_errors, "out_errors": i.out_errors})
    elif isinstance(parsed, OspfPeers):
        out.state.setdefault("ospf peers", {})
        for p in parsed.peers:
            key = f"process {p.process_id or parsed.process_id or '-'} area {p.area} {p.interface} neighbor {p.neighbor_id}"
            out.put("ospf peers", key, {"state": p.state})
    elif isinstance(parsed, LdpSessions):
        out.state.setdefault("ldp sessions", {})
        for s in parsed.sessions:
            key = f"peer {s.peer_id}"
            state = {"status": s.status, "role": s.ssn_role, **_age(out, f"ldp sessions {key}", at, s.ssn_age, ldp=True)}
            out.put("ldp sessions", key, state, {"ka_sent": s.ka_sent, "ka_rcv": s.ka_rcv})
    elif isinstance(parsed, BfdSessions):
        out.state.setdefault("bfd sessions", {})
        for b in parsed.sessions:
            key = f"peer {b.peer_ip or '-'} {b.type} {b.interface or '-'}"
            out.put("bfd sessions", key, {"state": b.state, "local": b.local_discriminator, "remote": b.remote_discriminator})
    elif isinstance(parsed, VpnInstances):
        out.state.setdefault("vpn instances", {})
        for v in parsed.instances:
            for af in v.address_families:
                key = f"{v.name} {af.afi}"
                state = {"status": af.vrf_status, "rd": af.route_distinguisher, "export": sorted(af.export_vpn_targets),
                         "import": sorted(af.import_vpn_targets), "interfaces": sorted(v.interfaces),
                         "created": af.create_date}
                out.put("vpn instances", key, state, {"up_time": af.up_time})
    else:  # pragma: no cover - collect.py reads only the displays above
        out.warnings.append(f"{command}: no normalisation for {type(parsed).__name__}: not compared")
    return out


__all__ = ["SINCE_TOLERANCE", "Normalised", "is_since", "normalise", "parse_age", "same_since", "since"]
