"""A valid scenario that the engine still cannot run: dates pandas cannot hold, or more work than memory allows.

Each check names the key to change and the limit (:mod:`simulation.limits`): the warm-up and the horizon must
stay inside funnelsim's calendar, a replication may expect at most :data:`~simulation.limits.MAX_PROSPECTS`
prospects, a duration's 99th percentile at most :data:`~simulation.limits.MAX_DURATION_DAYS` days, a tier's ACV
and models per customer stay under their limits. :func:`problems` returns them as ``(key path, message)`` pairs;
the loader names the file the key came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
from pydantic import BaseModel

from simulation import limits, parameter_draw
from simulation.arrivals import DAYS_PER_WEEK, TIER_BANDS, acv_band, cumulative_intensity
from simulation.distributions import Distribution
from simulation.scenario import Scenario
from simulation.staffing import calendar_problem
from simulation.tables import TIERS
from simulation.warmup import warmup_days

Problem = tuple[tuple[str, ...], str]
HIGH = np.array([0.999999])
P99 = np.array([0.99])


def problems(scenario: Scenario, *, calendar: bool = True) -> list[Problem]:
    """What in ``scenario`` is beyond the engine's limits (empty: it can run). ``calendar=False`` skips the date
    checks (a fix's regime: its dates are the base's)."""
    found = _distributions(scenario) or _usage_billed_upfront(scenario)
    if not found and calendar:
        found = _calendar(scenario) or _holidays(scenario) or _prospects(scenario) or parameter_draw.problems(scenario)
    return found


def _usage_billed_upfront(scenario: Scenario) -> list[Problem]:
    """[usage] with upfront [billing]: the revenue table's ARR is the run-rate (0 until go-live), so an upfront
    invoice at close would bill nothing for the first period; usage is billed in arrears (simulation.billing)."""
    if scenario.usage is None or scenario.billing is None or scenario.billing.in_arrears:
        return []
    return [(("billing", "in_arrears"), "usage pricing ([usage]) is billed in arrears, for what was used: set "
             "in_arrears = true")]


def _holidays(scenario: Scenario) -> list[Problem]:
    """[staff] holidays outside the run (a mistyped year would do nothing without a word)."""
    staff, meta = scenario.staff, scenario.scenario
    problem = calendar_problem(staff, meta.start_date, meta.horizon_days) if staff is not None else ""
    return [(("staff", "holidays"), problem)] if problem else []


def _calendar(scenario: Scenario) -> list[Problem]:
    meta = scenario.scenario
    start, shown = meta.start_date, limits.calendar_text()
    if not limits.EARLIEST <= start < limits.LATEST:
        return [(("scenario", "start_date"), f"{start} is outside the dates funnelsim can hold ({shown})")]
    end = start + dt.timedelta(days=meta.horizon_days)
    if end > limits.LATEST:
        return [(("scenario", "horizon_days"), f"{meta.horizon_days} days from {start} end on {end}, after the "
                 f"last date funnelsim can hold ({shown})")]
    try:
        warm = warmup_days(scenario)
    except (ArithmeticError, ValueError):
        warm = float("inf")
    if not warm <= (start - limits.EARLIEST).days:
        key = ("scenario", "warmup_days") if meta.warmup_days is not None else ("scenario", "start_date")
        how = "the warm-up" if meta.warmup_days is not None else "the default warm-up (1.5 x the longest path)"
        return [(key, f"{how} of {warm:,.0f} days before {start} starts before {limits.EARLIEST} (dates "
                      f"funnelsim can hold: {shown}); set [scenario] warmup_days or a later start_date")]
    return []


def _prospects(scenario: Scenario) -> list[Problem]:
    a = scenario.arrivals
    rate = a.rate_per_week / DAYS_PER_WEEK
    horizon = scenario.scenario.horizon_days
    warm = warmup_days(scenario)
    with np.errstate(all="ignore"):
        expected = float(cumulative_intensity(rate, a.growth_per_year, horizon)) - float(
            cumulative_intensity(rate, a.growth_per_year, -warm))
    if not expected <= limits.MAX_PROSPECTS:
        about = f"{expected:,.0f}" if expected < 1e12 else f"{expected:.3g}"
        return [(("arrivals", "rate_per_week"), f"{a.rate_per_week:g} a week (growth {a.growth_per_year:g} a year) "
                 f"over the {warm:,.0f}-day warm-up and the {horizon:,}-day horizon is about {about} prospects per "
                 f"replication; the limit is {limits.MAX_PROSPECTS:,}")]
    return []


def _distributions(scenario: Scenario) -> list[Problem]:
    found: list[Problem] = []
    for tier in TIERS:
        settings = getattr(scenario.tiers, tier)
        for key, limit, what in (("acv", limits.MAX_ACV, "USD a year"),
                                 ("models_per_customer", limits.MAX_MODELS, "models")):
            high = _quantile(getattr(settings, key), HIGH)
            if not high <= limit:
                found.append((("tiers", tier, key), f"values up to {high:.4g} {what}; the limit is {limit:,.0f} "
                              f"{what} (99.9999th percentile)"))
            elif key == "acv" and not _reaches_band(settings.acv, tier):
                found.append((("tiers", tier, key), f"{settings.acv} never falls in the {tier} tier's band "
                              f"({TIER_BANDS[tier]}, article A), where the engine draws it"))
    for loc, distribution in _durations(scenario):
        high = _quantile(distribution, P99)
        if not high <= limits.MAX_DURATION_DAYS:
            found.append((loc, f"99th percentile {high:.4g} days; the limit is {limits.MAX_DURATION_DAYS:,} days"))
    return found


def _reaches_band(acv: Distribution, tier: str) -> bool:
    low, high = acv_band(acv, tier)
    return high > low


def _quantile(distribution: Distribution, u: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        try:
            return float(distribution.ppf(u)[0])
        except (ArithmeticError, ValueError):
            return float("inf")


def _durations(model: BaseModel, at: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Distribution]]:
    """Every distribution of a duration (a ``..._days`` key) in the scenario's sections."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        here = (*at, name)
        if isinstance(value, BaseModel) and not hasattr(value, "ppf"):
            yield from _durations(value, here)
        elif hasattr(value, "ppf") and name.endswith("_days"):
            yield here, value
