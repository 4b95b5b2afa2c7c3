"""Run the docstring examples of every module of the engine and the analysis packages.

pytest collects doctests only from files under ``testpaths`` (``tests/``), so the modules' own examples, the
articles' worked examples among them, are run from here.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import analysis
import simulation

MODULES = sorted(
    info.name
    for package in (simulation, analysis)
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
)


def test_the_kpi_modules_are_among_them() -> None:
    assert {"analysis.kpi.nnarr", "analysis.kpi.cycle", "analysis.kpi.comp", "simulation.queueing"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
