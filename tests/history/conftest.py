"""Load the shared results builder (``refresults.py``) as ``vrpbook_tests_results``."""

from __future__ import annotations

from pathlib import Path

from ..by_path import load

load("vrpbook_tests_results", Path(__file__).parent.parent / "reporters" / "refresults.py")
