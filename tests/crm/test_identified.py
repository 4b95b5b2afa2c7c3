"""What an export identifies: the calibrated scenario's parameters the export does not show (pinned to a neutral
value or taken from the base) and those fitted over several stages at once, which the plan needs to weigh fixes
honestly (tests/plan/test_unseen_fixes.py)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.crm.calibrate import Calibration, calibrate
from analysis.crm.calibration_scenario import carried, unseen, write_scenario
from simulation import load_scenario, simulate
from tests.conftest import BASE, FIXTURES

INNER = ("pov_requested", "data_access_granted", "pov_started", "pov_ended", "negotiation_started")
ALWAYS = {("negotiation", "founder_required_probability"), ("negotiation", "win_probability_without_founder"),
          ("negotiation", "founder_meetings_per_week"), ("validation", "extension_probability"),
          ("validation", "extension_days"), ("data_quality", "on_fail"), ("data_quality", "return_probability"),
          ("data_quality", "return_after_days")}


@lru_cache(maxsize=2)
def _calibrated(fixture: str, dated: bool) -> Calibration:
    deals = simulate(load_scenario(FIXTURES / fixture), 1).deals
    if not dated:  # what a CRM with a created and a closed date only holds (Maven, Olist)
        deals = deals.assign(**{column: pd.NaT for column in INNER})
    return calibrate(deals, source=fixture)


def test_a_dated_export_leaves_unseen_only_what_no_export_shows() -> None:
    """Every stage dated (the simulated deals table): each stage's own parameters are fitted, nothing is carried
    over several stages; the founder, extensions and nurture loop are pinned, and with no queue for the engineers
    (data access binds before them) their number is the base's."""
    cal = _calibrated("data_access_bound.toml", dated=True)
    assert set(unseen(cal)) == ALWAYS | {("pov", "solution_engineers"), ("pov", "povs_per_engineer")}
    assert carried(cal) == {}


def test_a_dated_queue_identifies_the_engineers() -> None:
    cal = _calibrated("engineer_bound.toml", dated=True)
    assert cal.pov_slots is not None
    assert set(unseen(cal)) == ALWAYS


def test_created_and_closed_only_fold_every_stage_into_the_negotiation(tmp_path: Path) -> None:
    """With only the created and closed dates, one stretch (arrived -> closed) is fitted and carried by the
    negotiation's parameters; every other stage's duration and probability is unseen, and the calibrated scenario
    holds each of them at the neutral value the reason names (duration 0, probability 1)."""
    cal = _calibrated("data_access_bound.toml", dated=False)
    hidden = unseen(cal)
    inside = {("data_quality", "check_days"), ("pov", "data_access_days"), ("pov", "duration_days"),
              ("validation", "duration_days"), ("data_quality", "pass_probability"),
              ("pov", "data_access_probability"), ("pov", "completion_probability"), ("validation", "pass_probability")}
    assert set(hidden) == ALWAYS | inside | {("pov", "solution_engineers"), ("pov", "povs_per_engineer")}
    assert hidden[("pov", "duration_days")] == "the POV is not dated in the export (inside the arrived -> closed fit)"
    assert set(carried(cal)) == {("negotiation", "duration_days"), ("negotiation", "win_probability")}
    assert "data quality, data access, the POV, validation, negotiation" in carried(cal)[("negotiation",
                                                                                          "duration_days")]
    scenario = write_scenario(cal, BASE, tmp_path / "cal.toml", "test")
    for section, key in inside:
        value = getattr(getattr(scenario, section), key)
        assert (value.mean if key.endswith("_days") else value) == (0 if key.endswith("_days") else 1), key
    assert scenario.negotiation.founder_required_probability == 0
    assert scenario.validation.extension_probability == 0
