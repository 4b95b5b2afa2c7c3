"""Sales cycle and SCCR on hand-made deals."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.kpi import cycle

Q = "Q"


@pytest.fixture
def deals(deals_table):
    return deals_table(
        [
            # Q1: won deals of 80 and 100 days (mean 90); a lost deal of 10 days does not count by default
            dict(outcome="won", acv=1.0, arrived="2026-11-01", closed="2027-01-20", data_access_granted="2027-01-01"),
            dict(outcome="won", acv=1.0, arrived="2026-11-01", closed="2027-02-09", data_access_granted="2027-01-10"),
            dict(outcome="lost", acv=1.0, arrived="2027-01-01", closed="2027-01-11"),
            # Q2: nothing closes; Q3: a 120-day won deal; an open deal with NaT close is ignored
            dict(outcome="won", acv=1.0, arrived="2027-03-03", closed="2027-07-01"),
            dict(outcome="open", acv=1.0, arrived="2027-02-01"),
        ]
    )


def test_average_cycle_per_quarter_with_empty_quarter(deals):
    average = cycle.average_cycle(deals)
    assert [str(p) for p in average.index] == ["2027Q1", "2027Q2", "2027Q3"]
    assert average.iloc[0] == 90.0 and math.isnan(average.iloc[1]) and average.iloc[2] == 120.0


def test_sccr_series(deals):
    result = cycle.sccr(deals)
    assert isinstance(result.index, pd.PeriodIndex) and result.index.freqstr.startswith("Q")
    assert result.isna().all()  # Q1 has no predecessor, Q2 no deals, Q3 no previous average


def test_sccr_negative_when_the_cycle_grows(deals_table):
    deals = deals_table(
        [
            dict(outcome="won", acv=1.0, arrived="2026-12-01", closed="2027-03-01"),  # 90 days
            dict(outcome="won", acv=1.0, arrived="2027-03-03", closed="2027-06-01"),  # 90 days
            dict(outcome="won", acv=1.0, arrived="2027-06-02", closed="2027-09-09"),  # 99 days
        ]
    )
    assert cycle.sccr(deals).tolist()[1:] == pytest.approx([0.0, -0.1])


def test_configurable_cycle(deals):
    evaluation = cycle.cycle_days(deals, start="data_access_granted")
    assert evaluation.tolist() == [19.0, 30.0]
    every_close = cycle.average_cycle(deals, outcomes=None)
    assert every_close.iloc[0] == pytest.approx((80 + 100 + 10) / 3)
    medians = cycle.average_cycle(deals, statistic="median", first="2026-10-01", last="2027-03-31")
    assert [str(p) for p in medians.index] == ["2026Q4", "2027Q1"]


def test_period_sccr_and_previous_period(deals_table):
    deals = deals_table(
        [
            dict(outcome="won", acv=1.0, arrived="2026-12-01", closed="2027-03-01"),  # 90 days, Q1
            dict(outcome="won", acv=1.0, arrived="2027-03-12", closed="2027-06-01"),  # 81 days, Q2
        ]
    )
    assert cycle.period_sccr(deals, "2027Q2") == pytest.approx(0.10)
    assert math.isnan(cycle.period_sccr(deals, "2027Q1"))
    assert cycle.previous_period(pd.Period("2027Q1", "Q")) == pd.Period("2026Q4", "Q")
    assert cycle.previous_period(("2027-03-01", "2027-03-31")) == (
        pd.Timestamp("2027-01-30"),
        pd.Timestamp("2027-03-01"),
    )
    assert cycle.period_sccr(deals, ("2027-04-01", "2027-07-01")) == pytest.approx(0.10)


def test_sccr_from_cycles_edge_cases():
    assert cycle.sccr_from_cycles(100, 100) == 0.0
    assert cycle.sccr_from_cycles(60, 90) == pytest.approx(-0.5)
    assert math.isnan(cycle.sccr_from_cycles(float("nan"), 10))
