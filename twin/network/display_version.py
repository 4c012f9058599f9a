"""``display version`` of a twin router: the VRP8 NE40E layout, with the topology's model.

Layout: the real NE40E-X8A capture (samples2/version/01, VRP8.md 6): the
platform line, ``VRP (R) software, Version 8.200 (NE40E V800R012C10)``, the
copyright line, ``HUAWEI <model> uptime is ...``, a blank line, ``<model>
version information:`` and board sections separated by ``- - - ...`` lines,
each board with ``uptime is`` and ``StartupTime``. The head is what the
V800R012C10 documentation prints (``Version 8.200``, ``1 hour`` singular).

twin's choices (no evidence for a twin's boards): one MPU (slot 9, as the
sample's master; VRP8.md 4: one MPU), one LPU per slot number used by the
router's physical ports (the first number of ``GigabitEthernet0/1/0``), the
board part numbers of the sample's MPU/LPU, no Patch Version line (no patch
installed; samples 03/04 have none), every board up since the router booted.
"""

from __future__ import annotations

import re
import time

VRP_VERSION = "8.200"  # what V800R012C10 prints (VRP8.md 6)
COPYRIGHT = "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd."
RULE = " ".join("-" * 33)
MPU_SLOT = 9
_SLOT = re.compile(r"^[A-Za-z-]*(\d+)/")


def uptime_text(seconds: float) -> str:
    """``7 days, 1 hour, 18 minutes`` (VRP8: plural except for exactly one)."""
    s = max(0, int(seconds))
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    return ", ".join([unit(days, "day"), unit(hours, "hour"), unit(minutes, "minute")])


def _startup(wall: float) -> str:
    return time.strftime("%Y/%m/%d   %H:%M:%S", time.localtime(wall))


def lpu_slots(physical_interfaces: list[str]) -> list[int]:
    """Slot numbers of the router's physical ports, ascending."""
    return sorted({int(m.group(1)) for name in physical_interfaces if (m := _SLOT.match(name))})


def version(model: str, software_version: str, uptime_s: float, boot_wall: float,
            physical_interfaces: list[str]) -> list[str]:
    """The display's lines for a router of *model* up for *uptime_s* seconds since *boot_wall*."""
    family = model.split("-")[0]
    up = uptime_text(uptime_s)
    started = _startup(boot_wall)
    slots = lpu_slots(physical_interfaces)
    lines = [
        "Huawei Versatile Routing Platform Software",
        f"VRP (R) software, Version {VRP_VERSION} ({family} {software_version})",
        COPYRIGHT,
        f"HUAWEI {model} uptime is {up}",
        "",
        f"{model} version information:",
        RULE,
        "BKP  version information:",
        "  PCB         Version : CR57BKP08F REV A",
        "  MPU  Slot  Quantity : 1",
        "  SRU  Slot  Quantity : 0",
        "  SFU  Slot  Quantity : 0",
        f"  LPU  Slot  Quantity : {len(slots)}",
        RULE,
        "MPU version information:",
        "",
        f"MPU (Master) {MPU_SLOT} : uptime is {up}",
        f"  StartupTime {started}",
        "  SDRAM Memory Size   : 16384 M bytes",
        "  FLASH Memory Size   : 16 M bytes",
        "  NVRAM Memory Size   : 512 K bytes",
        "  CFCARD Memory Size  : 7681 M bytes",
        "  MPU CR5D0SRUA871 version information",
        "  PCB         Version : CR56RPUC REV D",
        "  EPLD        Version : 103",
        "  BootROM     Version : 06.15",
        "  BootLoad    Version : 06.15",
    ]
    if slots:
        lines += [RULE, "LPU/SPU version information:"]
    for slot in slots:
        lines += [
            "",
            f"LPU {slot} : uptime is {up}",
            f"  StartupTime {started}",
            "  SDRAM Memory Size   : 4096 M bytes",
            "  Flash Memory Size   : 128 M bytes",
            "  LPU CR5DLAXFAJ7F version information:",
            "  PCB Version         : CR57LPUF120A REV C",
            "  EPLD Version        : 102",
            "  FPGA Version        : 103",
            "  BootROM Version     : 06.15",
            "  BootLoad Version    : 06.15",
        ]
    return lines
