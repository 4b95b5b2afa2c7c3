"""Lesson 2's measures: how many POVs a fix lets through at each staffing level, on the same prospects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulation import Scenario, simulate
from simulation.scenario import apply_patch


def povs_started(scenario: Scenario, seed: int, after_day: float) -> int:
    """POVs started from ``after_day`` (days from the start date) to the end of one run."""
    deals = simulate(scenario, seed).deals
    since = pd.Timestamp(scenario.scenario.start_date) + pd.Timedelta(days=after_day)
    return int((deals["pov_started"] >= since).sum())


def throughput_by_staffing(
    baseline: Scenario, fixed: Scenario, engineers: Sequence[int], seeds: Sequence[int], after_day: float
) -> pd.DataFrame:
    """Per number of engineers: POVs started by ``fixed`` over those started by ``baseline`` from ``after_day`` on,
    seed by seed (the same prospects in both), as the mean, lowest and highest ratio over ``seeds``."""
    rows = []
    for n in engineers:
        staff = {"pov": {"solution_engineers": n}}
        base, fix = apply_patch(baseline, staff), apply_patch(fixed, staff)
        ratios = [povs_started(fix, s, after_day) / povs_started(base, s, after_day) for s in seeds]
        rows.append({"engineers": n, "mean": float(np.mean(ratios)), "low": min(ratios), "high": max(ratios)})
    return pd.DataFrame(rows).set_index("engineers").rename_axis("solution engineers")
