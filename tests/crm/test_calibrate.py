"""Calibration: the fits recover known parameters within confidence intervals from their standard errors.

Round trips: simulate a known scenario, export its deals as a CRM CSV (Salesforce-style dates only; HubSpot-style
with a date per stage), import, calibrate, and check every recovered parameter against the truth. Each check
uses a two-sided interval at z = Phi^-1(1 - 0.05 / (2 k)) for k checks in the test (Bonferroni: 95 % for the
test as a whole); the seeds are fixed, the tolerances are never tuned by hand.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.crm.calibrate import CalibrationError, calibrate
from analysis.crm.calibration_scenario import write_scenario
from analysis.crm.exports import export_deals, import_deals
from analysis.crm.fitting import (
    FAMILIES,
    Durations,
    Estimate,
    empirical_passed,
    fit_arrivals,
    fit_exits,
    fit_family,
    select_family,
)
from analysis.crm.mapping import load_mapping
from simulation import load_scenario, simulate
from simulation.cli import main
from tests.conftest import BASE, MAPPINGS, MAVEN, OLIST, ROOT

START = pd.Timestamp("2027-01-04")

ONE_STRETCH = """
[scenario]
name = "round trip: created and closed dates only"
start_date = 2027-01-04
horizon_days = 365
warmup_days = 0  # the export starts with the company (a warm-up's stragglers would stretch the window)
[arrivals]
rate_per_week = 40.0
[data_quality]
check_days = { dist = "fixed", value = 0 }
pass_probability = 1.0
on_fail = "disqualify"
return_probability = 0.0
[pov]
data_access_days = { dist = "fixed", value = 0 }
data_access_probability = 1.0
duration_days = { dist = "fixed", value = 0 }
completion_probability = 1.0
[validation]
duration_days = { dist = "fixed", value = 0 }
pass_probability = 1.0
extension_probability = 0.0
[negotiation]
duration_days = { dist = "lognormal", mean = 60, sd = 30 }
win_probability = 0.55
founder_required_probability = 0.0
"""

STAGED = """
[scenario]
name = "round trip: a date per stage"
start_date = 2027-01-04
horizon_days = 540
warmup_days = 0  # the export starts with the company (a warm-up's stragglers would stretch the window)
[arrivals]
rate_per_week = 30.0
growth_per_year = 0.0
[data_quality]
check_days = { dist = "gamma", mean = 7, sd = 3 }
pass_probability = 0.7
on_fail = "disqualify"
return_probability = 0.0
[pov]
solution_engineers = 300
data_access_days = { dist = "lognormal", mean = 21, sd = 10 }
data_access_probability = 0.9
duration_days = { dist = "weibull", mean = 60, sd = 15 }
completion_probability = 0.6
[validation]
duration_days = { dist = "gamma", mean = 10, sd = 4 }
pass_probability = 0.65
extension_probability = 0.0
[negotiation]
duration_days = { dist = "lognormal", mean = 25, sd = 10 }
win_probability = 0.6
founder_required_probability = 0.0
"""


def z_for(checks: int, level: float = 0.05) -> float:
    return float(stats.norm.ppf(1 - level / (2 * checks)))


def scenario_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "truth.toml"
    path.write_text(f'extends = "{BASE}"\n{body}\n[cro]\nplaybook = []\n[pipeline]\nopen = []\n', encoding="utf-8")
    return path


def round_trip(tmp_path: Path, body: str, mapping_name: str, seed: int) -> tuple[object, object, object]:
    """Simulate the scenario, export as the mapping's CRM CSV, import, calibrate, write and reload the result."""
    truth = load_scenario(scenario_file(tmp_path, body))
    as_of = START + pd.Timedelta(days=truth.scenario.horizon_days - 1)
    mapping = load_mapping(MAPPINGS / mapping_name)
    export = tmp_path / "export.csv"
    export_deals(simulate(truth, seed=seed).deals, mapping, as_of=as_of).to_csv(export, index=False)
    deals, report = import_deals(export, mapping)
    assert not report.skipped
    cal = calibrate(deals, source=str(export), as_of=as_of)
    fitted = write_scenario(cal, BASE, tmp_path / "calibrated.toml", "test")
    return truth, cal, fitted


def inside(estimate: Estimate | float, truth: float, se: float, z: float) -> bool:
    value = estimate.value if isinstance(estimate, Estimate) else estimate
    return abs(value - truth) <= z * se


def test_fit_exits_recovers_durations_win_share_and_never_closing_share() -> None:
    rng = np.random.default_rng(11)
    n, horizon = 4000, 365.0
    arrived = rng.uniform(0, horizon, n)
    duration = stats.gamma(9, scale=60 / 9).rvs(n, random_state=rng)
    won = rng.random(n) < 0.6
    never = rng.random(n) < 0.2
    closed = (arrived + duration < horizon) & ~never
    fit = fit_exits(Durations.of(duration[closed & won]), Durations.of(duration[closed & ~won]),
                    horizon - arrived[~closed])
    z = z_for(4)
    assert fit.passed is not None and fit.passed.family == "gamma"
    assert inside(fit.passed.mean, 60, fit.passed.mean.se, z)
    assert inside(fit.passed.sd, 20, fit.passed.sd.se, z)
    assert inside(fit.p_pass, 0.6, fit.p_pass.se, z)
    assert inside(fit.never, 0.2, fit.never.se, z)


def test_fit_arrivals_recovers_rate_and_growth() -> None:
    rng = np.random.default_rng(5)
    rate, b = 2.0, np.log1p(0.5) / 365  # 2 a day, growing 50 % a year
    mass = np.cumsum(rng.exponential(1, 3000))
    days = np.log1p(b * mass / rate) / b
    days = days[days < 365]
    fit = fit_arrivals(days, 365)
    z = z_for(2)
    assert fit.trend_p_value < 0.05
    assert inside(fit.rate_per_week, 14.0, fit.rate_per_week.se, z)
    assert inside(fit.growth_per_year, 0.5, fit.growth_per_year.se, z)
    flat = fit_arrivals(np.sort(rng.uniform(0, 365, 500)), 365, allow_trend=False)
    assert flat.growth_per_year.value == 0
    assert inside(flat.rate_per_week, 500 / 365 * 7, flat.rate_per_week.se, z_for(1))


def test_round_trip_created_and_closed_dates_only(tmp_path: Path) -> None:
    _, cal, fitted = round_trip(tmp_path, ONE_STRETCH, "salesforce.toml", seed=3)
    (stretch,) = cal.stretches  # type: ignore[attr-defined]
    fit = stretch.fit
    z = z_for(4)
    assert inside(fitted.arrivals.rate_per_week, 40, cal.arrivals.rate_per_week.se, z)  # type: ignore[attr-defined]
    assert inside(fitted.negotiation.win_probability, 0.55, fit.p_pass.se, z)  # type: ignore[attr-defined]
    duration = fitted.negotiation.duration_days  # type: ignore[attr-defined]
    assert inside(duration.mean, 60, fit.passed.mean.se, z)
    assert inside(duration.sd, 30, fit.passed.sd.se, z)
    assert fit.never.value == 0 or fit.never.value < z * fit.never.se
    assert fitted.pov.duration_days.mean == 0 and fitted.data_quality.pass_probability == 1  # type: ignore[attr-defined]


def test_round_trip_with_a_date_per_stage(tmp_path: Path) -> None:
    truth, cal, fitted = round_trip(tmp_path, STAGED, "hubspot.toml", seed=0)
    stretches = {s.carrier: s.fit for s in cal.stretches if s.carrier}  # type: ignore[attr-defined]
    assert list(stretches) == ["data_quality", "data_access", "pov", "validation", "negotiation"]
    expected = {  # carrier: (probability, duration) read back from the written scenario
        "data_quality": (fitted.data_quality.pass_probability, fitted.data_quality.check_days),  # type: ignore
        "data_access": (fitted.pov.data_access_probability, fitted.pov.data_access_days),  # type: ignore
        "pov": (fitted.pov.completion_probability, fitted.pov.duration_days),  # type: ignore
        "validation": (fitted.validation.pass_probability, fitted.validation.duration_days),  # type: ignore
        "negotiation": (fitted.negotiation.win_probability, fitted.negotiation.duration_days),  # type: ignore
    }
    true = {
        "data_quality": (truth.data_quality.pass_probability, truth.data_quality.check_days),  # type: ignore
        "data_access": (truth.pov.data_access_probability, truth.pov.data_access_days),  # type: ignore
        "pov": (truth.pov.completion_probability, truth.pov.duration_days),  # type: ignore
        "validation": (truth.validation.pass_probability, truth.validation.duration_days),  # type: ignore
        "negotiation": (truth.negotiation.win_probability, truth.negotiation.duration_days),  # type: ignore
    }
    z = z_for(1 + 3 * len(true))
    assert inside(fitted.arrivals.rate_per_week, 30, cal.arrivals.rate_per_week.se, z)  # type: ignore
    for carrier, fit in stretches.items():
        (p, dist), (p_true, dist_true) = expected[carrier], true[carrier]
        assert inside(p, p_true, fit.p_pass.se, z), carrier
        assert inside(dist.mean, dist_true.mean, fit.passed.mean.se, z), carrier
        assert inside(dist.sd, dist_true.sd, fit.passed.sd.se, z), carrier


def test_calibrated_file_extends_the_base_and_lists_assumptions(tmp_path: Path) -> None:
    _, _, fitted = round_trip(tmp_path, ONE_STRETCH, "salesforce.toml", seed=4)
    text = (tmp_path / "calibrated.toml").read_text()
    assert 'extends = "' in text and "# Assumptions:" in text
    assert "solution engineers" in text and "retention" in text
    assert "founder_required_probability = 0.0  #" in text
    assert fitted.spend == load_scenario(BASE).spend  # unidentified: the base's
    assert main(["validate", str(tmp_path / "calibrated.toml")]) == 0


def test_no_closed_deal_cannot_be_calibrated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "open.csv"
    export.write_text("Opportunity ID,Created Date,Close Date,Stage,Amount,Opportunity Owner,Lead Source,"
                      "Account Name,Opportunity Name,Type\n"
                      + "".join(f"O{i},01/0{1 + i % 9}/2024,,Prospecting,100,x,Web,a,b,c\n" for i in range(20)))
    deals, _ = import_deals(export, load_mapping(MAPPINGS / "salesforce.toml"))
    with pytest.raises(CalibrationError, match="closed deals"):
        calibrate(deals, source=str(export))
    out = tmp_path / "s.toml"
    assert main(["calibrate", str(export), "--mapping", str(MAPPINGS / "salesforce.toml"), "--out", str(out)]) == 2
    assert "funnelsim calibrate:" in capsys.readouterr().err and not out.exists()


@pytest.mark.skipif(not MAVEN.exists(), reason=f"public dataset not present at {MAVEN}")
def test_maven_calibrates_to_a_valid_scenario(tmp_path: Path) -> None:
    out = tmp_path / "maven.toml"
    assert main(["calibrate", str(MAVEN), "--mapping", str(MAPPINGS / "maven.toml"), "--out", str(out)]) == 0
    scenario = load_scenario(out)
    assert scenario.scenario.start_date.isoformat() == "2017-03-01"  # complete_from: truncated cohorts left out
    assert scenario.arrivals.tiers.small == 1.0  # every known amount is a few thousand dollars
    assert 0.55 < scenario.negotiation.win_probability < 0.7
    assert scenario.data_quality.pass_probability < 1  # stale "Engaging" deals: a never-closing share
    assert "never-closing share" in out.read_text()


@pytest.mark.skipif(not OLIST.exists(), reason=f"public dataset not present at {OLIST}")
def test_olist_calibrates_with_censoring(tmp_path: Path) -> None:
    out = tmp_path / "olist.toml"
    assert main(["calibrate", str(OLIST), "--mapping", str(MAPPINGS / "olist.toml"), "--out", str(out)]) == 0
    scenario = load_scenario(out)
    # wins-only export: the win probability is 1 - the never-converting share, above the naive won/created
    deals, _ = import_deals(OLIST, load_mapping(MAPPINGS / "olist.toml"))
    cohort = deals[(deals["arrived"] >= "2018-01-01") & (deals["arrived"] < "2018-06-01")]
    naive = (cohort["outcome"] == "won").mean()
    assert naive < scenario.negotiation.win_probability < 2 * naive
    assert scenario.data_quality.pass_probability == 1.0


def test_empirical_durations_follow_the_true_shape_under_censoring() -> None:
    rng = np.random.default_rng(21)
    n, horizon = 3000, 300.0
    arrived = rng.uniform(0, horizon, n)
    fast = rng.random(n) < 0.4  # two modes, as in Maven's cycle: no family has this shape
    truth = stats.norm(10, 3), stats.norm(80, 15)
    duration = np.where(fast, truth[0].rvs(n, random_state=rng), truth[1].rvs(n, random_state=rng)).clip(0.1)
    won = rng.random(n) < 0.6
    closed = arrived + duration < horizon
    shape = empirical_passed(Durations.of(duration[closed & won]), Durations.of(duration[closed & ~won]),
                             horizon - arrived[~closed])
    values = np.asarray(shape.values)
    true_cdf = 0.4 * truth[0].cdf(values) + 0.6 * truth[1].cdf(values)
    levels = (np.arange(len(values)) + 0.5) / len(values)
    dkw = math.sqrt(math.log(2 / 0.001) / (2 * int((closed & won).sum())))  # DKW band at 0.1 %, passed deals
    assert np.max(np.abs(true_cdf - levels)) < dkw + 0.5 / len(values)
    naive = np.quantile(duration[closed & won], levels)  # ignoring censoring: the slow mode is under-counted
    assert np.max(np.abs(0.4 * truth[0].cdf(naive) + 0.6 * truth[1].cdf(naive) - levels)) > dkw


def test_cli_calibrate_with_empirical_durations(tmp_path: Path) -> None:
    _, cal, _ = round_trip(tmp_path, ONE_STRETCH, "salesforce.toml", seed=5)
    export, out = tmp_path / "export.csv", tmp_path / "empirical.toml"
    args = ["calibrate", str(export), "--mapping", str(MAPPINGS / "salesforce.toml"), "--out", str(out),
            "--durations", "empirical"]
    assert main(args) == 0
    duration = load_scenario(out).negotiation.duration_days
    assert duration.dist == "empirical" and len(duration.values) == 100
    values = np.asarray(duration.values)
    sigma = math.sqrt(math.log1p((30 / 60) ** 2))
    true = stats.lognorm(sigma, scale=60 * math.exp(-sigma**2 / 2))
    levels = (np.arange(100) + 0.5) / 100
    won = cal.stretches[0].fit.n_pass  # type: ignore[attr-defined]
    dkw = math.sqrt(math.log(2 / 0.001) / (2 * won))
    day = float(true.pdf(np.linspace(1, 200, 400)).max())  # dates only: each duration is known to +/- 1 day
    assert np.max(np.abs(true.cdf(values) - levels)) < dkw + 0.5 / 100 + day


@pytest.mark.parametrize("family", ["lognormal", "gamma", "weibull"])
def test_grouped_interval_fit_matches_scipy_on_censored_data(family: str) -> None:
    """The fit sums the likelihood over distinct day values; ``scipy.stats`` on CensoredData gives the same MLE."""
    rng = np.random.default_rng(8)
    days = np.floor(stats.gamma(3, scale=15).rvs(400, random_state=rng)) + 1
    data = Durations.of(days - 1, days + 1)  # date-only stamps: each duration known to within a day either way
    shape, scale, _ = fit_family(family, data)
    scipy_shape, _, scipy_scale = FAMILIES[family].fit(data.censored_data(), floc=0)
    assert np.allclose([shape, scale], [scipy_shape, scipy_scale], rtol=2e-3)  # the optimisers' tolerance


def test_nearly_equal_durations_fit_quietly_and_pick_a_fitted_family() -> None:
    """Durations that differ only in the last digits (a scripted stage read back from a CSV) make scipy's own
    starting fits degenerate: gamma's raises, the others warn. The failed family is ranked last (AIC inf), the
    chosen one is finite and centred on the value, and no warning reaches the user."""
    days = np.array([30.0] * 50 + [30.000001])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        family, aic, params = select_family(Durations.of(days))
    assert math.isinf(aic["gamma"]) and math.isfinite(aic[family])
    shape, scale = params[family]
    assert FAMILIES[family](shape, scale=scale).median() == pytest.approx(30, rel=1e-3)


def test_a_stage_whose_durations_are_all_the_same_is_fitted_as_fixed(tmp_path: Path) -> None:
    """A scripted stage (every POV exactly 30 days, every deal $40K) has no spread: the fit degenerates to a fixed
    value instead of a lognormal with sd 0 (which no scenario accepts), and no uncertainty is drawn for it."""
    deals = simulate(load_scenario(ROOT / "tests" / "fixtures" / "data_access_bound.toml"), 1).deals
    scenario = write_scenario(calibrate(deals, source="scripted"), BASE, tmp_path / "cal.toml", "test")
    assert scenario.pov.duration_days.model_dump() == {"dist": "fixed", "value": 30.0}
    assert scenario.tiers.small.acv.model_dump() == {"dist": "fixed", "value": 40000.0}
    assert scenario.pov.data_access_days.dist != "fixed"  # the stage with a spread keeps its family
    text = (tmp_path / "cal.toml").read_text()
    assert "tiers.small.acv: every deal the same size; a fixed value, not drawn" in text
