"""How long a learner waits in the lab: the baseline at start-up, then one slider change at a time.

    python benchmarks/bench_lab.py [--reps 30]

For each change, the median of 5 runs of :meth:`analysis.lab.model.Lab.compare` (the variant's replications) and of
the whole refresh the page does on a slider's release (compare, refill the Bokeh charts, the KPI table and the
challenges), without the browser's round trip (the browser test sees that too: about half a second more). The
issue's target: within a second or two. Timings, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.lab import charts
from analysis.lab.challenges import CHALLENGES, check_comparison
from analysis.lab.model import Lab
from analysis.lab.page import challenges_html, kpi_html, kpi_rows

CHANGES = (
    {"engineers": 4}, {"arrivals_per_week": 3.0}, {"pov_days": 45}, {"patience_days": 20},
    {"cro": "full_time", "playbook": True}, {"comp_plan": "scorecard"},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    lab = Lab(reps=args.reps)
    began = time.perf_counter()
    _ = lab.baseline
    print(f"load average {os.getloadavg()[0]:.2f}; baseline, {args.reps} replications: "
          f"{time.perf_counter() - began:.2f} s")
    shown = charts.build()
    for change in CHANGES:
        settings = lab.start.but(**change)
        model, page = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            comparison = lab.compare(settings)
            t1 = time.perf_counter()
            charts.fill(shown, comparison, 1.5)
            kpi_html(kpi_rows(comparison))
            challenges_html([check_comparison(c, comparison, lab.start) for c in CHALLENGES])
            model.append(t1 - t0)
            page.append(time.perf_counter() - t0)
        print(f"  {change!s:<45} variant {statistics.median(model):.2f} s, whole refresh "
              f"{statistics.median(page):.2f} s")


if __name__ == "__main__":
    main()
