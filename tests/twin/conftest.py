"""Helpers for the twin's own tests: a VTY client on top of netmiko's channel.

Why not only ``send_command``: these tests check prompts, questions and error
carets byte for byte, so they write a line and read until the next prompt or
question themselves (still over real SSH, through netmiko's connection).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import netmiko
import pytest

from vrpbook.twin.lab import RunningLab

# End of the router's answer: a prompt or an open question, nothing after it.
END = re.compile(r"(<[^<>\s]+>|\[[~*][^\[\]\s]+\]|\[Y/N\]:|\[Y\(yes\)/N\(no\)/C\(cancel\)\]:|\[Y/N/C\]:)\Z")


class Vty:
    """One SSH session to a twin router."""

    def __init__(self, conn: netmiko.BaseConnection) -> None:
        self.conn = conn
        self.prompt = conn.find_prompt()

    def send(self, line: str, timeout: float = 10.0) -> list[str]:
        """Type *line* + Enter; return the output lines between echo and prompt."""
        self.conn.write_channel(line + "\n")
        raw = self._read(timeout)
        text = raw.replace("\r\n", "\n")
        head, _, rest = text.partition("\n")
        if head != line:
            raise AssertionError(f"echo {head!r} != typed {line!r}")
        lines = rest.split("\n")
        self.prompt = lines.pop()
        return lines

    def _read(self, timeout: float) -> str:
        buf = ""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            buf += self.conn.read_channel()
            if END.search(buf):
                return buf
            time.sleep(0.002)
        raise TimeoutError(f"no prompt after {buf!r}")

    def run(self, *lines: str) -> list[str]:
        out: list[str] = []
        for line in lines:
            out += self.send(line)
        return out

    def close(self) -> None:
        """Drop the SSH connection at once (netmiko's disconnect() idles ~2 s)."""
        self.conn.paramiko_cleanup()


@pytest.fixture
def vty() -> Iterator[Callable[..., Vty]]:
    opened: list[Vty] = []

    def connect(lab: RunningLab, name: str, **extra: Any) -> Vty:
        conn = netmiko.ConnectHandler(**lab.netmiko_params(name, **extra))
        v = Vty(conn)
        opened.append(v)
        return v

    yield connect
    for v in opened:
        try:
            v.close()
        except Exception:
            pass
