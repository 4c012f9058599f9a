"""Fixtures of the intended-configuration tests: the reference intent and configuration files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import netmiko
import pytest

from vrpbook.intent import NetworkIntent, load_intent
from vrpbook.paths import PROJECT_ROOT
from vrpbook.tasks.candidate import push_lines
from vrpbook.tasks.channel import VrpChannel
from vrpbook.tasks.snapshot import read_config

REFERENCE = PROJECT_ROOT / "tests" / "fixtures" / "reference" / "000_ec677ba149024c37.txt"


@pytest.fixture(scope="session")
def net() -> NetworkIntent:
    return load_intent(PROJECT_ROOT / "inventory" / "lab")


@pytest.fixture(scope="session")
def reference() -> dict[str, str]:
    """The reference's configuration files, from their first '#' to 'return', dedented."""
    out = {}
    for m in re.finditer(r"\* (\w+) configuration file\s*\n\s*\n\s*```\n(.*?)```", REFERENCE.read_text(), re.S):
        lines = m.group(2).splitlines()
        out[m.group(1)] = "\n".join(ln[2:] if ln.startswith("  ") else ln for ln in lines).rstrip() + "\n"
    return out


@contextmanager
def _session(lab, router: str) -> Iterator[VrpChannel]:
    conn = netmiko.ConnectHandler(**lab.netmiko_params(router))
    try:
        chan = VrpChannel(conn, router)
        chan.sync()
        yield chan
    finally:
        conn.write_channel("quit\n")
        conn.remote_conn.close()
        conn.remote_conn_pre.close()


@pytest.fixture
def cli() -> Callable[..., str]:
    """``cli(lab, router, lines)``: type *lines* in system view over SSH, ``commit``, and
    return the running configuration (no ``!`` header). No lines: just read it."""

    def apply(lab, router: str, lines: list[str] | None = None) -> str:
        with _session(lab, router) as chan:
            if lines:
                push_lines(chan, lines)
                chan.run("commit")
            return read_config(chan)

    return apply
