"""The catalogue of bad scenario and fix files the issue lists, shared by the loader and command-line tests.

Each :class:`Bad` writes its files into a folder and says what the one-line error must name: the file (a path
relative to that folder), the dotted key and a fragment of the problem. Scenario cases edit a copy of the shipped
``ai_startup.toml`` (one replacement each, checked to apply); fix cases stack a fix file on the shipped scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import SCENARIOS

BASE = SCENARIOS / "ai_startup.toml"
BASE_TEXT = BASE.read_text(encoding="utf-8")
FIX_HEADER = '[fix]\nname = "bad_fix"\nstart_day = 30\n'


@dataclass(frozen=True)
class Bad:
    id: str
    key: str | None  # None: a problem with the whole file (empty, binary, missing), which has no key
    problem: str
    files: dict[str, str | bytes] = field(default_factory=dict)  # name -> content, written before loading
    scenario: str = "bad.toml"  # relative to the folder, or absolute (the shipped base for fix cases)
    fixes: tuple[str, ...] = ()
    named: str | None = None  # the file the message must name (default: the fix if any, else the scenario)

    def write(self, folder: Path) -> tuple[Path, list[Path]]:
        for name, content in self.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return folder / self.scenario, [folder / f for f in self.fixes]

    def prefix(self, folder: Path) -> str:
        """What the message must start with: ``file: key: `` (or ``file: `` for whole-file problems)."""
        named = self.named or (self.fixes[0] if self.fixes else self.scenario)
        return f"{folder / named}: " + (f"{self.key}: " if self.key else "")


def edited(old: str, new: str) -> str:
    """The shipped scenario with one exact replacement (fails loudly if the shipped file no longer has ``old``)."""
    assert BASE_TEXT.count(old) == 1, f"{old!r} is not (exactly once) in {BASE}"
    return BASE_TEXT.replace(old, new)


def scenario_case(id: str, old: str, new: str, key: str, problem: str) -> Bad:
    return Bad(id, key, problem, {"bad.toml": edited(old, new)})


def fix_case(id: str, body: str | bytes, key: str | None, problem: str, header: str = FIX_HEADER) -> Bad:
    content: str | bytes = body if isinstance(body, bytes) else header + body
    return Bad(id, key, problem, {"fix.toml": content}, scenario=str(BASE), fixes=("fix.toml",))


TRIANGULAR = 'duration_days = { dist = "triangular", low = 45, mode = 60, high = 90 }'

SCENARIO_CASES: list[Bad] = [
    scenario_case("malformed_toml", "rate_per_week = 2.25", "rate_per_week = = 2.25", "arrivals.rate_per_week",
                  "malformed TOML at line 16, column 17: Invalid value"),
    scenario_case("unknown_key", "completion_probability = 0.6", "completion_probability = 0.6\nspeed = 3",
                  "pov.speed", "unknown key"),
    scenario_case("misspelt_key", "completion_probability = 0.6", "completion_probabilty = 0.6",
                  "pov.completion_probabilty", "unknown key (did you mean 'completion_probability'?)"),
    scenario_case("misspelt_section", "[validation]", "[validaton]", "validaton",
                  "unknown key (did you mean 'validation'?)"),
    scenario_case("misspelt_distribution_parameter", TRIANGULAR,
                  'duration_days = { dist = "triangular", low = 45, mod = 60, high = 90 }', "pov.duration_days.mod",
                  "unknown key (did you mean 'mode'?) (a triangular distribution takes low, mode, high)"),
    scenario_case("wrong_type_string", "solution_engineers = 3 ", 'solution_engineers = "two" ',
                  "pov.solution_engineers", 'Input should be a valid integer, got "two"'),
    scenario_case("wrong_type_bool", "completion_probability = 0.6", "completion_probability = true",
                  "pov.completion_probability", "Input should be a valid number, got true"),
    scenario_case("wrong_type_numeric_string", "completion_probability = 0.6", 'completion_probability = "0.6"',
                  "pov.completion_probability", 'Input should be a valid number, got "0.6"'),
    scenario_case("wrong_type_float_for_integer", "solution_engineers = 3 ", "solution_engineers = 2.5 ",
                  "pov.solution_engineers", "Input should be a valid integer, got 2.5"),
    scenario_case("wrong_type_table", "tiers = { small = 0.5, mid = 0.35, large = 0.15 }", 'tiers = "small"',
                  "arrivals.tiers", 'expected a table, got "small"'),
    scenario_case("wrong_type_date", "start_date = 2027-01-04", 'start_date = "next Monday"', "scenario.start_date",
                  'Input should be a valid date, got "next Monday"'),
    scenario_case("missing_key", "win_probability = 0.6\n", "", "negotiation.win_probability",
                  "required key is missing"),
    scenario_case("probability_above_one", "completion_probability = 0.6", "completion_probability = 1.3",
                  "pov.completion_probability", "Input should be less than or equal to 1, got 1.3"),
    scenario_case("probability_below_zero", "pass_probability = 0.7", "pass_probability = -0.1",
                  "data_quality.pass_probability", "Input should be greater than or equal to 0, got -0.1"),
    scenario_case("probability_nan", "completion_probability = 0.6", "completion_probability = nan",
                  "pov.completion_probability", "Input should be a finite number, got nan"),
    scenario_case("negative_duration", TRIANGULAR, 'duration_days = { dist = "triangular", low = -5, mode = 60, '
                  'high = 90 }', "pov.duration_days.low", "Input should be greater than or equal to 0, got -5"),
    scenario_case("inverted_uniform_range", "return_after_days = { dist = \"uniform\", low = 60, high = 120 }",
                  "return_after_days = { dist = \"uniform\", low = 120, high = 60 }", "data_quality.return_after_days",
                  "inverted range: high (60) < low (120)"),
    scenario_case("inverted_triangular_range", TRIANGULAR,
                  'duration_days = { dist = "triangular", low = 90, mode = 60, high = 45 }', "pov.duration_days",
                  "needs low <= mode <= high"),
    scenario_case("tier_shares", "large = 0.15 }", "large = 0.25 }", "arrivals.tiers",
                  "tier shares must sum to 1, got small 0.5 + mid 0.35 + large 0.25 = 1.1"),
    scenario_case("channel_shares", "partner = 0.2 }", "partner = 0.1 }", "arrivals.channels",
                  "channel shares must sum to 1, got direct 0.8 + partner 0.1 = 0.9"),
    scenario_case("scorecard_weight_shares", "factor_cap = 1.5", "factor_cap = 1.5\nweight_grr = 0.5", "comp",
                  "scorecard weight shares must sum to 1"),
    scenario_case("unknown_distribution", TRIANGULAR,
                  'duration_days = { dist = "triangle", low = 45, mode = 60, high = 90 }', "pov.duration_days",
                  "unknown distribution \"triangle\" (did you mean 'triangular'?) (use one of empirical, "),
    scenario_case("distribution_without_dist", TRIANGULAR, "duration_days = { low = 45, mode = 60, high = 90 }",
                  "pov.duration_days", "a distribution needs a 'dist' key"),
    scenario_case("distribution_as_number", TRIANGULAR, "duration_days = 60", "pov.duration_days",
                  'expected a distribution table such as { dist = "fixed", value = 60 }, got 60'),
    scenario_case("open_deal_stage", "[cro]\n", '[[pipeline.open]]\nstage = "povs"\ncount = 1\nage_days = 9\n\n[cro]\n',
                  "pipeline.open[0].stage",
                  "got \"povs\" (did you mean 'pov'?)"),
    scenario_case("staff_ramp_share_above_one", "[cro]\n", "[staff]\nramp_start_share = 1.5\n\n[cro]\n",
                  "staff.ramp_start_share", "Input should be less than or equal to 1, got 1.5"),
    scenario_case("staff_hire_role", "[cro]\n", '[staff]\nhires = [{ role = "engineers", day = 10 }]\n\n[cro]\n',
                  "staff.hires[0].role", "got \"engineers\" (did you mean 'solution_engineers'?)"),
    scenario_case("staff_holiday_outside_the_run", "[cro]\n", "[staff]\nholidays = [2030-01-01]\n\n[cro]\n",
                  "staff.holidays", "holiday 2030-01-01 is outside the run (2027-01-04 plus 546 days)"),
    # Bounds that keep a hostile [staff] from asking for unbounded work: tenures of minutes, vacations in
    # microsecond blocks, endless holiday lists.
    scenario_case("staff_tenure_under_a_month", "[cro]\n", "[staff]\nmean_tenure_months = 0.001\n\n[cro]\n",
                  "staff.mean_tenure_months", "Input should be greater than or equal to 1, got 0.001"),
    scenario_case("staff_vacation_block_under_a_day", "[cro]\n",
                  "[staff]\nvacation_days_per_year = 20\nvacation_block_days = 1e-6\n\n[cro]\n",
                  "staff.vacation_block_days", "Input should be greater than or equal to 1, got 1e-06"),
    scenario_case("staff_too_many_holidays", "[cro]\n",
                  "[staff]\nholidays = [" + ", ".join(["1"] * 1001) + "]\n\n[cro]\n",
                  "staff.holidays", "takes at most 1000 value(s), got 1001"),
    scenario_case("staff_vacation_below_half_a_block", "[cro]\n", "[staff]\nvacation_days_per_year = 2\n\n[cro]\n",
                  "staff", "vacation_days_per_year = 2 is less than half a block"),
    scenario_case("fixes_written_in_a_scenario", "[scenario]\n", "fixes = []\n[scenario]\n", "fixes",
                  "unknown key (fixes come from --fix or cro.playbook)"),
    # [billing] (simulation.billing): the shipped scenario turns it on.
    scenario_case("billing_without_balance", "starting_balance = 4000000 ", "", "billing.starting_balance",
                  "required key is missing"),
    scenario_case("billing_terms", 'terms = "annual" ', 'terms = "weekly" ', "billing.terms",
                  "Input should be 'annual', 'quarterly' or 'monthly'"),
    scenario_case("billing_bad_debt_above_one", "bad_debt_probability = 0.02", "bad_debt_probability = 2",
                  "billing.bad_debt_probability", "Input should be less than or equal to 1, got 2"),
    scenario_case("billing_upfront_with_usage", "[billing]\n",
                  '[usage]\npricing = "per_model"\ngo_live_days = { dist = "fixed", value = 30 }\n\n[billing]\n',
                  "billing.in_arrears", "usage pricing ([usage]) is billed in arrears, for what was used: set "
                  "in_arrears = true"),
    scenario_case("billing_negative_burn", "other_burn_per_month = 120000", "other_burn_per_month = -5",
                  "billing.other_burn_per_month", "Input should be greater than or equal to 0, got -5"),
    Bad("extends_missing", "extends", "no such file", {"bad.toml": 'extends = "nowhere.toml"\n'}),
    Bad("extends_not_a_string", "extends", "must be a file path (string), got 3", {"bad.toml": "extends = 3\n"}),
    Bad("extends_circular", "extends", "circular extends", {
        "bad.toml": 'extends = "a.toml"\n', "a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n',
    }, named="b.toml"),
    Bad("extends_itself", "extends", "circular extends", {"bad.toml": 'extends = "bad.toml"\n'}),
    Bad("extends_a_folder", "extends", "is not a file", {"bad.toml": 'extends = "sub"\n', "sub/x.toml": "a = 1\n"}),
    Bad("empty_file", None, "file is empty", {"bad.toml": ""}),
    Bad("blank_file", None, "file is empty", {"bad.toml": "\n  \n\t\n"}),
    Bad("binary_file", None, "binary file, not TOML text", {"bad.toml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}),
    Bad("not_utf8", None, "not UTF-8 text", {"bad.toml": 'name = "caf\xe9"\n'.encode("latin-1")}),
    Bad("missing_file", None, "no such file", {}),
    Bad("a_folder", None, "is a directory", {"bad.toml/x.toml": "a = 1\n"}),
    Bad("a_fix_as_scenario", "fix", "this is a fix file", {"bad.toml": FIX_HEADER}),
]

FIX_CASES: list[Bad] = [
    fix_case("malformed_toml", "[pov]\ncompletion_probability = 0.7 0.8\n", "pov.completion_probability",
             "malformed TOML at line 5, column 30"),
    fix_case("unknown_key", "[pov]\nspeed = 3\n", "pov.speed", "unknown key"),
    fix_case("misspelt_key", "[pov]\ncompletion_probabilty = 0.7\n", "pov.completion_probabilty",
             "unknown key (did you mean 'completion_probability'?)"),
    fix_case("misspelt_section", "[povv]\ncompletion_probability = 0.7\n", "povv", "unknown key (did you mean 'pov'?)"),
    fix_case("misspelt_header_key", "", "fix.start", "unknown key (did you mean 'start_day'?)",
             header='[fix]\nname = "x"\nstart = 30\n'),
    fix_case("wrong_type_string", '[pov]\nsolution_engineers = "three"\n', "pov.solution_engineers",
             'Input should be a valid integer, got "three"'),
    fix_case("wrong_type_bool", "[pov]\ncompletion_probability = false\n", "pov.completion_probability",
             "Input should be a valid number, got false"),
    fix_case("wrong_type_header", "", "fix.name", "Input should be a valid string, got 3", header="[fix]\nname = 3\n"),
    fix_case("probability_above_one", "[pov]\ncompletion_probability = 1.3\n", "pov.completion_probability",
             "Input should be less than or equal to 1, got 1.3"),
    fix_case("probability_below_zero", "[negotiation]\nwin_probability = -0.2\n", "negotiation.win_probability",
             "Input should be greater than or equal to 0, got -0.2"),
    fix_case("negative_duration", '[pov]\nduration_days = { dist = "uniform", low = -3, high = 40 }\n',
             "pov.duration_days.low", "Input should be greater than or equal to 0, got -3"),
    fix_case("inverted_range", '[pov]\nduration_days = { dist = "uniform", low = 60, high = 30 }\n',
             "pov.duration_days", "inverted range: high (30) < low (60)"),
    fix_case("negative_start_day", "", "fix.start_day", "Input should be greater than or equal to 0, got -5",
             header='[fix]\nname = "x"\nstart_day = -5\n'),
    fix_case("start_day_beyond_horizon", "[pov]\ncompletion_probability = 0.7\n", "fix.start_day",
             "600 is beyond the horizon (546 days) of", header='[fix]\nname = "x"\nstart_day = 600\n'),
    fix_case("shares_in_arrivals", "[arrivals]\ntiers = { small = 0.5, mid = 0.5, large = 0.5 }\n", "arrivals",
             "a fix cannot change [arrivals]"),
    fix_case("arrivals_rate", "[arrivals]\nrate_per_week = 4\n", "arrivals", "a fix cannot change [arrivals]"),
    fix_case("tiers", '[tiers.small]\nacv = { dist = "fixed", value = 1 }\n', "tiers", "a fix cannot change [tiers]"),
    fix_case("unknown_distribution", '[pov]\nduration_days = { dist = "normal", mean = 40, sd = 5 }\n',
             "pov.duration_days", "unknown distribution \"normal\" (did you mean 'lognormal'?)"),
    fix_case("distribution_without_dist", "[pov]\nduration_days = { low = 30, high = 60 }\n", "pov.duration_days",
             "a distribution needs a 'dist' key"),
    fix_case("distribution_keys_of_another_kind", '[pov]\nduration_days = { dist = "uniform", low = 30, mode = 40, '
             "high = 60 }\n", "pov.duration_days.mode", "unknown key (a uniform distribution takes low, high)"),
    fix_case("extends", 'extends = "other.toml"\n', "extends", "a fix cannot extend another file", header=""),
    fix_case("missing_header", "[pov]\ncompletion_probability = 0.7\n", "fix", "required key is missing", header=""),
    fix_case("a_scenario_as_fix", BASE_TEXT, "fix", "this is a scenario file, not a fix", header=""),
    fix_case("staff_other_than_hires", "[staff]\nmean_tenure_months = 12\n", "staff.mean_tenure_months",
             "a fix may only add hires to [staff]"),
    fix_case("staff_hire_without_role", "[staff]\nhires = [{ day = 3 }]\n", "staff.hires[0].role",
             "required key is missing"),
    fix_case("staff_no_hires", "[staff]\nhires = []\n", "staff.hires", "needs at least 1 value(s), got 0"),
    fix_case("stacked_cross_field_rule", "[retention]\nchurn_90d_probability = 0.95\n", "retention",
             "churn_90d_probability + contraction_90d_probability must not exceed 1 (once stacked on "),
    # relative values ({ add = N }, { scale = K }): the operator, its number, and what it gives once stacked
    fix_case("relative_unknown_operator", "[pov]\nsolution_engineers = { mul = 2 }\n", "pov.solution_engineers",
             "unknown operator 'mul': a relative value is { add = N } or { scale = K }"),
    fix_case("relative_misspelt_operator", "[pov]\nduration_days = { scal = 0.7 }\n", "pov.duration_days.scal",
             "unknown key (did you mean 'scale'?)"),
    fix_case("relative_two_operators", "[pov]\ncompletion_probability = { add = 0.1, scale = 2 }\n",
             "pov.completion_probability", "give one operator, add or scale, not both"),
    fix_case("relative_empty_table", "[pov]\ncompletion_probability = {}\n", "pov.completion_probability",
             "empty table"),
    fix_case("relative_scale_zero", "[pov]\nduration_days = { scale = 0 }\n", "pov.duration_days.scale",
             "must be greater than 0"),
    fix_case("relative_scale_negative", "[negotiation]\nfounder_meetings_per_week = { scale = -2 }\n",
             "negotiation.founder_meetings_per_week.scale", "must be greater than 0"),
    fix_case("relative_scale_infinite", "[pov]\nduration_days = { scale = inf }\n", "pov.duration_days.scale",
             "must be a finite number, got inf"),
    fix_case("relative_add_nan", "[pov]\ncompletion_probability = { add = nan }\n",
             "pov.completion_probability.add", "must be a finite number, got nan"),
    fix_case("relative_add_text", '[pov]\nsolution_engineers = { add = "one" }\n', "pov.solution_engineers.add",
             'must be a number, got "one"'),
    fix_case("relative_add_on_a_distribution", "[pov]\nduration_days = { add = -10 }\n", "pov.duration_days.add",
             "a distribution cannot be added to; scale it instead"),
    fix_case("relative_fractional_add_on_a_count", "[pov]\nsolution_engineers = { add = 1.5 }\n",
             "pov.solution_engineers.add", "must be a whole number (the key counts people or things), got 1.5"),
    fix_case("relative_result_breaks_a_rule", "[pov]\nsolution_engineers = { add = -1000 }\n",
             "pov.solution_engineers", "Input should be greater than 0, got "),
    fix_case("relative_result_breaks_a_cross_field_rule", "[retention]\nchurn_90d_probability = { add = 1 }\n"
             "contraction_90d_probability = { add = 1 }\n", "retention",
             "churn_90d_probability + contraction_90d_probability must not exceed 1"),
    fix_case("relative_result_too_extreme", "[pov]\ndata_access_days = { scale = 1e308 }\n",
             "pov.data_access_days.mean", "Input should be a finite number, got inf"),
    fix_case("relative_on_a_choice", '[data_quality]\non_fail = { add = 1 }\n', "data_quality.on_fail",
             "Input should be 'educate' or 'disqualify'"),
    fix_case("empty_file", b"", None, "file is empty"),
    fix_case("binary_file", b"\x00\x01\x02\x03", None, "binary file, not TOML text"),
    Bad("missing_file", None, "no such file", {}, scenario=str(BASE), fixes=("nowhere.toml",)),
]

ALL_CASES: list[tuple[str, Bad]] = [("scenario", c) for c in SCENARIO_CASES] + [("fix", c) for c in FIX_CASES]
