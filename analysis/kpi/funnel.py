"""Funnel conversion by stage, where deals are lost, and time spent per stage (waiting vs working).

Stages, in funnel order (:data:`simulation.tables.STAGES`), are entered at these timestamps and left at the
next one (or at ``closed`` when the deal was lost there), so a won deal's stage times add up to its cycle:

==============  =======================  ========================  ==========================================
stage           entered at               left at                   waiting (the rest is working)
==============  =======================  ========================  ==========================================
data_quality    arrived                  pov_requested             nurture: returned − arrived (educated ones)
data_access     pov_requested            data_access_granted       none (the privacy review is work)
pov_queue       data_access_granted      pov_started               all of it (no solution engineer free)
pov             pov_started              pov_ended                 none (the first POV; an extension is apart)
validation      pov_ended (if completed) negotiation_started       extension queue: extension_started −
                                                                   extension_requested (engineer busy)
negotiation     negotiation_started      closed                    founder queue: founder_met − requested
==============  =======================  ========================  ==========================================

A lost deal's stage is ``lost_stage`` or, when that is empty, the last stage it entered; a disqualified deal
is lost at ``data_quality``. Visits still open (no exit time) are not timed here; the biggest bottleneck
(:mod:`analysis.kpi.bottlenecks`) counts them, since a queue that keeps growing has few finished visits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.kpi.periods import PeriodLike, days, within
from simulation.tables import STAGE_ENTERED, STAGES, flag, is_value, require

_ENTRY = STAGE_ENTERED
_EXIT = {
    "data_quality": "pov_requested",
    "data_access": "data_access_granted",
    "pov_queue": "pov_started",
    "pov": "pov_ended",
    "validation": "negotiation_started",
    "negotiation": "closed",
}


def _times(deals: pd.DataFrame, column: str) -> pd.Series:
    return deals[column] if column in deals.columns else pd.Series(pd.NaT, index=deals.index, dtype="datetime64[ns]")


def entered(deals: pd.DataFrame) -> pd.DataFrame:
    """Per deal and stage (columns in funnel order), whether the deal entered the stage (it has the stage's entry
    time, or entered a later stage; a won deal entered them all)."""
    require(deals, ("arrived", "outcome"), "deals", "funnel conversion")
    result = {stage: _times(deals, column).notna() for stage, column in _ENTRY.items()}
    reached_negotiation = _times(deals, "negotiation_started").notna()
    completed = flag(deals["pov_completed"]) if "pov_completed" in deals.columns else reached_negotiation
    result["validation"] = (result["validation"] & completed) | reached_negotiation
    result["data_quality"] = deals["arrived"].notna()
    # A won deal went through every stage, dated or not (a CRM export may only have created and won dates).
    result["negotiation"] = result["negotiation"] | is_value(deals["outcome"], "won")
    raw = pd.DataFrame(result, index=deals.index)[list(STAGES)].astype("int8")
    # A deal in a later stage went through the earlier ones even where their times are missing (open deals
    # loaded mid-funnel, CRM exports without every stage date).
    return raw.iloc[:, ::-1].cummax(axis=1).iloc[:, ::-1].astype(bool)


def loss_stage(deals: pd.DataFrame) -> pd.Series:
    """Each lost or disqualified deal's stage of loss (``<NA>`` for won and open deals)."""
    visits = entered(deals)
    last = pd.Series(np.array(STAGES, dtype=object)[visits.to_numpy().cumsum(axis=1).argmax(axis=1)], index=deals.index)
    recorded = (
        deals["lost_stage"].astype("string")
        if "lost_stage" in deals.columns
        else pd.Series(pd.NA, index=deals.index, dtype="string")
    )
    stage = recorded.where(recorded.isin(STAGES).fillna(False).astype(bool), last.astype("string"))
    stage = stage.where(~is_value(deals["outcome"], "disqualified"), "data_quality")
    return stage.where(is_value(deals["outcome"], "lost", "disqualified")).astype("string")


def conversion(deals: pd.DataFrame, period: PeriodLike | None = None) -> pd.DataFrame:
    """Funnel conversion by stage for the deals that arrived in the period: entered, advanced, lost, open,
    ``conversion`` = advanced / (advanced + lost) and ``share_of_losses`` (where deals are lost)."""
    cohort = deals[within(deals["arrived"], period)] if period is not None else deals
    visits = entered(cohort)
    won = is_value(cohort["outcome"], "won")
    following = pd.concat([visits.iloc[:, 1:], won.rename("won")], axis=1).set_axis(visits.columns, axis=1)
    advanced = visits & following
    lost_at = loss_stage(cohort)
    lost = pd.DataFrame({s: (lost_at == s).fillna(False).astype(bool) for s in STAGES}, index=cohort.index)
    still = visits & ~advanced & ~lost
    table = pd.DataFrame(
        {"entered": visits.sum(), "advanced": advanced.sum(), "lost": lost.sum(), "open": still.sum()}
    ).astype("int64")
    decided = table["advanced"] + table["lost"]
    table["conversion"] = table["advanced"] / decided.where(decided > 0)
    total_lost = table["lost"].sum()
    table["share_of_losses"] = table["lost"] / total_lost if total_lost else np.nan
    table.index.name = "stage"
    return table


def stage_times(deals: pd.DataFrame) -> pd.DataFrame:
    """One row per finished stage visit: id, stage, entered, exited, days, waiting_days, working_days."""
    require(deals, ("arrived", "outcome", "closed"), "deals", "time per stage")
    visits = entered(deals)
    lost_at = loss_stage(deals)
    ids = deals["id"] if "id" in deals.columns else pd.Series(deals.index.astype(str), index=deals.index)
    frames = []
    for stage in STAGES:
        start = _times(deals, _ENTRY[stage]).where(visits[stage])
        lost_here = (lost_at == stage).fillna(False).astype(bool)
        if stage == "negotiation":
            exit_time = deals["closed"].where(is_value(deals["outcome"], "won") | lost_here)
        else:
            exit_time = _times(deals, _EXIT[stage]).fillna(deals["closed"].where(lost_here))
        total = days(exit_time - start)
        waiting = _waiting(deals, stage, total)
        frames.append(
            pd.DataFrame(
                {
                    "id": ids,
                    "stage": stage,
                    "entered": start,
                    "exited": exit_time,
                    "days": total,
                    "waiting_days": waiting,
                    "working_days": total - waiting,
                }
            )[total.notna()]
        )
    long = pd.concat(frames, ignore_index=True)
    long["stage"] = long["stage"].astype("string")
    return long


def _waiting(deals: pd.DataFrame, stage: str, total: pd.Series) -> pd.Series:
    zero = pd.Series(0.0, index=deals.index)
    if stage == "pov_queue":
        return total
    if stage == "data_quality":
        nurture = days(_times(deals, "returned") - deals["arrived"])
        return nurture.fillna(0.0).clip(lower=0).combine(total, min)
    if stage == "negotiation":
        queue = days(_times(deals, "founder_met") - _times(deals, "founder_requested"))
        return queue.fillna(0.0).clip(lower=0).combine(total, min)
    if stage == "validation":
        # An unclear result asks for an engineer again: the wait for one is queueing, not validation work. A
        # deal lost while still queueing waited from the request to its close.
        until = _times(deals, "extension_started").fillna(deals["closed"])
        queue = days(until - _times(deals, "extension_requested"))
        return queue.fillna(0.0).clip(lower=0).combine(total, min)
    return zero


def stage_time_summary(deals: pd.DataFrame, period: PeriodLike | None = None) -> pd.DataFrame:
    """Per stage, for the visits that ended in the period: visits, mean days (total, waiting, working), median
    days, total deal-days and the waiting share; every stage is a row (NaN means no finished visit)."""
    long = stage_times(deals)
    long = long[within(long["exited"], period)]
    grouped = long.groupby("stage", sort=False).agg(
        visits=("days", "size"),
        mean_days=("days", "mean"),
        mean_waiting_days=("waiting_days", "mean"),
        mean_working_days=("working_days", "mean"),
        median_days=("days", "median"),
        total_days=("days", "sum"),
        total_waiting_days=("waiting_days", "sum"),
    )
    table = grouped.reindex(list(STAGES))
    table["visits"] = table["visits"].fillna(0).astype("int64")
    table[["total_days", "total_waiting_days"]] = table[["total_days", "total_waiting_days"]].fillna(0.0)
    table["waiting_share"] = table["total_waiting_days"] / table["total_days"].where(table["total_days"] > 0)
    table.index.name = "stage"
    return table


def untouched_share(market: pd.DataFrame, month: pd.Timestamp | None = None) -> float:
    """The share of the market's counted accounts nobody had contacted by the end of ``month`` (a ``month`` of the
    ``market`` table; default its last): untouched over accounts, summed over the tiers [market] counts.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"month": pd.to_datetime(["2027-01-01", "2027-01-01", "2027-02-01", "2027-02-01"]),
    ...                       "tier": ["small", "large"] * 2, "accounts": [100, 20] * 2, "untouched": [90, 20, 70, 14]})
    >>> untouched_share(table), untouched_share(table, pd.Timestamp("2027-01-01"))
    (0.7, 0.9166666666666666)
    """
    require(market, ("month", "accounts", "untouched"), "market", "the share of the market left")
    rows = market[market["month"] == (market["month"].max() if month is None else month)]
    total = float(rows["accounts"].sum())
    return float(rows["untouched"].sum()) / total if total > 0 else float("nan")
