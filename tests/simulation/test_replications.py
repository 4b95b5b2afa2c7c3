"""Replications and backends: results depend on the seed only; batches are stored, resumed and checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.backends import BackendError, make_backend
from simulation.engine import run
from simulation.loader import load_scenario
from simulation.randomness import replication_seeds
from simulation.replications import (
    MAX_BATCH,
    BatchResult,
    ResumeError,
    RunStore,
    default_batch_size,
    outcome_counts,
    run_replications,
    scenario_hash,
)
from simulation.scenario import Scenario
from tests.conftest import ROOT

REPS = 7
SEED = 2027


@pytest.fixture(scope="module")
def short() -> Scenario:
    """The shipped AI-startup baseline cut to a 120-day horizon (fast replications)."""
    base = load_scenario(ROOT / "scenarios" / "ai_startup.toml")
    return base.model_copy(update={"scenario": base.scenario.model_copy(update={"horizon_days": 120})})


@pytest.fixture(scope="module")
def reference(short: Scenario) -> pd.DataFrame:
    return run_replications(short, SEED, REPS, outcome_counts, batch_size=3).kpis


def _csv(frame: pd.DataFrame, path: Path) -> bytes:
    frame.to_csv(path, index=False)
    return path.read_bytes()


def test_replication_k_uses_child_k_of_the_seed(short: Scenario, reference: pd.DataFrame) -> None:
    child = replication_seeds(SEED, REPS)[4]
    direct = outcome_counts(short, run(short, child)).kpis
    row = reference.loc[reference["replication"] == 4].iloc[0]
    assert {k: row[k] for k in direct} == dict(direct)
    assert reference["replication"].tolist() == list(range(REPS))


def test_batch_size_does_not_change_results(short: Scenario, reference: pd.DataFrame) -> None:
    one = run_replications(short, SEED, REPS, outcome_counts, batch_size=1)
    pd.testing.assert_frame_equal(one.kpis, reference)


def test_identical_across_workers_and_backends(
    short: Scenario, reference: pd.DataFrame, tmp_path: Path
) -> None:
    """Serial, 1 and 2 local processes and a 2-worker Dask LocalCluster give byte-identical tables."""
    expected = _csv(reference, tmp_path / "serial.csv")
    runs = {"process-1": ("process", 1), "process-2": ("process", 2), "dask-2": ("dask", 2)}
    for label, (name, workers) in runs.items():
        with make_backend(name, workers) as backend:
            result = run_replications(
                short, SEED, REPS, outcome_counts, backend=backend, batch_size=2, store=tmp_path / label
            )
        assert _csv(result.kpis, tmp_path / f"{label}.csv") == expected, label
        assert len(result.series) == REPS * result.series["month"].nunique()


def test_stored_run_reads_back_bit_identical(
    short: Scenario, reference: pd.DataFrame, tmp_path: Path
) -> None:
    stored = run_replications(short, SEED, REPS, outcome_counts, batch_size=3, store=tmp_path)
    memory = run_replications(short, SEED, REPS, outcome_counts, batch_size=3)
    pd.testing.assert_frame_equal(stored.kpis, reference, check_exact=True)
    pd.testing.assert_frame_equal(stored.series, memory.series, check_exact=True)
    assert sorted(p.name for p in (tmp_path / "batches").iterdir())[:2] == [
        "000000.kpis.csv",
        "000000.series.csv",
    ]


class Stop(KeyboardInterrupt):
    pass


def _interrupt_after(batches: int):  # type: ignore[no-untyped-def]
    seen: list[int] = []

    def on_batch(result: BatchResult) -> None:
        seen.append(result.index)
        if len(seen) >= batches:
            raise Stop

    return on_batch


@pytest.mark.parametrize("backend", ["serial", "process"])
def test_resume_after_interrupt_matches_uninterrupted(
    short: Scenario, reference: pd.DataFrame, tmp_path: Path, backend: str
) -> None:
    with make_backend(backend, 2) as runner, pytest.raises(Stop):
        run_replications(
            short,
            SEED,
            REPS,
            outcome_counts,
            backend=runner,
            batch_size=2,
            store=tmp_path,
            on_batch=_interrupt_after(2),
        )
    store = RunStore(tmp_path)
    assert len(store.done(4)) == 2  # the two finished batches were kept
    resumed_batches: list[int] = []
    with make_backend(backend, 2) as runner:
        result = run_replications(
            short,
            SEED,
            REPS,
            outcome_counts,
            backend=runner,
            store=tmp_path,
            resume=True,
            on_batch=lambda r: resumed_batches.append(r.index),
        )
    assert len(resumed_batches) == 2  # only the missing ones ran
    pd.testing.assert_frame_equal(result.kpis, reference, check_exact=True)


def test_resume_refuses_a_different_run(short: Scenario, tmp_path: Path) -> None:
    run_replications(short, SEED, 3, outcome_counts, store=tmp_path)
    with pytest.raises(ResumeError, match="different seed"):
        run_replications(short, SEED + 1, 3, outcome_counts, store=tmp_path, resume=True)
    with pytest.raises(ResumeError, match="number of replications"):
        run_replications(short, SEED, 4, outcome_counts, store=tmp_path, resume=True)
    more = short.pov.solution_engineers + 1
    other = short.model_copy(update={"pov": short.pov.model_copy(update={"solution_engineers": more})})
    assert scenario_hash(other) != scenario_hash(short)
    with pytest.raises(ResumeError, match="scenario"):
        run_replications(other, SEED, 3, outcome_counts, store=tmp_path, resume=True)
    with pytest.raises(ResumeError, match="no run to resume"):
        run_replications(short, SEED, 3, outcome_counts, store=tmp_path / "empty", resume=True)


def test_fresh_run_replaces_an_old_one_and_keeps_deals(short: Scenario, tmp_path: Path) -> None:
    run_replications(short, SEED, 6, outcome_counts, store=tmp_path, batch_size=1, keep_deals=2)
    run_replications(short, SEED, 2, outcome_counts, store=tmp_path, batch_size=1, keep_deals=1)
    assert sorted(p.name for p in (tmp_path / "batches").glob("*.kpis.csv")) == [
        "000000.kpis.csv",
        "000001.kpis.csv",
    ]
    assert [p.name for p in (tmp_path / "deals").iterdir()] == ["replication_000000.csv"]
    deals = pd.read_csv(tmp_path / "deals" / "replication_000000.csv")
    assert "outcome" in deals.columns and len(deals) > 0


def test_default_batch_size_and_bad_arguments(short: Scenario) -> None:
    assert default_batch_size(1) == 1 and default_batch_size(640) == 10
    assert default_batch_size(10**6) == MAX_BATCH == 100
    with pytest.raises(BackendError, match="unknown backend"):
        make_backend("threads")
    with pytest.raises(BackendError, match="at least 1"):
        make_backend("process", 0)
    with pytest.raises(BackendError, match="--scheduler"):
        make_backend("process", 2, "tcp://localhost:8786")
    with pytest.raises(ValueError, match="at least 1"):
        run_replications(short, SEED, 0, outcome_counts)
    assert np.isfinite(run_replications(short, SEED, 1, outcome_counts).kpis["prospects"]).all()


def test_dask_backend_uses_an_existing_scheduler(short: Scenario, reference: pd.DataFrame) -> None:
    """``--scheduler ADDRESS``: connect to a running cluster (here an in-process one) instead of starting one."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, make_backend("dask", scheduler=cluster.scheduler_address) as backend:
        assert backend.workers == 1
        result = run_replications(short, SEED, REPS, outcome_counts, backend=backend, batch_size=3)
    pd.testing.assert_frame_equal(result.kpis, reference, check_exact=True)
