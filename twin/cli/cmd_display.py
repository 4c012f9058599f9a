"""``display`` commands computed by the device side, network displays dispatched
to the network side (:class:`~vrpbook.twin.network.api.NetworkView`), ping, tracert."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from ipaddress import IPv4Address

from ..config.diff import changed_blocks, diff_lines
from ..config.render import frame, render_blocks
from ..network import display_bgp_routes, display_interfaces, display_mpls_lsp, display_version
from ..state import SOFTWARE_VERSION, timestamp
from . import views as v
from .grammar import Args, CliSyntaxError, tokenize
from .registry import command
from .session import CliSession, ConfigError

DISPLAY_VIEWS = (v.USER, "any")


def _lines(s: CliSession, lines: list[str]) -> None:
    if lines:
        s.print(*lines)


# ---------------------------------------------------------------- configuration


@command("display current-configuration", *DISPLAY_VIEWS, pipe=True)
def current_configuration(s: CliSession, a: Args) -> None:
    # Filtered output has no "!" header (VRP8.md 5).
    s.print(*s.router.config_text(header=not s.filtering))


# A block is selected by the words its first line starts with: the whole line
# (exact), or whole words followed by more ("interface LoopBack1" must not pick
# "interface LoopBack10", "ospf 1" not "ospf 10").
Selector = tuple[str, bool]  # (words, exact)


def _selected(blocks: list[list[str]], selector: Selector) -> list[list[str]]:
    words, exact = selector
    return [b for b in blocks if b[0] == words or (not exact and b[0].startswith(words + " "))]


# Block selectors for "display current-configuration configuration <type>".
_SECTIONS: dict[str, Selector] = {
    "bgp": ("bgp", False),
    "ospf": ("ospf", False),
    "vpn-instance": ("ip vpn-instance", False),
    "bfd": ("bfd", False),
    "mpls": ("mpls", False),
    "interface": ("interface", False),
    "static": ("ip route-static", False),
}


def _section(blocks: list[list[str]], selector: Selector) -> list[str]:
    """``#``, each selected block, ``#``, ``return`` (twin's choice, like the interface form)."""
    selected = _selected(blocks, selector)
    return frame(selected) if selected else []


@command("display current-configuration configuration <kind:WORD>", *DISPLAY_VIEWS, pipe=True)
def current_configuration_section(s: CliSession, a: Args) -> None:
    kind = str(a["kind"]).lower()
    hits = [k for k in _SECTIONS if k.startswith(kind)]
    if len(hits) != 1:
        raise CliSyntaxError("Wrong parameter", a.offsets["kind"])
    _lines(s, _section(render_blocks(s.router.running), _SECTIONS[hits[0]]))


@command("display current-configuration interface <ifname:IFNAME>", *DISPLAY_VIEWS, pipe=True)
def current_configuration_interface(s: CliSession, a: Args) -> None:
    name = str(a["ifname"])
    if name not in s.router.running.interfaces:
        raise CliSyntaxError("Wrong parameter", a.offsets["ifname"])
    _lines(s, _section(render_blocks(s.router.running), (f"interface {name}", True)))


def _this_selector(view: v.View) -> Selector | None:
    # twin's choice: protocol sub-views (area, address families) show their
    # protocol's block; system view shows the whole configuration.
    while view.parent is not None and view.parent.kind not in (v.SYSTEM, v.USER):
        view = view.parent
    if view.kind == v.INTERFACE:
        return (f"interface {view.name}", True)
    if view.kind == v.OSPF:
        return (f"ospf {view.number}", False)  # "ospf 1 router-id ..."
    if view.kind == v.BGP:
        return ("bgp", False)
    if view.kind == v.VPN:
        return (f"ip vpn-instance {view.name}", True)
    if view.kind == v.BFD_SESSION:
        return (f"bfd {view.name}", False)  # "bfd NAME bind peer-ip ..."
    if view.kind == v.BFD:
        return ("bfd", True)
    if view.kind == v.MPLS:
        return ("mpls", True)
    if view.kind == v.MPLS_LDP:
        return ("mpls ldp", True)
    return None


@command("display this", *DISPLAY_VIEWS, pipe=True)
def display_this(s: CliSession, a: Args) -> None:
    selector = _this_selector(s.view)
    if selector is None:
        s.print(*s.router.config_text(header=False))
        return
    s.print(*frame(_selected(render_blocks(s.router.running), selector)))


@command("display saved-configuration", *DISPLAY_VIEWS, pipe=True)
def saved_configuration(s: CliSession, a: Args) -> None:
    text = s.router.saved_text
    if text:
        s.print(*text.rstrip("\n").split("\n"))


@command("display configuration candidate", *DISPLAY_VIEWS, pipe=True)
def candidate(s: CliSession, a: Args) -> None:
    _lines(s, changed_blocks(s.router.running, s.candidate))


@command("display configuration candidate changes", *DISPLAY_VIEWS, pipe=True)
def candidate_changes(s: CliSession, a: Args) -> None:
    # twin's choice: with no change, only the header line (VRP8.md 8)
    s.print("Building configuration", *diff_lines(s.router.running, s.candidate))


@command("display configuration commit list [verbose]", *DISPLAY_VIEWS, pipe=True)
def commit_list(s: CliSession, a: Args) -> None:
    hist = s.router.history
    if a.has("verbose"):
        out: list[str] = []
        for i, p in enumerate(hist, 1):
            if out:
                out.append("")
            out += [
                f"{i}) CommitId: {p.commit_id}",
                f"        Label: {p.label or '-'}",
                f"        User: {p.user}",
                f"        User-Intf: {p.user_intf}",
                f"        Type: {p.type}",
                f"        TimeStamp: {timestamp(p.time)}",
                f"        Description: {p.description}",
            ]
        _lines(s, out)
        return
    # twin's choice: the ce8850 table layout (no NE40E sample, VRP8.md 3.5)
    rule = "-" * 131
    out = [rule, f"{'No.':<5}{'CommitId':<13}{'Label':<65}{'User':<16}TimeStamp", rule]
    for i, p in enumerate(hist, 1):
        out.append(f"{i:<5}{p.commit_id:<13}{(p.label or '-'):<65}{p.user:<16}{timestamp(p.time)}")
    s.print(*out)


@command(
    "display configuration commit changes [{ at <at:INT(1000000001-2999999999)>"
    " | since <since:INT(1000000001-2999999999)> | last <n:INT(1-80)> }]",
    *DISPLAY_VIEWS,
    pipe=True,
)
def commit_changes(s: CliSession, a: Args) -> None:
    hist = s.router.history
    out = ["Building configuration"]
    if a.has("at") or a.has("since"):
        key = "at" if a.has("at") else "since"
        point = s.router.point(a.num(key))
        if point is None:
            raise CliSyntaxError("Wrong parameter", a.offsets[key])
        after = point.after if key == "at" else s.router.running
        out += diff_lines(point.before, after)
    elif a.has("last"):
        n = a.num("n")
        if n > len(hist):
            raise CliSyntaxError("Wrong parameter", a.offsets["n"])
        out += diff_lines(hist[n - 1].before, hist[0].after)
    else:
        for p in hist:
            out.append(f"Commit changes of commitId {p.commit_id} {timestamp(p.time)}")
            out += diff_lines(p.before, p.after)
    s.print(*out)


@command("display configuration trial status", *DISPLAY_VIEWS)
def trial_status(s: CliSession, a: Args) -> None:
    if s.router.trial is None:
        s.print("Trial status: INACTIVE ", "Trial time left (sec): 0")
    else:
        s.print("Trial status:  ACTIVE", f"Trial time left (sec): {s.router.trial_time_left()}")


@command("display configuration-occupied user", *DISPLAY_VIEWS)
def occupied(s: CliSession, a: Args) -> None:
    holder = s.router.sessions.get(s.router.lock_holder) if s.router.lock_holder else None
    if holder is None:
        return  # nothing when unlocked (doc example 1 is empty)
    locked = holder.lock_time
    s.print(
        f"User Index: {holder.sid}",
        f"User Session Name: {holder.user_intf}",
        f"User Name: {holder.user}",
        f"IP Address: {holder.peer}",
        f"Locked Time: {timestamp(locked)}",
        f"Last Configuration Time: {timestamp(locked)}",
        # twin's choice: the lock has no idle timeout in the twin; VRP's default printed
        "The time out value of configuration right locked is: 30 second(s)",
    )


# ---------------------------------------------------------------- device facts


@command("display version", *DISPLAY_VIEWS, pipe=True)
def version(s: CliSession, a: Args) -> None:
    r = s.router
    s.print(*display_version.version(r.model, SOFTWARE_VERSION, r.clock() - r.boot_time, r.boot_time,
                                     r.physical_interfaces))


@command("display esn", *DISPLAY_VIEWS)
def esn(s: CliSession, a: Args) -> None:
    # twin's choice: a stable ESN derived from the router's topology name
    digest = hashlib.sha256(s.router.name.encode()).hexdigest().upper()
    s.print(f" ESN of master: 2102{digest[:16]}")


# ---------------------------------------------------------------- network side


def _network(s: CliSession, method: str, *args: object, **kwargs: object) -> None:
    fn = getattr(s.network, method, None)
    if fn is None:
        # twin's choice: the network side does not implement this display yet
        raise ConfigError("Error: The command is not supported by the simulated network.")
    try:
        text = fn(s.router.name, *args, **kwargs)
    except NotImplementedError:
        raise ConfigError("Error: The command is not supported by the simulated network.") from None
    text = str(text).replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if text:
        s.print(*text.split("\n"))


@command("display ip routing-table [vpn-instance <vpn:WORD>] [protocol static]", *DISPLAY_VIEWS, pipe=True)
def routing_table(s: CliSession, a: Args) -> None:
    _network(s, "display_ip_routing_table", a.get("vpn"), "static" if a.has("protocol") else None)


@command("display ip vpn-instance verbose", *DISPLAY_VIEWS, pipe=True)
def vpn_verbose(s: CliSession, a: Args) -> None:
    _network(s, "display_ip_vpn_instance_verbose")


@command("display interface brief", *DISPLAY_VIEWS, pipe=True)
def interface_brief(s: CliSession, a: Args) -> None:
    _network(s, "display_interface_brief")


@command("display ospf peer brief", *DISPLAY_VIEWS, pipe=True)
def ospf_peer_brief(s: CliSession, a: Args) -> None:
    _network(s, "display_ospf_peer_brief")


@command("display mpls ldp session", *DISPLAY_VIEWS, pipe=True)
def ldp_session(s: CliSession, a: Args) -> None:
    _network(s, "display_mpls_ldp_session")


@command("display bgp peer", *DISPLAY_VIEWS, pipe=True)
def bgp_peer(s: CliSession, a: Args) -> None:
    _network(s, "display_bgp_peer", "ipv4")


@command("display bgp vpnv4 all peer", *DISPLAY_VIEWS, pipe=True)
def bgp_vpnv4_peer(s: CliSession, a: Args) -> None:
    _network(s, "display_bgp_peer", "vpnv4_all")


@command("display bgp vpnv4 vpn-instance <vpn:WORD> peer", *DISPLAY_VIEWS, pipe=True)
def bgp_vrf_peer(s: CliSession, a: Args) -> None:
    _network(s, "display_bgp_peer", "vpn_instance", str(a["vpn"]))


@command("display bgp vpnv4 all routing-table", *DISPLAY_VIEWS, pipe=True)
def bgp_vpnv4_routes(s: CliSession, a: Args) -> None:
    _network(s, "display_bgp_vpnv4_routing_table")


def _from_state(s: CliSession, render: Callable[..., str], *args: object) -> None:
    """A display printed from the network's computed state (read-only) by a twin/network module."""
    state = getattr(s.network, "state", None)
    if state is None:
        raise ConfigError("Error: The command is not supported by the simulated network.")
    text = render(state(), s.router.name, *args)
    s.print(*text.rstrip("\n").split("\n"))


@command("display ip interface brief", *DISPLAY_VIEWS, pipe=True)
def ip_interface_brief(s: CliSession, a: Args) -> None:
    _from_state(s, display_interfaces.ip_interface_brief)


@command("display mpls lsp", *DISPLAY_VIEWS, pipe=True)
def mpls_lsp(s: CliSession, a: Args) -> None:
    _from_state(s, display_mpls_lsp.mpls_lsp)


@command("display bgp vpnv4 vpn-instance <vpn:WORD> routing-table", *DISPLAY_VIEWS, pipe=True)
def bgp_vrf_routes(s: CliSession, a: Args) -> None:
    _from_state(s, display_bgp_routes.vpn_instance_routing_table, str(a["vpn"]))


@command("display bfd session all [verbose]", *DISPLAY_VIEWS, pipe=True)
def bfd_session(s: CliSession, a: Args) -> None:
    _network(s, "display_bfd_session", a.has("verbose"))


_PING_OPTS = {"-vpn-instance": "vpn", "-c": "count", "-s": "size", "-a": "source", "-t": "timeout"}


def _options(line: str, allowed: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """Options in any order then the destination (napalm and the reference order them differently)."""
    toks = tokenize(line)[1:]
    opts: dict[str, str] = {}
    i = 0
    while i < len(toks) and toks[i].text.startswith("-"):
        flag = toks[i].text.lower()
        if flag not in allowed:
            raise CliSyntaxError("Unrecognized command", toks[i].offset)
        if i + 1 >= len(toks):
            raise CliSyntaxError("Incomplete command", len(line.rstrip()) + 1)
        value = toks[i + 1]
        key = _PING_OPTS[flag]
        if key in ("count", "size", "timeout") and not value.text.isdigit():
            raise CliSyntaxError("Wrong parameter", value.offset)
        if key == "source":
            try:
                IPv4Address(value.text)
            except ValueError:
                raise CliSyntaxError("Wrong parameter", value.offset) from None
        opts[key] = value.text
        i += 2
    if i >= len(toks):
        raise CliSyntaxError("Incomplete command", len(line.rstrip()) + 1)
    dest = toks[i]
    try:
        IPv4Address(dest.text)
    except ValueError:
        raise CliSyntaxError("Wrong parameter", dest.offset) from None
    if i + 1 < len(toks):
        raise CliSyntaxError("Too many parameters", toks[i + 1].offset)
    return opts, dest.text


def _rebuilt_options(word: str, a: Args, allowed: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """Parse the options of the typed line; error offsets mapped back to it."""
    shift = a.offsets["rest"] - (len(word) + 1)
    try:
        return _options(f"{word} {a['rest']}", allowed)
    except CliSyntaxError as exc:
        raise CliSyntaxError(exc.kind, exc.offset + shift) from None


@command("ping <rest:TEXT>", *DISPLAY_VIEWS)
def ping(s: CliSession, a: Args) -> None:
    opts, dest = _rebuilt_options("ping", a, ("-vpn-instance", "-c", "-s", "-a", "-t"))
    _network(
        s, "ping", dest, vpn_instance=opts.get("vpn"), count=int(opts.get("count", 5)),
        size=int(opts.get("size", 56)), source=opts.get("source"),
    )


@command("tracert <rest:TEXT>", *DISPLAY_VIEWS)
def tracert(s: CliSession, a: Args) -> None:
    opts, dest = _rebuilt_options("tracert", a, ("-vpn-instance",))
    _network(s, "tracert", dest, vpn_instance=opts.get("vpn"))
