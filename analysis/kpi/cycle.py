"""Sales cycle length and Sales Cycle Compression Rate (SCCR), from article A.

SCCR(quarter) = (average cycle of the previous quarter − average cycle of this quarter) / previous average:
the share by which the average sales cycle got shorter ("90 days in Q1 and 81 days in Q2: SCCR is 10 %").
Positive means faster, negative slower. By default a deal's cycle is ``closed − arrived`` and only won deals
count; both ends and the outcomes are configurable (e.g. ``start="data_access_granted"`` for the evaluation
alone, or ``outcomes=("won", "lost")``). A deal belongs to the quarter of its cycle's *end* (the quarter it
closed in). A quarter without such deals has no average (NaN), so it and the quarter after it have no SCCR
(NaN, not 0). Nothing here depends on the deals table's index: runs stacked without ``ignore_index`` give the
same answers as one table with a fresh index."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.kpi.periods import PeriodLike, TimeLike, as_period, bounds, days, period_range, within
from simulation.tables import is_value, require

DEFAULT_OUTCOMES = ("won",)


def sccr_from_cycles(previous_days: float, current_days: float) -> float:
    """SCCR: the percentage reduction of the average sales cycle versus the previous period, as a fraction.

    Article A: "If your average cycle was 90 days in Q1 and 81 days in Q2, your SCCR is 10%."

    >>> sccr_from_cycles(90, 81)
    0.1
    >>> sccr_from_cycles(90, 60)  # "compress their cycle from 90 to 60 days"
    0.3333333333333333
    >>> sccr_from_cycles(0, 10)  # no previous cycle to compare with
    nan
    """
    if not previous_days > 0:
        return float("nan")
    return (float(previous_days) - float(current_days)) / float(previous_days)


def _cycle_frame(deals: pd.DataFrame, start: str, end: str, outcomes: tuple[str, ...] | None) -> pd.DataFrame:
    """The counted deals' ``days`` (cycle length) and ``end`` (cycle end time), on the deals' positions
    (0..n-1), so that repeated index labels (runs stacked with ``pd.concat``) never mix deals up."""
    require(deals, (start, end) + (("outcome",) if outcomes is not None else ()), "deals", "the sales cycle")
    columns = list(dict.fromkeys([start, end] + (["outcome"] if outcomes is not None else [])))
    table = deals[columns].reset_index(drop=True)
    mask = table[start].notna() & table[end].notna()
    if outcomes is not None:
        mask &= is_value(table["outcome"], *outcomes)
    picked = table[mask]
    return pd.DataFrame({"days": days(picked[end] - picked[start]), "end": picked[end]})


def cycle_days(
    deals: pd.DataFrame,
    start: str = "arrived",
    end: str = "closed",
    outcomes: tuple[str, ...] | None = DEFAULT_OUTCOMES,
) -> pd.Series:
    """Each deal's cycle ``end − start`` in days, for deals with one of ``outcomes`` (None: any) and both
    times; indexed by the deals' own labels."""
    cycles = _cycle_frame(deals, start, end, outcomes)["days"]
    return cycles.set_axis(deals.index[cycles.index.to_numpy()]).rename("cycle_days")


def average_cycle(
    deals: pd.DataFrame,
    freq: str = "Q",
    *,
    start: str = "arrived",
    end: str = "closed",
    outcomes: tuple[str, ...] | None = DEFAULT_OUTCOMES,
    statistic: str = "mean",
    first: TimeLike | None = None,
    last: TimeLike | None = None,
) -> pd.Series:
    """Average sales cycle (days) per period of the cycle's end; every period from ``first`` to ``last`` is a
    row."""
    cycles = _cycle_frame(deals, start, end, outcomes)
    index = period_range([cycles["end"]], freq, first, last)
    grouped = cycles["days"].groupby(cycles["end"].dt.to_period(freq)).agg(statistic)
    return grouped.reindex(index).astype("float64").rename("cycle_days")


def sccr(
    deals: pd.DataFrame,
    *,
    start: str = "arrived",
    end: str = "closed",
    outcomes: tuple[str, ...] | None = DEFAULT_OUTCOMES,
    freq: str = "Q",
    statistic: str = "mean",
    first: TimeLike | None = None,
    last: TimeLike | None = None,
) -> pd.Series:
    """SCCR per quarter (index ``pandas.Period``): fractional reduction of the average cycle vs the previous
    quarter.

    The first quarter has no predecessor and is NaN.
    """
    average = average_cycle(
        deals, freq, start=start, end=end, outcomes=outcomes, statistic=statistic, first=first, last=last
    )
    previous = average.shift(1)
    result = (previous - average) / previous.where(previous > 0)
    return result.rename("sccr")


def previous_period(period: PeriodLike) -> PeriodLike:
    """The period just before: the previous ``pandas.Period`` of the same frequency, or for a ``(start, end)`` pair
    the window of the same length ending at ``start``."""
    if isinstance(period, tuple):
        start, end = bounds(period)
        return (start - (end - start), start)
    return as_period(period) - 1


def period_cycle(
    deals: pd.DataFrame,
    period: PeriodLike | None,
    *,
    start: str = "arrived",
    end: str = "closed",
    outcomes: tuple[str, ...] | None = DEFAULT_OUTCOMES,
) -> float:
    """Mean cycle (days) of the deals whose cycle ended in the period (NaN when none)."""
    picked = _period_cycles(deals, period, start, end, outcomes)
    return float(picked.mean()) if len(picked) else float("nan")


def period_cycle_count(deals: pd.DataFrame, period: PeriodLike | None, **options: Any) -> int:
    """How many deals' cycles ended in the period: the sample behind :func:`period_cycle` (same options)."""
    return len(_period_cycles(deals, period, options.get("start", "arrived"), options.get("end", "closed"),
                              options.get("outcomes", DEFAULT_OUTCOMES)))


def _period_cycles(deals: pd.DataFrame, period: PeriodLike | None, start: str, end: str,
                   outcomes: tuple[str, ...] | None) -> pd.Series:
    cycles = _cycle_frame(deals, start, end, outcomes)
    return cycles.loc[within(cycles["end"], period), "days"]


def period_sccr(
    deals: pd.DataFrame,
    period: PeriodLike,
    *,
    start: str = "arrived",
    end: str = "closed",
    outcomes: tuple[str, ...] | None = DEFAULT_OUTCOMES,
) -> float:
    """SCCR of one period against the period before it (:func:`previous_period`); NaN when either has no cycle."""
    options: dict[str, Any] = {"start": start, "end": end, "outcomes": outcomes}
    current = period_cycle(deals, period, **options)
    previous = period_cycle(deals, previous_period(period), **options)
    return sccr_from_cycles(previous, current) if not math.isnan(current) else float("nan")
