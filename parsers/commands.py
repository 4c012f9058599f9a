"""Which display command a typed command line is, abbreviations included.

Operators type ``dis bfd se al`` or ``disp ip rou pro static``; VRP accepts
any prefix of a keyword that is unique among the keywords allowed at that
position.  The same rule is applied here over the supported commands only:
each typed token must be a unique prefix (case-insensitive) of a keyword at
its position, or fill an argument slot (``vpn-instance NAME``).  An exact
keyword always wins over a longer one it is a prefix of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vrpbook.parsers.errors import ParseError, ParseErrorKind


@dataclass(frozen=True)
class Arg:
    """An argument slot: ``name`` is the result key, ``pattern`` what it accepts."""

    name: str
    pattern: str = r"\S+"


@dataclass(frozen=True)
class CommandSpec:
    """One supported display command: its key, canonical words and template."""

    key: str
    words: tuple[str | Arg, ...]
    template: str
    #: VRP prints nothing at all as a valid answer (``display configuration-occupied user``
    #: when unlocked); for every other display an empty output fails closed.
    empty_ok: bool = False

    @property
    def canonical(self) -> str:
        """The full command with ``<NAME>`` for arguments."""
        return " ".join(w if isinstance(w, str) else f"<{w.name}>" for w in self.words)


@dataclass(frozen=True)
class ResolvedCommand:
    """A typed command matched to a spec, with its argument values."""

    spec: CommandSpec
    typed: str
    args: dict[str, str] = field(default_factory=dict)
    output_filter: str | None = None


_VPN = Arg("vpn_instance", r"[^\s|]+")
_PREFIX = Arg("prefix", r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?")

SPECS: tuple[CommandSpec, ...] = (
    CommandSpec("bfd_session_all", ("display", "bfd", "session", "all"), "display_bfd_session_all.ttp"),
    CommandSpec(
        "bfd_session_all_verbose",
        ("display", "bfd", "session", "all", "verbose"),
        "display_bfd_session_all_verbose.ttp",
    ),
    CommandSpec("bgp_peer", ("display", "bgp", "peer"), "display_bgp_peer.ttp"),
    CommandSpec(
        "bgp_vpnv4_all_peer", ("display", "bgp", "vpnv4", "all", "peer"), "display_bgp_vpnv4_all_peer.ttp"
    ),
    CommandSpec(
        "bgp_vpnv4_vpn_instance_peer",
        ("display", "bgp", "vpnv4", "vpn-instance", _VPN, "peer"),
        "display_bgp_vpnv4_vpn-instance_peer.ttp",
    ),
    CommandSpec("ip_routing_table", ("display", "ip", "routing-table"), "display_ip_routing-table.ttp"),
    CommandSpec(
        "ip_routing_table_vpn_instance",
        ("display", "ip", "routing-table", "vpn-instance", _VPN),
        "display_ip_routing-table_vpn-instance.ttp",
    ),
    CommandSpec(
        "ip_routing_table_vpn_instance",
        ("display", "ip", "routing-table", "vpn-instance", _VPN, _PREFIX),
        "display_ip_routing-table_vpn-instance.ttp",
    ),
    CommandSpec(
        "ip_routing_table_protocol_static",
        ("display", "ip", "routing-table", "protocol", "static"),
        "display_ip_routing-table_protocol_static.ttp",
    ),
    CommandSpec("mpls_ldp_session", ("display", "mpls", "ldp", "session"), "display_mpls_ldp_session.ttp"),
    CommandSpec("ospf_peer_brief", ("display", "ospf", "peer", "brief"), "display_ospf_peer_brief.ttp"),
    CommandSpec(
        "ip_vpn_instance_verbose", ("display", "ip", "vpn-instance", "verbose"), "display_ip_vpn-instance_verbose.ttp"
    ),
    CommandSpec(
        "configuration_commit_list",
        ("display", "configuration", "commit", "list"),
        "display_configuration_commit_list.ttp",
    ),
    CommandSpec(
        "configuration_commit_list_verbose",
        ("display", "configuration", "commit", "list", "verbose"),
        "display_configuration_commit_list_verbose.ttp",
    ),
    CommandSpec("interface_brief", ("display", "interface", "brief"), "display_interface_brief.ttp"),
    CommandSpec("ip_interface_brief", ("display", "ip", "interface", "brief"), "display_ip_interface_brief.ttp"),
    CommandSpec("version", ("display", "version"), "display_version.ttp"),
    CommandSpec("mpls_lsp", ("display", "mpls", "lsp"), "display_mpls_lsp.ttp"),
    CommandSpec(
        "bgp_vpnv4_all_routing_table",
        ("display", "bgp", "vpnv4", "all", "routing-table"),
        "display_bgp_vpnv4_all_routing-table.ttp",
    ),
    CommandSpec(
        "bgp_vpnv4_vpn_instance_routing_table",
        ("display", "bgp", "vpnv4", "vpn-instance", _VPN, "routing-table"),
        "display_bgp_vpnv4_vpn-instance_routing-table.ttp",
    ),
    CommandSpec("current_configuration", ("display", "current-configuration"), "display_current-configuration.ttp"),
    CommandSpec(
        "current_configuration",
        ("display", "current-configuration", "configuration", Arg("section", r"[^\s|]+")),
        "display_current-configuration.ttp",
    ),
    CommandSpec(
        "current_configuration",
        ("display", "current-configuration", "interface", Arg("interface", r"[^\s|]+")),
        "display_current-configuration.ttp",
    ),
    CommandSpec("saved_configuration", ("display", "saved-configuration"), "display_current-configuration.ttp"),
    # read by the NAPALM driver (napalm_huawei_vrp8): has_pending_commit, get_facts' serial
    CommandSpec(
        "configuration_trial_status",
        ("display", "configuration", "trial", "status"),
        "display_configuration_trial_status.ttp",
    ),
    CommandSpec(
        "configuration_occupied_user",
        ("display", "configuration-occupied", "user"),
        "display_configuration-occupied_user.ttp",
        empty_ok=True,
    ),
    CommandSpec("esn", ("display", "esn"), "display_esn.ttp"),
)


def supported_commands() -> list[str]:
    """Canonical forms of every command :func:`parse` accepts."""
    return [s.canonical for s in SPECS]


def resolve(command: str) -> ResolvedCommand:
    """Match a typed command line to one spec; raise :class:`ParseError` if none or several."""
    typed = " ".join(command.split())
    body, _, filt = typed.partition("|")
    tokens = body.split()
    if not tokens:
        raise ParseError("empty command", command=command, kind=ParseErrorKind.UNKNOWN_COMMAND)
    alive: list[tuple[CommandSpec, dict[str, str]]] = [(s, {}) for s in SPECS]
    for pos, token in enumerate(tokens):
        low = token.lower()
        keywords = {s.words[pos] for s, _ in alive if pos < len(s.words) and isinstance(s.words[pos], str)}
        exact = {k for k in keywords if k == low}
        prefixed = exact or {k for k in keywords if isinstance(k, str) and k.startswith(low)}
        if len(prefixed) > 1:
            raise ParseError(
                f"ambiguous keyword {token!r} (could be {', '.join(sorted(prefixed))})",
                command=command,
                kind=ParseErrorKind.AMBIGUOUS_COMMAND,
            )
        nxt: list[tuple[CommandSpec, dict[str, str]]] = []
        for spec, args in alive:
            if pos >= len(spec.words):
                continue
            word = spec.words[pos]
            if isinstance(word, str):
                if word in prefixed:
                    nxt.append((spec, args))
            elif not prefixed and re.fullmatch(word.pattern, token):
                nxt.append((spec, {**args, word.name: token}))
        if not nxt:
            raise ParseError(
                f"unsupported command (token {pos + 1} {token!r} not understood); supported: "
                + "; ".join(supported_commands()),
                command=command,
                kind=ParseErrorKind.UNKNOWN_COMMAND,
            )
        alive = nxt
    complete = [(s, a) for s, a in alive if len(s.words) == len(tokens)]
    if len(complete) != 1:
        raise ParseError(
            "incomplete or unsupported command; supported: " + "; ".join(supported_commands()),
            command=command,
            kind=ParseErrorKind.UNKNOWN_COMMAND,
        )
    spec, args = complete[0]
    return ResolvedCommand(spec=spec, typed=typed, args=args, output_filter=filt.strip() or None)
