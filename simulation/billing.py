"""Billing and cash: billing terms, collections delay and bad debt, a starting balance and monthly burn; the
``cash`` table. Optional ``[billing]`` section (absent: no cash table, as before).

PLACEHOLDER (issue 16 skeleton): the section's fields and the cash table are built by the billing work.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Billing(BaseModel):
    """The ``[billing]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")
