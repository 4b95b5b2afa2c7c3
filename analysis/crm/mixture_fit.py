"""Two-humped durations: a two-lognormal mixture for the time to pass a stretch, when AIC prefers it.

The model is the one of :func:`analysis.crm.fitting.fit_exits` (passed / lost / never, open deals censored, date-only
durations as intervals) with the passed family replaced by ``w LN(mu1, s1) + (1 - w) LN(mu2, s2)``; the lost
family, the pass share and the never-closing share are fitted again with it, from the single family's values.
It is kept when its AIC (three more parameters) is below the single family's and neither hump's 99th percentile
lies beyond :data:`TAIL_LIMIT` times the longest observed duration (with wins only and a never-converting share,
Olist's slow hump is not identified). Standard errors from the observed
information, as the other fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from analysis.crm.fitting import TINY, Durations, Estimate, ExitFit, _closed_terms, _covariance, _jacobian, _sf
from simulation.distributions import LogNormal, Mixture

TAIL_LIMIT = 3.0  # a component's 99th percentile may reach this many times the longest observed duration


@dataclass(frozen=True)
class MixtureFit:
    """The fitted mixture, its component means with SEs, the pass and never shares with it, and both AICs."""

    distribution: Mixture
    weight: Estimate  # of the first (quicker) component
    means: tuple[Estimate, Estimate]
    p_pass: Estimate
    never: Estimate
    aic: float
    single_aic: float


def _mixture_terms(theta: np.ndarray, data: Durations) -> np.ndarray:
    """Log-likelihood of each distinct value times its count; theta = (logit w, mu1, log s1, mu2, log s2)."""
    w = special.expit(theta[0])
    parts = ((w, theta[1], math.exp(theta[2])), (1 - w, theta[3], math.exp(theta[4])))
    exact = data.high - data.low < 1e-9
    dens = np.zeros(len(data.low))
    # A component collapsing onto one value (s -> 0) gives 0/0 at that value: counted as no density (a spike is
    # the mixture's degenerate maximum, not a fit), so the optimiser never sees a NaN.
    with np.errstate(all="ignore"):
        for weight, mu, s in parts:
            scale = math.exp(mu)
            dens[exact] += weight * stats.lognorm.pdf(np.maximum(data.low[exact], 1e-9), s, scale=scale)
            dens[~exact] += weight * (stats.lognorm.cdf(data.high[~exact], s, scale=scale)
                                      - stats.lognorm.cdf(data.low[~exact], s, scale=scale))
    dens = np.where(np.isnan(dens), 0.0, dens)
    return np.log(np.maximum(dens, TINY)) * data.count


def _mixture_sf(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    w = special.expit(theta[0])
    return np.asarray(w * stats.lognorm.sf(x, math.exp(theta[2]), scale=math.exp(theta[1]))
                      + (1 - w) * stats.lognorm.sf(x, math.exp(theta[4]), scale=math.exp(theta[3])))


def _start(passed: Durations) -> np.ndarray:
    """Split the log durations at their median: each half's mean and SD start one component."""
    logs = np.log(np.maximum(passed.midpoints(), 0.5))
    cut = np.median(logs)
    low, high = logs[logs <= cut], logs[logs > cut]
    if len(high) < 2:
        high = logs[-2:]
    return np.array([0.0, low.mean(), math.log(max(low.std(), 0.1)), high.mean(), math.log(max(high.std(), 0.1))])


def fit_mixture(passed: Durations, lost: Durations, open_ages: np.ndarray, single: ExitFit, *,
                lost_without_duration: int = 0) -> MixtureFit | None:
    """The mixture model of the stretch; None when the single family is as good by AIC (or nothing fits)."""
    if single.passed is None or len(passed) < 20:
        return None
    ages = Durations.of(np.asarray(open_ages, dtype=float))
    n_pass, n_lost = len(passed), len(lost) + lost_without_duration
    own_lost = single.lost is not None
    never = single.never.value > 0
    has_p = n_lost > 0
    lost_family = single.lost.family if single.lost is not None else "lognormal"  # unused without own_lost
    lost0 = [math.log(single.lost.shape), math.log(single.lost.scale)] if single.lost is not None else []
    theta0 = np.concatenate([_start(passed), lost0, [special.logit(min(max(single.p_pass.value, 1e-3), 1 - 1e-3))]
                             if has_p else [], [special.logit(max(single.never.value, 1e-3))] if never else []])
    k_p = 5 + len(lost0)

    def nll(theta: np.ndarray) -> float:
        p = special.expit(theta[k_p]) if has_p else 1.0
        q = special.expit(theta[-1]) if never else 0.0
        total = float(np.sum(_mixture_terms(theta[:5], passed))) + n_pass * math.log(max(p * (1 - q), TINY))
        if has_p:
            if len(lost):
                total += float(np.sum(_closed_terms(lost_family, theta[5:7], lost)) if own_lost
                               else np.sum(_mixture_terms(theta[:5], lost)))
            total += n_lost * math.log(max((1 - p) * (1 - q), TINY))
        if len(ages):
            survive = p * _mixture_sf(theta[:5], ages.low)
            if has_p:
                survive = survive + (1 - p) * (_sf(lost_family, theta[5:7], ages.low) if own_lost
                                               else _mixture_sf(theta[:5], ages.low))
            total += float(np.sum(np.log(np.maximum(q + (1 - q) * survive, TINY)) * ages.count))
        return -total

    result = optimize.minimize(nll, theta0, method="Nelder-Mead",
                               options={"maxiter": 4000, "xatol": 1e-5, "fatol": 1e-6})
    result = optimize.minimize(nll, result.x, method="L-BFGS-B")
    theta = result.x
    aic = 2 * len(theta) + 2 * float(result.fun)
    single_aic = min(single.aic.values())
    if not np.isfinite(aic) or aic >= single_aic:
        return None
    if theta[1] > theta[3]:  # the quicker hump first
        theta = theta.copy()
        theta[0], theta[1:3], theta[3:5] = -theta[0], theta[3:5].copy(), theta[1:3].copy()
    cov = _covariance(nll, theta)

    def summary(t: np.ndarray) -> np.ndarray:
        return np.array([special.expit(t[0]), math.exp(t[1] + math.exp(t[2]) ** 2 / 2),
                         math.exp(t[3] + math.exp(t[4]) ** 2 / 2)])

    values = summary(theta)
    grad = _jacobian(summary, theta)
    ses = np.sqrt(np.maximum(np.diag(grad @ cov @ grad.T), 0))
    components = []
    for mu, log_s in ((theta[1], theta[2]), (theta[3], theta[4])):
        s = math.exp(log_s)
        mean = math.exp(mu + s * s / 2)
        components.append(LogNormal(mean=_round(mean), sd=_round(mean * math.sqrt(math.expm1(s * s)))))
    if any(float(c.ppf(np.array([0.99]))[0]) > TAIL_LIMIT * float(passed.high.max()) for c in components):
        return None  # a hump far beyond every observed duration is the censoring's guess, not data (Olist)
    w = round(float(values[0]), 3)  # three decimals each: the file's four significant digits keep their sum 1
    distribution = Mixture(weights=(w, round(1 - w, 3)), components=tuple(components))
    p_est = single.p_pass
    if has_p:
        p = float(special.expit(theta[k_p]))
        p_est = Estimate(p, p * (1 - p) * math.sqrt(max(cov[k_p, k_p], 0)), n_pass + n_lost)
    never_est = single.never
    if never:
        q = float(special.expit(theta[-1]))
        never_est = Estimate(q, q * (1 - q) * math.sqrt(max(cov[-1, -1], 0)), single.never.n)
    return MixtureFit(distribution, Estimate(float(values[0]), float(ses[0]), n_pass),
                      (Estimate(float(values[1]), float(ses[1]), n_pass), Estimate(float(values[2]), float(ses[2]),
                                                                                   n_pass)),
                      p_est, never_est, aic, single_aic)


def _round(x: float) -> float:
    return float(f"{x:.4g}")
