"""Relative fix values ({ add = N }, { scale = K }): resolved by the loader against the parameters in force when the
fix starts, stacked in start-day order, with the changes and warnings recorded on the resolved fix.

Scenarios here are the deterministic ``tests/fixtures/tiny.toml`` (one engineer, fixed durations) or small files
extending it, so nothing depends on the numbers of the shipped baselines."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    Triangular,
    Uniform,
    Weibull,
)
from simulation.loader import ScenarioError, load_fix, load_scenario, resolve_fixes
from simulation.scenario import Fix, Scenario, regimes
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny.toml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def fix_file(folder: Path, name: str, body: str, start_day: float = 30) -> Path:
    return write(folder, f"{name}.toml", f'[fix]\nname = "{name}"\nstart_day = {start_day}\n{body}')


def company(folder: Path, body: str) -> Path:
    """A scenario extending tiny.toml with ``body`` (TOML sections) on top."""
    return write(folder, "company.toml", f'extends = "{TINY}"\n{body}')


def after(scenario: Scenario) -> Scenario:
    """The parameters in force at the end of the horizon (every fix applied)."""
    return regimes(scenario)[-1][1]


# --- numbers: ints, floats, probabilities --------------------------------------------------------------------


def test_add_one_engineer_means_one_more_than_the_company_has(tmp_path: Path) -> None:
    extra = fix_file(tmp_path, "extra", "[pov]\nsolution_engineers = { add = 1 }\n")
    three = company(tmp_path, "[pov]\nsolution_engineers = 3\n")
    for base, expected in ((TINY, 2), (three, 4)):
        scenario = load_scenario(base, [extra])
        assert after(scenario).pov.solution_engineers == expected
        (fix,) = scenario.fixes
        assert fix.patch == {"pov": {"solution_engineers": expected}}  # absolute: what the engine reads
        assert fix.changes == (("pov.solution_engineers", expected - 1, expected),)
        assert fix.warnings == () and not fix.no_effect


def test_floats_add_and_scale(tmp_path: Path) -> None:
    fix = fix_file(tmp_path, "f", "[negotiation]\nfounder_meetings_per_week = { add = 0.5 }\n"
                   "[spend]\nmarketing_per_month = { scale = 2 }\npov_compute_per_day = { add = -40 }\n")
    end = after(load_scenario(TINY, [fix]))
    assert end.negotiation.founder_meetings_per_week == 7.5
    assert end.spend.marketing_per_month == 6200 and end.spend.pov_compute_per_day == 60


def test_a_scaled_count_is_rounded_with_a_warning(tmp_path: Path) -> None:
    fix = fix_file(tmp_path, "half_again", "[pov]\nsolution_engineers = { scale = 1.5 }\n")
    scenario = load_scenario(company(tmp_path, "[pov]\nsolution_engineers = 3\n"), [fix])
    assert after(scenario).pov.solution_engineers == 5
    assert scenario.fixes[0].warnings == ("half_again: pov.solution_engineers: 3 x 1.5 = 4.5, rounded to 5",)


def test_a_probability_is_added_in_points_and_clipped_with_a_warning(tmp_path: Path) -> None:
    easier = fix_file(tmp_path, "easier", "[pov]\ncompletion_probability = { add = 0.15 }\n")
    base = company(tmp_path, "[pov]\ncompletion_probability = 0.6\n")
    scenario = load_scenario(base, [easier])
    assert after(scenario).pov.completion_probability == 0.75  # not 0.7499999999999999
    assert scenario.fixes[0].warnings == ()
    clipped = load_scenario(TINY, [easier])  # tiny completes every POV already
    assert after(clipped).pov.completion_probability == 1.0
    assert clipped.fixes[0].warnings == (
        "easier: pov.completion_probability: 1 + 0.15 = 1.15 is above 1; clipped to 1",
        "easier: no effect: pov.completion_probability is already 1",
    )
    lower = fix_file(tmp_path, "lower", "[validation]\npass_probability = { add = -1.5 }\n")
    scenario = load_scenario(TINY, [lower])
    assert after(scenario).validation.pass_probability == 0.0
    assert scenario.fixes[0].warnings[0] == "lower: validation.pass_probability: 1 + -1.5 = -0.5 is below 0; " \
        "clipped to 0"


def test_a_relative_value_needs_a_value_to_start_from(tmp_path: Path) -> None:
    fix = fix_file(tmp_path, "f", "[negotiation]\nwin_probability_without_founder = { add = 0.1 }\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(TINY, [fix])  # tiny sets no win_probability_without_founder
    assert str(info.value).startswith(f"{fix}: negotiation.win_probability_without_founder: {{ add = 0.1 }} needs a "
                                      "value to start from, and the scenario sets none")


def test_an_optional_distribution_scales_when_the_scenario_sets_it(tmp_path: Path) -> None:
    """Patience is optional (None: prospects wait for ever): a fix can scale it only where it is set."""
    longer = fix_file(tmp_path, "patient", "[pov]\npatience_days = { scale = 2 }\n")
    with pytest.raises(ScenarioError, match="needs a value to start from"):
        load_scenario(TINY, [longer])
    patient = company(tmp_path, '[pov]\npatience_days = { dist = "exponential", mean = 20 }\n')
    assert after(load_scenario(patient, [longer])).pov.patience_days == Exponential(mean=40)


# --- distributions -------------------------------------------------------------------------------------------

FAMILIES: list[Distribution] = [
    Fixed(value=30), Uniform(low=20, high=40), Triangular(low=20, mode=30, high=50), Exponential(mean=30),
    LogNormal(mean=30, sd=12), Gamma(mean=30, sd=12), Weibull(mean=30, sd=12), Empirical(values=(10, 30, 50)),
]


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: d.dist)  # type: ignore[attr-defined]
def test_every_distribution_family_scales(dist: Distribution, tmp_path: Path) -> None:
    table = ", ".join(f"{k} = {list(v) if isinstance(v, tuple) else v}" for k, v in
                      dist.model_dump(by_alias=True).items() if k != "dist")  # type: ignore[union-attr]
    base = company(tmp_path, f'[pov]\nduration_days = {{ dist = "{dist.dist}", {table} }}\n')  # type: ignore[union-attr]
    fix = fix_file(tmp_path, "shorter", "[pov]\nduration_days = { scale = 0.7 }\n")
    scenario = load_scenario(base, [fix])
    before, now = scenario.pov.duration_days, after(scenario).pov.duration_days
    assert before == dist and type(now) is type(dist)
    assert now.mean == pytest.approx(0.7 * dist.mean, rel=1e-9)  # type: ignore[union-attr]
    assert now.sd == pytest.approx(0.7 * dist.sd, rel=1e-9)  # type: ignore[union-attr]
    assert now == dist.scaled(0.7)  # type: ignore[union-attr]


def test_a_number_and_a_distribution_in_one_fix(tmp_path: Path) -> None:
    fix = fix_file(tmp_path, "both", "[pov]\nduration_days = { scale = 0.5 }\ndata_access_days = { scale = 2 }\n"
                   "solution_engineers = { add = 2 }\n")
    end = after(load_scenario(TINY, [fix]))
    assert (end.pov.duration_days, end.pov.data_access_days) == (Fixed(value=15), Fixed(value=20))
    assert end.pov.solution_engineers == 3


# --- stacking ------------------------------------------------------------------------------------------------


def test_two_relative_fixes_compose_in_start_day_order(tmp_path: Path) -> None:
    one = fix_file(tmp_path, "one", "[pov]\nsolution_engineers = { add = 1 }\n", start_day=90)
    two = fix_file(tmp_path, "two", "[pov]\nsolution_engineers = { add = 1 }\n", start_day=30)
    scenario = load_scenario(TINY, [one, two])
    assert [(day, p.pov.solution_engineers) for day, p in regimes(scenario)] == [(0, 1), (30, 2), (90, 3)]
    by_name = {f.name: f for f in scenario.fixes}
    assert by_name["two"].changes == (("pov.solution_engineers", 1, 2),)  # the earlier one first, whatever the order
    assert by_name["one"].changes == (("pov.solution_engineers", 2, 3),)
    assert [f.name for f in scenario.fixes] == ["one", "two"]  # the order given is kept in the scenario


def test_same_day_fixes_compose_in_the_order_given(tmp_path: Path) -> None:
    add = fix_file(tmp_path, "add", "[pov]\nsolution_engineers = { add = 1 }\n")
    double = fix_file(tmp_path, "double", "[pov]\nsolution_engineers = { scale = 2 }\n")
    assert after(load_scenario(TINY, [add, double])).pov.solution_engineers == 4  # (1 + 1) x 2
    assert after(load_scenario(TINY, [double, add])).pov.solution_engineers == 3  # 1 x 2 + 1


def test_a_relative_fix_builds_on_an_earlier_absolute_one(tmp_path: Path) -> None:
    hire = fix_file(tmp_path, "hire", "[pov]\nsolution_engineers = 4\n", start_day=10)
    more = fix_file(tmp_path, "more", "[pov]\nsolution_engineers = { add = 1 }\n", start_day=20)
    scenario = load_scenario(TINY, [more, hire])
    assert after(scenario).pov.solution_engineers == 5
    assert all(f.warnings == () for f in scenario.fixes)


def test_a_relative_fix_in_a_cro_playbook_starts_from_what_is_in_force_then(tmp_path: Path) -> None:
    write(tmp_path, "hire.toml", '[fix]\nname = "hire"\nstart_day = 10\n[pov]\nsolution_engineers = { add = 1 }\n')
    base = company(tmp_path, '[cro]\nkind = "fractional"\nretainer_per_month = 1000\nstart_delay_days = 40\n'
                   'playbook = ["hire.toml"]\n')
    earlier = fix_file(tmp_path, "earlier", "[pov]\nsolution_engineers = 3\n", start_day=20)
    scenario = load_scenario(base, [earlier])
    by_name = {f.name: f for f in scenario.fixes}
    assert by_name["hire"].start_day == 50  # 10 + the CRO's 40-day delay: after the --fix of day 20
    assert by_name["hire"].changes == (("pov.solution_engineers", 3, 4),)
    assert [(day, p.pov.solution_engineers) for day, p in regimes(scenario)] == [(0, 1), (20, 3), (50, 4)]


def test_resolving_again_on_another_base_starts_from_that_base(tmp_path: Path, tiny: Scenario) -> None:
    fix = load_fix(fix_file(tmp_path, "extra", "[pov]\nsolution_engineers = { add = 1 }\n"))
    assert not fix.resolved
    with pytest.raises(ValueError, match="relative values; resolve it"):
        regimes(tiny.model_copy(update={"fixes": (fix,)}))  # the engine refuses what it cannot read
    resolved = resolve_fixes(tiny.model_copy(update={"fixes": (fix,)}))
    assert resolved.fixes[0].resolved and after(resolved).pov.solution_engineers == 2
    bigger = after(resolved).model_copy(update={"pov": tiny.pov.model_copy(update={"solution_engineers": 5})})
    again = resolve_fixes(bigger.model_copy(update={"fixes": resolved.fixes}))
    assert after(again).pov.solution_engineers == 6


def test_resolved_fixes_survive_the_scenario_json_of_a_run(tmp_path: Path) -> None:
    fix = fix_file(tmp_path, "shorter", "[pov]\nduration_days = { scale = 0.5 }\n")
    scenario = load_scenario(TINY, [fix])
    back = Scenario.model_validate_json(scenario.model_dump_json(by_alias=True))
    assert regimes(back)[-1][1].pov.duration_days == Fixed(value=15)
    assert back.fixes[0].changes == scenario.fixes[0].changes


# --- warnings ------------------------------------------------------------------------------------------------


def test_two_absolute_fixes_on_one_key_are_named_in_a_warning(tmp_path: Path) -> None:
    three = fix_file(tmp_path, "three", "[pov]\nsolution_engineers = 3\n", start_day=30)
    two = fix_file(tmp_path, "two", "[pov]\nsolution_engineers = 2\n", start_day=60)
    scenario = load_scenario(TINY, [two, three])
    by_name = {f.name: f for f in scenario.fixes}
    assert by_name["three"].warnings == ()
    (warning,) = by_name["two"].warnings
    assert warning.startswith("two: pov.solution_engineers is set by both three (day 30) and two (day 60): the "
                              "absolute value of two replaces what three set")
    assert after(scenario).pov.solution_engineers == 2  # the later one still wins, as before


def test_a_fix_that_changes_nothing_says_so(tmp_path: Path) -> None:
    same = fix_file(tmp_path, "same", "[pov]\nsolution_engineers = 3\ncompletion_probability = 0.5\n")
    base = company(tmp_path, "[pov]\nsolution_engineers = 3\ncompletion_probability = 0.6\n")
    (fix,) = load_scenario(base, [same]).fixes
    assert fix.warnings == ("same: no effect: pov.solution_engineers is already 3",)
    assert not fix.no_effect  # the completion rate does change
    only = fix_file(tmp_path, "only", "[pov]\nsolution_engineers = 3\n")
    (fix,) = load_scenario(base, [only]).fixes
    assert fix.no_effect and fix.changes == (("pov.solution_engineers", 3, 3),)
    unchanged = fix_file(tmp_path, "unchanged", "[pov]\nduration_days = { scale = 1 }\n")
    (fix,) = load_scenario(TINY, [unchanged]).fixes
    assert fix.warnings == ("unchanged: no effect: pov.duration_days is already fixed(value=30)",)
    empty = fix_file(tmp_path, "empty", "")
    (fix,) = load_scenario(TINY, [empty]).fixes
    assert fix.no_effect and fix.warnings == ("empty: no effect: the fix changes no parameter",)


def test_an_unresolved_fix_is_not_called_a_no_op() -> None:
    fix = Fix(name="x", relative={"pov": {"solution_engineers": {"add": 1}}})
    assert not fix.resolved and not fix.no_effect
