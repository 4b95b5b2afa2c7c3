"""The biggest bottleneck, one queue-aware definition for every report (kpis, dashboard, autopsy, health page).

A deal is somewhere at every instant: in a funnel stage, or waiting in one of the two resource queues. Each
candidate below is a set of intervals per deal, from the timestamps of :data:`simulation.tables.DEALS`; an interval
whose end has not happened yet (the deal is still there) runs to the end of the window, so the deals still waiting
count, not only the visits that finished (a queue that only grows would otherwise look empty):

================  =================================================================  ============================
candidate         intervals                                                          a loss here
================  =================================================================  ============================
data_quality      arrived → pov_requested (nurture included)                          (disqualified: not a loss)
data_access       pov_requested → data_access_granted                                 lost_stage data_access
pov_queue         data_access_granted → pov_started; extension_requested →            lost_stage pov_queue
                  extension_started (waiting for a solution engineer)
pov               pov_started → pov_ended                                             lost_stage pov
validation        pov_ended → negotiation_started, less the extension's wait          lost_stage validation
negotiation       negotiation_started → closed, less the founder's wait               lost in negotiation
founder_queue     founder_requested → founder_met (waiting for the founder)           lost waiting for the founder
================  =================================================================  ============================

An interval ends at its next timestamp, else at ``closed`` (the deal was lost there), else it is still open. Over
a window ``[start, end)`` (all time: the first arrival to the data's end), per candidate:

* ``deal_days``: days deals spent there inside the window; ``mean_deals`` = deal_days / window days, the mean
  number of deals there (for a queue, its mean length: Little's L); ``now``: deals there at the window's end;
* ``lost``: deals lost there with a close in the window (disqualification is the data-quality filter working);
* ``utilisation``: for the two queues, the share of their resource's capacity busy in the window (from the
  resources table, when given);
* ``binding``: a queue whose resource was saturated (at least :data:`SATURATED` of its capacity busy over the
  window) with deals still waiting at the window's end: the constraint the whole flow runs at (adding anywhere else
  moves nothing until it is relieved);
* ``score`` = time share (deal_days / all deal_days) + loss share (lost / all lost), plus :data:`BINDING_BONUS` when
  binding, so a saturated queue outranks a stage with a few losses. The biggest bottleneck has the highest score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis.kpi.funnel import loss_stage
from analysis.kpi.periods import DAY, PeriodLike, bounds, within
from analysis.kpi.utilisation import busy_share
from simulation.tables import is_value, require

CANDIDATES: Final = (
    "data_quality", "data_access", "pov_queue", "pov", "validation", "negotiation", "founder_queue",
)
QUEUES: Final = {"pov_queue": "solution_engineers", "founder_queue": "founder"}
LABELS: Final = {
    "data_quality": "Data-quality check",
    "data_access": "Data-access review",
    "pov_queue": "Wait for a solution engineer",
    "pov": "POV",
    "validation": "Accuracy validation",
    "negotiation": "Negotiation",
    "founder_queue": "Wait for the founder's final meeting",
}
COLUMNS: Final = (
    "deal_days", "mean_deals", "now", "time_share", "lost", "loss_share", "utilisation", "binding", "score",
)
SATURATED: Final = 0.95  # share of a resource's capacity busy over the window: it is the binding constraint
BINDING_BONUS: Final = 2.0  # above any time share + loss share (each at most 1)
# candidate -> (start column, end columns in order of preference) for each of its intervals.
_PIECES: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "data_quality": (("arrived", ("pov_requested",)),),
    "data_access": (("pov_requested", ("data_access_granted",)),),
    "pov_queue": (("data_access_granted", ("pov_started",)), ("extension_requested", ("extension_started",))),
    "pov": (("pov_started", ("pov_ended",)),),
    "validation": (("pov_ended", ("extension_requested", "negotiation_started")),
                   ("extension_started", ("negotiation_started",))),
    "negotiation": (("negotiation_started", ("founder_requested",)), ("founder_met", ())),
    "founder_queue": (("founder_requested", ("founder_met",)),),
}


def _column(deals: pd.DataFrame, name: str) -> pd.Series:
    if name in deals.columns:
        return deals[name].astype("datetime64[ns]")
    return pd.Series(pd.NaT, index=deals.index, dtype="datetime64[ns]")


def intervals(deals: pd.DataFrame) -> pd.DataFrame:
    """Every candidate interval: candidate, deal row, start, end (NaT while the deal is still there)."""
    require(deals, ("arrived", "closed", "outcome"), "deals", "the bottleneck")
    closed = _column(deals, "closed")
    frames = []
    for candidate, pieces in _PIECES.items():
        for start_col, ends in pieces:
            start = _column(deals, start_col)
            end = pd.Series(pd.NaT, index=deals.index, dtype="datetime64[ns]")
            for column in (*ends, "closed"):
                later = _column(deals, column) if column != "closed" else closed
                end = end.fillna(later.where(later >= start))
            if candidate == "validation" and start_col == "pov_ended":  # only a completed POV goes on to validation
                completed = deals["pov_completed"].astype("boolean").fillna(True) if "pov_completed" in deals else True
                start = start.where(completed)
            frames.append(pd.DataFrame({"candidate": candidate, "deal": deals.index, "start": start, "end": end}))
    long = pd.concat(frames, ignore_index=True)
    return long[long["start"].notna()].reset_index(drop=True)


def loss_place(deals: pd.DataFrame) -> pd.Series:
    """The candidate each lost deal was lost in (``<NA>`` for the others): its stage of loss
    (:func:`analysis.kpi.funnel.loss_stage`), with a deal lost while waiting for the founder placed in the founder's
    queue."""
    lost = is_value(deals["outcome"], "lost")
    stage = loss_stage(deals)
    waiting = _column(deals, "founder_requested").notna() & _column(deals, "founder_met").isna()
    place = stage.mask(lost & (stage == "negotiation").fillna(False) & waiting, "founder_queue")
    return place.where(lost).astype("string")


def ranking(
    deals: pd.DataFrame, window: PeriodLike | None = None, resources: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every candidate (index, funnel order) with the columns of :data:`COLUMNS` over ``window`` (module docstring)."""
    spans = intervals(deals)
    start, end = _limits(deals, window)
    if end <= start:
        empty = pd.DataFrame(0.0, index=pd.Index(CANDIDATES, name="candidate"), columns=list(COLUMNS))
        return empty.assign(binding=False)
    lo = spans["start"].clip(lower=start)
    hi = spans["end"].fillna(end).clip(upper=end)
    spans["days"] = ((hi - lo) / DAY).clip(lower=0)
    spans["now"] = (spans["start"] < end) & ~(spans["end"] < end)
    table = spans.groupby("candidate").agg(deal_days=("days", "sum"), now=("now", "sum")).reindex(CANDIDATES)
    table = table.fillna(0.0)
    table["mean_deals"] = table["deal_days"] / ((end - start) / DAY)
    total = table["deal_days"].sum()
    table["time_share"] = table["deal_days"] / total if total > 0 else 0.0
    lost_in = loss_place(deals)[within(deals["closed"], (start, end))].value_counts()
    table["lost"] = [float(lost_in.get(c, 0)) for c in CANDIDATES]
    all_lost = table["lost"].sum()
    table["loss_share"] = table["lost"] / all_lost if all_lost > 0 else 0.0
    table["utilisation"] = [busy_share(resources, QUEUES.get(c), start, end) for c in CANDIDATES]
    table["binding"] = (table["utilisation"] >= SATURATED) & (table["now"] > 0)
    table["score"] = table["time_share"] + table["loss_share"] + BINDING_BONUS * table["binding"]
    table.index.name = "candidate"
    return table[list(COLUMNS)]


def _limits(deals: pd.DataFrame, window: PeriodLike | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    if window is not None:
        return bounds(window)
    times = [_column(deals, c).max() for c in deals.columns if pd.api.types.is_datetime64_any_dtype(deals[c])]
    known = [t for t in times if not pd.isna(t)]
    first = deals["arrived"].min()
    if not known or pd.isna(first):
        return pd.Timestamp(0), pd.Timestamp(0)
    return first, max(known).normalize() + DAY


@dataclass(frozen=True)
class Bottleneck:
    """The biggest bottleneck of a window, in figures and in words."""

    candidate: str
    score: float
    text: str


def describe(candidate: str, row: pd.Series) -> str:
    """One line naming the candidate by what makes it the bottleneck: a binding queue as such, else its share of
    deal-days (with the deals there now) or of losses, whichever is larger; a queue also says how busy it was.

    >>> row = pd.Series({"deal_days": 900.0, "mean_deals": 10.0, "now": 87, "time_share": 0.4, "lost": 3,
    ...                  "loss_share": 0.1, "utilisation": 0.98})
    >>> describe("pov_queue", row)
    'Wait for a solution engineer holds 40 % of the deal-days (87 deals there now, 10.0 on average; 98 % busy)'
    """
    label = LABELS[candidate]
    if row.get("binding", False):
        return (f"{label}: the binding constraint, {row['utilisation'] * 100:.0f} % busy with {_deals(row['now'])} "
                f"waiting now ({row['mean_deals']:.1f} on average, {row['time_share'] * 100:.0f} % of the deal-days)")
    if row["loss_share"] > row["time_share"]:
        return f"{label} loses {row['loss_share'] * 100:.0f} % of lost deals ({int(row['lost'])})"
    text = (f"{label} holds {row['time_share'] * 100:.0f} % of the deal-days ({_deals(row['now'])} there now, "
            f"{row['mean_deals']:.1f} on average")
    busy = row.get("utilisation", np.nan)
    return text + (f"; {busy * 100:.0f} % busy)" if candidate in QUEUES and not pd.isna(busy) else ")")


def _deals(count: float) -> str:
    return "1 deal" if int(count) == 1 else f"{int(count)} deals"


def biggest(
    deals: pd.DataFrame, window: PeriodLike | None = None, resources: pd.DataFrame | None = None
) -> Bottleneck | None:
    """The highest-scoring candidate of the window, None when no deal spent time or was lost anywhere in it."""
    table = ranking(deals, window, resources)
    if not (table["score"] > 0).any():
        return None
    candidate = str(table["score"].idxmax())
    return Bottleneck(candidate, float(table.loc[candidate, "score"]), describe(candidate, table.loc[candidate]))
