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

With a ``store`` folder every finished batch is written atomically::

    DIR/manifest.json                  scenario hash, seed, reps, batch size, reducer of the run
    DIR/batches/000012.series.csv      per-month series of batch 12's replications
    DIR/batches/000012.kpis.csv        its KPI rows (written last: its presence marks the batch as done)
    DIR/deals/replication_000003.csv   deals table of replication 3 (only if keep_deals > 3)

so an interrupted run keeps what it finished and ``resume=True`` runs only the missing batches; the final
tables are then read back from the batch files, identical to an uninterrupted run's.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from tqdm import tqdm

from simulation.backends import Backend, SerialBackend
from simulation.engine import Outcome, simulate
from simulation.errors import InputError
from simulation.outputs import write_csv, write_text
from simulation.randomness import Seed, replication_seeds
from simulation.scenario import Scenario

MANIFEST_FORMAT: Final = 1
MAX_BATCH: Final = 25  # replications per task at most (a few seconds of work)
BATCHES_PER_RUN: Final = 64  # aim for this many tasks, so that workers share the load evenly
REPLICATION: Final = "replication"
MONTH: Final = "month"


class ResumeError(InputError):
    """``--resume`` on a folder whose run does not match the one asked for (or holds no run)."""


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
        outcome = simulate(batch.scenario, seed)
        reduced = batch.reducer(batch.scenario, outcome)
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


class RunStore:
    """The folder of one run: its manifest, the finished batches and the kept deals tables."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / "manifest.json"
        self.batch_folder = self.folder / "batches"
        self.deals_folder = self.folder / "deals"

    def kpis_path(self, index: int) -> Path:
        return self.batch_folder / f"{index:06d}.kpis.csv"

    def series_path(self, index: int) -> Path:
        return self.batch_folder / f"{index:06d}.series.csv"

    def deals_path(self, replication: int) -> Path:
        return self.deals_folder / f"replication_{replication:06d}.csv"

    def manifest(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.manifest_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ResumeError(
                f"{self.manifest_path}: unreadable manifest; start again without --resume"
            ) from None

    def start(self, manifest: dict[str, Any]) -> None:
        """Begin a fresh run: drop an earlier run's batches and deals, write the manifest."""
        for pattern, folder in (("*.csv", self.batch_folder), ("replication_*.csv", self.deals_folder)):
            if folder.is_dir():
                for old in folder.glob(pattern):
                    old.unlink()
        self.batch_folder.mkdir(parents=True, exist_ok=True)
        write_text(self.manifest_path, json.dumps(manifest, indent=2) + "\n")

    def done(self, count: int) -> set[int]:
        """Indices of finished batches (both files present)."""
        return {k for k in range(count) if self.kpis_path(k).exists() and self.series_path(k).exists()}

    def write(self, result: BatchResult) -> None:
        for replication, deals in result.deals:
            write_csv(deals, self.deals_path(replication))
        write_csv(result.series, self.series_path(result.index))
        write_csv(result.kpis, self.kpis_path(result.index))  # last: marks the batch as done

    def read(self, count: int) -> Replications:
        kpis = [_read(self.kpis_path(k)) for k in range(count)]
        series = [_read(self.series_path(k)) for k in range(count)]
        return _assemble(kpis, series)


def _read(path: Path) -> pd.DataFrame:
    # pandas writes the shortest repr of each float and parses it back exactly: bit-identical floats.
    return pd.read_csv(path, dtype={MONTH: str}, keep_default_na=False, na_values=[""])


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
    scenario: Scenario, seed: Seed, reps: int, batch_size: int, reducer: Reducer
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "fixes": [fix.name for fix in scenario.fixes],
        "seed": _seed_record(seed),
        "reps": reps,
        "batch_size": batch_size,
        "reducer": _reducer_name(reducer),
    }


def _check_resume(store: RunStore, wanted: dict[str, Any]) -> None:
    found = store.manifest()
    if found is None:
        raise ResumeError(f"{store.folder}: --resume: no run to resume there (no manifest.json)")
    for key, what in (
        ("scenario_hash", "scenario (or fixes)"),
        ("seed", "seed"),
        ("reps", "number of replications"),
        ("batch_size", "batch size"),
        ("reducer", "KPI reducer"),
    ):
        if found.get(key) != wanted[key]:
            raise ResumeError(
                f"{store.folder}: --resume: the run there has a different {what} ({found.get(key)!r}, "
                f"asked for {wanted[key]!r}); rerun without --resume or use another --out"
            )


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
    wanted = manifest_for(scenario, seed, reps, size, reducer)
    finished: set[int] = set()
    if run is not None:
        if resume:
            _check_resume(run, wanted)
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
                run.write(result)
            else:
                results.append(result)
            bar.update(len(result.kpis))
            if on_batch is not None:
                on_batch(result)
    if run is not None:
        return run.read(len(tasks))
    return _assemble((r.kpis for r in results), (r.series for r in results))
