"""The ``[uncertainty]`` section of a calibrated scenario: what the export says about how sure each fit is.

**Choice: the likelihood's covariance, not a bootstrap.** Every fit of the calibration is a maximum-likelihood fit
whose covariance (the inverse observed information, a numerical Hessian :mod:`analysis.crm.fitting` already
computes for the standard errors) comes with it at no extra cost. A bootstrap over deals would re-run the whole
calibration (three families by AIC, the joint passed / lost / never fit with and without a never-closing share, the
arrival trend test) B times: on Maven's 7,115 deals one calibration takes 0.7 s of CPU and the covariance 1 ms
(measured 2026-12-01), so B = 200 would make ``calibrate`` take over two minutes and the round-trip coverage test
(many calibrations) far too slow. The normal approximation is asymptotic; with thousands of deals per export it is a
fair one, and ``tests/crm/test_uncertainty.py`` checks that its 80 % intervals hold the truth about 80 % of the time.

The covariance is carried over by the delta method onto the scenario's own parameters, on scales where they stay
valid: ``log`` for the arrival rate, a duration's or ACV's mean and SD, ``log1p`` for the growth, ``logit`` for a
probability (:mod:`simulation.uncertainty`). One stretch's duration, pass probability and never-closing share come
from one joint fit, so they keep their correlations; different fits are independent (block-diagonal).

Not drawn: the tier and channel shares (binomial SEs well under a point with thousands of deals), the time to loss
(not simulated), a stretch whose information matrix is singular (listed in the notes), and the family choice
itself (the AIC winner is taken as known).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import special

from analysis.crm.calibrate import DURATION_PARAMETER, PROBABILITY_PARAMETER, Calibration, Stretch
from analysis.crm.fitting import FAMILIES
from simulation.uncertainty import ParameterUncertainty, Scale

METHOD: Final = ("normal approximation of the likelihood (inverse observed information), carried to these "
                 "parameters by the delta method")


@dataclass(frozen=True)
class Block:
    """Some parameters from one fit: their key paths, scales and covariance on those scales."""

    parameters: tuple[str, ...]
    scales: tuple[Scale, ...]
    cov: np.ndarray


def blocks(cal: Calibration) -> tuple[list[Block], list[str]]:
    """The uncertainty of every fit the calibrated scenario uses, and notes on what could not be drawn."""
    found: list[Block] = []
    notes: list[str] = []
    arr = cal.arrivals
    if arr.log_cov is not None:
        names = ("arrivals.rate_per_week", "arrivals.growth_per_year")[: len(arr.log_cov)]
        arrival_scales: tuple[Scale, ...] = ("log", "log1p")
        found.append(Block(names, arrival_scales[: len(names)], np.asarray(arr.log_cov, dtype=float)))
    for tier, fit in cal.acv.items():
        if fit.moments_cov is not None and not (fit.mean.value > 0 and fit.sd.value > 0):
            notes.append(f"tiers.{tier}.acv: every deal the same size; a fixed value, not drawn")
        elif fit.moments_cov is not None:
            inverse_values = np.diag([1 / fit.mean.value, 1 / fit.sd.value])  # d log x = dx / x
            found.append(Block((f"tiers.{tier}.acv.mean", f"tiers.{tier}.acv.sd"), ("log", "log"),
                               inverse_values @ fit.moments_cov @ inverse_values))
    for stretch in cal.stretches:
        if stretch.mixture is not None:  # its covariance is not computed: drawing the single family's would be wrong
            notes.append(f"{stretch.carrier}: a two-humped duration (mixture); its parameters are not drawn")
            continue
        block = stretch_block(stretch, cal.dated_losses)
        if block is not None:
            found.append(block)
        elif stretch.carrier is not None and stretch.fit is not None:
            notes.append(f"{stretch.carrier}: the fit's information matrix is singular; its parameters are not drawn")
    usable = [b for b in found if np.all(np.isfinite(b.cov))]
    notes += [f"{', '.join(b.parameters)}: no finite covariance; not drawn" for b in found if b not in usable]
    return usable, notes


def stretch_block(stretch: Stretch, dated_losses: bool) -> Block | None:
    """The duration, pass probability and never-closing share of one stretch, as the scenario file holds them."""
    fit = stretch.fit
    if stretch.carrier is None or fit is None or fit.passed is None or fit.theta is None or fit.cov is None:
        return None
    if not fit.passed.sd.value > 0:  # every duration the same: a fixed value in the file, nothing to draw
        return None
    at = {name: k for k, name in enumerate(fit.layout)}
    family = FAMILIES[fit.passed.family]
    section, key = DURATION_PARAMETER[stretch.carrier]
    p_section, p_key = PROBABILITY_PARAMETER[stretch.carrier]
    never = "logit_never" in at
    names: list[str] = ([f"{section}.{key}.scale"] if stretch.empirical is not None
                        else [f"{section}.{key}.mean", f"{section}.{key}.sd"])
    probability = "logit_pass" in at or (never and not dated_losses)
    names += [f"{p_section}.{p_key}"] if probability else []
    names += ["data_quality.pass_probability"] if never and dated_losses else []

    def values(theta: np.ndarray) -> np.ndarray:
        shape, scale = np.exp(theta[0:2])
        out = [math.log(family.mean(shape, scale=scale))]
        if stretch.empirical is None:
            out.append(math.log(family.std(shape, scale=scale)))
        p = float(special.expit(theta[at["logit_pass"]])) if "logit_pass" in at else 1.0
        q = float(special.expit(theta[at["logit_never"]])) if never else 0.0
        if probability:  # a wins-only export: the never-converting share is part of the loss (as the file writes it)
            out.append(float(special.logit(p * (1 - q) if never and not dated_losses else p)))
        if never and dated_losses:  # the never-closing share is disqualified at entry
            out.append(float(special.logit(1 - q)))
        return np.array(out)

    grad = _jacobian(values, np.asarray(fit.theta, dtype=float))
    scales: tuple[Scale, ...] = tuple("logit" if n.endswith("probability") else "log" for n in names)
    return Block(tuple(names), scales, grad @ fit.cov @ grad.T)


def _jacobian(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Central differences, steps relative to each coordinate (the fits' own scale is log or logit: O(1))."""
    h = 1e-5 * np.maximum(1.0, np.abs(theta))
    steps = np.eye(len(theta)) * h
    return np.column_stack([(f(theta + steps[i]) - f(theta - steps[i])) / (2 * h[i]) for i in range(len(theta))])


def parameter_uncertainty(cal: Calibration) -> tuple[ParameterUncertainty | None, list[str]]:
    """The ``[uncertainty]`` section of ``cal``'s scenario (None: nothing to draw) and notes for its header."""
    found, notes = blocks(cal)
    if not found:
        return None, notes
    names = [n for b in found for n in b.parameters]
    scales = [s for b in found for s in b.scales]
    cov = np.zeros((len(names), len(names)))
    at = 0
    for b in found:
        k = len(b.parameters)
        cov[at: at + k, at: at + k] = b.cov
        at += k
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    scale = np.where(se > 0, se, 1.0)
    correlation = np.clip(cov / np.outer(scale, scale), -1.0, 1.0)
    np.fill_diagonal(correlation, 1.0)
    correlation[se == 0, :] = 0.0
    correlation[:, se == 0] = 0.0
    np.fill_diagonal(correlation, 1.0)
    section = ParameterUncertainty(
        method=METHOD, parameters=tuple(names), scales=tuple(scales), se=tuple(float(f"{v:.4g}") for v in se),
        correlation=tuple(tuple(round(float(v), 4) for v in row) for row in correlation),
    )
    return section, notes
