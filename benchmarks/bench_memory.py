"""Peak memory of a Monte Carlo forecast at 100 vs 1,000 replications: it should stay flat.

    python benchmarks/bench_memory.py [--reps 100 1000] [--backend serial|process] [--workers 2]

Each size runs in a fresh Python process (``--child``), so its peak resident set size (``ru_maxrss``) is its
own. With the default serial backend that process simulates, reduces and stores everything, so its peak is the
whole run's; with ``--backend process`` it is the driver's alone (workers are the fork server's children).
Replications are reduced as they finish and outcome tables dropped, so memory should not grow with the number
of replications beyond the small per-replication rows. Figures, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ai_startup.toml"


def child(reps: int, backend: str, workers: int) -> None:
    sys.path.insert(0, str(ROOT))
    from analysis.montecarlo.fast_reducer import reduce_record
    from simulation import load_scenario
    from simulation.backends import make_backend
    from simulation.replications import run_replications

    scenario = load_scenario(SCENARIO)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, make_backend(backend, workers) as runner:
        result = run_replications(scenario, 1, reps, reduce_record, backend=runner, store=folder)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "reps": result.count,
        "seconds": seconds,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rows_mib": (result.kpis.memory_usage(deep=True).sum() + result.series.memory_usage(deep=True).sum()) / 2**20,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--backend", choices=("serial", "process"), default="serial")
    parser.add_argument("--workers", type=int, default=2, help="with --backend process")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.backend, args.workers)
        return
    what = "one process does everything" if args.backend == "serial" else f"driver of {args.workers} workers"
    print(f"bench_memory: {SCENARIO.relative_to(ROOT)}, KPI reducer, {args.backend} backend ({what}), "
          f"load average {os.getloadavg()[0]:.2f}")
    results = []
    for reps in args.reps:
        command = [sys.executable, __file__, "--child", str(reps), "--backend", args.backend, "--workers",
                   str(args.workers)]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(m)
        print(f"  {m['reps']:>6} replications: peak RSS {m['peak_mib']:7.1f} MiB, result rows "
              f"{m['rows_mib']:6.2f} MiB, {m['seconds']:7.1f} s ({m['reps'] / m['seconds']:.2f} replications/s)")
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(f"  peak RSS x{b['peak_mib'] / a['peak_mib']:.2f} (+{b['peak_mib'] - a['peak_mib']:.1f} MiB) for "
              f"{b['reps'] / a['reps']:.0f}x the replications")


if __name__ == "__main__":
    main()
