"""Suggested fixes speak of the company in hand: the dashboard and the autopsy state each fix's change against the
reported scenario ("solution engineers 3 -> 4"), never the shipped baseline's numbers, and do not suggest a fix
that would change nothing there. Without a scenario they fall back to the fix's summary.

The scenarios extend the deterministic ``tests/fixtures/tiny.toml``; the deals are hand-made, with the wait for a
solution engineer as the clear bottleneck."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.report import autopsy, dashboard, inputs
from analysis.report.fix_library import default_library, load_library
from simulation.loader import load_scenario
from simulation.outputs import write_csv, write_text
from simulation.scenario import Scenario
from tests.conftest import FIXTURES, Builder

TINY = FIXTURES / "tiny.toml"
WEEK = "2027-W40"


def company(folder: Path, engineers: int) -> Path:
    """A scenario with ``engineers`` solution engineers, a 45-90 day POV and 60 % completion."""
    path = folder / f"company_{engineers}.toml"
    path.write_text(f'extends = "{TINY}"\n[pov]\nsolution_engineers = {engineers}\ncompletion_probability = 0.6\n'
                    'duration_days = { dist = "triangular", low = 45, mode = 60, high = 90 }\n', encoding="utf-8")
    return path


@pytest.fixture
def queued(deals_table: Builder) -> pd.DataFrame:
    """Six deals won in September 2027 after waiting 73 days for a solution engineer, and one still waiting."""
    won = [dict(id=f"W{i}", outcome="won", acv=50_000.0, arrived="2027-06-01", pov_requested="2027-06-05",
                data_access_granted="2027-06-08", pov_started="2027-08-20", pov_ended="2027-09-10",
                pov_completed=True, validation_passed=True, negotiation_started="2027-09-12",
                founder_in_final_meeting=False, closed="2027-09-20") for i in range(6)]
    waiting = dict(id="O1", outcome="open", acv=50_000.0, arrived="2027-04-01", pov_requested="2027-04-05",
                   data_access_granted="2027-04-08")
    return deals_table([*won, waiting])


def run_folder(folder: Path, deals: pd.DataFrame, scenario: Scenario | None) -> Path:
    folder.mkdir()
    write_csv(deals, folder / "deals.csv")
    if scenario is not None:
        write_text(folder / "scenario.json", scenario.model_dump_json(indent=2, by_alias=True) + "\n")
    return folder


def test_the_library_states_each_change_for_the_company_in_hand(tmp_path: Path) -> None:
    by_name = {f.name: f for f in load_library(default_library(), load_scenario(company(tmp_path, 3)))}
    extra = by_name["extra_solution_engineer"]
    assert extra.changes == ("solution engineers 3 -> 4",)
    assert extra.short_label == "Hire one more solution engineer (solution engineers 3 -> 4)"
    assert by_name["simplified_pov"].changes == ("completion 60 % -> 75 %",)
    assert by_name["self_serve_sandbox"].changes == ("POV triangular 45-90 -> 30.1-60.3 days",)
    two = {f.name: f for f in load_library(default_library(), load_scenario(company(tmp_path, 2)))}
    assert two["extra_solution_engineer"].changes == ("solution engineers 2 -> 3",)


def test_the_changes_are_those_of_the_parameters_the_scenario_ends_with(tmp_path: Path) -> None:
    hire = tmp_path / "hire.toml"
    hire.write_text('[fix]\nname = "hire"\nstart_day = 10\n[pov]\nsolution_engineers = 5\n', encoding="utf-8")
    scenario = load_scenario(company(tmp_path, 3), [hire])  # a run that already hired up to five
    by_name = {f.name: f for f in load_library(default_library(), scenario)}
    assert by_name["extra_solution_engineer"].changes == ("solution engineers 5 -> 6",)


def test_a_fix_that_would_change_nothing_is_not_offered(tmp_path: Path) -> None:
    library = tmp_path / "fixes"
    library.mkdir()
    (library / "third_engineer.toml").write_text(
        '[fix]\nname = "third_engineer"\nsummary = "Hire a third solution engineer"\n[pov]\nsolution_engineers = 3\n',
        encoding="utf-8")
    assert [f.name for f in load_library(library, load_scenario(company(tmp_path, 3)))] == []
    (offered,) = load_library(library, load_scenario(company(tmp_path, 2)))
    assert offered.changes == ("solution engineers 2 -> 3",)
    (unknown,) = load_library(library)  # no scenario: offered, in its own words
    assert unknown.short_label == unknown.label == "Hire a third solution engineer"


def test_dashboard_for_a_team_of_three_suggests_three_to_four(tmp_path: Path, queued: pd.DataFrame) -> None:
    folder = run_folder(tmp_path / "run", queued, load_scenario(company(tmp_path, 3)))
    dash = dashboard.build(inputs.load(folder), WEEK)
    assert dash.bottleneck is not None and dash.bottleneck.stage == "pov_queue"
    assert dash.actions[0] == ("Wait for a solution engineer holds 66 % of the deal-days (1 deal there now, 4.0 on "
                               "average): Hire one more solution engineer (solution engineers 3 -> 4) or Self-serve "
                               "sandbox (POV triangular 45-90 -> 30.1-60.3 days)")
    assert not any("third" in action for action in dash.actions)


def test_dashboard_does_not_suggest_what_the_company_already_has(tmp_path: Path, queued: pd.DataFrame) -> None:
    library = tmp_path / "fixes"
    library.mkdir()
    (library / "third_engineer.toml").write_text(
        '[fix]\nname = "third_engineer"\nsummary = "Hire a third solution engineer"\n[pov]\nsolution_engineers = 3\n',
        encoding="utf-8")
    folder = run_folder(tmp_path / "run", queued, None)
    three = inputs.load(folder, scenario=company(tmp_path, 3), fixes=library)
    dash = dashboard.build(three, WEEK)
    assert dash.bottleneck is not None and dash.bottleneck.stage == "pov_queue"
    assert "no fix in the library acts on this stage yet" in dash.actions[0]
    assert not any("third" in action.lower() for action in dash.actions)
    two = dashboard.build(inputs.load(folder, scenario=company(tmp_path, 2), fixes=library), WEEK)
    assert two.actions[0].endswith(": Hire a third solution engineer (solution engineers 2 -> 3)")


def test_without_a_scenario_the_summary_speaks(tmp_path: Path, queued: pd.DataFrame) -> None:
    dash = dashboard.build(inputs.load(run_folder(tmp_path / "run", queued, None)), WEEK)
    assert dash.actions[0].endswith(": Hire one more solution engineer or Self-serve sandbox: POV a third shorter")


def test_autopsy_names_the_change_for_the_company_in_hand(tmp_path: Path, queued: pd.DataFrame) -> None:
    folder = run_folder(tmp_path / "run", queued, load_scenario(company(tmp_path, 3)))
    result = autopsy.build(inputs.load(folder), "2027-09", delay_days=30)
    row = result.deals.set_index("deal").loc["O1"]
    assert row["stage"] == "pov_queue"
    assert row["fix"].startswith("Hire one more solution engineer (solution engineers 3 -> 4) or ")
    assert row["fix_summary"].startswith("Hire one more solution engineer (solution engineers 3 -> 4); ")
    assert "Self-serve sandbox: POV a third shorter (POV triangular 45-90 -> 30.1-60.3 days)" in row["fix_summary"]
