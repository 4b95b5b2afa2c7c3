"""The lab's challenges: goals on the variant's KPIs under rules on the sliders, each checked by a pure function.

A challenge is met when every condition holds: a :class:`Goal` on the mean of a KPI over the replications (a fixed
threshold, or a multiple of the baseline's mean) and a :class:`Rule` on a setting (a bound, or "as in the
baseline", so that the easy lever, such as more prospects for free, is closed). :func:`check` takes plain means and
settings, so a test can hand it a made-up result; :func:`check_comparison` feeds it a lab run.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from analysis.lab.model import Comparison
from analysis.lab.settings import SLIDERS, Settings
from analysis.montecarlo.charts import fmt
from analysis.montecarlo.reducer import metric

Op = Literal[">=", "<=", "<", "=="]
OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    ">=": operator.ge, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}
WORDS: Final = {">=": "at least", "<=": "at most", "<": "under", "==": "as in the baseline"}


@dataclass(frozen=True)
class Goal:
    """Mean of ``metric`` over the replications ``op`` ``value`` (times the baseline's mean if ``relative``)."""

    metric: str
    op: Op
    value: float
    relative: bool = False

    def threshold(self, baseline: Mapping[str, float]) -> float:
        return self.value * baseline[self.metric] if self.relative else self.value

    def text(self, baseline: Mapping[str, float]) -> str:
        m = metric(self.metric)
        limit = fmt(self.threshold(baseline), m.unit)
        how = f" ({self.value:g} x the baseline's)" if self.relative else ""
        return f"{m.title}: {WORDS[self.op]} {limit}{how}"


@dataclass(frozen=True)
class Rule:
    """A setting ``op`` ``value``; ``value`` None means the baseline's own setting."""

    setting: str
    op: Op
    value: Any = None

    def text(self, start: Settings) -> str:
        label = next((s.label for s in SLIDERS if s.name == self.setting), self.setting.replace("_", " "))
        if self.value is None:
            word = "kept at" if self.op == "==" else WORDS[self.op]
            return f"{label}: {word} the baseline's {asdict(start)[self.setting]:g}"
        return f"{label}: {WORDS[self.op]} {self.value:g}"


@dataclass(frozen=True)
class Challenge:
    key: str
    title: str
    hint: str
    goals: tuple[Goal, ...]
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Condition:
    text: str
    met: bool
    value: str  # what the lab has for it now


@dataclass(frozen=True)
class Verdict:
    challenge: Challenge
    conditions: tuple[Condition, ...]

    @property
    def met(self) -> bool:
        return all(c.met for c in self.conditions)


CHALLENGES: Final = (
    Challenge(
        "efficient_growth",
        "Reach $1.5M NNARR in 12 months with C2RE under 1.2, on today's inflow",
        "The baseline books the NNARR but spends more than $1.20 per dollar of it. What makes each dollar cheaper?",
        (Goal("nnarr_12m", ">=", 1_500_000), Goal("c2re_12m", "<", 1.2)),
        (Rule("arrivals_per_week", "=="),),
    ),
    Challenge(
        "faster_cycle",
        "Cut the sales cycle by 15 % without hiring an engineer",
        "Where do won deals spend their days? A POV is the longest step; waiting is the cheapest to remove.",
        (Goal("cycle_days_12m", "<=", 0.85, relative=True),),
        (Rule("engineers", "<="), Rule("arrivals_per_week", "==")),
    ),
    Challenge(
        "double_inflow",
        "Take 4.5 prospects a week and lose under 5 % of them in the engineer queue, at C2RE 1.2 or better",
        "Offered load = POVs a day x slot-days per POV. How many engineers does the queue need, and what do they cost?",
        (Goal("pov_queue_abandon_rate", "<", 0.05), Goal("c2re_12m", "<=", 1.2)),
        (Rule("arrivals_per_week", ">=", 4.5),),
    ),
    Challenge(
        "founder_out",
        "Give the founder back half the week: 1 final meeting a week or less, NNARR no lower than the baseline's",
        "Deals wait for the founder and some walk away. What else could win them, or reach the founder less often?",
        (Goal("nnarr_12m", ">=", 1.0, relative=True),),
        (Rule("founder_meetings_per_week", "<=", 1.0), Rule("arrivals_per_week", "==")),
    ),
)


def check(challenge: Challenge, settings: Settings, start: Settings, variant: Mapping[str, float],
          baseline: Mapping[str, float]) -> Verdict:
    """Is ``challenge`` met by a variant with these ``settings`` and KPI means, against the baseline's settings
    ``start`` and means? An undefined mean (NaN) never meets a goal."""
    conditions = []
    for goal in challenge.goals:
        value = variant.get(goal.metric, math.nan)
        limit = goal.threshold(baseline)
        met = not (math.isnan(value) or math.isnan(limit)) and OPS[goal.op](value, limit)
        conditions.append(Condition(goal.text(baseline), bool(met), fmt(value, metric(goal.metric).unit)))
    now, then = asdict(settings), asdict(start)
    for rule in challenge.rules:
        bound = then[rule.setting] if rule.value is None else rule.value
        conditions.append(Condition(rule.text(start), bool(OPS[rule.op](now[rule.setting], bound)),
                                    f"{now[rule.setting]:g}"))
    return Verdict(challenge, tuple(conditions))


def means(run_kpis: Any) -> dict[str, float]:
    """Each KPI's mean over the replications where it is defined."""
    return {name: float(run_kpis[name].mean()) for name in run_kpis.columns}


def check_comparison(challenge: Challenge, comparison: Comparison, start: Settings) -> Verdict:
    return check(challenge, comparison.settings, start, means(comparison.variant.kpis),
                 means(comparison.baseline.kpis))
