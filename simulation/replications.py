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
import pickle
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from tqdm import tqdm

from simulation.backends import Backend, SerialBackend
from simulation.engine import run
from simulation.errors import InputError
from simulation.parameter_draw import with_parameter_draw
from simulation.randomness import Seed, replication_seeds
from simulation.record import Record
from simulation.run_store import MANIFEST_FORMAT, RunStore
from simulation.run_store import ResumeError as ResumeError  # re-exported: callers catch it from here
from simulation.scenario import Scenario

MAX_BATCH: Final = 100  # replications per task at most (about a second of work: the hand-off is negligible)
BATCHES_PER_RUN: Final = 64  # aim for this many tasks, so that workers share the load evenly
UNPACKED_KEPT: Final = 8  # scenarios a worker keeps unpickled
REPLICATION: Final = "replication"
MONTH: Final = "month"


@dataclass(frozen=True)
class Reduction:
    """One replication boiled down: ``kpis`` (name -> number) and ``series`` (one row per month: a DataFrame or a
    mapping of equal-length columns, first ``month`` as a ``YYYY-MM`` label, then one numeric column per metric)."""

    kpis: Mapping[str, float]
    series: Mapping[str, Any]


# A reducer reads the engine's numpy columns; one that wants the four tables calls ``record.outcome()``.
Reducer = Callable[[Scenario, Record], Reduction]


@dataclass(frozen=True)
class Shipped:
    """A scenario as it travels to the workers: pickled once in the parent, unpickled once per worker process (kept
    by its digest), so a batch hands off a few kilobytes and no worker rebuilds the same scenario twice."""

    digest: str
    data: bytes

    @classmethod
    def of(cls, scenario: Scenario) -> Shipped:
        data = pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.sha256(data).hexdigest(), data)

    def load(self) -> Scenario:
        found = _UNPACKED.get(self.digest)
        if found is None:
            if len(_UNPACKED) >= UNPACKED_KEPT:
                _UNPACKED.pop(next(iter(_UNPACKED)))  # the oldest: a compare run ships one scenario after another
            found = _UNPACKED[self.digest] = pickle.loads(self.data)
        return found


_UNPACKED: dict[str, Scenario] = {}  # per process: the scenarios this worker has unpickled


@dataclass(frozen=True)
class Batch:
    """A task: replications ``first .. first + len(seeds) - 1`` of the shipped scenario; pickled to the worker."""

    index: int
    shipped: Shipped
    first: int
    seeds: tuple[np.random.SeedSequence, ...]
    reducer: Reducer
    keep_deals: int = 0

    @property
    def scenario(self) -> Scenario:
        return self.shipped.load()


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


def outcome_counts(scenario: Scenario, record: Record) -> Reduction:
    """A KPI-free reducer (engine tests, benchmarks): deal counts and booked ACV, and won ACV per month."""
    deals = record.deals
    outcome = deals["outcome"]
    won = outcome == "won"
    acv = deals["acv"].astype(float)
    months = pd.period_range(record.start_date, periods=math.ceil(record.horizon_days / 30.4375), freq="M")
    closed = pd.Series(record.start_date + pd.to_timedelta(deals["closed"][won], unit="s")).dt.to_period("M")
    booked = pd.Series(acv[won], index=closed.to_numpy()).groupby(level=0).sum()
    kpis = {
        "prospects": float(len(outcome)),
        "won": float(won.sum()),
        "open": float((outcome == "open").sum()),
        "booked_acv": float(acv[won].sum()),
    }
    return Reduction(kpis, {MONTH: months.astype(str), "booked_acv": booked.reindex(months, fill_value=0.0).cumsum()})


def run_batch(batch: Batch) -> BatchResult:
    """Simulate and reduce the batch's replications (in the worker: the SimPy environment is built here); the
    batch's two tables are built once, from plain rows and columns."""
    rows: list[dict[str, Any]] = []
    series: dict[str, list[np.ndarray]] = {}
    kept: list[tuple[int, pd.DataFrame]] = []
    scenario = batch.scenario
    for offset, seed in enumerate(batch.seeds):
        k = batch.first + offset
        scenario_k = with_parameter_draw(scenario, seed)  # the scenario itself when it has no [uncertainty]
        record = run(scenario_k, seed)
        reduced = batch.reducer(scenario_k, record)
        rows.append({REPLICATION: k, **{name: float(value) for name, value in reduced.kpis.items()}})
        _gather(series, reduced.series, k)
        if k < batch.keep_deals:
            kept.append((k, record.deals_table()))
    kpis = pd.DataFrame(rows)
    if list(kpis.columns) != list(rows[0]):
        raise ValueError("the reducer returned different KPI names for different replications")
    return BatchResult(batch.index, kpis, _series_frame(series), tuple(kept))


def _gather(into: dict[str, list[np.ndarray]], series: Mapping[str, Any], k: int) -> None:
    """Append one replication's monthly series to the batch's columns (tagged with its replication number)."""
    names = list(series.keys())
    if not names or names[0] != MONTH:
        raise ValueError(f"a reducer's series needs {MONTH!r} as its first column")
    months = np.asarray(series[MONTH]).astype(str)
    if into and list(into)[2:] != names[1:]:
        raise ValueError("the reducer returned different series columns for different replications")
    into.setdefault(REPLICATION, []).append(np.full(len(months), k, dtype=np.int64))
    into.setdefault(MONTH, []).append(months)
    for name in names[1:]:
        into.setdefault(name, []).append(np.asarray(series[name], dtype=float))


def _series_frame(columns: dict[str, list[np.ndarray]]) -> pd.DataFrame:
    frame = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    frame[MONTH] = frame[MONTH].astype(str)  # the dtype a stored batch reads back with
    return frame


def default_batch_size(reps: int) -> int:
    """Replications per task: about BATCHES_PER_RUN tasks, at most MAX_BATCH replications each."""
    return max(1, min(MAX_BATCH, math.ceil(reps / BATCHES_PER_RUN)))


def batches(
    scenario: Scenario, seed: Seed, reps: int, reducer: Reducer, batch_size: int, keep_deals: int = 0
) -> list[Batch]:
    """The run cut into tasks; replication k gets child k of the seed, whatever the batch size."""
    seeds = replication_seeds(seed, reps)
    shipped = Shipped.of(scenario)
    return [
        Batch(index, shipped, first, tuple(seeds[first : first + batch_size]), reducer, keep_deals)
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
