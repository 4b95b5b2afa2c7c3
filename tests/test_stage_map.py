"""One stage -> entry-timestamp map (:data:`simulation.tables.STAGE_ENTERED`): no analysis module keeps a copy."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any

import pandas as pd

import analysis
from simulation.tables import STAGE_ENTERED, current_stage

PAIRS = set(STAGE_ENTERED.items())


def _pairs(value: Any) -> set[tuple[Any, Any]] | None:
    items: Iterable[Any] = value.items() if isinstance(value, dict) else value
    try:
        pairs = {tuple(p) for p in items}
    except TypeError:
        return None
    return pairs if all(len(p) == 2 for p in pairs) else None


def test_no_analysis_module_keeps_its_own_stage_map() -> None:
    copies = []
    for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if value is STAGE_ENTERED or not isinstance(value, tuple | dict):
                continue
            pairs = _pairs(value)
            if pairs and (pairs == PAIRS or {(b, a) for a, b in pairs} == PAIRS):
                copies.append(f"{info.name}.{name}")
    assert not copies, f"use simulation.tables.STAGE_ENTERED / current_stage instead of {copies}"


def test_current_stage_is_the_last_dated_stage() -> None:
    deals = pd.DataFrame(
        {
            "arrived": pd.to_datetime(["2027-01-01", "2027-01-01", None]),
            "pov_requested": pd.to_datetime([None, "2027-01-05", None]),
            "negotiation_started": pd.to_datetime([None, "2027-02-01", None]),
        },
        index=[7, 7, 3],  # labels need not be unique
    )
    assert current_stage(deals).tolist() == ["data_quality", "negotiation", pd.NA]
