"""Every KPI for one period as a flat ``{metric: value}`` mapping, and as a metrics × periods table.

This is the assembly the command line, the dashboard and the forecasts share; each value comes from the module
named in :data:`METRICS`. Metrics needing a table that was not given (spend, revenue) or a target that was not
set are left out, so that a missing input never looks like a zero. Values are floats (counts too); NaN means
"not measurable in this period" (e.g. C2RE with zero NNARR, GRR with no customers at the period start).

Deal amounts are optional. A table whose won deals have no ACV at all (e.g. the Olist export) still gets every
KPI that needs none (cycle, SCCR, win rate, QTE velocity, conversion, CAC = spend per customer...), and the
amount-based ones (:data:`AMOUNT_METRICS`) are NaN in every period. When only some won deals lack an ACV,
``nnarr_unpriced_deals`` counts them and the amounts cover the priced deals only (partial, never final).
:func:`amount_note` says which case applies, in one line for people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from analysis.kpi import classic, cycle, evaluation, nnarr, retention
from analysis.kpi.health import TargetsLike, health_checks
from analysis.kpi.periods import DAY, PeriodLike, TimeLike, bounds, label, timestamp

DAYS_IN_6_MONTHS: Final = 365.25 / 2

# metric -> (what it is, display format: "usd", "ratio", "pct", "days", "count", "flag")
METRICS: Final[Mapping[str, tuple[str, str]]] = {
    "nnarr": ("Net new ARR: won ACV minus 90-day churn and contraction", "usd"),
    "nnarr_gross": ("Gross new ARR: ACV of deals won", "usd"),
    "nnarr_churn_90d": ("ACV churned within 90 days of close", "usd"),
    "nnarr_contraction_90d": ("ACV contracted within 90 days of close", "usd"),
    "deals_won": ("Deals won", "count"),
    "nnarr_unpriced_deals": ("Won deals without an amount (acv), left out of NNARR", "count"),
    "nnarr_provisional_deals": ("Won deals whose 90-day check is still open", "count"),
    "nnarr_provisional_acv": ("ACV of those provisional deals", "usd"),
    "nnarr_final": ("1 when every 90-day check has passed (NNARR final)", "flag"),
    "nnarr_small": ("NNARR, tier < $50K", "usd"),
    "nnarr_mid": ("NNARR, tier $50-150K", "usd"),
    "nnarr_large": ("NNARR, tier > $150K", "usd"),
    "nnarr_direct": ("NNARR, direct channel", "usd"),
    "nnarr_partner": ("Partner-sourced NNARR", "usd"),
    "nnarr_target": ("NNARR target for the period (pro-rated)", "usd"),
    "nnarr_pace": ("NNARR / target", "pct"),
    "spend": ("Sales and marketing spend C2RE divides: CRO fee in, POV compute unless the targets leave it out", "usd"),
    "c2re": ("C2RE: spend / NNARR (NaN: no NNARR)", "ratio"),
    "c2re_trailing_30d": ("C2RE over the 30 days before the as-of date", "ratio"),
    "sales_cycle_days": ("Mean sales cycle of deals won (arrived to closed)", "days"),
    "sccr": ("SCCR: cycle reduction vs the previous period", "pct"),
    "qte_velocity_days": ("QTE velocity, mean: data access to signed or dropped", "days"),
    "qte_velocity_median_days": ("QTE velocity, median", "days"),
    "qte_velocity_signed_days": ("QTE velocity of signed deals only (drop-outs make the mean look faster)", "days"),
    "evaluation_completion_rate": ("Technical evaluations completed (POVs, and drops while waiting for one)", "pct"),
    "pov_to_pipeline": ("POVs that became qualified opportunities (reached negotiation)", "pct"),
    "lead_to_win_rate": ("Lead-to-win: won / all deals closed (disqualified at data quality included)", "pct"),
    "pov_win_rate": ("POV win rate (article A): won / deals closed after a POV", "pct"),
    "negotiation_win_rate": ("Negotiation win rate: won / deals closed after negotiation began", "pct"),
    "founder_involvement_reduction_rate": ("Deals won without the founder in the final meeting", "pct"),
    "grr_model": ("GRR at deployed-model level, customers past their 90-day check (its losses are NNARR's)", "pct"),
    "grr_account": ("GRR at account level, customers past their 90-day check", "pct"),
    "nrr": ("NRR at account level (expansion and new models included), same cohort as GRR", "pct"),
    "partner_grr": ("GRR of partner-sourced customers (model level)", "pct"),
    "deployed_model_revenue": ("Deployed model revenue at the period end", "usd"),
    "deployed_models": ("Models actively scoring at the period end", "count"),
    "mrr": ("Classic: MRR at the period end", "usd"),
    "cac": ("Classic: CAC, spend per new customer", "usd"),
    "ltv": ("Classic: LTV (lifetime capped at 5 years)", "usd"),
    "cac_payback_months": ("Classic: CAC payback", "months"),
    "quota_attainment": ("Classic: gross bookings / quota", "pct"),
}

# Metrics computed from deal amounts (ACV), and how the note names them (in this order, each name once).
AMOUNT_METRICS: Final[Mapping[str, str]] = {
    "nnarr": "NNARR",
    "nnarr_gross": "NNARR",
    "nnarr_churn_90d": "NNARR",
    "nnarr_contraction_90d": "NNARR",
    "nnarr_provisional_deals": "NNARR",
    "nnarr_provisional_acv": "NNARR",
    "nnarr_final": "NNARR",
    "nnarr_small": "NNARR by tier",
    "nnarr_mid": "NNARR by tier",
    "nnarr_large": "NNARR by tier",
    "nnarr_direct": "NNARR by channel",
    "nnarr_partner": "partner NNARR",
    "nnarr_pace": "NNARR pace",
    "c2re": "C2RE",
    "c2re_trailing_30d": "C2RE",
    "ltv": "LTV",
    "cac_payback_months": "CAC payback",
    "quota_attainment": "quota attainment",
}


def amount_gaps(deals: pd.DataFrame) -> tuple[int, int]:
    """(won deals, won deals without an ACV) in the whole table."""
    parts = nnarr.settlement(deals, unpriced="skip")
    won = int(parts["won"].sum())
    return won, won - int(parts["priced"].sum())


def amount_note(deals: pd.DataFrame, metrics: Sequence[str] = tuple(METRICS)) -> str | None:
    """One line saying which amount-based ``metrics`` are not computed (no won deal has an ACV) or partial (some
    have none); None when every won deal has an ACV.

    >>> table = pd.DataFrame({"outcome": ["won", "won"], "closed": pd.to_datetime(["2027-01-05"] * 2),
    ...     "acv": [float("nan"), float("nan")]})
    >>> amount_note(table, ["nnarr", "c2re", "lead_to_win_rate"])
    'no deal amounts in the table (2 won deals, none with an acv): NNARR, C2RE not computed (n/a)'
    """
    won, unpriced = amount_gaps(deals)
    if not unpriced:
        return None
    names = ", ".join(dict.fromkeys(AMOUNT_METRICS[m] for m in metrics if m in AMOUNT_METRICS)) or "NNARR"
    if unpriced == won:
        return f"no deal amounts in the table ({won} won deals, none with an acv): {names} not computed (n/a)"
    return (
        f"{unpriced} of {won} won deals have no amount (acv): {names} count only the {won - unpriced} priced "
        "deals, so they are partial (NNARR a floor, C2RE too high) and never final; nnarr_unpriced_deals counts "
        "the unpriced ones per period"
    )


def data_end(deals: pd.DataFrame, revenue: pd.DataFrame | None = None) -> pd.Timestamp | None:
    """The first midnight after the latest event in the deals and revenue tables, None if there is none (spend is
    monthly, too coarse to say where the data ends)."""
    times = [deals[c].max() for c in ("arrived", "closed") if c in deals.columns]
    if revenue is not None and len(revenue):
        times.append(revenue["date"].max())
    known = [t for t in times if not pd.isna(t)]
    return (max(known).normalize() + DAY) if known else None


def kpi_summary(
    deals: pd.DataFrame,
    period: PeriodLike | None,
    *,
    spend: pd.DataFrame | None = None,
    revenue: pd.DataFrame | None = None,
    as_of: TimeLike | None = None,
    nnarr_target: float | None = None,
    targets: TargetsLike | None = None,
    quota: float | None = None,
    gross_margin: float = 1.0,
) -> dict[str, float]:
    """All KPIs of one period (see :data:`METRICS`).

    ``as_of`` (for trailing C2RE) defaults to the period end or the data end, whichever is earlier. The NNARR
    target is ``nnarr_target`` or, with ``targets``, ``nnarr_6_months`` pro-rated by the period's days.
    Won deals without an ACV never stop the summary (see the module docstring and :func:`amount_note`).
    """
    start, end = bounds(period)
    last = data_end(deals, revenue)
    stop = end if last is None or (period is not None and end < last) else last
    values: dict[str, float] = {}

    won_in_table, unpriced_in_table = amount_gaps(deals)
    booked = nnarr.nnarr(deals, period, unpriced="skip")
    values.update(
        nnarr=booked.nnarr,
        nnarr_gross=booked.gross,
        nnarr_churn_90d=booked.churn,
        nnarr_contraction_90d=booked.contraction,
        deals_won=float(booked.won),
        nnarr_provisional_deals=float(booked.provisional_deals),
        nnarr_provisional_acv=booked.provisional_acv,
        nnarr_final=float(booked.final) if not np.isnan(booked.nnarr) else float("nan"),
    )
    if unpriced_in_table:
        values["nnarr_unpriced_deals"] = float(booked.unpriced_deals)
    for tier, row in nnarr.nnarr_by(deals, period, "tier", unpriced="skip").iterrows():
        values[f"nnarr_{tier}"] = float(row["nnarr"])
    if "channel" in deals.columns:
        for channel, row in nnarr.nnarr_by(deals, period, "channel", unpriced="skip").iterrows():
            values[f"nnarr_{channel}"] = float(row["nnarr"])
    target = nnarr_target
    if target is None and targets is not None and targets.nnarr_6_months > 0 and period is not None:
        target = targets.nnarr_6_months * ((end - start) / DAY) / DAYS_IN_6_MONTHS
    if target is not None:
        values["nnarr_target"] = float(target)
        values["nnarr_pace"] = booked.nnarr / target if target > 0 else float("nan")

    if spend is not None:
        spend = nnarr.c2re_spend(spend, targets.c2re_counts_pov_compute if targets is not None else True)
        values["spend"] = nnarr.spend_in(spend, period)
        values["c2re"] = nnarr.c2re_ratio(values["spend"], booked.nnarr).value
        trailing_end = timestamp(as_of) if as_of is not None else stop
        values["c2re_trailing_30d"] = nnarr.c2re_trailing(deals, spend, trailing_end, unpriced="skip").value

    values["sales_cycle_days"] = cycle.period_cycle(deals, period)
    values["sccr"] = cycle.period_sccr(deals, period) if period is not None else float("nan")
    qte = evaluation.qte_velocity(deals, period)
    values["qte_velocity_days"] = qte.mean_days
    values["qte_velocity_median_days"] = qte.median_days
    values["qte_velocity_signed_days"] = evaluation.qte_velocity_signed(deals, period).mean_days
    values["evaluation_completion_rate"] = evaluation.evaluation_completion_rate(deals, period).value
    values["pov_to_pipeline"] = evaluation.pov_to_pipeline(deals, period).value
    values["lead_to_win_rate"] = evaluation.lead_to_win_rate(deals, period).value
    values["pov_win_rate"] = evaluation.pov_win_rate(deals, period).value
    values["negotiation_win_rate"] = evaluation.negotiation_win_rate(deals, period).value
    values["founder_involvement_reduction_rate"] = evaluation.founder_involvement_reduction_rate(deals, period).value

    if revenue is not None:
        by_account = retention.retention(revenue, period, "account")
        values["grr_model"] = retention.retention(revenue, period, "model").grr
        values["grr_account"] = by_account.grr
        values["nrr"] = by_account.nrr
        if "channel" in deals.columns:
            values["partner_grr"] = retention.partner_retention(revenue, deals, period).grr
        values["deployed_model_revenue"] = retention.deployed_model_revenue(revenue, stop)
        values["deployed_models"] = float(retention.deployed_models(revenue, stop))

    values.update(
        classic.classic_kpis(
            deals, period, spend=spend, revenue=revenue, quota=quota, gross_margin=gross_margin, unpriced="skip"
        )
    )
    if period is None and revenue is not None:  # all time: MRR when the data ends (a quota is per period)
        values["mrr"] = classic.mrr(revenue, stop)
    if spend is None:
        values.pop("cac"), values.pop("cac_payback_months")
    if revenue is None:
        values.pop("mrr"), values.pop("ltv")
    if quota is None or period is None:
        values.pop("quota_attainment")
    if unpriced_in_table and unpriced_in_table == won_in_table:  # no amounts at all: n/a, even without wins
        values.update({name: float("nan") for name in AMOUNT_METRICS if name in values})
    return {name: values[name] for name in METRICS if name in values}


def kpi_table(deals: pd.DataFrame, periods: Sequence[PeriodLike | None], **options: Any) -> pd.DataFrame:
    """:func:`kpi_summary` for each period: rows are metrics (in :data:`METRICS` order), columns period labels.

    ``table.attrs["note"]`` is :func:`amount_note` (None when every won deal has an ACV)."""
    columns = {label(p): kpi_summary(deals, p, **options) for p in periods}
    table = pd.DataFrame(columns)
    order = [m for m in METRICS if m in table.index]
    table = table.reindex(order)
    table.index.name = "metric"
    table.attrs["note"] = amount_note(deals, order)
    return table


def health_table(summaries: Mapping[str, Mapping[str, float]], targets: TargetsLike | None = None) -> pd.DataFrame:
    """Health checks of several periods' summaries (label -> summary): one row per (period, metric)."""
    frames = [health_checks(values, targets).assign(period=name) for name, values in summaries.items()]
    if not frames:
        return pd.DataFrame(columns=["period", "metric", "value", "status", "advice", "threshold"])
    table = pd.concat(frames, ignore_index=True)
    return table[["period", "metric", "value", "status", "advice", "threshold"]]
