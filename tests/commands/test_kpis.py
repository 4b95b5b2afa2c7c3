"""``funnelsim kpis`` end to end on hand-made CSV files."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.commands.kpis import parse_period
from analysis.kpi.periods import PeriodError
from simulation.cli import main
from simulation.outputs import write_csv


@pytest.fixture
def folder(tmp_path, funnel_deals, spend_table, revenue_table):
    write_csv(funnel_deals, tmp_path / "deals.csv")
    spend = spend_table([dict(month="2027-01-01", category="marketing", amount=50_000.0)])
    write_csv(spend, tmp_path / "spend.csv")
    revenue = revenue_table(
        [dict(customer="won_alone", model=1, date="2027-03-01", event="new", arr_delta=100.0, arr_after=100.0)]
    )
    write_csv(revenue, tmp_path / "revenue.csv")
    return tmp_path


def test_kpis_command_writes_tables_and_prints(folder, tmp_path, capsys):
    out = tmp_path / "kpis"
    code = main(
        [
            "kpis",
            str(folder / "deals.csv"),
            "--spend",
            str(folder / "spend.csv"),
            "--revenue",
            str(folder / "revenue.csv"),
            "--period",
            "2027Q1",
            "--period",
            "2027-01-01:2027-06-30",
            "--nnarr-target",
            "200",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "nnarr" in printed and "2027Q1" in printed and "2027-01-01..2027-06-30" in printed
    table = pd.read_csv(out / "kpis.csv").set_index("metric")
    assert table.loc["nnarr", "2027Q1"] == 100.0
    assert table.loc["nnarr", "2027-01-01..2027-06-30"] == 200.0
    assert table.loc["c2re", "2027Q1"] == 500.0
    health = pd.read_csv(out / "health.csv")
    assert {"period", "metric", "value", "status", "advice"} <= set(health.columns)
    for name in ("nnarr_by_tier", "nnarr_by_channel", "sccr", "funnel", "stage_times"):
        assert (out / f"{name}.csv").exists()


def test_kpis_command_on_a_run_folder_with_default_periods(folder, tmp_path):
    out = tmp_path / "kpis"
    assert main(["kpis", str(folder), "--out", str(out)]) == 0
    table = pd.read_csv(out / "kpis.csv")
    assert list(table.columns) == ["metric", "2027Q1", "2027Q2", "all"]
    assert "grr_model" in set(table["metric"])  # revenue.csv was picked up from the folder


def test_missing_column_exits_2_naming_it(tmp_path, funnel_deals, capsys):
    write_csv(funnel_deals.drop(columns=["closed"]), tmp_path / "deals.csv")
    assert main(["kpis", str(tmp_path / "deals.csv"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "closed" in err and err.count("\n") == 1


def test_unparseable_date_exits_2_naming_the_column(tmp_path, funnel_deals, capsys):
    frame = funnel_deals.astype({"arrived": str})
    frame.loc[frame.index[0], "arrived"] = "last tuesday"
    write_csv(frame, tmp_path / "deals.csv")
    assert main(["kpis", str(tmp_path / "deals.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "'arrived'" in capsys.readouterr().err


def test_bad_period_and_missing_file_exit_2(folder, tmp_path, capsys):
    assert main(["kpis", str(folder), "--period", "next year", "--out", str(tmp_path / "o")]) == 2
    assert "next year" in capsys.readouterr().err
    assert main(["kpis", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_parse_period():
    assert parse_period("2027Q1") == pd.Period("2027Q1", "Q")
    assert parse_period("2027-01-01:2027-03-31") == (pd.Timestamp("2027-01-01"), pd.Timestamp("2027-04-01"))
    with pytest.raises(PeriodError):
        parse_period("2027-03-31:2027-01-01")
