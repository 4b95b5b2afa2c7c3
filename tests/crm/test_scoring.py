"""Backtest scores: exact small cases, the CRPS against its closed form, PIT uniform when the forecast is right.

Statistical checks: 4 standard errors of the estimate (a mean over n independent terms: sd / sqrt(n); a share:
sqrt(p (1 - p) / n)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analysis.crm.scoring import LEVELS, crps, interval_score, pit, score


def test_fair_crps_matches_its_definition_on_a_small_ensemble() -> None:
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(7, 4))
    actual = rng.normal(size=4)
    m = len(samples)
    direct = [np.mean(np.abs(samples[:, j] - actual[j]))
              - np.abs(samples[:, j][:, None] - samples[:, j][None, :]).sum() / (2 * m * (m - 1))
              for j in range(4)]
    np.testing.assert_allclose(crps(samples, actual), direct, rtol=1e-12)
    assert crps(np.array([[0.0], [2.0]]), np.array([1.0]))[0] == pytest.approx(0.0)  # 1 - 4 / 4
    assert crps(np.array([[3.0], [3.0]]), np.array([5.0]))[0] == pytest.approx(2.0)  # a point forecast: |error|


def test_fair_crps_is_unbiased_for_the_normal_closed_form() -> None:
    """CRPS(N(0, 1), y) = y (2 Phi(y) - 1) + 2 phi(y) - 1 / sqrt(pi) (Gneiting & Raftery 2007)."""
    rng = np.random.default_rng(1)
    y, n = 0.7, 4000
    values = crps(rng.normal(size=(10, n)), np.full(n, y))  # small ensembles: the fair form needs no large m
    exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / math.sqrt(math.pi)
    assert abs(values.mean() - exact) <= 4 * values.std(ddof=1) / math.sqrt(n)


def test_interval_score_small_cases() -> None:
    low, high = np.array([10.0, 10.0, 10.0]), np.array([20.0, 20.0, 20.0])
    np.testing.assert_allclose(interval_score(low, high, np.array([15.0, 5.0, 26.0])),
                               [10.0, 10.0 + 10 * 5, 10.0 + 10 * 6])  # 2 / alpha = 10 for the 80 % band


def test_pit_is_uniform_for_a_right_forecast_of_counts() -> None:
    rng = np.random.default_rng(2)
    n = 3000
    values = pit(rng.poisson(6.0, size=(200, n)), rng.poisson(6.0, size=n), rng)
    counts = np.histogram(values, bins=5, range=(0, 1))[0]
    assert np.all(np.abs(counts / n - 0.2) <= 4 * math.sqrt(0.2 * 0.8 / n)), counts
    assert np.all(pit(np.zeros((5, 3)), np.array([1.0, 2.0, 3.0]), rng) == 1.0)  # actual above every replication


def test_score_tables_coverage_exactly() -> None:
    samples = np.tile(np.arange(101.0)[:, None], (1, 4))  # each month's ensemble: 0, 1, ..., 100
    actual = np.array([50.0, 20.0, 7.0, 100.0])  # inside 50/80/90; inside 80/90; inside 90 only; outside all
    scores, coverage = score({"won deals": samples}, {"won deals": actual}, ["2027-01", "2027-02", "2027-03",
                                                                             "2027-04"])
    assert scores["inside_50"].tolist() == [True, False, False, False]
    assert scores["inside_80"].tolist() == [True, True, False, False]
    assert scores["inside_90"].tolist() == [True, True, True, False]
    by_level = coverage.set_index("level")
    assert [int(by_level.loc[level, "inside"]) for level in LEVELS] == [1, 2, 3]
    assert by_level.loc[0.8, "binomial_se"] == pytest.approx(math.sqrt(0.16 / 4))
