"""The Monday dashboard: the page's numbers are the KPI functions' numbers, the status logic, self-containment,
and the same command on a hand-made deals CSV (with clear errors for what is missing)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from html import escape
from pathlib import Path

import pandas as pd
import pytest

from analysis.kpi import cash, cycle, nnarr, snapshot
from analysis.report import dashboard, dashboard_page, inputs, page, page_png, status
from analysis.report.htmlkit import external_references
from simulation.cli import main
from simulation.scenario import Targets
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "ai_startup.toml"
WEEK = "2027-W26"
MONDAY = pd.Timestamp("2027-06-28")


def figures(html: str) -> dict[str, float]:
    """The machine-readable numbers on a page: ``data-kpi`` -> ``data-value``."""
    return {k: float(v) for k, v in re.findall(r'data-kpi="([^"]+)" data-value="([^"]+)"', html)}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    assert main(["run", str(SCENARIO), "--seed", "1", "--out", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def report(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dashboard")
    assert main(["dashboard", str(run_dir), "--week", WEEK, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def known(run_dir: Path) -> dashboard.Tables:
    """The run's tables as known on the dashboard's Monday (read back from the CSVs, as the command does)."""
    return inputs.load(run_dir).as_of(MONDAY)


def test_writes_html_png_and_json(report: Path) -> None:
    html = (report / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    png = (report / f"dashboard-{WEEK}.png").read_bytes()
    assert html.startswith("<!DOCTYPE html>")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == round(page_png.WIDTH * page_png.DPI)  # the page's width
    assert json.loads((report / f"dashboard-{WEEK}.json").read_text())["week"] == WEEK


def test_page_numbers_are_the_kpi_functions(report: Path, known: dashboard.Tables) -> None:
    html = (report / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    shown = figures(html)
    start = pd.Timestamp("2027-01-04")  # the scenario's start date, read from scenario.json
    assert known.spend is not None
    expected_nnarr = nnarr.nnarr(known.deals, (start, MONDAY)).nnarr
    expected_c2re = nnarr.c2re_trailing(known.deals, known.spend, MONDAY, 30).value
    expected_sccr = cycle.period_sccr(known.deals, pd.Period("2027Q2"))
    assert expected_nnarr > 0
    assert shown["nnarr_to_date"] == pytest.approx(expected_nnarr, rel=1e-12)
    assert shown["c2re_30d"] == pytest.approx(expected_c2re, rel=1e-12, nan_ok=True)
    assert shown["sccr"] == pytest.approx(expected_sccr, rel=1e-12, nan_ok=True)

    numbers = json.loads((report / f"dashboard-{WEEK}.json").read_text())
    target = status.prorated_target(Targets(nnarr_6_months=450_000, nnarr_12_months=1_500_000), (MONDAY - start).days)
    assert numbers["nnarr_target_to_date"] == pytest.approx(target)
    assert numbers["nnarr_pace"] == pytest.approx(expected_nnarr / target)
    before = nnarr.c2re_trailing(known.deals, known.spend, MONDAY - pd.Timedelta(days=30), 30).value
    assert numbers["c2re_previous_30d"] == (None if math.isnan(before) else pytest.approx(before))  # JSON: NaN -> null


def test_status_banner_matches_pace_and_escalation(report: Path) -> None:
    html = (report / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    numbers = json.loads((report / f"dashboard-{WEEK}.json").read_text())
    expected = status.pace_status(numbers["nnarr_pace"], Targets())
    assert numbers["status"] == expected
    assert f'class="banner {expected}"' in html
    assert status.ESCALATION[expected] in html


def test_page_is_self_contained(report: Path) -> None:
    html = (report / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    for needle in ("http://", "https://", 'src="//', "@import", "<script", "<link"):
        assert needle not in html
    assert external_references(html) == []
    sources = re.findall(r'<img src="([^"]{0,30})', html)
    assert len(sources) == 6 and all(s.startswith("data:image/png;base64,") for s in sources)


def test_names_the_bottleneck_and_three_actions(report: Path) -> None:
    numbers = json.loads((report / f"dashboard-{WEEK}.json").read_text())
    html = (report / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    assert numbers["bottleneck"] in ("data_quality", "data_access", "pov_queue", "pov", "validation",
                                     "negotiation", "founder_queue")
    assert escape(numbers["bottleneck_text"]) in html
    assert len(numbers["actions"]) == 3
    assert all(escape(action) in html for action in numbers["actions"])


def test_shows_three_win_rates_each_with_its_denominator(report: Path, known: dashboard.Tables) -> None:
    """Issue 11, defect 7: one "win rate" hid that the disqualified were in its denominator."""
    numbers = json.loads((report / f"dashboard-{WEEK}.json").read_text())
    html = (report / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    window = (MONDAY - pd.Timedelta(days=dashboard.WINDOW_DAYS), MONDAY)
    closed = known.deals[known.deals["closed"].between(window[0], window[1], inclusive="left")]
    won, decided = int((closed["outcome"] == "won").sum()), len(closed)
    assert (numbers["lead_to_win_rate_90d"], numbers["lead_to_win_rate_90d_decided"]) == (won / decided, decided)
    negotiated = closed[closed["negotiation_started"].notna()]
    assert numbers["negotiation_win_rate_90d_decided"] == len(negotiated)
    assert f"lead-to-win {round(won / decided * 100)} % ({won} of {decided} deals closed, disqualified ones " in html


# --- status logic on constructed cases -------------------------------------------------------------------------


def _won(acv: float, closed: str) -> dict[str, object]:
    return {"outcome": "won", "acv": acv, "arrived": "2027-01-05", "closed": closed}


@pytest.mark.parametrize(
    ("acv", "expected"),
    [(620_000.0, "green"), (520_000.0, "yellow"), (300_000.0, "red")],
)
def test_status_green_yellow_red(deals_table, acv: float, expected: str) -> None:  # type: ignore[no-untyped-def]
    # Start 2027-01-04, Monday 2027-07-05: 182 days = 5.98 months, target pro-rated 600K x 5.98 / 6 ~ 597.9K;
    # paces 1.04 (green, >= 1.0), 0.87 (yellow, >= 0.8) and 0.50 (red).
    deals = deals_table([_won(acv, "2027-03-01"), _won(10_000.0, "2027-08-01")])  # the second is after the Monday
    tables = dashboard.Tables(deals, targets=Targets(nnarr_6_months=600_000), start=pd.Timestamp("2027-01-04"))
    dash = dashboard.build(tables, "2027-W27")
    target = 600_000 * (182 / status.DAYS_PER_MONTH) / 6
    assert dash.pace.target == pytest.approx(target)
    assert dash.nnarr.nnarr == acv
    assert dash.status == expected
    html = page.to_html(dashboard_page.blocks(dash, ()), "t")
    assert f'data-status="{expected}"' in html
    assert status.ESCALATION[expected] in html


def test_the_sccr_tile_says_how_many_deals_its_means_hold(deals_table) -> None:  # type: ignore[no-untyped-def]
    """One deal won this quarter against six last quarter: the tile gives both counts and calls the SCCR noise."""
    last = [_won(100_000.0, f"2027-0{m}-1{k}") for m, k in ((4, 0), (4, 2), (5, 1), (5, 3), (6, 1), (6, 4))]
    deals = deals_table([*last, _won(100_000.0, "2027-07-06")])
    dash = dashboard.build(dashboard.Tables(deals, start=pd.Timestamp("2027-01-04")), "2027-W28")
    assert dash.cycle_deals == (1, 6)
    assert dash.cycle_deals == (cycle.period_cycle_count(deals, dash.quarter),
                                cycle.period_cycle_count(deals, dash.quarter - 1))
    html = page.to_html(dashboard_page.blocks(dash, ()), "t")
    assert "(1 deal) in 2027Q3" in html and "(6 deals) in 2027Q2" in html
    assert "a mean over 1 won deal is noise" in html
    more = deals_table([*last, *(_won(100_000.0, f"2027-07-0{d}") for d in range(1, 7))])
    assert "is noise" not in page.to_html(dashboard_page.blocks(
        dashboard.build(dashboard.Tables(more, start=pd.Timestamp("2027-01-04")), "2027-W28"), ()), "t")


def test_thresholds_come_from_targets(deals_table) -> None:  # type: ignore[no-untyped-def]
    deals = deals_table([_won(520_000.0, "2027-03-01")])  # pace 0.87: yellow by default
    start = pd.Timestamp("2027-01-04")
    lenient = Targets(nnarr_6_months=600_000, green_at=0.85, yellow_at=0.5)
    strict = Targets(nnarr_6_months=600_000, green_at=1.2, yellow_at=0.9)
    assert dashboard.build(dashboard.Tables(deals, targets=lenient, start=start), "2027-W27").status == "green"
    assert dashboard.build(dashboard.Tables(deals, targets=strict, start=start), "2027-W27").status == "red"
    with pytest.raises(ValueError, match="yellow_at must not exceed green_at"):
        Targets(nnarr_6_months=600_000, green_at=0.85, yellow_at=0.95)


def test_no_target_is_unknown_not_green(deals_table) -> None:  # type: ignore[no-untyped-def]
    tables = dashboard.Tables(deals_table([_won(1.0, "2027-03-01")]), start=pd.Timestamp("2027-01-04"))
    dash = dashboard.build(tables, "2027-W27")
    assert dash.status == "unknown" and math.isnan(dash.pace.pace)
    assert "No NNARR target" in dash.escalation


def test_c2re_trend_arrow(deals_table, spend_table) -> None:  # type: ignore[no-untyped-def]
    # Same spend each month; NNARR 100K in the previous 30 days and 200K in the last 30: C2RE halves.
    deals = deals_table([_won(100_000.0, "2027-05-10"), _won(200_000.0, "2027-06-10")])
    spend = spend_table([{"month": f"2027-{m:02d}-01", "category": "marketing", "amount": 30_000.0}
                         for m in range(1, 8)])
    dash = dashboard.build(dashboard.Tables(deals, spend=spend, start=pd.Timestamp("2027-01-04")), "2027-W26")
    assert dash.c2re is not None and dash.c2re_previous is not None
    assert dash.c2re.value < dash.c2re_previous.value
    assert (dash.c2re_trend.arrow, dash.c2re_trend.good) == ("↓", True)


def test_week_parsing() -> None:
    assert dashboard.week_start("2027-W26") == MONDAY
    with pytest.raises(dashboard.WeekError, match="ISO week"):
        dashboard.week_start("2027-06-28")
    with pytest.raises(dashboard.WeekError, match="no ISO week 54"):
        dashboard.week_start("2027-W54")


def test_snapshot_hides_the_future(deals_table) -> None:  # type: ignore[no-untyped-def]
    deals = deals_table([
        {"outcome": "won", "acv": 1.0, "arrived": "2027-01-05", "closed": "2027-08-01", "retention_90d": "kept",
         "acv_after_90d": 1.0, "negotiation_started": "2027-07-01", "validation_passed": True},
        {"outcome": "won", "acv": 1.0, "arrived": "2027-01-05", "closed": "2027-02-01", "retention_90d": "churned",
         "acv_after_90d": 0.0},
        {"outcome": "lost", "acv": 1.0, "arrived": "2027-09-01", "closed": "2027-10-01"},
    ])
    seen = snapshot.deals_as_of(deals, "2027-06-28")
    assert len(seen) == 2  # the third had not arrived
    assert seen["outcome"].tolist() == ["open", "won"]
    assert seen["closed"].isna().tolist() == [True, False]
    assert pd.isna(seen["validation_passed"].iloc[0]) and pd.isna(seen["negotiation_started"].iloc[0])
    assert seen["retention_90d"].tolist() == [pd.NA, "churned"]  # 90-day check of the second on 2 May: known


# --- a deals table that did not come from the simulator --------------------------------------------------------

HAND_MADE = """id,arrived,closed,outcome,acv,tier,lost_stage,pov_started,pov_ended,pov_completed
A1,2027-01-10,2027-04-20,won,120000,mid,,2027-02-01,2027-03-20,true
A2,2027-01-20,2027-03-15,lost,60000,mid,pov,2027-02-10,2027-03-15,false
A3,2027-02-01,2027-06-01,won,45000,small,,2027-03-01,2027-04-30,true
A4,2027-03-01,,open,200000,large,,2027-04-01,,
"""


def test_hand_made_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "crm.csv"
    csv.write_text(HAND_MADE)
    out = tmp_path / "out"
    assert main(["dashboard", str(csv), "--week", WEEK, "--out", str(out), "--scenario", str(SCENARIO)]) == 0
    html = (out / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    assert (out / f"dashboard-{WEEK}.png").stat().st_size > 10_000
    assert figures(html)["nnarr_to_date"] == 165_000.0  # both wins, closed before the Monday, from 2027-01-04
    assert "No spend table given" in html
    assert external_references(html) == []
    assert f"{WEEK}: RED" in capsys.readouterr().out  # 165K against a pro-rated 431K
    # Without --scenario: no target, NNARR year to date; the page says so instead of inventing a status.
    dash = dashboard.build(inputs.load(csv), WEEK)
    assert dash.status == "unknown" and dash.since == pd.Timestamp("2027-01-01")
    assert dash_page_text(dash).count("No NNARR target") >= 1


def dash_page_text(dash: dashboard.Dashboard) -> str:
    return page.to_html(dashboard_page.blocks(dash, ()), "t")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("id,arrived,closed,", "id,arrived,"), "missing column(s) closed"),
        (lambda t: t.replace("id,arrived,", "key,arrived,"), "missing column(s) id"),
        (lambda t: t.replace(",won,", ",closed won,", 1), "column 'outcome' has value 'closed won'"),
        (lambda t: t.replace("2027-01-10", "10th of January"), "column 'arrived'"),
        (lambda t: t.replace("A2,2027-01-20,2027-03-15,lost", "A2,2027-01-20,,lost"), "column 'closed' is empty"),
    ],
)
def test_clear_errors_for_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Callable[[str], str], message: str
) -> None:
    csv = tmp_path / "crm.csv"
    csv.write_text(edit(HAND_MADE))
    assert main(["dashboard", str(csv), "--week", WEEK, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and str(csv) in err
    assert len(err.strip().splitlines()) == 1


def test_folder_without_deals_and_bad_week(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", str(tmp_path), "--week", WEEK, "--out", str(tmp_path / "o")]) == 2
    assert "no deals.csv" in capsys.readouterr().err
    csv = tmp_path / "crm.csv"
    csv.write_text(HAND_MADE)
    assert main(["dashboard", str(csv), "--week", "June", "--out", str(tmp_path / "o")]) == 2
    assert "expected an ISO week" in capsys.readouterr().err


def test_pooled_tables_with_repeated_labels_give_the_same_reports(run_dir: Path) -> None:
    """Runs stacked without ignore_index repeat row labels; the reports must not depend on them."""
    from dataclasses import replace

    from analysis.report import autopsy

    known = inputs.load(run_dir)
    shuffled = known.deals.set_axis([k % 7 for k in range(len(known.deals))])  # labels repeat
    pooled = replace(known, deals=shuffled)
    week, month = "2027-W40", "2027-09"
    got, want = dashboard.build(pooled, week), dashboard.build(known, week)
    assert got.numbers() == want.numbers() and got.actions == want.actions
    expected = autopsy.csv_table(autopsy.build(known, month))
    pd.testing.assert_frame_equal(autopsy.csv_table(autopsy.build(pooled, month)), expected)


def test_runway_tile_beside_c2re(report: Path, known: dashboard.Tables) -> None:
    """The baseline turns [billing] on: a runway tile right after C2RE, its figure the KPI function's at the end
    of the last month ended by the Monday (28 June 2027: May, June is not over)."""

    assert known.cash is not None and known.cash["month"].max() == pd.Timestamp("2027-05-01")
    html = (report / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    expected = float(cash.runway(known.cash).iloc[-1])
    assert figures(html)["runway_months"] == pytest.approx(expected, rel=1e-12)
    order = [html.index(f'data-kpi="{k}"') for k in ("c2re_30d", "runway_months", "sccr")]
    assert order == sorted(order)
    numbers = json.loads((report / f"dashboard-{WEEK}.json").read_text())
    assert numbers["runway_month"] == "2027-05"
    assert numbers["runway_status"] == ("red" if expected < 6 else "yellow" if expected < 12 else "green")


def test_no_cash_table_no_runway_tile(known: dashboard.Tables) -> None:
    without = dashboard.build(replace(known, cash=None), WEEK)
    assert without.runway is None and not any(k.startswith("runway") for k in without.numbers())
    tiles = next(b for b in dashboard_page.blocks(without, ()) if isinstance(b, page.Tiles))
    assert [t.kpi for t in tiles.tiles] == ["nnarr_to_date", "c2re_30d", "sccr"]
