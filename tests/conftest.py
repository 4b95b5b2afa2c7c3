"""Shared fixtures: paths to the shipped scenarios and small helpers to build variants of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulation.loader import load_scenario
from simulation.scenario import Scenario, apply_patch

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FIXES = sorted((SCENARIOS / "fixes").glob("*.toml"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"  # the public datasets sit beside the repository, as in CI
MAPPINGS = SCENARIOS / "mappings"
BASE = SCENARIOS / "ai_startup.toml"
MAVEN = SHARED_DATA / "maven-crm-sales-opportunities" / "sales_pipeline.csv"
OLIST = SHARED_DATA / "olist-marketing-funnel" / "olist_marketing_qualified_leads_dataset.csv"


def variant(base: Scenario, **sections: dict[str, Any]) -> Scenario:
    """``base`` with some fields of some sections replaced (validated), e.g. ``variant(s, pov={...})``."""
    fixable = {k: v for k, v in sections.items() if k in ("data_quality", "pov", "validation", "negotiation",
                                                           "retention", "spend")}
    scenario = apply_patch(base, fixable)
    other = {}
    for name, fields in sections.items():
        if name not in fixable:
            current = getattr(scenario, name).model_dump(by_alias=True)
            other[name] = type(getattr(scenario, name)).model_validate({**current, **fields})
    return scenario.model_copy(update=other)


@pytest.fixture
def tiny() -> Scenario:
    return load_scenario(FIXTURES / "tiny.toml")


@pytest.fixture(scope="session")
def ai_startup() -> Scenario:
    return load_scenario(SCENARIOS / "ai_startup.toml")
