"""Red / yellow / green: NNARR pace against a pro-rated target, the escalation each status triggers, trend
arrows.

Article A's Monday dashboard shows "NNARR to date vs. target (with a red/yellow/green status)", and the CEO's
review branches on it: green -> continue, yellow -> schedule a 30-minute call, red -> emergency meeting with
product and finance. The rules, all configurable in the scenario's ``[targets]``:

* **Pro-rated target**: ``nnarr_6_months`` is reached linearly over the first six months (of 365.25 / 12 days
  each), then the line runs on to ``nnarr_12_months`` at month twelve; after a year the 12-month target is
  pro-rated by months (``nnarr_12_months x months / 12``). With only one of the two targets set, that one is
  pro-rated linearly. With neither (both 0, the default of ``Targets``), the status is ``unknown``.
* **Pace** = NNARR to date / pro-rated target to date.
* **Status**: ``green`` if pace >= ``green_at`` (default 1.0, on or ahead of plan), ``yellow`` if pace >=
  ``yellow_at`` (default 0.8), ``red`` below. Before the first day has passed there is no target yet:
  ``unknown``. Without deal amounts (NNARR is NaN: won deals with no ACV) the week cannot be judged either:
  ``unknown``, with its own escalation text (:data:`NO_AMOUNTS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

from analysis.kpi.health import check_nnarr_pace
from simulation.scenario import Targets

Status = Literal["green", "yellow", "red", "unknown"]
DAYS_PER_MONTH: Final = 365.25 / 12

ESCALATION: Final[dict[Status, str]] = {
    "green": "Continue: on plan, no meeting needed",
    "yellow": "Schedule a 30-minute call with the CEO this week",
    "red": "Emergency meeting with product and finance",
    "unknown": "No NNARR target set: agree one (scenario [targets]) before rating the week",
}
NO_AMOUNTS: Final = (
    "NNARR cannot be judged: the deals have no amounts (acv), so there is no NNARR to rate against the target; "
    "add deal amounts to rate the week"
)
ORDER: Final[dict[Status, int]] = {"unknown": 0, "green": 1, "yellow": 2, "red": 3}


def prorated_target(targets: Targets, elapsed_days: float) -> float:
    """The NNARR target for the first ``elapsed_days`` of the engagement (NaN if no target is set).

    >>> t = Targets(nnarr_6_months=450_000, nnarr_12_months=1_500_000)
    >>> round(prorated_target(t, 3 * DAYS_PER_MONTH))      # half of the 6-month target at month 3
    225000
    >>> round(prorated_target(t, 9 * DAYS_PER_MONTH))      # halfway from 450K to 1.5M at month 9
    975000
    >>> round(prorated_target(t, 18 * DAYS_PER_MONTH))     # past a year: the 12-month target pro-rated
    2250000
    >>> prorated_target(Targets(), 30.0)
    nan
    """
    months = max(float(elapsed_days), 0.0) / DAYS_PER_MONTH
    six, twelve = targets.nnarr_6_months, targets.nnarr_12_months
    if six <= 0 and twelve <= 0:
        return float("nan")
    if twelve <= 0:
        return six * months / 6
    if six <= 0 or months >= 12:
        return twelve * months / 12
    if months <= 6:
        return six * months / 6
    return six + (twelve - six) * (months - 6) / 6


def pace_status(pace: float, targets: Targets) -> Status:
    """Green / yellow / red for an NNARR pace (share of the pro-rated target), by ``green_at`` and
    ``yellow_at`` (the rule is :func:`analysis.kpi.health.check_nnarr_pace`'s; "n/a" becomes ``unknown``).

    >>> t = Targets(nnarr_6_months=1.0)
    >>> pace_status(1.05, t), pace_status(0.85, t), pace_status(0.5, t), pace_status(float("nan"), t)
    ('green', 'yellow', 'red', 'unknown')
    """
    rated = check_nnarr_pace(pace, targets.green_at, targets.yellow_at).status
    return "unknown" if rated == "n/a" else rated


@dataclass(frozen=True)
class Pace:
    """NNARR to date against the pro-rated target and the resulting status and escalation."""

    nnarr: float
    target: float
    pace: float
    status: Status

    @property
    def unpriced(self) -> bool:
        """True when NNARR itself is unknown (no deal amounts), not merely unrated."""
        return math.isnan(self.nnarr)

    @property
    def escalation(self) -> str:
        return NO_AMOUNTS if self.unpriced else ESCALATION[self.status]


def nnarr_pace(nnarr_to_date: float, targets: Targets, elapsed_days: float) -> Pace:
    """Rate NNARR to date against the target pro-rated to ``elapsed_days``.

    >>> t = Targets(nnarr_6_months=600_000)
    >>> p = nnarr_pace(240_000, t, 3 * DAYS_PER_MONTH)     # 240K against 300K: 80 % of plan
    >>> round(p.pace, 2), p.status
    (0.8, 'yellow')
    >>> nnarr_pace(float("nan"), t, 30.0).escalation.startswith("NNARR cannot be judged")   # no deal amounts
    True
    """
    target = prorated_target(targets, elapsed_days)
    pace = nnarr_to_date / target if target > 0 else float("nan")
    return Pace(float(nnarr_to_date), target, pace, pace_status(pace, targets))


@dataclass(frozen=True)
class Trend:
    """How a KPI moved against the previous window: an arrow, a word, and whether that is good news."""

    arrow: str
    word: str
    good: bool | None  # None: flat or not comparable

    @property
    def status(self) -> Status:
        return "unknown" if self.good is None else ("green" if self.good else "red")


def trend(current: float, previous: float, *, lower_is_better: bool, tolerance: float = 0.05) -> Trend:
    """Arrow for ``current`` vs ``previous``: a relative change within ``tolerance`` is flat.

    C2RE is lower-is-better (fewer dollars spent per dollar of new ARR), so a falling C2RE is good news.

    >>> trend(0.9, 1.2, lower_is_better=True)
    Trend(arrow='↓', word='down', good=True)
    >>> trend(1.0, 1.02, lower_is_better=True).word
    'flat'
    >>> trend(float("nan"), 1.0, lower_is_better=True).word
    'no comparison'
    """
    if math.isnan(current) or math.isnan(previous):
        return Trend("–", "no comparison", None)
    base = abs(previous) if previous != 0 else 1.0
    change = (current - previous) / base
    if abs(change) <= tolerance:
        return Trend("→", "flat", None)
    rising = change > 0
    return Trend("↑" if rising else "↓", "up" if rising else "down", rising != lower_is_better)


def worst(*statuses: Status) -> Status:
    """The most severe of several statuses (``unknown`` never outranks a real one)."""
    return max(statuses, key=lambda s: ORDER[s], default="unknown")
