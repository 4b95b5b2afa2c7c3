"""Solution-engineer and founder usage over time, from the resources table's change log.

The resources table records ``(time, resource, capacity, busy, queue)`` each time something changes; the value
holds until the next row of the same resource (several rows at one instant: the last one counts). Here that
step function becomes a regular time series (hourly samples averaged per day or week): time-weighted
utilisation (busy / capacity), mean and peak queue, and the capacity itself (a fix may add an engineer).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from analysis.kpi.periods import TimeLike, timestamp
from simulation.tables import is_value, require

RESOURCE_COLUMNS: Final = ("time", "resource", "capacity", "busy", "queue")
SAMPLE: Final = pd.Timedelta(hours=1)


def usage(
    resources: pd.DataFrame,
    freq: str = "D",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
) -> pd.DataFrame:
    """Per resource and period (``freq`` ``"D"`` or ``"W"``...): capacity, busy, utilisation, queue (means
    over time) and queue_max. Rows are ``(resource, period start)``; a resource's periods run from its first
    log row (or ``start``) to ``end`` (else its last row)."""
    require(resources, RESOURCE_COLUMNS, "resources", "resource utilisation and queues")
    rows = []
    for name, log in resources.sort_values("time", kind="stable").groupby("resource", sort=True):
        log = log.drop_duplicates("time", keep="last")
        first = timestamp(start) if start is not None else log["time"].iloc[0].floor("D")
        last = timestamp(end) if end is not None else log["time"].iloc[-1]
        if last <= first:
            continue
        grid = pd.date_range(first, last, freq=SAMPLE, inclusive="left")
        at = np.searchsorted(log["time"].to_numpy(), grid.to_numpy(), side="right") - 1
        valid = at >= 0
        take = np.clip(at, 0, None)
        sample = pd.DataFrame(
            {
                "capacity": np.where(valid, log["capacity"].to_numpy(dtype=float)[take], np.nan),
                "busy": np.where(valid, log["busy"].to_numpy(dtype=float)[take], np.nan),
                "queue": np.where(valid, log["queue"].to_numpy(dtype=float)[take], np.nan),
            },
            index=grid,
        )
        sample["utilisation"] = sample["busy"] / sample["capacity"].where(sample["capacity"] > 0)
        periods = pd.DatetimeIndex(sample.index).to_period(freq).start_time
        grouped = sample.groupby(periods)
        table = grouped[["capacity", "busy", "utilisation", "queue"]].mean()
        table["queue_max"] = grouped["queue"].max()
        table.index.name = "period"
        table.insert(0, "resource", str(name))
        rows.append(table.reset_index())
    columns = ["resource", "period", "capacity", "busy", "utilisation", "queue", "queue_max"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def summary(resources: pd.DataFrame, start: TimeLike, end: TimeLike) -> pd.DataFrame:
    """Per resource over ``[start, end)``: mean utilisation, mean queue and peak queue (time-weighted)."""
    daily = usage(resources, "D", start, end)
    if daily.empty:
        return pd.DataFrame(columns=["utilisation", "queue", "queue_max"])
    return daily.groupby("resource").agg(
        utilisation=("utilisation", "mean"), queue=("queue", "mean"), queue_max=("queue_max", "max")
    )


def busy_share(
    resources: pd.DataFrame | None, name: str | None, start: pd.Timestamp, end: pd.Timestamp
) -> float:
    """Busy over capacity of resource ``name``, the step function integrated exactly over ``[start, end)`` (no
    sampling); NaN without a log for it.

    >>> log = pd.DataFrame({"time": pd.to_datetime(["2027-01-01", "2027-01-11"]), "resource": "founder",
    ...                     "capacity": 1, "busy": [1, 0], "queue": 0})
    >>> busy_share(log, "founder", pd.Timestamp("2027-01-01"), pd.Timestamp("2027-01-21"))
    0.5
    """
    if resources is None or name is None:
        return float("nan")
    require(resources, ("time", "resource", "capacity", "busy"), "resources", "utilisation")
    log = resources[is_value(resources["resource"], name)].sort_values("time", kind="stable")
    if log.empty:
        return float("nan")
    times = log["time"].to_numpy(dtype="datetime64[ns]")
    edges = np.append(times[1:], np.datetime64(end, "ns"))
    lo = np.maximum(times, np.datetime64(start, "ns"))
    hi = np.minimum(edges, np.datetime64(end, "ns"))
    span = np.clip((hi - lo).astype("int64"), 0, None).astype(float)
    capacity = float((log["capacity"].to_numpy(dtype=float) * span).sum())
    busy = float((log["busy"].to_numpy(dtype=float) * span).sum())
    return busy / capacity if capacity > 0 else float("nan")
