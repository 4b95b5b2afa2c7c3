"""Staff over time: solution engineers and account executives hired with a lead time, ramping up, leaving and
backfilled; holidays and vacations (the founder's calendar too). Optional ``[staff]`` section (absent: every
seat is filled from day one at full capacity, as before).

PLACEHOLDER (issue 16 skeleton): the section's fields and the schedules are built by the staffing work.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Staff(BaseModel):
    """The ``[staff]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")
