"""The sliders' patches: each setting changes exactly its key of the baseline, and the defaults change nothing."""

from __future__ import annotations

import pytest

from analysis.lab.settings import (
    FULL_TIME_FILE,
    SCORECARD_FILE,
    defaults,
    lab_baseline,
    patch_of,
    scenario_for,
)
from simulation.loader import load_scenario
from simulation.scenario import Scenario
from tests.conftest import BASE


@pytest.fixture(scope="module")
def base() -> Scenario:
    return lab_baseline()


def test_the_lab_runs_the_shipped_baseline_over_twelve_months(base: Scenario) -> None:
    shipped = load_scenario(BASE)
    assert base.scenario.horizon_days == 365
    assert base.model_copy(update={"scenario": shipped.scenario}) == shipped


def test_the_defaults_are_the_baselines_own_values_and_patch_nothing(base: Scenario) -> None:
    start = defaults(base)
    assert (start.arrivals_per_week, start.engineers, start.pov_days, start.pov_completion_pct, start.win_pct,
            start.founder_meetings_per_week, start.patience_days) == (2.25, 3, 65.0, 60, 60, 2.0, 45.0)
    assert (start.cro, start.playbook, start.comp_plan) == ("fractional", False, "multiplicative")
    assert patch_of(start, base) == {}
    assert scenario_for(start, base) is base


def test_one_more_engineer_patches_the_engineer_count_only(base: Scenario) -> None:
    assert patch_of(defaults(base).but(engineers=4), base) == {"pov": {"solution_engineers": 4}}


@pytest.mark.parametrize(("setting", "value", "section", "key", "expected"), [
    ("arrivals_per_week", 3.5, "arrivals", "rate_per_week", 3.5),
    ("pov_completion_pct", 75, "pov", "completion_probability", 0.75),
    ("win_pct", 45, "negotiation", "win_probability", 0.45),
    ("founder_meetings_per_week", 1.0, "negotiation", "founder_meetings_per_week", 1.0),
])
def test_each_number_slider_sets_its_key_in_the_scenarios_unit(base: Scenario, setting: str, value: float,
                                                               section: str, key: str, expected: float) -> None:
    settings = defaults(base).but(**{setting: value})
    assert patch_of(settings, base) == {section: {key: expected}}
    assert getattr(getattr(scenario_for(settings, base), section), key) == expected


def test_durations_are_scaled_to_the_chosen_mean_keeping_their_shape(base: Scenario) -> None:
    scenario = scenario_for(defaults(base).but(pov_days=80, patience_days=20), base)
    pov, before = scenario.pov, base.pov.duration_days
    assert pov.duration_days.mean == pytest.approx(80, rel=1e-9)
    assert (pov.duration_days.low / before.low, pov.duration_days.high / before.high) == pytest.approx((80 / 65,) * 2)
    assert pov.patience_days is not None
    assert (pov.patience_days.dist, pov.patience_days.mean) == ("exponential", pytest.approx(20))


def test_the_cro_choices_come_from_the_shipped_files(base: Scenario) -> None:
    start = defaults(base)
    none = scenario_for(start.but(cro="none"), base).cro
    assert (none.kind, none.retainer_per_month, none.playbook) == ("none", 0.0, ())
    full = scenario_for(start.but(cro="full_time"), base).cro
    shipped = load_scenario(FULL_TIME_FILE).cro
    assert (full.kind, full.retainer_per_month, full.start_delay_days) == ("full_time", shipped.retainer_per_month,
                                                                          shipped.start_delay_days)


def test_the_playbook_is_the_shipped_variants_fixes_from_the_cros_start(base: Scenario) -> None:
    lab = scenario_for(defaults(base).but(cro="full_time", playbook=True), base)
    shipped = load_scenario(FULL_TIME_FILE)
    assert [(f.name, f.start_day, f.patch) for f in lab.fixes] == [(f.name, f.start_day, f.patch)
                                                                   for f in shipped.fixes]
    assert scenario_for(defaults(base).but(cro="none", playbook=True), base).fixes == ()


def test_the_comp_plans(base: Scenario) -> None:
    start = defaults(base)
    assert scenario_for(start.but(comp_plan="scorecard"), base).comp == load_scenario(SCORECARD_FILE).comp
    additive = scenario_for(start.but(comp_plan="additive"), base).comp
    assert additive == base.comp.model_copy(update={"plan": "additive"})


def test_a_patch_outside_the_fixable_sections_is_validated(base: Scenario) -> None:
    from pydantic import ValidationError

    from simulation.scenario import apply_patch

    with pytest.raises(ValidationError):
        apply_patch(base, {"arrivals": {"rate_per_week": -1.0}})
    with pytest.raises(KeyError, match="seasonality"):
        apply_patch(base, {"seasonality": {}})
