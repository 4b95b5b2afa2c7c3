"""Fixes on what an export does not show: a fix that changes only parameters the export does not identify is not
weighed (its effect would be the placeholder's: a founder policy against "no founder queue" reads as a loss), and a
fix that scales a parameter fitted over several stages is weighed as an upper bound and never recommended."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from analysis.plan.fixes import FixPlan, fixes
from analysis.plan.runs import Runs
from analysis.report.fix_library import default_library
from simulation.loader import load_scenario
from tests.conftest import FIXTURES

ASSUMED = "their number is assumed"
STRETCH = "fitted over data access, the POV as one stretch"
ENGINEER_FIXES = {"extra_solution_engineer", "hire_engineer_now", "hire_engineer_after_cro"}


@lru_cache(maxsize=1)
def _planned() -> FixPlan:
    unseen = {("pov", "solution_engineers"): ASSUMED, ("pov", "povs_per_engineer"): ASSUMED}
    carried = {("pov", "duration_days"): STRETCH}
    return fixes(load_scenario(FIXTURES / "engineer_bound.toml"), default_library(), Runs(3, 6), unseen, carried)


def test_a_fix_on_unseen_parameters_only_is_not_weighed_and_says_why() -> None:
    plan = _planned()
    assert plan.section.table is not None
    assert not ENGINEER_FIXES & set(plan.section.table["fix"])
    for name in ENGINEER_FIXES:
        assert f"{name}: not weighed: {ASSUMED}" in plan.section.caveats
    assert not any("engineer" in path for path in plan.recommended)


def test_a_fix_on_a_carried_parameter_is_an_upper_bound_and_not_recommended() -> None:
    plan = _planned()
    table = plan.section.table
    assert table is not None
    sandbox = table.set_index("fix").loc["self_serve_sandbox"]
    assert bool(sandbox["upper_bound"]) and STRETCH in str(sandbox["rests_on"])
    assert float(sandbox["delta_low"]) > 0  # it leads, clearly above zero: as a weighed fix it would be recommended
    assert not any(path.endswith("self_serve_sandbox.toml") for path in plan.recommended)
    assert plan.section.headline.startswith("No fix can be recommended from this export")
    assert "best: Self-serve sandbox, at most +$" in plan.section.headline
    line = next(x for x in plan.section.lines if x.split(". ", 1)[-1].startswith("Self-serve sandbox"))
    assert ": at most " in line and "upper bound" in line
    # a fix on a stage the export dates on its own is weighed as before
    assert not bool(table.set_index("fix").loc["simplified_pov", "upper_bound"])


def test_an_absolute_value_on_a_carried_parameter_is_not_weighed(tmp_path: Path) -> None:
    """A fix setting the POV to a fixed 20 days, where the export fits the POV and data access as one stretch:
    one stage's value for the whole stretch is neither an estimate nor a bound, so the fix is not weighed."""
    (tmp_path / "fixed_pov.toml").write_text('[fix]\nname = "fixed_pov"\nstart_day = 0\n\n'
                                             '[pov]\nduration_days = { dist = "fixed", value = 20 }\n')
    plan = fixes(load_scenario(FIXTURES / "engineer_bound.toml"), tmp_path, Runs(3, 2), {},
                 {("pov", "duration_days"): STRETCH})
    why = f"pov.duration_days is {STRETCH}: it cannot take one stage's absolute value"
    assert f"fixed_pov: not weighed: {why}" in plan.section.caveats
    assert plan.section.table is None and plan.recommended == ()
