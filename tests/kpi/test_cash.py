"""Runway (analysis.kpi.cash): edge cases by hand and a property."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.kpi.cash import latest, months_ended, net_burn, runway, runway_values
from simulation import load_scenario, simulate
from simulation.tables import SchemaError
from tests.conftest import SCENARIOS

CENTS = st.integers(-10**9, 10**9).map(lambda cents: cents / 100)  # amounts of money: whole cents up to $10M


def table(flows: list[float], start: float) -> pd.DataFrame:
    months = pd.date_range("2027-01-01", periods=len(flows), freq="MS")
    return pd.DataFrame({"month": months, "net_cash_flow": flows, "balance": start + np.cumsum(flows)})


def test_trailing_three_months() -> None:
    """Balance 1000 - 100 - 200 - 300 - 400 = 0 at month 4 (out of cash); month 3: 400 / mean(100, 200, 300)."""
    months = runway(table([-100.0, -200.0, -300.0, -400.0, -50.0], 1_000.0)).tolist()
    assert months[:3] == [900 / 100, 700 / 150, 400 / 200]
    assert months[3] == 0.0  # balance exactly 0: out of cash
    assert months[4] == 0.0  # negative balance


def test_fewer_than_three_months_use_what_there_is() -> None:
    assert runway(table([-250.0], 1_000.0)).tolist() == [3.0]
    assert runway(table([-250.0, -50.0], 1_000.0)).tolist() == [3.0, 700 / 150]


def test_not_burning_is_infinite() -> None:
    """Cash coming in (or flat) over the trailing window: the balance does not run out at this pace."""
    assert runway(table([100.0, 0.0, -50.0], 500.0)).tolist() == [np.inf, np.inf, np.inf]  # mean burn -50/3 <= 0
    assert np.isinf(runway(table([0.0], 500.0)).iloc[0])


def test_one_good_month_inside_the_window_counts() -> None:
    """A collection month brings the trailing mean burn down and the runway up: flows -300, +300, -300, -300 from
    1000 leave 700, 1000, 700, 400; trailing mean burns 300, 0, 100, 100."""
    assert runway(table([-300.0, 300.0, -300.0, -300.0], 1_000.0)).tolist() == [700 / 300, np.inf, 7.0, 4.0]


def test_rows_in_any_order_and_missing_column() -> None:
    cash = table([-100.0, -200.0], 1_000.0)
    assert runway(cash.iloc[::-1]).tolist() == runway(cash).tolist()
    assert net_burn(cash).tolist() == [100.0, 200.0]
    with pytest.raises(SchemaError, match="cash: missing column"):
        runway(cash.drop(columns="balance"))


@settings(max_examples=60, deadline=None)
@given(st.lists(CENTS, min_size=1, max_size=24), CENTS.map(abs))
def test_runway_is_balance_over_trailing_burn(flows: list[float], start: float) -> None:
    """Never negative; at a positive balance and positive burn, runway x mean burn gives the balance back."""
    balance = start + np.cumsum(flows)
    months = runway_values(balance, np.array(flows))
    assert (months >= 0).all()
    for k, value in enumerate(months):
        window = flows[max(0, k - 2): k + 1]
        burn = -sum([0.0] * (3 - len(window)) + window) / len(window)
        if balance[k] > 0 and burn > 0:
            assert value * burn == pytest.approx(balance[k], rel=1e-9)
        elif balance[k] <= 0:
            assert value == 0.0
        else:
            assert np.isinf(value)


def test_months_ended_and_latest() -> None:
    """A month's balance is known once it is over: on 1 March, January and February; the runway then is
    February's (balance 700, trailing burn mean(100, 200))."""
    cash = table([-100.0, -200.0, -300.0], 1_000.0)
    known = months_ended(cash, pd.Timestamp("2027-03-01"))
    assert known["month"].tolist() == [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")]
    now = latest(known)
    assert (now.months, now.month, now.balance, now.burn) == (700 / 150, pd.Timestamp("2027-02-01"), 700.0, 150.0)
    assert now.status == "red"
    assert latest(months_ended(cash, pd.Timestamp("2027-01-31"))).status == "unknown"
    assert latest(table([-10.0], 1_000.0)).status == "green"  # 100 months
    assert latest(table([-100.0], 1_000.0)).status == "yellow"  # 9 months


def test_a_simulated_cash_table_recomputed_by_pandas_rolling() -> None:
    """Independent recomputation on a real run's cash table (ai_startup, annual billing; its first and last months
    partial): a pandas rolling mean of the net burn over up to 3 rows, balance over it; 0 out of cash, inf when the
    trailing mean is not a burn. Rows handed over shuffled."""
    cash = simulate(load_scenario(SCENARIOS / "ai_startup.toml"), 7).extra["cash"]
    shuffled = cash.sample(frac=1.0, random_state=3)
    ordered = cash.sort_values("month").reset_index(drop=True)
    burn = (-ordered["net_cash_flow"]).rolling(3, min_periods=1).mean()
    expected = [0.0 if b <= 0 else (np.inf if m <= 0 else b / m) for b, m in zip(ordered["balance"], burn,
                                                                                   strict=True)]
    got = runway(shuffled)
    assert list(got.index) == list(pd.DatetimeIndex(ordered["month"]))
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12)
    assert np.isfinite(got.to_numpy()).any() and len(ordered) > 12
