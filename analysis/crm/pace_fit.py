"""Fit the pace of closing by calendar month (``[seasonality] closes_by_month``) on a deals table, when it is there.

The engine (:mod:`simulation.seasonality`) reads the last stretch's duration as working time and the calendar month
sets the pace at which it is worked off. Given the stretch's fitted duration distribution ``F`` (fitted on calendar
durations first), the expected number of closes in window month ``m`` among the deals that entered the stretch at
``s_i`` is ``q * sum_i [F(W(b_m+1) - W(s_i)) - F(W(b_m) - W(s_i))]``, with ``W`` the working time the paces give
and ``q`` the share of entrants that ever close. The observed closes per month (won or lost at the last stretch)
are Poisson around it. The paces of the months the window covers for at least
:data:`~analysis.crm.seasonality_fit.MIN_MONTH_DAYS` days are free (the first is the reference; ``q`` is a
nuisance), and their maximum-likelihood values match every month's closes: they are found by a fixed point on the
ratio of observed to expected closes. Months the window does not cover get the mean of the others; all are then
rescaled to a yearly mean of 1. Kept when a likelihood-ratio test against a pace of 1 everywhere (degrees of
freedom: the free paces) rejects at :data:`~analysis.crm.seasonality_fit.LEVEL`.

What this cannot tell apart: with one year of data, a month's pace is that year's month (a year-end flush, or the
export's own way of closing the year), not a recurring calendar, and the duration ``F`` is not refitted on working
time. The scenario's comments say so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import pandas as pd
from scipy import stats

from analysis.crm.fitting import Estimate, _covariance, _jacobian
from analysis.crm.seasonality_fit import MIN_MONTH_DAYS, MONTHS, Test
from simulation.seasonality import MONTH_DAYS

MIN_CLOSES: Final = 200  # in the window: fewer, and twelve paces are noise
ITERATIONS: Final = 400
TOLERANCE: Final = 1e-7  # on the largest relative gap between observed and expected closes
DAY: Final = pd.Timedelta(days=1)


class Duration(Protocol):
    def ppf(self, u: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PaceFit:
    """Paces of closing per calendar month (rescaled to a yearly mean of 1) and the test against none."""

    paces: tuple[Estimate, ...]  # January .. December; se nan for months the window does not cover
    observed: tuple[int, ...]  # closes per window month
    expected_flat: tuple[float, ...]  # expected closes per window month with a pace of 1 (q refitted)
    test: Test

    def note(self) -> str:
        """The comment beside ``closes_by_month``."""
        parts = ", ".join(f"{MONTHS[m]} {e.value:.2f}" + ("" if math.isnan(e.se) else f" +/- {e.se:.2f}")
                          for m, e in enumerate(self.paces))
        return (f"pace of closing by month, rescaled to a yearly mean of 1 (SE; months without one are not in the "
                f"window; one year of data cannot tell a recurring calendar from that year's own; the duration is "
                f"not refitted on working time): {parts}")


def cdf_of(duration: Duration) -> Callable[[np.ndarray], np.ndarray]:
    """The duration's CDF: its own where it has one, else interpolated from its quantiles (empirical durations)."""
    own = getattr(duration, "cdf", None)
    if callable(own):
        return own  # type: ignore[no-any-return]
    u = np.linspace(0.0005, 0.9995, 1999)
    x = np.maximum.accumulate(np.asarray(duration.ppf(u), dtype=float))
    return lambda t: np.interp(t, x, u, left=0.0, right=1.0)


def fit_pace(entered: np.ndarray, closed: np.ndarray, start: pd.Timestamp, end: pd.Timestamp,
             duration: Duration) -> PaceFit | None:
    """Fit the paces on the stretch's entries and closes (days from ``start``; ``closed`` only the closes seen in
    ``[start, end)``); None when the window covers fewer than two months or holds under :data:`MIN_CLOSES`."""
    window_days = float((end - start) / DAY)
    bounds, month_of = _window_months(start, window_days)
    counts = np.histogram(closed, bins=bounds)[0].astype(float)
    covered = np.bincount(month_of, weights=np.diff(bounds), minlength=12)
    free = [m for m in range(12) if covered[m] >= MIN_MONTH_DAYS]
    if len(free) < 2 or counts.sum() < MIN_CLOSES:
        return None
    others = free[1:]  # the first covered month is the reference
    cdf = cdf_of(duration)
    knots, knot_month = _knots(start, float(np.min(entered)), window_days)
    entered = np.asarray(entered, dtype=float)

    def paces(theta: np.ndarray) -> np.ndarray:
        raw = np.ones(12)
        raw[others] = np.exp(theta)
        raw[[m for m in range(12) if m not in free]] = float(np.mean(raw[free]))
        return raw / float(raw @ MONTH_DAYS / MONTH_DAYS.sum())

    def expected(theta: np.ndarray) -> np.ndarray:
        work = np.concatenate([[0.0], np.cumsum(paces(theta)[knot_month] * np.diff(knots))])
        at_bounds = np.interp(bounds, knots, work)
        at_entry = np.interp(entered, knots, work)
        done = cdf(np.maximum(at_bounds[None, :] - at_entry[:, None], 0.0))
        return np.diff(done, axis=1).sum(axis=0)

    def nll(theta: np.ndarray) -> float:  # Poisson, with q profiled out
        e = expected(theta)
        e = e * counts.sum() / e.sum()
        return float(np.sum(e - counts * np.log(np.maximum(e, 1e-300))))

    theta = _fixed_point(expected, counts, month_of, free, others)
    flat = expected(np.zeros(len(others)))
    statistic = max(2 * (nll(np.zeros(len(others))) - nll(theta)), 0.0)
    test = Test(statistic, len(others), float(stats.chi2.sf(statistic, len(others))))
    cov = _covariance(nll, theta)
    grad = _jacobian(paces, theta)
    ses = np.sqrt(np.maximum(np.diag(grad @ cov @ grad.T), 0.0))
    values = paces(theta)
    by_month = np.bincount(month_of, weights=counts, minlength=12)
    estimates = tuple(Estimate(float(values[m]), float(ses[m]) if m in free else math.nan, int(by_month[m]))
                      for m in range(12))
    return PaceFit(estimates, tuple(int(c) for c in counts), tuple(float(x) for x in flat * counts.sum() / flat.sum()),
                   test)


def _fixed_point(expected: Callable[[np.ndarray], np.ndarray], counts: np.ndarray, month_of: np.ndarray,
                 free: list[int], others: list[int]) -> np.ndarray:
    """The free log paces at which every window month's expected closes (q profiled) match the observed ones.

    Each step moves a month's pace by the square root of its observed-to-expected ratio (damped, since a pace also
    moves the neighbouring months' closes); the iteration stops at :data:`TOLERANCE` or :data:`ITERATIONS`.
    """
    log_pace = np.zeros(12)
    theta = np.zeros(len(others))
    for _ in range(ITERATIONS):
        e = expected(theta)
        e = e * counts.sum() / e.sum()
        ratio = np.where(e > 0, counts / np.maximum(e, 1e-300), 1.0)
        if np.max(np.abs(ratio - 1)) < TOLERANCE:
            break
        observed = np.bincount(month_of, weights=counts, minlength=12)
        predicted = np.bincount(month_of, weights=e, minlength=12)
        step = 0.5 * np.log(np.where(predicted > 0, np.maximum(observed, 0.5) / np.maximum(predicted, 1e-300), 1.0))
        log_pace[free] += step[free]
        log_pace[free] -= log_pace[free[0]]
        theta = log_pace[others]
    return theta


def _window_months(start: pd.Timestamp, window_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Day offsets of the window's month boundaries (clipped to the window) and each window month's calendar month."""
    first = start.normalize().to_period("M")
    last = (start + pd.Timedelta(days=max(window_days - 1e-9, 0))).to_period("M")
    months = pd.period_range(first, last, freq="M")
    edges = [max((p.start_time - start) / DAY, 0.0) for p in months] + [window_days]
    return np.asarray(edges, dtype=float), (months.month.to_numpy() - 1).astype(int)


def _knots(start: pd.Timestamp, earliest: float, window_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Month boundaries from the earliest entry to past the window, as day offsets, and each segment's month."""
    first = (start + pd.Timedelta(days=math.floor(min(earliest, 0.0)))).to_period("M")
    last = (start + pd.Timedelta(days=window_days)).to_period("M") + 1
    months = pd.period_range(first, last, freq="M")
    knots = np.array([(p.start_time - start) / DAY for p in months], dtype=float)
    return knots, (months.month.to_numpy()[:-1] - 1).astype(int)
