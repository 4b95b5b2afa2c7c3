"""Section 6: the company's own CRO terms for its kind and the shipped ones for the other; fees are the CRO cost
calculator's; the NNARR difference is the paired one of the two runs, whose playbooks start with their CRO."""

from __future__ import annotations

import pytest

from analysis.kpi.cro_cost import cost_for
from analysis.montecarlo.compare import paired_delta
from analysis.plan.cro_choice import cro_choice, options, with_cro
from analysis.plan.runs import Runs
from simulation.loader import load_scenario
from tests.conftest import BASE, FIXES, FIXTURES, SCENARIOS

ENGINEER = next(p for p in FIXES if p.stem == "extra_solution_engineer")


def test_the_company_keeps_its_own_terms_for_its_kind() -> None:
    """The fractional base keeps its [cro]; the full-time terms are the shipped variant's (read from the file, so
    an edit there is what the plan weighs), its playbook left out and the plan's fixes started 70 days later."""
    base = load_scenario(BASE)
    terms = options(base)
    assert terms["fractional"] == base.cro.model_copy(update={"playbook": ()})
    full_time = load_scenario(SCENARIOS / "variants" / "full_time_cro_playbook.toml").cro
    assert terms["full_time"] == full_time.model_copy(update={"playbook": ()})
    assert (terms["full_time"].retainer_per_month, terms["full_time"].start_delay_days) == (45000, 70)
    assert [f.start_day for f in with_cro(base, terms["full_time"], [ENGINEER]).fixes] == [60 + 70]


def test_a_full_time_company_is_weighed_against_the_shipped_fractional_terms() -> None:
    full_time = load_scenario(SCENARIOS / "variants" / "full_time_cro_playbook.toml")
    terms = options(full_time)
    assert terms["full_time"] == full_time.cro.model_copy(update={"playbook": ()})
    assert terms["fractional"] == load_scenario(BASE).cro.model_copy(update={"playbook": ()})


def test_fees_and_the_paired_difference() -> None:
    scenario = load_scenario(FIXTURES / "engineer_bound.toml")
    runs = Runs(seed=4, reps=10)
    section = cro_choice(scenario, [ENGINEER], runs)
    table = section.table
    assert table is not None
    for row in table.itertuples():
        assert row.fees_12m == pytest.approx(cost_for(options(scenario)[row.option], months=12).fees)
    fractional, full = (runs.done[f"cro:{k}"].kpis["nnarr_12m"].to_numpy(dtype=float)
                        for k in ("fractional", "full_time"))
    expected = paired_delta(fractional, full)
    assert table["full_time_minus_fractional_nnarr_12m_mean_delta"].iloc[1] == pytest.approx(expected["mean_delta"])
    assert table["full_time_minus_fractional_nnarr_12m_ci_low"].iloc[1] == pytest.approx(expected["ci_low"])
    assert "10 paired replications" in section.headline
    # the full-time CRO's engineer starts 49 days later: fewer POVs in the first year, never more
    assert expected["mean_delta"] < 0 and expected["ci_high"] < 0
    assert section.headline.startswith("Choose a fractional CRO")
