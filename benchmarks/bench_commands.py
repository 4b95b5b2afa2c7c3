"""Wall time of the commands a user waits for, each as the user runs it (a fresh ``funnelsim`` process).

    python benchmarks/bench_commands.py [--only startup forecast compare sensitivity] [--reps 10000]

* ``startup``: ``funnelsim --help``, ``funnelsim schema`` and ``funnelsim validate scenarios/ai_startup.toml``
  against ``python -c "import pandas"`` (median of 7 alternating runs; issue 13's target: under 0.6x);
* ``forecast``: ``funnelsim forecast scenarios/ai_startup.toml --reps 10000`` on the process backend, one worker per
  core (target: under 60 s on 2 cores);
* ``compare``: ``funnelsim compare`` with the six shipped fixes x 200 replications (target: under 60 s);
* ``sensitivity``: ``funnelsim sensitivity`` at its defaults (target: under 60 s).

Each run writes into a temporary folder that is removed afterwards. It prints seconds and replications per second,
with the machine's load average before each run (the figures need idle cores). Timings, not assertions: this is not
a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/ai_startup.toml"
FIXES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios" / "fixes").glob("*.toml"))
BIN = Path(sys.executable).parent
FUNNELSIM = str(BIN / "funnelsim")


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def startup(rounds: int = 7) -> None:
    commands = {
        'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
        "funnelsim --help": [FUNNELSIM, "--help"],
        "funnelsim schema": [FUNNELSIM, "schema"],
        f"funnelsim validate {SCENARIO}": [FUNNELSIM, "validate", SCENARIO],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            times[name].append(timed(argv))
    base = statistics.median(times['python -c "import pandas"'])
    print(f"\nstart-up, median of {rounds} (load average {os.getloadavg()[0]:.2f}):")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<52} {median * 1000:7.0f} ms   {median / base:5.2f}x import pandas")


def command(label: str, argv: list[str], reps: int) -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        seconds = timed([FUNNELSIM, *argv, "--out", str(Path(folder) / "out"), "--no-progress"])
    print(f"  {label:<52} {seconds:7.1f} s   {reps / seconds:7.0f} replications/s   (load average before {load:.2f})")


def swings() -> list[object]:
    sys.path.insert(0, str(ROOT))
    from analysis.montecarlo.sensitivity import default_swings
    from simulation import load_scenario

    return list(default_swings(load_scenario(ROOT / SCENARIO)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=["startup", "forecast", "compare", "sensitivity"])
    parser.add_argument("--reps", type=int, default=10_000, help="forecast replications (default 10,000)")
    args = parser.parse_args()
    print(f"bench_commands: {os.cpu_count()} cores, workers: one per core")
    if "startup" in args.only:
        startup()
    print("\nMonte Carlo commands (process backend):")
    if "forecast" in args.only:
        command(f"forecast {SCENARIO} --reps {args.reps}", ["forecast", SCENARIO, "--reps", str(args.reps)], args.reps)
    if "compare" in args.only:
        fixes = [arg for fix in FIXES for arg in ("--fix", fix)]
        command(f"compare, {len(FIXES)} fixes x 200", ["compare", SCENARIO, *fixes, "--reps", "200"],
                200 * (len(FIXES) + 1))
    if "sensitivity" in args.only:
        runs = 1 + 2 * len(swings())  # the baseline, then each parameter low and high
        command(f"sensitivity at its defaults ({runs} settings x 50)", ["sensitivity", SCENARIO], 50 * runs)


if __name__ == "__main__":
    main()
