"""A finite market ([market]): first contacts thin the arrivals, accounts come back after cooling off, the market
table counts what is left. Exact traces on hand-made inputs, the depletion curve against its closed form, the share
of returns against its binomial standard error, bad inputs."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.arrivals import DAYS_PER_WEEK, cumulative_intensity
from simulation.commands import summary
from simulation.engine import run, simulate
from simulation.loader import load_scenario
from simulation.market import Market, expected_arrivals, expected_untouched, first_contacts, report, table
from simulation.record import SECONDS_PER_DAY
from simulation.scenario import Scenario
from simulation.seasonality import Seasonality
from simulation.tables import MARKET
from tests.conftest import FIXES, SCENARIOS
from tests.simulation.bad_inputs import BASE_TEXT, Bad
from tests.simulation.test_loader import check

SEEDS = range(1, 401)


def with_market(base: Scenario, **market: Any) -> Scenario:
    """``base`` started empty (no warm-up) with a ``[market]`` section."""
    cold = base.scenario.model_copy(update={"warmup_days": 0})
    return base.model_copy(update={"scenario": cold, "market": Market.model_validate(market)})


# --- exact traces -----------------------------------------------------------------------------------------------


def test_first_contacts_trace() -> None:
    """3 small accounts, an unlimited mid tier: by hand, U/N is 3/3, 2/3, 1/3, 1/3, 0/3 at the small arrivals."""
    accounts = np.array([3.0, np.inf, 5.0])
    tier = np.array([0, 0, 1, 0, 0, 0, 1])
    u = np.array([0.99, 0.5, 0.999, 0.7, 0.2, 0.0, 0.5])
    # small #1: 0.99 < 3/3 kept (U=2); #2: 0.5 < 2/3 kept (U=1); #3: 0.7 >= 1/3 dropped; #4: 0.2 < 1/3 kept (U=0);
    # #5: nothing left, dropped even at u = 0. Mid arrivals are always kept.
    assert first_contacts(accounts, tier, u).tolist() == [True, True, True, False, True, False, True]


def test_market_table_trace() -> None:
    """60 days from Monday 2027-01-04: January is days [0, 28), February [28, 56), March [56, 60)."""
    market = Market.model_validate({"accounts": {"small": 5, "large": 2}})
    first = (np.array([1.0, 5.0, 30.0, 59.0, 10.0]), np.array([0, 0, 0, 0, 1]))  # the mid one is not counted
    returned = (np.array([40.0, 27.9]), np.array([0, 2]))
    columns = table(market, dt.date(2027, 1, 4), 60, first, returned)
    assert columns["tier"].tolist() == ["small"] * 3 + ["large"] * 3
    assert [str(m)[:10] for m in columns["month"]] == ["2027-01-01", "2027-02-01", "2027-03-01"] * 2
    assert columns["accounts"].tolist() == [5, 5, 5, 2, 2, 2]
    assert columns["first_contacts"].tolist() == [2, 1, 1, 0, 0, 0]
    assert columns["returns"].tolist() == [0, 1, 0, 1, 0, 0]
    assert columns["touched"].tolist() == [2, 3, 4, 0, 0, 0]
    assert columns["untouched"].tolist() == [3, 2, 1, 2, 2, 2]


def _returns_of(deals: Any) -> dict[str, Any]:
    return {row.id: row for row in deals.itertuples() if row.id.startswith("R-")}


def test_every_eligible_account_returns_exactly_after_cooling_off(ai_startup: Scenario) -> None:
    """Return probability 1, a fixed 30-day cooling-off: every deal lost or disqualified from the start date on,
    30 days before the horizon or more, comes back exactly 30 days after it closed, as the same account; no
    other deal does, and a returned deal never returns again."""
    scenario = with_market(ai_startup, accounts={"small": 80, "mid": 40}, return_probability=1.0,
                           cooling_off_days={"dist": "fixed", "value": 30})
    for seed in (1, 2, 3):
        outcome = simulate(scenario, seed)
        deals = outcome.deals.set_index("id", drop=False)
        end = outcome.start_date + dt.timedelta(days=outcome.horizon_days)
        first = deals[~deals["id"].str.startswith("R-")]
        gone = first["outcome"].isin(["lost", "disqualified"]) & (first["closed"] >= outcome.start_date)
        due = first[gone & (first["closed"] + dt.timedelta(days=30) < end)]
        returned = _returns_of(deals)
        assert sorted(returned) == sorted(f"R-{i}" for i in due["id"]) and len(returned) > 10
        for rid, row in returned.items():
            original = deals.loc[rid.removeprefix("R-")]
            assert row.arrived == original["closed"] + dt.timedelta(days=30)
            assert (row.tier, row.channel, row.acv, row.models) == (
                original["tier"], original["channel"], original["acv"], original["models"])
        market = outcome.extra["market"]
        new = deals["id"].str.startswith("D")
        for tier in ("small", "mid"):  # large is unlimited: not in the table, but its accounts return too
            rows = market[market["tier"] == tier]
            assert int(rows["returns"].sum()) == sum(row.tier == tier for row in returned.values())
            assert int(rows["first_contacts"].sum()) == int((deals.loc[new, "tier"] == tier).sum())
            assert int(rows["untouched"].iloc[-1]) == rows["accounts"].iloc[0] - rows["first_contacts"].sum()


def test_a_market_too_large_to_notice_changes_nothing(ai_startup: Scenario) -> None:
    """Ten million accounts a tier and no returns: the same deals, ids and revenue as without [market]."""
    big = {t: 10_000_000 for t in ("small", "mid", "large")}
    for seed in (1, 2):
        on = simulate(ai_startup.model_copy(update={"market": Market.model_validate({"accounts": big})}), seed)
        off = simulate(ai_startup, seed)
        for name in ("deals", "revenue", "spend", "resources"):
            assert on.tables()[name].equals(off.tables()[name]), name
        assert set(on.tables()) - set(off.tables()) == {"market"}


# --- closed forms -------------------------------------------------------------------------------------------------


def test_depletion_follows_the_closed_form(ai_startup: Scenario) -> None:
    """Without returns the untouched accounts at each month's end average N exp(-Λ(t) / N) over 400 seeds, within
    4 standard errors of the mean (Λ: the tier's expected potential arrivals by then)."""
    accounts = 40
    scenario = with_market(ai_startup, accounts={"small": accounts})
    curves = np.array([run(scenario, seed).extra["market"]["untouched"] for seed in SEEDS], dtype=float)
    start = np.datetime64(scenario.scenario.start_date, "D")
    months = run(scenario, 1).extra["market"]["month"].astype("datetime64[D]")
    ends = np.minimum(((months.astype("datetime64[M]") + 1).astype("datetime64[D]") - start).astype(float),
                      scenario.scenario.horizon_days)
    arrivals = scenario.arrivals
    expected_arrivals = arrivals.tiers.small * cumulative_intensity(
        arrivals.rate_per_week / DAYS_PER_WEEK, arrivals.growth_per_year, ends)
    expected = expected_untouched(accounts, expected_arrivals)
    se = curves.std(axis=0, ddof=1) / math.sqrt(len(SEEDS))
    assert expected[-1] < 0.25 * accounts  # the market is well worked through by the horizon
    np.testing.assert_array_less(np.abs(curves.mean(axis=0) - expected), 4 * se)


def test_validate_predicts_the_share_left_with_seasonal_arrivals(ai_startup: Scenario) -> None:
    """``funnelsim validate``'s closed form (arrivals by month of the year included) against 400 seeded runs: the
    share of the accounts untouched at the horizon within 4 standard errors."""
    seasons = Seasonality(arrivals_by_month=(0.4, 0.6, 1.0, 1.0, 1.5, 1.0, 1.8, 1.0, 1.0, 1.0, 0.8, 0.6))
    scenario = with_market(ai_startup, accounts={"small": 60, "large": 15}).model_copy(
        update={"seasonality": seasons})
    predicted = float(report(scenario).split("horizon ")[1].split("%")[0]) / 100
    counts = expected_arrivals(scenario) * np.array([0.5, 0.15])
    exact = float((expected_untouched(60, counts[0]) + expected_untouched(15, counts[1])) / 75)
    assert abs(predicted - exact) <= 0.005  # the report rounds to whole percents
    left = []
    for seed in SEEDS:
        market = run(scenario, seed).extra["market"]
        last = market["month"] == market["month"].max()
        left.append(market["untouched"][last].sum() / 75)
    assert abs(np.mean(left) - exact) < 4 * np.std(left, ddof=1) / math.sqrt(len(left))


def test_the_share_that_returns_is_the_return_probability(ai_startup: Scenario) -> None:
    """Of the deals that could come back before the horizon, the share that did is p within 4 binomial SEs."""
    p, cooling = 0.3, 60
    scenario = with_market(ai_startup, accounts={"small": 100, "mid": 60, "large": 20}, return_probability=p,
                           cooling_off_days={"dist": "fixed", "value": cooling}, return_from=["lost"])
    eligible = came = 0
    for seed in SEEDS[:100]:
        record = run(scenario, seed)
        d = record.deals
        ids = np.array(record.row_ids(), dtype=object)
        first = ~np.char.startswith(ids.astype(str), "R-")
        limit = (record.horizon_days - cooling) * SECONDS_PER_DAY
        eligible += int((first & (d["outcome"] == "lost") & (d["closed"] >= 0) & (d["closed"] < limit)).sum())
        came += int((~first).sum())
    se = math.sqrt(p * (1 - p) / eligible)
    assert eligible > 1000
    assert abs(came / eligible - p) < 4 * se


def test_returns_wait_their_cooling_off(ai_startup: Scenario) -> None:
    """A drawn cooling-off: each return arrives between 90 and 180 days after its account's deal closed."""
    scenario = with_market(ai_startup, accounts={"small": 100}, return_probability=0.5,
                           cooling_off_days={"dist": "uniform", "low": 90, "high": 180})
    outcome = simulate(scenario, 7)
    deals = outcome.deals.set_index("id", drop=False)
    gaps = [(row.arrived - deals.loc[rid[2:], "closed"]).total_seconds() / SECONDS_PER_DAY
            for rid, row in _returns_of(deals).items()]
    assert len(gaps) > 5 and min(gaps) >= 90 - 1e-5 and max(gaps) <= 180 + 1e-5


@settings(max_examples=60, deadline=None)
@given(
    accounts=st.lists(st.integers(1, 6), min_size=3, max_size=3),
    draws=st.lists(st.tuples(st.integers(0, 2), st.floats(0, 1, exclude_max=True)), max_size=40),
)
def test_first_contacts_never_exceed_the_accounts(accounts: list[int], draws: list[tuple[int, float]]) -> None:
    tier = np.array([t for t, _ in draws], dtype=int)
    kept = first_contacts(np.array(accounts, dtype=float), tier, np.array([u for _, u in draws]))
    for k in range(3):
        mine = np.flatnonzero(tier == k)
        assert kept[tier == k].sum() <= accounts[k]
        if len(mine):
            assert kept[mine[0]]  # the first arrival of a tier always finds the market untouched


# --- bad inputs ---------------------------------------------------------------------------------------------------


def market_case(id: str, section: str, key: str, problem: str) -> Bad:
    return Bad(id, key, problem, {"bad.toml": BASE_TEXT + "\n[market]\n" + section + "\n"})


BAD = [
    market_case("unknown_tier", "accounts = { small = 10, tiny = 5 }", "market.accounts.tiny", "unknown key"),
    market_case("negative_accounts", "accounts = { small = -3 }", "market.accounts.small", "greater than 0"),
    market_case("no_tier_counted", "accounts = {}", "market.accounts", "at least one tier"),
    market_case("probability_above_one", "accounts = { mid = 5 }\nreturn_probability = 1.5",
                "market.return_probability", "less than or equal to 1"),
    market_case("return_from_won", 'accounts = { mid = 5 }\nreturn_from = ["won"]', "market.return_from[0]",
                "'lost' or 'disqualified'"),
    market_case("missing_accounts", "return_probability = 0.2", "market.accounts", "required"),
]


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.id)
def test_bad_market_section(case: Bad, tmp_path: Path) -> None:
    check(case, tmp_path)


def test_the_run_summary_says_how_much_of_the_market_is_left() -> None:
    scenario = load_scenario(SCENARIOS / "variants" / "finite_market.toml")
    outcome = simulate(scenario, 1)
    text = summary(scenario, outcome, 1)
    market = outcome.extra["market"]
    last = market[market["month"] == market["month"].max()]
    share = last["untouched"].sum() / last["accounts"].sum()
    returned = int(outcome.deals["id"].str.startswith("R-").sum())
    line = next(line for line in text.splitlines() if line.strip().startswith("market"))
    assert f"{share:.0%}" in line and f"{returned} came back" in line and returned > 0
    opened = int((~outcome.deals["id"].str.startswith(("D", "R-"))).sum())
    assert f"plus {opened} open at the start" in text  # the returns are not open deals of the start date


@pytest.mark.parametrize("fix", [None, *FIXES], ids=lambda p: p.stem if isinstance(p, Path) else "alone")
def test_the_shipped_finite_market_runs_with_every_fix(fix: Path | None) -> None:
    scenario = load_scenario(SCENARIOS / "variants" / "finite_market.toml", [fix] if fix else [])
    outcome = simulate(scenario, 2027)
    deals = outcome.deals.set_index("id", drop=False)
    assert deals["id"].is_unique and list(outcome.extra["market"].columns) == list(MARKET)
    for rid, row in _returns_of(deals).items():
        original = deals.loc[rid.removeprefix("R-")]
        assert original["outcome"] in ("lost", "disqualified") and row.arrived >= original["closed"]
    market = outcome.extra["market"]
    assert (market["untouched"] >= 0).all() and (market.groupby("tier")["untouched"].diff().dropna() <= 0).all()
