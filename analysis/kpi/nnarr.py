"""Net New ARR (NNARR), sales and marketing spend, and Cash-to-Revenue Efficiency (C2RE), from article A.

NNARR(period) is the ACV of the deals won (closed) in the period minus the contraction and churn of those same
customers within their first 90 days, read from the deals table (``retention_90d``, ``acv_after_90d``). A won
deal whose 90-day check has not happened yet (``acv_after_90d`` unknown) is **provisional**: it counts at its
booked ACV and is reported in ``provisional_deals`` / ``provisional_acv``; the figure is **final** once none
is left. Only losses are subtracted (an increase within 90 days is upsell, not NNARR), so NNARR never exceeds
gross new ARR.

A won deal without an ACV (a CRM export without amounts, or a few deals nobody priced) is an error by default.
With ``unpriced="skip"`` it is counted in ``unpriced_deals`` and left out of every amount: NNARR is then over the
priced deals only (**partial**, a floor, never final), and a period whose wins are all unpriced has no NNARR
(NaN, not 0).

C2RE(period) = sales and marketing cash spent in the period (CRO fee included) / NNARR of the same period.
With zero NNARR the ratio is undefined, not infinite: :class:`C2re` then carries ``value = NaN`` and a
``status`` that says why, so a dashboard can print "no net new ARR" instead of crashing or showing ``inf``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from analysis.kpi.periods import PeriodLike, TimeLike, overlap_fraction, period_range, trailing, within
from simulation.tables import CHANNELS, TIERS, SchemaError, is_value, require, tier_of_acv

NNARR_COLUMNS = ("outcome", "closed", "acv")
SPEND_COLUMNS = ("month", "category", "amount")
Unpriced = Literal["raise", "skip"]


@dataclass(frozen=True)
class Nnarr:
    """NNARR of one period and its parts (USD); ``provisional_*`` are won deals not yet past their 90-day
    check, ``unpriced_deals`` won deals without an ACV, left out of the amounts (NaN when no won deal is
    priced)."""

    won: int
    gross: float
    churn: float
    contraction: float
    provisional_deals: int
    provisional_acv: float
    unpriced_deals: int = 0

    @property
    def nnarr(self) -> float:
        """Gross new ARR minus 90-day churn and contraction."""
        return self.gross - self.churn - self.contraction

    @property
    def final(self) -> bool:
        """True once every deal of the period has passed its 90-day check and has an ACV."""
        return self.provisional_deals == 0 and self.unpriced_deals == 0

    @property
    def partial(self) -> bool:
        """Some but not all of the period's won deals have an ACV: the amounts cover the priced ones only."""
        return 0 < self.unpriced_deals < self.won

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "nnarr": self.nnarr, "final": self.final}


def deal_tier(deals: pd.DataFrame) -> pd.Series:
    """Each deal's tier: the recorded ``tier`` where present, else derived from ``acv``
    (:func:`tier_of_acv`)."""
    derived = tier_of_acv(deals["acv"])
    if "tier" not in deals.columns:
        return derived
    return deals["tier"].astype("string").fillna(derived)


def settlement(deals: pd.DataFrame, *, unpriced: Unpriced = "raise") -> pd.DataFrame:
    """Per deal: ``won`` (bool), ``priced`` (won with an ACV), ``acv``, ``churn`` and ``contraction`` within 90
    days, ``settled`` (90-day check known).

    ``acv_after_90d`` is the truth where present; without it ``churned`` means 0 left and ``kept`` the full
    ACV, and a ``contracted`` deal of unknown size stays provisional. A won deal without an ACV raises
    :class:`SchemaError` unless ``unpriced="skip"`` (then it is won but not priced, and all its amounts are 0;
    without an ``acv`` column every won deal is unpriced)."""
    if unpriced not in ("raise", "skip"):
        raise ValueError(f"unpriced must be 'raise' or 'skip', not {unpriced!r}")
    require(deals, NNARR_COLUMNS if unpriced == "raise" else ("outcome", "closed"), "deals", "NNARR")
    won = is_value(deals["outcome"], "won") & deals["closed"].notna()
    acv = deals["acv"].astype("float64") if "acv" in deals.columns else pd.Series(np.nan, index=deals.index)
    if unpriced == "raise" and (won & acv.isna()).any():
        bad = deals.loc[won & acv.isna()]
        ids = ", ".join(map(str, bad["id"].head(3))) if "id" in bad.columns else f"{len(bad)} deal(s)"
        raise SchemaError(f"deals: column 'acv' is empty for won deal(s) {ids}")
    priced = won & acv.notna()
    status = deals["retention_90d"] if "retention_90d" in deals.columns else pd.Series(pd.NA, index=deals.index)
    after = (
        deals["acv_after_90d"].astype("float64")
        if "acv_after_90d" in deals.columns
        else pd.Series(np.nan, index=deals.index)
    )
    churned, kept = is_value(status, "churned"), is_value(status, "kept")
    implied = pd.Series(np.where(churned, 0.0, np.where(kept, acv, np.nan)), index=deals.index)
    after = after.fillna(implied)
    settled = priced & after.notna()
    loss = (acv - after).clip(lower=0).where(settled, 0.0)
    full_churn = churned | (status.isna() & (after == 0))
    churn = loss.where(full_churn, 0.0)
    return pd.DataFrame(
        {
            "won": won,
            "priced": priced,
            "acv": acv.where(priced, 0.0),
            "churn": churn,
            "contraction": loss - churn,
            "settled": settled,
        },
        index=deals.index,
    )


def _summarise(parts: pd.DataFrame) -> Nnarr:
    won, priced = parts["won"], parts["priced"]
    pending = priced & ~parts["settled"]
    unknown = bool(won.any()) and not priced.any()  # wins, none priced: the amounts are unknown, not zero

    def total(column: str, mask: pd.Series) -> float:
        return float("nan") if unknown else float(parts[column][mask].sum())

    return Nnarr(
        won=int(won.sum()),
        gross=total("acv", priced),
        churn=total("churn", priced),
        contraction=total("contraction", priced),
        provisional_deals=int(pending.sum()),
        provisional_acv=total("acv", pending),
        unpriced_deals=int((won & ~priced).sum()),
    )


def nnarr(deals: pd.DataFrame, period: PeriodLike | None = None, *, unpriced: Unpriced = "raise") -> Nnarr:
    """NNARR: ACV of deals won in the period minus those customers' churn and contraction within 90 days.

    >>> deals = pd.DataFrame({"outcome": ["won", "won", "lost"], "acv": [100_000.0, 40_000.0, 80_000.0],
    ...     "closed": pd.to_datetime(["2027-02-01", "2027-03-01", "2027-03-05"]),
    ...     "retention_90d": ["contracted", "churned", None], "acv_after_90d": [70_000.0, 0.0, None]})
    >>> result = nnarr(deals, "2027Q1")
    >>> result.gross, result.contraction, result.churn, result.nnarr
    (140000.0, 30000.0, 40000.0, 70000.0)

    ``unpriced="skip"`` leaves won deals without an ACV out of the amounts (see the module docstring).
    """
    parts = settlement(deals, unpriced=unpriced)
    return _summarise(parts[within(deals["closed"], period)])


def partner_nnarr(deals: pd.DataFrame, period: PeriodLike | None = None, *, unpriced: Unpriced = "raise") -> Nnarr:
    """Partner-sourced NNARR (article B): NNARR of the deals whose ``channel`` is ``partner``."""
    require(deals, ("channel",), "deals", "partner-sourced NNARR")
    return nnarr(deals[is_value(deals["channel"], "partner")], period, unpriced=unpriced)


def nnarr_by(
    deals: pd.DataFrame,
    period: PeriodLike | None = None,
    by: Literal["tier", "channel"] = "tier",
    *,
    unpriced: Unpriced = "raise",
) -> pd.DataFrame:
    """NNARR of the period split by deal-size tier or by channel; every tier/channel is a row, empty ones
    zero (a row whose wins are all unpriced has NaN amounts; see ``unpriced_deals``)."""
    if by == "tier":
        key, levels = deal_tier(deals), list(TIERS)
    elif by == "channel":
        require(deals, ("channel",), "deals", "NNARR by channel")
        key, levels = deals["channel"].astype("string"), list(CHANNELS)
    else:
        raise ValueError(f"by must be 'tier' or 'channel', not {by!r}")
    parts = settlement(deals, unpriced=unpriced)
    return _table(parts, key, within(deals["closed"], period), levels, by)


def nnarr_by_period(
    deals: pd.DataFrame, freq: str = "M", start: TimeLike | None = None, end: TimeLike | None = None
) -> pd.DataFrame:
    """NNARR per calendar period of close (index: ``pandas.Period``); periods without wins are zero rows.

    With ``start``/``end``, the rows are the periods from ``start``'s to ``end``'s, and wins closed outside them
    are left out (not piled into extra rows).
    """
    parts = settlement(deals)
    closed = deals["closed"].where(parts["won"])
    index = period_range([closed], freq, start, end)
    key = closed.dt.to_period(freq)
    return _table(parts, key, parts["won"] & key.isin(index), list(index), "period").set_axis(index)


def _table(parts: pd.DataFrame, key: pd.Series, mask: pd.Series, levels: list[Any], name: str) -> pd.DataFrame:
    picked = parts[mask & parts["won"]].assign(
        key=key[mask & parts["won"]],
        pending=lambda f: f["priced"] & ~f["settled"],
        pending_acv=lambda f: f["acv"].where(f["pending"], 0.0),
        unpriced=lambda f: ~f["priced"],
    )
    grouped = picked.groupby("key", sort=False, observed=True).agg(
        won=("won", "sum"),
        gross=("acv", "sum"),
        churn=("churn", "sum"),
        contraction=("contraction", "sum"),
        provisional_deals=("pending", "sum"),
        provisional_acv=("pending_acv", "sum"),
        unpriced_deals=("unpriced", "sum"),
    )
    extra = [k for k in grouped.index if k not in levels and not pd.isna(k)]
    table = grouped.reindex(levels + extra, fill_value=0)
    table.index.name = name
    table = table.astype({"won": "int64", "provisional_deals": "int64", "unpriced_deals": "int64"})
    amounts = ["gross", "churn", "contraction", "provisional_acv"]
    table[amounts] = table[amounts].astype("float64").where(table["unpriced_deals"] < table["won"])
    table.loc[table["won"] == 0, amounts] = 0.0
    table["nnarr"] = table["gross"] - table["churn"] - table["contraction"]
    columns = ["won", "gross", "churn", "contraction", "nnarr", "provisional_deals", "provisional_acv"]
    return table[[*columns, "unpriced_deals"]]


# --- spend -----------------------------------------------------------------------------------------------


def spend_days(spend: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The days each spend row covers, ``[start, end)``: its ``start`` and ``end`` columns where set, else its
    calendar month (a run's first and last months cover only the run's days)."""
    month = spend["month"].dt.to_period("M")
    start, end = month.dt.start_time, (month + 1).dt.start_time
    if "start" in spend.columns:
        start = spend["start"].astype("datetime64[ns]").fillna(start)
    if "end" in spend.columns:
        end = spend["end"].astype("datetime64[ns]").fillna(end)
    empty = ~(end > start)
    if empty.any():
        row = int(empty.to_numpy().argmax())
        raise SchemaError(f"spend: row {row + 1} covers no day (start {start.iloc[row]} is not before end "
                          f"{end.iloc[row]})")
    return start, end


POV_COMPUTE: Final = "pov_compute"


def c2re_spend(spend: pd.DataFrame, counts_pov_compute: bool = True) -> pd.DataFrame:
    """The spend rows C2RE divides by NNARR: every category, or all but POV compute when a scenario's
    ``[targets] c2re_counts_pov_compute`` is false (article A's numerator is "cash spent on sales and marketing
    (including the fractional CRO's fee)"; whether running a prospect's POV is that is the scenario's call).
    The fixes' own costs (category ``fixes``: a sandbox, a standard agreement, a recruiting fee) always count:
    they are money spent to sell better, which is what C2RE asks the NNARR to pay back."""
    require(spend, SPEND_COLUMNS, "spend", "C2RE")
    return spend if counts_pov_compute else spend[~is_value(spend["category"], POV_COMPUTE)]


def spend_by_category(spend: pd.DataFrame, period: PeriodLike | None = None) -> pd.Series:
    """Sales and marketing cash per category in the period: each row charged by the share of the days it covers
    (:func:`spend_days`) that lie inside the period."""
    require(spend, SPEND_COLUMNS, "spend", "spend totals")
    if spend["month"].isna().any():
        raise SchemaError("spend: column 'month' has empty values")
    start, end = spend_days(spend)
    amount = spend["amount"].astype("float64").fillna(0.0) * overlap_fraction(start, end, period)
    return amount.groupby(spend["category"].astype("string"), sort=True).sum().rename("amount")


def spend_in(spend: pd.DataFrame, period: PeriodLike | None = None, categories: tuple[str, ...] | None = None) -> float:
    """Total sales and marketing cash spent in the period, CRO fee included (optionally only some categories).

    Spend is monthly; a period covering part of a month takes that share of the days the row covers (e.g. the
    trailing 30 days ending 15 March take 14/28 of February and 14/31 of March; a run that starts on 18 January
    has a January row covering 14 days, all inside a window from the 18th)."""
    per_category = spend_by_category(spend, period)
    if categories is not None:
        per_category = per_category[per_category.index.isin(categories)]
    return float(per_category.sum())


# --- C2RE ------------------------------------------------------------------------------------------------

C2reStatus = Literal["ok", "no_nnarr", "negative_nnarr", "unknown_nnarr"]


@dataclass(frozen=True)
class C2re:
    """C2RE of a period: ``value`` = ``spend`` / ``nnarr``; NaN with ``status`` ``no_nnarr`` or
    ``negative_nnarr`` when NNARR is not positive (no dollar of new ARR to divide by), ``unknown_nnarr`` when it
    is NaN (wins without amounts). ``provisional`` follows the NNARR (partial or not final)."""

    spend: float
    nnarr: float
    value: float
    status: C2reStatus
    provisional: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def c2re_ratio(spend: float, nnarr: float, *, provisional: bool = False) -> C2re:
    """C2RE: sales and marketing cash spent (CRO fee included) per dollar of net new ARR.

    Article A: "A C2RE of 1.0 means you spent $1 to get $1 in new ARR."

    >>> c2re_ratio(spend=1.0, nnarr=1.0).value
    1.0
    >>> c2re_ratio(spend=120_000, nnarr=0.0)
    C2re(spend=120000.0, nnarr=0.0, value=nan, status='no_nnarr', provisional=False)
    """
    spend, nnarr = float(spend), float(nnarr)
    if np.isnan(nnarr):
        return C2re(spend, nnarr, float("nan"), "unknown_nnarr", provisional)
    if nnarr > 0:
        return C2re(spend, nnarr, spend / nnarr, "ok", provisional)
    status: C2reStatus = "no_nnarr" if nnarr == 0 else "negative_nnarr"
    return C2re(spend, nnarr, float("nan"), status, provisional)


def c2re(
    deals: pd.DataFrame, spend: pd.DataFrame, period: PeriodLike | None = None, *, unpriced: Unpriced = "raise"
) -> C2re:
    """C2RE of a period: spend in the period (prorated by days) / NNARR of deals closed in the period."""
    result = nnarr(deals, period, unpriced=unpriced)
    return c2re_ratio(spend_in(spend, period), result.nnarr, provisional=not result.final)


def c2re_trailing(
    deals: pd.DataFrame,
    spend: pd.DataFrame,
    as_of: TimeLike,
    days: float = 30,
    *,
    unpriced: Unpriced = "raise",
) -> C2re:
    """C2RE over the ``days`` before ``as_of`` (article A's Monday dashboard: trailing 30 days)."""
    return c2re(deals, spend, trailing(as_of, days), unpriced=unpriced)


def c2re_by_period(
    deals: pd.DataFrame,
    spend: pd.DataFrame,
    freq: str = "M",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
) -> pd.DataFrame:
    """C2RE per calendar period (index ``pandas.Period``): columns spend, nnarr, value, status,
    provisional."""
    closed = deals["closed"].where(is_value(deals["outcome"], "won"))
    index = period_range([closed, spend["month"]], freq, start, end)
    rows = [c2re(deals, spend, p).as_dict() for p in index]
    columns = ["spend", "nnarr", "value", "status", "provisional"]
    return pd.DataFrame(rows, index=index, columns=columns)
