"""Where a deals table's arrivals are steady, and whether a table is already in funnelsim's deals schema.

**The steady start.** Every export holds a few deals created long before the bulk: deals still open when the
export's history begins (funnelsim's own runs list their open pipeline that way too). Read as arrivals they
stretch the window and dilute the rate (a run at 9 a week read 6.55). The rule, in two steps:

1. *Change point.* Arrival times are fitted as a Poisson process whose rate steps once, at ``tau`` (a rate ``r1``
   before, ``r2`` after; ``tau`` at one of the arrival times, by maximum likelihood). The step is kept when the
   leading stretch is sparse (``r1`` below :data:`SPARSE` x ``r2``) and the likelihood-ratio statistic against a
   constant rate exceeds :data:`MIN_LR` (about p < 1e-5 for one step; the search over ``tau`` is why the bar is
   high: a steady table rarely passes it).
2. *Snapshot.* When a step is kept, the start moves on to the day of the first close if that is later: no deal in
   the table closed before that day, so the deals created before it are the ones still open then (a snapshot of
   the pipeline), not all that arrived.

The deals created before the start are the open pipeline on that day: left out of the arrival and duration fits
(they are a biased sample: only the deals still open) and counted in the calibration's output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from simulation.tables import DEALS, read_csv

SPARSE: Final = 0.25  # a leading stretch below a quarter of the steady rate is stragglers, not arrivals
MIN_LR: Final = 25.0  # likelihood-ratio statistic a step needs (chi2 with 2 df: p = 4e-6)
DAY: Final = pd.Timedelta(days=1)
DEALS_SCHEMA_REQUIRED: Final = ("id", "arrived", "closed", "outcome")


@dataclass(frozen=True)
class SteadyStart:
    """Where the steady arrivals begin, the rule that put it there and the deals before it."""

    start: pd.Timestamp
    rule: str  # "first arrival", "change point" or "change point, then first close"
    before: int  # deals created before ``start`` (the open pipeline on that day)
    rate_before: float  # per week, over the leading stretch
    rate_after: float  # per week, from the start on
    lr: float  # likelihood-ratio statistic of the step (0 when there is none)

    def line(self) -> str:
        """One sentence for the command's output."""
        if self.before == 0:
            return f"arrivals steady from the first deal ({self.start.date()})"
        return (f"window starts {self.start.date()} ({self.rule}): {self.before} deal(s) created before it "
                f"({self.rate_before:.2f} a week against {self.rate_after:.2f} after; likelihood ratio "
                f"{self.lr:.0f}) count as the open pipeline on that day, not as arrivals")


def steady_start(deals: pd.DataFrame) -> SteadyStart:
    """The first day of steady arrivals in ``deals`` (the deals schema), by the rule in the module docstring."""
    arrived = deals["arrived"].dropna().sort_values()
    first = pd.Timestamp(arrived.iloc[0]).normalize() if len(arrived) else pd.Timestamp("1970-01-01")
    if len(arrived) < 10:
        return SteadyStart(first, "first arrival", 0, math.nan, math.nan, 0.0)
    stamps = deals.select_dtypes("datetime").stack()
    last = pd.Timestamp(stamps.max())
    t = ((arrived - first) / DAY).to_numpy(dtype=float)
    span = max(float((last - first) / DAY), float(t[-1])) + 1.0
    k, lr = change_point(t, span)
    if k == 0:
        return SteadyStart(first, "first arrival", 0, math.nan, 7 * len(t) / span, 0.0)
    start = (first + pd.Timedelta(days=float(t[k]))).normalize()
    rule = "change point"
    closes = deals["closed"].dropna()
    if len(closes):
        first_close = pd.Timestamp(closes.min()).normalize()
        if start < first_close < last:
            start, rule = first_close, "change point, then first close"
    before = int((arrived < start).sum())
    lead = float((start - first) / DAY)
    rate_before = 7 * before / lead if lead > 0 else math.nan
    rate_after = 7 * (len(t) - before) / max(span - lead, 1.0)
    return SteadyStart(start, rule, before, rate_before, rate_after, lr)


def change_point(t: np.ndarray, span: float) -> tuple[int, float]:
    """``(k, statistic)``: the first ``k`` sorted arrival days of ``t`` (in ``[0, span)``) form a sparse leading
    stretch ending at ``t[k]``, by the likelihood-ratio rule of the module docstring; ``(0, 0.0)`` when none does.

    >>> change_point(np.r_[0.0, 40.0, 80.0, 100 + np.arange(200) / 2], 200.0)[0]
    3
    >>> change_point(np.arange(300) / 1.5, 200.0)
    (0, 0.0)
    """
    n = len(t)
    flat = n * math.log(n / span) - n
    k = np.arange(1, n // 2 + 1)  # the leading stretch is a minority of the deals
    tau = t[k]
    ok = (tau > 0) & (span - tau > 0)
    k, tau = k[ok], tau[ok]
    r1, r2 = k / tau, (n - k) / (span - tau)
    ll = k * np.log(r1) - k + (n - k) * np.log(r2) - (n - k)
    sparse = r1 < SPARSE * r2
    if not sparse.any():
        return 0, 0.0
    best = int(np.argmax(np.where(sparse, ll, -np.inf)))
    statistic = 2 * float(ll[best] - flat)
    return (int(k[best]), statistic) if statistic > MIN_LR else (0, 0.0)


def is_deals_schema(path: Path) -> bool:
    """Whether the CSV's header is funnelsim's deals schema (a ``funnelsim run`` or ``import`` output): it has the
    required columns and every column is one of the schema's."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            header = [c.strip() for c in handle.readline().rstrip("\r\n").split(",")]
    except (OSError, UnicodeDecodeError):
        return False
    return all(c in header for c in DEALS_SCHEMA_REQUIRED) and all(c in DEALS for c in header)


def read_deals_table(path: Path) -> pd.DataFrame:
    """A table in the deals schema, read strictly (bad values: one line naming the file and column)."""
    return read_csv(path, DEALS, required=DEALS_SCHEMA_REQUIRED, check_values=True)
