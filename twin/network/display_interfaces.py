"""``display ip interface brief``, computed from the network's port states and the configuration.

Layout: the NE40E V800R012C10 command reference (VRP8.md 6): the legend, the
four "The number of interface that is UP|DOWN in Physical|Protocol is N"
counters, a blank line, the header with the VPN column and one row per
interface (configuration order sorted like every other display, ``NULL0``
included). A port's physical/protocol state is the one ``display interface
brief`` prints (``links.PortState``); an address is ``a.b.c.d/len`` or
``unassigned``; the VPN column names the bound instance or shows ``--``.

twin's choices: the counters count ``up(s)`` as UP and ``*down`` as DOWN;
column widths follow the documentation example (28/19/9/9).
"""

from __future__ import annotations

from vrpbook.vrp import interface_sort_key

from .compute import NetState

LEGEND = [
    "*down: administratively down",
    "!down: FIB overload down",
    "^down: standby",
    "(l): loopback",
    "(s): spoofing",
    "(d): Dampening Suppressed",
    "(E): E-Trunk down",
]
HEADER = "Interface                   IP Address/Mask    Physical Protocol VPN"


def _is_up(state: str) -> bool:
    return state.startswith("up")


def ip_interface_brief(st: NetState, router: str) -> str:
    """The display text of *router* in state *st*."""
    cfg = st.configs[router]
    rows: list[tuple[str, str, str, str, str]] = []
    for name in sorted(cfg.interfaces, key=interface_sort_key):
        iface = cfg.interfaces[name]
        port = st.links.port(router, name)
        phy, proto = (port.phy, port.protocol) if port is not None else ("down", "down")
        address = f"{iface.address.ip}/{iface.address.network.prefixlen}" if iface.address else "unassigned"
        rows.append((name, address, phy, proto, iface.vpn_instance or "--"))
    rows.append(("NULL0", "unassigned", "up", "up(s)", "--"))
    up_phy = sum(_is_up(r[2]) for r in rows)
    up_proto = sum(_is_up(r[3]) for r in rows)
    lines = [
        *LEGEND,
        f"The number of interface that is UP in Physical is {up_phy}",
        f"The number of interface that is DOWN in Physical is {len(rows) - up_phy}",
        f"The number of interface that is UP in Protocol is {up_proto}",
        f"The number of interface that is DOWN in Protocol is {len(rows) - up_proto}",
        "",
        HEADER,
    ]
    lines += [f"{name:<27} {addr:<18} {phy:<8} {proto:<8} {vpn}" for name, addr, phy, proto, vpn in rows]
    return "\n".join(lines) + "\n"
