"""Strict reading of a CRM export's dates and amounts: a value is read one way or counted as not fitting.

**Amounts**: digits with an optional sign, currency mark (``$``, ``USD``) and thousands separators in groups of
three; the decimal mark is ``.`` unless the mapping says ``source.decimal = ","`` (then ``1.054,00`` is 1054).
``1,5`` (a decimal comma where a point is expected), ``1.054,00``, ``inf``, ``nan`` and numbers beyond
:data:`~simulation.limits.MAX_ACV` do not fit: the row is skipped and counted, never read as 15 or 1.054.

**Dates**: with ``source.date_format`` (a strftime format, or ``"ISO8601"``), exactly that format. Without it the
format is guessed per column and said: ISO dates (``2024-03-05``, with an optional time), or day and month
numbers before a four-digit year, read day first or month first only when a value shows which (a first number over
12: day first); a column where every value could be either is refused (set ``date_format``). A time-zone offset
(``+02:00``, ``Z``) is dropped and the local time kept, so a deal stays on the day its CRM showed. A date outside
funnelsim's calendar (:mod:`simulation.limits`; ``9999-12-31`` for "never") is counted apart.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from simulation import limits

ISO: Final = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")
NUMERIC: Final = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")
OFFSET: Final = re.compile(r"(?<=\d)(?:Z|[+-]\d{2}:?\d{2})$")
CURRENCY: Final = re.compile(r"\$|USD|\s|\u00a0")
AMOUNT: Final = {
    ".": re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d{1,3})?"),
    ",": re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"),
}


class AmbiguousDates(ValueError):
    """Every value of a date column reads both day first and month first."""


@dataclass(frozen=True)
class Dates:
    values: pd.Series  # datetime64[ns], NaT where blank or not fitting
    bad: pd.Series  # not a date in the format
    out_of_range: pd.Series  # a date, outside the calendar
    offsets: int  # time-zone offsets dropped
    guessed: str  # the format guessed ("" when the mapping gave one)


def amounts(text: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """``(amount, bad)``: numbers of the accepted form (see the module docstring); ``bad`` marks what did not fit."""
    cleaned = text.astype("string").str.replace(CURRENCY, "", regex=True)
    fits = cleaned.str.fullmatch(AMOUNT[decimal]).fillna(False).astype(bool)
    plain = cleaned.where(fits)
    if decimal == ",":
        plain = plain.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        plain = plain.str.replace(",", "", regex=False)
    with np.errstate(all="ignore"):
        number = pd.to_numeric(plain, errors="coerce").astype(float)
    too_big = ~(number.abs() <= limits.MAX_ACV) & number.notna()
    bad = text.notna() & (~fits | too_big)
    return number.mask(bad), bad


def dates(text: pd.Series, fmt: str | None) -> Dates:
    """Parse a date column (see the module docstring); raises :class:`AmbiguousDates` when a guess is impossible."""
    present = text.notna()
    has_offset = text.str.contains(OFFSET, na=False)
    local = text.str.replace(OFFSET, "", regex=True).str.strip()
    if fmt is not None and fmt != "ISO8601":
        values, guessed = _with_format(local, fmt), ""
    else:
        pattern, order = _guess(local) if fmt is None else (ISO, "ymd")
        values, guessed = _by_pattern(local, pattern, order), ("" if fmt is not None else _describe(order))
    unread = present & values.isna()
    out_of_range = unread & _outside_calendar(local, fmt)
    return Dates(values, (unread & ~out_of_range).astype(bool), out_of_range.astype(bool), int(has_offset.sum()),
                 guessed)


def _outside_calendar(local: pd.Series, fmt: str | None) -> pd.Series:
    """Values that are dates, only outside the calendar (a year before 1990 or after 2199)."""
    year = pd.to_numeric(local.str.extract(r"(?<!\d)(\d{4})(?!\d)")[0], errors="coerce")
    outside = ((year < limits.EARLIEST.year) | (year >= limits.LATEST.year)).fillna(False).astype(bool)
    if fmt is not None and fmt != "ISO8601":
        parses = local.map(lambda v: isinstance(v, str) and _strptime(v, fmt) is not None).astype(bool)
        return outside & parses
    return outside


def _strptime(value: str, fmt: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, fmt)
    except ValueError:
        return None


def _with_format(local: pd.Series, fmt: str) -> pd.Series:
    parsed = pd.to_datetime(local, format=fmt, errors="coerce")
    low, high = pd.Timestamp(limits.EARLIEST), pd.Timestamp(limits.LATEST)
    return parsed.where((parsed >= low) & (parsed < high)).astype("datetime64[ns]")


def _guess(local: pd.Series) -> tuple[re.Pattern[str], str]:
    values = local.dropna()
    iso = values.str.fullmatch(ISO).sum()
    numeric = values.str.extract(r"^" + NUMERIC.pattern + r"$").dropna(subset=[0])
    if iso >= len(numeric):
        return ISO, "ymd"
    first, second = pd.to_numeric(numeric[0]), pd.to_numeric(numeric[2])
    day_first, month_first = int((first > 12).sum()), int((second > 12).sum())
    if day_first == month_first == 0:
        example = values[values.str.fullmatch(NUMERIC)].iloc[0]
        raise AmbiguousDates(f"dates such as {example!r} read as day/month or month/day")
    return NUMERIC, "dmy" if day_first >= month_first else "mdy"


def _by_pattern(local: pd.Series, pattern: re.Pattern[str], order: str) -> pd.Series:
    parts = local.str.extract(r"^" + pattern.pattern + r"$")
    if order == "ymd":
        year, month, day, hour, minute, second = (parts[k] for k in range(6))
    else:
        a, b = parts[0], parts[2]
        day, month = (a, b) if order == "dmy" else (b, a)
        year, hour, minute, second = parts[3], parts[4], parts[5], parts[6]
    numbers = {name: pd.to_numeric(v, errors="coerce").astype(float) for name, v in
               (("year", year), ("month", month), ("day", day), ("hour", hour), ("minute", minute),
                ("second", second))}
    for name in ("hour", "minute", "second"):
        numbers[name] = numbers[name].fillna(0)
    in_range = (numbers["year"] >= limits.EARLIEST.year) & (numbers["year"] < limits.LATEST.year)
    frame = pd.DataFrame({k: v.where(in_range) for k, v in numbers.items()})
    return pd.to_datetime(frame, errors="coerce").astype("datetime64[ns]")


def _describe(order: str) -> str:
    return {"ymd": "YYYY-MM-DD", "dmy": "DD/MM/YYYY (day first)", "mdy": "MM/DD/YYYY (month first)"}[order]
