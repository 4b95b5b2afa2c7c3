"""Offered load against capacity, per limited resource: is the scenario overloaded before it runs?

The offered load of a resource is the work its customers bring per day times how long each holds it (in units
held at once, Little's law): for the solution engineers, POVs reaching the queue per day × the mean POV slot-days
each needs (a completed POV holds a slot for its whole length, a stalled one for the share it ran, an extension for
its length again); for the founder, final meetings per day × the days one occupies the calendar. Utilisation is
offered load / capacity: at or above 1 the queue grows without bound unless prospects give up (patience), and
above about 0.9 waits are long and erratic. ``funnelsim validate`` prints it per resource and parameter regime.

After a run, :func:`queue_trend` says whether each queue settled: its 30-day time averages over the second half of
the horizon should not keep growing (``funnelsim run`` and ``forecast`` print it; reports flag it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple

import numpy as np

from simulation.arrivals import DAYS_PER_WEEK, DAYS_PER_YEAR
from simulation.plan import STALL_EARLIEST
from simulation.resources import window_means
from simulation.scenario import Scenario, regimes
from simulation.staffing import Staff, at_work_share, filled_share

if TYPE_CHECKING:
    import pandas as pd

STALLED_SHARE: Final = STALL_EARLIEST + (1 - STALL_EARLIEST) / 2  # mean share of its length a stalled POV runs


@dataclass(frozen=True)
class Load:
    """One resource under one parameter regime: work offered per day, units it occupies, units available."""

    resource: str
    from_day: float
    arrivals_per_day: float  # customers reaching the resource's queue
    days_held: float  # mean units x days one customer holds
    capacity: int
    patient: bool = False  # customers give up waiting (the scenario sets a patience)

    @property
    def offered(self) -> float:
        return self.arrivals_per_day * self.days_held

    @property
    def utilisation(self) -> float:
        return self.offered / self.capacity

    def line(self, unit: str) -> str:
        return (f"{self.resource.replace('_', ' ')}: offered load {self.offered:.1f} of {self.capacity} {unit} "
                f"(utilisation {self.utilisation:.2f})")


def pov_arrivals_per_day(s: Scenario, rate_per_day: float) -> float:
    """POVs reaching the engineer queue per day: prospects x data quality (a nurtured second try) x data access."""
    dq = s.data_quality
    second_try = (1 - dq.pass_probability) * (dq.return_probability if dq.on_fail == "educate" else 0.0)
    qualified = dq.pass_probability + second_try * dq.pass_probability
    return rate_per_day * qualified * s.pov.data_access_probability


def loads(s: Scenario, rate_per_week: float | None = None) -> list[Load]:
    """Engineer and founder load under the base and every fix regime (at ``rate_per_week``, default the base)."""
    rate = (s.arrivals.rate_per_week if rate_per_week is None else rate_per_week) / DAYS_PER_WEEK
    out = []
    for day, p in regimes(s):
        pov, val, nego = p.pov, p.validation, p.negotiation
        povs = pov_arrivals_per_day(p, rate)
        done = pov.completion_probability
        extension = done * (1 - val.pass_probability) * val.extension_probability * val.extension_days.mean
        slot_days = done * pov.duration_days.mean + (1 - done) * pov.duration_days.mean * STALLED_SHARE + extension
        slots = pov.solution_engineers * pov.povs_per_engineer
        out.append(Load("solution_engineers", day, povs, slot_days, slots, pov.patience_days is not None))
        passed = val.pass_probability + (1 - val.pass_probability) * val.extension_probability * val.pass_probability
        meetings = povs * done * passed * nego.founder_required_probability
        out.append(Load("founder", day, meetings, DAYS_PER_WEEK / nego.founder_meetings_per_week, 1,
                        nego.founder_patience_days is not None))
    return out


def rate_at_end(s: Scenario) -> float:
    """Arrivals per week on the horizon's last day: the base rate grown by ``growth_per_year`` (compounded, as
    :func:`simulation.arrivals.cumulative_intensity` grows it)."""
    a = s.arrivals
    return a.rate_per_week * (1 + a.growth_per_year) ** (s.scenario.horizon_days / DAYS_PER_YEAR)


def report(s: Scenario) -> list[str]:
    """One line per resource and regime, as ``validate`` prints them (and the end of a growing horizon)."""
    units = {"solution_engineers": "POV slots", "founder": "founder calendar"}
    # A regime that leaves a resource's load as it was (e.g. a fix that only hires) adds no line for it.
    rows: list[tuple[Load, str]] = []
    seen: dict[str, tuple[float, int]] = {}
    for k, load in enumerate(loads(s)):
        key = (load.offered, load.capacity)
        if seen.get(load.resource) != key:
            rows.append((load, "base" if k < 2 else f"from day {load.from_day:g}"))  # two loads per regime
        seen[load.resource] = key
    if s.arrivals.growth_per_year:
        rows += [(load, "at the horizon's end, arrivals grown") for load in loads(s, rate_at_end(s))[-2:]]
    lines = []
    for load, when in rows:
        overloaded = ("  OVERLOADED: the excess gives up waiting (patience), a loss at the queue" if load.patient
                      else "  OVERLOADED: nobody gives up, so the queue grows without end")
        warning = overloaded if load.utilisation >= 1 else (
            "  (above 0.9: long, erratic waits)" if load.utilisation > 0.9 else "")
        lines.append(f"{load.line(units[load.resource])} [{when}]{warning}")
    return lines + staff_lines(s)


def staff_lines(s: Scenario) -> list[str]:
    """With ``[staff]`` (or a fix's hires): the share of the slots above that people really offer in the long run
    (in their seat, at work), the base's utilisation against it, and the hires (simulation.roster does the rest)."""
    hires = [h for f in s.fixes for h in f.hires]
    if s.staff is None and not hires:
        return []
    staff = s.staff or Staff()
    hires = [*staff.hires, *hires]
    filled, at_work = filled_share(staff), at_work_share(staff, s.scenario.horizon_days)
    base = loads(s)[0]
    slots = base.capacity * filled * at_work
    lines = [f"staff: seats filled {filled:.2f} of the time in the long run (mean tenure / (tenure + backfill)), "
             f"at work {at_work:.2f} of it (vacations, holidays): about {slots:.1f} of the {base.capacity} POV slots "
             f"(utilisation {base.offered / slots:.2f} [base]); founder at work "
             f"{at_work_share(staff, s.scenario.horizon_days, founder=True):.2f}"]
    for hire in hires:
        lead = staff.lead_time_days if hire.lead_time_days is None else hire.lead_time_days
        ramp = staff.ramp_days if hire.ramp_days is None else hire.ramp_days
        lines.append(f"staff: hire {hire.role.replace('_', ' ')[:-1]} from day {hire.day + lead:g}, "
                     f"{staff.ramp_start_share:.0%} of the slots at first, full after {ramp:g} days")
    return lines


WINDOW_DAYS: Final = 30.0
GROWTH_LIMIT: Final = 0.5  # deals a month: a queue growing faster over the second half has not settled
MARGIN: Final = 2.0  # ... and ends more than two deals above its first-half level


# Where a deal joins and leaves each resource's queue (the engineers serve a POV and, later, an extension).
VISITS: Final = {
    "solution_engineers": (("data_access_granted", "pov_started"), ("extension_requested", "extension_started")),
    "founder": (("founder_requested", "founder_met"),),
}


class QueueTrend(NamedTuple):
    """After a run: is a resource's queue steady, or still growing at the end?"""

    resource: str
    queue_first_half: float  # time-average queue length (deals) over the first half of the horizon
    queue_end: float  # ... over the last 30 days
    growth_per_month: float  # least-squares slope of the 30-day averages over the second half
    settled: bool
    wait_end: float = float("nan")  # mean days waited by the deals that left the queue in the last 90 days
    wait_growth_per_month: float = float("nan")  # slope of the 30-day mean waits over the second half

    def line(self) -> str:
        verdict = "settled" if self.settled else "NOT SETTLED: still growing at the end"
        wait = "" if math.isnan(self.wait_end) else (
            f"; wait {self.wait_end:.1f} days at the end, trend {self.wait_growth_per_month:+.1f} a month")
        return (f"{self.resource.replace('_', ' ')} queue: {self.queue_end:.1f} deals at the end (first half "
                f"{self.queue_first_half:.1f}), trend {self.growth_per_month:+.2f} a month{wait}: {verdict}")


def queue_averages(resources: pd.DataFrame, resource: str, start: pd.Timestamp, days: float) -> np.ndarray:
    """Time-average queue length in consecutive 30-day windows from ``start`` (the last one may be shorter)."""
    log = resources[resources["resource"] == resource]
    t = ((log["time"] - start).dt.total_seconds() / 86400).to_numpy(dtype=float)
    return windowed_queue(t, log["queue"].to_numpy(dtype=float), days)


def windowed_queue(t: np.ndarray, queue: np.ndarray, days: float) -> np.ndarray:
    """:func:`queue_averages` on a log already as arrays (days from the start, queue length)."""
    cuts = np.append(np.arange(0.0, days, WINDOW_DAYS), days)
    return window_means(t, queue, cuts)


def waits(deals: pd.DataFrame, resource: str, start: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """(day each queue visit ended, days it lasted) for the visits that ended after ``start``: served, or given up
    (the deal closed while waiting)."""
    ends, lengths = [], []
    for joined, left in VISITS[resource]:
        if joined not in deals.columns:
            continue
        exit_ = deals[left].fillna(deals["closed"])
        done = deals[joined].notna() & exit_.notna() & (exit_ >= start)
        ends.append(((exit_[done] - start).dt.total_seconds() / 86400).to_numpy(dtype=float))
        lengths.append(((exit_[done] - deals.loc[done, joined]).dt.total_seconds() / 86400).to_numpy(dtype=float))
    return (np.concatenate(ends), np.concatenate(lengths)) if ends else (np.zeros(0), np.zeros(0))


def _slope(values: np.ndarray) -> float:
    """The least-squares slope of ``values`` against their index (NaN left out; 0 with fewer than 3 known)."""
    known = ~np.isnan(values)
    if known.sum() < 3:
        return 0.0
    x = np.flatnonzero(known).astype(float)
    x -= x.mean()
    y = values[known]
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def queue_trend(
    resources: pd.DataFrame, resource: str, start: pd.Timestamp, days: float, deals: pd.DataFrame | None = None
) -> QueueTrend:
    """The queue's level in the first half and at the end, and its growth over the second half (and the waits
    behind it, with ``deals``)."""
    windows = queue_averages(resources, resource, start, days)
    return trend_of(resource, windows, days, None if deals is None else waits(deals, resource, start))


def trend_of(
    resource: str, windows: np.ndarray, days: float, visits: tuple[np.ndarray, np.ndarray] | None = None
) -> QueueTrend:
    """:func:`queue_trend` from the 30-day queue averages and the queue visits (:func:`waits`) as arrays."""
    half = len(windows) // 2
    growth = _slope(windows[half:])
    first = float(windows[:half].mean()) if half else float(windows[0])
    end = float(windows[-1])
    settled = not (growth > GROWTH_LIMIT and end > first + MARGIN)
    trend = QueueTrend(resource, first, end, growth, settled)
    if visits is None:
        return trend
    ended, waited = visits
    recent = ended >= days - 3 * WINDOW_DAYS
    window = np.minimum((ended // WINDOW_DAYS).astype(int), len(windows) - 1)
    sums = np.bincount(window, weights=waited, minlength=len(windows))
    counts = np.bincount(window, minlength=len(windows))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    wait_end = float(waited[recent].mean()) if recent.any() else float("nan")
    return trend._replace(wait_end=wait_end, wait_growth_per_month=_slope(means[half:]))
