"""Two-humped durations: the Mixture distribution, and AIC choosing a two-lognormal mixture only when it should.

Statistical checks use a two-sided interval at z = Phi^-1(1 - 0.05 / (2 k)) for the k checks of the test
(Bonferroni, 95 % for the test), from the fit's own standard errors; the seeds are fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from analysis.crm.fitting import Durations, fit_exits
from analysis.crm.mixture_fit import fit_mixture
from simulation.distributions import LogNormal, Mixture
from tests.crm.test_calibrate import z_for

TWO_HUMPS = Mixture(weights=(0.45, 0.55), components=(LogNormal(mean=10, sd=5), LogNormal(mean=85, sd=25)))


def censored_sample(values: np.ndarray, rng: np.random.Generator) -> tuple[Durations, Durations, np.ndarray]:
    """Won (60 %) or lost at the same duration; deals whose duration outlives a uniform age are still open."""
    age = rng.uniform(0, 200, len(values))
    closed = values < age
    won = rng.random(len(values)) < 0.6
    return Durations.of(values[closed & won]), Durations.of(values[closed & ~won]), age[~closed]


def test_aic_picks_the_mixture_on_a_bimodal_sample_and_recovers_it() -> None:
    rng = np.random.default_rng(1)
    passed, lost, ages = censored_sample(TWO_HUMPS.sample(rng, 3000), rng)
    fit = fit_mixture(passed, lost, ages, fit_exits(passed, lost, ages))
    assert fit is not None and fit.aic < fit.single_aic
    z = z_for(3)
    assert abs(fit.weight.value - 0.45) <= z * fit.weight.se
    for estimate, truth in zip(fit.means, (10, 85), strict=True):
        assert abs(estimate.value - truth) <= z * estimate.se


def test_a_unimodal_sample_keeps_a_single_family() -> None:
    rng = np.random.default_rng(2)
    passed, lost, ages = censored_sample(stats.gamma(4, scale=10).rvs(3000, random_state=rng), rng)
    assert fit_mixture(passed, lost, ages, fit_exits(passed, lost, ages)) is None


def test_mixture_quantile_inverts_its_cdf_and_knows_its_moments() -> None:
    u = np.linspace(0.001, 0.999, 999)
    assert np.allclose(TWO_HUMPS.cdf(TWO_HUMPS.ppf(u)), u, atol=1e-9)
    draws = TWO_HUMPS.sample(np.random.default_rng(3), 200_000)
    se = TWO_HUMPS.sd / math.sqrt(len(draws))
    assert abs(draws.mean() - TWO_HUMPS.mean) <= 4 * se  # four standard errors of the sample mean
    assert TWO_HUMPS.mean == pytest.approx(0.45 * 10 + 0.55 * 85)
    assert TWO_HUMPS.scaled(2.0).mean == pytest.approx(2 * TWO_HUMPS.mean)


@given(st.floats(0.0, 1.0, exclude_max=True))
def test_mixture_quantile_is_between_its_components(u: float) -> None:
    x = float(TWO_HUMPS.ppf(np.array([u]))[0])
    a, b = (float(c.ppf(np.array([u]))[0]) for c in TWO_HUMPS.components)
    assert min(a, b) - 1e-9 <= x <= max(a, b) + 1e-9


@pytest.mark.parametrize(("fields", "words"), [
    ({"weights": [0.5, 0.6]}, "sum to 1"),
    ({"weights": [1.0]}, "at least 2"),
    ({"weights": [0.3, 0.3, 0.4]}, "3 weights for 2 components"),
])
def test_bad_mixtures_are_refused(fields: dict[str, object], words: str) -> None:
    base = {"weights": [0.5, 0.5], "components": [{"dist": "lognormal", "mean": 1, "sd": 1},
                                                  {"dist": "gamma", "mean": 5, "sd": 2}]}
    with pytest.raises(ValueError, match=words):
        Mixture.model_validate({**base, **fields})
