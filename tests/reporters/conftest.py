"""Load the shared results builder (``refresults.py``) as ``vrpbook_tests_results``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if "vrpbook_tests_results" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("vrpbook_tests_results", Path(__file__).with_name("refresults.py"))
    assert _spec and _spec.loader
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules["vrpbook_tests_results"] = _mod
    _spec.loader.exec_module(_mod)
