"""The funnel as SimPy processes: one process per deal walking the stages of DESIGN.md.

Stages, in order (each a generator method returning whether the deal goes on):

1. data-quality check: pass, or fail -> educate (nurture) and maybe return once for a second check, or disqualify;
2. data-access / privacy review: granted, or refused (lost);
3. POV: queue for a solution engineer (the prospect gives up after its patience, if the scenario sets one: lost at
   ``pov_queue``), then model runs on the prospect's data; completes or stalls (lost);
4. accuracy validation ("results clear?"): pass, or one extension (holding an engineer again) and a re-check;
5. negotiation: maybe the founder in the final meeting (queue for the founder's calendar, with its own patience:
   a deal that gives up is lost in negotiation); won or lost.

Durations and decisions come precomputed from :mod:`simulation.plan` (read at stage entry from the regime then in
force); what happens is written into :class:`Ledger`'s plain column lists, turned into tables once at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

from simulation.plan import Timeline
from simulation.resources import Pool
from simulation.seasonality import month_of_quarter
from simulation.tables import STAGE_ENTERED

NaN = math.nan
ENTRY = {"data_quality": 0, "data_access": 1, "pov_queue": 2, "pov": 2, "validation": 3, "negotiation": 4}
Process = Generator[Any, Any, bool]


class Ledger:
    """Per-deal facts as column lists (days from the start date; NaN / None for stages never reached)."""

    TIMES = (
        "arrived", "dq_checked", "returned", "pov_requested", "data_access_granted", "pov_started",
        "pov_ended", "extension_requested", "extension_started", "extension_ended", "negotiation_started",
        "founder_requested",
        "founder_met", "closed",
    )
    FLAGS = (
        "dq_passed", "educated", "pov_completed", "extended", "validation_passed", "founder_in_final_meeting",
    )
    LABELS = ("outcome", "lost_stage")

    def __init__(self, n: int):
        def times() -> list[float]:
            return [NaN] * n

        def flags() -> list[bool | None]:
            return [None] * n

        self.arrived, self.dq_checked, self.returned = times(), times(), times()
        self.pov_requested, self.data_access_granted, self.pov_started, self.pov_ended = (
            times(), times(), times(), times()
        )
        self.negotiation_started, self.founder_requested, self.founder_met, self.closed = (
            times(), times(), times(), times()
        )
        self.extension_requested, self.extension_started, self.extension_ended = times(), times(), times()
        self.dq_passed, self.educated, self.pov_completed = flags(), flags(), flags()
        self.extended, self.validation_passed, self.founder_in_final_meeting = flags(), flags(), flags()
        self.outcome: list[str] = ["open"] * n
        self.lost_stage: list[str | None] = [None] * n

    def columns(self) -> dict[str, list[Any]]:
        return {name: getattr(self, name) for name in (*self.TIMES, *self.FLAGS, *self.LABELS)}


class Funnel:
    """The SimPy model of one replication: the environment, the two queues and the deal processes."""

    def __init__(self, env: simpy.Environment, plans: Timeline, ledger: Ledger, engineers: Pool, founder: Pool):
        self.env, self.plans, self.ledger = env, plans, ledger
        self.engineers, self.founder = engineers, founder
        self.after_close: Callable[[int, str], None] | None = None  # called as (deal, outcome) when a deal closes
        # The stages in order; "pov" is an extra entry point for deals whose POV was running on the start date.
        self.steps: list[Callable[[int, float], Process]] = [
            self.data_quality, self.data_access, self.pov, self.validation, self.negotiation,
        ]

    def arrivals(self, times: list[float], first: int = 0) -> Generator[simpy.Event, Any, None]:
        """Start one deal process per arrival time (deal numbers first, first + 1, ... in time order)."""
        env = self.env
        for i, t in enumerate(times, start=first):
            yield env.timeout(t - env.now)
            env.process(self.deal(i))

    def _wait(self, pool: Pool, req: Any, patience: float) -> Generator[Any, Any, bool]:
        """Wait for ``req`` at most ``patience`` days: True when granted, False when the prospect gave up."""
        if not req.triggered:
            if patience == math.inf:
                yield req
                return True
            yield req | self.env.timeout(max(patience, 0.0))
        if req.triggered:  # granted, possibly at the very moment the patience ran out: the deal takes it
            return True
        pool.cancel(req)
        return False

    def deal(self, i: int, stage: str = "data_quality", elapsed: float = 0.0) -> Generator[Any, Any, None]:
        """Walk deal ``i`` from ``stage`` (``elapsed`` days already spent in it) to the end of the funnel."""
        start = ENTRY[stage]
        if stage != "data_quality":  # a deal from the open pipeline: date its entry into the stage it is in
            getattr(self.ledger, STAGE_ENTERED[stage])[i] = self.env.now - elapsed
        for k in range(start, len(self.steps)):
            step = self.pov_running if k == start and stage == "pov" else self.steps[k]
            if not (yield from step(i, elapsed if k == start else 0.0)):
                return

    def _close(self, i: int, outcome: str, lost_stage: str | None = None) -> bool:
        ledger = self.ledger
        ledger.closed[i] = self.env.now
        ledger.outcome[i] = outcome
        ledger.lost_stage[i] = lost_stage
        if self.after_close is not None:  # [market]: a lost account may come back (simulation.market)
            self.after_close(i, outcome)
        return outcome == "won"

    def data_quality(self, i: int, elapsed: float) -> Process:
        env, ledger = self.env, self.ledger
        p = self.plans.at(env.now)
        yield env.timeout(max(p.dq_days[i] - elapsed, 0.0))
        ledger.dq_checked[i] = env.now
        if p.dq_pass[i]:
            ledger.dq_passed[i] = True
            return True
        ledger.dq_passed[i] = False
        if p.dq_return[i]:
            ledger.educated[i] = True
            yield env.timeout(p.return_after[i])
            ledger.returned[i] = env.now
            p = self.plans.at(env.now)
            yield env.timeout(p.dq2_days[i])
            ledger.dq_checked[i] = env.now
            if p.dq2_pass[i]:
                ledger.dq_passed[i] = True
                return True
        else:
            ledger.educated[i] = self.plans.parameters_at(env.now).data_quality.on_fail == "educate"
        return self._close(i, "disqualified", "data_quality")

    def data_access(self, i: int, elapsed: float) -> Process:
        env, ledger = self.env, self.ledger
        ledger.pov_requested[i] = env.now - elapsed
        p = self.plans.at(env.now)
        yield env.timeout(max(p.access_days[i] - elapsed, 0.0))
        if not p.access_ok[i]:
            return self._close(i, "lost", "data_access")
        ledger.data_access_granted[i] = env.now
        return True

    def pov(self, i: int, elapsed: float) -> Process:
        """Queue for a solution engineer (giving up after the prospect's patience), then run the POV holding them."""
        req = self.engineers.request()
        patience = self.plans.at(self.env.now).pov_patience[i] - elapsed
        if not (yield from self._wait(self.engineers, req, patience)):
            return self._close(i, "lost", "pov_queue")
        self.ledger.pov_started[i] = self.env.now
        return (yield from self._run_pov(i, req, 0.0))

    def pov_running(self, i: int, elapsed: float) -> Process:
        """Entry point for a deal whose POV was running on the start date: it keeps its engineer and its start.

        When the open pipeline holds more running POVs than the scenario has engineer slots, the ones beyond the
        free slots cannot have an engineer: they queue for one (with no patience: their POV has begun), start
        when one is free and run in full, since no engineer was working on them."""
        req = self.engineers.request()
        if req.triggered:
            self.ledger.pov_started[i] = self.env.now - elapsed
            return (yield from self._run_pov(i, req, elapsed))
        yield req
        self.ledger.pov_started[i] = self.env.now
        return (yield from self._run_pov(i, req, 0.0))

    def _run_pov(self, i: int, req: Any, elapsed: float) -> Process:
        env, ledger = self.env, self.ledger
        p = self.plans.at(env.now)
        days = p.pov_days[i] if p.pov_complete[i] else p.pov_days[i] * p.pov_drop_at[i]
        yield env.timeout(max(days - elapsed, 0.0))
        self.engineers.release(req)
        ledger.pov_ended[i] = env.now
        ledger.pov_completed[i] = p.pov_complete[i]
        if not p.pov_complete[i]:
            return self._close(i, "lost", "pov")
        return True

    def validation(self, i: int, elapsed: float) -> Process:
        env, ledger = self.env, self.ledger
        p = self.plans.at(env.now)
        yield env.timeout(max(p.val_days[i] - elapsed, 0.0))
        if p.val_pass[i]:
            ledger.validation_passed[i] = True
            return True
        if p.val_extend[i]:
            ledger.extended[i] = True
            ledger.extension_requested[i] = env.now
            req = self.engineers.request()
            yield req
            ledger.extension_started[i] = env.now
            yield env.timeout(p.ext_days[i])
            self.engineers.release(req)
            ledger.extension_ended[i] = env.now  # pov_ended stays the first POV's end: the queue between is waiting
            p = self.plans.at(env.now)
            yield env.timeout(p.val2_days[i])
            if p.val2_pass[i]:
                ledger.validation_passed[i] = True
                return True
        ledger.validation_passed[i] = False
        return self._close(i, "lost", "validation")

    def negotiation(self, i: int, elapsed: float) -> Process:
        env, ledger = self.env, self.ledger
        ledger.negotiation_started[i] = env.now - elapsed
        p = self.plans.at(env.now)
        work = max(p.nego_days[i] - elapsed, 0.0)
        # The pace of closing by month: the drawn duration is working time, stretched or squeezed by the calendar.
        yield env.timeout(work if p.pace is None else max(p.pace.finish(env.now, work) - env.now, 0.0))
        needed = p.founder_needed[i]
        ledger.founder_in_final_meeting[i] = needed
        if needed:
            ledger.founder_requested[i] = env.now
            req = self.founder.request()
            if not (yield from self._wait(self.founder, req, p.founder_patience[i])):
                return self._close(i, "lost", "negotiation")
            ledger.founder_met[i] = env.now
            yield env.timeout(self.plans.at(env.now).founder_meeting_days)
            self.founder.release(req)
        won = p.win_with_founder[i] if needed else p.win_without_founder[i]
        if p.seasonal_wins is not None:  # the quarter-end push: the month of the close sets the odds
            won = p.seasonal_wins[needed][month_of_quarter(p.start_ordinal, env.now)][i]
        return self._close(i, "won", None) if won else self._close(i, "lost", "negotiation")
