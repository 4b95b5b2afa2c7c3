"""What people read: fixes named in their own words, no "-0 %" (issue 11, defect 13)."""

from __future__ import annotations

import pandas as pd

from analysis.commands.forecast import console_summary, fix_words
from analysis.commands.kpis import format_value
from simulation.loader import load_scenario
from tests.conftest import ROOT

FIX = ROOT / "scenarios" / "fixes" / "extra_solution_engineer.toml"


def test_a_fix_is_named_by_its_summary_not_its_file_name():
    scenario = load_scenario(ROOT / "scenarios" / "ai_startup.toml", [FIX])
    assert fix_words(scenario.fixes[0]) == "Hire one more solution engineer"
    summary = pd.DataFrame(columns=["metric", "p10", "p50", "p90", "half_width", "mean", "rule", "target",
                                    "p_target"])
    first_line = console_summary(scenario, summary, 10, 1).splitlines()[0]
    assert first_line == "AI startup baseline + Hire one more solution engineer | 10 replications | seed 1"


def test_a_value_that_rounds_to_zero_has_no_sign():
    assert format_value(-0.0004, "pct") == "0.0%"
    assert format_value(-0.004, "days") == "0.0"
    assert format_value(-0.2, "usd") == "$0"
    assert format_value(-0.25, "pct") == "-25.0%"
