"""``simulate(scenario, seed) -> Outcome``: one replication of the funnel, from random streams to the four tables.

The order of work: draw every random number in batches (:mod:`simulation.randomness`), precompute each regime's
durations and decisions (:mod:`simulation.plan`), run the SimPy model (:mod:`simulation.funnel`) from the start of
the warm-up (:mod:`simulation.warmup`) to the horizon, then build the ``deals``, ``revenue``, ``spend`` and
``resources`` tables once (schema: :mod:`simulation.tables`), from the start date on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from simulation import revenue as post_sale
from simulation import spend as spend_ledger
from simulation.arrivals import Prospects, arrival_times, attributes, max_models
from simulation.funnel import Funnel, Ledger
from simulation.pipeline import open_pipeline
from simulation.plan import timeline
from simulation.randomness import ATTRIBUTES, SLOTS, Seed, streams
from simulation.resources import Pool, Row, capacity_schedule
from simulation.scenario import Scenario
from simulation.tables import CHANNELS, DEALS, RESOURCES, REVENUE, TIERS, typed_frame
from simulation.warmup import warmup_prospects

SE, FOUNDER = "solution_engineers", "founder"
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Outcome:
    """The four tables of one replication (see :mod:`simulation.tables`)."""

    deals: pd.DataFrame
    revenue: pd.DataFrame
    spend: pd.DataFrame
    resources: pd.DataFrame
    start_date: pd.Timestamp
    horizon_days: int
    warmup_days: float = 0.0  # how long the funnel ran before the start date (simulation.warmup)


def simulate(scenario: Scenario, seed: Seed = 0) -> Outcome:
    """Run one replication of ``scenario``; the result depends on ``seed`` only."""
    rng = streams(seed)
    horizon = float(scenario.scenario.horizon_days)
    times = arrival_times(scenario, rng.arrivals)
    new = attributes(scenario, rng.attributes.random((len(times), len(ATTRIBUTES))))._replace(arrived=times)
    stage_u = rng.stages.random((len(times), len(SLOTS)))
    pipeline = open_pipeline(scenario, rng.pipeline)
    warm = warmup_prospects(scenario, rng.warmup)
    # Deal numbers: new prospects, then the given open pipeline, then the warm-up's prospects (appended, so the
    # draws of the first two groups do not depend on the warm-up).
    groups = (new, pipeline.prospects, warm.prospects)
    prospects = Prospects(*(np.concatenate(columns) for columns in zip(*groups, strict=True)))
    uniforms = np.vstack([stage_u, pipeline.uniforms, warm.uniforms])
    n = len(prospects.arrived)
    years = int(np.ceil(horizon / post_sale.DAYS_PER_RENEWAL))
    renewal_u = rng.renewals.random((n, max_models(scenario.tiers), years, 2))

    plans = timeline(scenario, uniforms)
    env = simpy.Environment(initial_time=-warm.days)
    rows: list[Row] = []
    engineers = Pool(env, SE, capacity_schedule(plans.starts, [p.pov_slots for p in plans.plans]), rows)
    founder = Pool(env, FOUNDER, [(0.0, 1)], rows)
    ledger = Ledger(n)
    ledger.arrived = prospects.arrived.tolist()
    model = Funnel(env, plans, ledger, engineers, founder)
    # Running POVs claim the engineer slots before anything queues for one (SimPy starts processes in creation order),
    # the longest-running first: beyond the slots a "running" POV cannot have had an engineer (Funnel.pov_running).
    entries = sorted(range(len(pipeline.ids)), key=lambda k: (pipeline.stage[k] != "pov", -pipeline.days_in_stage[k]))
    for k in entries:
        env.process(model.deal(len(times) + k, pipeline.stage[k], pipeline.days_in_stage[k]))
    env.process(model.arrivals(times.tolist()))
    env.process(model.arrivals(warm.prospects.arrived.tolist(), first=len(times) + len(pipeline.ids)))
    env.run(until=horizon)

    closed = np.asarray(ledger.closed, dtype=float)
    # The warm-up's deals that closed before the start date are history: not in the tables.
    history = np.zeros(n, dtype=bool)
    history[len(times) + len(pipeline.ids):] = closed[len(times) + len(pipeline.ids):] < 0
    kept = np.flatnonzero(~history)
    warm_ids = iter(f"P{k + 1 + len(pipeline.ids):05d}" for k in range(n))
    ids = [f"D{k + 1:06d}" for k in range(len(times))] + pipeline.ids + [
        "" if history[k] else next(warm_ids) for k in range(len(times) + len(pipeline.ids), n)
    ]
    start = pd.Timestamp(scenario.scenario.start_date)
    won = np.array([o == "won" for o in ledger.outcome]) & ~history
    retention = post_sale.retention_90d(won, closed, prospects.acv, uniforms, plans, horizon)
    events = post_sale.revenue_events(
        won, closed, prospects.acv, prospects.models, retention, renewal_u, plans, horizon
    )
    rows = _from_start(rows)
    return Outcome(
        deals=_deals_table(start, prospects, ledger, ids, retention, kept),
        revenue=_revenue_table(start, events, ids),
        spend=spend_ledger.ledger(scenario, plans, _se_busy(rows, int(horizon))),
        resources=_resources_table(start, rows),
        start_date=start,
        horizon_days=scenario.scenario.horizon_days,
        warmup_days=warm.days,
    )


def _from_start(rows: list[Row]) -> list[Row]:
    """The resource log from the start date: each resource's state then, and every change after."""
    before: dict[str, Row] = {}
    after: list[Row] = []
    for row in rows:
        if row[0] < 0:
            before[row[1]] = row
        else:
            after.append(row)
    return [(0.0, *row[1:]) for row in before.values()] + after


def _dates(start: pd.Timestamp, days: np.ndarray | list[float]) -> np.ndarray:
    """Days from ``start`` (NaN for never) as datetime64[ns] to the nearest second, in one vectorised step.

    A CRM records seconds at best; nanoseconds would only make the CSVs unreadable ("01:51:42.748415859"), and the
    tables in memory and read back from their CSVs stay identical.

    >>> _dates(pd.Timestamp("2027-01-04"), [0.5, 1 / 86400 * 0.4, float("nan")]).astype(str).tolist()
    ['2027-01-04T12:00:00.000000000', '2027-01-04T00:00:00.000000000', 'NaT']
    """
    seconds = np.asarray(days, dtype=float) * SECONDS_PER_DAY
    known = ~np.isnan(seconds)
    out = np.full(len(seconds), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[known] = np.datetime64(start.to_datetime64(), "ns") + np.rint(seconds[known]).astype("timedelta64[s]")
    return out


def _deals_table(
    start: pd.Timestamp,
    prospects: Prospects,
    ledger: Ledger,
    ids: list[str],
    retention: post_sale.Retention90,
    kept: np.ndarray,
) -> pd.DataFrame:
    # The deals in ``kept``, by arrival: the pipeline on the start date (arrived before it) first.
    order = kept[np.argsort(prospects.arrived[kept], kind="stable")]

    def ordered(values: list[Any] | np.ndarray) -> list[Any]:
        return [values[k] for k in order]

    columns = ledger.columns()
    data: dict[str, Any] = {
        "id": ordered(ids),
        "tier": [TIERS[t] for t in prospects.tier[order]],
        "channel": [CHANNELS[c] for c in prospects.channel[order]],
        "acv": prospects.acv[order],
        "models": prospects.models[order],
        "retention_90d": ordered(retention.status),
        "acv_after_90d": retention.acv_after[order],
    }
    for name in Ledger.TIMES:
        data[name] = _dates(start, columns[name])[order]
    for name in (*Ledger.FLAGS, *Ledger.LABELS):
        data[name] = ordered(columns[name])
    return typed_frame(data, DEALS)


def _revenue_table(start: pd.Timestamp, events: list[post_sale.Event], ids: list[str]) -> pd.DataFrame:
    deal, model, day, event, delta, after = (list(c) for c in zip(*events, strict=True)) if events else ([],) * 6
    data = {
        "customer": [ids[i] for i in deal],
        "model": model,
        "date": _dates(start, day),
        "event": event,
        "arr_delta": delta,
        "arr_after": after,
    }
    return typed_frame(data, REVENUE)


def _resources_table(start: pd.Timestamp, rows: list[Row]) -> pd.DataFrame:
    time, name, capacity, busy, queue = (list(c) for c in zip(*rows, strict=True))
    data = {"time": _dates(start, time), "resource": name, "capacity": capacity, "busy": busy, "queue": queue}
    return typed_frame(data, RESOURCES)


def _se_busy(rows: list[Row], horizon: int) -> np.ndarray:
    se = [(t, busy) for t, name, _, busy, _ in rows if name == SE]
    times = np.array([t for t, _ in se], dtype=float)
    busy = np.array([b for _, b in se], dtype=float)
    return spend_ledger.daily_busy(times, busy, horizon)
