"""Statistics against what the scenario says and against queueing theory.

Fixed seeds; every tolerance is a multiple of a standard error computed from the sample (Z = 4: a correct engine
fails one of these checks with probability ~6e-5, and with fixed seeds the result is reproducible anyway).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulation import simulate
from simulation.queueing import erlang_a, erlang_c_wait
from simulation.scenario import Scenario
from tests.conftest import variant

Z = 4.0


def days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 86400


def assert_proportion(successes: int, trials: int, p: float) -> None:
    se = math.sqrt(p * (1 - p) / trials)
    assert abs(successes / trials - p) <= Z * se, (successes, trials, p)


def assert_mean(values: pd.Series, mean: float, sd: float) -> None:
    values = values.dropna()
    assert abs(values.mean() - mean) <= Z * sd / math.sqrt(len(values)), (values.mean(), mean, len(values))


@pytest.fixture(scope="module")
def busy_funnel(ai_startup: Scenario) -> tuple[Scenario, pd.DataFrame]:
    """The shipped baseline with many prospects and plenty of engineers (no queue), long enough to count."""
    scenario = variant(
        ai_startup, scenario={"horizon_days": 1500}, arrivals={"rate_per_week": 20},
        pov={"solution_engineers": 40}, negotiation={"founder_meetings_per_week": 50},
    )
    return scenario, simulate(scenario, seed=11).deals


def test_every_branch_probability_is_honoured(busy_funnel: tuple[Scenario, pd.DataFrame]) -> None:
    s, d = busy_funnel
    first_checked = d[d["dq_checked"].notna()]  # a returned deal's dq_checked is its second check
    passed_first = first_checked["dq_passed"].astype(bool) & first_checked["returned"].isna()
    assert_proportion(int(passed_first.sum()), len(first_checked), s.data_quality.pass_probability)
    uncensored = first_checked[first_checked["arrived"] < d["arrived"].max() - pd.Timedelta(days=150)]
    failed = uncensored[~(uncensored["dq_passed"].astype(bool) & uncensored["returned"].isna())]
    assert_proportion(int(failed["returned"].notna().sum()), len(failed), s.data_quality.return_probability)
    second = d[d["returned"].notna() & (d["dq_checked"] > d["returned"])]
    assert_proportion(int(second["dq_passed"].astype(bool).sum()), len(second), s.data_quality.pass_probability)
    reviewed = d[d["pov_requested"].notna() & (d["data_access_granted"].notna() | (d["lost_stage"] == "data_access"))]
    assert_proportion(int(reviewed["data_access_granted"].notna().sum()), len(reviewed), s.pov.data_access_probability)
    ended = d[d["pov_completed"].notna()]
    assert_proportion(int(ended["pov_completed"].astype(bool).sum()), len(ended), s.pov.completion_probability)
    validated = d[d["validation_passed"].notna()]
    first_try = validated[~validated["extended"].fillna(False).astype(bool)]
    p_val = s.validation.pass_probability
    assert_proportion(int(first_try["validation_passed"].astype(bool).sum()) + 0, len(first_try),
                      p_val / (p_val + (1 - p_val) * (1 - s.validation.extension_probability)))
    negotiated = d[d["founder_in_final_meeting"].notna()]
    assert_proportion(int(negotiated["founder_in_final_meeting"].astype(bool).sum()), len(negotiated),
                      s.negotiation.founder_required_probability)
    closed = negotiated[negotiated["closed"].notna()]
    assert_proportion(int((closed["outcome"] == "won").sum()), len(closed), s.negotiation.win_probability)


def test_every_duration_is_honoured(busy_funnel: tuple[Scenario, pd.DataFrame]) -> None:
    s, d = busy_funnel
    first = d[d["returned"].isna() & d["arrived"].notna() & d["id"].str.startswith("D")]
    dist = s.data_quality.check_days
    assert_mean(days(first["dq_checked"], first["arrived"]), dist.mean, dist.sd)
    dist = s.pov.data_access_days
    assert_mean(days(d["data_access_granted"], d["pov_requested"]), dist.mean, dist.sd)
    completed = d[d["pov_completed"].fillna(False).astype(bool) & ~d["extended"].fillna(False).astype(bool)]
    dist = s.pov.duration_days
    assert_mean(days(completed["pov_ended"], completed["pov_started"]), dist.mean, dist.sd)
    dist = s.negotiation.duration_days
    assert_mean(days(d["founder_requested"], d["negotiation_started"]), dist.mean, dist.sd)
    dist = s.tiers.mid.acv
    assert_mean(d.loc[d["tier"] == "mid", "acv"], dist.mean, dist.sd)
    # No queue in this configuration: nobody waits for an engineer or the founder.
    assert days(d["pov_started"], d["data_access_granted"]).max() == 0
    assert days(d["founder_met"], d["founder_requested"]).max() < 1


def test_arrivals_and_mix_follow_the_scenario(busy_funnel: tuple[Scenario, pd.DataFrame]) -> None:
    s, d = busy_funnel
    new = d[d["id"].str.startswith("D")]
    expected = s.arrivals.rate_per_week / 7 * s.scenario.horizon_days
    assert abs(len(new) - expected) <= Z * math.sqrt(expected)  # Poisson count: SD = sqrt(mean)
    for tier in ("small", "mid", "large"):
        assert_proportion(int((new["tier"] == tier).sum()), len(new), getattr(s.arrivals.tiers, tier))
    assert_proportion(int((new["channel"] == "partner").sum()), len(new), s.arrivals.channels.partner)


def mmc(tiny: Scenario, rate_per_day: float, mean: float, servers: int, horizon: int) -> Scenario:
    instant = {"dist": "fixed", "value": 0}
    return variant(
        tiny, scenario={"horizon_days": horizon}, arrivals={"rate_per_week": 7 * rate_per_day},
        data_quality={"check_days": instant}, pov={
            "solution_engineers": servers, "data_access_days": instant,
            "duration_days": {"dist": "exponential", "mean": mean}},
    )


def test_pov_queue_matches_erlang_c(tiny: Scenario) -> None:
    """Poisson arrivals, exponential POVs, c engineers: the mean wait is the M/M/c closed form."""
    rate, mean, servers, warmup = 0.15, 10.0, 2, 300
    scenario = mmc(tiny, rate, mean, servers, horizon=4000)
    seeds = np.random.SeedSequence(2027).spawn(30)  # per-replication means are right-skewed: use 30
    per_replication = []
    for seed in seeds:
        d = simulate(scenario, seed).deals
        steady = d[(d["arrived"] - d["arrived"].min()).dt.days > warmup]
        per_replication.append(days(steady["pov_started"], steady["data_access_granted"]).mean())
    waits = np.array(per_replication)
    expected = erlang_c_wait(rate, mean, servers)  # 12.86 days
    se = waits.std(ddof=1) / math.sqrt(len(waits))  # replications are independent; waits within one are not
    assert abs(waits.mean() - expected) <= Z * se, (waits.mean(), expected, se)


def test_abandonment_matches_erlang_a(tiny: Scenario) -> None:
    """M/M/c+M: Poisson arrivals straight into exponential POVs on c engineers, exponential patience. The share
    who give up and the mean wait of those served match the birth-death solution (Erlang A)."""
    rate, mean, servers, patience = 0.3, 10.0, 2, 20.0  # offered 3 POVs on 2 engineers: a third give up
    scenario = variant(
        mmc(tiny, rate, mean, servers, horizon=3000),
        scenario={"warmup_days": 200},  # start in steady state; arrivals of the last 150 days are censored
        pov={"patience_days": {"dist": "exponential", "mean": patience}},
    )
    shares, waits = [], []
    for seed in np.random.SeedSequence(4242).spawn(20):
        out = simulate(scenario, seed)
        d = out.deals
        d = d[(d["arrived"] >= out.start_date) & (d["arrived"] < d["arrived"].max() - pd.Timedelta(days=150))]
        assert d["data_access_granted"].notna().all()  # every arrival joins the engineer queue at once
        shares.append(float(d["lost_stage"].eq("pov_queue").fillna(False).astype(bool).mean()))
        served = d[d["pov_started"].notna()]
        waits.append(float(days(served["pov_started"], served["data_access_granted"]).mean()))
    theory = erlang_a(rate, mean, servers, patience)  # abandon 0.385, wait of the served 7.96 days
    for sample, expected in ((np.array(shares), theory.abandon_share), (np.array(waits), theory.mean_wait_served)):
        se = sample.std(ddof=1) / math.sqrt(len(sample))  # independent replications
        assert abs(sample.mean() - expected) <= Z * se, (sample.mean(), expected, se)


def test_without_patience_nobody_leaves_the_queue(tiny: Scenario) -> None:
    out = simulate(mmc(tiny, 0.3, 10.0, 2, horizon=600), seed=3)  # overloaded, and nobody gives up
    assert not (out.deals["lost_stage"] == "pov_queue").any()
    assert out.deals["pov_started"].isna().sum() > 20  # the queue just grows


def time_average(resources: pd.DataFrame, name: str, column: str, end: pd.Timestamp) -> tuple[float, float]:
    """(area under the step function in unit-days, length of the window in days)."""
    r = resources[resources["resource"] == name]
    t = days(r["time"], r["time"].iloc[0]).to_numpy()
    width = np.diff(np.append(t, days(pd.Series([end]), r["time"].iloc[:1].reset_index(drop=True))[0]))
    return float((r[column].to_numpy() * width).sum()), float(width.sum())


def waited(d: pd.DataFrame, entered: str, left: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Days each deal spent in a queue within [start, end]: from ``entered`` (or the start date, for deals already
    waiting then) to ``left``, or to its close when it gave up waiting, or to the end."""
    exit_ = d[left].fillna(d["closed"]).fillna(end)
    inside = d[entered].notna() & (exit_ > start)
    return days(exit_[inside], d.loc[inside, entered].clip(lower=start))


@pytest.mark.parametrize("seed", [1, 2])
def test_littles_law_holds_on_every_queue(ai_startup: Scenario, tiny: Scenario, seed: int) -> None:
    """Area under the queue-length curve = total time spent waiting (L = lambda W on the sample path), from the
    start date (the warm-up's queue included) and with prospects giving up."""
    out = simulate(ai_startup, seed)
    d, start, end = out.deals, out.start_date, out.start_date + pd.Timedelta(days=out.horizon_days)
    assert (d["arrived"] < start).any() and d["lost_stage"].eq("pov_queue").any()
    area, _ = time_average(out.resources, "founder", "queue", end)
    assert area == pytest.approx(waited(d, "founder_requested", "founder_met", start, end).sum(), rel=1e-9, abs=1e-6)
    # Engineers: deals queue once for the POV and again for an extension.
    area, _ = time_average(out.resources, "solution_engineers", "queue", end)
    pov_waits = waited(d, "data_access_granted", "pov_started", start, end)
    extension_waits = waited(d, "extension_requested", "extension_started", start, end)
    assert len(extension_waits) > 0
    assert area == pytest.approx(pov_waits.sum() + extension_waits.sum(), rel=1e-9, abs=1e-6)
    # Engineers, in a configuration where each deal holds one at most once (no extension): queue and service.
    scenario = mmc(tiny, 0.15, 10.0, 2, horizon=800)
    out = simulate(scenario, seed)
    d, end = out.deals, out.start_date + pd.Timedelta(days=out.horizon_days)
    queued, _ = time_average(out.resources, "solution_engineers", "queue", end)
    busy, _ = time_average(out.resources, "solution_engineers", "busy", end)
    assert queued == pytest.approx(days(d["pov_started"].fillna(end), d["data_access_granted"]).sum(), rel=1e-9)
    assert busy == pytest.approx(days(d["pov_ended"].fillna(end), d["pov_started"]).sum(), rel=1e-9)


def test_littles_law_in_steady_state(tiny: Scenario) -> None:
    """L_q = lambda W_q between time averages, in the long run of the M/M/c configuration."""
    rate = 0.15
    out = simulate(mmc(tiny, rate, 10.0, 2, horizon=6000), seed=5)
    end = out.start_date + pd.Timedelta(days=out.horizon_days)
    area, width = time_average(out.resources, "solution_engineers", "queue", end)
    d = out.deals
    lam = len(d) / out.horizon_days
    w = days(d["pov_started"].fillna(end), d["data_access_granted"]).mean()
    assert area / width == pytest.approx(lam * w, rel=1e-6)  # same sample path: identical up to float error
    assert lam == pytest.approx(rate, abs=Z * math.sqrt(rate / out.horizon_days))
