"""After the sale: the 90-day retention check and yearly renewals per deployed model, as revenue events.

No queue is involved, so this runs after the SimPy model, vectorised over won deals. Parameters are those of the
regime in force on the day of each check; the uniforms come from the deal's own columns (90-day check) and the
``renewals`` stream (deal x model x year), so a fix leaves every other deal's draws alone.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulation.plan import Timeline
from simulation.randomness import SLOT

DAYS_TO_RETENTION_CHECK = 90.0
DAYS_PER_RENEWAL = 365.0
KEPT, CONTRACTED, CHURNED = "kept", "contracted", "churned"


class Retention90(NamedTuple):
    status: list[str | None]  # per deal: kept | contracted | churned, None if not won or still provisional
    acv_after: np.ndarray  # NaN where status is None


def retention_90d(
    won: np.ndarray, closed: np.ndarray, acv: np.ndarray, u: np.ndarray, plans: Timeline, horizon: float
) -> Retention90:
    """Who churned or contracted in their first 90 days (only where the 90 days ended within the horizon)."""
    check = closed + DAYS_TO_RETENTION_CHECK
    due = won & (check <= horizon)
    churn_p, contract_p = np.zeros(len(won)), np.zeros(len(won))
    fraction = np.zeros(len(won))
    regime = plans.index_at(np.where(due, check, 0.0))
    for r, params in enumerate(plans.parameters):
        mask = due & (regime == r)
        ret = params.retention
        churn_p[mask] = ret.churn_90d_probability
        contract_p[mask] = ret.contraction_90d_probability
        fraction[mask] = ret.contraction_90d_fraction.ppf(u[mask, SLOT["contraction_90d"]])
    draw = u[:, SLOT["retention_90d"]]
    churned = due & (draw < churn_p)
    contracted = due & ~churned & (draw < churn_p + contract_p)
    acv_after = np.where(due, acv, np.nan)
    acv_after = np.where(churned, 0.0, np.where(contracted, acv * (1 - fraction), acv_after))
    status = np.where(churned, CHURNED, np.where(contracted, CONTRACTED, KEPT))
    return Retention90([str(s) if d else None for s, d in zip(status, due, strict=True)], acv_after)


Event = tuple[int, int, float, str, float, float]  # deal, model, day, event, arr_delta, arr_after


def revenue_events(
    won: np.ndarray,
    closed: np.ndarray,
    acv: np.ndarray,
    models: np.ndarray,
    retention: Retention90,
    renewal_u: np.ndarray,
    plans: Timeline,
    horizon: float,
) -> list[Event]:
    """ARR events per deployed model: booked at close, the 90-day check, then a renewal every year after close."""
    events: list[Event] = []
    deals = np.flatnonzero(won)
    n_models = models.astype(int)
    for i in deals.tolist():
        per_model = acv[i] / n_models[i]
        for m in range(n_models[i]):
            events.append((i, m + 1, closed[i], "new", per_model, per_model))
    # The 90-day check changes every model of the customer by the same share.
    after = retention.acv_after
    for i in deals.tolist():
        status = retention.status[i]
        if status in (CHURNED, CONTRACTED):
            new_arr = after[i] / n_models[i]
            delta = new_arr - acv[i] / n_models[i]
            kind = "churn_90d" if status == CHURNED else "contraction_90d"
            for m in range(n_models[i]):
                events.append((i, m + 1, closed[i] + DAYS_TO_RETENTION_CHECK, kind, delta, new_arr))
    events.extend(_renewals(deals, closed, acv, n_models, retention, renewal_u, plans, horizon))
    events.sort(key=lambda e: (e[2], e[0], e[1]))
    return events


def _renewals(
    deals: np.ndarray,
    closed: np.ndarray,
    acv: np.ndarray,
    n_models: np.ndarray,
    retention: Retention90,
    renewal_u: np.ndarray,
    plans: Timeline,
    horizon: float,
) -> list[Event]:
    """Yearly renewal of every live model: churn, contraction, expansion or plain renewal, vectorised per year."""
    deal = np.repeat(deals, n_models[deals])
    model = np.concatenate([np.arange(n_models[i]) for i in deals]) if len(deals) else np.zeros(0, dtype=int)
    known = np.where(np.isnan(retention.acv_after), acv, retention.acv_after)
    value = known[deal] / n_models[deal]
    events: list[Event] = []
    for year in range(renewal_u.shape[2]):
        day = closed[deal] + DAYS_PER_RENEWAL * (year + 1)
        live = (value > 0) & (day <= horizon)
        if not live.any():
            break
        u_kind, u_size = renewal_u[deal, model, year, 0], renewal_u[deal, model, year, 1]
        new = value.copy()
        kind = np.full(len(value), "renewal", dtype=object)
        regime = plans.index_at(day)
        for r, params in enumerate(plans.parameters):
            ret = params.retention
            mask = live & (regime == r)
            churn = mask & (u_kind < ret.renewal_churn_probability)
            contract = mask & ~churn & (u_kind < ret.renewal_churn_probability + ret.renewal_contraction_probability)
            ceiling = ret.renewal_churn_probability + ret.renewal_contraction_probability
            expand = mask & ~churn & ~contract & (u_kind < ceiling + ret.renewal_expansion_probability)
            new[churn], kind[churn] = 0.0, "churn"
            new[contract] = value[contract] * (1 - ret.renewal_contraction_fraction.ppf(u_size[contract]))
            kind[contract] = "contraction"
            new[expand] = value[expand] * (1 + ret.renewal_expansion_fraction.ppf(u_size[expand]))
            kind[expand] = "expansion"
        for k in np.flatnonzero(live):
            events.append((int(deal[k]), int(model[k]) + 1, float(day[k]), str(kind[k]), new[k] - value[k], new[k]))
        value = np.where(live, new, value)
    return events
