"""The biggest bottleneck: the stage or resource queue that adds most to the cycle or loses most deals.

Built on :func:`analysis.kpi.funnel.stage_times` (time per finished stage visit, waiting vs working) and
:func:`analysis.kpi.funnel.loss_stage` (where each lost deal was lost). The two resource queues are candidates of
their own: ``pov_queue`` (waiting for a solution engineer) is a funnel stage already, and ``founder_queue`` is
the waiting part of negotiation (waiting for the founder's final meeting), split from ``negotiation``.

For the visits that ended in the window and the deals lost in it:

* ``time_share`` = the candidate's mean days per visit / the sum of those means over all candidates: its share of
  the cycle of a deal that passes every stage (the same means the "waiting vs working" chart shows);
* ``loss_share`` = deals lost there / all deals lost after qualification (disqualification at the data-quality
  check is the filter working as designed, not a bottleneck, so disqualified deals are left out);
* ``score`` = ``time_share + loss_share``; the biggest bottleneck has the highest score, and it is named for
  whichever of the two shares is larger ("POV queue wait is 31 % of the cycle", "POV loses 62 % of lost deals").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from analysis.kpi import funnel
from analysis.kpi.frames import is_value
from analysis.kpi.periods import PeriodLike, within
from analysis.report.fix_library import Effect, FixOption, fixes_for

CANDIDATES: Final = (
    "data_quality",
    "data_access",
    "pov_queue",
    "pov",
    "validation",
    "negotiation",
    "founder_queue",
)
LABELS: Final = {
    "data_quality": "Data-quality check",
    "data_access": "Data-access review",
    "pov_queue": "POV queue wait (solution engineers)",
    "pov": "POV",
    "validation": "Accuracy validation",
    "negotiation": "Negotiation",
    "founder_queue": "Wait for the founder's final meeting",
}
QUEUES: Final = ("pov_queue", "founder_queue")
COLUMNS: Final = ("visits", "mean_days", "median_days", "time_share", "lost", "loss_share", "score")


def ranking(deals: pd.DataFrame, window: PeriodLike | None = None) -> pd.DataFrame:
    """Every candidate (index, funnel order) with visits, mean and median days, time_share, lost, loss_share and
    score, for stage visits that ended and deals lost in ``window`` (None: all time)."""
    visits = funnel.stage_times(deals)
    visits = visits[within(visits["exited"], window)]
    parts = []
    for stage in CANDIDATES:
        if stage == "founder_queue":
            rows = visits[visits["stage"] == "negotiation"]
            spent = rows["waiting_days"]
        elif stage == "negotiation":
            rows = visits[visits["stage"] == "negotiation"]
            spent = rows["working_days"]
        else:
            rows = visits[visits["stage"] == stage]
            spent = rows["days"]
        parts.append(
            {
                "stage": stage,
                "visits": len(rows),
                "mean_days": float(spent.mean()) if len(rows) else float("nan"),
                "median_days": float(spent.median()) if len(rows) else float("nan"),
            }
        )
    table = pd.DataFrame(parts).set_index("stage")
    total_days = table["mean_days"].sum()
    table["time_share"] = table["mean_days"].fillna(0.0) / total_days if total_days > 0 else 0.0
    where = funnel.loss_stage(deals)
    lost = is_value(deals["outcome"], "lost") & within(deals["closed"], window)
    counts = where[lost].value_counts()
    table["lost"] = [int(counts.get(s, 0)) for s in table.index]
    total_lost = int(table["lost"].sum())
    table["loss_share"] = table["lost"] / total_lost if total_lost else 0.0
    table["score"] = table["time_share"] + table["loss_share"]
    return table[list(COLUMNS)]


@dataclass(frozen=True)
class Finding:
    """One candidate named in words, with the fixes from the library that act on it."""

    stage: str
    effect: Effect
    text: str
    score: float
    fixes: tuple[FixOption, ...]

    @property
    def action(self) -> str:
        """``finding: fix A or fix B`` (the dashboard's suggested action)."""
        if not self.fixes:
            return f"{self.text}: no fix in the library acts on this stage yet; add one and simulate it"
        return f"{self.text}: " + " or ".join(f.short_label for f in self.fixes[:2])


def describe(stage: str, row: pd.Series) -> tuple[Effect, str]:
    """The finding for one ranked candidate, named by its larger share.

    >>> row = pd.Series({"mean_days": 19.3, "median_days": 20.0, "time_share": 0.31, "lost": 0, "loss_share": 0.0})
    >>> describe("pov_queue", row)
    ('time', 'POV queue wait (solution engineers) is 31 % of the cycle (mean 19 days)')
    """
    label = LABELS.get(stage, stage)
    if row["loss_share"] > row["time_share"]:
        return "loss", f"{label} loses {row['loss_share'] * 100:.0f} % of lost deals ({int(row['lost'])})"
    verb = "is" if stage in QUEUES else "takes"
    return "time", (
        f"{label} {verb} {row['time_share'] * 100:.0f} % of the cycle "
        f"(mean {row['mean_days']:.0f} days" + (
            f", median {row['median_days']:.0f})" if stage not in QUEUES else ")"
        )
    )


def findings(
    deals: pd.DataFrame, window: PeriodLike | None, library: tuple[FixOption, ...] = (), limit: int = 3
) -> list[Finding]:
    """The top candidates by score (those with any time or loss in the window), best first, with their fixes."""
    table = ranking(deals, window)
    table = table[table["score"] > 0].sort_values("score", ascending=False, kind="stable")
    result = []
    for stage, row in table.head(limit).iterrows():
        effect, text = describe(str(stage), row)
        options = tuple(fixes_for(library, str(stage), effect))
        result.append(Finding(str(stage), effect, text, float(row["score"]), options))
    return result


def biggest(deals: pd.DataFrame, window: PeriodLike | None, library: tuple[FixOption, ...] = ()) -> Finding | None:
    """The biggest bottleneck in the window, or None when nothing finished or was lost in it."""
    top = findings(deals, window, library, limit=1)
    return top[0] if top else None
