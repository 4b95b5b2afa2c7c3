"""The monthly KPI autopsy: which deals, which stage, which KPI, which fix; CSV + HTML + PNG from a run folder and
from a hand-made CSV."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from analysis.kpi import cycle
from analysis.kpi.periods import PeriodError
from analysis.report import autopsy, inputs
from analysis.report.dashboard import Tables
from analysis.report.fix_library import default_library, fixes_for, load_library, targets_of
from analysis.report.htmlkit import external_references
from simulation.cli import main
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "ai_startup.toml"
LIBRARY = load_library(default_library())


def test_library_is_indexed_by_the_parameters_each_fix_changes() -> None:
    by_name = {f.name: f for f in LIBRARY}
    assert by_name["extra_solution_engineer"].targets == {("pov_queue", "time")}
    assert by_name["self_serve_sandbox"].acts_on("pov", "time")
    assert by_name["simplified_pov"].targets == {("pov", "loss")}
    assert by_name["prerecorded_model_audit"].acts_on("data_access", "time")
    assert by_name["standard_data_sharing_agreement"].acts_on("data_access", "time")
    assert by_name["founder_out_of_final_meeting"].acts_on("founder_queue", "time")
    assert [f.name for f in fixes_for(LIBRARY, "pov", "loss")] == ["simplified_pov", "self_serve_sandbox"]
    # A new fix file is matched by what it patches, whatever its name.
    assert targets_of({"validation": {"pass_probability": 0.8}}) == {("validation", "loss")}


@pytest.fixture
def month_deals(deals_table):  # type: ignore[no-untyped-def]
    """June 2027: two won deals set a median cycle of 100 days; one lost in the POV, one lost in negotiation,
    one open far past the median (in the SE queue), one open but young, one disqualified."""
    return deals_table([
        dict(id="W1", outcome="won", acv=50_000.0, arrived="2027-01-01", closed="2027-04-01"),    # 90 days
        dict(id="W2", outcome="won", acv=50_000.0, arrived="2027-01-01", closed="2027-04-21"),    # 110 days
        dict(id="L1", outcome="lost", lost_stage="pov", acv=80_000.0, arrived="2027-03-01",
             pov_requested="2027-03-05", data_access_granted="2027-03-20", pov_started="2027-04-01",
             pov_ended="2027-06-10", pov_completed=False, closed="2027-06-10"),
        dict(id="L2", outcome="lost", lost_stage="negotiation", acv=120_000.0, arrived="2027-02-01",
             pov_requested="2027-02-05", data_access_granted="2027-02-20", pov_started="2027-02-20",
             pov_ended="2027-04-20", pov_completed=True, negotiation_started="2027-05-01", closed="2027-06-20"),
        dict(id="O1", outcome="open", acv=30_000.0, arrived="2027-01-15", pov_requested="2027-01-20",
             data_access_granted="2027-02-10"),                                                    # 167 days open
        dict(id="O2", outcome="open", acv=30_000.0, arrived="2027-05-01", pov_requested="2027-05-10"),
        dict(id="O3", outcome="open", acv=40_000.0, arrived="2027-02-10", pov_requested="2027-02-15",
             data_access_granted="2027-03-01", pov_started="2027-03-01", pov_ended="2027-05-01",
             pov_completed=True, negotiation_started="2027-05-10", founder_in_final_meeting=True,
             founder_requested="2027-06-20"),                                                     # 141 days open
        dict(id="D1", outcome="disqualified", lost_stage="data_quality", acv=10_000.0, arrived="2027-05-20",
             dq_checked="2027-06-01", dq_passed=False, closed="2027-06-01"),
        dict(id="L0", outcome="lost", lost_stage="pov", acv=1.0, arrived="2027-01-01", closed="2027-05-31"),  # May
    ])


def test_lost_and_delayed_deals_with_stage_kpi_and_fix(month_deals) -> None:  # type: ignore[no-untyped-def]
    result = autopsy.build(Tables(month_deals, library=LIBRARY), "2027-06", delay_days=30)
    assert result.median_cycle_days == 100.0
    assert result.disqualified == 1
    rows = result.deals.set_index("deal")
    assert sorted(rows.index) == ["L1", "L2", "O1", "O3"]   # O2 is young, L0 was lost in May
    assert rows.loc["L1", "status"] == "lost" and rows.loc["L1", "stage"] == "pov"
    assert "Evaluation completion rate" in rows.loc["L1", "kpis"]
    assert rows.loc["L1", "fix_file"].split("; ")[0] == "simplified_pov"
    assert rows.loc["L2", "stage"] == "negotiation" and "NNARR" in rows.loc["L2", "kpis"]
    assert rows.loc["O1", "status"] == "delayed" and rows.loc["O1", "stage"] == "pov_queue"
    assert rows.loc["O1", "days_open"] == 167.0 and rows.loc["O1", "days_over_median"] == 67.0
    assert "QTE velocity" in rows.loc["O1", "kpis"]
    assert rows.loc["O1", "fix_file"].startswith("extra_solution_engineer")
    assert not rows.loc["O1", "newly_delayed"]  # already 137 days open on 1 June: past the 130-day line before
    assert rows.loc["O3", "stage"] == "founder_queue" and bool(rows.loc["O3", "newly_delayed"])  # 111 -> 141 days
    assert rows.loc["O3", "fix_file"] == "founder_out_of_final_meeting"
    systemic = result.systemic()
    assert systemic["deals"].sum() == 4


def test_delay_threshold_is_configurable(month_deals) -> None:  # type: ignore[no-untyped-def]
    result = autopsy.build(Tables(month_deals, library=LIBRARY), "2027-06", delay_days=90)
    assert "O1" not in set(result.deals["deal"])


def test_no_won_deal_means_no_delays(deals_table) -> None:  # type: ignore[no-untyped-def]
    deals = deals_table([dict(outcome="open", acv=1.0, arrived="2026-01-01")])
    result = autopsy.build(Tables(deals), "2026-06")
    assert math.isnan(result.median_cycle_days) and result.deals.empty


def test_bad_month() -> None:
    with pytest.raises(PeriodError, match="2027-06"):
        autopsy.month_of("2027Q2")
    with pytest.raises(PeriodError, match="2027-06"):
        autopsy.month_of("June")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    assert main(["run", str(SCENARIO), "--seed", "1", "--out", str(folder)]) == 0
    return folder


def test_autopsy_of_a_run(run_dir: Path, tmp_path: Path) -> None:
    assert main(["autopsy", str(run_dir), "--month", "2027-12", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "autopsy-2027-12.csv")
    html = (tmp_path / "autopsy-2027-12.html").read_text(encoding="utf-8")
    assert (tmp_path / "autopsy-2027-12.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert external_references(html) == [] and "https://" not in html and "http://" not in html
    # Every deal lost in December (independently counted), and every open one past the line, is a row.
    tables = inputs.load(run_dir)
    known = tables.as_of(pd.Timestamp("2028-01-01")).deals
    lost = known[(known["outcome"] == "lost") & (known["closed"] >= "2027-12-01") & (known["closed"] < "2028-01-01")]
    median = cycle.cycle_days(known).median()
    late = known[(known["outcome"] == "open") & ((pd.Timestamp("2028-01-01") - known["arrived"]).dt.days > median + 30)]
    assert sorted(table.loc[table["status"] == "lost", "deal"]) == sorted(lost["id"])
    assert sorted(table.loc[table["status"] == "delayed", "deal"]) == sorted(late["id"])
    assert table["fix"].notna().all() and table["kpis"].notna().all()
    for deal in table["deal"]:
        assert deal in html


def test_autopsy_of_a_hand_made_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "crm.csv"
    csv.write_text(
        "id,arrived,closed,outcome,acv,lost_stage\n"
        "A1,2027-01-10,2027-04-20,won,120000,\n"
        "A2,2027-01-20,2027-06-15,lost,60000,validation\n"
        "A3,2026-10-01,,open,90000,\n"
    )
    assert main(["autopsy", str(csv), "--month", "2027-06", "--out", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out" / "autopsy-2027-06.csv")
    assert table.set_index("deal")["status"].to_dict() == {"A2": "lost", "A3": "delayed"}
    assert "2 deal(s) lost or delayed" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("id,arrived,outcome,acv\nA1,2027-01-10,won,1\n")
    assert main(["autopsy", str(bad), "--month", "2027-06", "--out", str(tmp_path / "out")]) == 2
    assert "missing column(s) closed" in capsys.readouterr().err
