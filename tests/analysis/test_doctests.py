"""Run the docstring examples of the KPI and compensation modules (pytest collects doctests only under tests/)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = (
    "periods",
    "nnarr",
    "cycle",
    "retention",
    "evaluation",
    "funnel",
    "classic",
    "health",
    "comp",
    "cro_cost",
    "kpis",
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"analysis.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
