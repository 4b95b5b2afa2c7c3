"""KPIs do not depend on the tables' index: runs stacked with ``pd.concat`` (repeated labels) give the answers of
the same rows with a fresh index."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.kpi import cycle, evaluation, funnel, kpis, nnarr, retention
from simulation.tables import DEALS, REVENUE, SPEND, coerce

START = pd.Timestamp("2027-01-01")
PERIOD = pd.Period("2027Q2")
Tables = tuple[pd.DataFrame, pd.DataFrame]
Builder = Callable[[Any], pd.DataFrame]

deal_rows = st.lists(
    st.tuples(
        st.integers(0, 300),  # arrival day
        st.lists(st.integers(1, 40), min_size=5, max_size=5),  # days spent before each later stage
        st.integers(0, 6),  # stages reached (6: all, then closed)
        st.sampled_from(["won", "lost", "disqualified", "open"]),
        st.floats(1_000, 300_000),  # acv
        st.sampled_from(["kept", "contracted", "churned", None]),
        st.sampled_from(["direct", "partner"]),
        st.booleans(),  # founder in the final meeting / POV completed
        st.integers(0, 3),  # index label: repeats on purpose
    ),
    min_size=1,
    max_size=25,
)
STAGE_COLUMNS = ("pov_requested", "data_access_granted", "pov_started", "pov_ended", "negotiation_started")


def make_tables(rows: list[tuple[Any, ...]]) -> Tables:
    records, revenue = [], []
    for i, (day, gaps, reached, outcome, acv, kept, channel, flag, _) in enumerate(rows):
        arrived = START + pd.Timedelta(days=day)
        times = (arrived + pd.to_timedelta(np.cumsum(gaps), unit="D")).tolist()
        record: dict[str, Any] = dict(id=f"D{i % 7}", arrived=arrived, outcome=outcome, acv=acv, channel=channel)
        record.update(dict(list(zip(STAGE_COLUMNS, times, strict=True))[: min(reached, 5)]))
        if outcome != "open":
            record["closed"] = times[-1] + pd.Timedelta(days=7)
        if reached >= 4:
            record["pov_completed"] = flag
        if outcome == "won":
            record.update(founder_in_final_meeting=flag, retention_90d=kept, tier="mid")
            record["acv_after_90d"] = {"kept": acv, "contracted": acv / 2, "churned": 0.0}.get(str(kept), math.nan)
            revenue.append(dict(customer=record["id"], model=1, date=record["closed"], event="new", arr_after=acv))
            later = record["closed"] + pd.Timedelta(days=120)
            event, after = ("churn", 0.0) if kept == "churned" else ("renewal", acv)
            revenue.append(dict(customer=record["id"], model=1, date=later, event=event, arr_after=after))
        records.append(record)
    return coerce(pd.DataFrame(records), DEALS), coerce(pd.DataFrame(revenue, columns=list(REVENUE)), REVENUE)


SPEND_TABLE = coerce(
    pd.DataFrame({"month": pd.date_range("2027-01-01", periods=12, freq="MS"), "category": "marketing", "amount": 1e4}),
    SPEND,
)
CALLS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], Any]] = {
    "cycle_days": lambda d, r: cycle.cycle_days(d).reset_index(drop=True),
    "average_cycle": lambda d, r: cycle.average_cycle(d),
    "sccr": lambda d, r: cycle.sccr(d),
    "sccr_evaluation": lambda d, r: cycle.sccr(d, start="data_access_granted", outcomes=None, freq="M"),
    "period_cycle": lambda d, r: cycle.period_cycle(d, PERIOD),
    "period_sccr": lambda d, r: cycle.period_sccr(d, PERIOD),
    "nnarr": lambda d, r: nnarr.nnarr(d, PERIOD),
    "nnarr_by_tier": lambda d, r: nnarr.nnarr_by(d, None, "tier"),
    "nnarr_by_channel": lambda d, r: nnarr.nnarr_by(d, PERIOD, "channel"),
    "nnarr_by_period": lambda d, r: nnarr.nnarr_by_period(d),
    "c2re_by_period": lambda d, r: nnarr.c2re_by_period(d, SPEND_TABLE),
    "qte_velocity": lambda d, r: evaluation.qte_velocity(d),
    "completion": lambda d, r: evaluation.evaluation_completion_rate(d),
    "pov_to_pipeline": lambda d, r: evaluation.pov_to_pipeline(d),
    "pov_win_rate": lambda d, r: evaluation.pov_win_rate(d),
    "founder": lambda d, r: evaluation.founder_involvement_reduction_rate(d),
    "lead_to_win_rate": lambda d, r: evaluation.lead_to_win_rate(d, PERIOD),
    "conversion": lambda d, r: funnel.conversion(d),
    "stage_times": lambda d, r: funnel.stage_times(d),
    "stage_time_summary": lambda d, r: funnel.stage_time_summary(d, PERIOD),
    "loss_stage": lambda d, r: funnel.loss_stage(d).reset_index(drop=True),
    "grr": lambda d, r: retention.retention(r, ("2027-06-01", "2028-06-01")),
    "partner_grr": lambda d, r: retention.partner_retention(r, d, ("2027-06-01", "2028-06-01"), "account"),
    "arr_by_period": lambda d, r: retention.arr_by_period(r),
    "kpi_summary": lambda d, r: kpis.kpi_summary(d, PERIOD, spend=SPEND_TABLE, revenue=r, quota=1e5),
}


def assert_same(got: Any, expected: Any, name: str) -> None:
    if isinstance(got, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, obj=name)
    elif isinstance(got, pd.Series):
        pd.testing.assert_series_equal(got, expected, obj=name)
    elif isinstance(got, dict):
        assert list(got) == list(expected), name
        assert list(got.values()) == pytest.approx(list(expected.values()), nan_ok=True), name
    else:
        assert repr(got) == repr(expected), name


def stacked(frame: pd.DataFrame, labels: list[int]) -> pd.DataFrame:
    return frame.set_axis(pd.Index(labels[: len(frame)] + [0] * (len(frame) - len(labels))))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal_rows)
def test_repeated_index_labels_give_the_fresh_index_answers(rows: list[tuple[Any, ...]]) -> None:
    deals, revenue = make_tables(rows)
    labels = [r[-1] for r in rows]
    messy_deals, messy_revenue = stacked(deals, labels), stacked(revenue, labels[::-1])
    for name, call in CALLS.items():
        assert_same(call(messy_deals, messy_revenue), call(deals, revenue), name)


def test_two_runs_stacked_without_ignore_index(funnel_deals: pd.DataFrame) -> None:
    pooled = pd.concat([funnel_deals, funnel_deals.assign(id=funnel_deals["id"] + "_2")])
    fresh = pooled.reset_index(drop=True)
    assert pooled.index.has_duplicates
    pd.testing.assert_series_equal(cycle.average_cycle(pooled), cycle.average_cycle(fresh))
    pd.testing.assert_series_equal(cycle.sccr(pooled), cycle.sccr(fresh))
    assert cycle.period_cycle(pooled, "2027Q1") == cycle.period_cycle(funnel_deals, "2027Q1") == 59.0
    assert cycle.cycle_days(pooled).index.tolist() == cycle.cycle_days(funnel_deals).index.tolist() * 2
    assert kpis.kpi_summary(pooled, "2027Q2")["sccr"] == pytest.approx((59 - 120) / 59)
