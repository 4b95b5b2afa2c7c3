"""Parameter draws: per replication from its own seed, the same in every variant, with the recorded spread.

Statistical checks use 4 standard errors of the estimate (n draws): a mean's SE is sd / sqrt(n), an SD's about
sd / sqrt(2 n), a correlation's about (1 - r^2) / sqrt(n).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import simulate
from simulation.backends import make_backend
from simulation.cli import main
from simulation.engine import run
from simulation.errors import InputError
from simulation.loader import load_scenario
from simulation.parameter_draw import describe, drawn_values, switched, with_parameter_draw
from simulation.randomness import replication_seeds
from simulation.replications import ResumeError, manifest_for, outcome_counts, run_replications
from simulation.scenario import Scenario
from simulation.uncertainty import ParameterUncertainty, transform
from tests.conftest import BASE, FIXES

SECTION = ParameterUncertainty(
    parameters=("arrivals.rate_per_week", "pov.duration_days.scale", "negotiation.win_probability",
                "negotiation.duration_days.mean"),
    scales=("log", "log", "logit", "log"),
    se=(0.1, 0.15, 0.3, 0.05),
    correlation=((1, 0, 0.5, 0), (0, 1, 0, 0), (0.5, 0, 1, 0), (0, 0, 0, 1)),
)
SANDBOX = next(f for f in FIXES if f.stem == "self_serve_sandbox")
REPS = 6
SEED = 11


def _short(scenario: Scenario) -> Scenario:
    return scenario.model_copy(update={"scenario": scenario.scenario.model_copy(update={"horizon_days": 120})})


@pytest.fixture(scope="module")
def base() -> Scenario:
    return _short(load_scenario(BASE))


@pytest.fixture(scope="module")
def uncertain(base: Scenario) -> Scenario:
    return base.model_copy(update={"uncertainty": SECTION})


def test_a_scenario_without_the_section_is_left_alone(base: Scenario) -> None:
    assert with_parameter_draw(base, 3) is base
    assert describe(base) == "simulation noise only (parameters fixed)"


def test_switching_off_gives_the_results_of_a_scenario_without_the_section(base: Scenario, uncertain: Scenario) -> None:
    off = run_replications(switched(uncertain, False), SEED, REPS, outcome_counts).kpis
    plain = run_replications(base, SEED, REPS, outcome_counts).kpis
    on = run_replications(uncertain, SEED, REPS, outcome_counts).kpis
    pd.testing.assert_frame_equal(off, plain)
    assert not on.equals(plain)  # the draws do change the outcome
    with pytest.raises(InputError, match="no \\[uncertainty\\] section"):
        switched(base, True)


def test_draws_have_the_recorded_spread_and_correlation(uncertain: Scenario) -> None:
    n = 1500
    values = drawn_values(uncertain, replication_seeds(5, n))
    base = [uncertain.arrivals.rate_per_week, uncertain.pov.duration_days.mean,
            uncertain.negotiation.win_probability, uncertain.negotiation.duration_days.mean]
    z = np.column_stack([[transform(scale, v) - transform(scale, b) for v in values[:, k]]
                         for k, (scale, b) in enumerate(zip(SECTION.scales, base, strict=True))])
    for k, se in enumerate(SECTION.se):
        assert abs(z[:, k].mean()) <= 4 * se / math.sqrt(n)
        assert abs(z[:, k].std(ddof=1) - se) <= 4 * se / math.sqrt(2 * n)
    r = np.corrcoef(z[:, 0], z[:, 2])[0, 1]
    assert abs(r - 0.5) <= 4 * (1 - 0.25) / math.sqrt(n)
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) <= 4 / math.sqrt(n)


def test_replication_k_draws_the_same_parameters_in_every_variant_and_fixes_apply_on_top(
        uncertain: Scenario) -> None:
    fixed = _short(load_scenario(BASE, [SANDBOX])).model_copy(update={"uncertainty": SECTION})
    seed = replication_seeds(SEED, 3)[2]
    plain, with_fix = with_parameter_draw(uncertain, seed), with_parameter_draw(fixed, seed)
    assert plain == with_parameter_draw(uncertain, seed)  # the seed alone decides
    assert plain.pov.duration_days != uncertain.pov.duration_days
    for section in ("arrivals", "pov", "negotiation"):
        assert getattr(plain, section) == getattr(with_fix, section)
    patched = with_fix.fixes[0].patch["pov"]["duration_days"]  # { scale = 0.67 }, resolved on the drawn POV
    assert patched["high"] == pytest.approx(plain.pov.duration_days.high * 0.67)
    assert patched["high"] != pytest.approx(uncertain.pov.duration_days.high * 0.67)


def test_the_draw_leaves_the_other_random_streams_alone(base: Scenario) -> None:
    """A draw of stage parameters only: the same prospects (arrival times, tiers, sizes) as without it."""
    only_stages = ParameterUncertainty(parameters=("negotiation.win_probability",), scales=("logit",), se=(0.3,),
                                       correlation=((1,),))
    seed = replication_seeds(SEED, 1)[0]
    drawn = simulate(with_parameter_draw(base.model_copy(update={"uncertainty": only_stages}), seed), seed).deals
    plain = simulate(base, seed).deals
    pd.testing.assert_frame_equal(drawn[["id", "arrived", "tier", "channel", "acv"]],
                                  plain[["id", "arrived", "tier", "channel", "acv"]])


def test_results_depend_on_the_seed_only(uncertain: Scenario, tmp_path: Path) -> None:
    reference = run_replications(uncertain, SEED, REPS, outcome_counts, batch_size=4).kpis
    pd.testing.assert_frame_equal(run_replications(uncertain, SEED, REPS, outcome_counts, batch_size=1).kpis,
                                  reference)
    with make_backend("process", 2) as backend:
        parallel = run_replications(uncertain, SEED, REPS, outcome_counts, backend=backend, batch_size=2,
                                    store=tmp_path / "p2")
    pd.testing.assert_frame_equal(parallel.kpis, reference)
    child = replication_seeds(SEED, REPS)[3]
    direct = outcome_counts(uncertain, run(with_parameter_draw(uncertain, child), child)).kpis
    row = reference.loc[reference["replication"] == 3].iloc[0]
    assert {k: row[k] for k in direct} == dict(direct)


def test_the_manifest_records_the_setting_and_resume_checks_it(base: Scenario, uncertain: Scenario,
                                                               tmp_path: Path) -> None:
    assert manifest_for(uncertain, SEED, 2, 1, outcome_counts)["parameter_uncertainty"] is True
    assert manifest_for(base, SEED, 2, 1, outcome_counts)["parameter_uncertainty"] is False
    run_replications(uncertain, SEED, 2, outcome_counts, store=tmp_path)
    with pytest.raises(ResumeError):
        run_replications(base, SEED, 2, outcome_counts, store=tmp_path, resume=True)


BAD_SECTIONS = [
    ('parameters = ["pov.solution_engineers"]\nscales = ["log"]\nse = [0.1]\ncorrelation = [[1.0]]',
     "uncertainty.parameters.0: pov.solution_engineers: a count"),
    ('parameters = ["pov.completion_probability"]\nscales = ["logit"]\nse = [0.1]\ncorrelation = [[1.0]]',
     "cannot be put on the logit scale"),
    ('parameters = ["pov.duration_days.mean"]\nscales = ["log"]\nse = [0.1]\ncorrelation = [[1.0]]',
     "triangular distribution has no mean to draw"),
    ('parameters = ["spend.marketing_per_month"]\nscales = ["log"]\nse = [0.1]\ncorrelation = [[1.0]]',
     "not a parameter of"),
    ('parameters = ["arrivals.rate_per_week"]\nscales = ["log"]\nse = [0.1, 0.2]\ncorrelation = [[1.0]]',
     "se has 2 entries for 1 parameters"),
    ('parameters = ["arrivals.rate_per_week", "negotiation.win_probability"]\nscales = ["log", "logit"]\n'
     'se = [0.1, 0.2]\ncorrelation = [[1.0, 0.5], [0.1, 1.0]]', "must be symmetric"),
]


@pytest.mark.parametrize(("body", "message"), BAD_SECTIONS)
def test_a_bad_section_is_one_line_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str,
                                                  message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{BASE}"\n[pov]\ncompletion_probability = 1.0\n[uncertainty]\n{body}\n',
                    encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err and len(err.strip().splitlines()) == 1, err
