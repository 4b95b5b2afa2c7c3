"""Fit the scenario's ``[seasonality]`` (:mod:`simulation.seasonality`) on a deals table, when the data support it.

* **Arrivals by month**: a Poisson process with intensity ``exp(a + b t) m(month of t)`` (``b`` only when the
  plain fit kept a trend and the window covers two years), by maximum likelihood on the exact arrival times with
  the exposure of every day of the window; one free multiplier per calendar month the window covers for at least
  :data:`MIN_MONTH_DAYS` days (the first such month is the reference). Months the window does not cover get the
  mean of the others. Kept when a likelihood-ratio test against no months rejects at :data:`LEVEL` (degrees of
  freedom: the free multipliers).
* **The pace of closing by month** (``closes_by_month``), once the last stretch's duration is fitted: see
  :func:`fit_pace`.
* **The quarter-end push**: among deals closed won or lost at the last stretch, the win share by the month of
  the quarter the close falls in; kept when a likelihood-ratio test (2 degrees of freedom) against one share
  rejects at :data:`LEVEL`. The odds multipliers are each month's odds over the pooled odds.

Both report their statistic, p-value and AIC difference, in the command's output and the scenario's comments.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.crm.fitting import DAYS_PER_YEAR, Estimate, _covariance, _jacobian
from simulation.seasonality import MONTH_DAYS, Seasonality

LEVEL: Final = 0.01
MIN_MONTH_DAYS: Final = 14  # a month the window covers for fewer days has no multiplier of its own
TREND_AND_MONTHS_DAYS: Final = 730  # two years: a shorter window cannot tell a trend from month effects
MIN_CLOSES: Final = 20  # per month of the quarter, to test the quarter-end push
MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Test:
    """A likelihood-ratio test of a seasonal term against none."""

    statistic: float
    df: int
    p_value: float

    @property
    def kept(self) -> bool:
        return self.p_value < LEVEL

    @property
    def aic_gain(self) -> float:
        """How much lower the AIC is with the term (negative: higher)."""
        return self.statistic - 2 * self.df

    def text(self) -> str:
        return (f"likelihood ratio {self.statistic:.1f} on {self.df} df, p = {self.p_value:.2g}, "
                f"AIC {-self.aic_gain:+.0f}: " + ("kept" if self.kept else f"not kept (level {LEVEL})"))


@dataclass(frozen=True)
class MonthFit:
    """Arrival multipliers per calendar month (rescaled to a yearly mean of 1) and the rate that goes with them."""

    multipliers: tuple[Estimate, ...]  # January .. December; se nan for months the window does not cover
    rate_per_week: Estimate  # the yearly-average rate at the window's start
    growth_per_year: Estimate
    test: Test


@dataclass(frozen=True)
class PushFit:
    """Odds multipliers on winning by the month of the quarter of the close (log-odds SEs)."""

    odds: tuple[Estimate, ...]
    won: tuple[int, ...]
    closed: tuple[int, ...]
    test: Test


MIN_PACE_CLOSES: Final = 200  # in the window: fewer, and twelve paces are noise
PACE_ITERATIONS: Final = 400
PACE_TOLERANCE: Final = 1e-7  # on the largest relative gap between observed and expected closes


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


@dataclass(frozen=True)
class SeasonalFit:
    """What was fitted and tested; :meth:`section` is the scenario section (None when nothing is kept)."""

    arrivals: MonthFit | None
    push: PushFit | None
    pace: PaceFit | None = None  # the pace of closing by month (analysis.crm.pace_fit)

    def section(self) -> Seasonality | None:
        months = self.arrivals if self.arrivals is not None and self.arrivals.test.kept else None
        push = self.push if self.push is not None and self.push.test.kept else None
        pace = self.pace if self.pace is not None and self.pace.test.kept else None
        if months is None and push is None and pace is None:
            return None
        return Seasonality(
            arrivals_by_month=tuple(round(m.value, 3) for m in months.multipliers) if months else None,
            win_odds_by_month_of_quarter=tuple(round(o.value, 3) for o in push.odds) if push else None,
            closes_by_month=tuple(round(m.value, 3) for m in pace.paces) if pace else None)

    def lines(self) -> list[str]:
        """What the output and the scenario's comments say."""
        out = []
        if self.arrivals is not None:
            out.append(f"arrivals by month: {self.arrivals.test.text()}")
        if self.push is not None:
            shares = ", ".join(f"{w}/{n}" for w, n in zip(self.push.won, self.push.closed, strict=True))
            out.append(f"quarter-end push (won/closed by month of quarter {shares}): {self.push.test.text()}")
        if self.pace is not None:
            out.append(f"pace of closing by month: {self.pace.test.text()}")
        return out


def fit_seasonality(table: pd.DataFrame, start: pd.Timestamp, arrivals_end: pd.Timestamp, arrived_days: np.ndarray,
                    *, trend: bool) -> SeasonalFit:
    """Fit and test both terms on the window's deals (``arrived_days``: arrival times in days from ``start``)."""
    window_days = float((arrivals_end - start) / pd.Timedelta(days=1))
    return SeasonalFit(fit_arrival_months(arrived_days, window_days, start, trend=trend), fit_push(table))


def fit_arrival_months(days: np.ndarray, window_days: float, start: pd.Timestamp, *,
                       trend: bool) -> MonthFit | None:
    """Arrivals by calendar month (see the module docstring); None when the window covers fewer than two months.

    ``trend``: whether the plain fit kept one. In a window under :data:`TREND_AND_MONTHS_DAYS` a trend and month
    effects cannot be told apart, so the months are fitted without a trend, tested against a flat rate, and kept
    only if their AIC is also below the plain fit's with its trend.
    """
    t = np.asarray(days, dtype=float)
    grid = np.arange(math.ceil(window_days))
    lo, hi = grid.astype(float), np.minimum(grid + 1.0, window_days)
    day_month = ((np.datetime64(start.normalize(), "D") + grid).astype("datetime64[M]").astype(int) % 12)
    covered = np.bincount(day_month, weights=hi - lo, minlength=12)
    free = [m for m in range(12) if covered[m] >= MIN_MONTH_DAYS]
    if len(free) < 2 or len(t) == 0:
        return None
    reference, free = free[0], free[1:]
    event_month = day_month[np.minimum(np.floor(t).astype(int), len(grid) - 1)]
    counts = np.bincount(event_month, minlength=12)
    n, total_t = len(t), float(t.sum())
    slope = trend and window_days >= TREND_AND_MONTHS_DAYS

    def nll(a: float, b: float, c: np.ndarray) -> float:
        exposure = (np.exp(b * hi) - np.exp(b * lo)) / b if abs(b) > 1e-12 else hi - lo
        return -(n * a + b * total_t + float(counts @ c) - math.exp(a) * float(np.exp(c[day_month]) @ exposure))

    def unpack(theta: np.ndarray) -> tuple[float, float, np.ndarray]:
        c = np.zeros(12)
        c[free] = theta[1 + slope:]
        return float(theta[0]), float(theta[1]) if slope else 0.0, c

    def months_nll(theta: np.ndarray) -> float:
        return nll(*unpack(theta))

    a0 = math.log(n / window_days)
    full = optimize.minimize(months_nll, np.r_[a0, [0.0] * slope, np.zeros(len(free))], method="BFGS")
    zero = np.zeros(12)
    nested = optimize.minimize(lambda th: nll(th[0], th[1] if slope else 0.0, zero), np.r_[a0, [0.0] * slope],
                               method="BFGS")
    statistic = max(2 * (float(nested.fun) - float(full.fun)), 0.0)
    test = Test(statistic, len(free), float(stats.chi2.sf(statistic, len(free))))
    if trend and not slope:  # the months must also beat the plain fit's trend on AIC
        with_trend = optimize.minimize(lambda th: nll(th[0], th[1], zero), np.r_[a0, 0.0], method="BFGS")
        if 2 * float(full.fun) + 2 * len(full.x) >= 2 * float(with_trend.fun) + 4:
            test = Test(statistic, len(free), 1.0)  # not kept: the trend explains the arrivals as well
    observed = np.array([reference, *free])

    def summary(theta: np.ndarray) -> np.ndarray:
        """Rescaled multipliers of the covered months, the yearly-average weekly rate, the yearly growth, and the
        twelve rescaled multipliers."""
        a, b, c = unpack(theta)
        raw = np.full(12, float(np.average(np.exp(c[observed]), weights=covered[observed])))
        raw[observed] = np.exp(c[observed])
        mean = float(raw @ MONTH_DAYS / MONTH_DAYS.sum())
        return np.concatenate([raw[observed] / mean, [7 * math.exp(a) * mean, math.expm1(DAYS_PER_YEAR * b)],
                               raw / mean])

    theta = full.x
    values = summary(theta)
    cov = _covariance(months_nll, theta)
    grad = _jacobian(summary, theta)
    ses = np.sqrt(np.maximum(np.diag(grad @ cov @ grad.T), 0))
    k = len(observed)
    se_by_month = dict(zip(observed.tolist(), ses[:k], strict=True))
    multipliers = tuple(Estimate(float(values[k + 2 + m]), float(se_by_month.get(m, math.nan)), int(counts[m]))
                        for m in range(12))
    return MonthFit(multipliers, Estimate(float(values[k]), float(ses[k]), n),
                    Estimate(float(values[k + 1]), float(ses[k + 1]) if slope else 0.0, n), test)


def fit_push(table: pd.DataFrame) -> PushFit | None:
    """Win odds by the month of the quarter of the close; None without enough won and lost closes."""
    lost_last = table["outcome"] == "lost"
    if "lost_stage" in table.columns:
        lost_last &= table["lost_stage"].isna() | (table["lost_stage"] == "negotiation")
    closed = table[((table["outcome"] == "won") | lost_last) & table["closed"].notna()]
    month = ((closed["closed"].dt.month - 1) % 3).to_numpy()
    won = closed["outcome"].eq("won").to_numpy()
    w = np.bincount(month[won], minlength=3)
    n = np.bincount(month, minlength=3)
    if (n < MIN_CLOSES).any() or (w == 0).any() or (w == n).any():
        return None
    p, pooled = w / n, w.sum() / n.sum()

    def loglik(share: np.ndarray) -> float:
        return float(np.sum(w * np.log(share) + (n - w) * np.log1p(-share)))

    statistic = max(2 * (loglik(p) - loglik(np.full(3, pooled))), 0.0)
    test = Test(statistic, 2, float(stats.chi2.sf(statistic, 2)))
    pooled_odds = pooled / (1 - pooled)
    var_pooled = 1 / w.sum() + 1 / (n.sum() - w.sum())
    odds = tuple(Estimate(float(p[m] / (1 - p[m]) / pooled_odds),
                          math.sqrt(max(1 / w[m] + 1 / (n[m] - w[m]) - var_pooled, 0.0)), int(n[m]))
                 for m in range(3))
    return PushFit(odds, tuple(int(x) for x in w), tuple(int(x) for x in n), test)


def month_note(fit: MonthFit) -> str:
    """The comment beside ``arrivals_by_month``."""
    parts = ", ".join(f"{MONTHS[m]} {e.value:.2f}" + ("" if math.isnan(e.se) else f" +/- {e.se:.2f}")
                      for m, e in enumerate(fit.multipliers))
    return f"rescaled to a yearly mean of 1 (SE; months without one are not in the window): {parts}"


def cdf_of(duration: Duration) -> Callable[[np.ndarray], np.ndarray]:
    """The duration's CDF: its own where it has one, else interpolated from its quantiles (empirical durations)."""
    own = getattr(duration, "cdf", None)
    if callable(own):
        return own
    u = np.linspace(0.0005, 0.9995, 1999)
    x = np.maximum.accumulate(np.asarray(duration.ppf(u), dtype=float))
    return lambda t: np.interp(t, x, u, left=0.0, right=1.0)


def fit_pace(entered: np.ndarray, closed: np.ndarray, start: pd.Timestamp, end: pd.Timestamp,
             duration: Duration) -> PaceFit | None:
    """Fit the paces on the stretch's entries and closes (days from ``start``; ``closed`` only the closes seen in
    ``[start, end)``); None when the window covers fewer than two months or holds under :data:`MIN_PACE_CLOSES`.

    The engine (:mod:`simulation.seasonality`) reads the last stretch's duration as working time and the calendar month
    sets the pace at which it is worked off. Given the stretch's fitted duration distribution ``F`` (fitted on calendar
    durations first), the expected number of closes in window month ``m`` among the deals that entered the stretch at
    ``s_i`` is ``q * sum_i [F(W(b_m+1) - W(s_i)) - F(W(b_m) - W(s_i))]``, with ``W`` the working time the paces give
    and ``q`` the share of entrants that ever close. The observed closes per month (won or lost at the last stretch)
    are Poisson around it. The paces of the months the window covers for at least :data:`MIN_MONTH_DAYS` days are
    free (the first is the reference; ``q`` is a nuisance), and their maximum-likelihood values match every month's
    closes: they are found by a fixed point on the ratio of observed to expected closes. Months the window does not
    cover get the mean of the others; all are then rescaled to a yearly mean of 1. Kept when a likelihood-ratio test
    against a pace of 1 everywhere (degrees of freedom: the free paces) rejects at :data:`LEVEL`.

    What this cannot tell apart: with one year of data, a month's pace is that year's month (a year-end flush, or the
    export's own way of closing the year), not a recurring calendar, and the duration ``F`` is not refitted on working
    time. The scenario's comments say so.
    """
    window_days = float((end - start) / pd.Timedelta(days=1))
    bounds, month_of = _window_months(start, window_days)
    counts = np.histogram(closed, bins=bounds)[0].astype(float)
    covered = np.bincount(month_of, weights=np.diff(bounds), minlength=12)
    free = [m for m in range(12) if covered[m] >= MIN_MONTH_DAYS]
    if len(free) < 2 or counts.sum() < MIN_PACE_CLOSES:
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
    moves the neighbouring months' closes); the iteration stops at :data:`PACE_TOLERANCE` or :data:`PACE_ITERATIONS`.
    """
    log_pace = np.zeros(12)
    theta = np.zeros(len(others))
    observed = np.maximum(np.bincount(month_of, weights=counts, minlength=12), 0.5)  # per calendar month
    for _ in range(PACE_ITERATIONS):
        e = expected(theta)
        e = e * counts.sum() / e.sum()
        ratio = np.where(e > 0, counts / np.maximum(e, 1e-300), 1.0)
        if np.max(np.abs(ratio - 1)) < PACE_TOLERANCE:
            break
        predicted = np.bincount(month_of, weights=e, minlength=12)
        step = 0.5 * np.log(np.where(predicted > 0, observed / np.maximum(predicted, 1e-300), 1.0))
        log_pace[free] += step[free]
        log_pace[free] -= log_pace[free[0]]
        theta = log_pace[others]
    return theta


def _window_months(start: pd.Timestamp, window_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Day offsets of the window's month boundaries (clipped to the window) and each window month's calendar month."""
    first = start.normalize().to_period("M")
    last = (start + pd.Timedelta(days=max(window_days - 1e-9, 0))).to_period("M")
    months = pd.period_range(first, last, freq="M")
    edges = [max((p.start_time - start) / pd.Timedelta(days=1), 0.0) for p in months] + [window_days]
    return np.asarray(edges, dtype=float), (months.month.to_numpy() - 1).astype(int)


def _knots(start: pd.Timestamp, earliest: float, window_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Month boundaries from the earliest entry to past the window, as day offsets, and each segment's month."""
    first = (start + pd.Timedelta(days=math.floor(min(earliest, 0.0)))).to_period("M")
    last = (start + pd.Timedelta(days=window_days)).to_period("M") + 1
    months = pd.period_range(first, last, freq="M")
    knots = np.array([(p.start_time - start) / pd.Timedelta(days=1) for p in months], dtype=float)
    return knots, (months.month.to_numpy()[:-1] - 1).astype(int)
