"""Parameter uncertainty: how unsure a (calibrated) scenario is of its own numbers, as one multivariate normal.

A scenario may carry an ``[uncertainty]`` section (``funnelsim calibrate`` writes one; a planner may write one by
hand). It lists parameters by their key path in the scenario, each on a scale where a normal distribution is a fair
description of what the data say about it, with the standard error on that scale and the correlations between them:

.. code-block:: toml

    [uncertainty]
    method = "normal approximation of the likelihood (observed information), delta method"
    parameters = ["arrivals.rate_per_week", "negotiation.duration_days.mean", "negotiation.win_probability"]
    scales = ["log", "log", "logit"]
    se = [0.021, 0.029, 0.028]
    correlation = [[1, 0, 0], [0, 1, -0.12], [0, -0.12, 1]]

**Definition.** A parameter draw is ``value' = inverse(scale(value) + z)`` for every listed parameter, where
``value`` is the scenario's own value (the fitted estimate) and ``z ~ Normal(0, diag(se) R diag(se))``. The scales:
``log`` (a positive number, or a distribution's ``mean`` / ``sd``), ``logit`` (a probability strictly between 0 and
1), ``log1p`` (a growth rate above -1: ``log(1 + g)``). A path ending in ``.scale`` multiplies a whole distribution
by ``exp(z)`` (every distribution kind, e.g. an empirical one). The scales keep every draw valid (a drawn
probability stays in (0, 1), a drawn mean above 0) without clipping.

This module holds the model and the linear algebra only; :mod:`simulation.parameter_draw` applies a draw to a
scenario, per replication, from the replication's own random stream.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist
from typing import Final, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Scale = Literal["log", "logit", "log1p"]
MAX_PARAMETERS: Final = 200
SYMMETRY_TOLERANCE: Final = 1e-6


class ParameterUncertainty(BaseModel):
    """A multivariate normal over some of the scenario's parameters, each on its own scale (module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: str = Field(default="", description="How the uncertainty was estimated (free text, for the reader)")
    parameters: tuple[str, ...] = Field(min_length=1, max_length=MAX_PARAMETERS,
                                        description="Key paths such as negotiation.duration_days.mean")
    scales: tuple[Scale, ...] = Field(description="One per parameter: log, logit or log1p")
    se: tuple[float, ...] = Field(description="Standard error of each parameter on its scale")
    correlation: tuple[tuple[float, ...], ...] = Field(description="Correlation matrix, one row per parameter")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        n = len(self.parameters)
        if len(set(self.parameters)) != n:
            twice = next(p for p in self.parameters if self.parameters.count(p) > 1)
            raise ValueError(f"parameter {twice!r} is listed twice")
        for name, given in (("scales", len(self.scales)), ("se", len(self.se)), ("correlation", len(self.correlation))):
            if given != n:
                raise ValueError(f"{name} has {given} entries for {n} parameters")
        if any(not (math.isfinite(s) and s >= 0) for s in self.se):
            raise ValueError("every se must be a finite number >= 0")
        matrix = np.array([list(row) for row in self.correlation], dtype=float) if all(
            len(row) == n for row in self.correlation) else None
        if matrix is None:
            raise ValueError(f"correlation must be {n} rows of {n} numbers")
        if not np.all(np.isfinite(matrix)) or np.any(np.abs(matrix) > 1 + SYMMETRY_TOLERANCE):
            raise ValueError("correlations must be finite numbers between -1 and 1")
        if not np.allclose(np.diag(matrix), 1.0, atol=SYMMETRY_TOLERANCE):
            raise ValueError("the correlation matrix's diagonal must be 1")
        if not np.allclose(matrix, matrix.T, atol=1e-3):
            raise ValueError("the correlation matrix must be symmetric")
        return self

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of the deviations ``z`` on the parameters' scales (one per parameter, in order)."""
        return _factor(self.se, self.correlation) @ rng.standard_normal(len(self.parameters))

    def interval(self, index: int, value: float, level: float = 0.8) -> tuple[float, float]:
        """The central ``level`` interval of parameter ``index`` around ``value``, in the parameter's own units."""
        half = NormalDist().inv_cdf(0.5 + level / 2) * self.se[index]
        centre = transform(self.scales[index], value)
        return inverse(self.scales[index], centre - half), inverse(self.scales[index], centre + half)


@lru_cache(maxsize=64)
def _factor(se: tuple[float, ...], correlation: tuple[tuple[float, ...], ...]) -> np.ndarray:
    """A matrix ``A`` with ``A A' = diag(se) R diag(se)``: the Cholesky factor, after the nearest positive
    semi-definite correction when rounding in the file (correlations to 4 digits) left ``R`` slightly indefinite."""
    r = np.array(correlation, dtype=float)
    r = (r + r.T) / 2
    try:
        lower = np.linalg.cholesky(r)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(r)
        repaired = (vectors * np.maximum(values, 0.0)) @ vectors.T
        scale = np.sqrt(np.maximum(np.diag(repaired), 1e-300))
        repaired = repaired / np.outer(scale, scale) + 1e-10 * np.eye(len(r))
        lower = np.linalg.cholesky(repaired)
    return np.asarray(se, dtype=float)[:, None] * lower


def transform(scale: Scale, value: float) -> float:
    """``value`` on the scale (``log``, ``logit`` or ``log1p``)."""
    if scale == "log":
        return math.log(value)
    if scale == "logit":
        return math.log(value) - math.log1p(-value)
    return math.log1p(value)


def inverse(scale: Scale, value: float) -> float:
    """The inverse of :func:`transform`."""
    if scale == "log":
        return math.exp(value)
    if scale == "logit":
        return 1.0 / (1.0 + math.exp(-value)) if value >= 0 else math.exp(value) / (1.0 + math.exp(value))
    return math.expm1(value)


def valid_on(scale: Scale, value: float) -> bool:
    """Whether ``value`` can be put on the scale (a probability of exactly 0 or 1 has no logit)."""
    if not math.isfinite(value):
        return False
    if scale == "log":
        return value > 0
    if scale == "logit":
        return 0 < value < 1
    return value > -1
