"""Draw a :class:`~vrpbook.reporters.diagram.Diagram` as inline SVG (no script, no fetch).

Three layers, so that a cable, the BFD session riding it and the BGP session
between loopbacks stay distinguishable on the same pair of routers: cables are
thick straight lines, BFD sessions thin dashed lines offset to one side, BGP
sessions curves. Colour says state (green up / pass, red down / fail, orange
error, blue changing, grey unknown), and line style repeats it (down is
dashed heavier) for readers who do not see red and green apart. Every element
carries ``data-*`` attributes and a ``<title>`` tooltip with its evidence;
each router links to its table on the page.
"""

from __future__ import annotations

import hashlib
import math
import re
from html import escape

from vrpbook.results import Status

from .diagram import Diagram, Health, Link, RouterNode, Session
from .layout import Point, spring_layout

STATUS_COLOUR: dict[Status | None, str] = {
    Status.FAIL: "#d32f2f", Status.ERROR: "#ef6c00", Status.CHANGING: "#1976d2", Status.PASS: "#2e7d32",
    None: "#9e9e9e",
}
HEALTH_COLOUR: dict[Health, str] = {"up": "#43a047", "down": "#e53935", "unknown": "#9e9e9e"}
NODE_R = 26.0
_SHORT = (("GigabitEthernet", "GE"), ("XGigabitEthernet", "XGE"), ("LoopBack", "Lo"), ("Ethernet", "Eth"))


def anchor(router: str) -> str:
    """An HTML id for *router*'s table: readable, and unique even when names differ only
    in characters an id cannot hold."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", router)
    return f"router-{safe}-{hashlib.sha1(router.encode()).hexdigest()[:6]}"


def short_ifname(name: str) -> str:
    for long, short in _SHORT:
        if name.startswith(long):
            return short + name[len(long):]
    return name


def canvas_size(n: int) -> tuple[float, float]:
    """Width and height of the drawing for *n* nodes (grows with the square root)."""
    side = max(1.0, math.sqrt(max(n, 1)))
    return max(960.0, 260.0 * side), max(560.0, 170.0 * side)


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _offset(p: Point, q: Point, d: float) -> tuple[Point, Point]:
    """The segment p→q moved *d* to its left (perpendicular), for parallel lines."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = math.hypot(dx, dy) or 1.0
    ox, oy = -dy / length * d, dx / length * d
    return (p[0] + ox, p[1] + oy), (q[0] + ox, q[1] + oy)


def _link(link: Link, pos: dict[str, Point]) -> str:
    p, q = pos[link.a.router], pos[link.b.router]
    colour = HEALTH_COLOUR[link.health]
    dash = ' stroke-dasharray="14 6"' if link.health == "down" else ""
    title = (f"link {link.a.router} {link.a.interface or ''} {link.a.address or ''} — "
             f"{link.b.router} {link.b.interface or ''} {link.b.address or ''}\n"
             f"subnet {link.subnet or '?'} · {link.health}: {link.reason}")
    labels = []
    room = math.hypot(q[0] - p[0], q[1] - p[1]) >= 2 * (NODE_R + 30.0) + 70.0
    for end, here, there in ((link.a, p, q), (link.b, q, p)):
        if end.interface and room:
            t = min(0.4, (NODE_R + 30.0) / (math.hypot(there[0] - here[0], there[1] - here[1]) or 1.0))
            x, y = here[0] + (there[0] - here[0]) * t, here[1] + (there[1] - here[1]) * t
            labels.append(f'<text class="ifname" x="{x:.1f}" y="{y:.1f}">{escape(short_ifname(end.interface))}</text>')
    return (
        f'<g class="link" data-a="{_attr(link.a.router)}" data-b="{_attr(link.b.router)}" '
        f'data-health="{link.health}"><title>{escape(title)}</title>'
        f'<line x1="{p[0]}" y1="{p[1]}" x2="{q[0]}" y2="{q[1]}" stroke="{colour}" stroke-width="7" '
        f'stroke-opacity="0.55"{dash}/>{"".join(labels)}</g>'
    )


def _session(s: Session, pos: dict[str, Point], nth: int) -> str:
    p, q = pos[s.a], pos[s.b]
    colour = HEALTH_COLOUR[s.health]
    width = 3.0 if s.health == "down" else 2.0
    lines = [f"{s.kind.upper()} {s.label}: {s.health}"]
    for e in s.ends:
        state = e.state or ("absent" if e.expected else "not observed")
        exp = f" (expected {e.expected})" if e.expected and e.health == "down" else ""
        seen = f" [{', '.join(e.seen_by)}]" if e.seen_by else ""
        lines.append(f"{e.router}: {e.name} → {e.peer}: {state}{exp}{seen}")
    head = (f'<g class="session {s.kind}" data-kind="{s.kind}" data-a="{_attr(s.a)}" data-b="{_attr(s.b)}" '
            f'data-health="{s.health}" data-label="{_attr(s.label)}"><title>{escape(chr(10).join(lines))}</title>')
    if s.kind == "bfd":
        (x1, y1), (x2, y2) = _offset(p, q, 9.0 + 5.0 * nth)
        dash = "4 3" if s.health != "down" else "8 4"
        body = (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                f'stroke-width="{width}" stroke-dasharray="{dash}"/>')
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    else:
        (c1x, c1y), _ = _offset(((p[0] + q[0]) / 2, (p[1] + q[1]) / 2), q, -(34.0 + 14.0 * nth))
        dash = ' stroke-dasharray="10 5"' if s.health == "down" else ""
        body = (f'<path d="M {p[0]} {p[1]} Q {c1x:.1f} {c1y:.1f} {q[0]} {q[1]}" fill="none" stroke="{colour}" '
                f'stroke-width="{width}"{dash}/>')
        mx, my = (p[0] + 2 * c1x + q[0]) / 4, (p[1] + 2 * c1y + q[1]) / 4
    label = ""
    if s.health == "down":
        label = f'<text class="session-label down" x="{mx:.1f}" y="{my:.1f}">{escape(s.label)}</text>'
    return head + body + label + "</g>"


def _router(r: RouterNode, pos: dict[str, Point]) -> str:
    x, y = pos[r.name]
    colour = STATUS_COLOUR[r.status]
    status = r.status.value if r.status else "unchecked"
    if r.external:
        shape = (f'<circle cx="{x}" cy="{y}" r="{NODE_R * 0.6:.1f}" fill="#fafafa" stroke="#757575" '
                 f'stroke-dasharray="4 3" stroke-width="1.5"/>')
        text = f'<text class="external-name" x="{x}" y="{y + NODE_R + 4}">{escape(r.name)}</text>'
        return (f'<g class="router external" data-router="{_attr(r.name)}" data-status="{status}">'
                f"<title>{escape(r.name)}: {escape(r.detail)}</title>{shape}{text}</g>")
    ring = f' stroke="{colour}" stroke-width="4"' if r.status in (Status.FAIL, Status.ERROR) else ' stroke="#fff" stroke-width="2"'
    role = r.role.upper() if r.role else ""
    if len(r.name) <= 4:  # short names fit inside the circle, the role under them
        inner = f'<text class="name" x="{x}" y="{y - 5 if role else y}">{escape(r.name)}</text>'
        inner += f'<text class="role" x="{x}" y="{y + 10}">{escape(role)}</text>' if role else ""
    else:  # longer names go under the circle, the role inside
        inner = f'<text class="role" x="{x}" y="{y}">{escape(role)}</text>' if role else ""
        inner += f'<text class="name outside" x="{x}" y="{y + NODE_R + 13}">{escape(r.name)}</text>'
    return (
        f'<a href="#{anchor(r.name)}"><g class="router" data-router="{_attr(r.name)}" data-status="{status}">'
        f"<title>{escape(r.name)} ({status}): {escape(r.detail)}</title>"
        f'<circle cx="{x}" cy="{y}" r="{NODE_R + 5}" fill="none"{ring} opacity="0.35"/>'
        f'<circle cx="{x}" cy="{y}" r="{NODE_R}" fill="{colour}" stroke="#fff" stroke-width="2"/>'
        f"{inner}</g></a>"
    )


def render_svg(diagram: Diagram) -> str:
    """The ``<svg>`` element for *diagram*, laid out deterministically."""
    names = [r.name for r in diagram.routers]
    edges = [(lk.a.router, lk.b.router) for lk in diagram.links]
    # sessions shape the layout only where no cable does (a BGP full mesh would pull
    # every PE together and hide the physical picture)
    linked = {e for lk in diagram.links for e in (lk.a.router, lk.b.router)}
    edges += [(s.a, s.b) for s in diagram.sessions if s.a not in linked or s.b not in linked]
    width, height = canvas_size(len(names))
    pos = spring_layout(names, edges, width=width, height=height)
    nth: dict[tuple[str, str, str], int] = {}
    session_svg = []
    for s in sorted(diagram.sessions, key=lambda s: (s.kind, s.a, s.b, s.label)):
        k = (s.kind, s.a, s.b)
        session_svg.append(_session(s, pos, nth.get(k, 0)))
        nth[k] = nth.get(k, 0) + 1
    # crop the canvas to the drawing (plus room for labels) so a flat network is not
    # drawn in a sea of white
    ys = [p[1] for p in pos.values()] or [height / 2]
    top = max(0.0, min(ys) - 70.0)
    bottom = min(height, max(ys) + 70.0)
    return (
        f'<svg class="diagram" viewBox="0 {top:.0f} {width:.0f} {bottom - top:.0f}" '
        f'role="img" aria-label="network diagram: {len(names)} routers, {len(diagram.links)} links, '
        f'{len(diagram.sessions)} sessions">'
        f'<g class="links">{"".join(_link(lk, pos) for lk in diagram.links)}</g>'
        f'<g class="sessions">{"".join(session_svg)}</g>'
        f'<g class="routers">{"".join(_router(r, pos) for r in diagram.routers)}</g>'
        "</svg>"
    )
