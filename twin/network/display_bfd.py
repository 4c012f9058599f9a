"""``display bfd session all [verbose]`` (NE40E layouts).

Brief layout: ``samples/bfd_session_all/05``. Verbose layout: the reference's
step 7/9 blocks, corrected to protocol truth as listed in ``bfd.py``.
twin's choice: 80-dash rules everywhere (the reference mixes 78 and 80), the
CE1-only ``PDT Index`` line is not printed, ``Bind Source IP Address`` and
``Vpn Instance Name`` appear whenever configured, ``Session Not Up Reason :
In negotiation`` is the only not-up reason the evidence shows, and a session
that went Down after being Up reports ``Control Detection Time Expired``.
"""

from __future__ import annotations

from .bfd import session_type
from .compute import BfdState

RULE = "-" * 80
LEGEND = ["(w): State in WTR ", "(*): State is invalid"]


def _total(states: list[BfdState]) -> str:
    up = sum(1 for s in states if s.up)
    return f"     Total UP/DOWN Session Number : {up}/{len(states) - up}"


def brief(states: list[BfdState]) -> str:
    lines = [*LEGEND, RULE, "Local  Remote PeerIpAddr      State     Type      InterfaceName", RULE]
    for s in states:
        v = s.view
        state = "Up" if s.up else "Down"
        lines.append(
            f"{v.local_disc:<6}{s.remote_disc:<7}{v.cfg.peer_ip!s:<16}{state:<10}"
            f"{session_type(v.cfg):<12}{v.cfg.interface or '-'}"
        )
    lines += [RULE, _total(states)]
    return "\n".join(lines) + "\n"


def _pair(left: str, lval: object, right: str, rval: object) -> str:
    return f"  {left:<23}: {lval!s:<17}{right:<23}: {rval}"


def _one(label: str, val: object) -> str:
    return f"  {label:<23}: {val}"


def verbose(states: list[BfdState]) -> str:
    lines = list(LEGEND)
    for s in states:
        v, c = s.view, s.view.cfg
        state = "Up" if s.up else "Down"
        hop = "(One Hop)" if c.interface else "(Multi Hop)"
        tx, rx, det = s.timers if s.timers else ("-", "-", "-")
        lines += [RULE, f"  {hop} State : {state:<24}Name : {c.name}", RULE]
        lines.append(_pair("Local Discriminator", v.local_disc, "Remote Discriminator", s.remote_disc))
        lines.append(_one("Session Detect Mode", "Asynchronous Mode Without Echo Function"))
        lines.append(_one("BFD Bind Type", f"Interface({c.interface})" if c.interface else "Peer IP Address"))
        lines.append(_one("Bind Session Type", "Static_Auto" if c.auto else "Static"))
        lines.append(_one("Bind Peer IP Address", c.peer_ip))
        lines.append(_one("Bind Interface", c.interface or "-"))
        if c.vpn_instance:
            lines.append(_one("Vpn Instance Name", c.vpn_instance))
        if c.source_ip:
            lines.append(_one("Bind Source IP Address", c.source_ip))
        lines += [
            _pair("FSM Board Id", 3, "TOS-EXP", 7),
            _pair("Min Tx Interval (ms)", c.min_tx_interval, "Min Rx Interval (ms)", c.min_rx_interval),
            f"  Actual Tx Interval (ms): {tx!s:<17}Actual Rx Interval (ms): {rx}",
            _pair("Local Detect Multi", c.detect_multiplier, "Detect Interval (ms)", det),
            _pair("Echo Passive", "Disable", "Acl Number", "-"),
            _pair("Destination Port", 3784 if c.interface else 4784, "TTL", 255 if c.interface else 254),
            _pair("Proc Interface Status", "Disable", "Process PST", "Disable"),
            _pair("WTR Interval (ms)", "-", "Config PST", "Enable"),
            _one("Active Multi", c.detect_multiplier),
            _one("Last Local Diagnostic",
                 "Control Detection Time Expired" if (s.ever_up and not s.up) else "No Diagnostic"),
            _one("Bind Application", "AUTO" if c.auto else "No Application Bind"),
            _pair("Session TX TmrID", "-", "Session Detect TmrID", "-"),
            _pair("Session Init TmrID", "-", "Session WTR TmrID", "-"),
            _one("Session Echo Tx TmrID", "-"),
        ]
        if not s.up:
            lines.append(_one("Session Not Up Reason", "In negotiation"))
        lines += [_one("Session Description", c.description or "-"), _one("Track Group Name", "-"), RULE]
    lines += ["", _total(states)]
    return "\n".join(lines) + "\n"
