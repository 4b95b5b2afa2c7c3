"""Random streams (NumPy SPEC 7): one ``SeedSequence`` per run, children per replication and per purpose.

Inside a replication each purpose has its own stream, drawn in batches before the SimPy run starts:

* ``arrivals``: arrival times of new prospects;
* ``attributes``: each prospect's tier, channel, size and number of models;
* ``stages``: one row of uniforms per prospect, one column per stage decision or duration (see ``SLOTS``);
* ``pipeline``: attributes and stage uniforms of the deals open at the start;
* ``renewals``: post-sale renewal outcomes per customer, model and year;
* ``warmup``: arrival times, attributes and stage uniforms of the prospects who arrive during the warm-up before
  the start date (:mod:`simulation.warmup`), apart from the others so that the prospects after the start date are
  the same with and without a warm-up;
* ``parameters``: the replication's draw of the scenario's uncertain parameters (:mod:`simulation.parameter_draw`),
  apart from the others so that a scenario with an ``[uncertainty]`` section sees the same prospects and stage
  uniforms as without it;
* ``staff``, ``market``, ``billing``, ``usage``: the draws of the optional mechanisms of the same names (issue 16),
  each read only when its section is on, so a scenario without them sees exactly the streams it saw before.

Stage durations and decisions are made by inverse CDF from these uniforms, so two scenarios run with the same seed
see the same prospects (arrival time, tier, channel, size), and a fix changes only what it touches: the same
prospect lands on the same quantile of the new POV duration (common random numbers).
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np

Seed = int | np.random.SeedSequence

# Columns of the per-deal uniform matrix, one per decision or duration in the funnel. Append only: reordering
# would change every seeded result.
SLOTS: Final = (
    "dq_days", "dq_pass", "dq_return", "return_after", "dq2_days", "dq2_pass",
    "access_days", "access_ok",
    "pov_days", "pov_complete", "pov_drop_at",
    "val_days", "val_pass", "val_extend", "ext_days", "val2_days", "val2_pass",
    "nego_days", "founder_needed", "win",
    "retention_90d", "contraction_90d",
    "pov_patience", "founder_patience",
)
SLOT: Final = {name: k for k, name in enumerate(SLOTS)}
ATTRIBUTES: Final = ("tier", "channel", "acv", "models")


class Streams(NamedTuple):
    arrivals: np.random.Generator
    attributes: np.random.Generator
    stages: np.random.Generator
    pipeline: np.random.Generator
    renewals: np.random.Generator
    warmup: np.random.Generator  # appended: spawn children are by index, so the five above keep their seeds
    parameters: np.random.Generator  # appended likewise
    staff: np.random.Generator  # issue 16, appended likewise: tenures, backfill delays, vacations
    market: np.random.Generator  # cooling-off returns of lost prospects, first contacts in a finite market
    billing: np.random.Generator  # collection delays and bad debt per invoice
    usage: np.random.Generator  # go-live delays and usage ramps


def seed_sequence(seed: Seed) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def children(seed: Seed, count: int) -> list[np.random.SeedSequence]:
    """The first ``count`` children of ``seed``, what ``SeedSequence.spawn`` gives a fresh sequence, without
    advancing its spawn counter: the same seed object gives the same children however often it is asked (spawn
    would hand out new ones on a second call, and two scenarios run on one seed object would not see the same
    prospects)."""
    parent = seed_sequence(seed)
    return [
        np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, k), pool_size=parent.pool_size)
        for k in range(count)
    ]


def replication_seeds(seed: Seed, count: int) -> list[np.random.SeedSequence]:
    """Independent child seeds for ``count`` replications; replication k gets the same one however runs are split."""
    return children(seed, count)


def streams(seed: Seed) -> Streams:
    """The per-purpose generators of one replication."""
    return Streams(*(np.random.default_rng(child) for child in children(seed, len(Streams._fields))))


def stream(seed: Seed, name: str) -> np.random.Generator:
    """The generator of one purpose (a field of :class:`Streams`) of one replication, without making the others."""
    index = Streams._fields.index(name)
    return np.random.default_rng(children(seed, index + 1)[index])
