"""Reports under hostile text and out-of-range dates (issue 12, items 11 and 12; issue 11's reports on dates the
data do not cover): text is shown as text, and a week or month the data do not reach is one line, exit 2."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest

from analysis.report.htmlkit import external_references
from tests.hostile.harness import Folder, funnelsim, refused, succeeded

NAME = 'name = "tiny"'


@pytest.fixture
def run_dir(user: Folder, capsys: pytest.CaptureFixture[str]) -> Path:
    """A run of a scenario named with a URL (2027-01-04 for 200 days: data end on 2027-07-22)."""
    text = (user.root / "quick.toml").read_text().replace(NAME, 'name = "Acme http://acme.example/x @import"')
    scenario = user.write("acme.toml", text)
    succeeded(funnelsim(capsys, "run", scenario, "--out", user.root / "run"))
    return user.root / "run"


def test_urls_in_names_summaries_and_ids_are_shown_as_text(
    user: Folder, run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixes = user.root / "fixes"
    user.write("fixes/more.toml", '[fix]\nname = "more_engineers"\nsummary = "see https://wiki.example/sops"\n'
                                  'start_day = 0\n[pov]\nsolution_engineers = { add = 1 }\n')
    deals = pd.read_csv(run_dir / "deals.csv", dtype=str, keep_default_na=False)
    deals["id"] = "http://crm.example/" + deals["id"]
    deals.to_csv(user.root / "deals.csv", index=False)
    out = user.root / "report"
    pages = []
    for command, period in (("dashboard", ("--week", "2027-W20")), ("health", ("--week", "2027-W20")),
                            ("autopsy", ("--month", "2027-04"))):
        succeeded(funnelsim(capsys, command, run_dir, *period, "--fixes", fixes, "--out", out))
        succeeded(funnelsim(capsys, command, user.root / "deals.csv", *period, "--fixes", fixes, "--out",
                            user.root / "csv_report"))
    for page in [*out.glob("*.html"), *(user.root / "csv_report").glob("*.html")]:
        text = page.read_text()
        assert external_references(text) == [], page.name
        pages.append(html.unescape(text))
    assert any("Acme http://acme.example/x @import" in p for p in pages)
    assert any("https://wiki.example/sops" in p for p in pages)
    lost = pd.read_csv(user.root / "csv_report" / "autopsy-2027-04.csv", dtype=str)
    assert lost["deal"].str.startswith("http://crm.example/").all() and len(lost)


def test_a_week_after_the_run_ends_is_refused(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_dir.parent / "report"
    for week in ("2031-W01", "2027-W31"):
        refused(funnelsim(capsys, "dashboard", run_dir, "--week", week, "--out", out), f"--week {week}",
                "the run ends on 2027-07-22", "latest week to report is 2027-W30")
        refused(funnelsim(capsys, "health", run_dir, "--week", week, "--out", out), "the run ends on 2027-07-22")
    assert not out.exists()
    assert "2027-W30" in succeeded(funnelsim(capsys, "dashboard", run_dir, "--week", "2027-W30", "--out", out)).out


def test_a_month_after_the_run_ends_is_refused(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_dir.parent / "report"
    refused(funnelsim(capsys, "autopsy", run_dir, "--month", "2030-01", "--out", out), "--month 2030-01",
            "the run ends on 2027-07-22", "latest month to report is 2027-07")
    refused(funnelsim(capsys, "autopsy", run_dir, "--month", "2027-08", "--out", out), "2027-07")
    refused(funnelsim(capsys, "autopsy", run_dir, "--month", "2019-01", "--out", out), "the data start on")
    assert not out.exists()
    succeeded(funnelsim(capsys, "autopsy", run_dir, "--month", "2027-07", "--out", out))


@pytest.mark.parametrize("args", [("dashboard", "--week", "9999-W52"), ("health", "--week", "0001-W01"),
                                  ("autopsy", "--month", "9999-12"), ("autopsy", "--month", "0001-01")])
def test_periods_outside_the_calendar_are_refused_at_once(
    run_dir: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    command, option, value = args
    refused(funnelsim(capsys, command, run_dir, option, value, "--out", run_dir.parent / "r"),
            value, "outside the dates funnelsim can hold")


def test_a_deals_csv_long_after_its_last_event_is_refused(
    user: Folder, run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deals = run_dir / "deals.csv"  # no scenario.json beside it: only the last event is known
    csv = user.write("deals_only.csv", deals.read_text())
    refused(funnelsim(capsys, "dashboard", csv, "--week", "2031-W01", "--out", user.root / "r"),
            "last event is on", "365 days later")
    succeeded(funnelsim(capsys, "dashboard", csv, "--week", "2027-W40", "--out", user.root / "r"))
