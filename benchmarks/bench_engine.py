"""Seconds per simulated prospect: a forecast's replication against a bare SimPy model with the same events.

    python benchmarks/bench_engine.py [--reps 40] [--scale 1 10] [--profile]

The bare model replays, for every prospect of a replication, exactly the engine's SimPy work: the same
timeouts (same durations and decisions, read from the engine's own precomputed stage plan) and the same
resource requests on a plain ``simpy.Resource``, with no bookkeeping (no ledger, no queue monitor, no tables).
Both models' ``timeout`` and ``request`` calls are counted and printed, so "the same events" is checked, not
assumed. The timings per replication:

* ``forecast``: what a forecast worker does for one replication, ``reduce_record(scenario, run(scenario, seed))``:
  random draws, stage plans, the SimPy run, the numpy columns and the KPI row and monthly series (issue 13's
  figure: goal <= 2x the bare model, 1.2x hoped for);
* ``engine``: ``run(scenario, seed)`` alone, and ``engine SimPy``: the part of it spent in ``Environment.run``
  (the deal processes, ledger and monitors);
* ``bare``: the bare model's ``Environment.run``;
* ``tables``: the readable path a forecast used before issue 13, ``reduce_outcome(scenario, simulate(...))``
  (the four DataFrames and the KPI package), on a quarter of the replications, for contrast.

It prints microseconds per prospect and the ratios to the bare model; ``--scale k`` multiplies the arrival rate,
the solution engineers and the founder's meetings by k (the per-prospect cost without the fixed costs). A
breakdown of a forecast replication by phase follows (each step timed by wrapping it); ``--profile`` adds a
cProfile listing. The cyclic garbage collector is frozen after start-up, as in the command line and the workers.
Timings, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import pstats
import sys
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.montecarlo.fast_reducer import reduce_record  # noqa: E402
from analysis.montecarlo.reducer import reduce_outcome  # noqa: E402
from simulation import load_scenario, simulate  # noqa: E402
from simulation.arrivals import Prospects, arrival_times, attributes  # noqa: E402
from simulation.engine import run  # noqa: E402
from simulation.funnel import ENTRY  # noqa: E402
from simulation.pipeline import open_pipeline  # noqa: E402
from simulation.plan import StagePlan, timeline  # noqa: E402
from simulation.randomness import ATTRIBUTES, SLOTS, streams  # noqa: E402
from simulation.scenario import Scenario, apply_patch  # noqa: E402
from simulation.warmup import warmup_prospects  # noqa: E402

SCENARIO = ROOT / "scenarios" / "ai_startup.toml"


class Counter:
    """Counts ``Environment.timeout`` and ``Resource.request`` calls (``counting=True``) and times
    ``Environment.run``; counting adds a Python call per event, so timings come from passes without it."""

    def __init__(self) -> None:
        self.timeouts = self.requests = 0
        self.run_seconds = 0.0

    @contextmanager
    def watching(self, counting: bool = False) -> Iterator[None]:
        run = simpy.Environment.run
        # timeout and request are BoundClass descriptors: keep the descriptors themselves to restore them
        timeout = simpy.Environment.__dict__["timeout"]
        request = simpy.Resource.__dict__["request"]
        counter = self

        def counted_timeout(env: Any, delay: float = 0, value: Any = None) -> Any:
            counter.timeouts += 1
            return simpy.events.Timeout(env, delay, value)

        def counted_request(resource: Any, *args: Any, **kwargs: Any) -> Any:
            counter.requests += 1
            return simpy.resources.resource.Request(resource, *args, **kwargs)

        def timed_run(env: Any, until: Any = None) -> Any:
            start = time.perf_counter()
            try:
                return run(env, until)
            finally:
                counter.run_seconds += time.perf_counter() - start

        if counting:
            simpy.Environment.timeout = counted_timeout  # type: ignore[method-assign, assignment]
            simpy.Resource.request = counted_request  # type: ignore[method-assign, assignment]
        simpy.Environment.run = timed_run  # type: ignore[method-assign, assignment]
        try:
            yield
        finally:
            simpy.Environment.timeout = timeout  # type: ignore[method-assign]
            simpy.Resource.request = request  # type: ignore[method-assign]
            simpy.Environment.run = run  # type: ignore[method-assign]


def bare_model(scenario: Scenario, seed: int) -> tuple[simpy.Environment, int, Callable[[], None]]:
    """The engine's prospects, durations and decisions, walked by plain SimPy processes (one regime)."""
    rng = streams(seed)
    times = arrival_times(scenario, rng.arrivals)
    new = attributes(scenario, rng.attributes.random((len(times), len(ATTRIBUTES))))._replace(arrived=times)
    stage_u = rng.stages.random((len(times), len(SLOTS)))
    pipeline = open_pipeline(scenario, rng.pipeline)
    warm = warmup_prospects(scenario, rng.warmup)
    groups = (new, pipeline.prospects, warm.prospects)
    prospects = Prospects(*(np.concatenate(columns) for columns in zip(*groups, strict=True)))
    plans = timeline(scenario, np.vstack([stage_u, pipeline.uniforms, warm.uniforms]))
    if len(plans.plans) != 1:
        raise SystemExit("the bare model replays one parameter regime: benchmark a scenario without fixes")
    p: StagePlan = plans.plans[0]
    env = simpy.Environment(initial_time=-warm.days)
    engineers = simpy.Resource(env, p.pov_slots)
    founder = simpy.Resource(env, 1)

    def wait(req: Any, patience: float) -> Generator[Any, Any, bool]:
        if not req.triggered:
            if patience == math.inf:
                yield req
                return True
            yield req | env.timeout(max(patience, 0.0))
        if req.triggered:
            return True
        req.cancel()
        return False

    def deal(i: int, entry: int = 0, elapsed: float = 0.0, running: bool = False) -> Generator[Any, Any, None]:
        if entry <= 0:
            yield env.timeout(max(p.dq_days[i] - elapsed, 0.0))
            if not p.dq_pass[i]:
                if not p.dq_return[i]:
                    return
                yield env.timeout(p.return_after[i])
                yield env.timeout(p.dq2_days[i])
                if not p.dq2_pass[i]:
                    return
        if entry <= 1:
            yield env.timeout(max(p.access_days[i] - (elapsed if entry == 1 else 0.0), 0.0))
            if not p.access_ok[i]:
                return
        if entry <= 2:
            req = engineers.request()
            if not running and not (yield from wait(req, p.pov_patience[i] - (elapsed if entry == 2 else 0.0))):
                return
            if running:
                yield req
            days = p.pov_days[i] if p.pov_complete[i] else p.pov_days[i] * p.pov_drop_at[i]
            yield env.timeout(max(days - (elapsed if running else 0.0), 0.0))
            engineers.release(req)
            if not p.pov_complete[i]:
                return
        if entry <= 3:
            yield env.timeout(max(p.val_days[i] - (elapsed if entry == 3 else 0.0), 0.0))
            if not p.val_pass[i]:
                if not p.val_extend[i]:
                    return
                req = engineers.request()
                yield req
                yield env.timeout(p.ext_days[i])
                engineers.release(req)
                yield env.timeout(p.val2_days[i])
                if not p.val2_pass[i]:
                    return
        yield env.timeout(max(p.nego_days[i] - (elapsed if entry == 4 else 0.0), 0.0))
        if p.founder_needed[i]:
            req = founder.request()
            if not (yield from wait(req, p.founder_patience[i])):
                return
            yield env.timeout(p.founder_meeting_days)
            founder.release(req)

    def arrivals(at: list[float], first: int = 0) -> Generator[Any, Any, None]:
        for i, t in enumerate(at, start=first):
            yield env.timeout(t - env.now)
            env.process(deal(i))

    def start() -> None:
        for k, (stage, elapsed) in enumerate(zip(pipeline.stage, pipeline.days_in_stage, strict=True)):
            env.process(deal(len(times) + k, ENTRY[stage], elapsed, running=stage == "pov"))
        env.process(arrivals(times.tolist()))
        env.process(arrivals(warm.prospects.arrived.tolist(), len(times) + len(pipeline.ids)))

    return env, len(prospects.arrived), start


def scaled(scenario: Scenario, k: float) -> Scenario:
    if k == 1:
        return scenario
    arrivals = scenario.arrivals.model_copy(update={"rate_per_week": scenario.arrivals.rate_per_week * k})
    patched = apply_patch(scenario, {
        "pov": {"solution_engineers": max(1, round(scenario.pov.solution_engineers * k))},
        "negotiation": {"founder_meetings_per_week": scenario.negotiation.founder_meetings_per_week * k},
    })
    return patched.model_copy(update={"arrivals": arrivals})


def _bare_run(scenario: Scenario, seed: int) -> int:
    env, count, begin = bare_model(scenario, seed)
    begin()
    env.run(until=float(scenario.scenario.horizon_days))
    return count


def measure(scenario: Scenario, reps: int) -> dict[str, float]:
    """Event counts (one counting pass), then timings (engine and bare alternating, seed by seed)."""
    counts = {"engine": Counter(), "bare": Counter()}
    for seed in range(reps):
        with counts["engine"].watching(counting=True):
            simulate(scenario, seed)
        with counts["bare"].watching(counting=True):
            _bare_run(scenario, seed)
    engine, bare = Counter(), Counter()
    total = forecast = tables = prospects = table_prospects = 0.0
    for seed in range(reps):
        with engine.watching():
            start = time.perf_counter()
            record = run(scenario, seed)
            middle = time.perf_counter()
            reduce_record(scenario, record)
            end = time.perf_counter()
            total += middle - start
            forecast += end - start
        with bare.watching():
            count = _bare_run(scenario, seed)  # every prospect simulated, the warm-up's included
            prospects += count
        if seed % 4 == 0:
            start = time.perf_counter()
            reduce_outcome(scenario, simulate(scenario, seed))
            tables += time.perf_counter() - start
            table_prospects += count
    return {
        "prospects": prospects,
        "forecast": forecast,
        "engine": total,
        "engine_simpy": engine.run_seconds,
        "tables_per_prospect": tables / table_prospects,
        "bare": bare.run_seconds,
        "engine_timeouts": counts["engine"].timeouts,
        "bare_timeouts": counts["bare"].timeouts,
        "engine_requests": counts["engine"].requests,
        "bare_requests": counts["bare"].requests,
    }


def report(label: str, m: dict[str, float]) -> None:
    per = 1e6 / m["prospects"]
    print(f"\n{label}: {m['prospects']:.0f} prospects")
    print(f"  events per prospect   engine {m['engine_timeouts'] / m['prospects']:.2f} timeouts, "
          f"{m['engine_requests'] / m['prospects']:.2f} requests | bare {m['bare_timeouts'] / m['prospects']:.2f} "
          f"timeouts, {m['bare_requests'] / m['prospects']:.2f} requests")
    print(f"  us per prospect       forecast {m['forecast'] * per:7.1f}   engine {m['engine'] * per:7.1f}   "
          f"engine SimPy {m['engine_simpy'] * per:7.1f}   bare SimPy {m['bare'] * per:7.1f}   "
          f"tables {m['tables_per_prospect'] * 1e6:7.1f}")
    print(f"  ratio to bare         forecast {m['forecast'] / m['bare']:6.2f}x (goal <= 2x)   engine "
          f"{m['engine'] / m['bare']:6.2f}x   engine SimPy {m['engine_simpy'] / m['bare']:6.2f}x   tables "
          f"{m['tables_per_prospect'] / (m['bare'] / m['prospects']):6.2f}x")


PHASES = (
    ("streams", "random streams"),
    ("arrival_times", "arrival draws"),
    ("attributes", "prospect attributes"),
    ("open_pipeline", "open pipeline"),
    ("warmup_prospects", "warm-up prospects"),
    ("timeline", "stage plans (inverse CDFs)"),
    ("_deal_columns", "deal columns"),
    ("_revenue_columns", "revenue columns"),
    ("_resource_columns", "resource columns"),
    ("_se_busy", "SE busy days"),
)


def phases(scenario: Scenario, reps: int) -> None:
    """Share of a forecast replication's time per step (module functions of simulation.engine wrapped with
    timers, and the reducer)."""
    import simulation.engine as engine

    spent: dict[str, float] = dict.fromkeys(
        [name for name, _ in PHASES] + ["spend", "retention", "revenue", "simpy", "reduce"], 0.0
    )
    originals = {name: getattr(engine, name) for name, _ in PHASES}
    spend_ledger = engine.spend_ledger.columns
    post_sale = (engine.post_sale.retention_90d, engine.post_sale.revenue_events)

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed_fn(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return timed_fn

    counter = Counter()
    for name, fn in originals.items():
        setattr(engine, name, wrap(name, fn))
    engine.spend_ledger.columns = wrap("spend", spend_ledger)
    engine.post_sale.retention_90d = wrap("retention", post_sale[0])
    engine.post_sale.revenue_events = wrap("revenue", post_sale[1])
    total = 0.0
    try:
        with counter.watching():
            for seed in range(reps):
                start = time.perf_counter()
                record = run(scenario, seed)
                middle = time.perf_counter()
                reduce_record(scenario, record)
                spent["reduce"] += time.perf_counter() - middle
                total += time.perf_counter() - start
    finally:
        for name, fn in originals.items():
            setattr(engine, name, fn)
        engine.spend_ledger.columns = spend_ledger
        engine.post_sale.retention_90d, engine.post_sale.revenue_events = post_sale
    spent["simpy"] = counter.run_seconds
    labels = dict(PHASES) | {
        "spend": "spend columns", "retention": "90-day retention", "revenue": "revenue events (renewals)",
        "simpy": "SimPy run (deal processes, ledger, monitors)", "reduce": "KPI reduction (fast reducer)",
    }
    print(f"\nwhere a forecast replication spends its time ({reps} replications, {1000 * total / reps:.1f} ms each):")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {labels[name]:<46} {100 * seconds / total:5.1f} %   {1000 * seconds / reps:7.2f} ms")
    rest = total - sum(spent.values())
    other = "other (in run itself)"
    print(f"  {other:<46} {100 * rest / total:5.1f} %   {1000 * rest / reps:7.2f} ms")


def profile(scenario: Scenario, reps: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for seed in range(reps):
        reduce_record(scenario, run(scenario, seed))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"simulation/|analysis/|simpy/core", 30)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    base = load_scenario(SCENARIO)
    gc.freeze()  # as the command line and the workers do after start-up
    print(f"bench_engine: {SCENARIO.relative_to(ROOT)}, {args.reps} replications per size, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for k in args.scale:
        scenario = scaled(base, k)
        report(f"scale x{k:g} (arrivals {scenario.arrivals.rate_per_week:g}/week, "
               f"{scenario.pov.solution_engineers} SEs)", measure(scenario, args.reps))
    for k in args.scale:
        print(f"\nscale x{k:g}:", end="")
        phases(scaled(base, k), args.reps)
    if args.profile:
        profile(scaled(base, args.scale[-1]), max(3, args.reps // 4))


if __name__ == "__main__":
    main()
