"""The dashboard and health report on a deals table without deal amounts (no ``acv``) or with only some: the
amount figures are n/a (or a floor) with a note, everything else is computed, nothing stops."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import dashboard, dashboard_page, inputs, page, status
from simulation.cli import main
from tests.conftest import OLIST, ROOT

SCENARIO = ROOT / "scenarios" / "ai_startup.toml"
WEEK = "2027-W26"

# No acv column at all (a CRM export without amounts): a win last quarter (for SCCR), a POV loss and two wins in
# the last 90 days.
NO_ACV = """id,arrived,closed,outcome,tier,lost_stage,pov_started,pov_ended,pov_completed
A0,2026-12-01,2027-03-01,won,small,,2027-01-05,2027-02-01,true
A1,2027-01-10,2027-04-20,won,mid,,2027-02-01,2027-03-20,true
A2,2027-01-20,2027-05-15,lost,mid,pov,2027-02-10,2027-05-15,false
A3,2027-02-01,2027-06-01,won,small,,2027-03-01,2027-04-30,true
A4,2027-03-01,,open,large,,2027-04-01,,
"""
SPEND = "month,category,amount\n" + "".join(f"2027-{m:02d}-01,marketing,30000\n" for m in range(1, 7))


def _write(tmp_path: Path, text: str, name: str = "crm.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_no_acv_column_gives_html_png_json_with_nnarr_na(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, spend = _write(tmp_path, NO_ACV), _write(tmp_path, SPEND, "spend.csv")
    out = tmp_path / "out"
    args = ["dashboard", str(csv), "--week", WEEK, "--out", str(out), "--scenario", str(SCENARIO),
            "--spend", str(spend), "--charts"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"{WEEK}: UNRATED - NNARR cannot be judged" in printed

    html = (out / f"dashboard-{WEEK}.html").read_text(encoding="utf-8")
    png = (out / f"dashboard-{WEEK}.png").read_bytes()
    numbers = json.loads((out / f"dashboard-{WEEK}.json").read_text(encoding="utf-8"))  # strict: no NaN
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000

    assert numbers["status"] == "unknown" and numbers["escalation"] == status.NO_AMOUNTS
    assert numbers["nnarr_to_date"] is None and numbers["nnarr_pace"] is None and numbers["c2re_30d"] is None
    assert numbers["amounts"] == "none" and numbers["nnarr_unpriced_deals"] == 3
    assert numbers["nnarr_target_to_date"] > 0  # the target is known, only the actual is not
    assert numbers["sccr"] is not None and numbers["cycle_days_quarter"] is not None  # needs no amounts
    assert numbers["bottleneck"] is not None and len(numbers["actions"]) >= 1
    assert numbers["notes"][0].startswith("No deal amounts: none of the 3 won deal(s)")
    assert "C2RE" in numbers["notes"][0]

    assert "n/a" in html and dashboard_page.NO_AMOUNTS_DETAIL in html and "No deal amounts" in html
    assert "Unrated" in html and "No target" not in html
    assert 'class="banner unknown"' in html or "unknown" in html
    charts = {p.stem for p in (out / f"charts-{WEEK}").iterdir()}
    assert "cumulative_nnarr" not in charts and "c2re_trend" not in charts
    assert {"stage_split", "funnel", "cycle_by_quarter"} <= charts

    checks = {row["metric"]: row for row in numbers["health"]}
    assert "nnarr_pace" not in checks
    assert checks["c2re"]["status"] == "n/a" and checks["c2re_trailing_30d"]["status"] == "n/a"
    assert checks["pov_to_pipeline"]["status"] == "red"  # computed without amounts (the loss at POV)


def test_tiles_are_grey_not_red_or_green(tmp_path: Path) -> None:
    dash = dashboard.build(inputs.load(_write(tmp_path, NO_ACV), scenario=SCENARIO), WEEK)
    assert dash.status == "unknown" and dash.pace.unpriced and math.isnan(dash.nnarr.nnarr)
    tiles = next(b for b in dashboard_page.blocks(dash, ()) if isinstance(b, page.Tiles)).tiles
    nnarr_tile, c2re_tile = tiles[0], tiles[1]
    assert (nnarr_tile.big, nnarr_tile.raw, nnarr_tile.status) == ("n/a", None, "unknown")
    assert nnarr_tile.details[0] == dashboard_page.NO_AMOUNTS_DETAIL
    assert (c2re_tile.big, c2re_tile.status) == ("n/a", "unknown")
    banner = next(b for b in dashboard_page.blocks(dash, ()) if isinstance(b, page.Banner))
    assert banner.status == "unknown" and "cannot be judged" in banner.text


def test_partly_priced_nnarr_is_a_floor(tmp_path: Path) -> None:
    lines = NO_ACV.replace(",outcome,", ",outcome,acv,").splitlines()
    text = "\n".join([lines[0]] + [
        line.replace(",won,", ",won,120000,") if line.startswith("A1")
        else ",".join([*line.split(",")[:4], "", *line.split(",")[4:]])
        for line in lines[1:]
    ]) + "\n"
    csv = _write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["dashboard", str(csv), "--week", WEEK, "--out", str(out), "--scenario", str(SCENARIO),
                 "--charts"]) == 0
    numbers = json.loads((out / f"dashboard-{WEEK}.json").read_text(encoding="utf-8"))
    assert numbers["nnarr_to_date"] == 120_000.0 and numbers["amounts"] == "partial"
    assert numbers["nnarr_unpriced_deals"] == 2
    assert numbers["status"] in ("red", "yellow", "green")  # rated, on the floor
    note = numbers["notes"][0]
    assert note.startswith("Partly priced: 2 of 3 won deal(s) have no amount") and "floor" in note
    assert (out / f"charts-{WEEK}" / "cumulative_nnarr.png").exists()


def test_health_without_amounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["health", str(_write(tmp_path, NO_ACV)), "--week", WEEK, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "note: No deal amounts" in printed
    html = (out / f"health-{WEEK}.html").read_text(encoding="utf-8")
    assert "No deal amounts" in html
    table = pd.read_csv(out / f"health-{WEEK}.csv")
    assert table.set_index("metric").at["pov_to_pipeline", "status"] == "red"


@pytest.mark.skipif(not OLIST.exists(), reason=f"shared Olist data not found at {OLIST}")
def test_olist_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deals = tmp_path / "olist_deals.csv"
    mapping = ROOT / "scenarios" / "mappings" / "olist.toml"
    assert main(["import", str(OLIST), "--mapping", str(mapping), "--out", str(deals)]) == 0
    out = tmp_path / "dash"
    assert main(["dashboard", str(deals), "--week", "2018-W20", "--out", str(out)]) == 0
    assert main(["health", str(deals), "--week", "2018-W20", "--out", str(out)]) == 0
    numbers = json.loads((out / "dashboard-2018-W20.json").read_text(encoding="utf-8"))
    assert numbers["status"] == "unknown" and numbers["nnarr_to_date"] is None
    assert numbers["amounts"] == "none" and numbers["nnarr_unpriced_deals"] > 0
    assert numbers["sccr"] is not None
    assert "No deal amounts" in numbers["notes"][0]
    assert (out / "dashboard-2018-W20.png").stat().st_size > 10_000
    assert (out / "health-2018-W20.csv").exists()
