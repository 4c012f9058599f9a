"""VRP8 facts that the product and the twin share: the one place both import.

Both sides must agree on these or the twin stops being a faithful target:
interface names as VRP reads and prints them, the prompts and questions that
end every answer, the markers by which a command's success or failure is read,
and the catalogue of display commands the product reads. Nothing else couples
the product to the twin (the product imports the twin only in
:mod:`vrpbook.lab`).

Interface names: VRP accepts the type keyword in any case, abbreviated to any
unique prefix, with or without a space before the number
(``gigabitethernet 0/1/0``, ``GigabitEthernet0/1/0``, ``int g 0/1/0``,
``loopback 1``) and also the short alias ``GE``; it always prints the
canonical spelling (``GigabitEthernet0/1/0``, ``LoopBack1``).
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


# --- prompts and questions (VRP8.md §2) ----------------------------------------------

#: End of one answer, for netmiko's ``read_until_pattern`` (which ``re.split``s on it,
#: so only non-capturing groups): ``<NAME>`` (user view), ``[~NAME…]`` / ``[*NAME…]``
#: (system views, clean or with uncommitted changes), and the ``[Y/N]:`` /
#: ``[Y(yes)/N(no)/C(cancel)]:`` questions. A prompt or question is the last thing on
#: its line and the last thing in the buffer (VRP8 prints no trailing space after it).
#: The hostname part is generic because ``sysname`` changes it mid-session.
END_PATTERN = (
    r"(?:\A|[\r\n])(?:<[^<>\s]+>|\[[~*][^\[\]\s]+\]"
    r"|[^\r\n]*\[Y/N\]:|[^\r\n]*\[Y\(yes\)/N\(no\)/C\(cancel\)\]:)$"
)
#: One prompt line: user view (``user``) or system view (``mark`` ``~`` clean / ``*`` dirty).
PROMPT = re.compile(r"^(?:<(?P<user>[^<>\s]+)>|\[(?P<mark>[~*])(?P<sys>[^\[\]\s]+)\])$")
#: A question line waiting for an answer.
QUESTION = re.compile(r"\[Y/N\]:$|\[Y\(yes\)/N\(no\)/C\(cancel\)\]:$")

# --- success and error markers ------------------------------------------------------

#: A line by which VRP refuses a command (``Error: …``, ``Error[1234]: …``).
ERROR_LINE = re.compile(r"^\s*Error(?:\[\d+\])?\s*:")
#: ``rollback configuration …`` and ``abort trial`` report success with this word
#: (``Configuration rollback succeeded.``, ``The trial configuration rollback succeeded.``).
ROLLBACK_SUCCEEDED = "succeeded"
#: ``save`` reports ``Info: Save the configuration successfully.``
SAVE_SUCCEEDED = "successfully"
#: ``display current-configuration`` ends with this line; a snapshot without it is truncated.
CONFIG_END = "return"
#: The header line of ``display configuration candidate changes``.
DIFF_HEADER = re.compile(r"Building configuration(?:\.\.\.)?\s*")

# --- the display commands the product reads -----------------------------------------

CURRENT_CONFIGURATION = "display current-configuration"
CANDIDATE_CHANGES = "display configuration candidate changes"
COMMIT_LIST_VERBOSE = "display configuration commit list verbose"
ROUTING_TABLE = "display ip routing-table"
LDP_SESSIONS = "display mpls ldp session"
VPN_INSTANCES_VERBOSE = "display ip vpn-instance verbose"
VPNV4_PEERS = "display bgp vpnv4 all peer"
BGP_PEERS = "display bgp peer"
BFD_SESSIONS_VERBOSE = "display bfd session all verbose"
SAVED_CONFIGURATION = "display saved-configuration"
INTERFACE_BRIEF = "display interface brief"
TRIAL_STATUS = "display configuration trial status"
LOCK_HOLDERS = "display configuration-occupied user"


def vpn_routing_table(vpn_instance: str) -> str:
    """``display ip routing-table vpn-instance NAME``."""
    return f"display ip routing-table vpn-instance {vpn_instance}"


def vpn_instance_peers(vpn_instance: str) -> str:
    """``display bgp vpnv4 vpn-instance NAME peer``."""
    return f"display bgp vpnv4 vpn-instance {vpn_instance} peer"
