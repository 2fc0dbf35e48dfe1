"""The examples in docstrings run."""
from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["ringscan.report.pii", "ringscan.rings.communities", "ringscan.rings.assemble"])
def test_docstring_examples(module):
    assert doctest.testmod(importlib.import_module(module)).failed == 0
