"""The biggest bottlenecks in words, with the fixes the library offers for each.

The ranking is :mod:`analysis.kpi.bottlenecks`, the one queue-aware definition every report uses (``funnelsim kpis``,
the dashboard, the autopsy and the health page): deal-days spent in each stage or resource queue inside the window,
the deals still waiting included, plus the share of losses there. This module names the top candidates and links
each to the fixes of the scenario's library that act on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from analysis.kpi import bottlenecks
from analysis.kpi.periods import PeriodLike
from analysis.report.fix_library import Effect, FixOption, fixes_for

LABELS: Final = bottlenecks.LABELS


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
    """The finding for one ranked candidate, named by its larger share (:func:`analysis.kpi.bottlenecks.describe`)."""
    effect: Effect = "loss" if row["loss_share"] > row["time_share"] and not row["binding"] else "time"
    return effect, bottlenecks.describe(stage, row)


def findings(
    deals: pd.DataFrame,
    window: PeriodLike | None,
    library: tuple[FixOption, ...] = (),
    limit: int = 3,
    resources: pd.DataFrame | None = None,
) -> list[Finding]:
    """The top candidates by score (those with any time or loss in the window), best first, with their fixes."""
    table = bottlenecks.ranking(deals, window, resources)
    table = table[table["score"] > 0].sort_values("score", ascending=False, kind="stable")
    result = []
    for stage, row in table.head(limit).iterrows():
        effect, text = describe(str(stage), row)
        options = tuple(fixes_for(library, str(stage), effect))
        result.append(Finding(str(stage), effect, text, float(row["score"]), options))
    return result


def biggest(
    deals: pd.DataFrame,
    window: PeriodLike | None,
    library: tuple[FixOption, ...] = (),
    resources: pd.DataFrame | None = None,
) -> Finding | None:
    """The biggest bottleneck in the window, or None when no deal spent time or was lost anywhere in it."""
    top = findings(deals, window, library, limit=1, resources=resources)
    return top[0] if top else None
