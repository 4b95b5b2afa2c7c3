"""A finite market: accounts per tier, worked through by arrivals; lost or disqualified prospects may come back
after a cooling-off period. Optional ``[market]`` section (absent: an unlimited market, as before).

**Depletion** (thinning of the arrival process). ``accounts`` counts the accounts of a tier nobody has contacted
by the start date (the open pipeline and the warm-up's deals are accounts already touched, outside the count). The
arrival process of :mod:`simulation.arrivals` gives *potential* arrivals; each lands on one of the tier's ``N``
accounts at random, so it is a first contact with an untouched account with probability ``U / N`` (``U`` untouched
now) and becomes a new deal; otherwise it reaches an account already in the CRM and is dropped. Arrivals slow as
the market is worked through; a tier without an account count is unlimited. An account is untouched at time ``t``
when none of the tier's potential arrivals, a Poisson process with ``Λ(t)`` expected by then, picked it, so

    E[U(t)] = N exp(-Λ(t) / N)            (:func:`expected_untouched`)

**Returns.** A deal that closes ``lost`` or ``disqualified`` (``return_from``) on or after the start date comes
back with probability ``return_probability`` as a new prospect of the same account (same tier, channel, ACV and
models) after a ``cooling_off_days`` draw, if that is before the horizon. It walks the funnel again as a new deal
row whose id is ``R-`` and the original's id (``R-D000042``). An account comes back once: a returned deal that is
lost again does not return (so the rows are known before the run: one return row per deal). Returns touch no new
account. Every draw is from the ``market`` stream, in batches before the SimPy run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.distributions import Distribution, Fixed
from simulation.randomness import SLOTS
from simulation.tables import TIERS

if TYPE_CHECKING:
    import pandas as pd
    import simpy

    from simulation.arrivals import Prospects
    from simulation.funnel import Funnel
    from simulation.record import Columns, DealIds
    from simulation.scenario import Scenario

MAX_ACCOUNTS = 10_000_000


class Accounts(BaseModel):
    """Untouched accounts per tier on the start date; a tier left out is unlimited."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    small: int | None = Field(default=None, gt=0, le=MAX_ACCOUNTS)
    mid: int | None = Field(default=None, gt=0, le=MAX_ACCOUNTS)
    large: int | None = Field(default=None, gt=0, le=MAX_ACCOUNTS)

    @model_validator(mode="after")
    def _some_tier(self) -> Self:
        if all(getattr(self, t) is None for t in TIERS):
            raise ValueError("give the accounts of at least one tier (small, mid, large)")
        return self

    def counts(self) -> np.ndarray:
        """Accounts per tier in :data:`simulation.tables.TIERS` order, ``inf`` for an unlimited tier."""
        return np.array([np.inf if getattr(self, t) is None else float(getattr(self, t)) for t in TIERS])


class Market(BaseModel):
    """The ``[market]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accounts: Accounts
    return_probability: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    cooling_off_days: Distribution = Fixed(value=180)
    return_from: tuple[Literal["lost", "disqualified"], ...] = Field(default=("lost", "disqualified"), min_length=1)


def expected_untouched(accounts: float, expected_arrivals: float | np.ndarray) -> np.ndarray:
    """Expected untouched accounts of a tier of ``accounts`` after ``expected_arrivals`` potential arrivals (a
    Poisson process) each picked an account at random, without returns: ``N exp(-Λ / N)``.

    >>> expected_untouched(100, [0.0, 100.0]).round(3).tolist()
    [100.0, 36.788]
    """
    return accounts * np.exp(-np.asarray(expected_arrivals, dtype=float) / accounts)


def expected_arrivals(scenario: Scenario) -> float:
    """The potential arrivals of all tiers the scenario expects over its horizon (seasonality included)."""
    from simulation.arrivals import DAYS_PER_WEEK, cumulative_intensity
    from simulation.seasonality import day_multipliers, seasonal_total

    arrivals, horizon = scenario.arrivals, scenario.scenario.horizon_days
    rate = arrivals.rate_per_week / DAYS_PER_WEEK
    seasons = scenario.seasonality
    if seasons is None or seasons.arrivals_by_month is None:
        return float(cumulative_intensity(rate, arrivals.growth_per_year, horizon))
    base = cumulative_intensity(rate, arrivals.growth_per_year, np.arange(horizon + 1))
    return seasonal_total(base, day_multipliers(scenario.scenario.start_date, horizon, seasons.monthly_rates()))


def report(scenario: Scenario) -> str:
    """What ``funnelsim validate`` says of the market: its size and, by the closed form, what is left at the
    horizon without returns (returns touch no new account, so they do not change it)."""
    assert scenario.market is not None
    counts = scenario.market.accounts.counts()
    total = expected_arrivals(scenario)
    shares = [getattr(scenario.arrivals.tiers, t) for t in TIERS]
    counted = [k for k in range(len(TIERS)) if np.isfinite(counts[k])]
    left = sum(float(expected_untouched(counts[k], shares[k] * total)) for k in counted)
    tiers = ", ".join(f"{TIERS[k]} {int(counts[k])}" for k in counted)
    accounts = sum(counts[k] for k in counted)
    return (f"market: {int(accounts)} accounts ({tiers}); expected untouched at the horizon {left / accounts:.0%} "
            f"(N exp(-arrivals / N) per tier)")


def first_contacts(accounts: np.ndarray, tier: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Which potential arrivals (in time order, ``tier`` index each, one uniform ``u`` each) are first contacts:
    the ``k``-th of a tier is kept when ``u < U / N`` with ``U`` of its ``N`` accounts untouched then.

    >>> first_contacts(np.array([3.0, np.inf, 1.0]), np.array([0, 0, 1, 0, 0, 2, 2]),
    ...                np.array([0.9, 0.5, 0.99, 0.7, 0.2, 0.1, 0.0])).tolist()
    [True, True, True, False, True, True, False]
    """
    untouched = accounts.copy()
    keep = np.ones(len(tier), dtype=bool)
    for k, (t, draw) in enumerate(zip(tier.tolist(), u.tolist(), strict=True)):
        if untouched[t] == np.inf:
            continue
        keep[k] = draw * accounts[t] < untouched[t]
        untouched[t] -= keep[k]
    return keep


@dataclass(frozen=True)
class Returns:
    """The pre-drawn returns of one replication: deal ``i < base`` may come back as deal ``base + i``."""

    base: int
    comes_back: np.ndarray  # bool per base deal: returns if it closes as one of ``outcomes``
    cooling_off: np.ndarray  # days per base deal
    outcomes: frozenset[str]
    horizon: float

    @staticmethod
    def drawn(market: Market, base: int, rng: np.random.Generator, horizon: float) -> Returns:
        """The decisions and cooling-off times of ``base`` deals (two uniforms each, one batch)."""
        u = rng.random((base, 2))
        return Returns(
            base=base,
            comes_back=u[:, 0] < market.return_probability,
            cooling_off=np.asarray(market.cooling_off_days.ppf(u[:, 1]), dtype=float),
            outcomes=frozenset(market.return_from),
            horizon=horizon,
        )

    def extend(
        self, prospects: Prospects, uniforms: np.ndarray, renewal_u: np.ndarray, rng: np.random.Generator
    ) -> tuple[Prospects, np.ndarray, np.ndarray]:
        """The deal rows with one return row per deal appended: the account's attributes, not yet arrived (NaN),
        fresh stage and renewal uniforms from the ``market`` stream."""
        rows = prospects._replace(arrived=np.full(self.base, np.nan))
        more = type(prospects)(*(np.concatenate(pair) for pair in zip(prospects, rows, strict=True)))
        stage_u = rng.random((self.base, len(SLOTS)))
        renew = rng.random((self.base, *renewal_u.shape[1:]))
        return more, np.vstack([uniforms, stage_u]), np.concatenate([renewal_u, renew])

    def hook(self, env: simpy.Environment, model: Funnel) -> Callable[[int, str], None]:
        """The funnel's ``after_close`` callback: start the return of a deal closed as one of ``outcomes``."""

        def after_close(i: int, outcome: str) -> None:
            if i >= self.base or outcome not in self.outcomes or not self.comes_back[i] or env.now < 0:
                return
            if env.now + self.cooling_off[i] < self.horizon:
                env.process(self._come_back(env, model, i))

        return after_close

    def _come_back(self, env: simpy.Environment, model: Funnel, i: int) -> Generator[Any, Any, None]:
        yield env.timeout(self.cooling_off[i])
        model.ledger.arrived[self.base + i] = env.now
        yield from model.deal(self.base + i)


    def table(self, scenario: Scenario, times: np.ndarray, tier: np.ndarray, prospects: Prospects) -> Columns:
        """The ``market`` table of the run: first contacts are the new prospects (``times``, ``tier``), returns
        the return rows that arrived."""
        arrived, tiers = prospects.arrived[self.base :], prospects.tier[self.base :]
        came = ~np.isnan(arrived)
        assert scenario.market is not None
        return table(scenario.market, scenario.scenario.start_date, scenario.scenario.horizon_days, (times, tier),
                     (arrived[came], tiers[came]))


def with_returns(ids: DealIds, returns: Returns | None, number: np.ndarray, dropped: np.ndarray) -> DealIds:
    """``ids`` with the ids of the return rows that came back (not ``dropped``), each ``R-`` + its account's first
    deal's id, in deal-number order (``number``: each row's place in ``ids.all()``)."""
    if returns is None:
        return ids
    first = ids.all()
    came = np.flatnonzero(~dropped[returns.base :])
    return replace(ids, returns=tuple(f"R-{first[number[i]]}" for i in came.tolist()))


def table(
    market: Market, start_date: dt.date, horizon_days: int, first: tuple[np.ndarray, np.ndarray],
    returned: tuple[np.ndarray, np.ndarray],
) -> Columns:
    """The ``market`` table's columns: one row per calendar month of the horizon and counted tier. ``first`` and
    ``returned`` are (days from the start date, tier index) of the first contacts and of the returns."""
    start = np.datetime64(start_date, "D")
    months = np.arange(start.astype("datetime64[M]"), (start + horizon_days - 1).astype("datetime64[M]") + 1)
    ends = np.minimum(((months + 1).astype("datetime64[D]") - start).astype(float), float(horizon_days))
    starts = np.maximum((months.astype("datetime64[D]") - start).astype(float), 0.0)
    counts = market.accounts.counts()
    tiers = [k for k in range(len(TIERS)) if np.isfinite(counts[k])]

    def per_month(times: np.ndarray) -> np.ndarray:
        return ((times[None, :] >= starts[:, None]) & (times[None, :] < ends[:, None])).sum(axis=1)

    columns: dict[str, list[np.ndarray]] = {name: [] for name in MARKET_COLUMNS}
    for k in tiers:
        contacts = per_month(first[0][first[1] == k])
        touched = np.cumsum(contacts)
        columns["month"].append(months.astype("datetime64[ns]"))
        columns["tier"].append(np.full(len(months), TIERS[k], dtype=object))
        columns["accounts"].append(np.full(len(months), int(counts[k]), dtype=np.int64))
        columns["first_contacts"].append(contacts.astype(np.int64))
        columns["returns"].append(per_month(returned[0][returned[1] == k]).astype(np.int64))
        columns["touched"].append(touched.astype(np.int64))
        columns["untouched"].append((int(counts[k]) - touched).astype(np.int64))
    return {name: np.concatenate(parts) for name, parts in columns.items()}  # Accounts counts at least one tier


def summary_line(market: pd.DataFrame, returned: int) -> str:
    """What ``funnelsim run`` says of the market: the share of the counted accounts untouched at the horizon."""
    last = market[market["month"] == market["month"].max()]
    share = last["untouched"].sum() / last["accounts"].sum()
    tiers = ", ".join(f"{r.tier} {r.untouched}/{r.accounts}" for r in last.itertuples())
    return (f"market      {share:>6.0%}  of the counted accounts untouched at the horizon ({tiers}); "
            f"{returned} came back after cooling off")


MARKET_COLUMNS = ("month", "tier", "accounts", "first_contacts", "returns", "touched", "untouched")
