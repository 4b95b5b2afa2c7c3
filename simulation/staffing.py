"""Staff over time: solution engineers and account executives hired with a lead time, ramping up, leaving and
backfilled; holidays and vacations (the founder's calendar too). Optional ``[staff]`` section (absent: every
seat is filled from day one at full capacity, as before).

The seats are the scenario's own: ``[pov] solution_engineers`` and ``[spend] account_executives`` filled on the
start date (fully productive), a fix that raises either opens new seats from its start day (a new hire, who
ramps), one that lowers it closes the newest seats; ``hires`` add seats. Each seat's occupant leaves after an
exponential tenure (mean ``mean_tenure_months``; none: nobody leaves) and is replaced ``backfill_days`` later by a
new hire, who ramps. :mod:`simulation.roster` turns the section into capacity schedules and the ``staff`` table.

A fix file may add hires (``[staff] hires = [...]``, nothing else of the section): there a hire's ``day`` counts
from the fix's ``start_day``, so a CRO playbook's hire is dated from the CRO's start.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.distributions import Distribution, Fixed

Role = Literal["solution_engineers", "account_executives"]
ROLES: Final = ("solution_engineers", "account_executives")
Days = Annotated[float, Field(ge=0, le=3650, allow_inf_nan=False)]
DAYS_PER_MONTH: Final = 365.25 / 12
DAYS_PER_YEAR: Final = 365.25
MAX_VACATION_DAYS: Final = 180.0  # a year's blocks must fit in the year, one per equal part of it


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Hire(_Frozen):
    """One more seat: decided on ``day``, filled ``lead_time_days`` later, at full capacity ``ramp_days`` after."""

    role: Role
    day: Days = Field(description="Day the hire is decided (in a fix file: days after the fix's start_day)")
    lead_time_days: Days | None = Field(default=None, description="Decision to first day (absent: the section's)")
    ramp_days: Days | None = Field(default=None, description="First day to full capacity (absent: the section's)")


MAX_LISTED = 1000  # holidays or hires: far beyond any real plan, and a bound on what a hostile file can ask for


class Staff(_Frozen):
    """The ``[staff]`` section."""

    mean_tenure_months: float | None = Field(
        default=None, ge=1, le=1200, allow_inf_nan=False,
        description="Mean time an engineer or account executive stays (exponential, at least a month); absent: "
        "nobody leaves")
    backfill_days: Distribution = Field(
        default=Fixed(value=60), description="Days from a departure to the replacement's first day")
    lead_time_days: Days = Field(default=0.0, description="Days from a hire's decision to the first day")
    ramp_days: Days = Field(default=0.0, description="Days a new engineer takes to reach full capacity")
    ramp_start_share: float = Field(
        default=0.5, ge=0, le=1, allow_inf_nan=False,
        description="Share of an engineer's POV slots a new hire runs at first (rounded down; one more slot at a "
        "time at equal intervals until full at ramp_days)")
    vacation_days_per_year: float = Field(default=0.0, ge=0, le=MAX_VACATION_DAYS, allow_inf_nan=False)
    founder_vacation_days_per_year: float = Field(default=0.0, ge=0, le=MAX_VACATION_DAYS, allow_inf_nan=False)
    vacation_block_days: float = Field(default=5.0, ge=1, le=60, allow_inf_nan=False,
                                       description="Vacation is taken in blocks of this many days")
    holidays: tuple[Annotated[int, Field(ge=0, le=36500)] | dt.date, ...] = Field(
        default=(), max_length=MAX_LISTED,
        description="Days (offsets from the start date, or dates) nobody works: no POV or founder meeting starts")
    hires: tuple[Hire, ...] = Field(default=(), max_length=MAX_LISTED)

    @model_validator(mode="after")
    def _blocks_fit(self) -> Self:
        for name in ("vacation_days_per_year", "founder_vacation_days_per_year"):
            days = getattr(self, name)
            if days and blocks_per_year(days, self.vacation_block_days) == 0:
                raise ValueError(f"{name} = {days:g} is less than half a block (vacation_block_days = "
                                 f"{self.vacation_block_days:g}): it would round to no vacation")
        return self


class FixStaff(_Frozen):
    """What a fix file may say in ``[staff]``: more hires."""

    hires: tuple[Hire, ...] = Field(min_length=1, max_length=MAX_LISTED)


class FixStaffFile(BaseModel):
    """A fix file's ``[staff]`` table, validated on its own (the loader names the file and key on a problem)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    staff: FixStaff


def blocks_per_year(days: float, block: float) -> int:
    """Vacation blocks a person takes a year: the days rounded to whole blocks.

    >>> blocks_per_year(25, 5), blocks_per_year(12, 5), blocks_per_year(2, 5)
    (5, 2, 0)
    """
    return int(days / block + 0.5)


def holiday_offsets(staff: Staff, start: dt.date) -> list[int]:
    """The holidays as day offsets from ``start`` (sorted, repeats dropped).

    >>> holiday_offsets(Staff(holidays=(3, dt.date(2027, 1, 6))), dt.date(2027, 1, 4))
    [2, 3]
    """
    return sorted({h if isinstance(h, int) else (h - start).days for h in staff.holidays})


def calendar_problem(staff: Staff, start: dt.date, horizon_days: int) -> str:
    """Why a holiday is outside the run (a mistyped year would silently do nothing); "" when none is."""
    for holiday, offset in zip(staff.holidays, [_offset(h, start) for h in staff.holidays], strict=True):
        if not 0 <= offset < horizon_days:
            return f"holiday {holiday} is outside the run ({start} plus {horizon_days} days)"
    return ""


def _offset(holiday: int | dt.date, start: dt.date) -> int:
    return holiday if isinstance(holiday, int) else (holiday - start).days


def filled_share(staff: Staff) -> float:
    """Long-run share of time a seat is filled: mean tenure / (mean tenure + mean backfill gap), 1 if nobody leaves.

    >>> round(filled_share(Staff(mean_tenure_months=24, backfill_days=Fixed(value=90))), 3)
    0.89
    """
    if staff.mean_tenure_months is None:
        return 1.0
    tenure = staff.mean_tenure_months * DAYS_PER_MONTH
    return tenure / (tenure + staff.backfill_days.mean)


def at_work_share(staff: Staff, horizon_days: int, founder: bool = False) -> float:
    """Share of a filled seat's days at work: neither on vacation nor on a holiday (overlaps ignored).

    >>> round(at_work_share(Staff(vacation_days_per_year=20, holidays=(3, 40)), 365), 3)
    0.94
    """
    days = staff.founder_vacation_days_per_year if founder else staff.vacation_days_per_year
    vacation = blocks_per_year(days, staff.vacation_block_days) * staff.vacation_block_days if days else 0.0
    return max(0.0, 1 - vacation / DAYS_PER_YEAR - len(set(staff.holidays)) / horizon_days)
