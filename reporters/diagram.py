"""The network diagram's input: routers, links and sessions, each with a state from the results.

A small typed model (:class:`Diagram`) that the HTML report draws and that
``vrpbook check`` builds with :func:`build_diagram` from three things it
already has:

* the **intent** of each router as a plain data dict (the inventory's merged
  ``data``: ``role``, ``loopbacks``, ``interfaces.<name>.address``,
  ``bgp.peers``, ``bgp.vpn_instances.<vrf>.peers``, ``bfd_sessions``);
* the **topology** (the ``topology.yaml`` shape: ``cables: [[R1:IF, R2:IF], …]``)
  when there is one; without it, links are **inferred from interface
  subnets**: two routers with addresses in the same subnet are linked;
* the **results**, which colour everything.

How results become states, without knowing any check by name: a check that
judges sessions or interfaces reports them in ``observed`` as a mapping
``{id: state}`` (BFD session name, BGP peer address or interface name → the
state the router showed), possibly one level deeper (per VPN instance); and
``expected`` the same way. A session end is **up** when its observed state
equals the expected one (or, with no expectation, is one of Up / Established /
Operational / Full), **down** when it differs or is expected but absent, and
**unknown** when no result on that router mentions it (never seen is not up).
A router takes the worst status of its results. A link takes the state its
interfaces were observed in, else that of the single-hop BFD sessions bound
to its interfaces, else unknown (the reason is kept for the tooltip).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_interface
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from vrpbook.results import SEVERITY, CheckResult, Results, Status

Health = Literal["up", "down", "unknown"]
UP_WORDS = frozenset({"up", "established", "operational", "full"})
_HEALTH_ORDER: dict[str, int] = {"down": 0, "unknown": 1, "up": 2}


class DiagramError(ValueError):
    """Input the diagram cannot be drawn from (a bad topology file); names file and entry."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RouterNode(_Model):
    """A router of the inventory, or an ``external`` peer address nobody in the intent owns."""

    name: str
    role: str | None = None
    status: Status | None = None  # worst of its results; None = not checked
    external: bool = False
    detail: str = ""


class LinkEnd(_Model):
    router: str
    interface: str | None = None
    address: str | None = None


class Link(_Model):
    """A cable (from the topology) or a shared subnet (inferred)."""

    a: LinkEnd
    b: LinkEnd
    subnet: str | None = None
    health: Health = "unknown"
    reason: str = ""


class SessionEnd(_Model):
    """One router's side of a session, as its intent configures it and its results saw it."""

    router: str
    name: str  # BFD session name, or the BGP peer address configured on this side
    peer: str  # the peer address
    interface: str | None = None  # the interface a single-hop BFD session is bound to
    state: str | None = None  # what the router showed; None = not seen
    expected: str | None = None
    health: Health = "unknown"
    seen_by: tuple[str, ...] = ()  # checks whose results mentioned it


class Session(_Model):
    """A BGP or BFD session between two routers, with each configured side."""

    kind: Literal["bgp", "bfd"]
    a: str
    b: str
    ends: tuple[SessionEnd, ...]
    health: Health
    label: str


class Diagram(_Model):
    routers: tuple[RouterNode, ...]
    links: tuple[Link, ...]
    sessions: tuple[Session, ...]
    links_from: Literal["topology", "subnets", "none"]


# --- reading the intent dicts -----------------------------------------------------------


def _get(data: Mapping[str, Any] | None, *path: str) -> Any:
    cur: Any = data
    for p in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(p)
    return cur


def _iface(value: Any) -> IPv4Interface | None:
    try:
        itf = ip_interface(str(value))
    except ValueError:
        return None
    return itf if isinstance(itf, IPv4Interface) else None


def _addresses(intent: Mapping[str, Any]) -> list[tuple[str, IPv4Interface]]:
    """(interface, address) of every loopback and routed interface of one router."""
    out: list[tuple[str, IPv4Interface]] = []
    for name, addr in (_get(intent, "loopbacks") or {}).items():
        if (itf := _iface(addr)) is not None:
            out.append((str(name), itf))
    for name, spec in (_get(intent, "interfaces") or {}).items():
        if (itf := _iface(_get(spec, "address") if isinstance(spec, Mapping) else spec)) is not None:
            out.append((str(name), itf))
    return out


class _Addressing:
    """Who owns which address, and which interface of a router faces an address."""

    def __init__(self, intents: Mapping[str, Mapping[str, Any]]) -> None:
        self.by_router = {r: _addresses(i) for r, i in intents.items()}
        self.owner: dict[IPv4Address, tuple[str, str]] = {}
        for router in sorted(self.by_router):
            for ifname, itf in self.by_router[router]:
                self.owner.setdefault(itf.ip, (router, ifname))

    def owner_of(self, address: str) -> str | None:
        try:
            hit = self.owner.get(IPv4Address(str(address)))
        except ValueError:
            return None
        return hit[0] if hit else None

    def address_of(self, router: str, ifname: str | None) -> IPv4Interface | None:
        for name, itf in self.by_router.get(router, []):
            if name == ifname:
                return itf
        return None

    def facing(self, router: str, peer: str) -> str | None:
        """The router's own address in the subnet of *peer* (a directly connected peer)."""
        try:
            ip = IPv4Address(str(peer))
        except ValueError:
            return None
        for _, itf in self.by_router.get(router, []):
            if itf.network.prefixlen < 32 and ip in itf.network:
                return str(itf.ip)
        return None


# --- states from results -----------------------------------------------------------------


def _find(value: Any, key: str, depth: int = 2) -> tuple[bool, Any]:
    """``(found, value)`` of *key* in a mapping, or in mappings nested up to *depth* deep."""
    if not isinstance(value, Mapping):
        return False, None
    if key in value and not isinstance(value[key], (Mapping, list)):
        return True, value[key]
    if depth > 0:
        for sub in value.values():
            found, v = _find(sub, key, depth - 1)
            if found:
                return True, v
    return False, None


def _health_of(state: str | None, expected: str | None) -> Health:
    if state is None:
        return "down" if expected is not None else "unknown"
    if expected is not None:
        return "up" if state.strip().lower() == expected.strip().lower() else "down"
    return "up" if state.strip().lower() in UP_WORDS else "down"


def _observe(results: Iterable[CheckResult], key: str) -> tuple[str | None, str | None, Health, tuple[str, ...]]:
    """What one router's results say about *key*: state, expected state, health, checks."""
    seen: list[tuple[str | None, str | None, Health, str]] = []
    for r in results:
        if r.status is Status.ERROR:
            continue  # could not check: says nothing about the session
        found_o, obs = _find(r.observed, key)
        found_e, exp = _find(r.expected, key)
        if not (found_o or found_e):
            continue
        state = None if obs is None else str(obs)
        expected = None if exp is None else str(exp)
        seen.append((state, expected, _health_of(state, expected), r.check))
    if not seen:
        return None, None, "unknown", ()
    seen.sort(key=lambda s: _HEALTH_ORDER[s[2]])
    state, expected, health, _ = seen[0]
    return state, expected, health, tuple(sorted({s[3] for s in seen}))


def _worst_health(healths: Iterable[Health]) -> Health:
    hs = list(healths)
    if "down" in hs:
        return "down"
    return "up" if "up" in hs else "unknown"


# --- topology ----------------------------------------------------------------------------


def load_topology(path: str | Path) -> dict[str, Any]:
    """Read a ``topology.yaml`` (the lab's format: ``devices`` and ``cables``)."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DiagramError(f"{p}: cannot read topology: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cables", []), list):
        raise DiagramError(f"{p}: expected a mapping with a 'cables' list")
    return raw


def _cables(topology: Mapping[str, Any]) -> list[tuple[LinkEnd, LinkEnd]]:
    out = []
    for idx, pair in enumerate(topology.get("cables") or []):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise DiagramError(f"topology cables[{idx}]: expected [ROUTER:INTERFACE, ROUTER:INTERFACE]")
        ends = []
        for item in pair:
            router, sep, ifname = str(item).partition(":")
            if not sep or not router or not ifname:
                raise DiagramError(f"topology cables[{idx}]: {item!r} is not ROUTER:INTERFACE")
            ends.append(LinkEnd(router=router, interface=ifname))
        out.append((ends[0], ends[1]))
    return out


def _subnet_links(addr: _Addressing) -> list[tuple[LinkEnd, LinkEnd]]:
    """Pairs of routers with interface addresses in one subnet (every pair on a LAN)."""
    members: dict[IPv4Network, list[tuple[str, str, IPv4Interface]]] = {}
    for router in sorted(addr.by_router):
        for ifname, itf in addr.by_router[router]:
            if itf.network.prefixlen < 32:
                members.setdefault(itf.network, []).append((router, ifname, itf))
    out = []
    for _net, ms in sorted(members.items(), key=lambda kv: (int(kv[0].network_address), kv[0].prefixlen)):
        for i, (r1, if1, a1) in enumerate(ms):
            for r2, if2, a2 in ms[i + 1:]:
                if r1 != r2:
                    out.append((LinkEnd(router=r1, interface=if1, address=str(a1)),
                                LinkEnd(router=r2, interface=if2, address=str(a2))))
    return out


# --- building ----------------------------------------------------------------------------


def _bgp_ends(router: str, intent: Mapping[str, Any], addr: _Addressing) -> list[tuple[str, str, str | None]]:
    """(peer address, peer AS, local address) of every BGP peer the router's intent configures."""
    bgp = _get(intent, "bgp")
    if not isinstance(bgp, Mapping):
        return []
    peers: list[Any] = list(bgp.get("peers") or [])
    for vrf in (bgp.get("vpn_instances") or {}).values():
        peers.extend(_get(vrf, "peers") or [])
    out = []
    for p in peers:
        if not isinstance(p, Mapping) or p.get("address") is None:
            continue
        peer = str(p["address"])
        local_if = addr.address_of(router, p.get("connect_interface"))
        local = str(local_if.ip) if local_if else addr.facing(router, peer)
        out.append((peer, str(p.get("as_number", "")), local))
    return out


def _pair(ends: list[tuple[SessionEnd, str | None, str]]) -> list[list[SessionEnd]]:
    """Match each side's end with the far side's: A's peer owned by B, B's peer owned by A,
    and where addresses are known, A's local address is B's peer (and vice versa)."""
    groups: list[list[SessionEnd]] = []
    used: set[int] = set()
    for i, (e1, local1, owner1) in enumerate(ends):
        if i in used:
            continue
        used.add(i)
        group = [e1]
        for j, (e2, local2, owner2) in enumerate(ends):
            if j in used or e2.router != owner1 or owner2 != e1.router:
                continue
            if local1 is not None and e2.peer != local1:
                continue
            if local2 is not None and e1.peer != local2:
                continue
            used.add(j)
            group.append(e2)
            break
        groups.append(group)
    return groups


def build_diagram(
    intents: Mapping[str, Mapping[str, Any]],
    results: Results,
    topology: Mapping[str, Any] | None = None,
) -> Diagram:
    """The diagram of *intents* (router → intent data dict), coloured by *results*.

    Links come from *topology* when given, else from shared interface subnets.
    """
    addr = _Addressing(intents)
    by_router = {r: results.for_router(r) for r in results.routers()}

    # routers
    names = set(intents) | set(by_router)
    if topology is not None:
        names |= {str(d) for d in (topology.get("devices") or {})}
    routers: dict[str, RouterNode] = {}
    for name in sorted(names):
        rs = by_router.get(name, [])
        status = min((r.status for r in rs), key=SEVERITY.__getitem__, default=None)
        counts = Results(rs).counts()
        detail = (f"{counts.failed} failed, {counts.errors} errors, {counts.changing} changing, "
                  f"{counts.passed} passed" if rs else "not checked")
        role = _get(intents.get(name), "role")
        routers[name] = RouterNode(name=name, role=str(role) if role else None, status=status, detail=detail)

    def external(address: str) -> str:
        if address not in routers:
            routers[address] = RouterNode(name=address, external=True, detail="peer outside the inventory")
        return address

    # BFD and BGP session ends
    raw: dict[str, list[tuple[SessionEnd, str | None, str]]] = {"bfd": [], "bgp": []}
    for router in sorted(intents):
        intent = intents[router]
        rs = by_router.get(router, [])
        for s in _get(intent, "bfd_sessions") or []:
            if not isinstance(s, Mapping) or s.get("peer_ip") is None:
                continue
            name, peer = str(s.get("name", s["peer_ip"])), str(s["peer_ip"])
            state, expected, health, seen = _observe(rs, name)
            owner = addr.owner_of(peer) or external(peer)
            local = str(s["source_ip"]) if s.get("source_ip") is not None else addr.facing(router, peer)
            ifname = str(s["interface"]) if s.get("interface") else None
            end = SessionEnd(router=router, name=name, peer=peer, interface=ifname, state=state,
                             expected=expected, health=health, seen_by=seen)
            raw["bfd"].append((end, local, owner))
        for peer, peer_as, local in _bgp_ends(router, intent, addr):
            state, expected, health, seen = _observe(rs, peer)
            owner = addr.owner_of(peer) or external(peer)
            end = SessionEnd(router=router, name=f"AS{peer_as} {peer}" if peer_as else peer, peer=peer,
                             state=state, expected=expected, health=health, seen_by=seen)
            raw["bgp"].append((end, local, owner))

    sessions: list[Session] = []
    kinds: tuple[Literal["bfd", "bgp"], ...] = ("bfd", "bgp")
    for kind in kinds:
        owners = {id(e): o for e, _, o in raw[kind]}
        for group in _pair(raw[kind]):
            first = group[0]
            far = group[1].router if len(group) > 1 else owners[id(first)]
            a, b = sorted((first.router, far))
            ends = tuple(sorted(group, key=lambda e: e.router))
            label = " / ".join(e.name for e in ends) if kind == "bfd" else f"BGP {a}–{b}"
            sessions.append(Session(kind=kind, a=a, b=b, ends=ends,
                                    health=_worst_health(e.health for e in ends), label=label))
    bfd_health: dict[tuple[str, str], list[Health]] = {}  # (router, interface) -> BFD healths
    for sess in sessions:
        for e in sess.ends:
            if e.interface is not None:
                bfd_health.setdefault((e.router, e.interface), []).append(e.health)

    # links
    links_from: Literal["topology", "subnets", "none"]
    if topology is not None:
        pairs, links_from = _cables(topology), "topology"
        for a_end, b_end in pairs:
            for cable_end in (a_end, b_end):
                if cable_end.router not in routers:
                    raise DiagramError(f"topology cable end {cable_end.router}:{cable_end.interface}: no such router")
    else:
        pairs = _subnet_links(addr)
        links_from = "subnets" if pairs else "none"
    links = []
    for a_end, b_end in pairs:
        a_full, b_full = (
            end if end.address or (itf := addr.address_of(end.router, end.interface)) is None
            else end.model_copy(update={"address": str(itf)})
            for end in (a_end, b_end)
        )
        subnet = None
        if a_full.address and (net := _iface(a_full.address)) is not None:
            subnet = str(net.network)
        health, reason = _link_health(a_full, b_full, by_router, bfd_health)
        links.append(Link(a=a_full, b=b_full, subnet=subnet, health=health, reason=reason))

    return Diagram(
        routers=tuple(routers[n] for n in sorted(routers)),
        links=tuple(links),
        sessions=tuple(sessions),
        links_from=links_from,
    )


def _link_health(
    a: LinkEnd, b: LinkEnd, by_router: Mapping[str, list[CheckResult]],
    bfd_health: Mapping[tuple[str, str], list[Health]],
) -> tuple[Health, str]:
    healths: list[Health] = []
    reasons: list[str] = []
    for e in (a, b):
        if e.interface is None:
            continue
        state, _expected, health, seen = _observe(by_router.get(e.router, []), e.interface)
        if health != "unknown":
            healths.append(health)
            reasons.append(f"{e.router} {e.interface} {state or 'absent'} ({', '.join(seen)})")
    if healths:
        return _worst_health(healths), "; ".join(reasons)
    for e in (a, b):
        if e.interface is not None and (hs := bfd_health.get((e.router, e.interface))):
            healths.extend(hs)
    if healths and any(h != "unknown" for h in healths):
        return _worst_health(healths), "from the BFD sessions bound to its interfaces"
    return "unknown", "no check observed this link"
