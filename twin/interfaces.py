"""Interface names as VRP reads and prints them.

VRP accepts the type keyword in any case, abbreviated to any unique prefix,
with or without a space before the number (``gigabitethernet 0/1/0``,
``GigabitEthernet0/1/0``, ``int g 0/1/0``, ``loopback 1``) and also the short
alias ``GE``; it always prints the canonical spelling (``GigabitEthernet0/1/0``,
``LoopBack1``).
"""

from __future__ import annotations

import re

# Canonical type spelling -> (pattern of the number part, is it a physical port)
INTERFACE_TYPES: dict[str, tuple[str, bool]] = {
    "GigabitEthernet": (r"\d+/\d+/\d+(?:\.\d+)?", True),
    "Ethernet": (r"\d+/\d+/\d+(?:\.\d+)?", True),
    "100GE": (r"\d+/\d+/\d+(?:\.\d+)?", True),
    "10GE": (r"\d+/\d+/\d+(?:\.\d+)?", True),
    "LoopBack": (r"\d+", False),
    "Eth-Trunk": (r"\d+(?:\.\d+)?", False),
    "NULL": (r"0", False),
    "Vlanif": (r"\d+", False),
    "Tunnel": (r"\d+", False),
}

# Short forms VRP prints in some displays and accepts as input.
ALIASES = {"ge": "GigabitEthernet", "eth": "Eth-Trunk"}

_SPLIT = re.compile(r"^\s*([A-Za-z][A-Za-z\-]*|\d+GE)\s*(\S.*)?$")


def interface_types_matching(prefix: str) -> list[str]:
    """Canonical type names that *prefix* (case-insensitive) abbreviates."""
    low = prefix.lower()
    if low in ALIASES:
        return [ALIASES[low]]
    exact = [t for t in INTERFACE_TYPES if t.lower() == low]
    if exact:
        return exact
    return [t for t in INTERFACE_TYPES if t.lower().startswith(low)]


def split_interface_name(text: str) -> tuple[str, str]:
    """Split ``"gigabitethernet0/1/0"`` or ``"loopback 1"`` into (type text, number text)."""
    m = _SPLIT.match(text)
    if not m or not m.group(2):
        raise ValueError(f"not an interface name: {text!r}")
    return m.group(1), m.group(2).strip()


def canonical_interface_name(text: str) -> str:
    """Return the canonical VRP spelling of an interface name.

    >>> canonical_interface_name("gigabitethernet 0/1/0")
    'GigabitEthernet0/1/0'
    >>> canonical_interface_name("loopback 1")
    'LoopBack1'
    >>> canonical_interface_name("GE0/3/0")
    'GigabitEthernet0/3/0'
    """
    kind, number = split_interface_name(text)
    return canonical_from_parts(kind, number)


def canonical_from_parts(kind: str, number: str) -> str:
    """Canonical name from a type keyword (possibly abbreviated) and a number."""
    types = interface_types_matching(kind)
    if len(types) != 1:
        raise ValueError(f"unknown or ambiguous interface type: {kind!r}")
    canon = types[0]
    pattern, _physical = INTERFACE_TYPES[canon]
    if not re.fullmatch(pattern, number):
        raise ValueError(f"bad interface number for {canon}: {number!r}")
    return f"{canon}{number}"


def is_physical(name: str) -> bool:
    """True for port types that exist from the factory (and print ``undo shutdown``)."""
    for canon, (_pattern, physical) in INTERFACE_TYPES.items():
        if name.startswith(canon) and name[len(canon):][:1].isdigit():
            return physical and "." not in name
    return False


def interface_sort_key(name: str) -> tuple[int, str, tuple[int, ...]]:
    """Order in which VRP prints interface blocks: ports by slot/card/port, then
    logical interfaces (Eth-Trunk, LoopBack, NULL...) by type and number."""
    for rank, canon in enumerate(INTERFACE_TYPES):
        if name.startswith(canon) and name[len(canon):][:1].isdigit():
            nums = tuple(int(n) for n in re.findall(r"\d+", name[len(canon):]))
            return (0 if is_physical(name) else 1 + rank, canon, nums)
    return (99, name, ())
