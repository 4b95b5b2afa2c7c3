"""CRM import: mapping files, every bad-file case (error or counted skip, never a silent drop), both public datasets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.crm import exports
from analysis.crm.exports import CrmError, export_deals, import_deals
from analysis.crm.mapping import MappingError, load_mapping
from simulation.cli import main
from simulation.tables import DEALS
from tests.conftest import MAPPINGS, MAVEN, OLIST

MAPPING = """
[source]
name = "test export"
date_format = "%Y-%m-%d"
zero_amount = "missing"

[columns]
id = "Deal ID"
arrived = "Created"
closed = "Closed"
stage = "Stage"
acv = "Amount"
owner = "Owner"

[stages]
Won = "won"
Lost = { outcome = "lost", stage = "negotiation" }
Open = { outcome = "open", stage = "pov" }
"""
HEADER = "Deal ID,Created,Closed,Stage,Amount,Owner\n"
GOOD_ROWS = [
    "A1,2024-01-02,2024-03-01,Won,60000,ann",
    "A2,2024-01-05,2024-02-10,Lost,0,bob",
    "A3,2024-02-01,,Open,40000,ann",
    "A4,2024-02-03,2024-04-15,Won,200000,bob",
]


@pytest.fixture
def mapping_path(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def write(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def run(tmp_path: Path, mapping_path: Path, rows: list[str]) -> tuple[pd.DataFrame, exports.ImportReport]:
    return import_deals(write(tmp_path, rows), load_mapping(mapping_path))


def test_good_export_maps_onto_the_schema(tmp_path: Path, mapping_path: Path) -> None:
    deals, report = run(tmp_path, mapping_path, GOOD_ROWS)
    assert list(deals.columns[: len(DEALS)]) == list(DEALS)
    assert deals["outcome"].tolist() == ["won", "lost", "open", "won"]
    assert deals["tier"].tolist()[:1] == ["mid"] and deals["tier"].iloc[3] == "large"
    assert pd.isna(deals["acv"].iloc[1])  # zero_amount = "missing": a lost deal's 0 is unknown, not zero
    assert deals["lost_stage"].iloc[1] == "negotiation"
    assert deals["owner"].tolist() == ["ann", "bob", "ann", "bob"]
    assert report.kept == 4 and not report.skipped
    assert report.adjusted["amount 0 on a deal not won read as unknown (zero_amount = 'missing')"] == 1
    assert pd.isna(deals["pov_started"]).all()  # stages the export does not date stay NaT, never faked


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("B1,2024-13-45,2024-03-01,Won,100,ann", "unparseable date in 'Created'"),
        ("B1,2024-01-02,2024-03-01,Won,-5,ann", "negative amount"),
        ("B1,2024-01-02,2024-03-01,Won,lots,ann", "non-numeric amount"),
        ("B1,2024-03-02,2024-01-01,Won,100,ann", "close before create"),
        ("A1,2024-01-02,2024-03-01,Won,100,ann", "duplicated id (first row kept)"),
        (",2024-01-02,2024-03-01,Won,100,ann", "no id"),
        ("B1,,2024-03-01,Won,100,ann", "no created date"),
        ("B1,2024-01-02,,Won,100,ann", "won or lost without a close date"),
        ("B1,2024-01-02,2024-03-01,,100,ann", "no stage"),
    ],
)
def test_bad_rows_are_skipped_counted_and_named(tmp_path: Path, mapping_path: Path, row: str, reason: str) -> None:
    deals, report = run(tmp_path, mapping_path, [*GOOD_ROWS, row])
    assert report.rows == 5 and report.kept == 4 and len(deals) == 4
    assert report.skipped == {reason: 1}
    assert "line 6" in report.examples[reason][0]
    assert any(reason in line for line in report.lines())


def test_expected_close_date_of_an_open_deal_is_dropped_and_counted(tmp_path: Path, mapping_path: Path) -> None:
    deals, report = run(tmp_path, mapping_path, [*GOOD_ROWS, "C1,2024-02-01,2024-09-30,Open,100,ann"])
    assert pd.isna(deals["closed"].iloc[-1]) and report.kept == 5
    assert sum(report.adjusted.values()) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "file is empty"),
        (HEADER, "header only, no data rows"),
        ("Deal ID,Created,Closed,Stage,Amount\nA1,2024-01-02,2024-03-01,Won,1\n", "column 'Owner'"),
        ("Deal ID,Created,Closed,Stage,Amount,Ownr\nA1,2024-01-02,2024-03-01,Won,1,x\n", "did you mean 'Ownr'"),
        (HEADER + "A1,2024-01-02,2024-03-01,Maybe,1,x\n", "'Maybe' (1 rows)"),
        (HEADER + "A1,02/01/2024,03/01/2024,Won,1,x\nA2,05/01/2024,,Open,1,x\n", "set source.date_format"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path: Path, mapping_path: Path, content: str, message: str) -> None:
    path = tmp_path / "export.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CrmError, match=r"export\.csv") as error:
        import_deals(path, load_mapping(mapping_path))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_not_utf8_and_missing_files_are_errors(tmp_path: Path, mapping_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "A1,2024-01-02,2024-03-01,Won,1,Jos\xe9\n").encode("latin-1"))
    with pytest.raises(CrmError, match="not UTF-8"):
        import_deals(path, load_mapping(mapping_path))
    with pytest.raises(CrmError, match="no such file"):
        import_deals(tmp_path / "absent.csv", load_mapping(mapping_path))


def test_every_row_bad_is_an_error_not_an_empty_table(tmp_path: Path, mapping_path: Path) -> None:
    with pytest.raises(CrmError, match=r"no usable rows.*negative amount"):
        run(tmp_path, mapping_path, ["A1,2024-01-02,2024-03-01,Won,-1,x"])


def test_huge_file_is_read_in_chunks_and_capped(tmp_path: Path, mapping_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CHUNK_ROWS", 100)
    rows = [f"H{i},2024-01-02,2024-03-01,Won,{1000 + i},x" for i in range(1050)]
    path = write(tmp_path, rows)
    deals, _ = import_deals(path, load_mapping(mapping_path), max_rows=2000)
    assert len(deals) == 1050 and deals["acv"].iloc[-1] == 2049
    with pytest.raises(CrmError, match="more than 1,000 rows"):
        import_deals(path, load_mapping(mapping_path), max_rows=1000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "mapping file is empty"),
        ("[columns\n", "malformed TOML"),
        ("[columns]\nid = 'a'\n", "columns.arrived: required"),
        ("[columns]\nid = 'a'\narived = 'b'\n", "did you mean 'arrived'"),
        ("[columns]\nid = 'a'\narrived = 'b'\nstage = 's'\n[stages]\nWon = 'victory'\n", "stages.Won"),
        ("[source]\ncolour = 1\n[columns]\nid = 'a'\narrived = 'b'\n", "source.colour: unknown key"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=r"m\.toml") as error:
        load_mapping(path)
    assert message in str(error.value)


def test_shipped_mappings_load() -> None:
    for path in sorted(MAPPINGS.glob("*.toml")):
        assert load_mapping(path).columns["id"]


def test_cli_import_writes_deals_and_bad_input_is_one_line(tmp_path: Path, mapping_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    export = write(tmp_path, [*GOOD_ROWS, "B1,2024-01-02,2024-03-01,Won,-5,ann"])
    out = tmp_path / "deals.csv"
    assert main(["import", str(export), "--mapping", str(mapping_path), "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 4
    assert "skipped 1: negative amount" in capsys.readouterr().err
    assert main(["import", str(export), "--mapping", str(mapping_path), "--out", str(out), "--strict"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("funnelsim import:") and "--strict: 1 row(s) skipped: negative amount" in err[-1]
    assert "Traceback" not in "\n".join(err)


def test_join_and_wins_only_rule(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text("lead,first\nL1,2024-01-01\nL2,2024-01-03\nL3,2024-01-04\n")
    (tmp_path / "wins.csv").write_text("lead,won\nL1,2024-02-01 10:00:00\nL9,2024-02-02 09:00:00\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[source]\noutcome_rule = "won_if_closed"\njoin = { file = "wins.csv", on = "lead" }\n'
                       '[columns]\nid = "lead"\narrived = "first"\nclosed = "won"\n')
    deals, report = import_deals(tmp_path / "leads.csv", load_mapping(mapping))
    assert deals["outcome"].tolist() == ["won", "open", "open"]  # no won date: lost or open, unknown
    assert report.adjusted == {"rows of wins.csv whose lead is not in leads.csv ignored": 1}


def test_export_then_import_is_the_identity_on_mapped_columns(tmp_path: Path, mapping_path: Path) -> None:
    deals, _ = run(tmp_path, mapping_path, GOOD_ROWS)
    mapping = load_mapping(mapping_path)
    export_deals(deals, mapping).to_csv(tmp_path / "again.csv", index=False)
    again, _ = import_deals(tmp_path / "again.csv", mapping)
    columns = ["id", "arrived", "closed", "outcome", "lost_stage", "tier", "owner"]
    pd.testing.assert_frame_equal(again[columns], deals[columns])


@pytest.mark.skipif(not MAVEN.exists(), reason=f"public dataset not present at {MAVEN}")
def test_maven_imports_with_every_skip_counted() -> None:
    deals, report = import_deals(MAVEN, load_mapping(MAPPINGS / "maven.toml"))
    assert report.rows == 8800 and report.kept == 8300
    assert report.skipped == {"no created date": 500}  # the Prospecting rows: no engage date at all
    assert deals["outcome"].value_counts().to_dict() == {"won": 4238, "lost": 2473, "open": 1589}
    assert deals.loc[deals["outcome"] == "lost", "acv"].isna().all()


@pytest.mark.skipif(not OLIST.exists(), reason=f"public dataset not present at {OLIST}")
def test_olist_imports_leads_joined_with_wins() -> None:
    deals, report = import_deals(OLIST, load_mapping(MAPPINGS / "olist.toml"))
    assert report.rows == 8000 and report.kept == 7999
    assert report.skipped == {"close before create": 1}  # SOURCE.md: one deal won before its first contact
    assert (deals["outcome"] == "won").sum() == 841 and set(deals["outcome"]) == {"won", "open"}
