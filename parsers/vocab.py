"""The closed value sets VRP prints (states, protocols, roles), checked where they protect.

A gate decides on these values: ``State : Upp`` read as a state would let a
"not Up" check pass or fail for the wrong reason, so a value outside its set
fails the parse (``ParseErrorKind.VALUE``) instead of being reported as
printed.  Comparison ignores case (samples print ``UP`` and ``Up``); the value
is still reported exactly as printed.  The sets are deliberately generous --
every spelling seen in the samples, the reference and the VRP documentation --
because an unknown *valid* value would make a real output unreadable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of values (case-insensitive), with an optional printed suffix such as ``(w)``."""

    name: str
    values: frozenset[str]
    suffix: str = ""  # regex of what may be glued after a value, e.g. r"\((?:w|\*)\)"

    def accepts(self, raw: str) -> bool:
        low = raw.lower()
        if low in self.values:
            return True
        if self.suffix:
            m = re.fullmatch(rf"(?P<base>.+?)(?:{self.suffix})", raw)
            return m is not None and m.group("base").lower() in self.values
        return False

    def describe(self) -> str:
        return f"{self.name}: {', '.join(sorted(self.values))}"


def _vocab(name: str, *values: str, suffix: str = "") -> Vocabulary:
    return Vocabulary(name, frozenset(v.lower() for v in values), suffix)


BFD_STATES = _vocab("BFD states", "Up", "Down", "AdminDown", "AdmDown", "Init", suffix=r"\((?:w|\*)\)")
BGP_STATES = _vocab(
    "BGP states", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established",
    suffix=r"\([A-Za-z]+\)",  # e.g. Idle(Admin)
)
OSPF_STATES = _vocab("OSPF neighbour states", "Down", "Attempt", "Init", "2-Way", "ExStart", "Exchange", "Loading",
                     "Full")
LDP_STATES = _vocab("LDP session states", "Operational", "Initialized", "OpenSent", "OpenRec", "NonExistent")
LDP_LAM = _vocab("LDP label advertisement modes", "DU", "DoD")
LDP_ROLES = _vocab("LDP session roles", "Active", "Passive")
ROUTE_PROTOCOLS = _vocab(
    "routing protocols",
    "Direct", "Static", "RIP", "RIPng", "OSPF", "O_ASE", "O_NSSA", "OSPFv3", "O_ASE3", "O_NSSA3",
    "ISIS", "ISIS-L1", "ISIS-L2", "IS-IS", "IS-IS-L1", "IS-IS-L2", "ISIS-L1L2",
    "BGP", "IBGP", "EBGP", "Unr", "DHCP", "NHRP", "LDP", "ARP", "Aggr", "Vlink", "User", "SRv6", "VXLAN",
)
# Letters the "Route Flags:" legend defines when the output prints no legend (NE40E/CE/VRP5 all agree).
DEFAULT_ROUTE_FLAGS = frozenset("RDTB")

_LEGEND_FLAG = re.compile(r"(?:^|,)\s*([A-Za-z])\s+-\s")


def route_flags_of(legend: str) -> frozenset[str]:
    """The flag letters a ``Route Flags: R - relay, D - download to fib, ...`` legend defines."""
    return frozenset(_LEGEND_FLAG.findall(legend))
