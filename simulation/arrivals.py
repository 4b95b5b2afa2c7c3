"""New prospects: arrival times (a Poisson process, optionally growing) and each prospect's attributes.

Everything is drawn in one batch before the run; the arrival process in the SimPy model only walks the array.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import numpy as np

from simulation.distributions import Distribution, first_quantile
from simulation.randomness import ATTRIBUTES
from simulation.scenario import Scenario, Tiers
from simulation.seasonality import day_multipliers, seasonal_total, time_change
from simulation.tables import CHANNELS, LARGE_MIN_ACV, SMALL_MAX_ACV, TIERS

DAYS_PER_WEEK: Final = 7.0
DAYS_PER_YEAR: Final = 365.0


class Prospects(NamedTuple):
    """Column arrays, one entry per prospect (index = deal number)."""

    arrived: np.ndarray  # days from the start date
    tier: np.ndarray  # index into TIERS
    channel: np.ndarray  # index into CHANNELS
    acv: np.ndarray
    models: np.ndarray


def cumulative_intensity(rate_per_day: float, growth_per_year: float, days: np.ndarray | float) -> np.ndarray:
    """Expected arrivals in [0, days]: rate grows by ``growth_per_year`` (compounded continuously per day)."""
    b = math.log1p(growth_per_year) / DAYS_PER_YEAR
    t = np.asarray(days, dtype=float)
    return rate_per_day * t if b == 0 else rate_per_day * np.expm1(b * t) / b


def inverse_intensity(rate_per_day: float, growth_per_year: float, mass: np.ndarray) -> np.ndarray:
    """The day by which ``mass`` arrivals are expected (the inverse of :func:`cumulative_intensity`; a negative mass
    gives a day before the start)."""
    b = math.log1p(growth_per_year) / DAYS_PER_YEAR
    return mass / rate_per_day if b == 0 else np.log1p(b * mass / rate_per_day) / b


def arrival_times(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival days in [0, horizon): a Poisson count, then order statistics of the intensity."""
    arrivals = scenario.arrivals
    rate = arrivals.rate_per_week / DAYS_PER_WEEK
    horizon = scenario.scenario.horizon_days
    seasons = scenario.seasonality
    if seasons is not None and seasons.arrivals_by_month is not None:  # a time change of the same draws
        base = cumulative_intensity(rate, arrivals.growth_per_year, np.arange(horizon + 1))
        daily = day_multipliers(scenario.scenario.start_date, horizon, seasons.monthly_rates())
        total = seasonal_total(base, daily)
        count = rng.poisson(total)
        mass = time_change(np.sort(rng.random(count)) * total, base, daily)
        return inverse_intensity(rate, arrivals.growth_per_year, mass)
    total = float(cumulative_intensity(rate, arrivals.growth_per_year, horizon))
    count = rng.poisson(total)
    mass = np.sort(rng.random(count)) * total
    return inverse_intensity(rate, arrivals.growth_per_year, mass)


def attributes(scenario: Scenario, uniforms: np.ndarray, tiers: np.ndarray | None = None) -> Prospects:
    """Tier, channel, ACV and models per prospect from a (n, 4) matrix of uniforms (columns: ATTRIBUTES)."""
    n = len(uniforms)
    col = {name: uniforms[:, k] for k, name in enumerate(ATTRIBUTES)}
    shares = scenario.arrivals.tiers
    tier_cut = np.cumsum([getattr(shares, t) for t in TIERS])[:-1]
    drawn_tier = np.searchsorted(tier_cut, col["tier"], side="right")
    tier = drawn_tier if tiers is None else np.where(tiers >= 0, tiers, drawn_tier)
    channel = (col["channel"] >= scenario.arrivals.channels.direct).astype(int)
    acv, models = np.empty(n), np.empty(n)
    for k, name in enumerate(TIERS):
        mask = tier == k
        spec = getattr(scenario.tiers, name)
        low, high = acv_band(spec.acv, name)  # cut to the tier's band: a "small" deal is never $54K
        acv[mask] = spec.acv.ppf(low + col["acv"][mask] * (high - low))
        models[mask] = np.maximum(1.0, np.rint(spec.models_per_customer.ppf(col["models"][mask])))
    return Prospects(np.zeros(n), tier, channel, acv, models)


TIER_BANDS: Final = {"small": "under $50K", "mid": "$50K-$150K", "large": "over $150K"}  # article A


def acv_band(acv: Distribution, tier: str) -> tuple[float, float]:
    """The quantiles ``(low, high)`` of ``acv`` between which it lies in ``tier``'s ACV band: the engine maps a
    uniform ``u`` to ``acv.ppf(low + u * (high - low))``, the distribution cut to the band (inverse-CDF sampling,
    so common random numbers still hold)."""
    starts = {"small": (0.0, False), "mid": (SMALL_MAX_ACV, False), "large": (LARGE_MIN_ACV, True)}
    low = first_quantile(acv, *starts[tier][:1], strict=starts[tier][1])
    ends = {"small": (SMALL_MAX_ACV, False), "mid": (LARGE_MIN_ACV, True)}
    high = first_quantile(acv, ends[tier][0], strict=ends[tier][1]) if tier in ends else 1.0
    return low, high


def max_models(tiers: Tiers) -> int:
    """The most models any customer can deploy (sizes the renewal draws)."""
    return max(int(np.rint(getattr(tiers, t).models_per_customer.ppf(np.array([0.999999]))[0])) for t in TIERS)


assert CHANNELS == ("direct", "partner")  # channel index 1 is partner, as `attributes` encodes it
