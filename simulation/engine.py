"""``simulate(scenario, seed) -> Outcome``: one replication of the funnel, from random streams to the four tables.

The order of work: draw every random number in batches (:mod:`simulation.randomness`), precompute each regime's
durations and decisions (:mod:`simulation.plan`), run the SimPy model (:mod:`simulation.funnel`) from the start of
the warm-up (:mod:`simulation.warmup`) to the horizon, then gather what happened from the start date on as numpy
columns (:class:`simulation.record.Record`, what ``run`` returns and a Monte Carlo reducer reads). ``simulate``
builds the ``deals``, ``revenue``, ``spend`` and ``resources`` tables from them (schema: :mod:`simulation.tables`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import simpy

from simulation import billing as cash
from simulation import market as finite
from simulation import revenue as post_sale
from simulation import roster as staff_roster
from simulation import spend as spend_ledger
from simulation import usage as usage_revenue
from simulation.arrivals import Prospects, arrival_times, attributes, max_models
from simulation.funnel import Funnel, Ledger
from simulation.pipeline import open_pipeline
from simulation.plan import timeline
from simulation.randomness import ATTRIBUTES, SLOTS, Seed, Streams, streams
from simulation.record import Columns, DealIds, Record, seconds
from simulation.record import Outcome as Outcome  # re-exported: the tables of one replication
from simulation.resources import Pool, Row, capacity_schedule
from simulation.scenario import Scenario
from simulation.warmup import warmup_prospects

SE, FOUNDER = "solution_engineers", "founder"


def simulate(scenario: Scenario, seed: Seed = 0) -> Outcome:
    """Run one replication of ``scenario`` and build its four tables; the result depends on ``seed`` only."""
    return run(scenario, seed).outcome()


def run(scenario: Scenario, seed: Seed = 0) -> Record:
    """Run one replication of ``scenario``: its record as numpy columns (no table built); depends on ``seed`` only."""
    rng = streams(seed)
    horizon = float(scenario.scenario.horizon_days)
    times = arrival_times(scenario, rng.arrivals)
    new = attributes(scenario, rng.attributes.random((len(times), len(ATTRIBUTES))))._replace(arrived=times)
    stage_u = rng.stages.random((len(times), len(SLOTS)))
    if scenario.market is not None:  # a finite market: arrivals at accounts already touched are dropped
        keep = finite.first_contacts(scenario.market.accounts.counts(), new.tier, rng.market.random(len(times)))
        times, new, stage_u = times[keep], Prospects(*(c[keep] for c in new)), stage_u[keep]
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
    returns = None if scenario.market is None else finite.Returns.drawn(scenario.market, n, rng.market, horizon)
    if returns is not None:  # one row per deal for its return after cooling off (simulation.market)
        prospects, uniforms, renewal_u = returns.extend(prospects, uniforms, renewal_u, rng.market)
        n = len(prospects.arrived)

    plans = timeline(scenario, uniforms, first_day=-warm.days)
    env = simpy.Environment(initial_time=-warm.days)
    rows: list[Row] = []
    roster = staff_roster.build(scenario, rng.staff) if staff_roster.is_on(scenario) else None  # [staff]
    engineers = Pool(env, SE, roster.engineers if roster else
                     capacity_schedule(plans.starts, [p.pov_slots for p in plans.plans]), rows)
    founder = Pool(env, FOUNDER, roster.founder if roster else [(0.0, 1)], rows)
    ledger = Ledger(n)
    ledger.arrived = prospects.arrived.tolist()
    model = Funnel(env, plans, ledger, engineers, founder)
    if returns is not None:
        model.after_close = returns.hook(env, model)
    # Running POVs claim the engineer slots before anything queues for one (SimPy starts processes in creation order),
    # the longest-running first: beyond the slots a "running" POV cannot have had an engineer (Funnel.pov_running).
    entries = sorted(range(len(pipeline.ids)), key=lambda k: (pipeline.stage[k] != "pov", -pipeline.days_in_stage[k]))
    for k in entries:
        env.process(model.deal(len(times) + k, pipeline.stage[k], pipeline.days_in_stage[k]))
    env.process(model.arrivals(times.tolist()))
    env.process(model.arrivals(warm.prospects.arrived.tolist(), first=len(times) + len(pipeline.ids)))
    env.run(until=horizon)

    closed = np.asarray(ledger.closed, dtype=float)
    first_warm = len(times) + len(pipeline.ids)
    base = n if returns is None else returns.base  # [market]: the return rows come after the warm-up's
    # The warm-up's deals that closed before the start date are history: not in the tables.
    history = np.zeros(n, dtype=bool)
    history[first_warm:] = closed[first_warm:] < 0
    if returns is not None:  # a return row is a deal only if the account came back during the run
        prospects = prospects._replace(arrived=np.asarray(ledger.arrived, dtype=float))
        history[returns.base:] = np.isnan(prospects.arrived[returns.base:])
    kept = np.flatnonzero(~history)
    won = np.array([o == "won" for o in ledger.outcome]) & ~history
    retention = post_sale.retention_90d(won, closed, prospects.acv, uniforms, plans, horizon)
    events = post_sale.revenue_events(
        won, closed, prospects.acv, prospects.models, retention, renewal_u, plans, horizon
    )
    if scenario.usage is not None:  # [usage]: run-rate ramps after go-live (simulation.usage)
        events = usage_revenue.ramped(events, scenario.usage, closed, rng.usage.random(n), horizon)
    rows = _from_start(rows)
    # Issue 16's optional tables: each mechanism sets its own (None when its section is off). Keep to your own line.
    staff_table: Columns | None = staff_roster.dated(roster.table, scenario.scenario.start_date) if roster else None
    market_table: Columns | None = None if returns is None else returns.table(scenario, times, new.tier, prospects)
    spend = spend_ledger.columns(scenario, plans, _se_busy(rows, int(horizon)), roster.payroll if roster else None)
    cash_table: Columns | None = _cash(scenario, events, spend, n, horizon, rng)  # [billing]: simulation.billing
    # Rows of the deals table: the kept deals by arrival (the pipeline on the start date, arrived before it, first).
    order = kept[np.argsort(prospects.arrived[kept], kind="stable")]
    number = np.arange(n)
    number[first_warm:] = first_warm + np.cumsum(~history[first_warm:]) - 1  # P-ids count the kept ones only
    return Record(
        start_date=pd.Timestamp(scenario.scenario.start_date),
        horizon_days=scenario.scenario.horizon_days,
        warmup_days=warm.days,
        deals=_deal_columns(prospects, ledger, retention, order),
        revenue=_revenue_columns(events, order, n),
        spend=spend,
        resources=_resource_columns(rows),
        ids=finite.with_returns(DealIds(len(times), tuple(pipeline.ids), int((~history[first_warm:base]).sum())),
                                returns, number, history),
        deal_numbers=number[order],
        extra={
            name: columns
            for name, columns in (("staff", staff_table), ("market", market_table), ("cash", cash_table))
            if columns is not None
        },
    )


def _cash(
    scenario: Scenario, events: list[post_sale.Event], spend: Columns, n: int, horizon: float, rng: Streams
) -> Columns | None:
    """The cash table's columns (None when [billing] is off): invoices from the revenue events, draws from the
    billing stream (read only when the section is on)."""
    if scenario.billing is None:
        return None
    u = cash.draws(rng.billing, n, max_models(scenario.tiers), scenario.billing, horizon)
    bills = cash.invoices(scenario.billing, events, u, horizon)
    start = np.datetime64(pd.Timestamp(scenario.scenario.start_date).date(), "D")
    return cash.cash_columns(scenario.billing, bills, spend, start, horizon)


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


def _flags(values: list[Any]) -> np.ndarray:
    """``True`` / ``False`` / ``None`` as int8 1 / 0 / -1."""
    return np.array([1 if v is True else -1 if v is None else 0 for v in values], dtype=np.int8)


def _deal_columns(
    prospects: Prospects, ledger: Ledger, retention: post_sale.Retention90, order: np.ndarray
) -> dict[str, np.ndarray]:
    columns = ledger.columns()
    data: dict[str, np.ndarray] = {
        "tier": prospects.tier[order],
        "channel": prospects.channel[order],
        "acv": prospects.acv[order],
        "models": prospects.models[order],
        "retention_90d": np.array(retention.status, dtype=object)[order],
        "acv_after_90d": retention.acv_after[order],
    }
    for name in Ledger.TIMES:
        data[name] = seconds(columns[name])[order]
    for name in Ledger.FLAGS:
        data[name] = _flags(columns[name])[order]
    for name in Ledger.LABELS:
        data[name] = np.array(columns[name], dtype=object)[order]
    return data


def _revenue_columns(events: list[post_sale.Event], order: np.ndarray, n: int) -> dict[str, np.ndarray]:
    row = np.zeros(n, dtype=np.int64)
    row[order] = np.arange(len(order))
    deal, model, day, event, delta, after = (list(c) for c in zip(*events, strict=True)) if events else ([],) * 6
    return {
        "deal": row[np.asarray(deal, dtype=np.int64)],
        "model": np.asarray(model, dtype=np.int64),
        "time": seconds(day),
        "event": np.array(event, dtype=object),
        "arr_delta": np.asarray(delta, dtype=float),
        "arr_after": np.asarray(after, dtype=float),
    }


def _resource_columns(rows: list[Row]) -> dict[str, np.ndarray]:
    time, name, capacity, busy, queue = (list(c) for c in zip(*rows, strict=True))
    return {
        "time": seconds(time),
        "resource": np.array(name, dtype=object),
        "capacity": np.asarray(capacity, dtype=np.int64),
        "busy": np.asarray(busy, dtype=np.int64),
        "queue": np.asarray(queue, dtype=np.int64),
    }


def _se_busy(rows: list[Row], horizon: int) -> np.ndarray:
    se = [(t, busy) for t, name, _, busy, _ in rows if name == SE]
    times = np.array([t for t, _ in se], dtype=float)
    busy = np.array([b for _, b in se], dtype=float)
    return spend_ledger.daily_busy(times, busy, horizon)
