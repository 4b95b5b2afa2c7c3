"""Health checks: each KPI against the articles' thresholds, returned as data (metric, value, status, advice).

Statuses are ``green`` (healthy), ``yellow`` (watch), ``red`` (act) and ``n/a`` (not measurable: no data).
Thresholds, with each boundary on the healthy side:

==========================  =========================================  ========================================
metric                      green                                      source
==========================  =========================================  ========================================
c2re, c2re_trailing_30d     0.5 <= C2RE <= 1.5 (below 0.5: yellow)     A: "a healthy range is 0.5 to 1.5"
qte_velocity_days           < 45 days, or the scenario's own target    B: "under 45 days"; step 4: "Agree on
                            with its reason                            a QTE velocity target"
evaluation_completion_rate  >= 40 %                                    B: "If that rate is below 40%"
pov_to_pipeline             >= 40 %                                    A: "If this is below 40%"
grr_model, grr_account,     >= 80 %; 70-80 % yellow; below 70 % red    B: "above 80%"; "below 70%" PMF;
partner_grr                 (below 60 %: fix the product first); of    "below 60%" fix the product
                            customers past their 90-day check only
nnarr_pace                  >= 100 % of the pro-rated target;          A: "NNARR to date vs. target (with a
                            >= 80 % yellow; below red                  red/yellow/green status)"
se_queue_growth             the engineer queue grows by at most 0.5    ours: a queue that keeps growing means
                            deals a month over the recent half         the engineers are the constraint
==========================  =========================================  ========================================

An undefined C2RE (NaN: no net new ARR in the period) is red, unless nothing was spent either, or NNARR itself is
unknown (NaN: the wins have no amounts), both n/a.
:func:`checkers` takes the thresholds from a scenario's ``[targets]`` or any object with the same attributes
(:class:`TargetsLike`: the KPI package depends on no scenario format); without them, :data:`ARTICLE_TARGETS`, the
articles' thresholds, which are also the defaults of a scenario's ``[targets]`` (a test keeps the two equal).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal, Protocol

import pandas as pd

Status = Literal["green", "yellow", "red", "n/a"]
C2RE_RANGE: Final = (0.5, 1.5)  # article A
QTE_VELOCITY_MAX_DAYS: Final = 45.0  # article B
COMPLETION_RATE_MIN: Final = 0.4  # article B
POV_TO_PIPELINE_MIN: Final = 0.4  # article A
GRR_MATURE: Final = 0.8  # article B: "target a GRR above 80% for mature models"
GRR_PMF_PROBLEM: Final = 0.7  # article B: "below 70%, you have a product-market fit problem"
GRR_FIX_PRODUCT: Final = 0.6  # article B: "below 60%, fix the product before hiring any CRO"
PACE_GREEN: Final = 1.0
PACE_YELLOW: Final = 0.8
QUEUE_GROWTH_MAX: Final = 0.5  # deals a month: a queue still growing faster has not settled (our threshold)


class TargetsLike(Protocol):
    """The NNARR targets and the health thresholds the calculators read (a scenario's ``[targets]``)."""

    @property
    def nnarr_6_months(self) -> float: ...
    @property
    def nnarr_12_months(self) -> float: ...
    @property
    def c2re_max(self) -> float: ...
    @property
    def c2re_min(self) -> float: ...
    @property
    def qte_velocity_days(self) -> float: ...
    @property
    def qte_velocity_reason(self) -> str: ...
    @property
    def grr_min(self) -> float: ...
    @property
    def completion_rate_min(self) -> float: ...
    @property
    def pov_to_pipeline_min(self) -> float: ...
    @property
    def green_at(self) -> float: ...
    @property
    def yellow_at(self) -> float: ...
    @property
    def c2re_counts_pov_compute(self) -> bool: ...


@dataclass(frozen=True)
class ArticleTargets:
    """The articles' thresholds, and no NNARR target (0: none set)."""

    nnarr_6_months: float = 0.0
    nnarr_12_months: float = 0.0
    c2re_max: float = C2RE_RANGE[1]
    c2re_min: float = C2RE_RANGE[0]
    qte_velocity_days: float = QTE_VELOCITY_MAX_DAYS
    qte_velocity_reason: str = ""
    grr_min: float = GRR_MATURE
    completion_rate_min: float = COMPLETION_RATE_MIN
    pov_to_pipeline_min: float = POV_TO_PIPELINE_MIN
    green_at: float = PACE_GREEN
    yellow_at: float = PACE_YELLOW
    c2re_counts_pov_compute: bool = True


ARTICLE_TARGETS: Final = ArticleTargets()


@dataclass(frozen=True)
class Check:
    """One KPI's health: its value, status, what to do, and the threshold applied."""

    metric: str
    value: float
    status: Status
    advice: str
    threshold: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_c2re(value: float, low: float = C2RE_RANGE[0], high: float = C2RE_RANGE[1], metric: str = "c2re") -> Check:
    """C2RE against article A's healthy range 0.5–1.5 (NaN, i.e. no net new ARR, is red).

    >>> [check_c2re(v).status for v in (1.0, 1.6, 0.4, float("nan"))]
    ['green', 'red', 'yellow', 'red']
    """
    threshold = f"{low:g}-{high:g}"
    if _missing(value):
        advice = "No net new ARR in the period: C2RE is undefined; the cash spent bought no new ARR yet."
        return Check(metric, math.nan, "red", advice, threshold)
    if value > high:
        advice = (
            f"Spending ${value:.2f} per $1 of net new ARR, above {high:g}: cut acquisition cost or remove "
            "the cycle's bottleneck."
        )
        return Check(metric, value, "red", advice, threshold)
    if value < low:
        advice = (
            f"Below {low:g}: very efficient; check that spend is not starving the pipeline "
            "(land-grab mode runs higher)."
        )
        return Check(metric, value, "yellow", advice, threshold)
    return Check(metric, value, "green", "Within the healthy range.", threshold)


def qte_threshold(max_days: float = QTE_VELOCITY_MAX_DAYS, reason: str = "") -> str:
    """The QTE velocity line as people read it: article B's, or the scenario's own with its reason.

    >>> qte_threshold()
    '< 45 days (article B)'
    >>> qte_threshold(75, "POVs alone run 45-90 days")
    "< 75 days, the scenario's target: POVs alone run 45-90 days (article B's 45 days does not apply)"
    """
    if max_days == QTE_VELOCITY_MAX_DAYS:
        return f"< {max_days:g} days (article B)"
    why = f": {reason.strip()}" if reason.strip() else ""
    article = f"article B's {QTE_VELOCITY_MAX_DAYS:g} days does not apply"
    return f"< {max_days:g} days, the scenario's target{why} ({article})"


def check_qte_velocity(days: float, max_days: float = QTE_VELOCITY_MAX_DAYS, reason: str = "") -> Check:
    """QTE velocity against article B's "under 45 days", or the scenario's own target (article B, step 4: "Agree
    on a QTE velocity target") with the ``reason`` it gives, named in the threshold."""
    metric, threshold = "qte_velocity_days", qte_threshold(max_days, reason)
    if _missing(days):
        return Check(metric, math.nan, "n/a", "No evaluation ended in the period.", threshold)
    if days < max_days:
        return Check(metric, days, "green", "Evaluations move fast enough.", threshold)
    advice = (
        "The evaluation process is too cumbersome or the model's performance is not clearly superior "
        "(article B): shorten data access and the POV."
    )
    return Check(metric, days, "red", advice, threshold)


def _rate_check(metric: str, value: float, minimum: float, advice: str) -> Check:
    threshold = f">= {minimum:.0%}"
    if _missing(value):
        return Check(metric, math.nan, "n/a", "Nothing decided in the period.", threshold)
    if value >= minimum:
        return Check(metric, value, "green", "At or above the warning line.", threshold)
    return Check(metric, value, "red", advice, threshold)


def check_completion_rate(value: float, minimum: float = COMPLETION_RATE_MIN) -> Check:
    """Technical-evaluation completion rate: below 40 % is red (article B)."""
    advice = "The evaluation process is too complex or the model is not differentiating clearly (article B)."
    return _rate_check("evaluation_completion_rate", value, minimum, advice)


def check_pov_to_pipeline(value: float, minimum: float = POV_TO_PIPELINE_MIN) -> Check:
    """POV-to-pipeline conversion: below 40 % is red (article A)."""
    advice = (
        "Work with product to simplify the POV or create a self-serve version that reduces the prospect's "
        "time investment (article A)."
    )
    return _rate_check("pov_to_pipeline", value, minimum, advice)


def check_grr(value: float, mature: float = GRR_MATURE, metric: str = "grr") -> Check:
    """GRR against article B: >= 80 % green, 70–80 % yellow, below 70 % red (below 60 %: fix the product).

    >>> [check_grr(v).status for v in (0.85, 0.75, 0.65, 0.55)]
    ['green', 'yellow', 'red', 'red']
    """
    threshold = f">= {mature:.0%}"
    if _missing(value):
        advice = ("No existing customers at the period start (a customer joins GRR's cohort once its 90-day check, "
                  "which NNARR already nets, is behind it).")
        return Check(metric, math.nan, "n/a", advice, threshold)
    if value >= mature:
        return Check(metric, value, "green", "Retention at the mature-model target.", threshold)
    if value >= GRR_PMF_PROBLEM:
        advice = f"Below the {mature:.0%} target for mature models; watch model-level churn to competitors."
        return Check(metric, value, "yellow", advice, threshold)
    if value >= GRR_FIX_PRODUCT:
        advice = "Below 70 %: a product-market-fit problem, not a sales problem (article B)."
        return Check(metric, value, "red", advice, threshold)
    advice = "Below 60 %: fix the product before hiring any CRO (article B)."
    return Check(metric, value, "red", advice, threshold)


def check_nnarr_pace(pace: float, green_at: float = PACE_GREEN, yellow_at: float = PACE_YELLOW) -> Check:
    """NNARR to date as a share of the pro-rated target: green from ``green_at``, yellow from ``yellow_at``."""
    metric, threshold = "nnarr_pace", f">= {green_at:.0%} green, >= {yellow_at:.0%} yellow"
    if _missing(pace):
        return Check(metric, math.nan, "n/a", "No NNARR target given.", threshold)
    if pace >= green_at:
        return Check(metric, pace, "green", "On pace for the NNARR target: continue.", threshold)
    if pace >= yellow_at:
        advice = "Behind the NNARR pace: schedule a 30-minute call (article A)."
        return Check(metric, pace, "yellow", advice, threshold)
    advice = "Well behind the NNARR pace: emergency meeting with product and finance (article A)."
    return Check(metric, pace, "red", advice, threshold)


def check_queue_growth(growth_per_month: float, limit: float = QUEUE_GROWTH_MAX) -> Check:
    """The solution-engineer queue's growth (deals a month, least squares over the second half of the data): a
    queue that keeps growing has not settled, and every week it grows the cycle lengthens.

    >>> [check_queue_growth(v).status for v in (0.1, 0.4, 1.2, float("nan"))]
    ['green', 'yellow', 'red', 'n/a']
    """
    metric, threshold = "se_queue_growth", f"<= {limit:g} deals a month"
    if _missing(growth_per_month):
        return Check(metric, math.nan, "n/a", "No resources table: queue unknown.", threshold)
    if growth_per_month > limit:
        advice = ("The engineer queue does not settle: POV demand exceeds the engineers' capacity. Add an engineer, "
                  "shorten POVs, or qualify harder before the POV.")
        return Check(metric, growth_per_month, "red", advice, threshold)
    if growth_per_month > limit / 2:
        return Check(metric, growth_per_month, "yellow", "The engineer queue is creeping up; watch it.", threshold)
    return Check(metric, growth_per_month, "green", "The engineer queue is steady.", threshold)


Checker = Callable[[float], Check]


def checkers(targets: TargetsLike | None = None) -> dict[str, Checker]:
    """The check of each metric name of :func:`analysis.kpi.kpis.kpi_summary`, with ``targets``' thresholds."""
    t = ARTICLE_TARGETS if targets is None else targets
    return {
        "nnarr_pace": lambda v: check_nnarr_pace(v, t.green_at, t.yellow_at),
        "c2re": lambda v: check_c2re(v, t.c2re_min, t.c2re_max),
        "c2re_trailing_30d": lambda v: check_c2re(v, t.c2re_min, t.c2re_max, metric="c2re_trailing_30d"),
        "qte_velocity_days": lambda v: check_qte_velocity(v, t.qte_velocity_days, t.qte_velocity_reason),
        "evaluation_completion_rate": lambda v: check_completion_rate(v, t.completion_rate_min),
        "pov_to_pipeline": lambda v: check_pov_to_pipeline(v, t.pov_to_pipeline_min),
        "grr_model": lambda v: check_grr(v, t.grr_min, metric="grr_model"),
        "grr_account": lambda v: check_grr(v, t.grr_min, metric="grr_account"),
        "partner_grr": lambda v: check_grr(v, t.grr_min, metric="partner_grr"),
        "se_queue_growth": check_queue_growth,
    }


def health_checks(values: Mapping[str, float], targets: TargetsLike | None = None) -> pd.DataFrame:
    """Every checkable metric present in ``values``: a table of metric, value, status, advice, threshold.

    >>> health_checks({"c2re": 0.9, "grr_model": 0.65})[["metric", "status"]].values.tolist()
    [['c2re', 'green'], ['grr_model', 'red']]
    """
    rows = [check(float(values[name])).as_dict() for name, check in checkers(targets).items() if name in values]
    unpriced = math.isnan(values.get("nnarr", 0.0))  # wins without an ACV: NNARR unknown, not zero
    for row in rows:
        if row["metric"] in ("c2re", "c2re_trailing_30d") and math.isnan(row["value"]) and unpriced:
            row.update(status="n/a", advice="No deal amounts (acv) for the wins: NNARR and C2RE are unknown.")
        elif row["metric"] == "nnarr_pace" and math.isnan(row["value"]) and unpriced:
            row.update(advice="No deal amounts (acv) for the wins: NNARR pace is unknown.")
        elif row["metric"] == "c2re" and math.isnan(row["value"]) and values.get("spend", math.nan) == 0:
            row.update(status="n/a", advice="Nothing spent and no net new ARR in the period.")
    return pd.DataFrame(rows, columns=["metric", "value", "status", "advice", "threshold"])
