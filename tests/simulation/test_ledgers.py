"""Spend, revenue and the open pipeline: the ledgers add up to what the scenario says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation import load_scenario, simulate
from simulation.scenario import Scenario
from simulation.tables import STAGE_ENTERED
from tests.conftest import FIXTURES, SCENARIOS, variant


def monthly(out: object, category: str) -> pd.Series:
    spend = out.spend  # type: ignore[attr-defined]
    return spend[spend["category"] == category].set_index("month")["amount"]


def test_fixed_costs_are_exact_per_full_month(tiny: Scenario) -> None:
    out = simulate(tiny, 1)
    marketing = monthly(out, "marketing")
    # Start 2027-01-04: January is 28 of 31 days; February onwards are whole months.
    assert marketing.iloc[0] == pytest.approx(3100 * 28 / 31)
    assert marketing.iloc[1:-1].tolist() == pytest.approx([3100] * (len(marketing) - 2))
    assert monthly(out, "account_executives").iloc[2] == pytest.approx(10000)
    assert monthly(out, "solution_engineers").iloc[2] == pytest.approx(9000)
    assert monthly(out, "cro_retainer").sum() == 0  # kind = none


def test_pov_compute_is_charged_per_pov_day(tiny: Scenario) -> None:
    out = simulate(tiny, 2)
    d = out.deals
    end = out.start_date + pd.Timedelta(days=out.horizon_days)
    pov_days = ((d["pov_ended"].fillna(end) - d["pov_started"]).dt.total_seconds() / 86400).sum()
    assert monthly(out, "pov_compute").sum() == pytest.approx(100 * pov_days)


def test_cro_retainer_starts_after_the_delay_and_stops_with_the_engagement(ai_startup: Scenario) -> None:
    out = simulate(ai_startup, 1)
    retainer = monthly(out, "cro_retainer")
    cro = ai_startup.cro
    assert retainer.iloc[0] == pytest.approx(cro.retainer_per_month * (31 - 3 - cro.start_delay_days) / 31)
    assert retainer.iloc[3] == pytest.approx(cro.retainer_per_month)
    assert retainer.sum() == pytest.approx(cro.retainer_per_month * cro.engagement_months, rel=0.01)
    assert retainer.iloc[-1] == 0


def test_an_extra_engineer_costs_from_its_start_day(ai_startup: Scenario) -> None:
    fixed = load_scenario(SCENARIOS / "ai_startup.toml", [SCENARIOS / "fixes" / "extra_solution_engineer.toml"])
    cost = monthly(simulate(fixed, 1), "solution_engineers")
    per = ai_startup.spend.solution_engineer_cost_per_month
    engineers = ai_startup.pov.solution_engineers
    assert cost.iloc[1] == pytest.approx(engineers * per)  # February: before day 60
    assert cost.iloc[3] == pytest.approx((engineers + 1) * per)  # April: after


def test_revenue_events_reconcile_with_the_deals(ai_startup: Scenario) -> None:
    out = simulate(ai_startup, 3)
    d, rev = out.deals.set_index("id"), out.revenue
    won = d[d["outcome"] == "won"]
    new = rev[rev["event"] == "new"].groupby("customer")["arr_delta"].sum()
    pd.testing.assert_series_equal(new.sort_index(), won["acv"].sort_index(), check_names=False)
    assert (rev.groupby("customer")["model"].max() == won.loc[new.index, "models"]).all()
    first90 = rev[rev["event"].isin(["new", "churn_90d", "contraction_90d"])].groupby("customer")["arr_delta"].sum()
    known = won["acv_after_90d"].dropna()
    assert first90.loc[known.index].to_numpy() == pytest.approx(known.to_numpy())
    assert (rev["arr_after"] >= 0).all()
    last = rev.sort_values("date").groupby(["customer", "model"])["arr_after"].last()
    total = rev.groupby(["customer", "model"])["arr_delta"].sum()
    assert last.to_numpy() == pytest.approx(total.loc[last.index].to_numpy())


def test_ninety_day_retention_is_provisional_until_ninety_days_pass(ai_startup: Scenario) -> None:
    out = simulate(ai_startup, 3)
    d = out.deals
    end = out.start_date + pd.Timedelta(days=out.horizon_days)
    won = d[d["outcome"] == "won"]
    recent = won["closed"] + pd.Timedelta(days=90) > end
    assert won.loc[recent, "retention_90d"].isna().all()
    assert won.loc[~recent, "retention_90d"].notna().all()
    assert d.loc[d["outcome"] != "won", "retention_90d"].isna().all()


def test_retention_probabilities_are_honoured(ai_startup: Scenario) -> None:
    s = variant(ai_startup, scenario={"horizon_days": 2000}, arrivals={"rate_per_week": 15},
                pov={"solution_engineers": 30})
    out = simulate(s, 8)
    checked = out.deals["retention_90d"].dropna()
    for status, p in (("churned", s.retention.churn_90d_probability),
                      ("contracted", s.retention.contraction_90d_probability)):
        n, k = len(checked), int((checked == status).sum())
        assert abs(k / n - p) <= 4 * np.sqrt(p * (1 - p) / n), (status, k, n)
    renewals = out.revenue[out.revenue["event"].isin(["renewal", "churn", "contraction", "expansion"])]
    n = len(renewals)
    assert n > 100
    p = s.retention.renewal_churn_probability
    assert abs((renewals["event"] == "churn").mean() - p) <= 4 * np.sqrt(p * (1 - p) / n)


def test_open_pipeline_runs_through_the_remaining_stages(ai_startup: Scenario) -> None:
    given = variant(ai_startup, pipeline={"open": (
        {"stage": "pov", "count": 3, "age_days": 50, "days_in_stage": 20},
        {"stage": "negotiation", "count": 2, "age_days": 110, "days_in_stage": 10},
    )})
    out = simulate(given, 2)
    d = out.deals
    open_at_start = d[d["id"].str.startswith("P")]
    entries = given.pipeline.open
    assert len(open_at_start) == sum(e.count for e in entries)
    assert (open_at_start["arrived"] < out.start_date).all()
    in_negotiation = open_at_start[open_at_start["negotiation_started"] < out.start_date]
    assert len(in_negotiation) == 2
    assert in_negotiation["pov_started"].isna().all()  # earlier stages unknown: NaT, never made up
    assert in_negotiation["closed"].notna().all()
    expected = out.start_date - pd.Timedelta(days=10)
    assert (in_negotiation["negotiation_started"] == expected).all()


def test_open_deals_from_a_csv(tmp_path: object, tiny: Scenario) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "open.csv").write_text(
        "id,tier,arrived,pov_requested,data_access_granted,pov_started,acv,outcome\n"
        "ACME-1,large,2026-11-01,2026-11-10,2026-11-20,2026-12-01,310000,open\n"
        "ACME-2,small,2026-12-20,,,,25000,open\n"
        "ACME-3,small,2026-10-20,,,,25000,lost\n"
    )
    text = (FIXTURES / "tiny.toml").read_text()
    (folder / "s.toml").write_text(text + '\n[pipeline]\ncsv = "open.csv"\n')
    scenario = load_scenario(folder / "s.toml")
    d = simulate(scenario, 1).deals.set_index("id")
    assert {"ACME-1", "ACME-2"} <= set(d.index) and "ACME-3" not in d.index
    assert d.loc["ACME-1", "acv"] == 310000 and d.loc["ACME-1", "tier"] == "large"
    assert d.loc["ACME-1", "pov_started"] == pd.Timestamp("2026-12-01")
    # POV of 30 days started 34 days before the start date: it ends right away, on the start date.
    assert d.loc["ACME-1", "pov_ended"] == pd.Timestamp("2027-01-04")
    assert d.loc["ACME-2", "dq_checked"] == pd.Timestamp("2027-01-04")  # 15 days in, a 5-day check is overdue


@pytest.mark.parametrize(("stage", "column"), list(STAGE_ENTERED.items()))
def test_open_deals_get_the_entry_date_of_their_stage(tiny: Scenario, stage: str, column: str) -> None:
    from simulation.scenario import OpenDeals, Pipeline

    in_stage = 40 if stage == "data_quality" else 3  # a deal enters the data-quality check when it arrives
    entry = OpenDeals(stage=stage, count=1, age_days=40, days_in_stage=in_stage)  # type: ignore[arg-type]
    scenario = tiny.model_copy(update={"pipeline": Pipeline(open=(entry,))})
    out = simulate(scenario, 1)
    deal = out.deals.set_index("id").loc["P00001"]
    assert deal["arrived"] == out.start_date - pd.Timedelta(days=40)
    assert deal[column] == out.start_date - pd.Timedelta(days=in_stage)
