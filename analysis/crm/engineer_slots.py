"""How many POVs the solution engineers run at once, read off an export that dates the queue for them.

An export with ``data_access_granted`` and ``pov_started`` shows who waited for an engineer and when. The engine
serves that queue first come, first served and never leaves a slot idle while someone waits, so at every moment
somebody waits, every slot is busy: the number of POVs running then *is* the slot count. We take its time-weighted
median over the waiting time (robust to date-only stamps, where a POV that ends and the next that starts share a
day, and to a few hours of mismatch), and only when the queue is real: at least ``MIN_WAITERS`` deals waited more
than ``MIN_WAIT_DAYS``. Without such a queue the engineers had room, and the count is not identified (the
calibrated scenario keeps the base's, raised to keep the load under its cap).

An extension holds an engineer again (:mod:`simulation.funnel`): ``extension_requested -> extension_started`` is
waiting and ``extension_started -> extension_ended`` is running, when the export has those columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

MIN_WAITERS: Final = 5  # fewer deals that waited: no queue to read the capacity from
MIN_WAIT_DAYS: Final = 1.0  # a shorter wait is a same-day start (date-only stamps), not a queue
DAY: Final = pd.Timedelta(days=1)
# (waiting from, waiting until, running from, running until): the POV, then its extension if any
SPELLS: Final = (("data_access_granted", "pov_started", "pov_started", "pov_ended"),
                 ("extension_requested", "extension_started", "extension_started", "extension_ended"))


@dataclass(frozen=True)
class SlotEstimate:
    """POV slots busy while deals waited for an engineer, with the evidence behind it."""

    slots: int  # time-weighted median of the POVs running while someone waited
    waiters: int  # deals that waited more than MIN_WAIT_DAYS
    waiting_days: float  # days in the window with somebody waiting
    mean_running: float  # time-weighted mean of the POVs running while someone waited


def observed_slots(deals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> SlotEstimate | None:
    """The engineers' POV slots from the dated queue in ``[start, end)``, or ``None`` when no queue shows.

    ``deals`` is the whole table (deals created before the window still hold engineers inside it); an interval
    that has not ended by the export's date runs to ``end``; a deal lost while waiting waits until it closed.
    """
    waits, runs = _intervals(deals, end)
    if waits.empty:
        return None
    long_waits = waits[(waits["to"] - waits["from"]) / DAY > MIN_WAIT_DAYS]
    if long_waits["id"].nunique() < MIN_WAITERS:
        return None
    cuts, waiting, running = _step_counts(long_waits, runs, start, end)
    spans = np.diff(cuts)
    mask = (waiting > 0) & (spans > 0)
    if not mask.any():
        return None
    busy, weight = running[mask], spans[mask]
    order = np.argsort(busy, kind="stable")
    cumulative = np.cumsum(weight[order])
    median = int(busy[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    if median < 1:
        return None
    return SlotEstimate(slots=median, waiters=int(long_waits["id"].nunique()),
                        waiting_days=float(weight.sum()), mean_running=float(np.average(busy, weights=weight)))


def _intervals(deals: pd.DataFrame, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Waiting and running intervals (columns id, from, to), open ones closed at the close or at ``end``."""
    waits, runs = [], []
    ids = deals["id"] if "id" in deals.columns else pd.Series(deals.index, index=deals.index)
    closed = deals["closed"] if "closed" in deals.columns else pd.Series(pd.NaT, index=deals.index)
    for wait_from, wait_to, run_from, run_to in SPELLS:
        if wait_from not in deals.columns or wait_to not in deals.columns:
            continue
        began = deals[wait_from].notna()
        until = deals[wait_to].fillna(closed).fillna(end).clip(upper=end)
        waits.append(pd.DataFrame({"id": ids[began], "from": deals.loc[began, wait_from], "to": until[began]}))
        if run_to in deals.columns:
            ran = deals[run_from].notna()
            stop = deals[run_to].fillna(closed).fillna(end).clip(upper=end)
            runs.append(pd.DataFrame({"id": ids[ran], "from": deals.loc[ran, run_from], "to": stop[ran]}))
    empty = pd.DataFrame({"id": [], "from": pd.Series(dtype="datetime64[ns]"), "to": pd.Series(dtype="datetime64[ns]")})
    return (pd.concat(waits, ignore_index=True) if waits else empty,
            pd.concat(runs, ignore_index=True) if runs else empty)


def _step_counts(waits: pd.DataFrame, runs: pd.DataFrame, start: pd.Timestamp,
                 end: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breakpoints in days from ``start`` and, on each piece between them, how many wait and how many run."""
    def days(values: pd.Series) -> np.ndarray:
        return np.clip(((values - start) / DAY).to_numpy(dtype=float), 0.0, (end - start) / DAY)

    w_from, w_to, r_from, r_to = days(waits["from"]), days(waits["to"]), days(runs["from"]), days(runs["to"])
    cuts = np.unique(np.concatenate([[0.0, (end - start) / DAY], w_from, w_to, r_from, r_to]))
    mids = (cuts[:-1] + cuts[1:]) / 2

    def count(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return (np.searchsorted(np.sort(lo), mids, side="right")
                - np.searchsorted(np.sort(hi), mids, side="right")).astype(np.int64)

    return cuts, count(w_from, w_to), count(r_from, r_to)
