"""The examples in the docstrings of the pure helpers run."""

from __future__ import annotations

import doctest

import pytest
from vrpbook.history import command, timeparse
from vrpbook.reporters import evidence


@pytest.mark.parametrize("module", [evidence, command, timeparse])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
