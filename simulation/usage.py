"""Usage revenue: per-model or per-inference pricing (article B) whose run-rate ramps to steady state over the
months after go-live. Optional ``[usage]`` section (absent: a customer's ARR is booked in full at close, as before).

PLACEHOLDER (issue 16 skeleton): the section's fields and the ramp are built by the usage work.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Usage(BaseModel):
    """The ``[usage]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")
