"""ARR per deployed model from the engine's revenue columns, for the fast reducer (:mod:`analysis.montecarlo.
fast_reducer`): in force at an instant, model-level GRR with the usage ramp divided out, deployed model revenue.

Each function names the KPI definition of :mod:`analysis.kpi.retention` it follows (``tests/montecarlo/
test_fast_reducer.py`` asserts the same numbers as the readable reducer). A unit is a (deal, model) pair; its events
are taken in time order, same-time events in the order of :data:`simulation.tables.REVENUE_EVENTS`.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import numpy as np

from simulation.record import SECONDS_PER_DAY, Record
from simulation.revenue import DAYS_TO_RETENTION_CHECK
from simulation.tables import REVENUE_EVENTS

RAMP: Final = "ramp"  # the [usage] ramp's monthly step (analysis.kpi.retention.RAMP)
NaN: Final = math.nan


def in_window(times: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (times >= lo) & (times < hi)  # NaN compares False: never in a period


class Units(NamedTuple):
    """The revenue events in unit order: the sort ``order`` of the columns, each event's unit key (deal x
    ``width`` + model), time and ARR after it."""

    order: np.ndarray
    width: int
    keys: np.ndarray
    times: np.ndarray
    after: np.ndarray


def units(record: Record) -> Units:
    """The revenue columns sorted by time, then event order (one ``np.unique``, no lookup per event)."""
    r = record.revenue
    names, which = np.unique(r["event"].astype(str), return_inverse=True)
    rank = np.array([REVENUE_EVENTS.index(name) for name in names], dtype=float)[which]
    order = np.lexsort((rank, r["time"]))
    width = int(r["model"].max()) + 1
    return Units(order, width, (r["deal"] * width + r["model"])[order], r["time"][order],
                 r["arr_after"][order].astype(float))


def _arr_at(keys: np.ndarray, times: np.ndarray, after: np.ndarray, when: float) -> tuple[np.ndarray, np.ndarray]:
    """ARR per unit at the instant ``when``: the ``arr_after`` of each unit's last event (in event order) before it."""
    before = times < when
    reversed_keys = keys[before][::-1]
    units, first = np.unique(reversed_keys, return_index=True)
    return units, after[before][::-1][first]


def model_grr(record: Record, lo: float, hi: float) -> float:
    """:func:`analysis.kpi.retention.grr` at model level over ``[lo, hi)`` (seconds from the start)."""
    r = record.revenue
    check = DAYS_TO_RETENTION_CHECK * SECONDS_PER_DAY
    if not len(r["time"]) or r["time"].min() + check >= lo:  # nobody past the 90-day check at lo: no cohort
        return NaN
    order, width, keys, times, after = units(record)
    won_at = np.full(int(r["deal"].max()) + 1, np.inf)
    np.minimum.at(won_at, r["deal"], r["time"])
    known, at_start = _arr_at(keys, times, after, lo)
    existing = won_at[known // width] + check < lo
    cohort = (at_start > 0) & existing
    if not cohort.any():
        return NaN
    end_units, at_end = _arr_at(keys, times, after, hi)
    end_values = at_end[np.searchsorted(end_units, known[cohort])]  # every unit known at lo is known at hi
    end_values = end_values / _ramp_growth(record, keys, order, known[cohort], lo, hi)
    start_arr = float(at_start[cohort].sum())
    return float(np.minimum(end_values, at_start[cohort]).sum()) / start_arr if start_arr > 0 else NaN


def _ramp_growth(
    record: Record, keys: np.ndarray, order: np.ndarray, units: np.ndarray, lo: float, hi: float
) -> np.ndarray:
    """:func:`analysis.kpi.retention.ramp_growth` of each of ``units`` (sorted keys) over ``[lo, hi)``."""
    r = record.revenue
    growth = np.ones(len(units))
    ramp = ((r["event"] == RAMP) & in_window(r["time"], lo, hi))[order]
    if not ramp.any():
        return growth
    after = r["arr_after"][order][ramp].astype(float)
    before = after - r["arr_delta"][order][ramp].astype(float)
    ratio = np.where(before > 0, after / np.where(before > 0, before, 1.0), 1.0)
    at = np.searchsorted(units, keys[ramp])
    found = at < len(units)
    found[found] = units[at[found]] == keys[ramp][found]
    np.multiply.at(growth, at[found], ratio[found])
    return growth


def deployed_model_revenue(record: Record, *when: float) -> list[float]:
    """:func:`analysis.kpi.retention.deployed_model_revenue` at each instant ``when`` (seconds from the start)."""
    r = record.revenue
    if not len(r["time"]):
        return [0.0] * len(when)
    _, _, keys, times, after = units(record)
    values = (_arr_at(keys, times, after, t)[1] for t in when)
    return [float(arr[arr > 0].sum()) for arr in values]
