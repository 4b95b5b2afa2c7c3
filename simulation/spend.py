"""The spend ledger: sales and marketing cash by calendar month and category.

Monthly costs are spread over the days of their month (a whole month costs exactly the monthly figure; a fix or a
CRO starting mid-month is prorated by day). POV compute is charged per engineer-day actually spent on POVs, from
the solution-engineer occupancy the model recorded. The CRO's retainer runs from the day the CRO starts work
(``[cro] start_delay_days`` after the start date) for ``engagement_months``: the one rule the CRO cost calculator
follows too.

Each row says which days it covers (``start`` to ``end``, end excluded): the whole month, except the first and last
months of a run, which cover only the run's days. A KPI window charges a row by the share of those days inside it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from simulation.plan import Timeline
from simulation.resources import window_means
from simulation.scenario import Scenario
from simulation.tables import SPEND, typed_frame

DAYS_PER_MONTH = 365.25 / 12


def daily_busy(times: np.ndarray, busy: np.ndarray, horizon: int) -> np.ndarray:
    """POV-days running (busy slots) on each day 0..horizon-1, from the step function (times, busy)."""
    return window_means(times, busy, np.arange(horizon + 1, dtype=float))


def ledger(scenario: Scenario, plans: Timeline, pov_days: np.ndarray) -> pd.DataFrame:
    """The spend table: rows (month, category, amount, start, end) for every month of the horizon."""
    return typed_frame(columns(scenario, plans, pov_days), SPEND)


def fix_costs(scenario: Scenario, days: np.ndarray, month_length: np.ndarray) -> np.ndarray:
    """What the fixes' own costs spend on each day: ``one_off_cost`` on the day a fix starts, ``monthly_cost``
    spread over the days of each month from then on (the day it starts prorated by the part of it left).

    >>> from simulation.scenario import Fix
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(fixes=(Fix(name="f", start_day=1.5, one_off_cost=100, monthly_cost=300),))
    >>> fix_costs(s, np.arange(3), np.full(3, 30.0)).tolist()  # type: ignore[arg-type]
    [0.0, 105.0, 10.0]
    """
    out = np.zeros(len(days))
    for fix in scenario.fixes:
        running = np.clip(days + 1 - np.maximum(days, fix.start_day), 0, 1)
        out += running * fix.monthly_cost / month_length
        first = int(np.floor(fix.start_day))
        if fix.one_off_cost and first < len(days):
            out[first] += fix.one_off_cost
    return out


def columns(scenario: Scenario, plans: Timeline, pov_days: np.ndarray,
            payroll: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The spend table's columns (numpy only: a forecast never builds the table). ``payroll`` (with ``[staff]``):
    the mean headcount of ``solution_engineers`` and ``account_executives`` on each day, which the two salary
    categories then follow instead of the regime's count (a vacant seat costs nothing, a new hire costs in full)."""
    horizon = scenario.scenario.horizon_days
    days = np.arange(horizon)
    dates = np.datetime64(pd.Timestamp(scenario.scenario.start_date).date(), "D") + days
    month = dates.astype("datetime64[M]")
    month_length = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(float)
    regime = plans.index_at(days.astype(float))
    params = [plans.parameters[r].spend for r in range(len(plans.parameters))]
    engineers = np.array([plans.parameters[r].pov.solution_engineers for r in range(len(params))])[regime]

    def per_day(values: list[float]) -> np.ndarray:
        return np.asarray(values)[regime] / month_length

    cro = scenario.cro
    cro_days = np.zeros(horizon)
    if cro.kind != "none":
        end = np.inf if cro.engagement_months is None else cro.start_delay_days + cro.engagement_months * DAYS_PER_MONTH
        cro_days = np.clip(np.minimum(days + 1, end) - np.maximum(days, cro.start_delay_days), 0, 1)
    executives = per_day([s.account_executives * s.account_executive_cost_per_month for s in params])
    if payroll is not None:
        engineers = payroll["solution_engineers"]
        executives = payroll["account_executives"] * per_day([s.account_executive_cost_per_month for s in params])
    daily = {
        "marketing": per_day([s.marketing_per_month for s in params]),
        "account_executives": executives,
        "solution_engineers": engineers * per_day([s.solution_engineer_cost_per_month for s in params]),
        "pov_compute": pov_days * np.asarray([s.pov_compute_per_day for s in params])[regime],
        "cro_retainer": cro_days * cro.retainer_per_month / month_length,
    }
    if any(fix.costs for fix in scenario.fixes):  # absent, the table is what it was (no `fixes` rows)
        daily["fixes"] = fix_costs(scenario, days, month_length)
    # Sum each category per calendar month (months in order; the day grid is already in order).
    first, index = np.unique(month, return_inverse=True)
    month_start = first.astype("datetime64[ns]")
    next_month = (first + 1).astype("datetime64[ns]")
    run_start = dates[0].astype("datetime64[ns]")
    run_end = (dates[-1] + 1).astype("datetime64[ns]")
    totals = {name: np.bincount(index, weights=values, minlength=len(first)) for name, values in daily.items()}
    return {
        "month": np.repeat(month_start, len(daily)),
        "category": np.array(list(daily) * len(first), dtype=object),
        "amount": np.column_stack(list(totals.values())).ravel(),
        "start": np.repeat(np.maximum(month_start, run_start), len(daily)),
        "end": np.repeat(np.minimum(next_month, run_end), len(daily)),
    }
