"""Overload is visible before and after a run: offered load against capacity, and whether a queue settles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.kpi.health import QUEUE_GROWTH_MAX
from simulation import capacity, simulate
from simulation.cli import main
from simulation.loader import load_scenario
from simulation.scenario import Scenario
from tests.conftest import SCENARIOS, variant


def test_offered_load_is_the_arithmetic_in_the_scenarios_comments(ai_startup: Scenario) -> None:
    engineers, founder = capacity.loads(ai_startup)
    povs_a_day = 2.25 / 7 * (0.7 + 0.3 * 0.25 * 0.7) * 0.9
    slot_days = 0.6 * 65 + 0.4 * 65 * 0.6 + 0.6 * 0.35 * 0.5 * 22
    assert engineers.arrivals_per_day == pytest.approx(povs_a_day)
    assert engineers.days_held == pytest.approx(slot_days)
    assert engineers.capacity == 15
    assert engineers.utilisation == pytest.approx(povs_a_day * slot_days / 15)
    assert founder.utilisation == pytest.approx(povs_a_day * 0.6 * (0.65 + 0.35 * 0.5 * 0.65) * 0.8 * 3.5)


@pytest.mark.parametrize("name", ["ai_startup", "ml_company"])
def test_shipped_baselines_run_below_0_9(name: str) -> None:
    for load in capacity.loads(load_scenario(SCENARIOS / f"{name}.toml")):
        assert load.utilisation < 0.9, load
    engineers = capacity.loads(load_scenario(SCENARIOS / f"{name}.toml"))[0]
    assert 0.7 <= engineers.utilisation <= 0.85  # busy enough to matter, not overloaded


def test_the_simulated_utilisation_matches_the_offered_load(ai_startup: Scenario) -> None:
    """Little's law: busy slots on average = offered load, less what patience turns away (a few per cent).
    Standard error from batch means of 180 days (three POV lengths, so batches are nearly independent)."""
    long = variant(ai_startup, scenario={"horizon_days": 5400})
    out = simulate(long, seed=8)
    windows = capacity.queue_averages(out.resources.assign(queue=out.resources["busy"]), "solution_engineers",
                                      out.start_date, out.horizon_days)
    batches = windows.reshape(-1, 6).mean(axis=1)  # 5400 days = 30 batches of 6 x 30 days
    se = batches.std(ddof=1) / np.sqrt(len(batches))
    offered = capacity.loads(long)[0].offered
    gave_up = out.deals["lost_stage"].eq("pov_queue").fillna(False).astype(bool).sum()
    queued = out.deals["data_access_granted"].notna().sum()
    carried = offered * (1 - gave_up / queued)
    assert abs(batches.mean() - carried) <= 4 * se, (batches.mean(), carried, se)


def test_a_growing_queue_is_flagged_and_a_steady_one_is_not(ai_startup: Scenario) -> None:
    overloaded = variant(ai_startup, pov={"solution_engineers": 2, "patience_days": None})  # 12.4 of 10 slots
    assert capacity.loads(overloaded)[0].utilisation > 1
    flagged = [capacity.queue_trend(o.resources, "solution_engineers", o.start_date, o.horizon_days)
               for o in (simulate(overloaded, seed) for seed in range(6))]
    assert all(not t.settled and t.growth_per_month > QUEUE_GROWTH_MAX for t in flagged)
    steady = [capacity.queue_trend(o.resources, "solution_engineers", o.start_date, o.horizon_days)
              for o in (simulate(ai_startup, seed) for seed in range(6))]
    assert all(t.settled for t in steady)


def test_the_growth_limit_is_the_health_checks(ai_startup: Scenario) -> None:
    assert capacity.GROWTH_LIMIT == QUEUE_GROWTH_MAX


def test_queue_averages_of_a_hand_made_log() -> None:
    start = pd.Timestamp("2027-01-01")
    log = pd.DataFrame({
        "time": [start, start + pd.Timedelta(days=15), start + pd.Timedelta(days=45)],
        "resource": "solution_engineers", "capacity": 5, "busy": 5, "queue": [0, 2, 4],
    })
    # 0-30: 15 days at 0, 15 at 2 -> 1; 30-60: 15 at 2, 15 at 4 -> 3; 60-75: 4
    assert np.allclose(capacity.queue_averages(log, "solution_engineers", start, 75.0), [1.0, 3.0, 4.0])


def test_validate_and_run_say_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overloaded = tmp_path / "overloaded.toml"
    overloaded.write_text(f'extends = "{SCENARIOS / "ai_startup.toml"}"\n[pov]\nsolution_engineers = 2\n',
                          encoding="utf-8")
    assert main(["validate", str(overloaded)]) == 0
    out = capsys.readouterr().out
    assert "solution engineers: offered load 12.4 of 10 POV slots (utilisation 1.24) [base]  OVERLOADED" in out
    assert "warm-up: " in out and "days on the base parameters" in out
    assert main(["run", str(SCENARIOS / "ai_startup.toml"), "--seed", "3", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "open at the start (after a 609-day warm-up)" in out
    assert "solution engineers queue: " in out and ": settled" in out
    assert "waiting for an engineer" in out


def test_waits_count_every_visit_served_or_given_up(deals_table) -> None:  # type: ignore[no-untyped-def]
    start = pd.Timestamp("2027-01-01")
    deals = deals_table([
        # served after 5 days, then an extension served after 2
        {"arrived": "2026-12-01", "data_access_granted": "2027-01-10", "pov_started": "2027-01-15",
         "extension_requested": "2027-03-01", "extension_started": "2027-03-03", "outcome": "open"},
        # gave up after 20 days (closed while waiting)
        {"arrived": "2026-12-01", "data_access_granted": "2027-02-01", "closed": "2027-02-21", "outcome": "lost",
         "lost_stage": "pov_queue"},
        # left the queue before the start date: not counted; still waiting: not counted either
        {"arrived": "2026-10-01", "data_access_granted": "2026-11-01", "pov_started": "2026-12-01", "outcome": "open"},
        {"arrived": "2026-10-01", "data_access_granted": "2027-03-10", "outcome": "open"},
    ])
    ended, lengths = capacity.waits(deals, "solution_engineers", start)
    assert sorted(zip(ended.tolist(), lengths.tolist(), strict=True)) == [(14.0, 5.0), (51.0, 20.0), (61.0, 2.0)]


def test_an_overloaded_queue_makes_deals_wait_longer_and_longer(ai_startup: Scenario) -> None:
    def trend_of(scenario: Scenario) -> capacity.QueueTrend:
        out = simulate(scenario, seed=1)
        return capacity.queue_trend(out.resources, "solution_engineers", out.start_date, out.horizon_days, out.deals)

    trend = trend_of(variant(ai_startup, pov={"solution_engineers": 2, "patience_days": None}))
    steady = trend_of(ai_startup)
    assert trend.wait_growth_per_month > 1 and trend.wait_end > 3 * steady.wait_end
    assert "wait " in trend.line() and "NOT SETTLED" in trend.line()


def test_a_growing_inflow_is_judged_at_the_horizons_end(ai_startup: Scenario) -> None:
    growing = variant(ai_startup, arrivals={"growth_per_year": 0.5})
    assert capacity.rate_at_end(growing) == pytest.approx(2.25 * 1.5 ** (546 / 365))
    end = [line for line in capacity.report(growing) if "horizon's end" in line]
    assert len(end) == 2 and "OVERLOADED" in end[0]  # 0.83 x 1.83 = 1.51 by the end


def test_a_regime_that_changes_no_load_adds_no_line() -> None:
    """A fix that only hires (a [staff] hire, from day 0) leaves the loads as they were: one line per resource, the
    base's, then the staff lines; a fix that adds an engineer adds only the engineers' line for its regime."""
    hire = load_scenario(SCENARIOS / "ai_startup_team.toml", [SCENARIOS / "fixes" / "hire_engineer_now.toml"])
    lines = capacity.report(hire)
    assert [line.split(":")[0] for line in lines[:2]] == ["solution engineers", "founder"]
    assert all(line.startswith("staff:") for line in lines[2:])
    extra = capacity.report(
        load_scenario(SCENARIOS / "ai_startup.toml", [SCENARIOS / "fixes" / "extra_solution_engineer.toml"]))
    assert [line.split(" [")[-1] for line in extra] == ["base]", "base]", "from day 60]"]
