"""Replications per second and the speed-up from 1 to 2 (or more) workers of a Monte Carlo forecast.

    python benchmarks/bench_scaling.py [--reps 800] [--workers 1 2] [--serial] [--dask]

Runs ``--reps`` replications of the shipped AI-startup scenario with the forecast's KPI reducer on each
configuration (the pool or cluster start-up included, as a user sees it), checks that every configuration gives
identical replications, and prints seconds, replications per second and the speed-up over the first worker
count (goal: >= 1.8x from 1 to 2 workers). Speed-ups need as many idle cores as workers, so the script first
measures what the machine gives a pure-Python CPU burn on the same numbers of processes (the ceiling on a shared
or busy machine) and prints the forecast's speed-up against that ceiling too. Timings, not assertions: this is
not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.montecarlo.fast_reducer import reduce_record  # noqa: E402
from simulation import load_scenario  # noqa: E402
from simulation.backends import make_backend  # noqa: E402
from simulation.replications import run_replications  # noqa: E402

SCENARIO = ROOT / "scenarios" / "ai_startup.toml"


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def ceiling(workers: int, n: int = 6_000_000) -> float:
    """Speed-up of ``workers`` processes over one on a pure CPU burn: what the machine offers right now."""
    start = time.perf_counter()
    for _ in range(workers):
        _burn(n)
    one = time.perf_counter() - start
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_burn, [n] * workers)  # start-up out of the timing
        start = time.perf_counter()
        pool.map(_burn, [n] * workers)
        many = time.perf_counter() - start
    return one / many


def timed(backend: str, workers: int, reps: int, seed: int) -> tuple[float, pd.DataFrame]:
    scenario = load_scenario(SCENARIO)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        with make_backend(backend, workers, preload=(reduce_record.__module__,)) as runner:
            result = run_replications(scenario, seed, reps, reduce_record, backend=runner, store=folder)
        return time.perf_counter() - start, result.kpis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=800)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--serial", action="store_true", help="also time the serial backend (no pool)")
    parser.add_argument("--dask", action="store_true", help="also time a Dask LocalCluster of the largest size")
    args = parser.parse_args()
    print(f"bench_scaling: {SCENARIO.relative_to(ROOT)}, {args.reps} replications, KPI reducer, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    runs = [("process", w) for w in args.workers]
    if args.serial:
        runs.insert(0, ("serial", 1))
    if args.dask:
        runs.append(("dask", max(args.workers)))
    reference: pd.DataFrame | None = None
    first: float | None = None
    for backend, workers in runs:
        seconds, kpis = timed(backend, workers, args.reps, args.seed)
        if reference is None:
            reference = kpis
        same = kpis.equals(reference)
        if backend == "process" and first is None:
            first = seconds
        speedup = ""
        if first and backend != "serial":
            limit = ceiling(workers) / ceiling(args.workers[0]) if workers > 1 else 1.0
            speedup = f"{first / seconds:5.2f}x vs {args.workers[0]} worker(s) (CPU-burn ceiling now {limit:4.2f}x)"
        print(f"  {backend:>7} x{workers}: {seconds:7.2f} s   {args.reps / seconds:6.2f} replications/s   "
              f"{speedup}   identical: {same}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end (speed-ups need idle cores)")


if __name__ == "__main__":
    main()
