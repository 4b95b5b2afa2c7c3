"""The dates a report's data cover: a week or month after the data's end (or before its start) is refused.

A dashboard of a week long after a run ended would rate an empty window RED, an autopsy of a month after it
would call every deal still open "delayed", and ``--week 9999-W52`` would build windows thousands of years long.
So a report asks for a period the data reach, in one line (exit 2), before any work:

* a dashboard reports the week before its Monday, which must hold a day of data (the Monday after the last data
  day is the report a CRO reads on that day; a later one reports only days without data), and its Monday is
  after the start date (checked in :mod:`analysis.report.dashboard`);
* an autopsy's month must begin before the data's end and end after the first deal arrived.

The data's end is the run's horizon end for a ``funnelsim run`` folder (its ``scenario.json``). A deals CSV only
shows its last event, and an export may be taken well after it, so there a report may be up to
:data:`CSV_GRACE` later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from analysis.kpi import kpis
from simulation import limits
from simulation.errors import InputError

if TYPE_CHECKING:
    from analysis.report.dashboard import Tables

DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)
CSV_GRACE = pd.Timedelta(days=365)


class OutsideData(InputError):
    """A report asked for a week or month the data do not cover."""


def data_end(tables: Tables) -> tuple[pd.Timestamp | None, str]:
    """The end of what the data can show and how to say it: a run's horizon end, else (a deals CSV) the first
    midnight after the latest event in the deals and revenue tables plus :data:`CSV_GRACE`."""
    if tables.end is not None:
        return tables.end, f"the run ends on {tables.end - DAY:%Y-%m-%d}"
    last = kpis.data_end(tables.deals, revenue=tables.revenue)
    if last is None:
        return None, ""
    return last + CSV_GRACE, (f"the data's last event is on {last - DAY:%Y-%m-%d} (a report may come up to "
                              f"{CSV_GRACE.days} days later)")


def check_week(week: str, monday: pd.Timestamp, tables: Tables) -> None:
    """Refuse a dashboard week that reports no day of data (its Monday a week or more after the data's end)."""
    end, said = data_end(tables)
    if end is not None and monday >= end + WEEK:
        latest = end + WEEK - DAY
        iso = (latest - pd.Timedelta(days=latest.weekday())).isocalendar()
        raise OutsideData(f"--week {week}: {said}, so nothing after that is known; the latest week to report is "
                          f"{iso[0]}-W{iso[1]:02d}")


def check_month(month: str, start: pd.Timestamp, end: pd.Timestamp, tables: Tables) -> None:
    """Refuse an autopsy month that begins at or after the data's end, or ends before the first deal arrived."""
    last, said = data_end(tables)
    if last is not None and start >= last:
        raise OutsideData(f"--month {month}: {said}, before this month; the latest month to report is "
                          f"{last - DAY:%Y-%m}")
    arrived = tables.deals["arrived"].dropna()
    if len(arrived) and end <= arrived.min():
        raise OutsideData(f"--month {month}: the data start on {arrived.min():%Y-%m-%d}, after this month; the "
                          f"earliest month to report is {arrived.min():%Y-%m}")


def in_calendar(year: int, what: str) -> None:
    """Refuse a year outside funnelsim's calendar before any date arithmetic is done with it."""
    if not limits.EARLIEST.year <= year < limits.LATEST.year:
        raise OutsideData(f"{what}: outside the dates funnelsim can hold ({limits.calendar_text()})")
