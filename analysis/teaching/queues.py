"""Lesson 1's measures: a queue's area, the visits behind it, the offered load, and the bare queue of theory.

Little's law is bookkeeping: the area under a queue-length curve (deal-days) is the sum of the time every visit
to that queue lasted. The deals table dates both visits a deal can make to the solution engineers' queue (for its
POV: ``data_access_granted`` to ``pov_started``; for an extension: ``extension_requested`` to
``extension_started``, :data:`simulation.capacity.VISITS`), and a visit that ends in giving up ends when the deal
closes, so the two sides balance exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.kpi.periods import days
from simulation import Scenario, simulate
from simulation.capacity import VISITS, Load, loads
from simulation.scenario import Pipeline, apply_patch

DAY = pd.Timedelta(days=1)
VISIT_NAMES = {"data_access_granted": "POV", "extension_requested": "extension"}


def queue_area(resources: pd.DataFrame, resource: str, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Area under ``resource``'s queue-length step curve over ``[start, end)``, in deal-days."""
    log = resources[resources["resource"] == resource].sort_values("time", kind="stable")
    times = log["time"].clip(lower=start, upper=end).reset_index(drop=True)
    following = pd.concat([times.iloc[1:], pd.Series([end])], ignore_index=True)
    return float((log["queue"].to_numpy(dtype=float) * days(following - times).to_numpy()).sum())


def queue_visits(
    deals: pd.DataFrame, resource: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Every visit to ``resource``'s queue that overlaps ``[start, end)``: its kind, when it joined and left (served,
    gave up when the deal closed, or still waiting at ``end``), and the days it spent inside the window."""
    parts = []
    for joined, served in VISITS[resource]:
        left = deals[served].fillna(deals["closed"]).fillna(end)
        inside = deals[joined].notna() & (left > start) & (deals[joined] < end)
        entered, exited = deals.loc[inside, joined], left[inside]
        parts.append(pd.DataFrame({
            "deal": deals.loc[inside, "id"], "visit": VISIT_NAMES.get(joined, joined), "joined": entered,
            "left": exited, "gave_up": deals.loc[inside, served].isna() & deals.loc[inside, "closed"].notna(),
            "days": days(exited.clip(upper=end) - entered.clip(lower=start)),
        }))
    return pd.concat(parts, ignore_index=True)


def engineer_load(scenario: Scenario) -> Load:
    """The solution engineers' offered load under the base parameters (what ``funnelsim validate`` prints)."""
    return next(load for load in loads(scenario) if load.resource == "solution_engineers" and load.from_day == 0)


def bare_queue(scenario: Scenario, mean_pov_days: float, mean_patience_days: float | None = None) -> Scenario:
    """``scenario`` stripped to an M/M/c queue (M/M/c+M with a patience): every prospect reaches the engineer queue at
    once, POVs last an exponential ``mean_pov_days`` and always complete, validation always passes (no extension),
    and the run starts empty."""
    instant = {"dist": "fixed", "value": 0}
    patience = None if mean_patience_days is None else {"dist": "exponential", "mean": mean_patience_days}
    bare = apply_patch(scenario, {
        "data_quality": {"check_days": instant, "pass_probability": 1.0},
        "pov": {"data_access_days": instant, "data_access_probability": 1.0, "completion_probability": 1.0,
                "duration_days": {"dist": "exponential", "mean": mean_pov_days}, "patience_days": patience},
        "validation": {"pass_probability": 1.0},
    })
    return bare.model_copy(update={"pipeline": Pipeline(), "scenario": bare.scenario.model_copy(
        update={"warmup_days": 0}), "arrivals": bare.arrivals.model_copy(update={"growth_per_year": 0.0})})


def with_arrivals(scenario: Scenario, per_day: float, horizon_days: int) -> Scenario:
    """The same scenario with ``per_day`` prospects a day, simulated for ``horizon_days``."""
    arrivals = scenario.arrivals.model_copy(update={"rate_per_week": 7 * per_day})
    meta = scenario.scenario.model_copy(update={"horizon_days": horizon_days})
    return scenario.model_copy(update={"arrivals": arrivals, "scenario": meta})


def waits_by_load(
    bare: Scenario, utilisations: Sequence[float], mean_pov_days: float, *, horizon_days: int, settle_days: int,
    reps: int, seed: int,
) -> pd.DataFrame:
    """Simulate the bare queue at each offered utilisation (arrivals x mean POV / slots), ``reps`` independent runs
    each: the mean wait of every arrival by Little's law (time-average queue after ``settle_days`` / arrival rate)
    and the share who gave up waiting."""
    slots = bare.pov.solution_engineers * bare.pov.povs_per_engineer
    rows = []
    for rho, children in zip(utilisations, np.random.SeedSequence(seed).spawn(len(utilisations)), strict=True):
        per_day = rho * slots / mean_pov_days
        for rep, child in enumerate(children.spawn(reps)):
            out = simulate(with_arrivals(bare, per_day, horizon_days), child)
            settled, end = out.start_date + settle_days * DAY, out.start_date + horizon_days * DAY
            area = queue_area(out.resources, "solution_engineers", settled, end)
            d = out.deals
            joined = d["data_access_granted"].between(settled, end - 365 * DAY)  # a year left to be served or leave
            # lost_stage is a nullable string: a deal not lost is <NA>, which must count as "did not give up"
            gave_up = d.loc[joined, "lost_stage"].eq("pov_queue").fillna(False).astype(bool).mean()
            rows.append({"utilisation": rho, "rep": rep, "wait_days": area / (horizon_days - settle_days) / per_day,
                         "gave_up": float(gave_up)})
    return pd.DataFrame(rows)


def mean_with_se(table: pd.DataFrame, by: str, column: str) -> pd.DataFrame:
    """Mean and standard error of ``column`` per value of ``by``."""
    grouped = table.groupby(by)[column]
    return pd.DataFrame({"mean": grouped.mean(), "se": grouped.std(ddof=1) / np.sqrt(grouped.count())})


def little_books(scenario: Scenario, seed: int) -> dict[str, float]:
    """Both sides of Little's law for one run of ``scenario``: the engineer queue's area over the horizon, and the
    days its POV visits and its extension visits lasted in it (with how many visits, and how many gave up)."""
    out = simulate(scenario, seed)
    start, end = out.start_date, out.start_date + out.horizon_days * DAY
    visits = queue_visits(out.deals, "solution_engineers", start, end)
    return {"queue_area": queue_area(out.resources, "solution_engineers", start, end),
            "pov_waits": float(visits.loc[visits["visit"] == "POV", "days"].sum()),
            "extension_waits": float(visits.loc[visits["visit"] == "extension", "days"].sum()),
            "visits": len(visits), "gave_up": int(visits["gave_up"].sum())}


def staffing_options(scenario: Scenario, engineers: Sequence[int], reps: int, seed: int) -> pd.DataFrame:
    """``scenario`` with each number of ``engineers``, ``reps`` replications each from one ``seed`` (common random
    numbers, reduced as ``funnelsim forecast`` reduces them): offered load, simulated utilisation, share of the
    prospects reaching the queue who gave up, mean wait of the last 90 days, 12-month NNARR (means)."""
    from analysis.montecarlo.fast_reducer import reduce_record  # the forecast's reducer: imported when used
    from simulation.replications import run_replications

    rows = {}
    for n in engineers:
        variant = apply_patch(scenario, {"pov": {"solution_engineers": n}})
        kpis = run_replications(variant, seed, reps, reduce_record).kpis
        rows[n] = {"offered_load": engineer_load(variant).utilisation, "utilisation": kpis["se_utilisation"].mean(),
                   "gave_up_share": kpis["pov_queue_abandon_rate"].mean(), "wait_end_days": kpis["se_wait_end"].mean(),
                   "nnarr_12m": kpis["nnarr_12m"].mean()}
    return pd.DataFrame(rows).T.rename_axis("solution engineers")
