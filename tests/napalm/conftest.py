"""Fixtures of the NAPALM driver tests: drivers opened over SSH on twin routers, a converged lab,
and a strict checker of NAPALM's documented structures.

``drivers(running, "PE1", **optional_args)`` opens ``napalm.get_network_driver("huawei_vrp8")``
on a lab router, host key verified against the lab's known_hosts (closed after the test).
``converged`` is one reference lab taken through the ``bfd-static-vpn`` runbook once per
session (the runbook tests' helpers, loaded by path). ``conforms(shape, data)`` lists how a
getter's result departs from the TypedDicts of ``napalm.base.models``
(``napalm_huawei_vrp8.conformance``: exact keys and types, every nested dict and list --
stricter than ``napalm.base.test.helpers.test_model``, which checks one level and cannot
check ``Dict[...]`` annotations).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import napalm
import pytest
from napalm.base.base import NetworkDriver

from napalm_huawei_vrp8 import conformance
from vrpbook.lab import boot_lab
from vrpbook.paths import PROJECT_ROOT

from ..by_path import load

LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"
LAB_HOSTS = ("PE1", "PE2", "PE3", "CE1", "CE2")


def load_runbook_helpers() -> ModuleType:
    """``tests/runbooks/helpers.py`` under the name its own conftest gives it (shared module)."""
    return load("vrpbook_tests_runbooks_helpers", PROJECT_ROOT / "tests" / "runbooks" / "helpers.py")


def driver_for(running: Any, host: str, **optional_args: Any) -> NetworkDriver:
    """A (closed) driver for a lab router, verifying the lab's host key."""
    address, port = running.address(host)
    user, password = running.credentials
    args = {
        "port": port,
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(running.known_hosts_path),
        **optional_args,
    }
    return napalm.get_network_driver("huawei_vrp8")(address, user, password, timeout=30, optional_args=args)


@pytest.fixture(scope="session")
def make_driver() -> Callable[..., NetworkDriver]:
    """:func:`driver_for` for module-scoped fixtures (they cannot use ``drivers``)."""
    return driver_for


@pytest.fixture
def drivers() -> Iterator[Callable[..., NetworkDriver]]:
    opened: list[NetworkDriver] = []

    def open_driver(running: Any, host: str, **optional_args: Any) -> NetworkDriver:
        driver = driver_for(running, host, **optional_args)
        driver.open()
        opened.append(driver)
        return driver

    yield open_driver
    for driver in opened:
        driver.close()


@pytest.fixture(scope="session")
def converged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A factory-fresh reference lab after one full run of ``bfd-static-vpn`` (time scale 0),
    shared by the NAPALM tests that read it; a test that changes it (test_validate's shut
    EBGP session) puts it back with the driver's verified rollback before it ends."""
    h = load_runbook_helpers()
    lab = boot_lab(LAB_INVENTORY, state_dir=None, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        report, _root = h.run(running, tmp_path_factory.mktemp("artifacts"))
        assert report.status == "ok", report
        yield running


def conforms_to(shape: Any, data: Any) -> list[str]:
    """Every way *data* departs from NAPALM's structure *shape* (empty: it conforms)."""
    return conformance.problems(shape, data)


@pytest.fixture
def conforms() -> Callable[[Any, Any], list[str]]:
    return conforms_to
