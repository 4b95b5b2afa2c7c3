"""Shared fixtures: paths to the shipped scenarios, helpers to build variants of them, and builders for hand-made
tables in the schema of simulation.tables (so each test states only what matters)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import settings

from simulation.loader import load_scenario
from simulation.scenario import Scenario, apply_patch
from simulation.tables import DEALS, RESOURCES, REVENUE, SPEND, coerce

# CI (CI=true) runs the same Hypothesis examples every time, so a red build is reproducible; local runs explore.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

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


Rows = Sequence[dict[str, Any]]
Builder = Callable[[Rows], pd.DataFrame]


def _build(schema: Any, source: str) -> Builder:
    def build(rows: Rows) -> pd.DataFrame:
        frame = pd.DataFrame(list(rows))
        if "id" in schema and "id" not in frame.columns:
            frame["id"] = [f"D{i:03d}" for i in range(len(frame))]
        return coerce(frame, schema, source=source)

    return build


@pytest.fixture(scope="session")
def deals_table() -> Builder:
    """deals_table([{"outcome": "won", "acv": 1e5, "arrived": "2027-01-01", "closed": "2027-03-01"}, ...])."""
    return _build(DEALS, "deals")


@pytest.fixture(scope="session")
def revenue_table() -> Builder:
    return _build(REVENUE, "revenue")


@pytest.fixture(scope="session")
def spend_table() -> Builder:
    return _build(SPEND, "spend")


@pytest.fixture(scope="session")
def resources_table() -> Builder:
    return _build(RESOURCES, "resources")


@pytest.fixture(scope="session")
def funnel_deals(deals_table: Builder) -> pd.DataFrame:
    """Nine deals through every stage (dates in 2027); the expected answers are worked out in the tests."""
    return deals_table(
        [
            # 1 won with the founder: queue 10 days, founder queue 5 days; cycle 120 days
            dict(
                id="won_founder",
                outcome="won",
                acv=100.0,
                arrived="2027-01-01",
                dq_checked="2027-01-08",
                dq_passed=True,
                pov_requested="2027-01-08",
                data_access_granted="2027-01-20",
                pov_started="2027-01-30",
                pov_ended="2027-03-31",
                pov_completed=True,
                validation_passed=True,
                negotiation_started="2027-04-10",
                founder_in_final_meeting=True,
                founder_requested="2027-04-20",
                founder_met="2027-04-25",
                closed="2027-05-01",
            ),
            # 2 won without the founder
            dict(
                id="won_alone",
                outcome="won",
                acv=100.0,
                arrived="2027-01-01",
                pov_requested="2027-01-05",
                data_access_granted="2027-01-15",
                pov_started="2027-01-15",
                pov_ended="2027-02-14",
                pov_completed=True,
                negotiation_started="2027-02-20",
                founder_in_final_meeting=False,
                closed="2027-03-01",
            ),
            # 3 POV stalled
            dict(
                id="stalled",
                outcome="lost",
                lost_stage="pov",
                acv=100.0,
                arrived="2027-01-01",
                pov_requested="2027-01-05",
                data_access_granted="2027-01-10",
                pov_started="2027-01-20",
                pov_ended="2027-02-01",
                pov_completed=False,
                closed="2027-02-01",
            ),
            # 4 results unclear: lost at validation
            dict(
                id="unclear",
                outcome="lost",
                lost_stage="validation",
                acv=100.0,
                arrived="2027-01-01",
                pov_requested="2027-01-02",
                data_access_granted="2027-01-05",
                pov_started="2027-01-05",
                pov_ended="2027-03-01",
                pov_completed=True,
                validation_passed=False,
                closed="2027-03-15",
            ),
            # 5 gave up waiting for a solution engineer
            dict(
                id="queued",
                outcome="lost",
                lost_stage="pov_queue",
                acv=100.0,
                arrived="2027-01-10",
                pov_requested="2027-01-20",
                data_access_granted="2027-02-01",
                closed="2027-03-03",
            ),
            # 6 disqualified at the data-quality check
            dict(
                id="dq",
                outcome="disqualified",
                lost_stage="data_quality",
                acv=100.0,
                arrived="2027-01-01",
                dq_checked="2027-01-08",
                dq_passed=False,
                closed="2027-01-08",
            ),
            # 7 still in its POV
            dict(
                id="open_pov",
                outcome="open",
                acv=100.0,
                arrived="2027-02-01",
                pov_requested="2027-02-10",
                data_access_granted="2027-03-01",
                pov_started="2027-03-05",
            ),
            # 8 educated, returned after 59 days, then lost in the privacy review
            dict(
                id="returned",
                outcome="lost",
                lost_stage="data_access",
                acv=100.0,
                arrived="2027-01-01",
                educated=True,
                returned="2027-03-01",
                dq_checked="2027-03-05",
                dq_passed=True,
                pov_requested="2027-03-05",
                closed="2027-03-20",
            ),
            # 9 lost in negotiation, lost_stage not recorded (inferred)
            dict(
                id="negotiation",
                outcome="lost",
                acv=100.0,
                arrived="2027-01-02",
                pov_requested="2027-01-10",
                data_access_granted="2027-01-25",
                pov_started="2027-02-01",
                pov_ended="2027-03-20",
                pov_completed=True,
                negotiation_started="2027-04-01",
                founder_in_final_meeting=True,
                founder_requested="2027-04-05",
                founder_met="2027-04-12",
                closed="2027-04-15",
            ),
        ]
    )


def negotiation_truth(name: str, negotiation_mean: float, negotiation_sd: float) -> str:
    """A scenario (TOML text, extending the shipped baseline) whose deals skip every stage but a gamma negotiation
    and close won half the time: a known truth for calibration and backtest round trips. No warm-up: the export
    starts with the company (a warm-up's stragglers would stretch the window)."""
    return f"""
extends = "{BASE}"
[scenario]
name = "{name}"
start_date = 2027-01-04
horizon_days = 364
warmup_days = 0
[arrivals]
rate_per_week = 25.0
[data_quality]
check_days = {{ dist = "fixed", value = 0 }}
pass_probability = 1.0
on_fail = "disqualify"
[pov]
data_access_days = {{ dist = "fixed", value = 0 }}
duration_days = {{ dist = "fixed", value = 0 }}
completion_probability = 1.0
data_access_probability = 1.0
[validation]
duration_days = {{ dist = "fixed", value = 0 }}
pass_probability = 1.0
extension_probability = 0.0
[negotiation]
duration_days = {{ dist = "gamma", mean = {negotiation_mean:g}, sd = {negotiation_sd:g} }}
win_probability = 0.5
founder_required_probability = 0.0
[cro]
playbook = []
[pipeline]
open = []
"""
