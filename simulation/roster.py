"""Who works when: the ``[staff]`` section turned into capacity schedules, daily headcounts and the ``staff`` table.

Everything is drawn before the SimPy run from streams spawned off the ``staff`` stream: one per role, and under
it one per seat (numbered within the role: the start date's seats, then those fixes open, then hires), which
spawns one for the seat's tenures and backfill gaps (a batch of ``(cycles, 2)`` uniforms, another only if the seat
outlives it) and one for its vacation blocks ``(years, blocks)``; the founder's vacations have their own. Each is
read only when its key is on. A seat's draws therefore do not depend on how many other seats there are: a fix
that hires leaves every existing seat's departures and vacations as they were (common random numbers). A year's
vacation is split into equal parts of the year, one block at a uniform place in each, so a person's blocks never
overlap.

An engineer seat runs ``povs_per_engineer`` POV slots (of the regime in force) while filled, at work and past its
ramp; a new hire runs ``ramp_start_share`` of them at first (rounded down) and gains one slot at a time at equal
intervals until full at ``ramp_days``; on vacation and on holidays it runs none. The founder's calendar is 1, 0 on
vacation and on holidays. A capacity drop never interrupts a running POV or meeting: the slot goes once that work
ends (:class:`simulation.resources.Pool`), so ``busy`` may exceed ``capacity`` for a while in the resources table.
Before the start date (the warm-up) every seat is filled and at work, as without the section.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from simulation.resources import window_means
from simulation.scenario import Scenario, regimes
from simulation.staffing import DAYS_PER_MONTH, DAYS_PER_YEAR, ROLES, Hire, Staff, blocks_per_year, holiday_offsets

Columns = dict[str, np.ndarray]
Schedule = list[tuple[float, int]]
FOUNDER: Final = "founder"
ALL: Final = "all"  # a holiday's row: every seat and the founder
EVENTS: Final = ("hired", "ramped", "left", "backfilled", "vacation_start", "vacation_end", "holiday")
EPS: Final = 1e-9


@dataclass
class Seat:
    """A position: open from ``opens`` (the first occupant starts then) until ``closes``."""

    role: str
    opens: float
    ramp: float | None  # None: the first occupant is already productive (a seat filled on the start date)
    closes: float = math.inf
    occupants: list[tuple[float, float, float | None]] = field(default_factory=list)  # (start, end, ramp)


@dataclass(frozen=True)
class Roster:
    engineers: Schedule  # POV slots: [(day, slots)], the first from -inf (the warm-up), then changes from day 0
    founder: Schedule
    payroll: dict[str, np.ndarray]  # role -> mean headcount on each day 0 .. horizon-1
    table: Columns  # the staff table's columns (time in days; the engine dates them)


def is_on(scenario: Scenario) -> bool:
    """The mechanism runs when the scenario has ``[staff]`` or a fix hires (with every other key at its default)."""
    return scenario.staff is not None or any(f.hires for f in scenario.fixes)


def all_hires(scenario: Scenario) -> list[Hire]:
    """The section's hires and every fix's (a fix's days already counted from the start date by the loader)."""
    own = scenario.staff.hires if scenario.staff is not None else ()
    return [*own, *(h for f in scenario.fixes for h in f.hires)]


def build(scenario: Scenario, rng: np.random.Generator) -> Roster:
    """The roster of one replication: ``rng`` is its ``staff`` stream (read here only, before the SimPy run)."""
    staff = scenario.staff or Staff()
    horizon = float(scenario.scenario.horizon_days)
    pairs = regimes(scenario)
    seats = _seats(scenario, staff, pairs)
    tenure_rngs, vacation_rngs, founder_rng = _streams(seats, rng)
    _fill(seats, staff, horizon, tenure_rngs)
    engineers = [s for s in seats if s.role == ROLES[0]]
    holidays = [(float(d), d + 1.0) for d in holiday_offsets(staff, scenario.scenario.start_date)]
    years = max(1, math.ceil(horizon / DAYS_PER_YEAR))
    vacations = _vacations(staff.vacation_days_per_year, staff.vacation_block_days, years,
                           [g for seat, g in zip(seats, vacation_rngs, strict=True) if seat.role == ROLES[0]])
    founder_off = _vacations(staff.founder_vacation_days_per_year, staff.vacation_block_days, years, [founder_rng])[0]
    starts = np.array([max(start, 0.0) for start, _ in pairs])
    per_engineer = np.array([p.pov.povs_per_engineer for _, p in pairs])
    cuts = _breakpoints(engineers, vacations, founder_off, holidays, starts, per_engineer, staff, horizon)
    povs = per_engineer[np.searchsorted(starts, cuts, side="right") - 1]
    slots = sum((_seat_slots(s, v + holidays, cuts, povs, staff) for s, v in zip(engineers, vacations, strict=True)),
                np.zeros(len(cuts), dtype=np.int64))
    at_work = 1 - _inside(founder_off + holidays, cuts).astype(np.int64)
    initial = pairs[0][1].pov.solution_engineers * pairs[0][1].pov.povs_per_engineer
    table = _table(seats, vacations, founder_off, holidays, cuts, slots, at_work, horizon)
    return Roster(
        engineers=_schedule(initial, cuts, slots),
        founder=_schedule(1, cuts, at_work),
        payroll={role: _daily_headcount([s for s in seats if s.role == role], horizon) for role in ROLES},
        table=table,
    )


def _seats(scenario: Scenario, staff: Staff, pairs: tuple[tuple[float, Scenario], ...]) -> list[Seat]:
    """The seats per role: the base's, those a fix opens (closing the newest when it lowers the count), hires."""
    seats: list[Seat] = []
    for role in ROLES:
        counts = [p.pov.solution_engineers if role == ROLES[0] else p.spend.account_executives for _, p in pairs]
        own = [Seat(role, 0.0, None) for _ in range(counts[0])]
        closings: list[tuple[float, int]] = []
        for (day, _), before, after in zip(pairs[1:], counts[:-1], counts[1:], strict=True):
            own += [Seat(role, day, staff.ramp_days) for _ in range(max(after - before, 0))]
            if after < before:
                closings.append((day, before - after))
        for hire in (h for h in all_hires(scenario) if h.role == role):
            lead = staff.lead_time_days if hire.lead_time_days is None else hire.lead_time_days
            own.append(Seat(role, hire.day + lead, staff.ramp_days if hire.ramp_days is None else hire.ramp_days))
        for day, count in closings:
            candidates = sorted((s for s in own if s.opens <= day and s.closes == math.inf), key=lambda s: -s.opens)
            for seat in candidates[:count]:
                seat.closes = day
        seats += own
    return seats


def _streams(seats: list[Seat], rng: np.random.Generator
             ) -> tuple[list[np.random.Generator], list[np.random.Generator], np.random.Generator]:
    """Each seat's tenure and vacation generators, keyed by role and the seat's number within it, and the
    founder's (see the module docstring): spawned children depend on their index only."""
    *roles, founder = rng.spawn(len(ROLES) + 1)
    per_role = {role: iter(parent.spawn(sum(seat.role == role for seat in seats)))
                for role, parent in zip(ROLES, roles, strict=True)}
    pairs = [next(per_role[seat.role]).spawn(2) for seat in seats]  # the k-th seat of a role gets child k
    return [t for t, _ in pairs], [v for _, v in pairs], founder


def _fill(seats: list[Seat], staff: Staff, horizon: float, rngs: list[np.random.Generator]) -> None:
    """Each seat's occupants: tenures and backfill gaps from its own stream, ``(cycles, 2)`` uniforms at a time."""
    if staff.mean_tenure_months is None:
        for seat in seats:
            end = min(seat.closes, horizon)
            seat.occupants = [(seat.opens, seat.closes, seat.ramp)] if seat.opens < end else []
        return
    tenure = staff.mean_tenure_months * DAYS_PER_MONTH
    cycles = math.ceil(2 * horizon / (tenure + staff.backfill_days.mean)) + 4
    for seat, rng in zip(seats, rngs, strict=True):
        draws = rng.random((cycles, 2))
        while (found := _occupants(seat, -tenure * np.log1p(-draws[:, 0]), staff.backfill_days.ppf(draws[:, 1]),
                                   staff.ramp_days, horizon)) is None:
            draws = np.concatenate([draws, rng.random((cycles, 2))])
        seat.occupants = found


def _occupants(seat: Seat, tenures: np.ndarray, gaps: np.ndarray, ramp: float,
               horizon: float) -> list[tuple[float, float, float | None]] | None:
    """One seat's occupants until it closes or the horizon; None when the draws run out first."""
    out: list[tuple[float, float, float | None]] = []
    start, ramp_now = seat.opens, seat.ramp
    for k in range(len(tenures)):
        if start >= min(seat.closes, horizon):
            return out
        end = min(start + float(tenures[k]), seat.closes)
        out.append((start, end, ramp_now))
        if end >= min(seat.closes, horizon):
            return out
        start, ramp_now = end + float(gaps[k]), ramp
    return None


def _vacations(days: float, block: float, years: int,
               rngs: list[np.random.Generator]) -> list[list[tuple[float, float]]]:
    """Each person's vacation blocks ``(start, end)`` from their own stream: one block at a uniform place in each
    equal part of a year."""
    n = blocks_per_year(days, block) if days else 0
    if n == 0:
        return [[] for _ in rngs]
    part = DAYS_PER_YEAR / n
    out = []
    for rng in rngs:
        starts = np.arange(years)[:, None] * DAYS_PER_YEAR + np.arange(n)[None, :] * part + rng.random((years, n)) * (
            part - block)
        out.append([(float(x), float(x) + block) for x in np.sort(starts.ravel())])
    return out


def _ramp_steps(ramp: float, povs: int, share: float) -> np.ndarray:
    """Days after the first day at which a new hire gains a slot (the last is ``ramp``: full capacity).

    >>> _ramp_steps(45.0, 5, 0.5).tolist()  # 2 slots at first, then 3, 4 and 5
    [9.0, 27.0, 45.0]
    """
    first = math.floor(povs * share + EPS)
    if ramp <= 0 or first >= povs:
        return np.zeros(0)
    return ramp * (np.arange(first + 1, povs + 1) - povs * share) / (povs * (1 - share))


def _breakpoints(engineers: list[Seat], vacations: list[list[tuple[float, float]]], founder: list[tuple[float, float]],
                 holidays: list[tuple[float, float]], starts: np.ndarray, per_engineer: np.ndarray, staff: Staff,
                 horizon: float) -> np.ndarray:
    """Every time in [0, horizon) at which some capacity may change, sorted."""
    times = [0.0, *starts.tolist()]
    for seat in engineers:
        for start, end, ramp in seat.occupants:
            times += [start, end]
            if ramp:
                for povs in set(per_engineer.tolist()):
                    times += (start + _ramp_steps(ramp, povs, staff.ramp_start_share)).tolist()
    times += [t for blocks in [*vacations, founder, holidays] for pair in blocks for t in pair]
    cuts = np.unique(np.asarray(times, dtype=float))
    return cuts[(cuts >= 0) & (cuts < horizon)]


def _inside(intervals: list[tuple[float, float]], times: np.ndarray) -> np.ndarray:
    """Whether each of ``times`` falls inside one of the half-open ``[lo, hi)`` intervals."""
    return _count_inside(intervals, times) > 0


def _seat_slots(seat: Seat, off: list[tuple[float, float]], times: np.ndarray, povs: np.ndarray,
                staff: Staff) -> np.ndarray:
    """POV slots the seat runs from each of ``times`` on."""
    if not seat.occupants:
        return np.zeros(len(times), dtype=np.int64)
    start, end = (np.array([o[k] for o in seat.occupants], dtype=float) for k in (0, 1))
    ramp = np.array([o[2] or 0.0 for o in seat.occupants])
    k = np.searchsorted(start, times, side="right") - 1
    filled = (k >= 0) & (times < end[np.maximum(k, 0)])
    days_in = np.maximum(times - start[np.maximum(k, 0)], 0.0)
    r = ramp[np.maximum(k, 0)]
    share = staff.ramp_start_share
    with np.errstate(over="ignore"):  # a ramp of a few microseconds: full at once
        progress = np.minimum(np.divide(days_in, r, out=np.ones_like(r), where=r > 0), 1.0)
    slots = np.minimum(np.floor(povs * (share + (1 - share) * progress) + EPS), povs).astype(np.int64)
    return np.where(filled & ~_inside(off, times), slots, 0)


def _schedule(initial: int, cuts: np.ndarray, values: np.ndarray) -> Schedule:
    schedule: Schedule = [(-math.inf, int(initial))]
    for t, v in zip(cuts.tolist(), values.tolist(), strict=True):
        if v != schedule[-1][1]:
            schedule.append((t, int(v)))
    return schedule


def _count_inside(spans: list[tuple[float, float]], times: np.ndarray) -> np.ndarray:
    """How many of the half-open ``[lo, hi)`` spans hold each of ``times``: those begun by then minus those ended
    (sorted searches, so memory grows with the spans plus the times, not their product).

    >>> _count_inside([(0.0, 2.0), (1.0, 3.0), (5.0, 5.0)], np.array([0.0, 1.0, 2.0, 3.0, 5.0])).tolist()
    [1, 2, 1, 0, 0]
    """
    if not spans:
        return np.zeros(len(times), dtype=np.int64)
    lo, hi = np.array(spans, dtype=float).T
    lo, hi = np.sort(lo), np.sort(hi)  # every span has lo <= hi, so an ended span has begun
    return (np.searchsorted(lo, times, side="right") - np.searchsorted(hi, times, side="right")).astype(np.int64)


def _daily_headcount(seats: list[Seat], horizon: float) -> np.ndarray:
    """Mean filled seats on each day 0 .. horizon-1 (what the payroll pays)."""
    spans = [(s, e) for seat in seats for s, e, _ in seat.occupants]
    edges = np.unique(np.array([0.0, *[t for span in spans for t in span if t < horizon]]))
    values = _count_inside(spans, edges).astype(float)
    return window_means(edges, values, np.arange(int(horizon) + 1, dtype=float))


def _table(seats: list[Seat], vacations: list[list[tuple[float, float]]], founder: list[tuple[float, float]],
           holidays: list[tuple[float, float]], cuts: np.ndarray, slots: np.ndarray, at_work: np.ndarray,
           horizon: float) -> Columns:
    """The staff table: one row per event in [0, horizon), with the role's headcount and capacity after it."""
    rows: list[tuple[float, str, int, str]] = []
    number = {role: 0 for role in ROLES}
    engineer = 0
    for seat in seats:
        index = number[seat.role]
        number[seat.role] += 1
        for k, (start, end, ramp) in enumerate(seat.occupants):
            rows.append((start, seat.role, index, "hired" if k == 0 else "backfilled"))
            if ramp:
                rows.append((start + ramp, seat.role, index, "ramped"))
            rows.append((end, seat.role, index, "left"))
        if seat.role == ROLES[0]:
            for start, end in vacations[engineer]:
                if any(s <= start < e for s, e, _ in seat.occupants):
                    rows += [(start, seat.role, index, "vacation_start"), (end, seat.role, index, "vacation_end")]
            engineer += 1
    rows += [(t, FOUNDER, 0, event) for start, end in founder for t, event in
             ((start, "vacation_start"), (end, "vacation_end"))]
    rows += [(start, ALL, -1, "holiday") for start, _ in holidays]
    rows = sorted((r for r in rows if 0 <= r[0] < horizon), key=lambda r: r[0])  # stable: seat order within a time
    time = np.array([r[0] for r in rows], dtype=float)
    role = np.array([r[1] for r in rows], dtype=object)
    at = np.searchsorted(cuts, time, side="right") - 1
    heads = {r: _count_inside([(s, e) for seat in seats if seat.role == r for s, e, _ in seat.occupants], time)
             for r in ROLES}
    se_heads, ae_heads = heads[ROLES[0]], heads[ROLES[1]]
    headcount = np.select([role == ROLES[1], role == FOUNDER], [ae_heads, np.ones(len(rows), dtype=np.int64)],
                          se_heads)
    capacity = np.select([role == ROLES[1], role == FOUNDER], [ae_heads, at_work[at]], slots[at] if len(cuts) else 0)
    return {
        "time": time,
        "role": role,
        "seat": np.array([r[2] for r in rows], dtype=np.int64),
        "event": np.array([r[3] for r in rows], dtype=object),
        "headcount": np.asarray(headcount, dtype=np.int64),
        "capacity": np.asarray(capacity, dtype=np.int64),
    }


def dated(columns: Columns, start: dt.date) -> Columns:
    """The table with its times as calendar timestamps (whole seconds, as every table keeps them)."""
    offset = np.round(columns["time"] * 86400).astype("timedelta64[s]")
    return {**columns, "time": (np.datetime64(start, "ns") + offset).astype("datetime64[ns]")}
