"""Lesson 3's measures: where the first months' NNARR comes from (deals open on the start date, or prospects who
arrived after it), and how fast a new prospect can be won."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.kpi import nnarr
from simulation import Scenario, simulate

OPEN = "open on the start date"
NEW = "arrived after it"


def nnarr_sources(scenario: Scenario, seeds: Sequence[int], months: pd.PeriodIndex) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean NNARR per month of close over ``seeds``, split into deals open on the start date (the warm start's
    ids begin with ``P``) and prospects who arrived after it; and, per seed, the fewest days from arrival to close
    of a new prospect who was won."""
    tables, fastest = [], []
    for seed in seeds:
        deals = simulate(scenario, seed).deals
        already_open = deals["id"].str.startswith("P")
        tables.append(pd.DataFrame({
            name: {str(month): nnarr.nnarr(part, month).nnarr for month in months}
            for name, part in ((OPEN, deals[already_open]), (NEW, deals[~already_open]))
        }))
        won = deals[~already_open & (deals["outcome"] == "won")]
        fastest.append(((won["closed"] - won["arrived"]).dt.total_seconds() / 86400).min())
    return pd.concat(tables).groupby(level=0).mean(), np.asarray(fastest, dtype=float)
