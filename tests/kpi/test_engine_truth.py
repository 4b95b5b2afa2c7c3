"""On a simulated outcome the KPIs agree with the engine's own ground truth, computed here independently from the
raw tables (deal columns, revenue event deltas, the scenario's cost lines)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.kpi import evaluation, funnel, kpis, nnarr, retention
from simulation import simulate
from simulation.loader import load_scenario
from tests.conftest import SCENARIOS

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def run():
    scenario = load_scenario(SCENARIOS / "ml_company.toml")  # per-model pricing, partners, churn at renewal
    # Booked ARR in full at close: the [usage] go-live delay is tests/simulation/test_usage.py's.
    scenario = scenario.model_copy(update={"usage": None,
                                           "scenario": scenario.scenario.model_copy(update={"horizon_days": 1095})})
    return scenario, simulate(scenario, seed=7)


def quarters(outcome) -> pd.PeriodIndex:
    start = outcome.start_date
    return pd.period_range(pd.Period(start, "Q"), pd.Period(start + outcome.horizon_days * DAY, "Q"), freq="Q")


def test_nnarr_is_won_acv_minus_90_day_losses(run):
    _, outcome = run
    deals = outcome.deals
    won = deals[deals["outcome"] == "won"]
    loss = (won["acv"] - won["acv_after_90d"]).fillna(0.0)
    for quarter in quarters(outcome):
        in_quarter = won["closed"].dt.to_period("Q") == quarter
        result = nnarr.nnarr(deals, quarter)
        assert result.won == in_quarter.sum()
        assert result.gross == pytest.approx(won.loc[in_quarter, "acv"].sum())
        assert result.nnarr == pytest.approx(won.loc[in_quarter, "acv"].sum() - loss[in_quarter].sum())
    total = nnarr.nnarr(deals)
    assert total.churn + total.contraction > 0  # the check is not vacuous
    # provisional = won deals whose 90 days had not passed at the horizon end
    horizon_end = outcome.start_date + outcome.horizon_days * DAY
    assert total.provisional_deals == int((won["closed"] + 90 * DAY > horizon_end).sum())


def test_nnarr_agrees_with_the_revenue_events(run):
    _, outcome = run
    events, deals = outcome.revenue, outcome.deals.set_index("id")
    booked = events[events["event"] == "new"].groupby("customer")["arr_delta"].sum()
    early = events[events["event"].isin(["churn_90d", "contraction_90d"])].groupby("customer")["arr_delta"].sum()
    won = deals[deals["outcome"] == "won"]
    assert booked.reindex(won.index).to_numpy() == pytest.approx(won["acv"].to_numpy())
    assert nnarr.nnarr(outcome.deals).nnarr == pytest.approx(booked.sum() + early.sum())


def test_spend_matches_the_scenarios_costs(run):
    scenario, outcome = run
    cost = scenario.spend
    cro = scenario.cro
    for month in pd.period_range("2027-02", "2027-12", freq="M"):  # whole months inside the CRO engagement
        by_category = nnarr.spend_by_category(outcome.spend, month)
        assert by_category["marketing"] == pytest.approx(cost.marketing_per_month)
        assert by_category["account_executives"] == pytest.approx(
            cost.account_executives * cost.account_executive_cost_per_month
        )
        assert by_category["solution_engineers"] == pytest.approx(
            scenario.pov.solution_engineers * cost.solution_engineer_cost_per_month
        )
        assert by_category["cro_retainer"] == pytest.approx(cro.retainer_per_month)
    january = nnarr.spend_by_category(outcome.spend, "2027-01")  # the scenario starts on 4 January
    assert january["marketing"] == pytest.approx(cost.marketing_per_month * 28 / 31)
    retainer = nnarr.spend_in(outcome.spend, None, categories=("cro_retainer",))
    assert retainer == pytest.approx(cro.retainer_per_month * cro.engagement_months, abs=cro.retainer_per_month / 28)
    assert nnarr.spend_in(outcome.spend) == pytest.approx(outcome.spend["amount"].sum())


def test_grr_matches_the_renewal_events(run):
    _, outcome = run
    events = outcome.revenue
    checked = 0
    for quarter in quarters(outcome):
        start, end = quarter.start_time, (quarter + 1).start_time
        before = events[events["date"] < start].groupby(["customer", "model"])["arr_delta"].sum()
        won = events.groupby("customer")["date"].min()
        existing = won.index[won + pd.Timedelta(days=90) < start]  # past the 90-day check (NNARR's losses)
        cohort = before[(before > 1e-6) & before.index.get_level_values("customer").isin(existing)]
        inside = events[(events["date"] >= start) & (events["date"] < end)].set_index(["customer", "model"])
        inside = inside[inside.index.isin(cohort.index)]
        assert not inside.index.duplicated().any()  # at most one event per model and quarter: min() = sum of cuts
        lost = -inside["arr_delta"].clip(upper=0).sum()
        expected = 1 - lost / cohort.sum() if len(cohort) else np.nan
        result = retention.retention(events, quarter, "model")
        assert result.grr == pytest.approx(expected, nan_ok=True)
        assert result.start_arr == pytest.approx(cohort.sum())
        checked += lost > 0
    assert checked >= 3  # several quarters with real losses


def test_deployed_model_revenue_is_the_sum_of_all_arr_changes(run):
    _, outcome = run
    end = outcome.start_date + (outcome.horizon_days + 1) * DAY
    assert retention.deployed_model_revenue(outcome.revenue, end) == pytest.approx(outcome.revenue["arr_delta"].sum())


def test_funnel_accounts_for_every_deal(run):
    _, outcome = run
    deals = outcome.deals
    table = funnel.conversion(deals)
    counts = deals["outcome"].value_counts()
    assert table.loc["data_quality", "entered"] == len(deals)
    assert table["lost"].sum() == counts.get("lost", 0) + counts.get("disqualified", 0)
    assert table.loc["negotiation", "advanced"] == counts.get("won", 0)
    recorded = deals.loc[deals["outcome"] == "lost", "lost_stage"].value_counts()
    for stage, n in recorded.items():
        assert table.loc[stage, "lost"] >= n
    times = funnel.stage_times(deals)
    assert (times["days"] >= -1e-9).all() and (times["waiting_days"] <= times["days"] + 1e-9).all()
    won = deals[(deals["outcome"] == "won") & deals["dq_checked"].notna()]  # new deals, every stage recorded
    per_deal = times.groupby("id")["days"].sum()
    cycle = (won["closed"] - won["arrived"]).dt.total_seconds() / 86_400
    assert per_deal.reindex(won["id"]).to_numpy() == pytest.approx(cycle.to_numpy())


def test_evaluation_kpis_match_direct_counts(run):
    _, outcome = run
    deals = outcome.deals
    ended = deals[deals["data_access_granted"].notna() & deals["outcome"].isin(["won", "lost"])]
    qte = evaluation.qte_velocity(deals)
    assert qte.deals == len(ended)
    assert qte.mean_days == pytest.approx(((ended["closed"] - ended["data_access_granted"]) / DAY).mean())
    won = deals[deals["outcome"] == "won"]
    founder = evaluation.founder_involvement_reduction_rate(deals)
    assert founder.value == pytest.approx((~won["founder_in_final_meeting"].astype(bool)).mean())


def test_summary_runs_on_the_outcome(run):
    scenario, outcome = run
    values = kpis.kpi_summary(
        outcome.deals, "2027Q4", spend=outcome.spend, revenue=outcome.revenue, targets=scenario.targets
    )
    assert values["c2re"] == pytest.approx(values["spend"] / values["nnarr"])
    assert 0 <= values["grr_model"] <= values["grr_account"] <= 1
