"""A finite market: accounts per tier, worked through by arrivals; lost or disqualified prospects may come back
after a cooling-off period. Optional ``[market]`` section (absent: an unlimited market, as before).

PLACEHOLDER (issue 16 skeleton): the section's fields and the mechanism are built by the market work.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Market(BaseModel):
    """The ``[market]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")
