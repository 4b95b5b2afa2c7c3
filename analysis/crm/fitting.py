"""Statistical fits behind the calibration: durations with censoring, arrival rates with trend, proportions.

All durations are in days and come as intervals ``[low, high]`` (``low == high``: an exact value; a date-only
timestamp widens a duration to the day it could have been) plus right-censored ages (deals still open).

* :func:`fit_family` fits one family (lognormal, gamma or Weibull, location 0) with ``scipy.stats`` on
  :class:`scipy.stats.CensoredData`; :func:`select_family` picks the family by AIC.
* :func:`fit_exits` is the model of one stretch of the funnel: a deal leaves it passed (with probability
  ``p``, after a duration from one family), lost (after a duration from its own family, or the same one), or
  never (the *cure* fraction: stalled deals that stay open for ever, and for exports that record wins only,
  every lead that never converts). Open deals are censored: each contributes
  ``never + (1 - never) * (p S_pass(age) + (1 - p) S_lost(age))``. Maximum likelihood, standard errors from
  the observed information (numerical Hessian), AIC to decide whether the cure fraction is there.
* :func:`fit_arrivals`: Poisson process with log-linear intensity, fitted on the exact event times; the trend
  is kept if a likelihood-ratio test finds one at the 5 % level.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from scipy import optimize, special, stats

from simulation.distributions import Distribution, Empirical, Fixed, Gamma, LogNormal, Weibull

FAMILIES: Final = {"lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min}
TREND_LEVEL: Final = 0.05
DAYS_PER_YEAR: Final = 365.0  # the engine's compounding convention (simulation.arrivals)
MIN_LOST_FOR_OWN_FAMILY: Final = 20
TINY: Final = 1e-300


@dataclass(frozen=True)
class Durations:
    """Durations as distinct intervals ``[low, high]`` (``low == high``: exact) with how often each occurs.

    Day-resolution exports repeat the same few hundred values thousands of times; the likelihood is summed over
    the distinct values, weighted by their counts.
    """

    low: np.ndarray
    high: np.ndarray
    count: np.ndarray

    @classmethod
    def of(cls, low: np.ndarray, high: np.ndarray | None = None) -> Durations:
        low = np.asarray(low, dtype=float)
        high = low if high is None else np.asarray(high, dtype=float)
        if len(low) == 0:
            return cls(np.empty(0), np.empty(0), np.empty(0, dtype=int))
        pairs, count = np.unique(np.c_[low, np.maximum(high, low)], axis=0, return_counts=True)
        return cls(pairs[:, 0], pairs[:, 1], count)

    def __len__(self) -> int:
        return int(self.count.sum())

    def midpoints(self) -> np.ndarray:
        return np.repeat((self.low + self.high) / 2, self.count)

    def censored_data(self) -> stats.CensoredData:
        """The same data as :class:`scipy.stats.CensoredData` (one entry per deal)."""
        exact = self.high - self.low < 1e-9
        return stats.CensoredData(
            uncensored=np.repeat(self.low[exact], self.count[exact]),
            interval=np.repeat(np.c_[self.low[~exact], self.high[~exact]], self.count[~exact], axis=0),
        )


@dataclass(frozen=True)
class Estimate:
    """A fitted number with its standard error (``nan`` when not identified) and the count behind it."""

    value: float
    se: float
    n: int

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        return self.value - z * self.se, self.value + z * self.se


@dataclass(frozen=True)
class FamilyFit:
    """One fitted family: scipy shape and scale, the mean and SD in days with standard errors."""

    family: str
    shape: float
    scale: float
    mean: Estimate
    sd: Estimate
    aic: dict[str, float] = field(default_factory=dict)
    moments_cov: np.ndarray | None = None  # covariance of (mean, sd) from the likelihood (parameter uncertainty)

    def frozen(self) -> stats.rv_continuous:
        return FAMILIES[self.family](self.shape, scale=self.scale)

    def distribution(self) -> Distribution:
        """The scenario-file distribution with the same mean and SD (planner units)."""
        mean, sd = _round(self.mean.value), _round(self.sd.value)
        if not sd > 0:  # every duration the same (a scripted stage): the family degenerates to its one value
            return Fixed(value=mean)
        kind = {"lognormal": LogNormal, "gamma": Gamma, "weibull": Weibull}[self.family]
        return kind(mean=mean, sd=sd)


@dataclass(frozen=True)
class ExitFit:
    """Passed / lost / never: probabilities, duration families and how the model was chosen."""

    passed: FamilyFit | None
    lost: FamilyFit | None  # None: lost deals share the passed family (or there are none)
    p_pass: Estimate  # among deals that leave, the share that passes
    never: Estimate  # the cure fraction: deals that never leave (0 when not selected)
    n_pass: int
    n_lost: int
    n_open: int
    aic: dict[str, float]
    theta: np.ndarray | None = None  # the chosen model's parameters on the optimiser's scale (see ``layout``)
    cov: np.ndarray | None = None  # their covariance: the inverse observed information
    layout: tuple[str, ...] = ()  # what each coordinate of theta is: pass_log_shape, pass_log_scale, lost_..., ...


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def fit_family(family: str, data: Durations) -> tuple[float, float, float]:
    """ML fit of one family (location 0) on closed durations; returns (shape, scale, AIC).

    Starts from ``scipy.stats``' own fit on the interval midpoints, then maximises the interval-censored
    likelihood (the same one ``scipy.stats`` uses for :class:`~scipy.stats.CensoredData`), over distinct values.
    """
    # Nearly equal durations (a scripted stage) degenerate scipy's starts: it warns, then raises (AIC inf in
    # select_family) or returns a spike whose non-finite terms _closed_terms floors; the warnings add nothing.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        start = FAMILIES[family].fit(np.maximum(data.midpoints(), 1e-3), floc=0)
        theta0 = np.log([start[0], start[2]])
        if not np.all(np.isfinite(theta0)):
            raise ValueError(f"no starting point for {family}")
        if np.all(data.high - data.low < 1e-9) and np.all(data.low > 0):
            theta, nll = theta0, -float(np.sum(_closed_terms(family, theta0, data)))
        else:
            result = optimize.minimize(lambda t: -float(np.sum(_closed_terms(family, t, data))), theta0,
                                       method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-8})
            theta, nll = result.x, float(result.fun)
    return float(np.exp(theta[0])), float(np.exp(theta[1])), 2 * 2 + 2 * nll


def select_family(data: Durations) -> tuple[str, dict[str, float], dict[str, tuple[float, float]]]:
    """The family with the lowest AIC on closed durations, every family's AIC and fitted (shape, scale)."""
    aic, params = {}, {}
    for name in FAMILIES:
        try:
            shape, scale, aic[name] = fit_family(name, data)
            params[name] = (shape, scale)
        except (ValueError, RuntimeError, FloatingPointError):
            aic[name] = math.inf
    return min(aic, key=aic.__getitem__), aic, params


def _closed_terms(family: str, log_params: np.ndarray, data: Durations) -> np.ndarray:
    """Log-likelihood of each distinct value times its count."""
    shape, scale = np.exp(log_params)
    dist = FAMILIES[family]  # not frozen: freezing a scipy distribution is slow, and this runs thousands of times
    exact = data.high - data.low < 1e-9
    out = np.empty(len(data.low))
    with np.errstate(all="ignore"):  # a spike (shape near 0) overflows: the non-finite terms are floored below
        out[exact] = dist.logpdf(np.maximum(data.low[exact], 1e-9), shape, scale=scale)
        width = dist.cdf(data.high[~exact], shape, scale=scale) - dist.cdf(data.low[~exact], shape, scale=scale)
    out[~exact] = np.log(np.maximum(width, TINY))
    return np.where(np.isfinite(out), out, math.log(TINY)) * data.count


def fit_exits(
    passed: Durations,
    lost: Durations,
    open_ages: np.ndarray,
    *,
    lost_without_duration: int = 0,
    allow_never: bool = True,
) -> ExitFit:
    """Fit the passed / lost / never model of one stretch of the funnel (see the module docstring).

    ``lost`` durations get their own family when there are enough of them, else they share the passed one;
    ``lost_without_duration`` more lost deals count towards ``p_pass`` only (e.g. POVs that stalled part-way).
    ``allow_never`` lets AIC decide on a cure fraction (only meaningful with open deals).
    """
    ages = Durations.of(np.asarray(open_ages, dtype=float))
    n_pass, n_lost, n_open = len(passed), len(lost) + lost_without_duration, len(ages)
    if n_pass == 0:
        raise ValueError("no passed deals to fit a duration on")
    pass_family, pass_aic, pass_params = select_family(passed)
    own_lost = len(lost) >= MIN_LOST_FOR_OWN_FAMILY
    lost_family, lost_aic, lost_params = select_family(lost) if own_lost else (None, {}, {})
    candidates = [False, True] if allow_never and n_open > 0 else [False]
    lost_data = lost if len(lost) else None
    start = [pass_params[pass_family], *([lost_params[lost_family]] if lost_family else [])]
    fits = {never: _joint_fit(pass_family, lost_family, start, passed, lost_data, n_lost, ages, never)
            for never in candidates}
    aic = {("with" if never else "without") + " never-closing share": f.aic for never, f in fits.items()}
    best = min(fits.values(), key=lambda f: f.aic)
    pass_fit = _family_fit(pass_family, best, 0, pass_aic, n_pass)
    lost_fit = _family_fit(lost_family, best, 2, lost_aic, n_lost) if lost_family else None
    return ExitFit(pass_fit, lost_fit, best.p_pass, best.never, n_pass, n_lost, n_open, aic, best.theta, best.cov,
                   best.layout)


@dataclass(frozen=True)
class _Joint:
    theta: np.ndarray
    cov: np.ndarray
    aic: float
    p_pass: Estimate
    never: Estimate
    families: tuple[str, ...]
    layout: tuple[str, ...] = ()


def _joint_fit(
    pass_family: str,
    lost_family: str | None,
    start: list[tuple[float, float]],
    passed: Durations,
    lost: Durations | None,
    n_lost: int,
    ages: Durations,
    never: bool,
) -> _Joint:
    n_pass = len(passed)
    has_p = n_lost > 0
    p0 = (n_pass + 0.5) / (n_pass + n_lost + 1)
    theta0 = np.concatenate([*np.log(start), [special.logit(p0)] if has_p else [], [-2.0] if never else []])
    k_dist = 2 * len(start)

    def nll(theta: np.ndarray) -> float:
        p = special.expit(theta[k_dist]) if has_p else 1.0
        q = special.expit(theta[-1]) if never else 0.0
        total = np.sum(_closed_terms(pass_family, theta[0:2], passed))
        total += n_pass * np.log(max(p * (1 - q), TINY))
        if has_p:
            lost_terms = 0.0
            if lost is not None:  # lost durations: their own family, or the passed one (shared)
                own = lost_family is not None
                lost_terms = float(np.sum(_closed_terms(lost_family or pass_family, theta[2:4] if own else
                                                        theta[0:2], lost)))
            total += lost_terms + n_lost * np.log(max((1 - p) * (1 - q), TINY))
        if len(ages):
            survive = p * _sf(pass_family, theta[0:2], ages.low)
            if has_p:
                if lost_family is not None:
                    survive = survive + (1 - p) * _sf(lost_family, theta[2:4], ages.low)
                else:
                    survive = survive + (1 - p) * _sf(pass_family, theta[0:2], ages.low)
            total += np.sum(np.log(np.maximum(q + (1 - q) * survive, TINY)) * ages.count)
        return -float(total)

    result = optimize.minimize(nll, theta0, method="L-BFGS-B")
    theta = result.x
    cov = _covariance(nll, theta)
    p_est = Estimate(1.0, 0.0, n_pass)
    if has_p:
        p = float(special.expit(theta[k_dist]))
        p_est = Estimate(p, p * (1 - p) * math.sqrt(cov[k_dist, k_dist]), n_pass + n_lost)
    never_est = Estimate(0.0, 0.0, len(ages))
    if never:
        q = float(special.expit(theta[-1]))
        never_est = Estimate(q, q * (1 - q) * math.sqrt(cov[-1, -1]), n_pass + n_lost + len(ages))
    families = (pass_family,) if lost_family is None else (pass_family, lost_family)
    layout = ("pass_log_shape", "pass_log_scale", *(("lost_log_shape", "lost_log_scale") if k_dist == 4 else ()),
              *(("logit_pass",) if has_p else ()), *(("logit_never",) if never else ()))
    return _Joint(theta, cov, 2 * len(theta) + 2 * float(result.fun), p_est, never_est, families, layout)


def _sf(family: str, log_params: np.ndarray, x: np.ndarray) -> np.ndarray:
    shape, scale = np.exp(log_params)
    return np.asarray(FAMILIES[family].sf(x, shape, scale=scale))


def _family_fit(family: str, joint: _Joint, offset: int, aic: dict[str, float], n: int) -> FamilyFit:
    theta = joint.theta[offset: offset + 2]
    cov = joint.cov[offset: offset + 2, offset: offset + 2]

    def moments(t: np.ndarray) -> np.ndarray:
        shape, scale = np.exp(t)
        return np.array([FAMILIES[family].mean(shape, scale=scale), FAMILIES[family].std(shape, scale=scale)])

    values = moments(theta)
    grad = _jacobian(moments, theta)
    moments_cov = grad @ cov @ grad.T
    ses = np.sqrt(np.maximum(np.diag(moments_cov), 0))
    shape, scale = np.exp(theta)
    return FamilyFit(family, float(shape), float(scale), Estimate(float(values[0]), float(ses[0]), n),
                     Estimate(float(values[1]), float(ses[1]), n), aic, moments_cov)


def _covariance(nll: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """Inverse of the numerical Hessian of ``nll`` at ``theta`` (the observed information)."""
    k = len(theta)
    h = 1e-4 * np.maximum(1.0, np.abs(theta))
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            value = nll(theta + ei + ej) - nll(theta + ei - ej) - nll(theta - ei + ej) + nll(theta - ei - ej)
            hess[i, j] = hess[j, i] = value / (4 * h[i] * h[j])
    try:
        return np.asarray(np.linalg.inv(hess))
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)


def _jacobian(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    h = 1e-5 * np.maximum(1.0, np.abs(theta))
    steps = np.eye(len(theta)) * h
    columns = [(f(theta + steps[i]) - f(theta - steps[i])) / (2 * h[i]) for i in range(len(theta))]
    return np.column_stack(columns)


def empirical_passed(passed: Durations, lost: Durations, open_ages: np.ndarray, points: int = 100) -> Empirical:
    """The time to pass without a parametric family: ``points`` percentiles of its censoring-corrected CDF.

    The cumulative incidence of passing (Aalen-Johansen: Kaplan-Meier for leaving by any route, times the share
    of leavers that pass at each time), divided by its final value: the distribution of the time to pass among
    deals that pass. Keeps shapes no family has (Maven's two modes). Closed intervals count at their midpoints.
    """
    times = np.concatenate([passed.midpoints(), lost.midpoints(), np.asarray(open_ages, dtype=float)])
    kind = np.concatenate([np.zeros(len(passed)), np.ones(len(lost)), np.full(len(open_ages), 2)])
    order = np.lexsort((kind, times))  # at a tie, events before censorings
    times, kind = times[order], kind[order]
    at_risk = len(times) - np.arange(len(times))
    survival = np.cumprod(np.where(kind < 2, 1 - 1 / at_risk, 1.0))
    before = np.concatenate([[1.0], survival[:-1]])
    incidence = np.cumsum(np.where(kind == 0, before / at_risk, 0.0))
    if incidence[-1] <= 0:
        raise ValueError("no passed deals for an empirical distribution")
    cdf = incidence / incidence[-1]
    q = (np.arange(points) + 0.5) / points
    values = times[np.minimum(np.searchsorted(cdf, q), len(times) - 1)]
    return Empirical(values=tuple(float(round(max(v, 0.0), 1)) for v in values))


def fit_amounts(values: np.ndarray) -> FamilyFit:
    """Deal sizes (exact, positive): the family with the lowest AIC, with standard errors of mean and SD."""
    data = Durations.of(np.asarray(values, dtype=float))
    fit = fit_exits(data, Durations.of(np.empty(0)), np.empty(0), allow_never=False)
    assert fit.passed is not None
    return fit.passed


@dataclass(frozen=True)
class ArrivalFit:
    """New deals per week at the start of the window, yearly growth, and the evidence for the trend."""

    rate_per_week: Estimate
    growth_per_year: Estimate
    trend_p_value: float
    weeks: float
    log_cov: np.ndarray | None = None  # covariance of (log rate_per_week, log1p(growth_per_year)); 1 x 1: no trend


def fit_arrivals(days: np.ndarray, window_days: float, *, allow_trend: bool = True) -> ArrivalFit:
    """Poisson process with intensity ``exp(a + b t)`` fitted on event times ``days`` in [0, window_days)."""
    t = np.asarray(days, dtype=float)
    n, span = len(t), float(window_days)
    if n == 0 or span <= 0:
        raise ValueError("no arrivals in the window")
    flat_rate = n / span
    flat_ll = n * math.log(flat_rate) - n

    def profile(b: float) -> float:  # log-likelihood with a profiled out
        if abs(b) < 1e-12:
            return flat_ll
        mass = math.expm1(b * span) / b
        a = math.log(n / mass)
        return n * a + b * float(t.sum()) - n

    bound = 20.0 / span
    best = optimize.minimize_scalar(lambda b: -profile(b), bounds=(-bound, bound), method="bounded")
    b = float(best.x)
    statistic = max(2 * (profile(b) - flat_ll), 0.0)
    p_value = float(stats.chi2.sf(statistic, 1))
    weeks = span / 7
    if not allow_trend or p_value >= TREND_LEVEL:
        rate = Estimate(7 * flat_rate, 7 * math.sqrt(n) / span, n)
        return ArrivalFit(rate, Estimate(0.0, 0.0, n), p_value, weeks, np.array([[1.0 / n]]))

    def nll(theta: np.ndarray) -> float:
        a, slope = theta
        mass = math.exp(a) * (math.expm1(slope * span) / slope if abs(slope) > 1e-12 else span)
        return -(n * a + slope * float(t.sum()) - mass)

    theta = np.array([math.log(n * b / math.expm1(b * span)), b])
    cov = _covariance(nll, theta)
    weekly = 7 * math.exp(theta[0])
    growth = math.expm1(DAYS_PER_YEAR * b)
    return ArrivalFit(
        Estimate(weekly, weekly * math.sqrt(max(cov[0, 0], 0)), n),
        Estimate(growth, DAYS_PER_YEAR * math.exp(DAYS_PER_YEAR * b) * math.sqrt(max(cov[1, 1], 0)), n),
        p_value,
        weeks,
        np.diag([1.0, DAYS_PER_YEAR]) @ cov @ np.diag([1.0, DAYS_PER_YEAR]),  # log rate = log 7 + a; log1p(g) = 365 b
    )


def proportion(successes: int, trials: int) -> Estimate:
    """A share with its binomial standard error (``nan`` with no trials)."""
    if trials == 0:
        return Estimate(math.nan, math.nan, 0)
    p = successes / trials
    return Estimate(p, math.sqrt(p * (1 - p) / trials), trials)
