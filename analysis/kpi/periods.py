"""Periods: what "in the period" means for every KPI.

A period is a ``pandas.Period`` of any frequency (month ``2027-03``, quarter ``2027Q1``, year ``2027``), a
string pandas parses as one (``"2027Q1"``, ``"2027-03"``), or a ``(start, end)`` pair of timestamps. Every
period is **half-open**, ``start <= t < end``: a pandas Period runs from its first instant up to the next
period's first instant, and a pair's ``end`` is exclusive, so ``("2027-01-01", "2027-04-01")`` is exactly the
first quarter of 2027 and consecutive periods never count an event twice. ``None`` means "all time".

An event belongs to the period its timestamp falls in (a deal's NNARR to the period it closed in, a POV's
outcome to the period it was decided in; each KPI's docstring names its timestamp). Amounts recorded per
interval (monthly spend) are prorated by the share of the interval's days inside the period
(:func:`overlap_fraction`), which is exact (all or nothing) for periods made of whole months."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeAlias

import numpy as np
import pandas as pd

from simulation.errors import InputError

TimeLike: TypeAlias = pd.Timestamp | dt.date | dt.datetime | np.datetime64 | str
PeriodLike: TypeAlias = pd.Period | str | tuple[TimeLike, TimeLike]

ALL_TIME: tuple[pd.Timestamp, pd.Timestamp] = (pd.Timestamp.min, pd.Timestamp.max)
DAY = pd.Timedelta(days=1)


class PeriodError(InputError):
    """A period that cannot be understood (unparseable, or ending before it starts)."""


def timestamp(value: TimeLike) -> pd.Timestamp:
    """``value`` as a pandas Timestamp (raises :class:`PeriodError` if it is not a date or time)."""
    try:
        result = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise PeriodError(f"not a date or time: {value!r}") from None
    if result is pd.NaT:
        raise PeriodError(f"not a date or time: {value!r}")
    return result


def bounds(period: PeriodLike | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The half-open ``[start, end)`` of a period.

    >>> bounds(pd.Period("2027Q1"))
    (Timestamp('2027-01-01 00:00:00'), Timestamp('2027-04-01 00:00:00'))
    >>> bounds("2027-02")
    (Timestamp('2027-02-01 00:00:00'), Timestamp('2027-03-01 00:00:00'))
    >>> bounds(("2027-01-10", "2027-02-09"))
    (Timestamp('2027-01-10 00:00:00'), Timestamp('2027-02-09 00:00:00'))
    """
    if period is None:
        return ALL_TIME
    if isinstance(period, tuple):
        if len(period) != 2:
            raise PeriodError(f"a period pair needs (start, end), got {period!r}")
        start, end = timestamp(period[0]), timestamp(period[1])
        if end < start:
            raise PeriodError(f"period ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
        return start, end
    p = as_period(period)
    return p.start_time, (p + 1).start_time


def as_period(value: pd.Period | str) -> pd.Period:
    """A pandas Period from a Period or a string such as ``"2027Q1"``, ``"2027-03"``, ``"2027"``."""
    if isinstance(value, pd.Period):
        return value
    try:
        return pd.Period(value)
    except (ValueError, TypeError):
        raise PeriodError(f"not a period: {value!r} (use e.g. 2027Q1, 2027-03, 2027 or START:END dates)") from None


def trailing(as_of: TimeLike, days: float = 30) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The ``days`` before ``as_of``: ``[as_of - days, as_of)`` (``as_of`` itself is the first instant left
    out).

    >>> trailing("2027-03-31", 30)
    (Timestamp('2027-03-01 00:00:00'), Timestamp('2027-03-31 00:00:00'))
    """
    end = timestamp(as_of)
    return end - pd.Timedelta(days=days), end


def label(period: PeriodLike | None) -> str:
    """A short human label: ``2027Q1``, ``2027-03``, ``2027-01-10..2027-02-08`` (the last day included),
    ``all``."""
    if period is None:
        return "all"
    if isinstance(period, tuple):
        start, end = bounds(period)
        last = end - DAY if end - start >= DAY else end
        return f"{start:%Y-%m-%d}..{last:%Y-%m-%d}"
    return str(as_period(period))


def within(times: pd.Series, period: PeriodLike | None) -> pd.Series:
    """Boolean mask: which timestamps fall in the period (``NaT`` never does)."""
    if period is None:
        return times.notna()
    start, end = bounds(period)
    return ((times >= start) & (times < end)).fillna(False).astype(bool)


def overlap_fraction(starts: pd.Series, ends: pd.Series, period: PeriodLike | None) -> np.ndarray:
    """Per interval ``[start, end)``, the share of its length that lies inside the period (0 to 1)."""
    if period is None:
        return np.ones(len(starts))
    start, end = bounds(period)
    s = starts.to_numpy(dtype="datetime64[ns]")
    e = ends.to_numpy(dtype="datetime64[ns]")
    lo = np.maximum(s, np.datetime64(start, "ns"))
    hi = np.minimum(e, np.datetime64(end, "ns"))
    inside = np.clip((hi - lo).astype("int64"), 0, None).astype(float)
    length = (e - s).astype("int64").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(length > 0, inside / length, 0.0)
    return np.nan_to_num(share, nan=0.0)


def period_range(
    times: Iterable[pd.Series], freq: str, start: TimeLike | None = None, end: TimeLike | None = None
) -> pd.PeriodIndex:
    """Every period of ``freq`` (``"M"``, ``"Q"``...) from ``start`` (else the earliest time) to ``end`` (else
    the latest), with no gaps: empty periods are rows too, never silently skipped."""
    stacked = [s.dropna() for s in times]
    values = pd.concat(stacked) if stacked else pd.Series(dtype="datetime64[ns]")
    first = timestamp(start) if start is not None else (values.min() if len(values) else None)
    last = timestamp(end) if end is not None else (values.max() if len(values) else None)
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return pd.PeriodIndex([], freq=freq)
    return pd.period_range(pd.Period(first, freq=freq), pd.Period(last, freq=freq), freq=freq)


def days(delta: pd.Series) -> pd.Series:
    """A timedelta Series in (fractional) days, as float (NaT becomes NaN)."""
    return (delta.dt.total_seconds() / 86_400.0).astype("float64")
