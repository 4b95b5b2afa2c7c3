"""CRM exports as they come (issue 12, items 5, 6, 9, 11 and 13): bad rows are skipped and counted, amounts and
dates are read one way or not at all, a guessed format is said, and nothing from the export or the command line
runs in a spreadsheet or becomes a key of the calibrated scenario."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation.loader import load_scenario
from tests.conftest import BASE
from tests.hostile.harness import Folder, funnelsim, refused, succeeded

HEADER = "Id,Created,Closed,Stage,Amount,Note\n"
MAPPING = """[source]
{source}
[columns]
id = "Id"
arrived = "Created"
closed = "Closed"
stage = "Stage"
acv = "Amount"
[extra]
note = "Note"
[stages]
Won = "won"
Lost = {{ outcome = "lost", stage = "negotiation" }}
Open = {{ outcome = "open", stage = "pov" }}
"""
GOOD = [f"G{k},2027-0{1 + k % 6}-0{1 + k % 8},2027-0{2 + k % 6}-1{k % 9},Won,{1000 * (k + 1)},fine" for k in range(8)]


def _export(user: Folder, rows: list[str], source: str = 'date_format = "%Y-%m-%d"') -> tuple[Path, Path]:
    csv = user.write("crm.csv", HEADER + "\n".join(rows) + "\n")
    mapping = user.write("m.toml", MAPPING.format(source=source))
    return csv, mapping


def _import(capsys: pytest.CaptureFixture[str], user: Folder, csv: Path, mapping: Path) -> tuple[pd.DataFrame, str]:
    out = user.root / "deals.csv"
    result = succeeded(funnelsim(capsys, "import", csv, "--mapping", mapping, "--out", out))
    return pd.read_csv(out, dtype=str, keep_default_na=False), result.err


def test_a_never_date_is_a_counted_skip_not_a_traceback(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    csv, mapping = _export(user, [*GOOD, "N1,2027-01-05,9999-12-31,Lost,500,never"])
    user.snapshot()
    deals, err = _import(capsys, user, csv, mapping)
    assert "N1" not in set(deals["id"]) and len(deals) == 8
    assert "skipped 1: date outside 1990-01-01 to 2199-12-31 in 'Closed'" in err and "(id N1)" in err
    user.unchanged(user.root / "deals.csv")


@pytest.mark.parametrize("amount", ["1.054,00", "1,5", "inf", "1e309", "nan", "-1e308", "20000000000"])
def test_amounts_are_read_one_way_or_skipped(user: Folder, capsys: pytest.CaptureFixture[str], amount: str) -> None:
    csv, mapping = _export(user, [*GOOD, f'A1,2027-01-05,2027-02-05,Won,"{amount}",x'])
    deals, err = _import(capsys, user, csv, mapping)
    assert "A1" not in set(deals["id"])  # never 1.054, 15 or infinity
    assert ("non-numeric amount" in err or "negative amount" in err) and "(id A1)" in err
    assert pd.to_numeric(deals["acv"]).max() == 8000.0


def test_a_decimal_comma_is_read_when_the_mapping_says_so(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ['A1,2027-01-05,2027-02-05,Won,"1.054,00",x', 'A2,2027-01-05,2027-02-05,Won,"1,5",x']
    csv, mapping = _export(user, rows, 'date_format = "%Y-%m-%d"\ndecimal = ","')
    deals, _ = _import(capsys, user, csv, mapping)
    assert pd.to_numeric(deals["acv"]).tolist() == [1054.0, 1.5]


def test_won_in_capitals_is_refused_by_kpis_not_read_as_lost(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    deals = user.write("deals.csv", "id,arrived,closed,outcome,acv\nD1,2027-01-04,2027-03-01,WON,1000\n")
    refused(funnelsim(capsys, "kpis", deals, "--out", user.root / "k"), "column 'outcome' has value 'WON'", "won")


def test_ambiguous_day_month_dates_are_refused_without_a_format(
    user: Folder, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"A{k},0{1 + k % 9}/0{1 + k % 7}/2027,,Open,100,x" for k in range(10)]
    csv, mapping = _export(user, rows, "")
    refused(funnelsim(capsys, "import", csv, "--mapping", mapping, "--out", user.root / "d.csv"),
            "day/month or month/day", "source.date_format")


def test_a_guessed_day_first_format_is_said_and_what_did_not_fit_counted(
    user: Folder, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"A{k},{13 + k}/01/2027,,Open,100,x" for k in range(10)] + ["B1,01/13/2027,,Open,100,x"]
    csv, mapping = _export(user, rows, "")
    deals, err = _import(capsys, user, csv, mapping)
    assert set(deals["arrived"]) == {f"2027-01-{13 + k}" for k in range(10)}  # 13/01 is the 13th of January
    assert "read as DD/MM/YYYY (day first)" in err and "guessed" in err
    assert "skipped 1: unparseable date in 'Created'" in err and "(id B1)" in err


def test_a_time_zone_offset_keeps_the_local_day(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["A1,2027-01-05T23:30:00+09:00,2027-01-06T00:30:00-08:00,Won,100,x"]
    csv, mapping = _export(user, rows, 'date_format = "ISO8601"')
    deals, err = _import(capsys, user, csv, mapping)
    assert deals.loc[0, "arrived"] == "2027-01-05 23:30:00" and deals.loc[0, "closed"] == "2027-01-06 00:30:00"
    assert "adjusted 2: time-zone offset dropped in 'Created'" in err or "time-zone offset dropped" in err


def test_a_column_named_twice_once_stripped_is_one_line(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    csv = user.write("crm.csv", "Id, Id,Created,Closed,Stage,Amount,Note\nA1,A2,2027-01-05,,Open,1,x\n")
    mapping = user.write("m.toml", MAPPING.format(source=""))
    refused(funnelsim(capsys, "import", csv, "--mapping", mapping, "--out", user.root / "d.csv"),
            "column 'Id' appears twice")


def test_formulas_from_the_export_are_inert_in_every_csv(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*GOOD, '=HYPERLINK("http://evil.example"),2027-01-05,2027-06-20,Lost,500,=1+1',
            "@SUM(A1),2027-01-06,,Open,700,+cmd", "-2+3,2027-01-07,2027-06-21,Lost,800,\tx"]
    csv, mapping = _export(user, rows)
    deals, _ = _import(capsys, user, csv, mapping)
    assert {"'=HYPERLINK(\"http://evil.example\")", "'@SUM(A1)", "'-2+3"} <= set(deals["id"])
    assert {"'=1+1", "'+cmd"} <= set(deals["note"])
    out = user.root / "report"
    succeeded(funnelsim(capsys, "autopsy", user.root / "deals.csv", "--month", "2027-06", "--out", out))
    table = pd.read_csv(out / "autopsy-2027-06.csv", dtype=str, keep_default_na=False)
    assert not any(str(v).startswith(("=", "+", "-", "@")) for v in table.to_numpy().ravel())
    assert "'=HYPERLINK(\"http://evil.example\")" in set(table["deal"])


def test_a_newline_in_out_cannot_inject_toml(
    user: Folder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv, mapping = _export(user, [*GOOD, *[f"O{k},2027-0{1 + k % 6}-03,,Open,900,x" for k in range(6)]])
    out = user.root / "cal\ncomp.bonus_rate = 0.99\n#.toml"
    args = ["calibrate", str(csv), "--mapping", str(mapping), "--out", str(out)]
    monkeypatch.setattr(sys, "argv", ["funnelsim", *args])  # the header quotes the command line
    succeeded(funnelsim(capsys, *args))
    text = out.read_text()
    assert "\ncomp.bonus_rate" not in text and "\\ncomp.bonus_rate = 0.99\\n" in text
    assert load_scenario(out).comp == load_scenario(BASE).comp
