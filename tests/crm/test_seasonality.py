"""Seasonality: the engine reproduces a ``[seasonality]`` section, and ``calibrate`` recovers it from an export.

Round trip: simulate a known seasonal scenario, export it as a Salesforce-style CSV, import, calibrate, and check
each recovered value against the truth within z standard errors of the fit, z = Phi^-1(1 - 0.05 / (2 k)) for the
k checks of the test (Bonferroni: 95 % for the test as a whole). Seeds are fixed; tolerances are never tuned.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import load_scenario, simulate
from simulation.cli import main
from simulation.seasonality import Seasonality
from tests.crm.test_calibrate import ONE_STRETCH, round_trip, scenario_file, z_for

MONTHS = (0.8, 0.9, 1.0, 1.1, 1.2, 1.0, 1.6, 1.0, 1.0, 1.1, 0.8, 0.5)
ODDS = (1.0, 1.3, 3.0)
SEASONAL = ONE_STRETCH.replace("horizon_days = 365", "horizon_days = 730").replace(
    "duration_days = { dist = \"lognormal\", mean = 60, sd = 30 }",
    "duration_days = { dist = \"lognormal\", mean = 30, sd = 15 }") + f"""
[seasonality]
arrivals_by_month = {list(MONTHS)}
win_odds_by_month_of_quarter = {list(ODDS)}
"""


def test_seasonal_export_is_recovered_within_its_standard_errors(tmp_path: Path) -> None:
    _, cal, fitted = round_trip(tmp_path, SEASONAL, "salesforce.toml", seed=11)
    fit = cal.seasonality  # type: ignore[attr-defined]
    assert fit.arrivals.test.kept and fit.push.test.kept
    z = z_for(12 + 1 + 2)
    expected = Seasonality(arrivals_by_month=MONTHS).monthly_rates()
    for month, estimate in enumerate(fit.arrivals.multipliers):
        assert abs(estimate.value - expected[month]) <= z * estimate.se, month
    rate = fit.arrivals.rate_per_week
    assert abs(rate.value - 40.0) <= z * rate.se
    # The odds are written relative to the pooled odds of the export: compare ratios to the first month, whose
    # log has the SE of the two months' log odds together.
    odds = fit.push.odds
    for month in (1, 2):
        se = math.sqrt(odds[0].se ** 2 + odds[month].se ** 2)
        assert abs(math.log(odds[month].value / odds[0].value) - math.log(ODDS[month] / ODDS[0])) <= z * se
    assert fitted.seasonality is not None  # type: ignore[attr-defined]
    assert fitted.seasonality.win_odds_by_month_of_quarter is not None  # type: ignore[attr-defined]


def test_a_flat_export_keeps_no_seasonality(tmp_path: Path) -> None:
    """No calendar effect in the truth: both likelihood-ratio tests (level 1 %) keep nothing on this seed."""
    _, cal, fitted = round_trip(tmp_path, ONE_STRETCH, "salesforce.toml", seed=4)
    fit = cal.seasonality  # type: ignore[attr-defined]
    assert not fit.arrivals.test.kept and not fit.push.test.kept and not fit.pace.test.kept
    assert fitted.seasonality is None  # type: ignore[attr-defined]


def test_neutral_seasonality_changes_nothing(tmp_path: Path) -> None:
    """Multipliers of 1 are the same process by a time change and the same win decisions: identical deals."""
    plain = load_scenario(scenario_file(tmp_path, ONE_STRETCH))
    neutral = plain.model_copy(update={"seasonality": Seasonality(arrivals_by_month=(1.0,) * 12,
                                                                  win_odds_by_month_of_quarter=(1.0,) * 3,
                                                                  closes_by_month=(1.0,) * 12)})
    pd.testing.assert_frame_equal(simulate(plain, seed=2).deals, simulate(neutral, seed=2).deals)


def test_engine_reproduces_month_multipliers(tmp_path: Path) -> None:
    """Arrivals per calendar month follow the multipliers: each month's count within 4 Poisson SEs of its mean."""
    scenario = load_scenario(scenario_file(tmp_path, SEASONAL))
    deals = simulate(scenario, seed=5).deals
    start = pd.Timestamp(scenario.scenario.start_date)
    rate = scenario.arrivals.rate_per_week / 7
    days = pd.date_range(start, periods=scenario.scenario.horizon_days, freq="D")
    expected = pd.Series(rate * Seasonality(arrivals_by_month=MONTHS).monthly_rates()[days.month - 1],
                         index=days).groupby(days.month).sum()
    counts = deals.loc[deals["arrived"] >= start, "arrived"].dt.month.value_counts().sort_index()
    assert np.all(np.abs(counts - expected) <= 4 * np.sqrt(expected))


PACE = (0.7, 0.9, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 1.0, 1.0, 1.2, 1.6)
PACED = ONE_STRETCH.replace("horizon_days = 365", "horizon_days = 730").replace(
    "duration_days = { dist = \"lognormal\", mean = 60, sd = 30 }",
    "duration_days = { dist = \"lognormal\", mean = 30, sd = 15 }") + f"""
[seasonality]
closes_by_month = {list(PACE)}
"""


def test_the_pace_of_closing_is_recovered_within_its_standard_errors(tmp_path: Path) -> None:
    """Two years of closes whose negotiation runs at a month's pace: calibrate keeps the term and recovers every
    month's pace within z SEs (Bonferroni over the 12 months)."""
    _, cal, fitted = round_trip(tmp_path, PACED, "salesforce.toml", seed=3)
    pace = cal.seasonality.pace  # type: ignore[attr-defined]
    assert pace.test.kept
    z = z_for(12)
    expected = Seasonality(closes_by_month=PACE).monthly_pace()
    for month, estimate in enumerate(pace.paces):
        assert abs(estimate.value - expected[month]) <= z * estimate.se, (month, estimate, expected[month])
    assert fitted.seasonality.closes_by_month is not None  # type: ignore[attr-defined]


def test_the_fitted_pace_matches_every_month_s_closes(tmp_path: Path) -> None:
    """The maximum-likelihood paces make the expected closes of every window month equal the observed ones (the
    fixed point converged), while a flat pace misses them."""
    _, cal, _ = round_trip(tmp_path, PACED, "salesforce.toml", seed=3)
    pace = cal.seasonality.pace  # type: ignore[attr-defined]
    observed, flat = np.array(pace.observed), np.array(pace.expected_flat)
    assert observed.sum() == pytest.approx(flat.sum())
    assert np.max(np.abs(flat - observed) / np.sqrt(flat)) > 4  # the flat pace is far off in some month


def test_engine_reproduces_the_pace_of_closing(tmp_path: Path) -> None:
    """With a fixed 30-day negotiation, deals that start negotiating on 1 December close after 30 / December's pace
    days; on 1 July, after 31 days at July's pace, the rest at August's."""
    body = ONE_STRETCH.replace("duration_days = { dist = \"lognormal\", mean = 60, sd = 30 }",
                               "duration_days = { dist = \"fixed\", value = 30 }") + (
        f"\n[seasonality]\ncloses_by_month = {list(PACE)}\n")
    scenario = load_scenario(scenario_file(tmp_path, body))
    deals = simulate(scenario, seed=1).deals
    pace = Seasonality(closes_by_month=PACE).monthly_pace()
    cycle = (deals["closed"] - deals["arrived"]).dt.total_seconds() / 86400
    december = deals["arrived"].dt.month.eq(12) & deals["arrived"].dt.day.le(31 - 30 / pace[11] - 1)
    assert december.sum() > 20
    assert np.allclose(cycle[december], 30 / pace[11], atol=1 / 86400)
    first_july = deals["arrived"].dt.month.eq(7) & deals["arrived"].dt.day.le(2)
    expected = 31 - (deals.loc[first_july, "arrived"] - deals.loc[first_july, "arrived"].dt.normalize()
                     ).dt.total_seconds() / 86400 - (deals.loc[first_july, "arrived"].dt.day - 1)
    work_in_july = expected * pace[6]
    assert np.allclose(cycle[first_july], expected + (30 - work_in_july) / pace[7], atol=1 / 86400)


@pytest.mark.parametrize(("text", "words"), [
    ("closes_by_month = [1.0, 2.0, 3.0]", "seasonality.closes_by_month"),
    ("arrivals_by_month = [1.0, 2.0]", "seasonality.arrivals_by_month"),
    ("win_odds_by_month_of_quarter = [1.0, 0.0, 2.0]", "seasonality.win_odds_by_month_of_quarter"),
    ("quarter_end = 1", "seasonality.quarter_end"),
])
def test_bad_seasonality_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                     words: str) -> None:
    path = scenario_file(tmp_path, ONE_STRETCH + f"\n[seasonality]\n{text}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0]
