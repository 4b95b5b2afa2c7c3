"""One replication's record as plain numpy columns, and the four tables built from it only when asked.

The engine (:func:`simulation.engine.run`) ends with a :class:`Record`: every timestamp as whole **seconds from the
start date** (a float holding an integer, NaN for never: what the tables hold once rounded to the second), flags
as ``int8`` (1 yes, 0 no, -1 unknown), labels as object arrays (``None`` for none). A Monte Carlo reducer reads
these columns directly; :meth:`Record.outcome` turns them into the ``deals``, ``revenue``, ``spend`` and
``resources`` DataFrames of :mod:`simulation.tables` for ``run``, ``--keep-deals`` and the KPI package. Building
DataFrames costs more than simulating a replication, so a forecast never builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from simulation.tables import CHANNELS, DEALS, EXTRA_TABLES, RESOURCES, REVENUE, SPEND, TIERS, typed_frame

SECONDS_PER_DAY: Final = 86_400.0
Columns = Mapping[str, np.ndarray]


def seconds(days: np.ndarray | list[float]) -> np.ndarray:
    """Days from the start date as whole seconds (NaN stays NaN): a CRM records seconds at best, and the tables in
    memory and read back from their CSVs stay identical.

    >>> seconds([0.5, 0.4 / 86400, float("nan")]).tolist()
    [43200.0, 0.0, nan]
    """
    return np.rint(np.asarray(days, dtype=float) * SECONDS_PER_DAY)


def dates(start: pd.Timestamp, secs: np.ndarray) -> np.ndarray:
    """Whole seconds from ``start`` (NaN for never) as ``datetime64[ns]``."""
    known = ~np.isnan(secs)
    out = np.full(len(secs), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[known] = np.datetime64(start.to_datetime64(), "ns") + secs[known].astype("int64").astype("timedelta64[s]")
    return out


@dataclass(frozen=True)
class DealIds:
    """How deal ids are made: ``D000001``... for new prospects, the open pipeline's own ids, then ``P...`` for the
    warm-up's deals still open on the start date, numbered after the pipeline's."""

    new: int
    pipeline: tuple[str, ...]
    warm_kept: int
    returns: tuple[str, ...] = ()  # [market]: accounts that came back after cooling off (simulation.market)

    def all(self) -> list[str]:
        """Every id in deal-number order (new, pipeline, warm-up, returns)."""
        first = len(self.pipeline) + 1
        return (
            [f"D{k + 1:06d}" for k in range(self.new)]
            + list(self.pipeline)
            + [f"P{k + first:05d}" for k in range(self.warm_kept)]
            + list(self.returns)
        )


@dataclass(frozen=True)
class Record:
    """The columns of one replication (see the module docstring); ``deals`` rows are in table order (by arrival)."""

    start_date: pd.Timestamp
    horizon_days: int
    warmup_days: float
    deals: Columns
    revenue: Columns  # deal (row of ``deals``), model, time, event, arr_delta, arr_after: by time
    spend: Columns  # the spend table's columns, ready as they are
    resources: Columns  # time, resource, capacity, busy, queue: the change log from the start date on
    ids: DealIds
    deal_numbers: np.ndarray  # each row's deal number (the order ``ids.all()`` follows)
    # The optional tables of the mechanisms a scenario turns on (simulation.tables.EXTRA_TABLES: staff, market,
    # cash), by name, as columns ready for the table (datetimes as datetime64[ns], like ``spend``).
    extra: Mapping[str, Columns] = field(default_factory=dict)

    def outcome(self) -> Outcome:
        """The four tables (what :func:`simulation.engine.simulate` returns)."""
        return Outcome(
            deals=self.deals_table(),
            revenue=self.revenue_table(),
            spend=typed_frame(self.spend, SPEND),
            resources=self.resources_table(),
            start_date=self.start_date,
            horizon_days=self.horizon_days,
            warmup_days=self.warmup_days,
            extra={name: typed_frame(columns, EXTRA_TABLES[name]) for name, columns in self.extra.items()},
        )

    def row_ids(self) -> list[str]:
        ids = self.ids.all()
        return [ids[k] for k in self.deal_numbers]

    def deals_table(self) -> pd.DataFrame:
        d, start = self.deals, self.start_date
        data: dict[str, Any] = {
            "id": self.row_ids(),
            "tier": [TIERS[t] for t in d["tier"]],
            "channel": [CHANNELS[c] for c in d["channel"]],
        }
        for column, (kind, _) in DEALS.items():
            if column in data:
                continue
            values = d[column]
            if kind == "datetime":
                data[column] = dates(start, values)
            elif kind == "boolean":
                data[column] = [None if v < 0 else bool(v) for v in values.tolist()]
            else:
                data[column] = values
        return typed_frame(data, DEALS)

    def revenue_table(self) -> pd.DataFrame:
        r = self.revenue
        ids = self.row_ids()
        data = {
            "customer": [ids[k] for k in r["deal"].tolist()],
            "model": r["model"],
            "date": dates(self.start_date, r["time"]),
            "event": r["event"],
            "arr_delta": r["arr_delta"],
            "arr_after": r["arr_after"],
        }
        return typed_frame(data, REVENUE)

    def resources_table(self) -> pd.DataFrame:
        data = {**self.resources, "time": dates(self.start_date, self.resources["time"])}
        return typed_frame(data, RESOURCES)


@dataclass(frozen=True)
class Outcome:
    """The four tables of one replication (see :mod:`simulation.tables`)."""

    deals: pd.DataFrame
    revenue: pd.DataFrame
    spend: pd.DataFrame
    resources: pd.DataFrame
    start_date: pd.Timestamp
    horizon_days: int
    warmup_days: float = 0.0  # how long the funnel ran before the start date (simulation.warmup)
    extra: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # optional tables by name (EXTRA_TABLES)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the run by name: the four, then the optional ones the scenario turned on."""
        return {"deals": self.deals, "revenue": self.revenue, "spend": self.spend, "resources": self.resources,
                **self.extra}
