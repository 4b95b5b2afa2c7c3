"""The loader: every bad scenario or fix file is one clear line (file, key, problem); good files load as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from simulation.distributions import Fixed, LogNormal, Triangular, Uniform
from simulation.loader import ScenarioError, load_fix, load_scenario
from simulation.scenario import Scenario, regimes
from tests.conftest import FIXES, FIXTURES, SCENARIOS
from tests.simulation.bad_inputs import BASE, BASE_TEXT, FIX_CASES, SCENARIO_CASES, Bad, edited


def error_of(scenario: Path, fixes: list[Path] | tuple[Path, ...] = ()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario, fixes)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message, message
    assert "Traceback" not in message
    return message


def check(case: Bad, folder: Path) -> str:
    scenario, fixes = case.write(folder)
    message = error_of(scenario, fixes)
    assert message.startswith(case.prefix(folder)), message
    assert case.problem in message, message
    # No pydantic internals: class names, documentation links, union tags in the location.
    for leak in ("pydantic", "errors.pydantic.dev", "Patch", "FixHeader", "TierShares", "function-after",
                 ".triangular.", "Value error,", "[type="):
        assert leak not in message, message
    return message


@pytest.mark.parametrize("case", SCENARIO_CASES, ids=lambda c: c.id)
def test_bad_scenario_file(case: Bad, tmp_path: Path) -> None:
    check(case, tmp_path)


@pytest.mark.parametrize("case", FIX_CASES, ids=lambda c: c.id)
def test_bad_fix_file(case: Bad, tmp_path: Path) -> None:
    check(case, tmp_path)


# --- the exact wording of some messages ---------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_probability_message_reads_like_the_issue(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", edited("completion_probability = 0.6", "completion_probability = 1.3"))
    assert error_of(path) == f"{path}: pov.completion_probability: Input should be less than or equal to 1, got 1.3"


def test_a_misspelt_key_is_one_problem_not_two(tmp_path: Path) -> None:
    # The right spelling is also "missing": the message suggests it instead of counting it as a second problem.
    path = write(tmp_path / "x.toml", edited("win_probability = 0.6", "win_probabilty = 0.6"))
    assert error_of(path) == (
        f"{path}: negotiation.win_probabilty: unknown key (did you mean 'win_probability'?)"
    )


def test_several_problems_are_counted(tmp_path: Path) -> None:
    text = edited("completion_probability = 0.6", "completion_probability = 1.3")
    text = text.replace("win_probability = 0.6", "win_probability = 2")
    message = error_of(write(tmp_path / "x.toml", text))
    assert message.endswith("(and 1 more problem)")


def test_malformed_toml_without_a_key_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", edited("[validation]", "[validation"))
    line = BASE_TEXT.splitlines().index("[validation]") + 1
    message = error_of(path)
    assert message.startswith(f"{path}: line {line}, column 12: malformed TOML: "), message


def test_truncated_file(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", '[scenario]\nname = "cut off')
    assert error_of(path).startswith(f"{path}: ")
    assert "malformed TOML" in error_of(path)


def test_control_characters_in_keys_and_values_stay_on_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", '"a\\nb" = 1\n' + BASE_TEXT)
    assert error_of(path) == f'{path}: "a\\nb": unknown key'
    path = write(tmp_path / "y.toml", edited('name = "AI startup baseline"', 'name = 3\nstart = "x\\ny"'))
    assert error_of(path).startswith(f"{path}: scenario.")


def test_long_values_are_shortened(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", edited("solution_engineers = 3 ", f'solution_engineers = "{"x" * 500}" '))
    message = error_of(path)
    assert message.endswith("...") and len(message) < len(str(path)) + 150, message


def test_missing_required_section(tmp_path: Path) -> None:
    start = BASE_TEXT.index("[spend]")
    end = BASE_TEXT.index("[cro]")
    path = write(tmp_path / "x.toml", BASE_TEXT[:start] + BASE_TEXT[end:])
    assert error_of(path) == f"{path}: spend: required key is missing"


def test_extreme_distribution_parameters_name_the_key(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", edited(
        'contraction_90d_fraction = { dist = "uniform", low = 0.1, high = 0.4 }',
        'contraction_90d_fraction = { dist = "gamma", mean = 0.2, sd = 1e200 }',
    ))
    assert error_of(path).startswith(f"{path}: retention.contraction_90d_fraction: parameters too extreme")
    fix = write(tmp_path / "fix.toml", '[fix]\nname = "x"\n[retention]\n'
                'renewal_contraction_fraction = { dist = "lognormal", mean = 0.2, sd = 1e300 }\n')
    assert error_of(BASE, [fix]).startswith(f"{fix}: retention.renewal_contraction_fraction: parameters too extreme")


def test_durations_the_engine_could_not_draw_are_refused(tmp_path: Path) -> None:
    # No validator evaluates a duration; without this check `validate` said "valid" and `run` crashed.
    path = write(tmp_path / "x.toml", edited(
        'duration_days = { dist = "triangular", low = 45, mode = 60, high = 90 }',
        'duration_days = { dist = "gamma", mean = 60, sd = 1e200 }',
    ))
    assert error_of(path) == (
        f"{path}: pov.duration_days: parameters too extreme to compute with (Numerical result out of range)"
    )
    path = write(tmp_path / "y.toml", edited(
        'duration_days = { dist = "lognormal", mean = 25, sd = 10 }',
        'duration_days = { dist = "lognormal", mean = 1e308, sd = 1e308 }',
    ))
    assert error_of(path) == (
        f"{path}: negotiation.duration_days: parameters too extreme (values are not finite numbers)"
    )
    fix = write(tmp_path / "fix.toml", '[fix]\nname = "x"\n[validation]\n'
                'extension_days = { dist = "gamma", mean = 1e-300, sd = 1e300 }\n')
    assert error_of(BASE, [fix]).startswith(f"{fix}: validation.extension_days: parameters too extreme")


def test_paths_that_cannot_exist(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", 'extends = "a\\u0000b"\n')
    assert error_of(path).startswith(f"{path}: extends: ")
    path = write(tmp_path / "y.toml", edited("playbook = []", f'playbook = ["{"p" * 5000}.toml"]'))
    message = error_of(path)
    assert message.startswith(f"{path}: cro.playbook: ") and len(message) < 400


def test_missing_playbook_fix_names_the_scenario_key(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", edited("playbook = []", 'playbook = ["fixes/nowhere.toml"]'))
    assert error_of(path) == f"{path}: cro.playbook: no such file {tmp_path / 'fixes' / 'nowhere.toml'}"


def test_missing_fix_on_the_command_line(tmp_path: Path) -> None:
    assert error_of(BASE, [tmp_path / "nowhere.toml"]) == f"{tmp_path / 'nowhere.toml'}: no such file"


# --- extends -----------------------------------------------------------------------------------------------


def test_error_inherited_through_extends_names_the_parent(tmp_path: Path) -> None:
    parent = write(tmp_path / "base" / "parent.toml", edited("completion_probability = 0.6",
                                                             "completion_probability = 1.6"))
    child = write(tmp_path / "child.toml", 'extends = "base/parent.toml"\n[scenario]\nname = "child"\n')
    assert error_of(child) == (
        f"{parent}: pov.completion_probability: Input should be less than or equal to 1, got 1.6"
    )
    # ... and a child that overrides the bad value is fine.
    fixed = write(tmp_path / "fixed.toml", 'extends = "base/parent.toml"\n[pov]\ncompletion_probability = 0.5\n')
    assert load_scenario(fixed).pov.completion_probability == 0.5


def test_error_in_the_child_names_the_child(tmp_path: Path) -> None:
    write(tmp_path / "parent.toml", BASE_TEXT)
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[pov]\nsolution_engineers = 0\n')
    assert error_of(child) == f"{child}: pov.solution_engineers: Input should be greater than 0, got 0"


def test_shares_broken_by_a_partial_override_name_the_child(tmp_path: Path) -> None:
    write(tmp_path / "parent.toml", BASE_TEXT)
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[arrivals]\ntiers = { small = 0.6 }\n')
    assert error_of(child).startswith(f"{child}: arrivals.tiers: tier shares must sum to 1")


def test_a_fix_file_cannot_be_extended(tmp_path: Path) -> None:
    child = write(tmp_path / "child.toml", f'extends = "{FIXES[0]}"\n')
    assert error_of(child) == f"{FIXES[0]}: fix: this is a fix file; pass it with --fix on top of a scenario"


def test_extends_relative_path() -> None:
    # The shipped ML-company scenario extends the AI-startup one by a path relative to its own folder.
    scenario = load_scenario(SCENARIOS / "ml_company.toml")
    assert scenario.name == "ML company baseline"
    assert scenario.pov.solution_engineers == 2
    assert scenario.pov.completion_probability == 0.5
    assert scenario.data_quality.pass_probability == 0.7  # inherited
    assert scenario.arrivals.tiers.small == 0.5  # inherited inside a table the child partly overrides
    assert scenario.arrivals.channels.partner == 0.4


def test_extends_absolute_path(tmp_path: Path) -> None:
    child = write(tmp_path / "child.toml", f'extends = "{BASE.resolve()}"\n[pov]\nsolution_engineers = 4\n')
    scenario = load_scenario(child)
    assert scenario.pov.solution_engineers == 4
    assert scenario.pov.duration_days == Triangular(low=45, mode=60, high=90)


def test_extends_home_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "base.toml", BASE_TEXT)
    child = write(tmp_path / "elsewhere" / "child.toml", 'extends = "~/base.toml"\n')
    assert load_scenario(child).name == "AI startup baseline"


def test_multi_level_extends_with_overrides(tmp_path: Path) -> None:
    write(tmp_path / "a" / "grandparent.toml", BASE_TEXT)
    write(tmp_path / "b" / "parent.toml", 'extends = "../a/grandparent.toml"\n'
          "[pov]\nsolution_engineers = 3\ncompletion_probability = 0.7\n"
          "[negotiation]\nwin_probability = 0.5\n")
    child = write(tmp_path / "child.toml", 'extends = "b/parent.toml"\n'
                  '[scenario]\nname = "grandchild"\n[pov]\ncompletion_probability = 0.8\n')
    scenario = load_scenario(child)
    assert scenario.name == "grandchild"
    assert scenario.scenario.start_date == dt.date(2027, 1, 4)  # from the grandparent
    assert scenario.pov.solution_engineers == 3  # from the parent
    assert scenario.pov.completion_probability == 0.8  # the child wins
    assert scenario.negotiation.win_probability == 0.5
    assert scenario.negotiation.founder_required_probability == 0.8


def test_a_distribution_is_replaced_whole(tmp_path: Path) -> None:
    # Switching the kind must not leak the old kind's keys (low/mode/high into a fixed or lognormal).
    write(tmp_path / "parent.toml", BASE_TEXT)
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[pov]\n'
                  'duration_days = { dist = "fixed", value = 30 }\n'
                  'data_access_days = { dist = "uniform", low = 5, high = 15 }\n'
                  '[negotiation]\nduration_days = { dist = "lognormal", mean = 20, sd = 5 }\n')
    scenario = load_scenario(child)
    assert scenario.pov.duration_days == Fixed(value=30)
    assert scenario.pov.data_access_days == Uniform(low=5, high=15)
    assert scenario.negotiation.duration_days == LogNormal(mean=20, sd=5)


def test_an_array_is_replaced_whole(tmp_path: Path) -> None:
    write(tmp_path / "parent.toml", BASE_TEXT)
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n'
                  '[[pipeline.open]]\nstage = "validation"\ncount = 1\nage_days = 80\n')
    entries = load_scenario(child).pipeline.open
    assert [(e.stage, e.count) for e in entries] == [("validation", 1)]


# --- fixes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fix", FIXES, ids=lambda p: p.stem)
def test_shipped_fixes_load_on_both_baselines(fix: Path) -> None:
    for base in ("ai_startup.toml", "ml_company.toml"):
        scenario = load_scenario(SCENARIOS / base, [fix])
        (loaded,) = scenario.fixes
        assert loaded.source == str(fix) and loaded.name == fix.stem
        assert len(regimes(scenario)) == 2


def test_load_fix_alone() -> None:
    fix = load_fix(SCENARIOS / "fixes" / "self_serve_sandbox.toml")
    assert fix.start_day == 90
    # Relative ("a third shorter"): nothing absolute until it is stacked on a scenario.
    assert fix.patch == {} and fix.relative == {"pov": {"duration_days": {"scale": 0.67}}}
    assert not fix.resolved
    assert load_fix(SCENARIOS / "fixes" / "self_serve_sandbox.toml", offset_days=21).start_day == 111


def test_several_fixes_stack_in_start_day_order(tmp_path: Path) -> None:
    early = write(tmp_path / "early.toml", '[fix]\nname = "early"\nstart_day = 30\n[pov]\nsolution_engineers = 4\n')
    late = write(tmp_path / "late.toml", '[fix]\nname = "late"\nstart_day = 120\n'
                 "[pov]\nsolution_engineers = 5\ncompletion_probability = 0.9\n")
    middle = write(tmp_path / "middle.toml", '[fix]\nname = "middle"\nstart_day = 60\n'
                   "[pov]\ncompletion_probability = 0.75\n")
    scenario = load_scenario(BASE, [late, early, middle])  # given out of order
    timeline = regimes(scenario)
    assert [day for day, _ in timeline] == [0, 30, 60, 120]
    assert [(s.pov.solution_engineers, s.pov.completion_probability) for _, s in timeline] == [
        (3, 0.6), (4, 0.6), (4, 0.75), (5, 0.9),
    ]


def test_fixes_on_the_same_day_apply_in_the_order_given(tmp_path: Path) -> None:
    one = write(tmp_path / "one.toml", '[fix]\nname = "one"\nstart_day = 30\n[pov]\nsolution_engineers = 5\n')
    two = write(tmp_path / "two.toml", '[fix]\nname = "two"\nstart_day = 30\n[pov]\nsolution_engineers = 4\n')
    timeline = regimes(load_scenario(BASE, [one, two]))
    assert [(day, s.pov.solution_engineers) for day, s in timeline] == [(0, 3), (30, 4)]


def test_a_rule_broken_only_by_two_fixes_together_names_the_one_that_breaks_it(tmp_path: Path) -> None:
    # Each fix is fine on the base (churn 0.08 + contraction 0.10); together churn 0.6 + contraction 0.5 > 1.
    churn = write(tmp_path / "churn.toml", '[fix]\nname = "churn"\nstart_day = 200\n'
                  "[retention]\nchurn_90d_probability = 0.6\n")
    contraction = write(tmp_path / "contraction.toml", '[fix]\nname = "contraction"\nstart_day = 100\n'
                        "[retention]\ncontraction_90d_probability = 0.5\n")
    load_scenario(BASE, [churn])
    load_scenario(BASE, [contraction])
    # The churn fix starts later, so it is the one whose application breaks the rule, whatever the order given.
    for order in ([churn, contraction], [contraction, churn]):
        assert error_of(BASE, order) == (
            f"{churn}: retention: churn_90d_probability + contraction_90d_probability must not exceed 1 "
            f"(once stacked on {BASE})"
        )


def test_a_fix_cannot_change_arrivals(tmp_path: Path) -> None:
    fix = write(tmp_path / "fix.toml", '[fix]\nname = "more leads"\n[arrivals]\nrate_per_week = 5\n')
    message = error_of(BASE, [fix])
    assert message.startswith(f"{fix}: arrivals: a fix cannot change [arrivals]; fixes may change data_quality, pov")


def test_the_cro_playbook_delays_its_fixes(tmp_path: Path) -> None:
    write(tmp_path / "fixes" / "sandbox.toml", (SCENARIOS / "fixes" / "self_serve_sandbox.toml").read_text())
    path = write(tmp_path / "x.toml", edited("playbook = []", 'playbook = ["fixes/sandbox.toml"]'))
    extra = SCENARIOS / "fixes" / "extra_solution_engineer.toml"
    scenario = load_scenario(path, [extra])
    by_name = {f.name: f for f in scenario.fixes}
    assert by_name["self_serve_sandbox"].start_day == 90 + 21  # start_day + cro.start_delay_days
    assert by_name["self_serve_sandbox"].source == str(tmp_path / "fixes" / "sandbox.toml")
    assert by_name["extra_solution_engineer"].start_day == 60  # a --fix is not delayed
    timeline = regimes(scenario)
    assert [day for day, _ in timeline] == [0, 60, 111]
    # The playbook's sandbox is relative: a third off the POV in force when it starts.
    assert timeline[-1][1].pov.duration_days == scenario.pov.duration_days.scaled(0.67)


def test_playbook_paths_are_relative_to_the_file_that_names_them(tmp_path: Path) -> None:
    write(tmp_path / "base" / "fixes" / "sandbox.toml", (SCENARIOS / "fixes" / "self_serve_sandbox.toml").read_text())
    write(tmp_path / "base" / "parent.toml", edited("playbook = []", 'playbook = ["fixes/sandbox.toml"]'))
    child = write(tmp_path / "child.toml", 'extends = "base/parent.toml"\n')
    (fix,) = load_scenario(child).fixes
    assert fix.source == str(tmp_path / "base" / "fixes" / "sandbox.toml")


# --- pipeline.csv ------------------------------------------------------------------------------------------


DEALS_CSV = """\
id,tier,channel,arrived,pov_requested,data_access_granted,pov_started,pov_ended,negotiation_started,closed,\
outcome,acv
OPP-1,mid,partner,2026-11-01,2026-11-10,2026-11-25,2026-12-05,,,,open,90000
OPP-2,large,direct,2026-09-01,2026-09-10,2026-09-20,2026-09-25,2026-11-15,2026-12-25,,,
OPP-3,small,direct,2026-12-20,,,,,,,open,
OPP-4,small,direct,2026-06-01,2026-06-05,2026-06-20,2026-06-25,2026-08-20,2026-09-01,2026-10-01,won,30000
"""


def test_pipeline_csv_becomes_open_deals(tmp_path: Path) -> None:
    write(tmp_path / "crm" / "open.csv", DEALS_CSV)
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "crm/open.csv"\n')
    scenario = load_scenario(path)
    assert scenario.pipeline.csv == str(tmp_path / "crm" / "open.csv")
    from_csv = scenario.pipeline.open  # the base scenario has no [[pipeline.open]] counts of its own
    start = pd.Timestamp("2027-01-04")
    rows = [(e.id, e.stage, e.count, e.tier, e.channel, e.acv, e.age_days, e.days_in_stage) for e in from_csv]
    assert rows == [  # OPP-4 is closed: not open pipeline
        ("OPP-1", "pov", 1, "mid", "partner", 90000.0, (start - pd.Timestamp("2026-11-01")).days,
         (start - pd.Timestamp("2026-12-05")).days),
        ("OPP-2", "negotiation", 1, "large", "direct", None, (start - pd.Timestamp("2026-09-01")).days,
         (start - pd.Timestamp("2026-12-25")).days),
        ("OPP-3", "data_quality", 1, "small", "direct", None, 15.0, 15.0),
    ]


def test_pipeline_csv_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "open.csv"\n')
    assert error_of(path) == f"{path}: pipeline.csv: no such file {tmp_path / 'open.csv'}"


def test_pipeline_csv_with_a_bad_column(tmp_path: Path) -> None:
    write(tmp_path / "open.csv", "id,arrived\nOPP-1,last spring\n")
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "open.csv"\n')
    assert error_of(path).startswith(f"{path}: pipeline.csv: {tmp_path / 'open.csv'}: column 'arrived' is not")


def test_pipeline_csv_without_required_columns(tmp_path: Path) -> None:
    write(tmp_path / "open.csv", "tier\nsmall\n")
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "open.csv"\n')
    assert error_of(path) == f"{path}: pipeline.csv: {tmp_path / 'open.csv'}: missing column(s) id, arrived"


def test_pipeline_csv_deal_from_the_future(tmp_path: Path) -> None:
    write(tmp_path / "open.csv", "id,arrived\nOPP-9,2027-03-01\n")
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "open.csv"\n')
    assert error_of(path).startswith(f"{path}: pipeline.csv: {tmp_path / 'open.csv'}: arrived: deal OPP-9 arrived")


def test_pipeline_csv_stage_after_the_start_date(tmp_path: Path) -> None:
    write(tmp_path / "open.csv", "id,arrived,pov_started\nOPP-9,2026-12-01,2027-02-01\n")
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "open.csv"\n')
    assert error_of(path) == (
        f"{path}: pipeline.csv: {tmp_path / 'open.csv'}: days_in_stage: Input should be greater than or equal to 0, "
        "got -28.0"
    )


def test_pipeline_csv_deal_without_arrival_date(tmp_path: Path) -> None:
    write(tmp_path / "open.csv", "id,arrived\nOPP-9,\n")
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "open.csv"\n')
    assert error_of(path).startswith(f"{path}: pipeline.csv: {tmp_path / 'open.csv'}: arrived: ")


@pytest.mark.parametrize(
    ("rows", "key", "problem"),
    [
        ("OPP-1,2026-12-01,open\nOPP-1,2026-12-02,open\n", "id", "'OPP-1' appears more than once"),
        ("OPP-1,2026-12-01,maybe\n", "outcome", "has outcome 'maybe'"),
        (",2026-12-01,open\n", "id", "line 2 has no id"),
    ],
)
def test_pipeline_csv_rows_are_never_dropped_silently(tmp_path: Path, rows: str, key: str, problem: str) -> None:
    write(tmp_path / "open.csv", "id,arrived,outcome\n" + rows)
    path = write(tmp_path / "x.toml", BASE_TEXT + '\n[pipeline]\ncsv = "open.csv"\n')
    message = error_of(path)
    assert message.startswith(f"{path}: pipeline.csv: {tmp_path / 'open.csv'}: {key}: ") and problem in message


# --- the shipped files and the public API ------------------------------------------------------------------


@pytest.mark.parametrize("path", [*sorted(SCENARIOS.glob("*.toml")), FIXTURES / "tiny.toml"], ids=lambda p: p.stem)
def test_shipped_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario) and scenario.fixes == ()


def test_scenario_error_is_an_input_error() -> None:
    from simulation.errors import InputError

    assert issubclass(ScenarioError, InputError)
    assert str(ScenarioError("a\nb\x00c")) == "a\\nb\\x00c"
