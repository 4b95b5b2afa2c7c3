"""The warm-up: the funnel runs on the base parameters before the start date, so a run opens on a settled pipeline.

A company with a steady inflow holds deals at every stage on any given day; a run that starts empty shows the
pipeline filling up instead (the sales cycle "grows" quarter after quarter while nothing changes, and a CRO reads a
trend that is an artefact of the method). So, unless the scenario gives its open deals (``[pipeline]`` counts or a
CRM CSV, which then are the state on the start date), prospects arrive from ``-warmup_days`` on, and the clock
starts with the deals and queues the warm-up left, with their real entry dates. Deals that closed before the start
date are not in the tables (they are history, like the customers a scenario does not model), so nothing from the
warm-up counts in a KPI except through the deals still open on the start date.

How long (by default, when ``[scenario] warmup_days`` is absent): 1.5 times the longest path a prospect can take,
every stage at its 99th percentile (the data-quality check, nurture and a second check, data access, the POV,
validation, an extension with a second validation, negotiation and the founder's meeting), rounded up to whole
weeks. A sum of 99th percentiles is far beyond the 99th percentile of a whole cycle, so every deal that can still
be open on the start date has arrived inside the warm-up; the extra half is for the queues, whose waits the path
leaves out (they have no closed form) and which need time to settle. The test is that a stationary scenario shows
no SCCR trend, its first quarter included (``tests/simulation/test_warmup.py``). A planner may set
``warmup_days`` (0: start empty, as an exact trace wants).
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import numpy as np

from simulation.arrivals import DAYS_PER_WEEK, Prospects, attributes, cumulative_intensity, inverse_intensity
from simulation.distributions import Distribution
from simulation.randomness import ATTRIBUTES, SLOTS
from simulation.scenario import Scenario

FACTOR: Final = 1.5
QUANTILE: Final = 0.99
CHUNK: Final = 256  # arrival gaps drawn per batch, always the same size so the stream reads the same way


class Warmup(NamedTuple):
    days: float
    prospects: Prospects  # arrived: negative days (before the start date)
    uniforms: np.ndarray  # prospects x SLOTS


def _high(distribution: Distribution) -> float:
    return float(distribution.ppf(np.array([QUANTILE]))[0])


def longest_path_days(scenario: Scenario) -> float:
    """Days from arrival to close along the longest path, every stage at its 99th percentile, queues left out."""
    dq, pov, val, nego = scenario.data_quality, scenario.pov, scenario.validation, scenario.negotiation
    nurture = _high(dq.return_after_days) + _high(dq.check_days) if dq.return_probability > 0 else 0.0
    extension = _high(val.extension_days) + _high(val.duration_days) if val.extension_probability > 0 else 0.0
    founder = 7.0 / nego.founder_meetings_per_week
    stages = (dq.check_days, pov.data_access_days, pov.duration_days, val.duration_days, nego.duration_days)
    return sum(_high(d) for d in stages) + nurture + extension + founder


def warmup_days(scenario: Scenario) -> float:
    """The warm-up's length in days: 0 when ``[pipeline]`` gives the open deals, else ``warmup_days``."""
    if scenario.pipeline.open:
        return 0.0
    chosen = scenario.scenario.warmup_days
    if chosen is not None:
        return float(chosen)
    return float(math.ceil(FACTOR * longest_path_days(scenario) / DAYS_PER_WEEK) * DAYS_PER_WEEK)


def arrivals_before(scenario: Scenario, rng: np.random.Generator, days: float) -> np.ndarray:
    """Arrival days in [-days, 0), in time order, generated backwards from the start date (unit-rate gaps mapped
    through the intensity): a shorter warm-up's arrivals are exactly the last ones of a longer warm-up's, so
    scenarios whose warm-ups differ in length still open on mostly the same prospects."""
    a = scenario.arrivals
    rate = a.rate_per_week / DAYS_PER_WEEK
    total = -float(cumulative_intensity(rate, a.growth_per_year, -days))  # expected arrivals in [-days, 0)
    masses = np.zeros(0)
    while not len(masses) or masses[-1] < total:
        offset = masses[-1] if len(masses) else 0.0
        masses = np.append(masses, offset + np.cumsum(rng.exponential(1.0, CHUNK)))
    masses = masses[masses < total]
    return inverse_intensity(rate, a.growth_per_year, -masses)[::-1]


def warmup_prospects(scenario: Scenario, rng: np.random.Generator) -> Warmup:
    """The prospects who arrive during the warm-up, with their attributes and stage uniforms (one batch each, from
    streams of their own and in backward order, so the prospect nearest the start date keeps its draws)."""
    days = warmup_days(scenario)
    gaps, traits, stages = rng.spawn(3)
    times = arrivals_before(scenario, gaps, days) if days > 0 else np.zeros(0)
    n = len(times)
    prospects = attributes(scenario, traits.random((n, len(ATTRIBUTES)))[::-1])._replace(arrived=times)
    return Warmup(days, prospects, stages.random((n, len(SLOTS)))[::-1])
