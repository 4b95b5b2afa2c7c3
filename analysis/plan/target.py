"""Section 4 of the plan, "The 6-month target": the NNARR goal the company reaches with a chosen probability.

The plan is the baseline with the recommended fixes applied at a realistic start: a CRO's playbook starts when the
CRO does, so each fix starts ``[cro] start_delay_days`` after its own ``start_day`` (the loader's playbook rule).
The goal reached with probability ``p`` is the (1 - p) quantile of the simulated 6-month NNARR under the plan: in
a share p of the replications NNARR is at least that. Its 95 % interval is distribution-free, from the order
statistics (:func:`quantile_interval`). The fan chart is the forecast's (:func:`analysis.montecarlo.charts.fan_chart`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from analysis.montecarlo import charts
from analysis.montecarlo import forecast as summary
from analysis.montecarlo.reducer import MONTHS_6, month_ends
from analysis.plan.runs import Runs, with_fixes
from analysis.plan.section import Section
from analysis.style import money
from simulation.parameter_draw import describe
from simulation.scenario import Scenario

DEFAULT_PROBABILITY: Final = 0.70
CONFIDENCE: Final = 0.95


def quantile_interval(values: np.ndarray, q: float, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """The sample ``q`` quantile of ``values`` (NaN left out) and a distribution-free interval for the true one:
    the order statistics X(l) and X(u) with l, u the binomial(n, q) quantiles, so that P(X(l) <= true <= X(u)) is
    at least about ``confidence`` for any continuous distribution.

    >>> low, mid, high = quantile_interval(np.arange(1.0, 101.0), 0.3)
    >>> low, mid, high
    (21.0, 30.7, 40.0)
    """
    x = np.sort(values[np.isfinite(values)])
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    tail = (1 - confidence) / 2
    lo = int(max(stats.binom.ppf(tail, n, q), 1))
    hi = int(min(stats.binom.ppf(1 - tail, n, q) + 1, n))
    return float(x[lo - 1]), float(np.quantile(x, q)), float(x[hi - 1])


def plan_scenario(scenario: Scenario, recommended: Sequence[str]) -> Scenario:
    """The baseline with the recommended fix files applied when the CRO has started (no CRO: from their own days)."""
    delay = scenario.cro.start_delay_days if scenario.cro.kind != "none" else 0.0
    return with_fixes(scenario, recommended, offset_days=delay)


def target(scenario: Scenario, recommended: Sequence[str], runs: Runs,
           probability: float = DEFAULT_PROBABILITY) -> Section:
    """Section 4: the 6-month NNARR goal reached with ``probability`` under the plan, with the fan chart."""
    if not 0 < probability < 1:
        raise ValueError(f"probability must lie strictly between 0 and 1, got {probability}")
    plan = plan_scenario(scenario, recommended) if recommended else scenario
    name = "plan" if recommended else "baseline"
    result = runs.of(name, plan)
    baseline = runs.of("baseline", scenario).kpis
    values = result.kpis["nnarr_6m"].to_numpy(dtype=float)
    n = int(np.isfinite(values).sum())
    start = pd.Timestamp(scenario.scenario.start_date)
    title = "The 6-month target"
    if n == 0:
        return Section("target", title, "No 6-month NNARR: the run is shorter than 6 months.",
                       caveats=("target: the horizon ends before 6 months",))
    low, goal, high = quantile_interval(values, 1 - probability)
    base_goal = quantile_interval(baseline["nnarr_6m"].to_numpy(dtype=float), 1 - probability)[1]
    fixes = ", ".join(f.name.replace("_", " ") for f in plan.fixes[len(scenario.fixes):]) or "no fix"
    delay = scenario.cro.start_delay_days if scenario.cro.kind != "none" else 0.0
    headline = (f"Set the 6-month NNARR goal at {money(goal)}: reached with probability {probability:.0%} under the "
                f"plan (95 % CI on that goal {money(low)} to {money(high)}, {n} replications).")
    when = (f"each starting {delay:g} days after its own start day (when the CRO starts)" if delay
            else "each from its own start day (no CRO start delay in the scenario)")
    lines = [
        f"The plan: the baseline with {fixes}, {when}.",
        f"Without the fixes the same probability gives {money(base_goal)}.",
        f"6-month NNARR under the plan: mean {money(float(np.nanmean(values)))}, P10 "
        f"{money(float(np.nanquantile(values, 0.1)))}, P90 {money(float(np.nanquantile(values, 0.9)))}.",
    ]
    caveats: list[str] = []
    stated = scenario.targets.nnarr_6_months
    if stated > 0:
        chance = float(np.mean(values[np.isfinite(values)] >= stated))
        lines.append(f"The scenario's own 6-month target, {money(stated)}, is reached in {chance:.0%} of the "
                     f"replications under the plan.")
    table = pd.DataFrame([{
        "probability": probability, "goal_nnarr_6m": goal, "goal_low": low, "goal_high": high, "n": n,
        "baseline_goal_nnarr_6m": base_goal, "mean_nnarr_6m": float(np.nanmean(values)), "fixes": fixes,
        "fix_delay_days": delay,
    }])
    fan = summary.series_summary(result.series)
    cumulative = fan[fan["metric"] == "nnarr_cumulative"].reset_index(drop=True)
    ends = month_ends(start, scenario.scenario.horizon_days)
    mark = [(f"goal at {probability:.0%}", start + pd.DateOffset(months=MONTHS_6), goal, probability)]
    figure = charts.fan_chart(cumulative, ends, start=start, targets=mark, reps=result.count,
                              scenario=f"{scenario.name} with the plan", band=describe(plan))
    return Section("target", title, headline, tuple(lines), table, figure, tuple(caveats))
