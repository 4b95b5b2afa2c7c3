"""A recommended fix that sets absolute values (a policy written for one company) is flagged; a relative one is
not."""

from __future__ import annotations

from analysis.plan.fixes import absolute_caveat
from analysis.report.fix_library import load_library
from simulation.loader import load_fix, load_scenario
from tests.conftest import BASE, SCENARIOS


def test_only_a_fix_with_absolute_values_gets_the_caveat() -> None:
    options = {o.name: o for o in load_library(SCENARIOS / "fixes", load_scenario(BASE))}
    policy = options["founder_out_of_final_meeting"]
    text = absolute_caveat(policy, load_fix(policy.source))
    assert "negotiation.founder_required_probability" in text and "80 % -> 20 %" in text
    sandbox = options["self_serve_sandbox"]
    assert absolute_caveat(sandbox, load_fix(sandbox.source)) == ""
