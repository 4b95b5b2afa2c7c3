"""Where the company stands: the KPI package's numbers by quarter, health marks, trend, and honest caveats."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.crm.exports import import_deals
from analysis.crm.mapping import load_mapping
from analysis.kpi.kpis import kpi_table
from analysis.plan.standing import standing
from simulation.scenario import Scenario
from tests.conftest import MAPPINGS, MAVEN, OLIST

AS_OF = pd.Timestamp("2027-07-01")
ROWS: list[dict[str, object]] = [
    # 2027Q1: two wins, $10K after 30 days and $20K after 50 days
    {"outcome": "won", "acv": 10_000.0, "arrived": "2027-01-01", "closed": "2027-01-31"},
    {"outcome": "won", "acv": 20_000.0, "arrived": "2027-01-10", "closed": "2027-03-01"},
    # 2027Q2: one win of $40K after 20 days, one dated loss
    {"outcome": "won", "acv": 40_000.0, "arrived": "2027-04-25", "closed": "2027-05-15"},
    {"outcome": "lost", "arrived": "2027-04-01", "closed": "2027-06-01", "lost_stage": "negotiation"},
]


def _by_metric(section_table: pd.DataFrame) -> pd.DataFrame:
    return section_table.set_index("metric")


def test_the_quarters_hold_the_kpi_packages_numbers(deals_table, ai_startup: Scenario) -> None:  # type: ignore[no-untyped-def]
    deals = deals_table(ROWS)
    section = standing(deals, None, ai_startup, AS_OF)
    assert section.key == "standing" and section.table is not None
    table = _by_metric(section.table)
    # by hand: NNARR 30K then 40K; cycle (30 + 50) / 2 = 40 then 20 days; SCCR (40 - 20) / 40 = 50 %
    assert table.loc["nnarr", ["2027Q1", "2027Q2"]].tolist() == [30_000.0, 40_000.0]
    assert table.loc["sales_cycle_days", ["2027Q1", "2027Q2"]].tolist() == pytest.approx([40.0, 20.0])
    assert table.at["sccr", "2027Q2"] == pytest.approx(0.5)
    assert table.at["lead_to_win_rate", "2027Q2"] == pytest.approx(0.5)  # one won, one lost
    reference = kpi_table(deals, [pd.Period("2027Q1"), pd.Period("2027Q2")], as_of=AS_OF, targets=ai_startup.targets)
    for metric in ("nnarr", "deals_won", "sales_cycle_days", "sccr", "lead_to_win_rate"):
        assert table.loc[metric, ["2027Q1", "2027Q2"]].tolist() == pytest.approx(
            reference.loc[metric].tolist(), nan_ok=True)
    assert table.at["nnarr", "trend"] == "↑ up (better)" and table.at["sales_cycle_days", "trend"] == "↓ down (better)"
    assert section.headline.startswith("2027Q2: NNARR $40K (was $30K in 2027Q1), sales cycle 20 days (SCCR +50 %)")
    assert section.figure is not None


def test_missing_spend_revenue_and_stages_are_caveats_not_zeros(deals_table, ai_startup: Scenario) -> None:  # type: ignore[no-untyped-def]
    section = standing(deals_table(ROWS), None, ai_startup, AS_OF)
    text = " ".join(section.caveats)
    assert "C2RE: no spend history" in text and "GRR: needs" in text
    assert "no dated data-access or POV stages" in text
    assert "NNARR is provisional" in text  # no 90-day retention checks in the table
    assert section.table is not None and "c2re" not in set(_by_metric(section.table).index)


def test_spend_gives_c2re_with_its_health_mark(deals_table, spend_table, ai_startup: Scenario) -> None:  # type: ignore[no-untyped-def]
    spend = spend_table([{"month": m, "category": "marketing", "amount": 10_000.0}
                         for m in ("2027-01-01", "2027-02-01", "2027-03-01", "2027-04-01", "2027-05-01", "2027-06-01")])
    section = standing(deals_table(ROWS), spend, ai_startup, AS_OF)
    assert section.table is not None
    table = _by_metric(section.table)
    assert table.at["c2re", "2027Q1"] == pytest.approx(30_000 / 30_000)  # 3 months of 10K over 30K of NNARR
    assert table.at["c2re", "2027Q2"] == pytest.approx(30_000 / 40_000)
    # health: the last 90 days (2027-04-02 .. 07-01): 29/30 of April's 10K + 20K over the $40K win = 0.742, green
    assert table.at["c2re", "health"] == "green"
    assert any(line.startswith("Health, C2RE, last 90 days: 0.74, green") for line in section.lines)
    assert not any(c.startswith("C2RE") for c in section.caveats)


def test_a_table_without_amounts_counts_deals_won_and_says_why(deals_table, ai_startup: Scenario) -> None:  # type: ignore[no-untyped-def]
    rows = [dict(r, acv=math.nan) for r in ROWS]
    section = standing(deals_table(rows), None, ai_startup, AS_OF)
    assert section.headline.startswith("2027Q2: deals won (no amounts) 1 (was 2 in 2027Q1)")
    assert any(c.startswith("NNARR: no deal amounts in the table") for c in section.caveats)
    assert section.table is not None
    assert _by_metric(section.table).loc["nnarr", ["2027Q1", "2027Q2"]].isna().all()


def test_a_quarter_in_progress_is_marked_and_not_judged(deals_table, ai_startup: Scenario) -> None:  # type: ignore[no-untyped-def]
    section = standing(deals_table(ROWS), None, ai_startup, pd.Timestamp("2027-06-01"))
    assert "2027Q2 (to date)" in section.table.columns  # type: ignore[union-attr]
    assert section.headline.startswith("2027Q1:")
    assert any("not over" in c for c in section.caveats)


@pytest.mark.skipif(not MAVEN.exists(), reason=f"public dataset not present at {MAVEN}")
def test_maven_stands_without_spend_or_evaluation_stages(ai_startup: Scenario) -> None:
    mapping = load_mapping(MAPPINGS / "maven.toml")
    deals, _ = import_deals(MAVEN, mapping)
    section = standing(deals, None, ai_startup, pd.Timestamp("2018-01-01"))
    assert section.headline.startswith("2017Q4: NNARR $2.8M (was $2.98M in 2017Q3)")
    text = " ".join(section.caveats)
    assert "C2RE: no spend history" in text and "no dated data-access or POV stages" in text


@pytest.mark.skipif(not OLIST.exists(), reason=f"public dataset not present at {OLIST}")
def test_olist_stands_without_amounts_or_losses(ai_startup: Scenario) -> None:
    mapping = load_mapping(MAPPINGS / "olist.toml")
    deals, _ = import_deals(OLIST, mapping)
    section = standing(deals, None, ai_startup, pd.Timestamp("2018-11-15"),
                       created_until=pd.Timestamp(str(mapping.source.created_until)))
    text = " ".join(section.caveats)
    assert "no deal amounts" in text and "no dated losses" in text and "created until 2018-05-31" in text
    assert "deals won (no amounts)" in section.headline
    assert "lead_to_win_rate" not in set(section.table["metric"])  # type: ignore[index]
