"""KPIs of a deals table without deal amounts (all or some won deals have no ACV), e.g. the Olist export."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.kpi import funnel, health, kpis, nnarr
from simulation.cli import main
from simulation.outputs import write_csv
from simulation.tables import SchemaError
from tests.conftest import MAPPINGS, OLIST

Builder = Callable[[Any], pd.DataFrame]
MAPPING = MAPPINGS / "olist.toml"
NOT_AMOUNTS = (
    "deals_won",
    "sales_cycle_days",
    "sccr",
    "qte_velocity_days",
    "qte_velocity_median_days",
    "evaluation_completion_rate",
    "pov_to_pipeline",
    "pov_win_rate",
    "lead_to_win_rate",
    "founder_involvement_reduction_rate",
    "spend",
    "cac",
)


@pytest.fixture
def spend(spend_table: Builder) -> pd.DataFrame:
    return spend_table([dict(month=f"2027-{m:02d}-01", category="marketing", amount=30_000.0) for m in range(1, 7)])


@pytest.fixture
def unpriced(funnel_deals: pd.DataFrame) -> pd.DataFrame:
    """The nine funnel deals with no amount at all."""
    return funnel_deals.assign(acv=np.nan)


@pytest.fixture
def partly(funnel_deals: pd.DataFrame) -> pd.DataFrame:
    """won_founder (Q2) has no amount; won_alone (Q1) is priced at 100; both passed their 90-day check."""
    won = funnel_deals["outcome"] == "won"
    return funnel_deals.assign(
        acv=funnel_deals["acv"].where(funnel_deals["id"] != "won_founder"),
        retention_90d=pd.Series("kept", index=funnel_deals.index, dtype="string").where(won),
    )


def test_the_pure_function_stays_strict(unpriced: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="'acv' is empty for won deal"):
        nnarr.nnarr(unpriced)


def test_no_amounts_every_other_kpi_is_computed(
    funnel_deals: pd.DataFrame, unpriced: pd.DataFrame, spend: pd.DataFrame
) -> None:
    for period in ("2027Q1", "2027Q2", "2027-06", None):
        priced = kpis.kpi_summary(funnel_deals, period, spend=spend, quota=1_000.0, nnarr_target=100.0)
        blind = kpis.kpi_summary(unpriced, period, spend=spend, quota=1_000.0, nnarr_target=100.0)
        assert set(blind) == set(priced) | {"nnarr_unpriced_deals"}
        for name in NOT_AMOUNTS:
            if name in priced:
                assert blind[name] == pytest.approx(priced[name], nan_ok=True), (period, name)
        for name in kpis.AMOUNT_METRICS:
            if name in blind:  # n/a in every period, also where nothing was won (2027-06)
                assert math.isnan(blind[name]), (period, name)
        assert blind["nnarr_unpriced_deals"] == blind["deals_won"]
    q1 = kpis.kpi_summary(unpriced, "2027Q1", spend=spend)
    assert q1["cac"] == 90_000.0  # spend per customer needs no deal amount
    assert q1["sales_cycle_days"] == 59.0


def test_no_amounts_c2re_check_is_not_measurable_rather_than_red(unpriced: pd.DataFrame, spend: pd.DataFrame) -> None:
    values = kpis.kpi_summary(unpriced, "2027Q1", spend=spend, nnarr_target=100.0)
    checks = health.health_checks(values).set_index("metric")
    assert checks.loc["nnarr_pace", "status"] == "n/a" and "amounts" in checks.loc["nnarr_pace", "advice"]
    assert checks.loc["c2re", "status"] == "n/a"
    assert checks.loc["c2re_trailing_30d", "status"] == "n/a"
    assert "amounts" in checks.loc["c2re", "advice"]


def test_no_amounts_note_and_table(unpriced: pd.DataFrame, spend: pd.DataFrame) -> None:
    table = kpis.kpi_table(unpriced, ["2027Q1", None], spend=spend)
    note = table.attrs["note"]
    assert note.startswith("no deal amounts in the table (2 won deals, none with an acv): NNARR, ")
    assert "C2RE" in note and note.endswith("not computed (n/a)")
    assert table.loc["nnarr"].isna().all() and table.loc["lead_to_win_rate", "2027Q1"] == 1 / 6


def test_some_amounts_missing_gives_a_partial_nnarr_said_so(partly: pd.DataFrame, spend: pd.DataFrame) -> None:
    q1 = kpis.kpi_summary(partly, "2027Q1", spend=spend)
    assert q1["nnarr"] == 100.0 and q1["nnarr_unpriced_deals"] == 0.0 and q1["nnarr_final"] == 1.0
    q2 = kpis.kpi_summary(partly, "2027Q2", spend=spend)  # its only win is unpriced: unknown, not zero
    assert math.isnan(q2["nnarr"]) and math.isnan(q2["c2re"]) and math.isnan(q2["nnarr_final"])
    assert q2["deals_won"] == 1.0 and q2["nnarr_unpriced_deals"] == 1.0
    whole = kpis.kpi_summary(partly, ("2027-01-01", "2027-07-01"), spend=spend)
    assert whole["nnarr"] == 100.0 and whole["nnarr_unpriced_deals"] == 1.0
    assert whole["nnarr_final"] == 0.0  # partial is never final
    assert whole["c2re"] == 1_800.0  # 180K spend over the 100 priced: too high, and the note says so
    note = kpis.kpi_table(partly, ["2027Q1"], spend=spend).attrs["note"]
    assert note.startswith("1 of 2 won deals have no amount (acv): NNARR, ")
    assert "count only the 1 priced deals" in note and "partial" in note


def test_every_won_deal_priced_means_no_note(funnel_deals: pd.DataFrame) -> None:
    assert kpis.amount_note(funnel_deals) is None
    assert kpis.kpi_table(funnel_deals, ["2027Q1"]).attrs["note"] is None
    assert "nnarr_unpriced_deals" not in kpis.kpi_summary(funnel_deals, "2027Q1")


def test_nnarr_skip_and_breakdown(partly: pd.DataFrame) -> None:
    result = nnarr.nnarr(partly, unpriced="skip")
    assert (result.won, result.unpriced_deals, result.gross, result.partial, result.final) == (2, 1, 100.0, True, False)
    by_tier = nnarr.nnarr_by(partly, None, "tier", unpriced="skip")
    assert by_tier["unpriced_deals"].sum() == 0  # the unpriced deal has no tier either: in no row
    assert by_tier.loc["small", "nnarr"] == 100.0
    tiered = partly.assign(tier="mid")
    mid = nnarr.nnarr_by(tiered, "2027Q2", "tier", unpriced="skip").loc["mid"]
    assert mid["won"] == 1 and mid["unpriced_deals"] == 1 and math.isnan(mid["nnarr"])
    assert nnarr.c2re_ratio(10.0, float("nan")).status == "unknown_nnarr"


def test_kpis_command_without_an_acv_column(
    tmp_path: Path, funnel_deals: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    write_csv(funnel_deals.drop(columns=["acv"]), tmp_path / "deals.csv")
    assert main(["kpis", str(tmp_path / "deals.csv"), "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert printed.count("note: no deal amounts in the table") == 1
    table = pd.read_csv(tmp_path / "o" / "kpis.csv").set_index("metric")
    assert table.loc["nnarr"].isna().all() and table.loc["lead_to_win_rate", "all"] == 0.25


@pytest.mark.skipif(not OLIST.exists(), reason=f"the shared Olist data set is not there ({OLIST.parent})")
def test_kpis_command_on_the_mapped_olist_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deals = tmp_path / "olist_deals.csv"
    assert main(["import", str(OLIST), "--mapping", str(MAPPING), "--out", str(deals)]) == 0
    capsys.readouterr()
    assert main(["kpis", str(deals), "--out", str(tmp_path / "kpis")]) == 0
    printed = capsys.readouterr().out
    assert printed.count("note: no deal amounts in the table (") == 1
    table = pd.read_csv(tmp_path / "kpis" / "kpis.csv").set_index("metric")
    assert table.loc["deals_won", "all"] > 800  # 842 wins in the closed-deals file, one dropped at import
    assert table.loc["nnarr"].isna().all() and table.loc["nnarr_partner"].isna().all()
    assert table.loc["sales_cycle_days"].notna().all() and table.loc["sccr"].notna().sum() >= 3
    assert table.loc["lead_to_win_rate", "all"] == 1.0  # Olist records wins only: the rest is open
    funnel = pd.read_csv(tmp_path / "kpis" / "funnel.csv").set_index("stage")
    won = table.loc["deals_won", "all"]
    assert funnel.loc["data_quality", "advanced"] == won  # a win went through the funnel, dated or not
    assert funnel.loc["data_quality", "entered"] == won + funnel.loc["data_quality", "open"]
    assert (funnel.loc["negotiation", ["entered", "advanced"]] == won).all()


def test_funnel_counts_an_undated_win_as_through_every_stage(deals_table: Builder) -> None:
    table = funnel.conversion(
        deals_table(
            [
                dict(outcome="won", arrived="2027-01-01", closed="2027-02-01"),
                dict(outcome="open", arrived="2027-01-01"),
            ]
        )
    )
    assert table["advanced"].tolist() == [1] * 6 and table["open"].tolist() == [1, 0, 0, 0, 0, 0]
