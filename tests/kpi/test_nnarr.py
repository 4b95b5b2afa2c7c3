"""NNARR, spend and C2RE on hand-made tables with known answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.kpi import nnarr
from analysis.kpi.periods import PeriodError
from simulation.tables import SchemaError


@pytest.fixture
def deals(deals_table):
    # Q1 2027: a kept mid deal, a contracted large one (−60K), a churned small one, a provisional partner deal,
    # a lost deal and an open deal (neither counts). Q2 2027: one kept small deal.
    return deals_table(
        [
            dict(
                id="kept",
                tier="mid",
                channel="direct",
                outcome="won",
                acv=100_000.0,
                closed="2027-01-15",
                retention_90d="kept",
                acv_after_90d=100_000.0,
            ),
            dict(
                id="contracted",
                tier="large",
                channel="direct",
                outcome="won",
                acv=200_000.0,
                closed="2027-02-15",
                retention_90d="contracted",
                acv_after_90d=140_000.0,
            ),
            dict(
                id="churned",
                tier="small",
                channel="partner",
                outcome="won",
                acv=40_000.0,
                closed="2027-03-01",
                retention_90d="churned",
                acv_after_90d=0.0,
            ),
            dict(
                id="provisional", tier="mid", channel="partner", outcome="won", acv=60_000.0, closed="2027-03-31 23:00"
            ),
            dict(
                id="lost",
                tier="mid",
                channel="direct",
                outcome="lost",
                acv=90_000.0,
                closed="2027-02-01",
                lost_stage="pov",
            ),
            dict(id="open", tier="small", channel="direct", outcome="open", acv=30_000.0),
            dict(
                id="q2",
                tier="small",
                channel="direct",
                outcome="won",
                acv=20_000.0,
                closed="2027-04-01",
                retention_90d="kept",
                acv_after_90d=20_000.0,
            ),
        ]
    )


def test_nnarr_of_a_quarter(deals):
    result = nnarr.nnarr(deals, "2027Q1")
    assert result.won == 4
    assert result.gross == 400_000.0
    assert result.contraction == 60_000.0
    assert result.churn == 40_000.0
    assert result.nnarr == 300_000.0
    assert (result.provisional_deals, result.provisional_acv, result.final) == (1, 60_000.0, False)


def test_period_forms_agree_and_are_half_open(deals):
    as_period = nnarr.nnarr(deals, pd.Period("2027Q1", "Q"))
    as_pair = nnarr.nnarr(deals, ("2027-01-01", "2027-04-01"))
    assert as_period == as_pair == nnarr.nnarr(deals, "2027Q1")
    assert nnarr.nnarr(deals, "2027Q2").nnarr == 20_000.0  # closed exactly at 2027-04-01 00:00 belongs to Q2
    assert nnarr.nnarr(deals, "2027Q2").final


def test_empty_period_is_zero_and_final(deals):
    result = nnarr.nnarr(deals, "2026Q4")
    assert (result.won, result.gross, result.nnarr, result.final) == (0, 0.0, 0.0, True)


def test_empty_table(deals_table):
    result = nnarr.nnarr(deals_table([]), None)
    assert result.nnarr == 0.0 and result.won == 0


def test_by_tier_and_channel(deals):
    tiers = nnarr.nnarr_by(deals, "2027Q1", "tier")
    assert list(tiers.index) == ["small", "mid", "large"]
    assert tiers["nnarr"].to_dict() == {"small": 0.0, "mid": 160_000.0, "large": 140_000.0}
    assert tiers.loc["mid", "provisional_deals"] == 1
    channels = nnarr.nnarr_by(deals, "2027Q1", "channel")
    assert channels["nnarr"].to_dict() == {"direct": 240_000.0, "partner": 60_000.0}
    assert nnarr.partner_nnarr(deals, "2027Q1").nnarr == 60_000.0
    assert tiers["nnarr"].sum() == channels["nnarr"].sum() == nnarr.nnarr(deals, "2027Q1").nnarr


def test_tier_derived_from_acv_when_missing(deals_table):
    frame = deals_table(
        [dict(outcome="won", acv=a, closed="2027-01-10") for a in (49_999.0, 50_000.0, 150_000.0, 150_000.01)]
    )
    assert nnarr.deal_tier(frame).tolist() == ["small", "mid", "mid", "large"]
    assert nnarr.nnarr_by(frame, None, "tier")["won"].to_dict() == {"small": 1, "mid": 2, "large": 1}


def test_settlement_inferred_without_acv_after(deals_table):
    frame = deals_table(
        [
            dict(outcome="won", acv=10.0, closed="2027-01-10", retention_90d="churned"),
            dict(outcome="won", acv=20.0, closed="2027-01-10", retention_90d="kept"),
            dict(outcome="won", acv=30.0, closed="2027-01-10", retention_90d="contracted"),  # size unknown
        ]
    )
    result = nnarr.nnarr(frame)
    assert (result.churn, result.contraction, result.nnarr) == (10.0, 0.0, 50.0)
    assert (result.provisional_deals, result.provisional_acv) == (1, 30.0)


def test_upsell_within_90_days_is_not_nnarr(deals_table):
    frame = deals_table(
        [dict(outcome="won", acv=100.0, closed="2027-01-10", retention_90d="kept", acv_after_90d=150.0)]
    )
    assert nnarr.nnarr(frame).nnarr == 100.0


def test_won_deal_without_acv_is_an_error_naming_the_column(deals_table):
    frame = deals_table([dict(id="X1", outcome="won", closed="2027-01-10")])
    with pytest.raises(SchemaError, match=r"'acv'.*X1"):
        nnarr.nnarr(frame)


def test_missing_column_is_named(deals):
    with pytest.raises(SchemaError, match="closed"):
        nnarr.nnarr(deals.drop(columns="closed"))


def test_nnarr_by_period_has_every_period(deals):
    table = nnarr.nnarr_by_period(deals, "M", start="2026-12-01", end="2027-05-31")
    assert [str(p) for p in table.index] == ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]
    assert table["nnarr"].tolist() == [0.0, 100_000.0, 140_000.0, 60_000.0, 20_000.0, 0.0]
    assert table["provisional_deals"].tolist() == [0, 0, 0, 1, 0, 0]


def test_nnarr_by_period_with_narrower_bounds_keeps_only_their_periods(deals):
    """Bounds inside the data: only their periods, each equal to the unbounded table's row (wins closed outside the
    bounds are left out, not appended as extra rows)."""
    whole = nnarr.nnarr_by_period(deals, "M")
    part = nnarr.nnarr_by_period(deals, "M", start="2027-02-01", end="2027-03-31")
    assert [str(p) for p in part.index] == ["2027-02", "2027-03"]
    pd.testing.assert_frame_equal(part, whole.loc[part.index])
    assert part["nnarr"].tolist() == [140_000.0, 60_000.0]


@pytest.fixture
def spend(spend_table):
    return spend_table(
        [
            dict(month="2027-02-01", category="marketing", amount=28_000.0),  # 1,000 a day (28 days)
            dict(month="2027-02-01", category="cro_retainer", amount=14_000.0),  # 500 a day
            dict(month="2027-03-01", category="marketing", amount=31_000.0),  # 1,000 a day
            dict(month="2027-03-01", category="cro_retainer", amount=15_500.0),  # 500 a day
        ]
    )


def test_spend_whole_months_and_prorated_windows(spend):
    assert nnarr.spend_in(spend, "2027-02") == 42_000.0
    assert nnarr.spend_in(spend, "2027Q1") == 42_000.0 + 46_500.0
    assert nnarr.spend_in(spend, "2027-02", categories=("cro_retainer",)) == 14_000.0
    # trailing 30 days ending 2027-03-15: 16 days of February (Feb 13-28) and 14 of March, 1,500 a day
    assert nnarr.spend_in(spend, ("2027-02-13", "2027-03-15")) == pytest.approx(30 * 1_500.0)
    assert nnarr.spend_by_category(spend, None).to_dict() == {"cro_retainer": 29_500.0, "marketing": 59_000.0}


def test_c2re_trailing_30_days(deals, spend):
    result = nnarr.c2re_trailing(deals, spend, "2027-03-15", days=30)  # the contracted deal closed 2027-02-15
    assert result.spend == pytest.approx(45_000.0)
    assert result.nnarr == 140_000.0
    assert result.value == pytest.approx(45_000.0 / 140_000.0)


def test_c2re_with_zero_nnarr_is_explicit_not_an_error(deals, spend):
    result = nnarr.c2re(deals, spend, ("2027-02-16", "2027-02-28"))
    assert result.nnarr == 0.0 and result.spend > 0
    assert math.isnan(result.value) and result.status == "no_nnarr"
    negative = nnarr.c2re_ratio(10.0, -5.0)
    assert math.isnan(negative.value) and negative.status == "negative_nnarr"
    assert nnarr.c2re_ratio(0.0, 5.0).value == 0.0


def test_c2re_provisional_follows_nnarr(deals, spend):
    assert nnarr.c2re(deals, spend, "2027Q1").provisional
    assert not nnarr.c2re(deals, spend, "2027-02").provisional


def test_c2re_by_period(deals, spend):
    table = nnarr.c2re_by_period(deals, spend, "M")
    assert [str(p) for p in table.index] == ["2027-01", "2027-02", "2027-03", "2027-04"]
    january = table.loc[pd.Period("2027-01", "M")]
    assert (january["spend"], january["nnarr"], january["value"], january["status"]) == (0.0, 100_000.0, 0.0, "ok")
    assert table.iloc[3]["status"] == "ok"  # April: the Q2 deal, no spend recorded
    assert table.iloc[1]["value"] == pytest.approx(42_000.0 / 140_000.0)


def test_bad_periods(deals_table, spend_table):
    with pytest.raises(PeriodError):
        nnarr.spend_in(spend_table([]), "not a period")
    with pytest.raises(PeriodError, match="before it starts"):
        nnarr.nnarr(deals_table([]), ("2027-02-01", "2027-01-01"))


def test_a_partial_month_is_charged_over_the_days_it_covers(spend_table):
    """Issue 11, defect 1: a run starting on 18 January spends January's money in 14 days; pro-rating it over all 31
    days of the month charged the window from the start date to 1 February only 14/31 of it."""
    spend = spend_table([
        dict(month="2027-01-01", category="marketing", amount=14_000.0, start="2027-01-18", end="2027-02-01"),
        dict(month="2027-02-01", category="marketing", amount=28_000.0),  # no start/end: the whole month
        dict(month="2027-03-01", category="marketing", amount=2_000.0, start="2027-03-01", end="2027-03-03"),
    ])
    assert nnarr.spend_in(spend, ("2027-01-18", "2027-02-01")) == pytest.approx(14_000.0)
    assert nnarr.spend_in(spend, ("2027-01-25", "2027-02-08")) == pytest.approx(7_000.0 + 7_000.0)
    assert nnarr.spend_in(spend, "2027-03") == pytest.approx(2_000.0)  # the last month covers 2 days, not 31
    assert nnarr.spend_in(spend, ("2027-03-02", "2027-03-10")) == pytest.approx(1_000.0)
    backwards = spend_table([dict(month="2027-01-01", category="marketing", amount=1.0, start="2027-01-20",
                                  end="2027-01-10")])
    with pytest.raises(Exception, match="row 1 covers no day"):
        nnarr.spend_in(backwards, "2027-01")
