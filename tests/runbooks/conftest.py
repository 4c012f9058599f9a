"""Fixtures of the runbook tests.

``h`` is the helpers module (``helpers.py`` beside this file), loaded by path
because pytest runs with ``--import-mode=importlib``. ``converged`` is one lab
taken through the whole reference runbook once per module, shared by the tests
that only read it (plan, second run, artifacts, configuration files).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vrpbook.lab import boot_lab

from ..by_path import load


def _load_helpers() -> ModuleType:
    return load("vrpbook_tests_runbooks_helpers", Path(__file__).with_name("helpers.py"))


@pytest.fixture(scope="session")
def h() -> ModuleType:
    return _load_helpers()


@pytest.fixture(scope="module")
def converged(h: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A factory-fresh reference lab after one full run of ``bfd-static-vpn``."""
    lab = boot_lab(h.LAB_INVENTORY, state_dir=None, time_scale=0.0)
    art = tmp_path_factory.mktemp("artifacts")
    with lab.running(ephemeral_ports=True) as running:
        report, root = h.run(running, art)
        yield {"running": running, "report": report, "root": root, "artifacts": art}
