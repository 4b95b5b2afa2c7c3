"""Staff over time ([staff]): an exact trace of a tiny roster, the long-run share of time a backfilled seat is
filled against its closed form, ramp-up, a hire from a fix, spend following headcount, and off = as before."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import load_scenario, simulate
from simulation.distributions import Fixed, Uniform
from simulation.roster import build
from simulation.scenario import Fix, Scenario
from simulation.staffing import DAYS_PER_MONTH, Hire, Staff
from tests.conftest import FIXES, ROOT, SCENARIOS

TINY = ROOT / "tests" / "fixtures" / "tiny.toml"
HIRE_NOW = SCENARIOS / "fixes" / "hire_engineer_now.toml"


class Uniforms:
    """A stand-in for the staff stream: hands out the given uniforms, in order, whatever the shape asked."""

    def __init__(self, values: list[float]) -> None:
        self.values = list(values)

    def spawn(self, n: int) -> list[Uniforms]:
        """Every child stream is this one: the uniforms go out in the order the roster asks for them."""
        return [self] * n

    def random(self, shape: tuple[int, ...]) -> np.ndarray:
        size = math.prod(shape)
        taken, self.values = self.values[:size], self.values[size:]
        return np.array(taken + [0.5] * (size - len(taken))).reshape(shape)


def tiny(staff: Staff | None, horizon: int = 100, povs: int = 4) -> Scenario:
    base = load_scenario(TINY)
    pov = base.pov.model_copy(update={"povs_per_engineer": povs})
    meta = base.scenario.model_copy(update={"horizon_days": horizon})
    return base.model_copy(update={"staff": staff, "pov": pov, "scenario": meta})


def test_exact_trace_of_a_hire_with_lead_time_ramp_and_a_holiday() -> None:
    # One engineer (4 POV slots) from day 0; a second decided on day 10, first day 15 (lead 5), 2 slots at first
    # (share 0.5), a third at 15 + 20 x (3/4 - 1/2) / (1/2) = 25, full at 15 + 20 = 35; day 30 is a holiday.
    staff = Staff(ramp_start_share=0.5, holidays=(30,),
                  hires=(Hire(role="solution_engineers", day=10, lead_time_days=5, ramp_days=20),))
    roster = build(tiny(staff), np.random.default_rng(0))
    assert roster.engineers == [(-math.inf, 4), (15.0, 6), (25.0, 7), (30.0, 0), (31.0, 7), (35.0, 8)]
    assert roster.founder == [(-math.inf, 1), (30.0, 0), (31.0, 1)]
    t = roster.table
    rows = list(zip(t["time"].tolist(), t["role"].tolist(), t["seat"].tolist(), t["event"].tolist(),
                    t["headcount"].tolist(), t["capacity"].tolist(), strict=True))
    assert rows == [
        (0.0, "solution_engineers", 0, "hired", 1, 4),
        (0.0, "account_executives", 0, "hired", 1, 1),
        (15.0, "solution_engineers", 1, "hired", 2, 6),
        (30.0, "all", -1, "holiday", 2, 0),
        (35.0, "solution_engineers", 1, "ramped", 2, 8),
    ]
    # Payroll: one engineer, then two from day 15; one account executive throughout.
    assert roster.payroll["solution_engineers"].tolist() == [1.0] * 15 + [2.0] * 85
    assert roster.payroll["account_executives"].tolist() == [1.0] * 100


def test_exact_trace_of_a_departure_and_its_backfill() -> None:
    # Mean tenure 2 months = 60.875 days; the uniform 1 - 1/e draws exactly the mean. The engineer leaves on day
    # 60.875, the replacement starts 10 days later (fixed backfill) at 1 of 2 slots and is full 8 days after.
    staff = Staff(mean_tenure_months=2, backfill_days=Fixed(value=10), ramp_days=8, ramp_start_share=0.5)
    u = 1 - math.exp(-1)
    # Draws: (seats, cycles, 2) = the engineer's 7 cycles (tenure, backfill), then the account executive's.
    roster = build(tiny(staff, povs=2), Uniforms([u, 0.5] * 7))
    tenure = 2 * DAYS_PER_MONTH
    assert tenure == 60.875
    assert roster.engineers[:4] == [(-math.inf, 2), (60.875, 0), (70.875, 1), (78.875, 2)]
    events = [(round(a, 3), e) for a, r, e in zip(roster.table["time"], roster.table["role"], roster.table["event"],
                                                   strict=True) if r == "solution_engineers"]
    assert events == [(0.0, "hired"), (60.875, "left"), (70.875, "backfilled"), (78.875, "ramped")]
    heads = roster.payroll["solution_engineers"]
    assert heads[60] == pytest.approx(0.875) and heads[61:70].tolist() == [0.0] * 9 and heads[70] == 0.125


def filled_share(seed: int, tenure_months: float, horizon: int) -> float:
    staff = Staff(mean_tenure_months=tenure_months, backfill_days=Uniform(low=30, high=90))
    roster = build(tiny(staff, horizon=horizon), np.random.default_rng(seed))
    return float(roster.payroll["solution_engineers"][horizon // 10:].mean())  # past the start, when all are filled


def test_long_run_share_of_time_a_backfilled_seat_is_filled() -> None:
    # Alternating renewal: filled for Exp(T), empty for B ~ U(30, 90); long-run share filled = T / (T + E[B]).
    months, horizon = 6.0, 36500
    shares = np.array([filled_share(seed, months, horizon) for seed in range(200)])
    tenure = months * DAYS_PER_MONTH
    expected = tenure / (tenure + 60.0)
    standard_error = shares.std(ddof=1) / math.sqrt(len(shares))
    assert abs(shares.mean() - expected) < 4 * standard_error, (shares.mean(), expected, standard_error)


def test_a_hire_from_a_fix_adds_ramping_capacity_from_its_day() -> None:
    # ai_startup has no [staff]: the fix turns it on with every other key off (ramp_start_share 0.5). Five slots
    # an engineer: 2 on day 60, then one more at 60 + 45 x (k/5 - 1/2) / (1/2) for k = 3, 4, 5: days 69, 87, 105.
    scenario = load_scenario(SCENARIOS / "ai_startup.toml", [HIRE_NOW])
    assert scenario.fixes[0].hires == (Hire(role="solution_engineers", day=0, lead_time_days=60, ramp_days=45),)
    r = simulate(scenario, seed=5).resources
    se = r[r["resource"] == "solution_engineers"]
    changes = se[se["capacity"].diff().fillna(0) != 0]
    start = pd.Timestamp(scenario.scenario.start_date)
    assert [((t - start).days, c) for t, c in zip(changes["time"], changes["capacity"], strict=True)] == [
        (60, 17), (69, 18), (87, 19), (105, 20)]


def test_a_fix_hire_counts_days_from_the_fix_start() -> None:
    fix = SCENARIOS / "fixes" / "hire_engineer_after_cro.toml"
    after_cro = load_scenario(SCENARIOS / "ai_startup_team.toml", [fix])
    assert after_cro.cro.start_delay_days == 21
    assert [h.day + (h.lead_time_days or 0) for h in after_cro.fixes[0].hires] == [81.0]


def test_spend_follows_headcount() -> None:
    base = load_scenario(SCENARIOS / "ai_startup.toml")
    hired = load_scenario(SCENARIOS / "ai_startup.toml", [HIRE_NOW])
    spend = {name: simulate(s, seed=1).spend for name, s in (("base", base), ("hired", hired))}
    days = pd.date_range(base.scenario.start_date, periods=base.scenario.horizon_days, freq="D")
    month_days = days.days_in_month.to_numpy()
    extra = (base.spend.solution_engineer_cost_per_month / month_days)[60:].sum()  # one more salary from day 60

    def total(name: str, category: str) -> float:
        s = spend[name]
        return float(s.loc[s["category"] == category, "amount"].sum())

    assert total("hired", "solution_engineers") - total("base", "solution_engineers") == pytest.approx(extra, rel=1e-12)
    assert total("hired", "account_executives") == pytest.approx(total("base", "account_executives"), rel=1e-12)


def test_a_vacant_seat_costs_nothing() -> None:
    staff = Staff(mean_tenure_months=2, backfill_days=Fixed(value=10))
    u = 1 - math.exp(-1)
    roster = build(tiny(staff, povs=2), Uniforms([u, 0.5] * 7))
    # 100 days, the seat empty from 60.875 to 70.875: 90 engineer-days paid.
    assert roster.payroll["solution_engineers"].sum() == pytest.approx(90.0)


def test_a_section_with_nothing_on_reproduces_the_run_without_it() -> None:
    base = load_scenario(SCENARIOS / "ai_startup.toml")
    on = base.model_copy(update={"staff": Staff()})
    off_out, on_out = simulate(base, seed=11), simulate(on, seed=11)
    assert "staff" not in off_out.extra and "staff" in on_out.extra
    for name in ("deals", "revenue", "spend", "resources"):
        pd.testing.assert_frame_equal(getattr(off_out, name), getattr(on_out, name))


def test_vacations_and_the_founder_calendar() -> None:
    staff = Staff(vacation_days_per_year=20, founder_vacation_days_per_year=10, vacation_block_days=5)
    roster = build(tiny(staff, horizon=365), np.random.default_rng(3))
    t = pd.DataFrame(roster.table)
    engineer = t[(t["role"] == "solution_engineers") & (t["event"] == "vacation_start")]
    founder = t[(t["role"] == "founder") & (t["event"] == "vacation_start")]
    assert len(engineer) == 4 and len(founder) == 2  # 20 / 5 and 10 / 5 blocks in the year
    assert (t.loc[t["event"] == "vacation_start", "capacity"] == 0).all()  # one engineer, one founder: nobody
    away = sum(end - start for (start, _), (end, _) in zip(roster.founder[1::2], roster.founder[2::2], strict=True))
    assert away == pytest.approx(10.0)


@settings(max_examples=25, deadline=None)
@given(
    tenure=st.one_of(st.none(), st.floats(1, 60)),
    ramp=st.floats(0, 120),
    share=st.floats(0, 1),
    vacation=st.sampled_from([0.0, 10.0, 25.0]),
    hires=st.lists(st.tuples(st.floats(0, 300), st.floats(0, 90)), max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_capacity_and_headcount_stay_within_the_seats(tenure: float | None, ramp: float, share: float,
                                                      vacation: float, hires: list[tuple[float, float]],
                                                      seed: int) -> None:
    staff = Staff(mean_tenure_months=tenure, ramp_days=ramp, ramp_start_share=share, vacation_days_per_year=vacation,
                  hires=tuple(Hire(role="solution_engineers", day=d, lead_time_days=lead) for d, lead in hires))
    roster = build(tiny(staff, horizon=400, povs=3), np.random.default_rng(seed))
    seats = 1 + len(hires)
    assert all(0 <= c <= 3 * seats for _, c in roster.engineers)
    assert all(b > a for (a, _), (b, _) in zip(roster.engineers[1:], roster.engineers[2:], strict=False))
    heads = roster.payroll["solution_engineers"]
    assert ((heads >= 0) & (heads <= seats + 1e-9)).all()
    assert set(roster.table["event"]) <= {"hired", "ramped", "left", "backfilled", "vacation_start", "vacation_end"}


@pytest.mark.parametrize("fix", [f for f in FIXES if f.stem.startswith("hire_engineer")], ids=lambda p: p.stem)
def test_the_hire_fixes_work_without_a_staff_section(fix: Path) -> None:
    scenario = load_scenario(SCENARIOS / "ml_company.toml", [fix])
    table = simulate(scenario, seed=2).extra["staff"]
    assert (table["event"] == "hired").sum() == scenario.pov.solution_engineers + scenario.spend.account_executives + 1


def test_a_fix_that_only_hires_has_an_effect() -> None:
    assert Fix(name="x", hires=(Hire(role="account_executives", day=3),)).no_effect is False


def test_a_holiday_stops_new_povs_but_not_a_running_one() -> None:
    plain = tiny(None, horizon=400, povs=1)
    deals = simulate(plain, seed=4).deals
    start = pd.Timestamp(plain.scenario.start_date)
    first = deals["pov_started"].dropna().min()
    holiday = math.ceil((first - start).total_seconds() / 86400) + 1  # a day inside the first 30-day POV
    out = simulate(plain.model_copy(update={"staff": Staff(holidays=(holiday,))}), seed=4)
    se = out.resources[out.resources["resource"] == "solution_engineers"]
    on_the_day = se[se["time"] == start + pd.Timedelta(days=holiday)].iloc[-1]
    assert (on_the_day["capacity"], on_the_day["busy"]) == (0, 1)  # the slot goes once the POV ends
    running = out.deals[out.deals["pov_started"] == first].iloc[0]
    assert running["pov_ended"] - running["pov_started"] == pd.Timedelta(days=30)


def test_a_hire_leaves_every_other_seat_s_draws_alone() -> None:
    """Common random numbers: each seat draws from its own stream, so the fix's new engineer changes no existing
    seat's departures, backfills or vacations, nor the founder's (only the headcount and capacity columns, which
    count the newcomer)."""
    base = load_scenario(SCENARIOS / "ai_startup_team.toml")
    fixed = load_scenario(SCENARIOS / "ai_startup_team.toml", [HIRE_NOW])
    columns = ["time", "role", "seat", "event"]
    for seed in (1, 2, 3):
        before = simulate(base, seed=seed).extra["staff"][columns]
        after = simulate(fixed, seed=seed).extra["staff"][columns]
        new_seat = base.pov.solution_engineers  # the fix's hire is the next engineer seat
        kept = after[~((after["role"] == "solution_engineers") & (after["seat"] == new_seat))]
        people = kept[kept["role"] != "all"].reset_index(drop=True)
        assert len(after) > len(before)
        pd.testing.assert_frame_equal(people, before[before["role"] != "all"].reset_index(drop=True))
