"""Today's pipeline: the deals already in the funnel on the start date, so a forecast does not start from empty.

A scenario lists them as ``[[pipeline.open]]`` entries (a count per stage with their age) or points ``pipeline.csv``
at open deals in the deals schema; :func:`open_deals_from_csv` turns such a file into the same entries (the stage
is the last one the deal has a timestamp for).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.arrivals import Prospects, attributes
from simulation.errors import InputError
from simulation.randomness import ATTRIBUTES, SLOTS
from simulation.scenario import OpenDeals, Scenario
from simulation.tables import CHANNELS, DEALS, OUTCOMES, STAGE_ENTERED, TIERS, current_stage, read_csv

if TYPE_CHECKING:
    import pandas as pd  # imported where a CSV is read


class Pipeline(NamedTuple):
    prospects: Prospects
    stage: list[str]
    days_in_stage: list[float]
    ids: list[str]
    uniforms: np.ndarray  # deals x SLOTS


def open_pipeline(scenario: Scenario, rng: np.random.Generator) -> Pipeline:
    """Expand the open-deal entries into per-deal arrays (attributes drawn where the entry does not fix them)."""
    entries = [e for e in scenario.pipeline.open for _ in range(e.count)]
    n = len(entries)
    attr_u = rng.random((n, len(ATTRIBUTES)))
    stage_u = rng.random((n, len(SLOTS)))
    fixed_tier = np.array([TIERS.index(e.tier) if e.tier else -1 for e in entries], dtype=int)
    prospects = attributes(scenario, attr_u, fixed_tier)
    channel = np.array(
        [CHANNELS.index(e.channel) if e.channel else c for e, c in zip(entries, prospects.channel, strict=True)],
        dtype=int,
    )
    acv = np.array([e.acv if e.acv is not None else a for e, a in zip(entries, prospects.acv, strict=True)])
    arrived = -np.array([e.age_days for e in entries], dtype=float)
    ids = [e.id or f"P{k + 1:05d}" for k, e in enumerate(entries)]
    return Pipeline(
        prospects._replace(arrived=arrived, channel=channel, acv=acv),
        [e.stage for e in entries],
        [e.days_in_stage for e in entries],
        ids,
        stage_u,
    )


def _check_rows(path: Path, table: pd.DataFrame) -> None:
    """Reject what would otherwise be dropped or guessed: no id, no arrival, a repeated id, an unknown outcome."""
    for column in ("id", "arrived"):
        missing = table[column].isna()
        if missing.any():
            row = int(missing.to_numpy().argmax()) + 2  # 1-based, after the header line
            raise InputError(f"{path}: {column}: line {row} has no {column} (every open deal needs one)")
    repeated = table["id"][table["id"].duplicated()]
    if len(repeated):
        raise InputError(f"{path}: id: {repeated.iloc[0]!r} appears more than once")
    unknown = table["outcome"].notna() & ~table["outcome"].isin(OUTCOMES)
    if unknown.any():
        raise InputError(
            f"{path}: outcome: deal {table['id'][unknown].iloc[0]} has outcome "
            f"{table['outcome'][unknown].iloc[0]!r}; expected one of {', '.join(OUTCOMES)}"
        )


def open_deals_from_csv(path: Path, start: dt.date | pd.Timestamp) -> tuple[OpenDeals, ...]:
    """Read open deals (outcome ``open`` or no close date) from a deals-schema CSV as pipeline entries, as they are
    on the ``start`` date."""
    import pandas as pd

    start_date = pd.Timestamp(start)
    table = read_csv(path, DEALS, required=("id", "arrived"))
    _check_rows(path, table)
    still_open = table[(table["outcome"].fillna("open") == "open") & table["closed"].isna()]
    stages = current_stage(still_open)
    entries = []
    for stage, row in zip(stages, still_open.itertuples(index=False), strict=True):
        if row.arrived > start_date:
            raise InputError(f"{path}: arrived: deal {row.id} arrived after the scenario's start date")
        column = STAGE_ENTERED[stage]
        tier = None if pd.isna(row.tier) else str(row.tier)
        channel = None if pd.isna(row.channel) else str(row.channel)
        if tier not in (None, *TIERS) or channel not in (None, *CHANNELS):
            raise InputError(f"{path}: tier/channel: deal {row.id} has tier {tier!r}, channel {channel!r}; "
                             f"expected one of {TIERS} and {CHANNELS}")
        entries.append(
            OpenDeals(
                stage=stage,
                count=1,
                age_days=(start_date - row.arrived).total_seconds() / 86400,
                days_in_stage=(start_date - getattr(row, column)).total_seconds() / 86400,
                tier=tier,  # type: ignore[arg-type]  # checked against TIERS above
                channel=channel,  # type: ignore[arg-type]
                acv=None if pd.isna(row.acv) else float(row.acv),
                id=str(row.id),
            )
        )
    return tuple(entries)
