"""``simulate(scenario, seed) -> Outcome``: one replication of the funnel, from random streams to the four tables.

The order of work: draw every random number in batches (:mod:`simulation.randomness`), precompute each regime's
durations and decisions (:mod:`simulation.plan`), run the SimPy model (:mod:`simulation.funnel`), then build the
``deals``, ``revenue``, ``spend`` and ``resources`` tables once (schema: :mod:`simulation.tables`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from simulation import revenue as post_sale
from simulation import spend as spend_ledger
from simulation.arrivals import Prospects, arrival_times, attributes, max_models
from simulation.funnel import Funnel, Ledger
from simulation.pipeline import open_pipeline
from simulation.plan import Timeline, timeline
from simulation.randomness import ATTRIBUTES, SLOTS, Seed, streams
from simulation.resources import Pool, Row, capacity_schedule
from simulation.scenario import Scenario
from simulation.tables import CHANNELS, DEALS, RESOURCES, REVENUE, SPEND, TIERS, coerce

SE, FOUNDER = "solution_engineers", "founder"


@dataclass(frozen=True)
class Outcome:
    """The four tables of one replication (see :mod:`simulation.tables`)."""

    deals: pd.DataFrame
    revenue: pd.DataFrame
    spend: pd.DataFrame
    resources: pd.DataFrame
    start_date: pd.Timestamp
    horizon_days: int


def simulate(scenario: Scenario, seed: Seed = 0) -> Outcome:
    """Run one replication of ``scenario``; the result depends on ``seed`` only."""
    rng = streams(seed)
    horizon = float(scenario.scenario.horizon_days)
    times = arrival_times(scenario, rng.arrivals)
    new = attributes(scenario, rng.attributes.random((len(times), len(ATTRIBUTES))))._replace(arrived=times)
    stage_u = rng.stages.random((len(times), len(SLOTS)))
    pipeline = open_pipeline(scenario, rng.pipeline)
    prospects = Prospects(*(np.concatenate([a, b]) for a, b in zip(new, pipeline.prospects, strict=True)))
    uniforms = np.vstack([stage_u, pipeline.uniforms])
    n = len(prospects.arrived)
    years = int(np.ceil(horizon / post_sale.DAYS_PER_RENEWAL))
    renewal_u = rng.renewals.random((n, max_models(scenario.tiers), years, 2))

    plans = timeline(scenario, uniforms)
    env = simpy.Environment()
    rows: list[Row] = []
    engineers = Pool(env, SE, capacity_schedule(plans.starts, [p.pov_slots for p in plans.plans]), rows)
    founder = Pool(env, FOUNDER, [(0.0, 1)], rows)
    ledger = Ledger(n)
    ledger.arrived = prospects.arrived.tolist()
    model = Funnel(env, plans, ledger, engineers, founder)
    for k, (stage, elapsed) in enumerate(zip(pipeline.stage, pipeline.days_in_stage, strict=True)):
        env.process(model.deal(len(times) + k, stage, elapsed))
    env.process(model.arrivals(times.tolist()))
    env.run(until=horizon)

    ids = [f"D{k + 1:06d}" for k in range(len(times))] + pipeline.ids
    deals, retention = _deals_table(scenario, prospects, ledger, ids, uniforms, plans, horizon)
    resources = _resources_table(scenario, rows)
    busy = _se_busy(rows, int(horizon))
    return Outcome(
        deals=deals,
        revenue=_revenue_table(scenario, deals, prospects, retention, renewal_u, plans, horizon, ids),
        spend=coerce(spend_ledger.ledger(scenario, plans, busy), SPEND),
        resources=resources,
        start_date=pd.Timestamp(scenario.scenario.start_date),
        horizon_days=scenario.scenario.horizon_days,
    )


def _timestamps(start: pd.Timestamp, days: np.ndarray | list[float]) -> pd.Series:
    return pd.Series(start + pd.to_timedelta(np.asarray(days, dtype=float), unit="D"))


def _deals_table(
    scenario: Scenario,
    prospects: Prospects,
    ledger: Ledger,
    ids: list[str],
    uniforms: np.ndarray,
    plans: Timeline,
    horizon: float,
) -> tuple[pd.DataFrame, post_sale.Retention90]:
    start = pd.Timestamp(scenario.scenario.start_date)
    columns = ledger.columns()
    closed = np.asarray(columns["closed"], dtype=float)
    won = np.array([o == "won" for o in columns["outcome"]])
    retention = post_sale.retention_90d(won, closed, prospects.acv, uniforms, plans, horizon)
    data: dict[str, object] = {
        "id": ids,
        "tier": [TIERS[t] for t in prospects.tier],
        "channel": [CHANNELS[c] for c in prospects.channel],
        "acv": prospects.acv,
        "models": prospects.models,
        "retention_90d": retention.status,
        "acv_after_90d": retention.acv_after,
    }
    for name in Ledger.TIMES:
        data[name] = _timestamps(start, columns[name])
    for name in (*Ledger.FLAGS, *Ledger.LABELS):
        data[name] = columns[name]
    frame = pd.DataFrame(data)
    order = np.argsort(prospects.arrived, kind="stable")
    return coerce(frame.iloc[order].reset_index(drop=True), DEALS)[list(DEALS)], retention


def _revenue_table(
    scenario: Scenario,
    deals: pd.DataFrame,
    prospects: Prospects,
    retention: post_sale.Retention90,
    renewal_u: np.ndarray,
    plans: Timeline,
    horizon: float,
    ids: list[str],
) -> pd.DataFrame:
    start = pd.Timestamp(scenario.scenario.start_date)
    by_id = deals.set_index("id")
    closed_ts = by_id.loc[ids, "closed"]
    closed = ((closed_ts - start) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    won = (by_id.loc[ids, "outcome"] == "won").to_numpy()
    events = post_sale.revenue_events(
        won, closed, prospects.acv, prospects.models, retention, renewal_u, plans, horizon
    )
    frame = pd.DataFrame(events, columns=["deal", "model", "day", "event", "arr_delta", "arr_after"])
    frame.insert(0, "customer", [ids[i] for i in frame.pop("deal")])
    frame.insert(2, "date", _timestamps(start, frame.pop("day").to_numpy()))
    return coerce(frame, REVENUE)[list(REVENUE)]


def _resources_table(scenario: Scenario, rows: list[Row]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["time", "resource", "capacity", "busy", "queue"])
    frame["time"] = _timestamps(pd.Timestamp(scenario.scenario.start_date), frame["time"].to_numpy())
    return coerce(frame, RESOURCES)[list(RESOURCES)]


def _se_busy(rows: list[Row], horizon: int) -> np.ndarray:
    se = [(t, busy) for t, name, _, busy, _ in rows if name == SE]
    times = np.array([t for t, _ in se], dtype=float)
    busy = np.array([b for _, b in se], dtype=float)
    return spend_ledger.daily_busy(times, busy, horizon)
