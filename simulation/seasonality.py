"""Calendar effects: arrivals by month of the year, and the quarter-end push on the win decision.

The optional ``[seasonality]`` section of a scenario (absent: no calendar effect, and every seeded result is what it
was without the section)::

    [seasonality]
    arrivals_by_month = [0.8, 0.9, 1.0, 1.0, 1.1, 1.0, 1.3, 1.0, 1.0, 1.0, 0.9, 0.9]   # January .. December
    win_odds_by_month_of_quarter = [1.0, 1.2, 3.5]   # a close in the 1st, 2nd, 3rd month of a calendar quarter
    closes_by_month = [0.7, 0.9, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 1.0, 1.0, 1.2, 1.6]   # pace of negotiation

* **Arrivals by month.** The arrival rate in each calendar month is ``rate_per_week`` (with its growth) times that
  month's multiplier, the multipliers rescaled so that their day-weighted mean over a year is 1: ``rate_per_week``
  stays the yearly average. The engine draws the same Poisson count and the same sorted uniforms as without the
  section and maps them through the inverse of the seasonal cumulative intensity (a time change of the process),
  so the draws stay vectorised and the stream is read the same way.
* **The quarter-end push.** A deal whose negotiation ends in month ``m`` of a calendar quarter is won with its win
  probability's odds multiplied by ``win_odds_by_month_of_quarter[m]`` (written as given, not rescaled:
  ``win_probability`` is the probability at multiplier 1). The decision is still the deal's own ``win`` uniform
  below the adjusted probability, so common random numbers hold and a multiplier of 1 changes nothing. Why the
  odds and not the timing: in Maven's export the quarter-end months have about 1.7 times the wins of the month
  after and a third of the losses, spread evenly over the month, with about as many closes in all: deals are
  not pulled forward to the quarter's last days (which would raise wins and losses alike and cluster them at the
  end); more of the deals that close then are won.
* **The pace of closing by month.** A deal in negotiation progresses at its calendar month's multiple of its usual
  pace (the year-end budget flush, the summer lull), the multipliers rescaled to a day-weighted yearly mean of 1.
  Its drawn negotiation duration is working time; the close comes when the month-weighted calendar time spent in
  negotiation reaches it (a time change of the same draw, so common random numbers hold). A December at 1.6 closes
  a 30-day negotiation begun on 1 December in under 19 days; the same deal begun on 1 July (0.8 in July and
  August) takes 37.5.
  This moves *when* deals close, not whether they are won: a month with more closes has more wins and more losses.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Annotated, Final

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Multiplier = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
MONTH_DAYS: Final = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])  # a mean year's days per month


class Seasonality(BaseModel):
    """The ``[seasonality]`` section: calendar multipliers on arrivals and on the odds of winning at the close."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    arrivals_by_month: tuple[Multiplier, ...] | None = Field(
        default=None, min_length=12, max_length=12,
        description="Relative arrival rate in January .. December (rescaled to a yearly mean of 1)")
    win_odds_by_month_of_quarter: tuple[Multiplier, ...] | None = Field(
        default=None, min_length=3, max_length=3,
        description="Multiplier on the odds of winning for a close in the 1st, 2nd, 3rd month of a quarter")
    closes_by_month: tuple[Multiplier, ...] | None = Field(
        default=None, min_length=12, max_length=12,
        description="Pace of negotiation in January .. December (rescaled to a yearly mean of 1)")

    def monthly_rates(self) -> np.ndarray:
        """The 12 arrival multipliers rescaled to a day-weighted yearly mean of 1 (all ones when not given)."""
        return _yearly_mean_one(self.arrivals_by_month)

    def monthly_pace(self) -> np.ndarray:
        """The 12 negotiation-pace multipliers rescaled to a day-weighted yearly mean of 1 (ones when not given)."""
        return _yearly_mean_one(self.closes_by_month)


def _yearly_mean_one(multipliers: tuple[float, ...] | None) -> np.ndarray:
    if multipliers is None:
        return np.ones(12)
    m = np.asarray(multipliers, dtype=float)
    return m / float(np.sum(m * MONTH_DAYS) / np.sum(MONTH_DAYS))


@dataclass(frozen=True, slots=True)
class Pace:
    """Working time against calendar time, for the pace of closing by month: built once per run, read per close.

    ``cumulative[k]`` is the working time from ``first_day`` to day ``first_day + k``, ``rates[k]`` the pace of day
    ``first_day + k``. Past the grid's end the pace is 1; before its start, the first day's.
    """

    first_day: int
    cumulative: list[float]
    rates: list[float]

    @classmethod
    def of(cls, start: dt.date, first_day: float, last_day: float, monthly: np.ndarray) -> Pace:
        """The pace over simulated days ``first_day .. last_day`` (day 0 is ``start``)."""
        first = math.floor(first_day)
        days = max(math.ceil(last_day) - first, 1)
        rates = day_multipliers(start + dt.timedelta(days=first), days, monthly)
        return cls(first, np.concatenate([[0.0], np.cumsum(rates)]).tolist(), rates.tolist())

    def work(self, t: float) -> float:
        """Working time from the grid's first day to simulated time ``t``."""
        x = t - self.first_day
        if x >= len(self.rates):
            return self.cumulative[-1] + (x - len(self.rates))
        k = max(math.floor(x), 0)
        return self.cumulative[k] + (x - k) * self.rates[k]

    def finish(self, now: float, work: float) -> float:
        """The simulated time at which ``work`` days of working time begun at ``now`` are done."""
        target = self.work(now) + work
        cumulative = self.cumulative
        if target >= cumulative[-1]:
            return len(self.rates) + self.first_day + (target - cumulative[-1])
        k = max(bisect_right(cumulative, target) - 1, 0)  # (before the grid, the first day's pace)
        return self.first_day + k + (target - cumulative[k]) / self.rates[k]


def day_multipliers(start: dt.date, days: int, monthly: np.ndarray) -> np.ndarray:
    """The arrival multiplier of each day ``0 .. days - 1`` from ``start`` (the month it falls in)."""
    dates = np.datetime64(start, "D") + np.arange(days)
    months = dates.astype("datetime64[M]").astype(int) % 12  # 0 = January
    return np.asarray(monthly)[months]


def time_change(mass: np.ndarray, base_cumulative: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """Map expected-arrival masses under the seasonal intensity to masses under the base one.

    ``base_cumulative[d]`` is the base process's expected arrivals in ``[0, d]`` for ``d = 0 .. D`` (D + 1 values),
    ``multipliers[d]`` the seasonal factor of day ``d``; inside a day the factor is constant, so the seasonal mass
    ``S(d) + m_d (B(t) - B(d))`` inverts exactly to the base mass ``B(t)``.
    """
    seasonal = np.concatenate([[0.0], np.cumsum(multipliers * np.diff(base_cumulative))])
    day = np.clip(np.searchsorted(seasonal, mass, side="right") - 1, 0, len(multipliers) - 1)
    return base_cumulative[day] + (mass - seasonal[day]) / multipliers[day]


def seasonal_total(base_cumulative: np.ndarray, multipliers: np.ndarray) -> float:
    """Expected arrivals over the whole grid under the seasonal intensity."""
    return float(np.sum(multipliers * np.diff(base_cumulative)))


def adjusted_win_probabilities(probability: float, odds: tuple[float, ...]) -> tuple[float, ...]:
    """The win probability of a close in each month of the quarter: ``probability``'s odds times each multiplier."""
    if probability <= 0 or probability >= 1:
        return tuple(probability for _ in odds)  # certain outcomes stay certain
    base = probability / (1 - probability)
    return tuple(base * k / (1 + base * k) for k in odds)


def month_of_quarter(start_ordinal: int, day: float) -> int:
    """0, 1 or 2: the month of its calendar quarter that simulated ``day`` (from the start date) falls in."""
    return (dt.date.fromordinal(start_ordinal + math.floor(day)).month - 1) % 3
