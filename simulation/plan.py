"""Turn a scenario's parameter timeline and the per-deal uniforms into ready-to-read durations and decisions.

For every regime (the base parameters, then each fix from its start day) and every deal, the duration or decision
of each stage is computed once, vectorised, before the run. The SimPy processes then only index plain lists: no
distribution object, scipy call or config lookup per event. A deal entering a stage at time t reads the regime in
force at t, which is how a fix from day 90 shows up only in the deals that reach the stage after day 90.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from simulation.distributions import Distribution
from simulation.randomness import SLOT
from simulation.scenario import Scenario, regimes
from simulation.seasonality import Pace, adjusted_win_probabilities

DAYS_PER_WEEK = 7.0
PACE_MARGIN_DAYS = 366  # the pace's grid runs this far past the horizon
STALL_EARLIEST = 0.2  # share of the planned POV length before which a stall does not happen


@dataclass(frozen=True, slots=True)
class StagePlan:
    """One regime's per-deal values (lists indexed by deal number) and its scalar parameters."""

    dq_days: list[float]
    dq_pass: list[bool]
    dq_return: list[bool]
    return_after: list[float]
    dq2_days: list[float]
    dq2_pass: list[bool]
    access_days: list[float]
    access_ok: list[bool]
    pov_days: list[float]
    pov_complete: list[bool]
    pov_drop_at: list[float]
    val_days: list[float]
    val_pass: list[bool]
    val_extend: list[bool]
    ext_days: list[float]
    val2_days: list[float]
    val2_pass: list[bool]
    nego_days: list[float]
    founder_needed: list[bool]
    win_with_founder: list[bool]
    win_without_founder: list[bool]
    pov_patience: list[float]  # days a prospect waits for an engineer (inf: for ever)
    founder_patience: list[float]  # days a deal waits for the founder's final meeting (inf: for ever)
    founder_meeting_days: float
    pov_slots: int  # solution engineers x POVs each runs at once: the capacity deals queue for
    # The quarter-end push (simulation.seasonality): [founder needed][month of the quarter of the close] -> won,
    # per deal; None without it. start_ordinal dates simulated day 0.
    seasonal_wins: tuple[tuple[list[bool], ...], ...] | None = None
    start_ordinal: int = 0
    # The pace of closing by month (simulation.seasonality): negotiation's working time to calendar time; None: 1.
    pace: Pace | None = None


def stage_plan(p: Scenario, u: np.ndarray, first_day: float = 0.0) -> StagePlan:
    """Per-deal durations and decisions under parameters ``p`` from the uniforms ``u`` (deals x SLOTS); the run
    starts at simulated day ``first_day`` (before 0 with a warm-up)."""

    def col(name: str) -> np.ndarray:
        return u[:, SLOT[name]]

    def below(name: str, probability: float) -> list[bool]:
        return (col(name) < probability).tolist()

    def patience(distribution: Distribution | None, name: str) -> list[float]:
        return [math.inf] * len(u) if distribution is None else distribution.ppf(col(name)).tolist()

    dq, pov, val, nego = p.data_quality, p.pov, p.validation, p.negotiation
    educate = dq.on_fail == "educate"
    without = nego.win_probability if nego.win_probability_without_founder is None else (
        nego.win_probability_without_founder
    )
    return StagePlan(
        dq_days=dq.check_days.ppf(col("dq_days")).tolist(),
        dq_pass=below("dq_pass", dq.pass_probability),
        dq_return=below("dq_return", dq.return_probability if educate else 0.0),
        return_after=dq.return_after_days.ppf(col("return_after")).tolist(),
        dq2_days=dq.check_days.ppf(col("dq2_days")).tolist(),
        dq2_pass=below("dq2_pass", dq.pass_probability),
        access_days=pov.data_access_days.ppf(col("access_days")).tolist(),
        access_ok=below("access_ok", pov.data_access_probability),
        pov_days=pov.duration_days.ppf(col("pov_days")).tolist(),
        pov_complete=below("pov_complete", pov.completion_probability),
        # A stalled POV stops somewhere between a fifth of the way and its planned end: prospects drop after
        # seeing early results, not in the first hours.
        pov_drop_at=(STALL_EARLIEST + (1 - STALL_EARLIEST) * col("pov_drop_at")).tolist(),
        val_days=val.duration_days.ppf(col("val_days")).tolist(),
        val_pass=below("val_pass", val.pass_probability),
        val_extend=below("val_extend", val.extension_probability),
        ext_days=val.extension_days.ppf(col("ext_days")).tolist(),
        val2_days=val.duration_days.ppf(col("val2_days")).tolist(),
        val2_pass=below("val2_pass", val.pass_probability),
        nego_days=nego.duration_days.ppf(col("nego_days")).tolist(),
        founder_needed=below("founder_needed", nego.founder_required_probability),
        win_with_founder=below("win", nego.win_probability),
        win_without_founder=below("win", without),
        pov_patience=patience(pov.patience_days, "pov_patience"),
        founder_patience=patience(nego.founder_patience_days, "founder_patience"),
        founder_meeting_days=DAYS_PER_WEEK / nego.founder_meetings_per_week,
        pov_slots=pov.solution_engineers * pov.povs_per_engineer,
        seasonal_wins=_seasonal_wins(p, col("win"), without),
        start_ordinal=p.scenario.start_date.toordinal(),
        pace=_pace(p, first_day),
    )


def _pace(p: Scenario, first_day: float) -> Pace | None:
    """Negotiation's pace by calendar month from the run's first day to a year past the horizon (closes later than
    that are never seen)."""
    if p.seasonality is None or p.seasonality.closes_by_month is None:
        return None
    last = p.scenario.horizon_days + PACE_MARGIN_DAYS
    return Pace.of(p.scenario.start_date, first_day, last, p.seasonality.monthly_pace())


def _seasonal_wins(p: Scenario, u: np.ndarray, without: float) -> tuple[tuple[list[bool], ...], ...] | None:
    """Each deal's win decision for a close in each month of the quarter, without and with the founder: its
    ``win`` uniform below the probability whose odds the quarter-end push multiplies (common random numbers)."""
    odds = p.seasonality.win_odds_by_month_of_quarter if p.seasonality is not None else None
    if odds is None:
        return None
    return tuple(tuple((u < q).tolist() for q in adjusted_win_probabilities(probability, odds))
                 for probability in (without, p.negotiation.win_probability))


@dataclass(frozen=True, slots=True)
class Timeline:
    """The regimes in day order; ``at(t)`` is the plan in force at time ``t``."""

    starts: list[float]
    plans: list[StagePlan]
    parameters: list[Scenario]

    def at(self, t: float) -> StagePlan:
        plans = self.plans
        # Called at every stage entry: with one regime (no fix) there is nothing to look up by time.
        return plans[0] if len(plans) == 1 else plans[bisect_right(self.starts, t) - 1]

    def parameters_at(self, t: float) -> Scenario:
        return self.parameters[bisect_right(self.starts, t) - 1]

    def index_at(self, days: np.ndarray) -> np.ndarray:
        """Regime index for each of many times at once."""
        return np.searchsorted(np.asarray(self.starts), days, side="right") - 1


def timeline(scenario: Scenario, uniforms: np.ndarray, first_day: float = 0.0) -> Timeline:
    """The regimes' plans; the base regime also covers the warm-up before the start date (its start is -inf), from
    simulated day ``first_day``."""
    pairs = regimes(scenario)
    return Timeline(
        starts=[-math.inf, *(start for start, _ in pairs[1:])],
        plans=[stage_plan(params, uniforms, first_day) for _, params in pairs],
        parameters=[params for _, params in pairs],
    )
