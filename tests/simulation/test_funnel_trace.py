"""Exact traces on tiny fixtures: the SimPy processes do what the funnel says, to the day."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from simulation.funnel import Funnel, Ledger
from simulation.plan import timeline
from simulation.randomness import SLOTS
from simulation.resources import Pool
from simulation.scenario import Scenario
from tests.conftest import variant


def run(scenario: Scenario, arrivals: list[float], until: float = 400.0, u: float = 0.5) -> tuple[Ledger, list]:
    """Run the funnel for deals arriving at the given days, every uniform equal to ``u``."""
    uniforms = np.full((len(arrivals), len(SLOTS)), u)
    plans = timeline(scenario, uniforms)
    env = simpy.Environment()
    rows: list = []
    slots = [(0.0, plans.plans[0].pov_slots)]
    model = Funnel(env, plans, Ledger(len(arrivals)), Pool(env, "solution_engineers", slots, rows),
                   Pool(env, "founder", [(0.0, 1)], rows))
    model.ledger.arrived = list(arrivals)
    env.process(model.arrivals(arrivals))
    env.run(until=until)
    return model.ledger, rows


def test_one_deal_walks_every_stage_to_the_day(tiny: Scenario) -> None:
    ledger, _ = run(tiny, [0.0])
    # dq 5, access 10, POV 30, validation 4, negotiation 20, founder meeting 7/7 = 1 day
    assert ledger.dq_checked[0] == 5
    assert ledger.pov_requested[0] == 5
    assert ledger.data_access_granted[0] == 15
    assert ledger.pov_started[0] == 15
    assert ledger.pov_ended[0] == 45
    assert ledger.negotiation_started[0] == 49
    assert ledger.founder_requested[0] == 69 and ledger.founder_met[0] == 69
    assert ledger.closed[0] == 70
    assert ledger.outcome[0] == "won" and ledger.lost_stage[0] is None


def test_second_deal_queues_for_the_only_engineer(tiny: Scenario) -> None:
    ledger, rows = run(tiny, [0.0, 1.0, 2.0])
    assert ledger.pov_started == [15, 45, 75]  # each waits for the previous POV to end
    assert ledger.closed == [70, 100, 130]
    se_queue = [(t, q) for t, name, _, _, q in rows if name == "solution_engineers"]
    assert (16.0, 1) in se_queue and (17.0, 2) in se_queue and (45.0, 1) in se_queue and (75.0, 0) in se_queue


def test_founder_is_a_queue_too(tiny: Scenario) -> None:
    slow_founder = variant(tiny, pov={"solution_engineers": 3}, negotiation={"founder_meetings_per_week": 0.7})
    ledger, _ = run(slow_founder, [0.0, 0.0])
    assert ledger.founder_requested == [69, 69]
    assert ledger.founder_met == [69, 79]  # one meeting takes 7 / 0.7 = 10 days of the founder's calendar
    assert ledger.closed == [79, 89]


def test_failures_close_the_deal_in_their_stage(tiny: Scenario) -> None:
    cases = {
        "data_quality": variant(tiny, data_quality={"pass_probability": 0.0, "on_fail": "disqualify"}),
        "data_access": variant(tiny, pov={"data_access_probability": 0.0}),
        "pov": variant(tiny, pov={"completion_probability": 0.0}),
        "validation": variant(tiny, validation={"pass_probability": 0.0}),
        "negotiation": variant(tiny, negotiation={"win_probability": 0.0}),
    }
    stall = 15 + 30 * (0.2 + 0.8 * 0.5)  # a stall comes between 20 % and 100 % of the planned POV; u = 0.5
    closed_at = {"data_quality": 5, "data_access": 15, "pov": stall, "validation": 49, "negotiation": 70}
    for stage, scenario in cases.items():
        ledger, _ = run(scenario, [0.0])
        expected_outcome = "disqualified" if stage == "data_quality" else "lost"
        assert (ledger.outcome[0], ledger.lost_stage[0], ledger.closed[0]) == (
            expected_outcome, stage, closed_at[stage]
        ), stage


def test_educated_prospect_returns_once_for_a_second_check(tiny: Scenario) -> None:
    nurture = variant(tiny, data_quality={
        "pass_probability": 0.4, "on_fail": "educate", "return_probability": 1.0,
        "return_after_days": {"dist": "fixed", "value": 60},
    })
    ledger, _ = run(nurture, [0.0], u=0.5)  # u = 0.5 fails a 40 % check both times
    assert ledger.educated[0] is True
    assert ledger.returned[0] == 65 and ledger.dq_checked[0] == 70
    assert ledger.outcome[0] == "disqualified"
    ledger, _ = run(nurture, [0.0], u=0.3)  # passes the first check
    assert ledger.dq_passed[0] is True and ledger.returned[0] != ledger.returned[0]  # NaN: never left


def test_extension_holds_an_engineer_again(tiny: Scenario) -> None:
    unclear = variant(tiny, validation={
        "pass_probability": 0.4, "extension_probability": 1.0, "extension_days": {"dist": "fixed", "value": 15},
    })
    ledger, _ = run(unclear, [0.0, 20.0])
    # Deal 0: POV 15-45, validation 45-49 unclear, asks for the engineer again at 49; deal 1 (queued since 35) has
    # had it since 45 until 75. Deal 0's extension runs 75-90, re-validation to 94: still unclear (u=.5), lost.
    assert ledger.extended[0] is True
    assert ledger.pov_ended[0] == 45  # the POV's own end: the 26 days queuing for the extension are not POV work
    assert (ledger.extension_requested[0], ledger.extension_started[0], ledger.extension_ended[0]) == (49, 75, 90)
    assert (ledger.outcome[0], ledger.lost_stage[0], ledger.closed[0]) == ("lost", "validation", 94)
    assert (ledger.pov_started[1], ledger.pov_ended[1]) == (45, 75)


def test_open_pov_beyond_the_engineer_slots_queues_and_runs_in_full(tiny: Scenario) -> None:
    """Two POVs running on the start date (10 days in) and one slot: the first keeps its engineer and its start;
    the second cannot have had an engineer, so it waits for the slot and then runs its whole 30 days."""
    uniforms = np.full((2, len(SLOTS)), 0.5)
    plans = timeline(tiny, uniforms)
    env = simpy.Environment()
    model = Funnel(env, plans, Ledger(2), Pool(env, "solution_engineers", [(0.0, 1)], []),
                   Pool(env, "founder", [(0.0, 1)], []))
    for i in range(2):
        env.process(model.deal(i, "pov", 10.0))
    env.run(until=400)
    assert model.ledger.pov_started == [-10, 20]
    assert model.ledger.pov_ended == [20, 50]


def test_a_deal_open_at_the_horizon_stays_open(tiny: Scenario) -> None:
    ledger, _ = run(tiny, [0.0], until=30)
    assert ledger.outcome[0] == "open"
    assert ledger.pov_started[0] == 15 and ledger.closed[0] != ledger.closed[0]


def test_engineers_leave_only_after_finishing_their_pov(tiny: Scenario) -> None:
    """A fix cutting engineers from 3 to 1 on day 20: the two who go finish their POVs first (no POV cut short)."""
    from simulation.scenario import Fix

    cut = tiny.model_copy(update={
        "pov": tiny.pov.model_copy(update={"solution_engineers": 3}),
        "fixes": (Fix(name="cut", start_day=20, patch={"pov": {"solution_engineers": 1}}),),
    })
    uniforms = np.full((4, len(SLOTS)), 0.5)
    plans = timeline(cut, uniforms)
    env = simpy.Environment()
    rows: list = []
    from simulation.resources import capacity_schedule

    pool = Pool(env, "solution_engineers", capacity_schedule(plans.starts, [p.pov_slots for p in plans.plans]), rows)
    model = Funnel(env, plans, Ledger(4), pool, Pool(env, "founder", [(0.0, 1)], rows))
    model.ledger.arrived = [0.0, 0.0, 0.0, 6.0]
    env.process(model.arrivals([0.0, 0.0, 0.0, 6.0]))
    env.run(until=200)
    ledger = model.ledger
    # Three POVs start on day 15 and run their full 30 days although capacity drops to 1 on day 20.
    assert ledger.pov_started[:3] == [15, 15, 15] and ledger.pov_ended[:3] == [45, 45, 45]
    # The fourth deal (access granted on day 21) waits: after day 45 only one engineer is left.
    assert ledger.pov_started[3] == 45 and ledger.pov_ended[3] == 75
    se = [(t, cap, busy, q) for t, name, cap, busy, q in rows if name == "solution_engineers"]
    assert se[0] == (0.0, 3, 0, 0)
    assert (20.0, 1, 3, 0) in se  # capacity shown as 1 from day 20 while three POVs still run
    assert all(busy <= 3 for _, _, busy, _ in se)
    settled = {t: (cap, busy, q) for t, cap, busy, q in se}  # the last state logged at each time
    assert settled[45.0] == (1, 1, 0) and settled[75.0] == (1, 0, 0)
    assert all(busy <= cap for t, (cap, busy, _) in settled.items() if t >= 45)


def test_negotiation_works_off_its_duration_at_the_month_s_pace(tiny: Scenario) -> None:
    """The pace of closing by month (simulation.seasonality): 20 working days begun on day 49 (22 February 2027)
    run at February's pace to 1 March, then at March's; the founder's one-day meeting follows."""
    from simulation.seasonality import Seasonality

    paced = tiny.model_copy(update={"seasonality": Seasonality(closes_by_month=(1, 2, 0.5, *(1,) * 9))})
    feb, mar = paced.seasonality.monthly_pace()[1:3]  # type: ignore[union-attr]
    assert 7 * feb < 20  # the negotiation runs into March
    ledger, _ = run(paced, [0.0])
    assert ledger.negotiation_started[0] == 49
    assert ledger.founder_requested[0] == pytest.approx(49 + 7 + (20 - 7 * feb) / mar, rel=1e-12)
    assert ledger.closed[0] == pytest.approx(ledger.founder_requested[0] + 1, rel=1e-12)
    plain, _ = run(tiny, [0.0])
    assert plain.closed[0] == 70  # without the section, 20 calendar days
