"""Static BFD sessions: matching both ends, discriminators, negotiated timers.

Protocol truth over the reference where the reference contradicts itself
(every point is repeated in README.md):

- PE1's step-7 "Remote Discriminator : ce1_to_pe1" is a slip: the remote
  discriminator is the peer's local discriminator (8192).
- "Vpn Instance Name : vpna" lower case: the twin prints the instance as configured (VPNA).
- Actual Tx/Rx intervals and Detect Interval "-" while Up (step 7): an Up
  session shows negotiated values, as ``samples/bfd_session_all_verbose/01``
  does (actual tx = max(local min-tx, remote min-rx), detect = remote
  multiplier x actual rx).
- Step 9's "Total UP/DOWN Session Number : 1/0" while the only session is Down
  is printed as 0/1.
- TTL 254 vs 255 for the same one-hop session: 255 (single-hop BFD, RFC 5881).
- TOS-EXP 6 vs 7: 7, as every real sample shows.
- Remote Discriminator 8192 while Down (step 9): protocol truth is 0 once
  the session has timed out (``samples/bfd_session_all/13``); the twin prints 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from ..config.model import BfdSession, RouterConfig
from .links import LinkMap
from .timeline import Key

AUTO_BASE = 8192


@dataclass(frozen=True)
class BfdView:
    """One router's session at one evaluation."""

    router: str
    cfg: BfdSession
    local_disc: int
    key: Key
    eligible: bool
    peer: tuple[str, str] | None  # (router, session name) of the matching far end
    source: IPv4Address | None


def discriminators(cfg: RouterConfig, previous: dict[str, int] | None = None) -> dict[str, int]:
    """Local discriminators: configured ones; ``auto`` ones allocated from 8192.

    An allocated discriminator stays with its session for the session's life
    (*previous*: last allocation of this router); a new session takes the
    lowest free value, so a fresh configuration numbers them in config order.
    """
    previous = previous or {}
    out: dict[str, int] = {}
    for name, s in cfg.bfd_sessions.items():
        if not s.auto:
            out[name] = s.local_discriminator or 0
        elif name in previous:
            out[name] = previous[name]
    used = set(out.values())
    nxt = AUTO_BASE
    for name, s in cfg.bfd_sessions.items():
        if s.auto and name not in out:
            while nxt in used:
                nxt += 1
            out[name] = nxt
            used.add(nxt)
    return out


def _source(router: str, cfg: RouterConfig, s: BfdSession) -> IPv4Address | None:
    if s.source_ip is not None:
        return s.source_ip
    iface = cfg.interfaces.get(s.interface) if s.interface else None
    return iface.address.ip if iface is not None and iface.address is not None else None


def sessions(
    configs: dict[str, RouterConfig], links: LinkMap, allocated: dict[str, dict[str, int]] | None = None
) -> list[BfdView]:
    """Every configured session with the far end it matches (if any).

    *allocated* (router -> session -> discriminator) is read and updated so
    that ``auto`` discriminators survive across evaluations.
    """
    allocated = allocated if allocated is not None else {}
    discs = {r: discriminators(c, allocated.get(r)) for r, c in configs.items()}
    allocated.clear()
    allocated.update({r: {n: d for n, d in ds.items() if configs[r].bfd_sessions[n].auto} for r, ds in discs.items()})
    out: list[BfdView] = []
    for router, cfg in configs.items():
        for name, s in cfg.bfd_sessions.items():
            src = _source(router, cfg, s)
            peer = _match(router, cfg, s, src, configs, links, discs)
            key = ("bfd", *sorted([(router, name), peer])) if peer else ("bfd", (router, name))
            out.append(BfdView(router, s, discs[router][name], key, peer is not None, peer, src))
    return out


def _match(
    router: str,
    cfg: RouterConfig,
    s: BfdSession,
    src: IPv4Address | None,
    configs: dict[str, RouterConfig],
    links: LinkMap,
    discs: dict[str, dict[str, int]],
) -> tuple[str, str] | None:
    """The far session that answers this one over an up, single-hop link."""
    if not cfg.bfd_enabled or s.interface is None or src is None:
        return None
    local_if = cfg.interfaces.get(s.interface)
    if local_if is None or local_if.address is None or local_if.address.ip != src:
        return None
    if (local_if.vpn_instance or None) != (s.vpn_instance or None):
        return None
    nb = links.neighbour(router, s.interface)
    if nb is None:
        return None
    far_router, far_if = nb
    far_cfg = configs[far_router]
    if not far_cfg.bfd_enabled or far_if.address is None or far_if.address.ip != s.peer_ip:
        return None
    for fname, fs in far_cfg.bfd_sessions.items():
        if fs.interface not in (None, far_if.name) or fs.peer_ip != src:
            continue
        if _source(far_router, far_cfg, fs) != s.peer_ip:
            continue
        if (fs.vpn_instance or None) != (far_if.vpn_instance or None):
            continue
        if not (s.auto and fs.auto):
            # Static discriminators must mirror each other.
            mine, theirs = discs[router][s.name], discs[far_router][fname]
            if s.remote_discriminator != theirs or fs.remote_discriminator != mine:
                continue
        return far_router, fname
    return None


def negotiated(local: BfdSession, remote: BfdSession) -> tuple[int, int, int]:
    """(actual tx, actual rx, detect interval) in ms, RFC 5880 section 6.8.2/6.8.4."""
    tx = max(local.min_tx_interval, remote.min_rx_interval)
    rx = max(local.min_rx_interval, remote.min_tx_interval)
    return tx, rx, rx * remote.detect_multiplier


def session_type(s: BfdSession) -> str:
    """Type column of the brief display (NE40E spellings)."""
    if s.auto:
        return "S_AUTO_IF" if s.interface else "S_AUTO_PEER"
    return "S_IP_IF" if s.interface else "S_IP_PEER"
