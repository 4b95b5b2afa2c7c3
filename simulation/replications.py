"""Monte Carlo replications of one scenario, reduced as they finish, written per batch, resumable.

``run_replications(scenario, seed, reps, reducer)`` runs replications 0..reps-1; replication k always
simulates with child k of the run's ``SeedSequence`` (:func:`simulation.randomness.replication_seeds`), so the
result depends on the seed only, never on the batch size, the worker count or the backend
(:mod:`simulation.backends`). Two scenarios run with the same seed see the same prospects: their replications
are paired (common random numbers).

Each replication is reduced at once by the ``reducer`` (passed in by the caller; the engine knows no KPI) to a
:class:`Reduction`: a row of numbers and a small per-month series. Outcome tables are dropped, so memory does
not grow with the number of replications; the deals tables of the first ``keep_deals`` replications are kept
on request.

With a ``store`` folder every finished batch is written atomically and journalled with its checksums
(:mod:`simulation.run_store`), so an interrupted run keeps what it finished and ``resume=True`` runs only the
batches that are missing or no longer match their checksums; the final tables are then read back from the batch
files, identical to an uninterrupted run's.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from tqdm import tqdm

from simulation.backends import Backend, SerialBackend
from simulation.engine import Outcome, simulate
from simulation.errors import InputError
from simulation.parameter_draw import with_parameter_draw
from simulation.randomness import Seed, replication_seeds
from simulation.run_store import MANIFEST_FORMAT, RunStore
from simulation.run_store import ResumeError as ResumeError  # re-exported: callers catch it from here
from simulation.scenario import Scenario

MAX_BATCH: Final = 25  # replications per task at most (a few seconds of work)
BATCHES_PER_RUN: Final = 64  # aim for this many tasks, so that workers share the load evenly
REPLICATION: Final = "replication"
MONTH: Final = "month"


@dataclass(frozen=True)
class Reduction:
    """One replication boiled down: ``kpis`` (name -> number) and ``series`` (one row per month, first column
    ``month`` as a ``YYYY-MM`` label, then one numeric column per metric)."""

    kpis: Mapping[str, float]
    series: pd.DataFrame


Reducer = Callable[[Scenario, Outcome], Reduction]


@dataclass(frozen=True)
class Batch:
    """A task: replications ``first .. first + len(seeds) - 1`` of ``scenario``; pickled to the worker."""

    index: int
    scenario: Scenario
    first: int
    seeds: tuple[np.random.SeedSequence, ...]
    reducer: Reducer
    keep_deals: int = 0


@dataclass(frozen=True)
class BatchResult:
    index: int
    kpis: pd.DataFrame  # replication, then one column per KPI
    series: pd.DataFrame  # replication, month, then one column per metric
    deals: tuple[tuple[int, pd.DataFrame], ...] = ()


@dataclass(frozen=True)
class Replications:
    """All replications of a run, in replication order."""

    kpis: pd.DataFrame
    series: pd.DataFrame
    redone: tuple[int, ...] = ()  # resumed batches run again: their files did not match their checksums

    @property
    def count(self) -> int:
        return len(self.kpis)


def outcome_counts(scenario: Scenario, outcome: Outcome) -> Reduction:
    """A KPI-free reducer (engine tests, benchmarks): deal counts and booked ACV, and won ACV per month."""
    deals = outcome.deals
    won = (deals["outcome"] == "won").fillna(False).to_numpy(dtype=bool)
    acv = deals["acv"].to_numpy(dtype=float)
    months = pd.period_range(outcome.start_date, periods=math.ceil(outcome.horizon_days / 30.4375), freq="M")
    closed = deals["closed"][won].dt.to_period("M")
    booked = pd.Series(acv[won], index=closed.to_numpy()).groupby(level=0).sum()
    kpis = {
        "prospects": float(len(deals)),
        "won": float(won.sum()),
        "open": float((deals["outcome"] == "open").fillna(False).sum()),
        "booked_acv": float(acv[won].sum()),
    }
    series = pd.DataFrame(
        {MONTH: months.astype(str), "booked_acv": booked.reindex(months, fill_value=0.0).cumsum()}
    )
    return Reduction(kpis, series.reset_index(drop=True))


def run_batch(batch: Batch) -> BatchResult:
    """Simulate and reduce the batch's replications (in the worker: the SimPy environment is built here)."""
    rows: list[dict[str, Any]] = []
    series: list[pd.DataFrame] = []
    kept: list[tuple[int, pd.DataFrame]] = []
    for offset, seed in enumerate(batch.seeds):
        k = batch.first + offset
        scenario_k = with_parameter_draw(batch.scenario, seed)  # the scenario itself when it has no [uncertainty]
        outcome = simulate(scenario_k, seed)
        reduced = batch.reducer(scenario_k, outcome)
        rows.append({REPLICATION: k, **{name: float(value) for name, value in reduced.kpis.items()}})
        series.append(_tag_series(reduced.series, k))
        if k < batch.keep_deals:
            kept.append((k, outcome.deals))
    kpis = pd.DataFrame(rows)
    if list(kpis.columns) != list(rows[0]):
        raise ValueError("the reducer returned different KPI names for different replications")
    return BatchResult(batch.index, kpis, pd.concat(series, ignore_index=True), tuple(kept))


def _tag_series(series: pd.DataFrame, k: int) -> pd.DataFrame:
    if MONTH not in series.columns:
        raise ValueError(f"a reducer's series needs a {MONTH!r} column")
    metrics = [c for c in series.columns if c != MONTH]
    out = pd.DataFrame({REPLICATION: k, MONTH: series[MONTH].astype(str).to_numpy()})
    for column in metrics:
        out[column] = series[column].to_numpy(dtype=float)
    return out


def default_batch_size(reps: int) -> int:
    """Replications per task: about BATCHES_PER_RUN tasks, at most MAX_BATCH replications each."""
    return max(1, min(MAX_BATCH, math.ceil(reps / BATCHES_PER_RUN)))


def batches(
    scenario: Scenario, seed: Seed, reps: int, reducer: Reducer, batch_size: int, keep_deals: int = 0
) -> list[Batch]:
    """The run cut into tasks; replication k gets child k of the seed, whatever the batch size."""
    seeds = replication_seeds(seed, reps)
    return [
        Batch(index, scenario, first, tuple(seeds[first : first + batch_size]), reducer, keep_deals)
        for index, first in enumerate(range(0, reps, batch_size))
    ]


def scenario_hash(scenario: Scenario) -> str:
    """A fingerprint of the parameters (fixes included; where a fix file was read from does not count)."""
    text = scenario.model_dump_json(exclude={"fixes": {"__all__": {"source"}}})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _seed_record(seed: Seed) -> Any:
    if isinstance(seed, np.random.SeedSequence):
        entropy = seed.entropy
        return {
            "entropy": entropy if isinstance(entropy, int) else [int(e) for e in entropy or ()],
            "spawn_key": list(seed.spawn_key),
        }
    return int(seed)


def _reducer_name(reducer: Reducer) -> str:
    return f"{getattr(reducer, '__module__', '?')}.{getattr(reducer, '__qualname__', repr(reducer))}"


def _assemble(kpis: Iterable[pd.DataFrame], series: Iterable[pd.DataFrame]) -> Replications:
    k = (
        pd.concat(list(kpis), ignore_index=True)
        .sort_values(REPLICATION, kind="stable")
        .reset_index(drop=True)
    )
    s = (
        pd.concat(list(series), ignore_index=True)
        .sort_values(REPLICATION, kind="stable")
        .reset_index(drop=True)
    )
    k[REPLICATION] = k[REPLICATION].astype("int64")
    s[REPLICATION] = s[REPLICATION].astype("int64")
    return Replications(k, s)


def manifest_for(
    scenario: Scenario, seed: Seed, reps: int, batch_size: int, reducer: Reducer, keep_deals: int = 0
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "fixes": [fix.name for fix in scenario.fixes],
        "seed": _seed_record(seed),
        "reps": reps,
        "batch_size": batch_size,
        "keep_deals": keep_deals,
        "reducer": _reducer_name(reducer),
        "parameter_uncertainty": scenario.uncertainty is not None,
    }


def run_replications(
    scenario: Scenario,
    seed: Seed,
    reps: int,
    reducer: Reducer,
    *,
    backend: Backend | None = None,
    batch_size: int | None = None,
    keep_deals: int = 0,
    store: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> Replications:
    """Run ``reps`` replications of ``scenario`` from ``seed``; their reductions in replication order.

    ``backend`` is entered by the caller (``with make_backend(...) as backend``); None runs serially here.
    ``store``: folder for the per-batch files (needed for ``resume`` and ``keep_deals``). ``on_batch`` is
    called after each batch is stored (progress reporting, tests).
    """
    if reps < 1:
        raise InputError(f"--reps must be at least 1, got {reps}")
    if keep_deals and store is None:
        raise InputError("keeping deals tables needs an output folder")
    runner: Backend = backend if backend is not None else SerialBackend()
    run = RunStore(store) if store is not None else None
    found = run.manifest() if (run is not None and resume) else None
    if batch_size is not None:
        size = batch_size
    elif found and "batch_size" in found:
        size = int(found["batch_size"])
    else:
        size = default_batch_size(reps)
    if size < 1:
        raise InputError(f"--batch-size must be at least 1, got {size}")
    tasks = batches(scenario, seed, reps, reducer, size, keep_deals)
    wanted = manifest_for(scenario, seed, reps, size, reducer, keep_deals)
    finished: set[int] = set()
    if run is not None:
        if resume:
            run.check(wanted)
            finished = run.done(len(tasks))
        else:
            run.start(wanted)
    todo = [task for task in tasks if task.index not in finished]
    results: list[BatchResult] = []
    already = sum(len(t.seeds) for t in tasks if t.index in finished)
    with tqdm(
        total=reps,
        initial=already,
        unit="rep",
        desc=scenario.name,
        disable=not progress,
        dynamic_ncols=True,
        leave=False,
    ) as bar:
        for result in runner.run(run_batch, todo):
            if run is not None:
                run.write(result.index, result.kpis, result.series, result.deals)
            else:
                results.append(result)
            bar.update(len(result.kpis))
            if on_batch is not None:
                on_batch(result)
    if run is not None:
        kpis, series = run.read(len(tasks))
        return replace(_assemble(kpis, series), redone=tuple(sorted(run.redone)))
    return _assemble((r.kpis for r in results), (r.series for r in results))
