"""Cash runway from the ``cash`` table (a scenario's ``[billing]`` section, or a finance export with its columns).

Article A: the fractional CRO owns C2RE "because it directly affects runway — a critical concern for AI startups
that often burn cash on compute and data acquisition". Runway puts the two side by side.

* **Net burn** of a month: cash out minus cash in, ``-net_cash_flow`` (negative when the month brought cash in).
* **Runway** at a month's end: the balance then ÷ the mean net burn of the trailing 3 months (that month and the
  two before, fewer at the start of the table), in months; 0 when the balance is ≤ 0 (out of cash already);
  infinite when the trailing mean net burn is ≤ 0 (not burning: the balance does not run out at this pace).

Months are the table's rows as they are: a run's first and last months may cover only part of the calendar month,
which makes their flows (and so a runway read at them) smaller in size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from simulation.tables import require

TRAILING_MONTHS: Final = 3
CASH_COLUMNS: Final = ("month", "net_cash_flow", "balance")
RED_MONTHS: Final = 6.0  # the forecast's alarm line, P(runway < 6 months)
YELLOW_MONTHS: Final = 12.0  # assumption: with under a year of cash, the next round is already due


def runway_values(balance: np.ndarray, net_cash_flow: np.ndarray, trailing: int = TRAILING_MONTHS) -> np.ndarray:
    """Runway in months at each row's end from the month-end balances and net cash flows (the numpy core).

    >>> runway_values(np.array([900.0, 700.0, 600.0]), np.array([-100.0, -200.0, -100.0])).tolist()
    [9.0, 4.666666666666667, 4.5]
    >>> runway_values(np.array([100.0, -5.0]), np.array([50.0, -105.0])).tolist()
    [inf, 0.0]
    """
    burn = -np.asarray(net_cash_flow, dtype=float)
    padded = np.concatenate([np.zeros(trailing - 1), burn])  # each window sums its own months, no running total
    windows = np.lib.stride_tricks.sliding_window_view(padded, trailing)
    counts = np.minimum(np.arange(1, len(burn) + 1), trailing)
    mean_burn = windows.sum(axis=1) / counts
    balance = np.asarray(balance, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        months = np.where(mean_burn > 0, balance / mean_burn, np.inf)
    return np.where(balance <= 0, 0.0, months)


def runway(cash: pd.DataFrame) -> pd.Series:
    """Runway in months at each month's end, indexed by month (see the module docstring).

    >>> cash = pd.DataFrame({"month": pd.to_datetime(["2027-01-01", "2027-02-01"]),
    ...                      "net_cash_flow": [-100.0, -300.0], "balance": [900.0, 600.0]})
    >>> runway(cash).tolist()
    [9.0, 3.0]
    """
    require(cash, CASH_COLUMNS, "cash", "runway")
    ordered = cash.sort_values("month")
    values = runway_values(ordered["balance"].to_numpy(dtype=float), ordered["net_cash_flow"].to_numpy(dtype=float))
    return pd.Series(values, index=pd.DatetimeIndex(ordered["month"]), name="runway_months")


def net_burn(cash: pd.DataFrame) -> pd.Series:
    """Net burn of each month (cash out minus cash in), indexed by month.

    >>> net_burn(pd.DataFrame({"month": pd.to_datetime(["2027-01-01"]), "net_cash_flow": [-250.0]})).tolist()
    [250.0]
    """
    require(cash, ("month", "net_cash_flow"), "cash", "net burn")
    ordered = cash.sort_values("month")
    return pd.Series(-ordered["net_cash_flow"].to_numpy(dtype=float), index=pd.DatetimeIndex(ordered["month"]),
                     name="net_burn")


def months_ended(cash: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """The rows of the months that ended by ``when`` (a month-end balance is known only once its month is over).

    >>> cash = pd.DataFrame({"month": pd.to_datetime(["2027-01-01", "2027-02-01"])})
    >>> len(months_ended(cash, pd.Timestamp("2027-02-28"))), len(months_ended(cash, pd.Timestamp("2027-03-01")))
    (1, 2)
    """
    require(cash, ("month",), "cash", "the months ended")
    ends = pd.DatetimeIndex(cash["month"]).to_period("M").to_timestamp(how="end").normalize() + pd.Timedelta(days=1)
    return cash[np.asarray(ends <= when)]


@dataclass(frozen=True)
class Runway:
    """Runway at the end of a table's last month: in months (NaN with no month, inf when not burning), that
    month, the balance then and the trailing mean net burn behind it."""

    months: float
    month: pd.Timestamp | None
    balance: float
    burn: float

    @property
    def status(self) -> str:
        """red under 6 months, yellow under 12, green otherwise; unknown without a month.

        >>> Runway(5.9, None, 1.0, 1.0).status, Runway(11.0, None, 1.0, 1.0).status, Runway(math.inf, None, 1, 0).status
        ('red', 'yellow', 'green')
        """
        if math.isnan(self.months):
            return "unknown"
        return "red" if self.months < RED_MONTHS else "yellow" if self.months < YELLOW_MONTHS else "green"


def latest(cash: pd.DataFrame) -> Runway:
    """The :class:`Runway` at the end of the table's last month (a table cut to the months ended by a date)."""
    if not len(cash):
        return Runway(math.nan, None, math.nan, math.nan)
    months = runway(cash)
    burn = float(net_burn(cash).iloc[-TRAILING_MONTHS:].mean())
    balance = float(cash.sort_values("month")["balance"].iloc[-1])
    return Runway(float(months.iloc[-1]), months.index[-1], balance, burn)
