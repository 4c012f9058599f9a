"""``get_facts`` from ``display version``, ``display esn``, ``display interface brief`` and the sysname.

- ``model``: the platform as ``display version`` names it (``HUAWEI NE40E-X8A uptime is …``);
- ``os_version``: the VRP release in the software line (``V800R021C10SPC600`` from
  ``Version 8.211 (NE40E V800R021C10SPC600)``), else the VRP version (``8.211``);
- ``uptime``: the platform's uptime in seconds (VRP prints minutes: the seconds are 0);
- ``serial_number``: the ESN of the first board ``display esn`` lists (the master);
- ``hostname`` and ``fqdn``: the ``sysname`` (VRP has no domain name in its prompt);
- ``interface_list``: ``display interface brief``'s rows, in VRP's order.
"""

from __future__ import annotations

from napalm.base import models

from vrpbook.parsers.esn import Esn
from vrpbook.parsers.interface_brief import InterfaceBrief
from vrpbook.parsers.version import VersionInfo

from .values import uptime_seconds

VENDOR = "Huawei"


def os_version(version: VersionInfo) -> str:
    """The release token of the software line (``V800R012C10``), else the VRP version.

    >>> os_version(VersionInfo(vrp_version="8.211", product_version="NE40E V800R021C10SPC600"))
    'V800R021C10SPC600'
    """
    release = next((t for t in (version.product_version or "").split() if t.startswith("V") and "R" in t), None)
    return release or version.vrp_version or ""


def facts(version: VersionInfo, esn: Esn, brief: InterfaceBrief, sysname: str) -> models.FactsDict:
    """NAPALM's ``get_facts``; a display without the value NAPALM needs is an error, not a guess."""
    if version.uptime is None or not version.model:
        raise ValueError("display version printed no platform uptime line")
    if not esn.boards:
        raise ValueError("display esn printed no board")
    return {
        "os_version": os_version(version),
        "uptime": uptime_seconds(version.uptime),
        "interface_list": [row.interface for row in brief.interfaces],
        "vendor": VENDOR,
        "serial_number": esn.boards[0].esn,
        "model": version.model,
        "hostname": sysname,
        "fqdn": sysname,
    }
