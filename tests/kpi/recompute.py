"""An independent recomputation of every KPI of ``funnelsim kpis`` from a run's CSV files (issue 11).

Written from the definitions (articles A and B, ``/work/shared/DESIGN.md``, issue 11's target definitions and the
one-line meanings of ``analysis.kpi.kpis.METRICS``), not from ``analysis/kpi``'s code, and importing nothing of
funnelsim: plain ``pandas.read_csv`` with the dates and booleans parsed here. One small function per KPI, each
taking the tables and a :class:`Window` (one column of ``kpis.csv``) and returning a float (NaN: not measurable).

Conventions, stated once:

* Periods are calendar quarters ``[start, end)`` from the quarter of the first close or spend month to that of the
  last, plus ``all`` (no bounds). An event belongs to the period its named timestamp falls in.
* The data end is the first midnight after the latest ``arrived``, ``closed`` or revenue ``date``.
* A spend row covers ``start``..``end`` (end exclusive) when the table has those columns, else its calendar month;
  a window is charged ``amount x overlap days / covered days``.
* ARR of a unit at an instant is the ``arr_after`` of its last revenue event strictly before it (same-date events
  ordered new, 90-day, renewal, expansion, contraction, churn).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

NAN = float("nan")
DAY = pd.Timedelta(days=1)
DAYS_PER_YEAR = 365.25
SIX_MONTHS_DAYS = DAYS_PER_YEAR / 2
LTV_CAP_YEARS = 5.0

DEAL_DATES = (
    "arrived", "dq_checked", "returned", "pov_requested", "data_access_granted", "pov_started", "pov_ended",
    "extension_requested", "extension_started", "extension_ended", "negotiation_started", "founder_requested",
    "founder_met", "closed",
)
DEAL_FLAGS = ("dq_passed", "educated", "pov_completed", "extended", "validation_passed", "founder_in_final_meeting")
CLOSED_OUTCOMES = ("won", "lost", "disqualified")
EVENT_ORDER = {"new": 0, "churn_90d": 1, "contraction_90d": 1, "renewal": 2, "expansion": 3, "contraction": 4,
               "churn": 5}
CHECK_90D = ("churn_90d", "contraction_90d")


# --- reading -------------------------------------------------------------------------------------------------


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601")


def _flags(values: pd.Series) -> pd.Series:
    """'True'/'False' text (or bools) to a nullable boolean; anything else is missing."""
    text = values.astype("string").str.strip().str.lower()
    return text.map({"true": True, "false": False, "1": True, "0": False}).astype("boolean")


@dataclass(frozen=True)
class Tables:
    deals: pd.DataFrame
    spend: pd.DataFrame
    revenue: pd.DataFrame

    @property
    def data_end(self) -> pd.Timestamp:
        latest = max(self.deals["arrived"].max(), self.deals["closed"].max(), self.revenue["date"].max())
        return latest.floor("D") + DAY


def read_run(folder: str | Path) -> Tables:
    """deals.csv, spend.csv and revenue.csv of a ``funnelsim run`` folder, with dates and flags parsed."""
    folder = Path(folder)
    deals = pd.read_csv(folder / "deals.csv", dtype={"id": str})
    for column in DEAL_DATES:
        if column in deals:
            deals[column] = _dates(deals[column])
    for column in DEAL_FLAGS:
        if column in deals:
            deals[column] = _flags(deals[column])
    spend = pd.read_csv(folder / "spend.csv")
    spend["month"] = _dates(spend["month"])
    if {"start", "end"} <= set(spend.columns):
        spend["covers_from"] = _dates(spend["start"])
        spend["covers_to"] = _dates(spend["end"])
    else:
        spend["covers_from"] = spend["month"]
        spend["covers_to"] = spend["month"] + pd.offsets.MonthBegin(1)
    revenue = pd.read_csv(folder / "revenue.csv", dtype={"customer": str})
    revenue["date"] = _dates(revenue["date"])
    revenue["order"] = revenue["event"].map(EVENT_ORDER)
    revenue = revenue.sort_values(["date", "order"], kind="stable").reset_index(drop=True)
    return Tables(deals, spend, revenue)


# --- periods -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One column of kpis.csv: a calendar quarter [start, end), or all time (both None)."""

    label: str
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None

    @property
    def all_time(self) -> bool:
        return self.start is None

    def holds(self, stamps: pd.Series) -> pd.Series:
        """Which timestamps fall in the window (NaT never does)."""
        inside = stamps.notna()
        if self.start is not None:
            inside &= stamps >= self.start
        if self.end is not None:
            inside &= stamps < self.end
        return inside

    def previous(self) -> Window | None:
        if self.start is None:
            return None
        start = self.start - pd.offsets.QuarterBegin(1, startingMonth=1)
        return quarter(start)


def quarter(instant: pd.Timestamp) -> Window:
    start = pd.Timestamp(instant.year, 3 * ((instant.month - 1) // 3) + 1, 1)
    end = start + pd.DateOffset(months=3)
    return Window(f"{start.year}Q{(start.month - 1) // 3 + 1}", start, end)


def windows(t: Tables) -> list[Window]:
    """Every quarter from the first close or spend month to the last, then all time."""
    first = min(t.deals["closed"].min(), t.spend["month"].min())
    last = max(t.deals["closed"].max(), t.spend["month"].max())
    out = [quarter(first)]
    while out[-1].end is not None and out[-1].end <= last:
        out.append(quarter(out[-1].end))
    return [*out, Window("all")]


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom else NAN


def _days(delta: pd.Series) -> pd.Series:
    return delta / DAY


# --- deal selections -------------------------------------------------------------------------------------------


def closed_in(t: Tables, w: Window) -> pd.DataFrame:
    d = t.deals
    return d[d["outcome"].isin(CLOSED_OUTCOMES) & w.holds(d["closed"])]


def won_in(t: Tables, w: Window) -> pd.DataFrame:
    d = closed_in(t, w)
    return d[d["outcome"] == "won"]


# --- NNARR (article A) -------------------------------------------------------------------------------------------


def churn_90d(won: pd.DataFrame) -> float:
    return float(won.loc[won["retention_90d"] == "churned", "acv"].sum())


def contraction_90d(won: pd.DataFrame) -> float:
    contracted = won[won["retention_90d"] == "contracted"]
    return float((contracted["acv"] - contracted["acv_after_90d"]).sum())


def net_new(won: pd.DataFrame) -> float:
    """Won ACV minus the ACV churned and contracted at the 90-day check; provisional deals count in full."""
    priced = won[won["acv"].notna()]
    return float(priced["acv"].sum()) - churn_90d(priced) - contraction_90d(priced)


def nnarr(t: Tables, w: Window) -> float:
    return net_new(won_in(t, w))


def nnarr_gross(t: Tables, w: Window) -> float:
    return float(won_in(t, w)["acv"].sum())


def nnarr_churn_90d(t: Tables, w: Window) -> float:
    return churn_90d(won_in(t, w))


def nnarr_contraction_90d(t: Tables, w: Window) -> float:
    return contraction_90d(won_in(t, w))


def deals_won(t: Tables, w: Window) -> float:
    return float(len(won_in(t, w)))


def nnarr_unpriced_deals(t: Tables, w: Window) -> float:
    return float(won_in(t, w)["acv"].isna().sum())


def _provisional(t: Tables, w: Window) -> pd.DataFrame:
    won = won_in(t, w)
    return won[won["retention_90d"].isna()]


def nnarr_provisional_deals(t: Tables, w: Window) -> float:
    return float(len(_provisional(t, w)))


def nnarr_provisional_acv(t: Tables, w: Window) -> float:
    return float(_provisional(t, w)["acv"].sum())


def nnarr_final(t: Tables, w: Window) -> float:
    return 0.0 if len(_provisional(t, w)) else 1.0


def _nnarr_where(column: str, value: str) -> Callable[[Tables, Window], float]:
    def metric(t: Tables, w: Window) -> float:
        won = won_in(t, w)
        return net_new(won[won[column] == value])

    metric.__name__ = f"nnarr_{value}"
    return metric


def nnarr_target(t: Tables, w: Window, target_6m: float) -> float:
    """The 6-month target pro-rated to the period's calendar days (all time: the days the data covers)."""
    if w.start is None or w.end is None:
        return NAN
    return target_6m * _days(pd.Series([w.end - w.start])).iloc[0] / SIX_MONTHS_DAYS


def nnarr_pace(t: Tables, w: Window, target_6m: float) -> float:
    return _ratio(nnarr(t, w), nnarr_target(t, w, target_6m))


# --- spend and C2RE (article A) -------------------------------------------------------------------------------


def spend_between(t: Tables, start: pd.Timestamp | None, end: pd.Timestamp | None) -> float:
    """Every category, each row charged by the share of the days it covers that fall in [start, end)."""
    s = t.spend
    lo = s["covers_from"] if start is None else s["covers_from"].clip(lower=start)
    hi = s["covers_to"] if end is None else s["covers_to"].clip(upper=end)
    overlap = _days(hi - lo).clip(lower=0)
    covered = _days(s["covers_to"] - s["covers_from"])
    return float((s["amount"] * overlap / covered).sum())


def spend(t: Tables, w: Window) -> float:
    return spend_between(t, w.start, w.end)


def _c2re(money: float, net: float) -> float:
    return money / net if net > 0 else NAN


def c2re(t: Tables, w: Window) -> float:
    return _c2re(spend(t, w), nnarr(t, w))


def c2re_trailing_30d(t: Tables, w: Window) -> float:
    as_of = t.data_end if w.end is None else min(w.end, t.data_end)
    trailing = Window("trailing", as_of - 30 * DAY, as_of)
    return _c2re(spend(t, trailing), nnarr(t, trailing))


# --- cycle and SCCR (article A) -----------------------------------------------------------------------------


def sales_cycle_days(t: Tables, w: Window) -> float:
    won = won_in(t, w)
    return float(_days(won["closed"] - won["arrived"]).mean()) if len(won) else NAN


def sccr(t: Tables, w: Window) -> float:
    """(previous quarter's cycle - this one's) / previous: positive when the cycle got shorter; all time: NaN."""
    before = w.previous()
    if before is None:
        return NAN
    was, now = sales_cycle_days(t, before), sales_cycle_days(t, w)
    return (was - now) / was


# --- QTE velocity (article B) -------------------------------------------------------------------------------


def _qte_days(t: Tables, w: Window, outcomes: tuple[str, ...] = CLOSED_OUTCOMES) -> pd.Series:
    d = closed_in(t, w)
    d = d[d["outcome"].isin(outcomes) & d["data_access_granted"].notna()]
    return _days(d["closed"] - d["data_access_granted"])


def qte_velocity_days(t: Tables, w: Window) -> float:
    days = _qte_days(t, w)
    return float(days.mean()) if len(days) else NAN


def qte_velocity_median_days(t: Tables, w: Window) -> float:
    days = _qte_days(t, w)
    return float(days.median()) if len(days) else NAN


def qte_velocity_signed_days(t: Tables, w: Window) -> float:
    days = _qte_days(t, w, ("won",))
    return float(days.mean()) if len(days) else NAN


# --- evaluations: completion (B), POV-to-pipeline and POV win rate (A) -------------------------------------


def povs(t: Tables) -> pd.DataFrame:
    """Every deal whose POV started, those running on the start date included."""
    return t.deals[t.deals["pov_started"].notna()]


def evaluation_end(d: pd.DataFrame) -> pd.Series:
    """When an evaluation ended: the extension's end, else the POV's end, else the close."""
    end = d["extension_ended"] if "extension_ended" in d else pd.Series(pd.NaT, index=d.index)
    return end.fillna(d["pov_ended"]).fillna(d["closed"])


def evaluation_completion_rate(t: Tables, w: Window) -> float:
    """Completed / decided (completed or stalled, or dropped after data access while waiting for an engineer)."""
    d = t.deals
    started = d["pov_started"].notna() & d["pov_completed"].notna()
    gave_up = d["pov_started"].isna() & (d["lost_stage"] == "pov_queue")
    decided = d[(started | gave_up) & w.holds(evaluation_end(d))]
    return _ratio(float((decided["pov_completed"] == True).sum()), float(len(decided)))  # noqa: E712


def pov_to_pipeline(t: Tables, w: Window) -> float:
    p = povs(t)
    reached = p[w.holds(p["negotiation_started"])]
    failed = p[p["negotiation_started"].isna() & p["outcome"].isin(("lost", "disqualified")) & w.holds(p["closed"])]
    return _ratio(float(len(reached)), float(len(reached) + len(failed)))


def pov_win_rate(t: Tables, w: Window) -> float:
    p = closed_in(t, w)
    p = p[p["pov_started"].notna()]
    return _ratio(float((p["outcome"] == "won").sum()), float(len(p)))


def lead_to_win_rate(t: Tables, w: Window) -> float:
    d = closed_in(t, w)
    return _ratio(float((d["outcome"] == "won").sum()), float(len(d)))


def negotiation_win_rate(t: Tables, w: Window) -> float:
    d = closed_in(t, w)
    d = d[d["negotiation_started"].notna()]
    return _ratio(float((d["outcome"] == "won").sum()), float(len(d)))


def founder_involvement_reduction_rate(t: Tables, w: Window) -> float:
    known = won_in(t, w)["founder_in_final_meeting"].dropna()
    return _ratio(float((known == False).sum()), float(len(known)))  # noqa: E712


# --- retention (article B) -----------------------------------------------------------------------------------


def arr_at(revenue: pd.DataFrame, instant: pd.Timestamp | None, *, with_90d: bool = False) -> pd.Series:
    """ARR per (customer, model) at ``instant`` (None: after every event); ``with_90d``: the 90-day checks'
    effects count as already applied whenever they fall."""
    seen = revenue if instant is None else revenue[(revenue["date"] < instant) | (
        with_90d & revenue["event"].isin(CHECK_90D))]
    return seen.groupby(["customer", "model"])["arr_after"].last()


def _cohort(t: Tables, w: Window, level: str, customers: pd.Index | None = None) -> pd.DataFrame:
    """ARR at the start (90-day checks applied) and at the end of the units in the period's cohort: ARR > 0 at the
    start and the first ``new`` event at least 90 days before it. Columns start, end; empty for all time."""
    if w.start is None or w.end is None:
        return pd.DataFrame({"start": [], "end": []})
    r = t.revenue
    if customers is not None:
        r = r[r["customer"].isin(customers)]
    at_start = arr_at(r, w.start, with_90d=True)
    at_end = arr_at(r, w.end)
    first_new = r[r["event"] == "new"].groupby(["customer", "model"])["date"].min()
    units = pd.DataFrame({"start": at_start, "end": at_end, "first": first_new})
    units[["start", "end"]] = units[["start", "end"]].fillna(0.0)
    # [usage]: the ramp is not expansion. Each unit's end ARR goes back to the start's share of its run-rate (the
    # ramp events in the window multiply the run-rate by after / before each); at account level a model that
    # goes live in the window is the signed contract's onboarding, not upsell.
    inside = r[(r["date"] >= w.start) & (r["date"] < w.end)]
    ramps = inside[inside["event"] == "ramp"]
    share_up = np.exp(np.log(ramps["arr_after"] / (ramps["arr_after"] - ramps["arr_delta"]))
                      .groupby([ramps["customer"], ramps["model"]]).sum())
    units["end"] = units["end"] / share_up.reindex(units.index).fillna(1.0)
    if level == "account":
        live = inside[inside["event"] == "go_live"].set_index(["customer", "model"]).index
        units.loc[units.index.isin(live), "end"] = 0.0
        units = units.groupby(level="customer").agg(start=("start", "sum"), end=("end", "sum"), first=("first", "min"))
    return units[(units["start"] > 0) & (units["first"] <= w.start - 90 * DAY)]


def _grr(units: pd.DataFrame) -> float:
    return _ratio(float(np.minimum(units["start"], units["end"]).sum()), float(units["start"].sum()))


def grr_model(t: Tables, w: Window) -> float:
    return _grr(_cohort(t, w, "model"))


def grr_account(t: Tables, w: Window) -> float:
    return _grr(_cohort(t, w, "account"))


def nrr(t: Tables, w: Window) -> float:
    units = _cohort(t, w, "account")
    return _ratio(float(units["end"].sum()), float(units["start"].sum()))


def partner_grr(t: Tables, w: Window) -> float:
    partners = pd.Index(t.deals.loc[t.deals["channel"] == "partner", "id"])
    return _grr(_cohort(t, w, "model", partners))


def _deployed(t: Tables, w: Window) -> pd.Series:
    arr = arr_at(t.revenue, w.end)
    return arr[arr > 0]


def deployed_model_revenue(t: Tables, w: Window) -> float:
    return float(_deployed(t, w).sum())


def deployed_models(t: Tables, w: Window) -> float:
    return float(len(_deployed(t, w)))


# --- the classic SaaS set, for contrast ------------------------------------------------------------------------


def mrr(t: Tables, w: Window) -> float:
    return deployed_model_revenue(t, w) / 12


def cac(t: Tables, w: Window) -> float:
    return _ratio(spend(t, w), deals_won(t, w))


def _mean_acv_won(t: Tables, w: Window) -> float:
    return _ratio(nnarr_gross(t, w), deals_won(t, w))


def ltv(t: Tables, w: Window) -> float:
    """Mean ACV won x lifetime; lifetime = 1 / annual churn (account GRR annualised), capped at 5 years."""
    if w.start is None or w.end is None:
        return NAN
    kept = grr_account(t, w)
    if np.isnan(kept):
        return NAN
    annual_churn = 1 - kept ** (DAYS_PER_YEAR / _days(pd.Series([w.end - w.start])).iloc[0])
    lifetime = LTV_CAP_YEARS if annual_churn <= 0 else min(LTV_CAP_YEARS, 1 / annual_churn)
    return _mean_acv_won(t, w) * lifetime


def cac_payback_months(t: Tables, w: Window) -> float:
    return _ratio(cac(t, w), _mean_acv_won(t, w) / 12)


def quota_attainment(t: Tables, w: Window, quota: float) -> float:
    """Gross bookings / the quota of one period (all time has no quota: NaN)."""
    return NAN if w.all_time else _ratio(nnarr_gross(t, w), quota)


# --- the table -------------------------------------------------------------------------------------------------

Metric = Callable[[Tables, Window], float]

METRICS: dict[str, Metric] = {
    "nnarr": nnarr,
    "nnarr_gross": nnarr_gross,
    "nnarr_churn_90d": nnarr_churn_90d,
    "nnarr_contraction_90d": nnarr_contraction_90d,
    "deals_won": deals_won,
    "nnarr_unpriced_deals": nnarr_unpriced_deals,
    "nnarr_provisional_deals": nnarr_provisional_deals,
    "nnarr_provisional_acv": nnarr_provisional_acv,
    "nnarr_final": nnarr_final,
    "nnarr_small": _nnarr_where("tier", "small"),
    "nnarr_mid": _nnarr_where("tier", "mid"),
    "nnarr_large": _nnarr_where("tier", "large"),
    "nnarr_direct": _nnarr_where("channel", "direct"),
    "nnarr_partner": _nnarr_where("channel", "partner"),
    "spend": spend,
    "c2re": c2re,
    "c2re_trailing_30d": c2re_trailing_30d,
    "sales_cycle_days": sales_cycle_days,
    "sccr": sccr,
    "qte_velocity_days": qte_velocity_days,
    "qte_velocity_median_days": qte_velocity_median_days,
    "qte_velocity_signed_days": qte_velocity_signed_days,
    "evaluation_completion_rate": evaluation_completion_rate,
    "pov_to_pipeline": pov_to_pipeline,
    "pov_win_rate": pov_win_rate,
    "lead_to_win_rate": lead_to_win_rate,
    "negotiation_win_rate": negotiation_win_rate,
    "founder_involvement_reduction_rate": founder_involvement_reduction_rate,
    "grr_model": grr_model,
    "grr_account": grr_account,
    "nrr": nrr,
    "partner_grr": partner_grr,
    "deployed_model_revenue": deployed_model_revenue,
    "deployed_models": deployed_models,
    "mrr": mrr,
    "cac": cac,
    "ltv": ltv,
    "cac_payback_months": cac_payback_months,
}


def recompute(t: Tables, *, nnarr_target_6m: float | None = None, quota: float | None = None) -> pd.DataFrame:
    """Every metric (rows) for every window (columns), as ``funnelsim kpis`` lays out kpis.csv."""
    metrics = dict(METRICS)
    if nnarr_target_6m is not None:
        metrics["nnarr_target"] = lambda t, w: nnarr_target(t, w, nnarr_target_6m)
        metrics["nnarr_pace"] = lambda t, w: nnarr_pace(t, w, nnarr_target_6m)
    if quota is not None:
        metrics["quota_attainment"] = lambda t, w: quota_attainment(t, w, quota)
    cols = windows(t)
    return pd.DataFrame(
        {w.label: [f(t, w) for f in metrics.values()] for w in cols}, index=pd.Index(list(metrics), name="metric")
    )
