"""The biggest bottlenecks in words, with the fixes the library offers for each, and the actions suggested from them
and from the failing health checks (the dashboard's "three suggested actions").

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


# A failing health check -> the (stage, effect) whose fixes address it (first one with a fix in the library).
CHECK_FIXES: Final[dict[str, tuple[tuple[str, Effect], ...]]] = {
    "evaluation_completion_rate": (("pov", "loss"),),
    "pov_to_pipeline": (("pov", "loss"), ("validation", "loss"), ("pov", "time")),
    "qte_velocity_days": (("pov_queue", "time"), ("pov", "time"), ("data_access", "time"), ("negotiation", "time")),
    "se_queue_growth": (("pov_queue", "time"), ("pov", "time")),
    "grr_model": (("retention", "retention"),),
    "grr_account": (("retention", "retention"),),
    "partner_grr": (("retention", "retention"),),
}
# Health checks that rate the same metric over other windows or levels: one problem, one action.
CHECK_PROBLEM: Final[dict[str, str]] = {
    "c2re": "c2re",
    "c2re_trailing_30d": "c2re",
    "grr_model": "grr",
    "grr_account": "grr",
    "partner_grr": "grr",
}


def suggested_actions(
    found: tuple[Finding, ...],
    health: pd.DataFrame,
    library: tuple[FixOption, ...],
    deals: pd.DataFrame,
    window: tuple[pd.Timestamp, pd.Timestamp],
    count: int = 3,
) -> tuple[str, ...]:
    """Up to ``count`` actions, one per problem: the biggest bottleneck's fix, then the failing health checks
    (worst first, one action per metric: its other failing windows or levels are named in the same action), then
    the next bottlenecks; an action whose fixes were all suggested already is skipped (same problem)."""
    actions: list[str] = []
    used: set[str] = set()

    def add(text: str, fixes: tuple[FixOption, ...]) -> None:
        names = {f.name for f in fixes[:2]}
        if len(actions) >= count or text in actions or (names and names <= used):
            return
        used.update(names)
        actions.append(text)

    if found:
        add(found[0].action, found[0].fixes)
    failing = health[health["status"].isin(["red", "yellow"]) & (health["metric"] != "nnarr_pace")]
    problems: dict[str, list[pd.Series]] = {}
    for _, check in failing.iterrows():
        metric = str(check["metric"])
        problems.setdefault(CHECK_PROBLEM.get(metric, metric), []).append(check)
    for lead, *others in problems.values():
        fixes = _fixes_for_check(str(lead["metric"]), library, deals, window)
        also = "".join(f", {_short_label(str(o['label']), str(lead['label']))} {o['shown']}" for o in others)
        text = f"{lead['label']} {lead['shown']}{also} (healthy {lead['threshold']}): {lead['advice']}"
        if fixes:
            text += " Library: " + " or ".join(f.short_label for f in fixes[:2]) + "."
        add(text, fixes)
    for finding in found[1:]:
        add(finding.action, finding.fixes)
    if not actions:
        actions.append("No bottleneck or failing check in the last 90 days: keep the current plan.")
    return tuple(actions[:count])


def _short_label(label: str, lead: str) -> str:
    """``label`` without the comma-separated words it shares with ``lead`` at the start.

    >>> _short_label("C2RE, last 30 days", "C2RE, last 90 days")
    'last 30 days'
    >>> _short_label("Partner GRR, model level, last 12 months", "GRR, model level, last 12 months")
    'Partner GRR, model level, last 12 months'
    """
    parts, lead_parts = [p.strip() for p in label.split(",")], [p.strip() for p in lead.split(",")]
    shared = 0
    while shared < min(len(parts), len(lead_parts)) - 1 and parts[shared] == lead_parts[shared]:
        shared += 1
    return ", ".join(parts[shared:])


def _fixes_for_check(
    metric: str, library: tuple[FixOption, ...], deals: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]
) -> tuple[FixOption, ...]:
    if metric == "qte_velocity_days":
        # The slowest evaluation stage decides which time fix helps most.
        ranked = bottlenecks.ranking(deals, window)
        stages = [s for s in ranked.sort_values("time_share", ascending=False).index
                  if (s, "time") in CHECK_FIXES[metric]]
        for stage in stages:
            options = fixes_for(library, str(stage), "time")
            if options:
                return tuple(options)
        return ()
    for stage, effect in CHECK_FIXES.get(metric, ()):
        options = [f for f in fixes_for(library, stage, effect) if f.acts_on(stage, effect)]
        if options:
            return tuple(options)
    return ()
