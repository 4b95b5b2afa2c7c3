"""Fractional-CRO compensation: the plans of articles A and B on plain numbers (and numpy arrays).

* Multiplicative plan (article A): bonus = 5 % of NNARR × a C2RE factor, "1.2 if C2RE is 0.8, or 0.8 if C2RE
  is 1.2". The factor is the straight line through those two points (``factor = 2 − C2RE`` with the
  defaults), clipped to ``[floor, cap]`` = [0.0, 1.5] by default: every C2RE below 0.5 earns the cap 1.5,
  every C2RE of 2.0 or more earns nothing. An undefined C2RE (no NNARR, see :class:`analysis.kpi.nnarr.C2re`)
  takes the floor.
* Additive plan, for contrast: the same on-target bonus split into an NNARR part and an efficiency part that
  are paid independently, so volume can make up for terrible efficiency (what article A warns against).
* Weighted scorecard (article B): "50% Net New ARR, 30% GRR, 20% QTE velocity" of a target bonus, each KPI
  paid by its attainment (capped).
* First-year deal bonus (article B): "5–10% for the first year of a deal" of the NNARR closed in the
  engagement.

What a CRO costs (retainer, equity, fractional vs full-time) is in :mod:`analysis.kpi.cro_cost`.
The ``*_for`` wrappers read the same parameters from a scenario's ``[comp]`` and ``[targets]`` sections, or any
object with the same attributes (:class:`CompLike`, :class:`~analysis.kpi.health.TargetsLike`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Final, Protocol, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.kpi.health import ARTICLE_TARGETS, TargetsLike
from simulation.errors import InputError

BONUS_RATE: Final = 0.05  # article A: "a bonus equal to 5% of NNARR"
C2RE_GOOD: Final = 0.8  # article A: factor 1.2 if C2RE is 0.8 ...
FACTOR_AT_GOOD: Final = 1.2
C2RE_POOR: Final = 1.2  # ... or 0.8 if C2RE is 1.2
FACTOR_AT_POOR: Final = 0.8
FACTOR_FLOOR: Final = 0.0  # our bounds (the articles give none); scenario [comp] may override them
FACTOR_CAP: Final = 1.5
SCORECARD_WEIGHTS: Final = (0.5, 0.3, 0.2)  # article B: NNARR, GRR, QTE velocity
ATTAINMENT_CAP: Final = 1.5  # our cap on each scorecard KPI's attainment (no article figure)
ADDITIVE_WEIGHT_NNARR: Final = 0.5  # our split of the additive plan (no article figure)
FIRST_YEAR_DEAL_BONUS: Final = (0.05, 0.10)  # article B: "typically 5–10% for the first year of a deal"
DAYS_PER_MONTH: Final = 365.25 / 12


class CompError(InputError):
    """Compensation parameters that make no sense (a negative rate, weights not summing to 1...)."""


class CompLike(Protocol):
    """A CRO comp plan as the calculators read it (a scenario's ``[comp]``): which plan, and its parameters."""

    @property
    def plan(self) -> str: ...
    @property
    def bonus_rate(self) -> float: ...
    @property
    def c2re_good(self) -> float: ...
    @property
    def factor_at_good(self) -> float: ...
    @property
    def c2re_poor(self) -> float: ...
    @property
    def factor_at_poor(self) -> float: ...
    @property
    def factor_floor(self) -> float: ...
    @property
    def factor_cap(self) -> float: ...
    @property
    def target_bonus(self) -> float: ...
    @property
    def weight_nnarr(self) -> float: ...
    @property
    def weight_grr(self) -> float: ...
    @property
    def weight_qte_velocity(self) -> float: ...
    @property
    def first_year_deal_bonus_rate(self) -> float: ...


@overload
def c2re_factor(
    c2re: float,
    *,
    c2re_good: float = ...,
    factor_at_good: float = ...,
    c2re_poor: float = ...,
    factor_at_poor: float = ...,
    floor: float = ...,
    cap: float = ...,
) -> float: ...
@overload
def c2re_factor(
    c2re: npt.NDArray[np.float64],
    *,
    c2re_good: float = ...,
    factor_at_good: float = ...,
    c2re_poor: float = ...,
    factor_at_poor: float = ...,
    floor: float = ...,
    cap: float = ...,
) -> npt.NDArray[np.float64]: ...
def c2re_factor(
    c2re: float | npt.NDArray[np.float64],
    *,
    c2re_good: float = C2RE_GOOD,
    factor_at_good: float = FACTOR_AT_GOOD,
    c2re_poor: float = C2RE_POOR,
    factor_at_poor: float = FACTOR_AT_POOR,
    floor: float = FACTOR_FLOOR,
    cap: float = FACTOR_CAP,
) -> float | npt.NDArray[np.float64]:
    """C2RE factor: the bonus multiplier, linear through (0.8, 1.2) and (1.2, 0.8), clipped to [floor, cap].

    Article A: "multiply that by the C2RE factor (e.g., 1.2 if C2RE is 0.8, or 0.8 if C2RE is 1.2)".

    >>> c2re_factor(0.8), c2re_factor(1.2), c2re_factor(1.0)
    (1.2, 0.8, 1.0)
    >>> c2re_factor(0.3), c2re_factor(2.5), c2re_factor(float("nan"))  # clipped; undefined C2RE: the floor
    (1.5, 0.0, 0.0)
    """
    if not c2re_poor > c2re_good:
        raise CompError("c2re_poor must be greater than c2re_good")
    if cap < floor:
        raise CompError("the factor cap must not be below the floor")
    values = np.asarray(c2re, dtype=float)
    t = (values - c2re_good) / (c2re_poor - c2re_good)
    factor = np.clip((1 - t) * factor_at_good + t * factor_at_poor, floor, cap)
    factor = np.where(np.isnan(values), floor, factor)
    return float(factor) if factor.ndim == 0 else factor


def factor_params(comp: CompLike) -> dict[str, float]:
    """The :func:`c2re_factor` keyword arguments from a scenario's ``[comp]`` section."""
    return {
        "c2re_good": comp.c2re_good,
        "factor_at_good": comp.factor_at_good,
        "c2re_poor": comp.c2re_poor,
        "factor_at_poor": comp.factor_at_poor,
        "floor": comp.factor_floor,
        "cap": comp.factor_cap,
    }


def multiplicative_bonus(nnarr: float, c2re: float, rate: float = BONUS_RATE, **factor: float) -> float:
    """Multiplicative bonus: ``rate`` (5 %) of NNARR times the C2RE factor; no NNARR earns nothing.

    Article A: "if the CRO earns a bonus equal to 5% of NNARR, multiply that by the C2RE factor ... This
    forces efficiency."

    >>> multiplicative_bonus(1_000_000, c2re=0.8)  # $50,000 × 1.2
    60000.0
    >>> multiplicative_bonus(1_000_000, c2re=1.2)  # $50,000 × 0.8
    40000.0
    """
    _check_rate(rate)
    return rate * max(float(nnarr), 0.0) * c2re_factor(float(c2re), **factor)


def additive_bonus(
    nnarr: float,
    c2re: float,
    nnarr_target: float,
    rate: float = BONUS_RATE,
    weight_nnarr: float = ADDITIVE_WEIGHT_NNARR,
    **factor: float,
) -> float:
    """Additive bonus: the on-target bonus (``rate`` × target NNARR) paid as ``weight_nnarr`` × NNARR
    attainment plus (1 − ``weight_nnarr``) × the C2RE factor, the two parts independent of each other.

    On target both plans pay the same $50,000; at twice the target and a C2RE of 2.5 the multiplicative plan
    pays nothing while volume buys the additive bonus back:

    >>> additive_bonus(1_000_000, c2re=1.0, nnarr_target=1_000_000)
    50000.0
    >>> additive_bonus(2_000_000, c2re=2.5, nnarr_target=1_000_000), multiplicative_bonus(2_000_000, c2re=2.5)
    (50000.0, 0.0)
    """
    _check_rate(rate)
    if not 0 <= weight_nnarr <= 1:
        raise CompError(f"weight_nnarr must be within [0, 1], got {weight_nnarr}")
    if not nnarr_target > 0:
        raise CompError("the additive plan needs a positive NNARR target")
    on_target = rate * nnarr_target
    attained = max(float(nnarr), 0.0) / nnarr_target
    return on_target * (weight_nnarr * attained + (1 - weight_nnarr) * c2re_factor(float(c2re), **factor))


def compare_plans(
    nnarr: npt.ArrayLike,
    c2re: npt.ArrayLike,
    nnarr_target: float,
    rate: float = BONUS_RATE,
    weight_nnarr: float = ADDITIVE_WEIGHT_NNARR,
    **factor: float,
) -> pd.DataFrame:
    """Additive vs multiplicative bonus for each (NNARR, C2RE) pair (broadcast): both pay ``rate`` × target
    when NNARR is on target at C2RE 1.0; they part ways when volume and efficiency disagree."""
    n, c = np.broadcast_arrays(np.asarray(nnarr, dtype=float), np.asarray(c2re, dtype=float))
    n, c = n.ravel(), c.ravel()
    f = c2re_factor(c, **factor)
    multiplicative = rate * np.clip(n, 0, None) * f
    additive_bonus(0.0, 1.0, nnarr_target, rate, weight_nnarr)  # validates the parameters
    on_target = rate * nnarr_target
    additive = on_target * (weight_nnarr * np.clip(n, 0, None) / nnarr_target + (1 - weight_nnarr) * f)
    return pd.DataFrame(
        {
            "nnarr": n,
            "c2re": c,
            "factor": f,
            "multiplicative": multiplicative,
            "additive": additive,
            "difference": multiplicative - additive,
        }
    )


def attainment(actual: float, target: float, *, lower_is_better: bool = False, cap: float = ATTAINMENT_CAP) -> float:
    """Attainment of a KPI target in [0, cap]: actual / target, or target / actual when lower is better (QTE
    days). An unmeasured KPI (NaN) earns 0.

    >>> attainment(40, 45, lower_is_better=True)  # 40-day QTE velocity against the 45-day target
    1.125
    """
    if math.isnan(actual) or not target > 0:
        return 0.0
    ratio = actual / target
    if lower_is_better:
        ratio = cap if actual <= 0 else target / actual
    return float(min(max(ratio, 0.0), cap))


@dataclass(frozen=True)
class Scorecard:
    """The weighted scorecard: each KPI's attainment, the weighted score, and the bonus paid."""

    nnarr_attainment: float
    grr_attainment: float
    qte_attainment: float
    score: float
    bonus: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scorecard_bonus(
    target_bonus: float,
    *,
    nnarr: float,
    nnarr_target: float,
    grr: float,
    grr_target: float = 0.8,
    qte_days: float,
    qte_target_days: float = 45.0,
    weights: tuple[float, float, float] = SCORECARD_WEIGHTS,
    cap: float = ATTAINMENT_CAP,
) -> Scorecard:
    """Weighted scorecard: target bonus × (50 % NNARR + 30 % GRR + 20 % QTE velocity attainment).

    Article B: "A simple formula: 50% Net New ARR, 30% GRR, 20% QTE velocity."

    >>> card = scorecard_bonus(60_000, nnarr=500_000, nnarr_target=500_000, grr=0.8, qte_days=45)
    >>> card.score, card.bonus  # every target hit: the whole target bonus
    (1.0, 60000.0)
    >>> nan = float("nan")  # only NNARR measured and on target: its 50 % share
    >>> scorecard_bonus(60_000, nnarr=500_000, nnarr_target=500_000, grr=nan, qte_days=nan).bonus
    30000.0
    """
    if any(w < 0 for w in weights) or abs(sum(weights) - 1) > 1e-9:
        raise CompError(f"scorecard weights must be non-negative and sum to 1, got {weights}")
    parts = (
        attainment(nnarr, nnarr_target, cap=cap),
        attainment(grr, grr_target, cap=cap),
        attainment(qte_days, qte_target_days, lower_is_better=True, cap=cap),
    )
    score = sum(w * a for w, a in zip(weights, parts, strict=True))
    return Scorecard(*parts, score=score, bonus=float(target_bonus) * score)


def first_year_deal_bonus(nnarr: float, rate: float = FIRST_YEAR_DEAL_BONUS[0]) -> float:
    """First-year deal bonus: ``rate`` of the NNARR closed during the engagement (article B: typically 5–10
    %).

    >>> first_year_deal_bonus(800_000, rate=0.10)
    80000.0
    """
    _check_rate(rate)
    return rate * max(float(nnarr), 0.0)


def _check_rate(rate: float) -> None:
    if not 0 <= rate <= 1:
        raise CompError(f"a bonus rate is a share within [0, 1], got {rate}")


# --- scenario wrappers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pay:
    """A CRO's variable pay for one period: the plan's bonus plus the first-year deal bonus."""

    plan: str
    plan_bonus: float
    deal_bonus: float

    @property
    def total(self) -> float:
        return self.plan_bonus + self.deal_bonus


def bonus_for(
    comp: CompLike,
    *,
    nnarr: float,
    c2re: float,
    grr: float = float("nan"),
    qte_days: float = float("nan"),
    targets: TargetsLike | None = None,
    nnarr_target: float | None = None,
) -> Pay:
    """The bonus a scenario's ``[comp]`` plan pays; ``nnarr_target`` defaults to
    ``targets.nnarr_6_months``."""
    targets = ARTICLE_TARGETS if targets is None else targets
    target = targets.nnarr_6_months if nnarr_target is None else nnarr_target
    factor = factor_params(comp)
    if comp.plan == "multiplicative":
        plan_bonus = multiplicative_bonus(nnarr, c2re, comp.bonus_rate, **factor)
    elif comp.plan == "additive":
        plan_bonus = additive_bonus(nnarr, c2re, target, comp.bonus_rate, **factor)
    else:
        plan_bonus = scorecard_bonus(
            comp.target_bonus,
            nnarr=nnarr,
            nnarr_target=target,
            grr=grr,
            grr_target=targets.grr_min,
            qte_days=qte_days,
            qte_target_days=targets.qte_velocity_days,
            weights=(comp.weight_nnarr, comp.weight_grr, comp.weight_qte_velocity),
        ).bonus
    return Pay(comp.plan, plan_bonus, first_year_deal_bonus(nnarr, comp.first_year_deal_bonus_rate))
