"""GRR and NRR with the [usage] ramp divided out (analysis.kpi.retention's module docstring): a hand-made case with
its numbers worked out, and on a simulated per-inference run the KPI package and the independent recomputation
(tests/kpi/recompute.py) agree window by window."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.kpi import retention
from simulation import simulate
from simulation.loader import load_scenario
from tests.conftest import FIXTURES
from tests.kpi import recompute as independent

PERIOD = ("2027-06-01", "2027-12-01")


@pytest.fixture
def revenue(revenue_table):
    e = []

    def add(customer, model, date, event, delta, after):
        e.append(dict(customer=customer, model=model, date=date, event=event, arr_delta=delta, arr_after=after))

    # U, model 1: $100K contracted, per inference: live at 40 %, 60 % by the period start; contracted 20 % to $80K
    # (share 0.6: 48K), then ramps to 80 % and 100 % of the $80K inside the period.
    add("U", 1, "2027-01-01", "new", 0, 0)
    add("U", 1, "2027-02-01", "go_live", 40_000, 40_000)
    add("U", 1, "2027-03-01", "ramp", 20_000, 60_000)
    add("U", 1, "2027-07-01", "contraction", -12_000, 48_000)
    add("U", 1, "2027-08-01", "ramp", 16_000, 64_000)
    add("U", 1, "2027-09-01", "ramp", 16_000, 80_000)
    # U, model 2: signed with model 1, goes live in the period: onboarding, not upsell.
    add("U", 2, "2027-01-01", "new", 0, 0)
    add("U", 2, "2027-10-01", "go_live", 20_000, 20_000)
    # V: booked in full at close, no usage events; expands 20 % in the period.
    add("V", 1, "2027-01-01", "new", 50_000, 50_000)
    add("V", 1, "2027-07-01", "expansion", 10_000, 60_000)
    return revenue_table(e)


def test_the_ramp_is_divided_out(revenue):
    """U's end ARR 80K over the ramp's growth (64 / 48) x (80 / 64) = 5 / 3 is 48K of its 60K start: 80 %."""
    growth = retention.ramp_growth(revenue, *PERIOD)
    assert growth.to_dict() == {("U", 1): pytest.approx(5 / 3)}
    model = retention.retention(revenue, PERIOD, "model")
    assert (model.units, model.start_arr) == (2, 110_000.0)
    assert model.end_arr == pytest.approx(48_000 + 60_000)
    assert model.grr == pytest.approx((48_000 + 50_000) / 110_000)
    assert model.nrr == pytest.approx(108_000 / 110_000)
    assert model.contraction == pytest.approx(12_000) and model.expansion == pytest.approx(10_000)


def test_a_model_going_live_is_not_account_expansion(revenue):
    account = retention.retention(revenue, PERIOD, "account")
    assert (account.units, account.start_arr) == (2, 110_000.0)
    assert account.end_arr == pytest.approx(108_000)  # U: 48K, model 2's 20K left out; V: 60K
    assert account.grr == pytest.approx(98_000 / 110_000)


def test_read_as_expansion_the_ramp_would_hide_the_loss(revenue):
    """What dividing out avoids: the same events with the ramp called expansion keep U's 60K 'retained'."""
    naive = revenue.assign(event=revenue["event"].replace({"ramp": "expansion", "go_live": "expansion"}))
    assert retention.grr(naive, PERIOD, "model") == pytest.approx(1.0)
    assert retention.grr(revenue, PERIOD, "model") < 0.9


def test_the_independent_recomputation_agrees_by_hand(revenue):
    t = independent.Tables(deals=pd.DataFrame(), spend=pd.DataFrame(), revenue=revenue)
    w = independent.Window("p", pd.Timestamp(PERIOD[0]), pd.Timestamp(PERIOD[1]))
    assert independent.grr_model(t, w) == pytest.approx(98 / 110)
    assert independent.grr_account(t, w) == pytest.approx(98 / 110)
    assert independent.nrr(t, w) == pytest.approx(108 / 110)


def test_kpis_and_recomputation_agree_on_a_simulated_ramp():
    out = simulate(load_scenario(FIXTURES / "usage_ramp.toml"), 5)
    t = independent.Tables(deals=out.deals, spend=out.spend, revenue=out.revenue)
    start = out.start_date
    windows = [(start + pd.DateOffset(months=m), start + pd.DateOffset(months=m + length))
               for m in (4, 6, 9, 12) for length in (3, 6, 12)]
    windows = [w for w in windows if w[1] <= start + pd.Timedelta(days=out.horizon_days)]
    divided = 0
    for lo, hi in windows:
        w = independent.Window(f"{lo:%Y-%m-%d}", lo, hi)
        model, account = retention.retention(out.revenue, (lo, hi), "model"), retention.retention(
            out.revenue, (lo, hi), "account")
        assert model.grr == pytest.approx(independent.grr_model(t, w), rel=1e-9, nan_ok=True)
        assert account.grr == pytest.approx(independent.grr_account(t, w), rel=1e-9, nan_ok=True)
        assert account.nrr == pytest.approx(independent.nrr(t, w), rel=1e-9, nan_ok=True)
        divided += bool(len(retention.ramp_growth(out.revenue, lo, hi).index.intersection(
            retention.arr_at(out.revenue, lo).index)))
    assert divided >= 3  # not vacuous: windows where existing units ramp
