"""Usage revenue: per-model or per-inference pricing (article B) whose run-rate ramps to steady state over the
months after go-live. Optional ``[usage]`` section (absent: a customer's ARR is booked in full at close, as before).

Article B: "if you sell per-model or per-inference, Deployed Model Revenue", "the annualized value of all models
actively scoring against customer data". A won deal's contracted ARR per model (the ACV split evenly, changed by the
90-day check and the yearly renewals of :mod:`simulation.revenue`) is its steady state; what a model pays is that
steady state times its **share**:

* 0 from close until the model goes live: ``go_live_days`` after close (drawn once per deal from the ``usage``
  stream), and every further model of the customer ``model_interval_days`` after the one before it;
* ``start_share`` at go-live, then one step a month (:data:`DAYS_PER_MONTH`) for ``ramp_months`` months, linearly,
  to 1: after step ``k`` the share is ``start_share + (1 - start_share) * k / ramp_months``.

``per_model`` pricing bills a live model in full (``start_share = 1``, no monthly ramp: the account ramps as its
models go live one after another); ``per_inference`` bills what the model scores, which grows as the customer puts
it to work (``start_share < 1`` over ``ramp_months``).

In the revenue table every event then carries the run-rate (share x contracted ARR): ``new`` at close with 0, the
90-day check and renewals scaled by the share in force, and two kinds of event of this module's own: ``go_live``
and ``ramp`` (one per monthly step), which change the share and nothing else. So a ``ramp`` event's
``arr_after / (arr_after - arr_delta)`` is the growth of the share, which is how GRR and NRR divide the ramp out
(:mod:`analysis.kpi.retention`). Events after the horizon are not in the table; nothing is drawn per event.
"""

from __future__ import annotations

from typing import Final, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.distributions import Distribution, Fixed
from simulation.tables import REVENUE_EVENTS

DAYS_PER_MONTH: Final = 365.0 / 12  # a ramp step: one twelfth of the renewal year
SECONDS_PER_DAY: Final = 86_400.0  # as simulation.record (not imported: it loads pandas, and a scenario must not)
GO_LIVE, RAMP = "go_live", "ramp"
_RANK: Final = {event: rank for rank, event in enumerate(REVENUE_EVENTS)}

Event = tuple[int, int, float, str, float, float]  # as simulation.revenue.Event: deal, model, day, event, delta, after


class Usage(BaseModel):
    """The ``[usage]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pricing: Literal["per_model", "per_inference"]
    go_live_days: Distribution = Field(
        default=Fixed(value=30), description="Days from close until the first model goes live (drawn per deal)"
    )
    model_interval_days: float = Field(
        default=0.0, ge=0, le=3650, allow_inf_nan=False,
        description="Days between one model's go-live and the next's (0: all the customer's models at once)",
    )
    start_share: float = Field(
        default=1.0, gt=0, le=1, allow_inf_nan=False,
        description="Share of the steady-state run-rate a model pays at go-live (per_inference)",
    )
    ramp_months: int = Field(
        default=0, ge=0, le=60, description="Monthly steps from start_share to the steady state (per_inference)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.pricing == "per_model" and (self.start_share != 1 or self.ramp_months):
            raise ValueError("per_model pricing bills a live model in full: leave start_share at 1 and ramp_months "
                             "at 0 (stagger the models with model_interval_days, or use per_inference)")
        if (self.start_share < 1) != (self.ramp_months > 0):
            raise ValueError(f"start_share = {self.start_share:g} and ramp_months = {self.ramp_months} disagree: a "
                             "ramp needs both start_share below 1 and ramp_months above 0")
        return self

    def share(self, step: np.ndarray) -> np.ndarray:
        """The share of the steady state after ``step`` monthly steps since go-live (0 at go-live)."""
        if not self.ramp_months:
            return np.ones(np.shape(step))
        done = np.minimum(np.asarray(step, dtype=float), self.ramp_months)
        return self.start_share + (1 - self.start_share) * done / self.ramp_months


def go_live_days(usage: Usage, closed: np.ndarray, model: np.ndarray, u: np.ndarray) -> np.ndarray:
    """When each (deal, model) goes live: close + the deal's go-live delay (by inversion of ``u``, one uniform per
    deal) + ``model_interval_days`` per model before it (``model`` counts from 1)."""
    return closed + usage.go_live_days.ppf(u) + (model - 1) * usage.model_interval_days


def ramped(events: list[Event], usage: Usage, closed: np.ndarray, u: np.ndarray, horizon: float) -> list[Event]:
    """The contracted-ARR events of :func:`simulation.revenue.revenue_events` as run-rate events with the ramp:
    ``go_live`` and ``ramp`` rows added up to the horizon, every row's ``arr_after`` the share in force times the
    contracted ARR and ``arr_delta`` the change from the model's previous row (table order: time, then event)."""
    if not events:
        return events
    deal, model, day, kind, _, contracted = (np.asarray(c) for c in zip(*events, strict=True))
    deal, model = deal.astype(np.int64), model.astype(np.int64)
    day, contracted = day.astype(float), contracted.astype(float)
    rank = np.array([_RANK[k] for k in kind.tolist()], dtype=np.int64)
    width = int(model.max()) + 1
    unit = deal * width + model
    steps = np.arange(usage.ramp_months + 1, dtype=float)

    # The ramp rows: every (unit, step) up to the horizon.
    units, first = np.unique(unit, return_index=True)
    live = go_live_days(usage, closed[deal[first]], model[first], u[deal[first]])
    ramp_day = live[:, None] + steps[None, :] * DAYS_PER_MONTH
    r_unit = np.repeat(units, len(steps))
    r_day, r_step = ramp_day.ravel(), np.tile(steps, len(units))
    keep = r_day <= horizon
    r_unit, r_day, r_step = r_unit[keep], r_day[keep], r_step[keep]
    r_rank = np.where(r_step == 0, _RANK[GO_LIVE], _RANK[RAMP])

    # The contracted ARR in force at each ramp row: the unit's last contract event at or before it (a contract event
    # at the same second comes first in table order).
    c_sec, r_sec = _seconds(day), _seconds(r_day)
    order = np.lexsort((rank, c_sec, unit))
    index, r_index = np.searchsorted(units, unit[order]), np.searchsorted(units, r_unit)
    position = np.searchsorted(_key(index, c_sec[order]), _key(r_index, r_sec), side="right") - 1
    r_contracted = contracted[order][position]  # every unit's `new` at close comes before its go-live
    alive = r_contracted > 0
    r_unit, r_day, r_step, r_rank, r_contracted = (
        a[alive] for a in (r_unit, r_day, r_step, r_rank, r_contracted)
    )

    # The share in force at each contract event: the steps strictly before it (a step at the same second follows it).
    unit_live = ramp_day[np.searchsorted(units, unit)]
    done = (_seconds(unit_live) < c_sec[:, None]).sum(axis=1)
    share = np.where(done > 0, usage.share(np.maximum(done - 1, 0)), 0.0)

    all_unit = np.concatenate([unit, r_unit])
    all_day = np.concatenate([day, r_day])
    all_rank = np.concatenate([rank, r_rank])
    after = np.concatenate([share * contracted, usage.share(r_step) * r_contracted])
    names = np.concatenate([kind.astype(object), np.where(r_step == 0, GO_LIVE, RAMP).astype(object)])
    by_unit = np.lexsort((all_rank, _seconds(all_day), all_unit))
    previous = np.concatenate([[0.0], after[by_unit][:-1]])
    starts = np.concatenate([[True], all_unit[by_unit][1:] != all_unit[by_unit][:-1]])
    delta = np.empty(len(after))
    delta[by_unit] = after[by_unit] - np.where(starts, 0.0, previous)
    table = np.lexsort((all_rank, all_unit % width, all_unit // width, _seconds(all_day)))
    return [
        (int(all_unit[k] // width), int(all_unit[k] % width), float(all_day[k]), str(names[k]), float(delta[k]),
         float(after[k]))
        for k in table.tolist()
    ]


def _seconds(days: np.ndarray) -> np.ndarray:
    """As the tables hold times: whole seconds (:func:`simulation.record.seconds`), for ordering ties alike."""
    return np.rint(np.asarray(days, dtype=float) * SECONDS_PER_DAY)


def _key(index: np.ndarray, secs: np.ndarray) -> np.ndarray:
    """One sortable integer per (unit's index, second): units 2**40 s apart, more than any horizon (100 years)."""
    return index.astype(np.int64) * 2**40 + (secs.astype(np.int64) + 2**39)
