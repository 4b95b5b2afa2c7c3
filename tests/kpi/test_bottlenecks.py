"""The biggest bottleneck: one queue-aware definition, on a hand-made trace and on a funnel whose engineers are the
constraint (issue 11, defect 9: kpis, dashboard, autopsy and health named three different bottlenecks)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.kpi import bottlenecks
from simulation.cli import main
from tests.conftest import FIXTURES

WINDOW = ("2027-01-01", "2027-02-01")


@pytest.fixture
def trace(deals_table, resources_table):
    deals = deals_table([
        # Still waiting for an engineer at the window's end: 4 + 5 days before, then 22 days in the queue.
        dict(id="waiting", outcome="open", arrived="2027-01-01", pov_requested="2027-01-05",
             data_access_granted="2027-01-10"),
        # POV from 1 to 11 January, unclear; waits 12-20 January for the extension's engineer, which runs to the 25th;
        # negotiation from the 26th, waits for the founder from the 28th: gives up on the 30th (lost).
        dict(id="extended", outcome="lost", lost_stage="negotiation", arrived="2026-12-01",
             pov_requested="2026-12-05", data_access_granted="2027-01-01", pov_started="2027-01-01",
             pov_ended="2027-01-11", pov_completed=True, extended=True, extension_requested="2027-01-12",
             extension_started="2027-01-20", extension_ended="2027-01-25", negotiation_started="2027-01-26",
             founder_requested="2027-01-28", closed="2027-01-30"),
    ])
    resources = resources_table([
        dict(time="2027-01-01", resource="solution_engineers", capacity=1, busy=1, queue=0),
        dict(time="2027-01-11", resource="solution_engineers", capacity=1, busy=0, queue=0),
        dict(time="2027-01-12", resource="solution_engineers", capacity=1, busy=1, queue=1),
    ])
    return deals, resources


def test_deal_days_count_the_deals_still_waiting(trace):
    deals, resources = trace
    table = bottlenecks.ranking(deals, WINDOW, resources)
    # Engineer queue: "waiting" 22 days (open to the window's end) + the extension's wait 8 days.
    assert table.loc["pov_queue", "deal_days"] == pytest.approx(30.0)
    assert table.loc["pov_queue", "now"] == 1  # still there when the window ends
    assert table.loc["validation", "deal_days"] == pytest.approx(1 + 6)  # 11-12 Jan and 20-26 Jan
    assert table.loc["negotiation", "deal_days"] == pytest.approx(2.0)
    assert table.loc["founder_queue", ["deal_days", "lost"]].tolist() == [2.0, 1.0]  # lost waiting for the founder
    assert table.loc["pov_queue", "mean_deals"] == pytest.approx(30 / 31)
    # Busy 10 of the first 11 days, idle one day, then busy 20 days: 30 of 31 slot-days.
    assert table.loc["pov_queue", "utilisation"] == pytest.approx(30 / 31)
    assert bool(table.loc["pov_queue", "binding"])
    assert bottlenecks.biggest(deals, WINDOW, resources).candidate == "pov_queue"


def test_without_a_resource_log_no_queue_is_binding_and_losses_count(trace):
    deals, _ = trace
    table = bottlenecks.ranking(deals, WINDOW)
    assert not table["binding"].any() and table["utilisation"].isna().all()
    found = bottlenecks.biggest(deals, WINDOW)
    assert found.candidate == "founder_queue" and "loses 100 % of lost deals (1)" in found.text


def test_an_empty_window_has_no_bottleneck(trace):
    deals, resources = trace
    assert bottlenecks.biggest(deals, ("2025-01-01", "2025-02-01"), resources) is None


def test_every_report_names_the_engineers_when_they_are_the_constraint(tmp_path, capsys):
    """One queue of 40 deals for one busy engineer, and 4 POVs lost: before, kpis named pov_queue by finished
    deal-days while the dashboard said "POV loses 100 % of lost deals" and its funnel "100 % advance"."""
    run = tmp_path / "run"
    assert main(["run", str(FIXTURES / "engineer_bound.toml"), "--seed", "3", "--out", str(run)]) == 0
    assert main(["kpis", str(run), "--out", str(tmp_path / "k")]) == 0
    printed = capsys.readouterr().out
    assert "biggest bottleneck (all time): Wait for a solution engineer: the binding constraint" in printed
    ranked = pd.read_csv(tmp_path / "k" / "bottlenecks.csv").set_index("candidate")
    assert ranked["score"].idxmax() == "pov_queue" and ranked.loc["pov", "loss_share"] == 1.0
    assert main(["dashboard", str(run), "--week", "2027-W40", "--out", str(tmp_path / "d")]) == 0
    dash = json.loads((tmp_path / "d" / "dashboard-2027-W40.json").read_text())
    assert dash["bottleneck"] == "pov_queue"
    assert main(["autopsy", str(run), "--month", "2027-09", "--out", str(tmp_path / "a")]) == 0
    assert "Biggest bottleneck this month: Wait for a solution engineer" in (
        tmp_path / "a" / "autopsy-2027-09.html").read_text()
    assert main(["health", str(run), "--week", "2027-W40", "--out", str(tmp_path / "h")]) == 0
    assert "Wait for a solution engineer: the binding constraint" in (
        tmp_path / "h" / "health-2027-W40.html").read_text()
