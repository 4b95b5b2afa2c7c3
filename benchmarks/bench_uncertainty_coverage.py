"""Coverage of the calibrated [uncertainty] section's intervals over many simulated exports (the heavy version of
``tests/crm/test_uncertainty.py``).

    python benchmarks/bench_uncertainty_coverage.py [--seeds 300] [--level 0.8]

Prints, per parameter, the share of seeds whose recorded interval holds the true value, with its binomial standard
error, and the pooled share. Figures, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--level", type=float, default=0.8)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from simulation import load_scenario
    from tests.crm.test_calibrate import ONE_STRETCH, scenario_file
    from tests.crm.test_uncertainty import POOLED, hits

    with tempfile.TemporaryDirectory() as folder:
        truth = load_scenario(scenario_file(Path(folder), ONE_STRETCH))
        started = time.perf_counter()
        inside, never = hits(truth, range(args.seeds), args.level)
    n, p = args.seeds, args.level
    print(f"{n} simulated exports, {args.level:.0%} intervals ({time.perf_counter() - started:.0f} s)")
    for name, values in inside.items():
        share = sum(values) / n
        print(f"  {name:<34} {share:6.1%}  (nominal {p:.0%} +/- {math.sqrt(p * (1 - p) / n):.1%} SE)")
    pooled = [hit for name in POOLED for hit in inside[name]]
    print(f"  {'pooled: rate, mean, win probability':<34} {sum(pooled) / len(pooled):6.1%}  "
          f"(+/- {math.sqrt(p * (1 - p) / len(pooled)):.1%} SE)")
    print(f"  never-closing share added by AIC in {never} of {n} exports (truth: none; not checked)")


if __name__ == "__main__":
    main()
