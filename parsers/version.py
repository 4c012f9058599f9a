"""``display version``: the software and platform facts of the head; board sections as accepted lines.

The head lines are typed (and each may be printed once); everything after
them -- board sections whose layout differs by platform and release -- is
accepted without being typed.  The output must carry the ``VRP (R) software``
line and the ``... uptime is`` line, else it is not this display (or it was cut
before them).
"""

from __future__ import annotations

from vrpbook.parsers.base import Context, ParsedOutput, require
from vrpbook.parsers.grammar import Match


class VersionInfo(ParsedOutput):
    """``display version``.

    Shape::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "vrp_version": "8.211", "product_version": "NE40E V800R021C10SPC600",
         "model": "NE40E-X8A", "uptime": "405 days, 12 hours, 9 minutes",
         "patch_version": "V800R021SPH016"}

    ``model`` is the text between the vendor word and "uptime is", as printed
    (``AR6280 Router``, ``S5720-28P-PWR-LI-AC Routing Switch``).
    """

    vrp_version: str | None = None
    product_version: str | None = None
    model: str | None = None
    uptime: str | None = None
    patch_version: str | None = None


def build(matches: list[Match], ctx: Context) -> VersionInfo:
    """Type the head lines; the first line of each kind only may appear once."""
    require(ctx, matches, "vrp", "uptime")
    found: dict[str, str | None] = {}
    for m in matches:
        if m.kind == "vrp":
            if "vrp_version" in found:
                raise ctx.fail("second 'VRP (R) software' line", m)
            found["vrp_version"] = m.values["vrp_version"]
            found["product_version"] = m.values["product_version"].strip()
        elif m.kind == "uptime":
            if "model" in found:
                raise ctx.fail("second platform uptime line", m)
            found["model"] = m.values["model"]
            found["uptime"] = m.values["uptime"]
        elif m.kind == "patch":
            if "patch_version" in found:
                raise ctx.fail("second Patch Version line", m)
            found["patch_version"] = m.values["patch_version"] or None
    return VersionInfo(
        vrp_version=found.get("vrp_version"),
        product_version=found.get("product_version"),
        model=found.get("model"),
        uptime=found.get("uptime"),
        patch_version=found.get("patch_version"),
    )
