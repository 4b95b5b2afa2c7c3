"""[usage] (simulation.usage): revenue that ramps to steady state after go-live.

An exact trace of one customer's events (per inference and per model, hand-computed), the closed forms (the steady
state is the contracted ARR once ``ramp_months`` steps are behind a model; the mean go-live delay is the
distribution's mean), what the section leaves alone (deals, spend, the other streams), and bad inputs named by file
and key.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import simulate
from simulation.distributions import Fixed
from simulation.engine import Outcome
from simulation.loader import load_scenario
from simulation.scenario import Scenario
from simulation.tables import REVENUE_EVENTS
from simulation.usage import DAYS_PER_MONTH, Usage, ramped
from tests.conftest import FIXTURES, SCENARIOS
from tests.simulation.bad_inputs import Bad, scenario_case
from tests.simulation.test_loader import check

M = DAYS_PER_MONTH  # 30.41666... days
NO_U = np.zeros(1)  # fixed go-live delays: the uniform does not matter


def _trace(events: list[tuple[int, int, float, str, float, float]]) -> list[tuple[int, float, str, float, float]]:
    return [(model, round(day, 6), kind, round(delta, 6), round(after, 6)) for _, model, day, kind, delta, after in
            events]


def test_exact_trace_per_inference() -> None:
    """One customer closed on day 10 with two models at $60K each: the first live 20 days later at 25 % of its
    run-rate, the second 15 days after it, three monthly steps to 100 %; the 90-day check cuts both to $48K (20 %),
    the first renewal churns model 1 and expands model 2 to $57.6K. Every row hand-computed: share x contract."""
    usage = Usage(pricing="per_inference", go_live_days=Fixed(value=20), model_interval_days=15, start_share=0.25,
                  ramp_months=3)
    contract = [
        (0, 1, 10.0, "new", 60_000.0, 60_000.0), (0, 2, 10.0, "new", 60_000.0, 60_000.0),
        (0, 1, 100.0, "contraction_90d", -12_000.0, 48_000.0), (0, 2, 100.0, "contraction_90d", -12_000.0, 48_000.0),
        (0, 1, 375.0, "churn", -48_000.0, 0.0), (0, 2, 375.0, "expansion", 9_600.0, 57_600.0),
    ]
    got = _trace(ramped(contract, usage, np.array([10.0]), NO_U, horizon=400.0))
    r = lambda d: round(d, 6)  # noqa: E731
    assert got == [
        (1, 10.0, "new", 0.0, 0.0), (2, 10.0, "new", 0.0, 0.0),
        (1, 30.0, "go_live", 15_000.0, 15_000.0),  # 0.25 x 60K
        (2, 45.0, "go_live", 15_000.0, 15_000.0),
        (1, r(30 + M), "ramp", 15_000.0, 30_000.0),  # 0.50 x 60K
        (2, r(45 + M), "ramp", 15_000.0, 30_000.0),
        (1, r(30 + 2 * M), "ramp", 15_000.0, 45_000.0),  # 0.75 x 60K
        (1, 100.0, "contraction_90d", -9_000.0, 36_000.0),  # 0.75 x 48K
        (2, 100.0, "contraction_90d", -6_000.0, 24_000.0),  # 0.50 x 48K
        (2, r(45 + 2 * M), "ramp", 12_000.0, 36_000.0),  # 0.75 x 48K
        (1, r(30 + 3 * M), "ramp", 12_000.0, 48_000.0),  # steady: 1 x 48K
        (2, r(45 + 3 * M), "ramp", 12_000.0, 48_000.0),
        (1, 375.0, "churn", -48_000.0, 0.0),
        (2, 375.0, "expansion", 9_600.0, 57_600.0),
    ]


def test_exact_trace_per_model() -> None:
    """Per-model pricing: three models of $30K live in full 30, 60 and 90 days after close (day 0). The 90-day check
    churns the customer at the very instant the third would go live: the check comes first (table order), so the
    third never scores and the other two drop to 0."""
    usage = Usage(pricing="per_model", go_live_days=Fixed(value=30), model_interval_days=30)
    contract = [(0, m, 0.0, "new", 30_000.0, 30_000.0) for m in (1, 2, 3)]
    contract += [(0, m, 90.0, "churn_90d", -30_000.0, 0.0) for m in (1, 2, 3)]
    got = _trace(ramped(contract, usage, np.array([0.0]), NO_U, horizon=400.0))
    assert got == [
        (1, 0.0, "new", 0.0, 0.0), (2, 0.0, "new", 0.0, 0.0), (3, 0.0, "new", 0.0, 0.0),
        (1, 30.0, "go_live", 30_000.0, 30_000.0),
        (2, 60.0, "go_live", 30_000.0, 30_000.0),
        (1, 90.0, "churn_90d", -30_000.0, 0.0), (2, 90.0, "churn_90d", -30_000.0, 0.0),
        (3, 90.0, "churn_90d", 0.0, 0.0),
    ]


def test_the_horizon_cuts_the_ramp() -> None:
    usage = Usage(pricing="per_inference", go_live_days=Fixed(value=0), start_share=0.5, ramp_months=12)
    got = ramped([(0, 1, 5.0, "new", 12_000.0, 12_000.0)], usage, np.array([5.0]), NO_U, horizon=5 + 2.5 * M)
    assert [(kind, after) for _, _, kind, _, after in _trace(got)] == [
        ("new", 0.0), ("go_live", 6_000.0), ("ramp", 6_500.0), ("ramp", 7_000.0)]


# --- on a simulated run ------------------------------------------------------------------------------------------

SEED = 11


@pytest.fixture(scope="module")
def ramp() -> Scenario:
    return load_scenario(FIXTURES / "usage_ramp.toml")


@pytest.fixture(scope="module")
def runs(ramp: Scenario) -> tuple[Outcome, Outcome, Scenario]:
    on = simulate(ramp, SEED)
    off = simulate(ramp.model_copy(update={"usage": None}), SEED)
    return on, off, ramp


def _ordered(revenue: pd.DataFrame) -> pd.DataFrame:
    rank = revenue["event"].map({e: k for k, e in enumerate(REVENUE_EVENTS)})
    return revenue.assign(rank=rank).sort_values(["customer", "model", "date", "rank"], kind="stable")


def test_usage_changes_only_the_revenue_table(runs) -> None:
    on, off, _ = runs
    for name in ("deals", "spend", "resources"):
        pd.testing.assert_frame_equal(getattr(on, name), getattr(off, name))
    assert set(on.revenue["event"]) >= {"new", "go_live", "ramp"}


def test_each_rows_delta_is_the_change_from_the_models_previous_row(runs) -> None:
    on, _, _ = runs
    r = _ordered(on.revenue)
    running = r.groupby(["customer", "model"])["arr_delta"].cumsum()
    assert np.allclose(running, r["arr_after"], rtol=0, atol=1e-6)
    assert (r["arr_after"] >= 0).all()


def test_the_steady_state_is_the_contracted_arr(runs) -> None:
    """Closed form: once its ``ramp_months`` steps are behind it, a model pays exactly what it pays without the
    ramp (the contract events come from the renewal stream, untouched by [usage]); before go-live it pays 0."""
    on, off, sc = runs
    r = on.revenue
    live = r[r["event"] == "go_live"].set_index(["customer", "model"])["date"]
    steady = live + pd.Timedelta(days=sc.usage.ramp_months * M)
    end = on.start_date + pd.Timedelta(days=on.horizon_days)
    done = steady[steady < end]
    assert len(done) > 20

    def arr(revenue: pd.DataFrame) -> pd.Series:
        return _ordered(revenue).groupby(["customer", "model"])["arr_after"].last()

    assert np.allclose(arr(on.revenue).reindex(done.index), arr(off.revenue).reindex(done.index), rtol=1e-12)
    ramps = r[r["event"] == "ramp"].groupby(["customer", "model"]).size()
    assert (ramps.reindex(done.index, fill_value=0) <= sc.usage.ramp_months).all()


def test_the_mean_go_live_delay_is_the_distributions(ramp: Scenario) -> None:
    """Closed form: model 1 goes live ``go_live_days`` after close, uniform 10-50 days (mean 30, SD 40 / sqrt 12).
    Over 4 seeds' customers the sample mean is within 4 standard errors of 30."""
    delays = []
    for seed in range(4):
        out = simulate(ramp, seed)
        r = out.revenue[out.revenue["model"] == 1]
        first = r[r["event"] == "new"].set_index("customer")["date"]
        live = r[r["event"] == "go_live"].set_index("customer")["date"]
        delays.append(((live - first.reindex(live.index)) / pd.Timedelta(days=1)).to_numpy())
    days = np.concatenate(delays)
    dist = ramp.usage.go_live_days
    assert len(days) > 150 and days.min() >= 10 and days.max() <= 50
    assert abs(days.mean() - dist.mean) < 4 * dist.sd / math.sqrt(len(days))


def test_per_model_staggers_the_models_and_pays_them_in_full() -> None:
    sc = load_scenario(SCENARIOS / "ml_company.toml")
    assert sc.usage is not None and sc.usage.pricing == "per_model"
    r = simulate(sc, 3).revenue
    assert "ramp" not in set(r["event"])
    live = r[r["event"] == "go_live"]
    new = r[r["event"] == "new"].set_index(["customer", "model"])
    contract = new["arr_delta"]  # 0: nothing is paid before go-live
    assert (contract == 0).all()
    by_customer = live.sort_values("model").groupby("customer")["date"].apply(
        lambda d: (d.diff().dropna() / pd.Timedelta(days=1)).round(6).tolist())
    gaps = {g for gaps in by_customer for g in gaps}
    assert gaps == {sc.usage.model_interval_days}


def test_the_usage_stream_is_drawn_only_when_the_section_is_on(ramp: Scenario) -> None:
    """Two scenarios that differ only in [usage] see the same prospects: the funnel's streams are untouched."""
    slower = ramp.model_copy(update={"usage": ramp.usage.model_copy(update={"go_live_days": Fixed(value=60)})})
    a, b = simulate(ramp, 2), simulate(slower, 2)
    pd.testing.assert_frame_equal(a.deals, b.deals)
    assert not a.revenue.equals(b.revenue)


# --- bad inputs --------------------------------------------------------------------------------------------------

CASES = [
    scenario_case(id, "[cro]", f"[usage]\n{body}\n\n[cro]", key, problem)
    for id, body, key, problem in [
        ("usage_unknown_pricing", 'pricing = "per_seat"', "usage.pricing",
         "Input should be 'per_model' or 'per_inference'"),
        ("usage_missing_pricing", "ramp_months = 3", "usage.pricing", "required key is missing"),
        ("usage_share_zero", 'pricing = "per_inference"\nstart_share = 0\nramp_months = 3', "usage.start_share",
         "Input should be greater than 0"),
        ("usage_share_without_ramp", 'pricing = "per_inference"\nstart_share = 0.4', "usage",
         "a ramp needs both start_share below 1 and ramp_months above 0"),
        ("usage_per_model_ramp", 'pricing = "per_model"\nstart_share = 0.5\nramp_months = 2', "usage",
         "per_model pricing bills a live model in full"),
        ("usage_negative_interval", 'pricing = "per_model"\nmodel_interval_days = -5', "usage.model_interval_days",
         "Input should be greater than or equal to 0"),
        ("usage_bad_go_live", 'pricing = "per_model"\ngo_live_days = { dist = "uniform", low = 30, high = 10 }',
         "usage.go_live_days", "inverted range"),
    ]
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_usage_section(case: Bad, tmp_path: Path) -> None:
    check(case, tmp_path)  # one line naming the file and the key, with the problem
