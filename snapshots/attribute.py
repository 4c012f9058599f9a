"""The post-change proof: only what the change meant to change differs.

Input: the differences between the pre- and post-change snapshots of every
touched router (:mod:`.diff`), and what the change meant — per router, the diff
the router itself computed for the change (``display configuration candidate
changes``; empty for a router the run left, or put back, at pre-run).

Each difference is **tied** to a line of the change, with the reason, or
**flagged**:

- a configuration line is tied when the router's own diff adds (``+``) or
  removes (``-``) exactly that line under the same parents; and every line the
  diff meant must be there (or gone) afterwards, else it is flagged as
  *missing*;
- a state object is tied when the change's lines imply it (the rules, in the
  order tried):

  ============== =============================================================
  routes         the destination overlaps a prefix a changed line names
                 (``ip address``, ``ip route-static``, ``network``, ``peer``,
                 ``bfd … peer-ip``, ``router-id``/``lsr-id``); or the next hop
                 lies in one; or the outgoing interface was changed on this
                 router; or the VPN instance was; or the route's protocol
                 (OSPF, BGP, static, direct) was configured on this router; or
                 the destination or next hop is an address of a router whose
                 configuration of that protocol changed
  interfaces     the interface was changed on this router, or its subnet is one
                 a changed line names (the far end changed)
  BGP peers      the peer address is one a changed line names, BGP changed on
                 this router, or the peer is a router whose BGP changed
  OSPF peers     the interface or this router's OSPF changed, or the neighbour
                 is a router whose OSPF changed
  LDP sessions   MPLS changed on this router or on the peer
  BFD sessions   the peer address is one a changed line names, BFD changed on
                 this router, or the session's interface changed
  VPN instances  the instance was changed on this router
  ============== =============================================================

Anything else is flagged: a state change nobody's line explains (a session that
flapped, a route that moved) is exactly what a post-change review must see.
The verdict: ``pass`` when nothing is flagged and every router was compared,
``fail`` when something is flagged, ``error`` when a router or a display could
not be read on either side (not compared: never a pass).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_address, ip_network
from typing import Any

from .diff import Difference, Path, config_paths

_PROTO_OF_ROUTE = {"ospf": "ospf", "o_ase": "ospf", "o_nssa": "ospf", "ibgp": "bgp", "ebgp": "bgp", "static": "static",
                   "direct": "interface", "unr": "static"}


def _net(text: str) -> IPv4Network | None:
    try:
        return ip_network(text, strict=False) if "/" in text else ip_network(f"{text}/32")  # type: ignore[return-value]
    except ValueError:
        return None


def _addr(text: str) -> IPv4Address | None:
    try:
        a = ip_address(text.split(":")[0])
    except ValueError:
        return None
    return a if isinstance(a, IPv4Address) else None


@dataclass
class Implied:
    """What a change's lines name: prefixes, and per router its interfaces, VPNs and protocols."""

    prefixes: list[tuple[IPv4Network, str]] = field(default_factory=list)
    interfaces: dict[str, dict[str, str]] = field(default_factory=dict)
    vpns: dict[str, dict[str, str]] = field(default_factory=dict)
    protocols: dict[str, dict[str, str]] = field(default_factory=dict)
    owners: dict[IPv4Address, str] = field(default_factory=dict)  # addresses of the touched routers

    def prefix(self, net: IPv4Network) -> str | None:
        for p, why in self.prefixes:
            if net.overlaps(p):
                return why
        return None

    def owner_changed(self, address: IPv4Address | None, proto: str) -> str | None:
        """The reason, when *address* belongs to a router whose *proto* configuration changed."""
        owner = self.owners.get(address) if address is not None else None
        if owner is None:
            return None
        why = self.protocols.get(owner, {}).get(proto)
        return f"{address} is {owner}'s, whose {proto} changed ({why})" if why else None


def _section_protocol(path: Path) -> tuple[str, str] | None:
    """The protocol (and VPN/interface) a changed line belongs to, from its top-level section."""
    top = path[0]
    if top.startswith("ospf"):
        return ("ospf", "")
    if top.startswith("bgp "):
        return ("bgp", "")
    if top.startswith("mpls"):
        return ("mpls", "")
    if top == "bfd" or top.startswith("bfd "):
        return ("bfd", "")
    if top.startswith("ip route-static"):
        return ("static", "")
    if m := re.match(r"ip vpn-instance (\S+)", top):
        return ("vpn", m.group(1))
    if m := re.match(r"interface (\S+)", top):
        return ("interface", m.group(1))
    return None


def implied(meant: Mapping[str, str], configs: Mapping[str, list[str]]) -> Implied:
    """What the changes' diffs (*meant*, per router) name; *configs*: every configuration seen of
    each touched router (to know whose an address is)."""
    out = Implied()
    for router, texts in configs.items():
        for text in texts:
            for _m, path in config_paths(text):
                m = re.match(r"ip address (\S+) (\S+)", path[-1])
                if m and (a := _addr(m.group(1))) is not None:
                    out.owners[a] = router
    for router, diff in meant.items():
        for marker, path in config_paths(diff, marked=True):
            if marker == " ":
                continue
            line = path[-1]
            why = f"{router}: {marker} {' > '.join(path)}"
            sect = _section_protocol(path)
            if sect is not None:
                kind, name = sect
                if kind == "vpn":
                    out.vpns.setdefault(router, {}).setdefault(name, why)
                elif kind == "interface":
                    out.interfaces.setdefault(router, {}).setdefault(name, why)
                    if re.match(r"(ospf|mpls)", line):
                        out.protocols.setdefault(router, {}).setdefault(line.split()[0], why)
                    if line.startswith("ip address"):
                        out.protocols.setdefault(router, {}).setdefault("interface", why)
                else:
                    out.protocols.setdefault(router, {}).setdefault(kind, why)
            if m := re.search(r"vpn-instance (\S+)", line):
                out.vpns.setdefault(router, {}).setdefault(m.group(1), why)
            if m := re.search(r"\binterface (\S+)", line):
                out.interfaces.setdefault(router, {}).setdefault(m.group(1), why)
            for net in _line_prefixes(line):
                out.prefixes.append((net, why))
    return out


def _line_prefixes(line: str) -> list[IPv4Network]:
    nets: list[IPv4Network] = []
    if m := re.match(r"ip address (\S+) (\S+)", line):
        try:
            iface = IPv4Interface(f"{m.group(1)}/{m.group(2)}")
            nets += [iface.network, ip_network(f"{iface.ip}/32")]  # type: ignore[list-item]
        except ValueError:
            pass
    if m := re.match(r"ip route-static (?:vpn-instance \S+ )?(\S+) (\S+)(?: (\S+))?", line):
        nets += [n for n in (_net(f"{m.group(1)}/{m.group(2)}"), _net(m.group(3) or "")) if n is not None]
    if m := re.match(r"network (\S+)(?: (\S+))?", line):
        n = _net(f"{m.group(1)}/{m.group(2)}" if m.group(2) else m.group(1))
        nets += [n] if n is not None else []
    for pattern in (r"\bpeer(?:-ip)? (\d+\.\d+\.\d+\.\d+)", r"\bsource-ip (\S+)", r"\b(?:router-id|lsr-id) (\S+)"):
        for found in re.findall(pattern, line):
            if (n := _net(found)) is not None:
                nets.append(n)
    return nets


def _tie_route(d: Difference, imp: Implied) -> str | None:
    dest_text, _via, rest = d.key.partition(" via ")
    nexthop_text, _sp, iface = rest.partition(" ")
    dest = _net(dest_text)
    nexthop = _addr(nexthop_text)
    fields = d.after or d.before or {}
    proto = _PROTO_OF_ROUTE.get(str(fields.get("proto", "")).lower(), "")
    table = d.section.removeprefix("routes ")
    mine = imp.protocols.get(d.router, {})
    return ((imp.prefix(dest) if dest is not None else None)
            or (imp.prefix(ip_network(f"{nexthop}/32")) if nexthop is not None else None)  # type: ignore[arg-type]
            or imp.interfaces.get(d.router, {}).get(iface)
            or (imp.vpns.get(d.router, {}).get(table) if table != "_public_" else None)
            or mine.get(proto)
            or (imp.owner_changed(dest.network_address, proto) if dest is not None else None)
            or imp.owner_changed(nexthop, proto))


def _interface_address(config: str, iface: str) -> IPv4Network | None:
    for _m, path in config_paths(config):
        if len(path) == 2 and path[0] == f"interface {iface}" and (m := re.match(r"ip address (\S+) (\S+)", path[1])):
            try:
                return IPv4Interface(f"{m.group(1)}/{m.group(2)}").network
            except ValueError:
                return None
    return None


def tie(d: Difference, imp: Implied, meant_paths: Mapping[str, set[tuple[str, Path]]], configs: Mapping[str, list[str]]) -> str | None:
    """Why the change explains *d*, or None (flagged)."""
    if d.kind == "config":
        marker = "+" if d.change == "added" else "-"
        return f"{d.router}'s diff: {marker} {' > '.join(d.path)}" if (marker, d.path) in meant_paths.get(d.router, set()) else None
    mine = imp.protocols.get(d.router, {})
    section = d.section
    if section.startswith("routes "):
        return _tie_route(d, imp)
    if section == "interfaces":
        why = imp.interfaces.get(d.router, {}).get(d.key)
        for text in configs.get(d.router, []):
            net = _interface_address(text, d.key)
            why = why or (imp.prefix(net) if net is not None else None)
        return why
    words = d.key.split()
    if section in ("bgp peers", "bgp vpnv4 peers"):
        peer = _addr(words[-1])
        vpn = words[0] if len(words) == 3 else None
        return ((imp.prefix(ip_network(f"{peer}/32")) if peer is not None else None)  # type: ignore[arg-type]
                or mine.get("bgp") or imp.owner_changed(peer, "bgp")
                or (imp.vpns.get(d.router, {}).get(vpn) if vpn else None))
    if section == "ospf peers":
        iface = words[4] if len(words) > 4 else ""
        return (imp.interfaces.get(d.router, {}).get(iface) or mine.get("ospf")
                or imp.owner_changed(_addr(words[-1]), "ospf"))
    if section == "ldp sessions":
        peer = _addr(words[-1])
        return (mine.get("mpls") or imp.owner_changed(peer, "mpls")
                or (imp.prefix(ip_network(f"{peer}/32")) if peer is not None else None))  # type: ignore[arg-type]
    if section == "bfd sessions":
        peer = _addr(words[1]) if len(words) > 1 else None
        return ((imp.prefix(ip_network(f"{peer}/32")) if peer is not None else None)  # type: ignore[arg-type]
                or mine.get("bfd") or imp.interfaces.get(d.router, {}).get(words[-1]))
    if section == "vpn instances":
        return imp.vpns.get(d.router, {}).get(words[0])
    return None


@dataclass
class Proof:
    """The post-change verdict and its evidence."""

    tied: list[tuple[Difference, str]] = field(default_factory=list)
    flagged: list[Difference] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # lines the change meant that the router does not show
    not_compared: dict[str, list[str]] = field(default_factory=dict)  # router -> what could not be read
    warnings: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.flagged or self.missing:
            return "fail"
        return "error" if self.not_compared else "pass"

    def lines(self) -> list[str]:
        """One line per finding, flagged first (what a reviewer reads)."""
        out = [f"flagged: {d.line()}" for d in self.flagged]
        out += [f"missing: {m}" for m in self.missing]
        out += [f"not compared: {r}: {', '.join(w)}" for r, w in self.not_compared.items()]
        out += [f"tied: {d.line()} — {why}" for d, why in self.tied]
        return out

    def summary(self) -> str:
        return (f"post-change proof: {self.verdict} ({len(self.tied)} difference(s) tied to the change, {len(self.flagged)} "
                f"flagged, {len(self.missing)} missing, {len(self.not_compared)} router(s) not fully compared)")

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict, "summary": self.summary(),
            "flagged": [d.to_json() for d in self.flagged], "missing": self.missing,
            "tied": [{**d.to_json(), "because": why} for d, why in self.tied],
            "not_compared": self.not_compared, "warnings": self.warnings,
        }


def prove(differences: list[Difference], meant: Mapping[str, str], configs: Mapping[str, list[str]],
          post_configs: Mapping[str, str] | None = None) -> Proof:
    """Tie every difference to the change or flag it; check the meant lines are in place
    (*post_configs*: each router's configuration after the change)."""
    imp = implied(meant, configs)
    meant_paths = {r: set(config_paths(text, marked=True)) for r, text in meant.items()}
    proof = Proof()
    for d in differences:
        why = tie(d, imp, meant_paths, configs)
        if why is None:
            proof.flagged.append(d)
        else:
            proof.tied.append((d, why))
    for router, after in (post_configs or {}).items():
        have = {p for _m, p in config_paths(after)}
        for marker, path in meant_paths.get(router, set()):
            if path[-1].startswith("undo "):
                continue  # an undo form is not a line of the configuration
            if (marker == "+" and path not in have) or (marker == "-" and path in have):
                proof.missing.append(f"{router}: {marker} {' > '.join(path)} (the change meant it; the router "
                                     f"{'does not show it' if marker == '+' else 'still shows it'})")
    proof.missing.sort()
    return proof


__all__ = ["Implied", "Proof", "implied", "prove", "tie"]
