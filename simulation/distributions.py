"""Distributions a scenario file can name, in the units a planner thinks in (means and SDs, not shape/scale).

Each is a small frozen object that rejects bad parameters when built, prints readably, knows its mean and SD, and
maps uniforms to values with a vectorised inverse CDF (``ppf``). The engine draws its uniforms in batches and calls
``ppf`` once per array, never per event; inverse-CDF sampling is also what gives common random numbers between
scenarios: the same uniform lands on the same quantile whatever the parameters.

>>> d = Triangular(low=45, mode=60, high=90)
>>> d
triangular(low=45, mode=60, high=90)
>>> d.mean
65.0
>>> [round(float(x), 1) for x in d.ppf(np.array([0.0, 0.5, 1.0]))]
[45.0, 64.0, 90.0]

``scaled(k)`` is the distribution of k times the variable (a fix's ``duration_days = { scale = 0.7 }``): every
family stays in its family and keeps its shape, so its mean and SD are multiplied by k.

>>> d.scaled(0.5)
triangular(low=22.5, mode=30, high=45)
"""

from __future__ import annotations

import functools
import math
from typing import Annotated, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

FloatArray = np.ndarray
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantile function: maps uniforms in [0, 1) to values, elementwise."""
        raise NotImplementedError

    def scaled(self, factor: float) -> Self:
        """The distribution of ``factor`` times the variable (``factor`` > 0): location and scale parameters (bounds,
        mean and SD, values) multiplied by it, so the shape stays and the mean and SD scale by ``factor``."""
        return type(self).model_validate(self.scaled_fields(factor))

    def scaled_fields(self, factor: float) -> dict[str, object]:
        """:meth:`scaled` in the scenario file's form, not yet validated (an extreme factor may overflow: the loader
        reports that against the file and key that asked for it)."""
        if not (math.isfinite(factor) and factor > 0):
            raise ValueError(f"a scale factor must be a finite number greater than 0, got {factor}")
        fields = self.model_dump(by_alias=True)
        for key in _SCALED:
            if key in fields:
                value = fields[key]
                fields[key] = tuple(_times(v, factor) for v in value) if isinstance(value, tuple) else (
                    _times(value, factor))
        return fields

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent draws from ``rng`` (by inversion, like everything in the engine)."""
        return self.ppf(rng.random(size))

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def sd(self) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={_fmt(v)}" for k, v in self.model_dump(exclude={"dist"}).items())
        return f"{self.dist}({fields})"  # type: ignore[attr-defined]

    __str__ = __repr__


_SCALED = ("value", "low", "mode", "high", "mean", "sd", "values")  # the parameters in the variable's own units


def _times(value: float, factor: float) -> float:
    """``value * factor`` to 12 significant digits: 45 x 0.67 reads 30.15, not 30.150000000000002."""
    return float(f"{value * factor:.12g}")


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.12g}"  # 1e+308, not its 309 digits
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


class Fixed(_Dist):
    """Always ``value``."""

    dist: Literal["fixed"] = "fixed"
    value: NonNegative

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=float)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def sd(self) -> float:
        return 0.0


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.high < self.low:
            raise ValueError(f"inverted range: high ({_fmt(self.high)}) < low ({_fmt(self.low)})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        return self.low + np.asarray(u) * (self.high - self.low)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def sd(self) -> float:
        return (self.high - self.low) / math.sqrt(12)


class Triangular(_Dist):
    """Triangular with minimum ``low``, most likely ``mode`` and maximum ``high``."""

    dist: Literal["triangular"] = "triangular"
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.mode <= self.high:
            raise ValueError("needs low <= mode <= high")
        if self.high == self.low:
            raise ValueError("inverted or empty range: high must exceed low (use fixed for a constant)")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=float)
        a, c, b = self.low, self.mode, self.high
        cut = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < cut, left, right)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def sd(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)


class Exponential(_Dist):
    """Exponential with the given mean."""

    dist: Literal["exponential"] = "exponential"
    mean_: Positive = Field(alias="mean")
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def ppf(self, u: FloatArray) -> FloatArray:
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def sd(self) -> float:
        return self.mean_

    def __repr__(self) -> str:
        return f"exponential(mean={_fmt(self.mean_)})"


class _MeanSd(_Dist):
    mean_: Positive = Field(alias="mean")
    sd_: Positive = Field(alias="sd")
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def sd(self) -> float:
        return self.sd_

    def __repr__(self) -> str:
        return f"{self.dist}(mean={_fmt(self.mean_)}, sd={_fmt(self.sd_)})"  # type: ignore[attr-defined]


class LogNormal(_MeanSd):
    """Log-normal with the given mean and SD of the values (not of their logarithm)."""

    dist: Literal["lognormal"] = "lognormal"

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p((self.sd_ / self.mean_) ** 2))

    @property
    def mu(self) -> float:
        return math.log(self.mean_) - self.sigma**2 / 2

    def ppf(self, u: FloatArray) -> FloatArray:
        from scipy import special  # imported on first use: `funnelsim --help` and `schema` never load SciPy

        return np.exp(self.mu + self.sigma * special.ndtri(np.asarray(u, dtype=float)))

    def cdf(self, x: FloatArray) -> FloatArray:
        from scipy import special

        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            return special.ndtr((np.log(np.maximum(x, 0.0)) - self.mu) / self.sigma)


class Gamma(_MeanSd):
    """Gamma with the given mean and SD."""

    dist: Literal["gamma"] = "gamma"

    @property
    def shape(self) -> float:
        return (self.mean_ / self.sd_) ** 2

    @property
    def scale(self) -> float:
        return self.sd_**2 / self.mean_

    def ppf(self, u: FloatArray) -> FloatArray:
        from scipy import special

        return self.scale * special.gammaincinv(self.shape, np.asarray(u, dtype=float))

    def cdf(self, x: FloatArray) -> FloatArray:
        from scipy import special

        return special.gammainc(self.shape, np.maximum(np.asarray(x, dtype=float), 0.0) / self.scale)


class Weibull(_MeanSd):
    """Weibull with the given mean and SD (shape solved from the coefficient of variation)."""

    dist: Literal["weibull"] = "weibull"

    @model_validator(mode="after")
    def _solvable(self) -> Self:
        cv = self.sd_ / self.mean_
        if not 0.01 <= cv <= 10:
            raise ValueError(f"sd/mean = {cv:.3g} is outside the range a Weibull can take here (0.01-10)")
        return self

    @property
    def shape(self) -> float:
        cv2 = (self.sd_ / self.mean_) ** 2

        def gap(k: float) -> float:
            return math.exp(math.lgamma(1 + 2 / k) - 2 * math.lgamma(1 + 1 / k)) - 1 - cv2

        from scipy import optimize

        return float(optimize.brentq(gap, 0.05, 200.0))

    @property
    def scale(self) -> float:
        return self.mean_ / math.gamma(1 + 1 / self.shape)

    def ppf(self, u: FloatArray) -> FloatArray:
        return self.scale * (-np.log1p(-np.asarray(u, dtype=float))) ** (1 / self.shape)

    def cdf(self, x: FloatArray) -> FloatArray:
        return -np.expm1(-((np.maximum(np.asarray(x, dtype=float), 0.0) / self.scale) ** self.shape))


class Empirical(_Dist):
    """Resamples the listed values with equal weight (e.g. models per customer, or observed cycle lengths)."""

    dist: Literal["empirical"] = "empirical"
    values: tuple[NonNegative, ...] = Field(min_length=1)

    def ppf(self, u: FloatArray) -> FloatArray:
        ordered = np.sort(np.asarray(self.values, dtype=float))
        index = np.minimum((np.asarray(u) * len(ordered)).astype(int), len(ordered) - 1)
        return ordered[index]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values))


Component = Annotated[LogNormal | Gamma | Weibull, Field(discriminator="dist")]
MIXTURE_BISECTIONS = 60  # halvings of the bracket between the components' quantiles: to 2**-60 of its width


class Mixture(_Dist):
    """Two (or more) humps: component k with probability ``weights[k]`` (e.g. Maven's quick wins and slow ones).

    ``weights`` sum to 1; components are lognormal, gamma or Weibull in planner units. The quantile inverts the
    mixture's CDF by vectorised bisection between the components' own quantiles at the same ``u`` (the mixture's
    lies between them), so one uniform still gives one value and common random numbers hold.

    >>> m = Mixture(weights=[0.5, 0.5], components=[{"dist": "lognormal", "mean": 10, "sd": 3},
    ...                                             {"dist": "lognormal", "mean": 90, "sd": 20}])
    >>> m
    mixture(weights=[0.5, 0.5], components=[lognormal(mean=10, sd=3), lognormal(mean=90, sd=20)])
    >>> m.mean
    50.0
    """

    dist: Literal["mixture"] = "mixture"
    weights: tuple[Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)], ...] = Field(min_length=2,
                                                                                           max_length=5)
    components: tuple[Component, ...] = Field(min_length=2, max_length=5)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(self.weights) != len(self.components):
            raise ValueError(f"{len(self.weights)} weights for {len(self.components)} components")
        if abs(sum(self.weights) - 1) > 1e-6:
            raise ValueError(f"weights must sum to 1, got {sum(self.weights):g}")
        return self

    def cdf(self, x: FloatArray) -> FloatArray:
        return sum((w * c.cdf(x) for w, c in zip(self.weights, self.components, strict=True)),
                   np.zeros(np.shape(x)))

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=float)
        quantiles = np.stack([c.ppf(u) for c in self.components])
        lo, hi = quantiles.min(axis=0), quantiles.max(axis=0)
        for _ in range(MIXTURE_BISECTIONS):
            mid = (lo + hi) / 2
            below = self.cdf(mid) < u
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2

    @property
    def mean(self) -> float:
        return float(sum(w * c.mean for w, c in zip(self.weights, self.components, strict=True)))

    @property
    def sd(self) -> float:
        second = sum(w * (c.sd**2 + c.mean**2) for w, c in zip(self.weights, self.components, strict=True))
        return math.sqrt(max(second - self.mean**2, 0.0))

    def scaled_fields(self, factor: float) -> dict[str, object]:
        fields = self.model_dump(by_alias=True)
        fields["components"] = [c.scaled_fields(factor) for c in self.components]
        return fields

    def __repr__(self) -> str:
        return f"mixture(weights={_fmt(self.weights)}, components=[{', '.join(map(repr, self.components))}])"


@functools.lru_cache(maxsize=1024)
def first_quantile(dist: _Dist, value: float, *, strict: bool = False) -> float:
    """The least ``u`` in [0, 1] with ``dist.ppf(u) >= value`` (``> value`` when ``strict``), to 2**-60; 1.0 when
    no quantile reaches it. A bisection on the quantile function, so it serves every family (cached: a
    distribution is frozen).

    >>> first_quantile(Uniform(low=0, high=100), 25.0)
    0.25
    >>> first_quantile(Empirical(values=[1, 2, 3, 4]), 2.0, strict=True)
    0.5
    """
    if _reaches_at(dist, 0.0, value, strict):
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _reaches_at(dist, mid, value, strict):
            hi = mid
        else:
            lo = mid
    return hi if hi < 1.0 or _reaches_at(dist, np.nextafter(1.0, 0.0), value, strict) else 1.0


def _reaches_at(dist: _Dist, u: float, value: float, strict: bool) -> bool:
    reached = dist.ppf(np.array([u]))[0]
    return bool(reached > value or (not strict and reached == value))


Distribution = Annotated[
    Fixed | Uniform | Triangular | Exponential | LogNormal | Gamma | Weibull | Empirical | Mixture,
    Field(discriminator="dist"),
]
"""Any distribution, chosen by its ``dist`` key."""
