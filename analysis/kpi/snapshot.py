"""The tables as a CRM would have shown them at one instant: what a Monday dashboard can know.

A simulated outcome holds the whole horizon, so a deal that closes in August already has its close date in a
dashboard for June. :func:`deals_as_of` blanks everything that had not happened *before* ``as_of`` (the same
half-open convention as :mod:`analysis.kpi.periods`: an event at ``as_of`` itself is not yet known): later stage
dates become ``NaT``, results decided later become ``<NA>``, a deal not closed yet is ``open``, and a won deal
whose 90-day check lies in the future is provisional again. On a real CRM export taken before ``as_of``
nothing changes.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from analysis.kpi.periods import TimeLike, timestamp
from simulation.tables import require

RETENTION_CHECK: Final = pd.Timedelta(days=90)

# Result columns and the timestamp (or timestamps) by which the result is known.
_DECIDED_BY: Final[dict[str, tuple[str, ...]]] = {
    "dq_passed": ("dq_checked",),
    "pov_completed": ("pov_ended",),
    "extended": ("negotiation_started", "closed"),
    "validation_passed": ("negotiation_started", "closed"),
    "founder_in_final_meeting": ("founder_requested", "closed"),
}


def deals_as_of(deals: pd.DataFrame, as_of: TimeLike) -> pd.DataFrame:
    """The deals table as known just before ``as_of``: deals that had arrived, stages that had happened."""
    require(deals, ("arrived", "closed", "outcome"), "deals", "a dated snapshot")
    t = timestamp(as_of)
    frame = deals[deals["arrived"] < t].copy()
    dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    known = {c: frame[c] < t for c in dates}
    for result, stamps in _DECIDED_BY.items():
        if result not in frame.columns:
            continue
        decided = pd.Series(False, index=frame.index)
        for stamp in stamps:
            if stamp in known:
                decided |= known[stamp]
        frame[result] = frame[result].astype("boolean").where(decided)
    if "educated" in frame.columns:
        failed_once = known.get("returned", pd.Series(False, index=frame.index))
        decided = known.get("dq_checked", pd.Series(False, index=frame.index)) | failed_once
        frame["educated"] = frame["educated"].astype("boolean").where(decided)
        if "dq_passed" in frame.columns:
            # Came back for a second check that had not finished yet: the first check had failed.
            pending_second = failed_once & ~known.get("dq_checked", failed_once)
            frame.loc[pending_second, "dq_passed"] = False
    for column in dates:
        frame[column] = frame[column].where(known[column])
    still_open = frame["closed"].isna()
    frame["outcome"] = frame["outcome"].astype("string").mask(still_open, "open")
    if "lost_stage" in frame.columns:
        frame["lost_stage"] = frame["lost_stage"].astype("string").mask(still_open, pd.NA)
    checked = (frame["closed"] + RETENTION_CHECK) < t
    if "retention_90d" in frame.columns:
        frame["retention_90d"] = frame["retention_90d"].astype("string").where(checked)
    if "acv_after_90d" in frame.columns:
        frame["acv_after_90d"] = frame["acv_after_90d"].astype("float64").where(checked)
    return frame


def before(frame: pd.DataFrame, column: str, as_of: TimeLike) -> pd.DataFrame:
    """Rows of a time-stamped table (revenue events, resource changes) that happened before ``as_of``."""
    if column not in frame.columns:
        return frame
    return frame[frame[column] < timestamp(as_of)]


def spend_as_of(spend: pd.DataFrame, as_of: TimeLike) -> pd.DataFrame:
    """Monthly spend rows for months that had started before ``as_of`` (a month in progress is prorated by the
    KPI functions when the period ends inside it)."""
    return before(spend, "month", as_of)
