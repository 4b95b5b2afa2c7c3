"""Distributions: reject bad parameters, print readably, know their mean and SD, and sample them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

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

ADAPTER: TypeAdapter[object] = TypeAdapter(Distribution)
EXAMPLES = [
    Fixed(value=3), Uniform(low=10, high=20), Triangular(low=45, mode=60, high=90), Exponential(mean=12),
    LogNormal(mean=21, sd=10), Gamma(mean=30, sd=12), Weibull(mean=40, sd=15), Empirical(values=(1, 2, 2, 5)),
]


@pytest.mark.parametrize("dist", EXAMPLES, ids=repr)
def test_sample_mean_and_sd_match(dist: object) -> None:
    values = dist.sample(np.random.default_rng(0), 200_000)  # type: ignore[attr-defined]
    mean, sd = dist.mean, dist.sd  # type: ignore[attr-defined]
    assert abs(values.mean() - mean) <= 4 * max(sd, 1e-12) / math.sqrt(len(values))
    if sd > 0:
        # SE of the sample SD ~ sd * sqrt((kurtosis - 1) / 4n); allow the heavy lognormal tail with kurtosis <= 40.
        assert abs(values.std() - sd) <= 4 * sd * math.sqrt(40 / (4 * len(values)))


@pytest.mark.parametrize("dist", EXAMPLES, ids=repr)
def test_round_trips_through_the_scenario_format(dist: object) -> None:
    data = dist.model_dump(by_alias=True)  # type: ignore[attr-defined]
    assert ADAPTER.validate_python(data) == dist
    assert repr(dist).startswith(data["dist"] + "(")


def test_repr_is_what_a_planner_wrote() -> None:
    assert repr(LogNormal(mean=21, sd=10)) == "lognormal(mean=21, sd=10)"
    assert repr(Uniform(low=0.1, high=0.4)) == "uniform(low=0.1, high=0.4)"


@pytest.mark.parametrize(
    "bad",
    [
        {"dist": "uniform", "low": 20, "high": 10},
        {"dist": "uniform", "low": -1, "high": 10},
        {"dist": "triangular", "low": 45, "mode": 100, "high": 90},
        {"dist": "lognormal", "mean": 0, "sd": 1},
        {"dist": "gamma", "mean": 10, "sd": -1},
        {"dist": "exponential", "mean": -3},
        {"dist": "empirical", "values": []},
        {"dist": "normal", "mean": 1, "sd": 1},
        {"dist": "fixed", "value": float("nan")},
        {"dist": "fixed", "value": 1, "extra": 2},
    ],
)
def test_bad_parameters_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(bad)


@settings(max_examples=60, deadline=None)
@given(
    mean=st.floats(0.5, 500), cv=st.floats(0.05, 3),
    kind=st.sampled_from(["lognormal", "gamma", "weibull"]),
    u=st.lists(st.floats(0, 0.999999), min_size=2, max_size=50),
)
def test_quantile_functions_are_monotone_and_positive(mean: float, cv: float, kind: str, u: list[float]) -> None:
    dist = ADAPTER.validate_python({"dist": kind, "mean": mean, "sd": mean * cv})
    values = dist.ppf(np.sort(np.asarray(u)))  # type: ignore[attr-defined]
    assert np.all(values >= 0) and np.all(np.diff(values) >= -1e-9 * values.max())


@settings(max_examples=60, deadline=None)
@given(low=st.floats(0, 100), width=st.floats(0.01, 100), at=st.floats(0, 1))
def test_triangular_stays_in_range(low: float, width: float, at: float) -> None:
    dist = Triangular(low=low, mode=low + at * width, high=low + width)
    values = dist.ppf(np.linspace(0, 1, 101))
    assert values.min() == pytest.approx(low) and values.max() == pytest.approx(low + width)


# --- scaled(k): the distribution of k times the variable (a fix's { scale = k }) --------------------------------


@pytest.mark.parametrize("dist", EXAMPLES, ids=repr)
def test_scaled_keeps_the_family_and_scales_mean_and_sd(dist: object) -> None:
    half = dist.scaled(0.5)  # type: ignore[attr-defined]
    assert type(half) is type(dist)
    assert half.mean == pytest.approx(dist.mean * 0.5, rel=1e-9)  # type: ignore[attr-defined]
    assert half.sd == pytest.approx(dist.sd * 0.5, rel=1e-9)  # type: ignore[attr-defined]


def test_scaled_reads_like_the_planner_would_write_it() -> None:
    assert repr(Triangular(low=45, mode=60, high=90).scaled(0.67)) == "triangular(low=30.15, mode=40.2, high=60.3)"
    assert repr(Exponential(mean=12).scaled(1.5)) == "exponential(mean=18)"
    assert repr(Empirical(values=(1, 2, 5)).scaled(2)) == "empirical(values=[2, 4, 10])"


@pytest.mark.parametrize("factor", [0.0, -1.0, float("nan"), float("inf")])
def test_scaled_refuses_a_factor_that_is_not_positive_and_finite(factor: float) -> None:
    with pytest.raises(ValueError, match="finite number greater than 0"):
        Fixed(value=3).scaled(factor)


@settings(max_examples=80, deadline=None)
@given(dist=st.sampled_from(EXAMPLES), factor=st.floats(0.01, 100), u=st.floats(0, 0.999))
def test_scaling_by_k_multiplies_every_quantile_and_the_mean_by_k(dist: object, factor: float, u: float) -> None:
    """The property behind { scale = k }: the same prospect (the same uniform) gets k times its old value."""
    scaled = dist.scaled(factor)  # type: ignore[attr-defined]
    assert scaled.mean == pytest.approx(factor * dist.mean, rel=1e-9)  # type: ignore[attr-defined]
    assert scaled.sd == pytest.approx(factor * dist.sd, rel=1e-9, abs=1e-12)  # type: ignore[attr-defined]
    old, new = dist.ppf(np.array([u])), scaled.ppf(np.array([u]))  # type: ignore[attr-defined]
    assert new == pytest.approx(factor * old, rel=1e-8, abs=1e-12)
