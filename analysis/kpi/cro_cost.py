"""What a CRO costs: retainer and equity by company stage, and fractional vs full-time over an engagement.

Figures are the articles' ranges; a single planning value is the middle of a range unless stated.

* Article A: fractional "$5k–$25k/month + 0.5–2.0% equity", 5–15 days/month, "Deployed in 2–4 weeks";
  full-time "$30k–$60k/month salary + benefits + 1–3% equity", "8–12 weeks to hire and onboard".
* Article B, retainer by stage: pre-revenue "$8k–$12k/mo + equity", Series A ($1–3M ARR) "$12k–$18k/mo +
  bonus", Series B ($5M+ ARR) "$18k–$25k/mo + bonus". Article B gives no equity figure: pre-revenue uses
  article A's fractional range (0.5–2.0 %, "often included for earlier-stage engagements"), later stages none.

Equity is valued at a stated company valuation (percent × valuation). One rule for fees everywhere (this module
and the simulated spend ledger): the clock starts at the decision to hire, and the fee is paid from the CRO's
first day, ``start_delay_days`` (here ``weeks_to_impact``) later; before that there is neither fee nor impact. So
over a planning window a slower start buys fewer months of impact and pays fewer months of fee (a full-time
hire's salary during onboarding, inside article A's 8-12 weeks, is left out: a planning simplification). Benefits
are a rate on the full-time salary that the caller states (article A names them without a figure; default 0)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Final, Protocol

import pandas as pd

from analysis.kpi.comp import CompError

DAYS_PER_MONTH: Final = 365.25 / 12
WEEKS_PER_MONTH: Final = DAYS_PER_MONTH / 7


class CroLike(Protocol):
    """A CRO engagement's terms as the calculators read them (a scenario's ``[cro]``)."""

    @property
    def kind(self) -> str: ...
    @property
    def retainer_per_month(self) -> float: ...
    @property
    def equity_percent(self) -> float: ...
    @property
    def start_delay_days(self) -> float: ...
    @property
    def engagement_months(self) -> float | None: ...


@dataclass(frozen=True)
class Band:
    """A low–high range of monthly fee (USD) and equity (percent of the company) for one kind of
    engagement."""

    monthly_low: float
    monthly_high: float
    equity_low: float
    equity_high: float
    source: str

    @property
    def monthly_mid(self) -> float:
        return (self.monthly_low + self.monthly_high) / 2

    @property
    def equity_mid(self) -> float:
        return (self.equity_low + self.equity_high) / 2


RETAINER_BY_STAGE: Final[Mapping[str, Band]] = {
    "pre_revenue": Band(8_000, 12_000, 0.5, 2.0, "B: $8k–$12k/mo + equity (equity range from A)"),
    "series_a": Band(12_000, 18_000, 0.0, 0.0, "B: Series A $1-3M ARR, $12k–$18k/mo + bonus"),
    "series_b": Band(18_000, 25_000, 0.0, 0.0, "B: Series B $5M+ ARR, $18k–$25k/mo + bonus"),
}
FRACTIONAL_BAND: Final = Band(5_000, 25_000, 0.5, 2.0, "A: $5k–$25k/month + 0.5–2.0% equity")
FULL_TIME_BAND: Final = Band(30_000, 60_000, 1.0, 3.0, "A: $30k–$60k/month salary + benefits + 1–3% equity")


def cost_by_stage(months: float, valuation: float | Mapping[str, float] = 0.0) -> pd.DataFrame:
    """Retainer and equity cost of a fractional CRO by company stage over ``months``: low, mid and high (USD).

    ``valuation`` values the equity (one figure, or one per stage); rows are stages, columns
    retainer_low/mid/high, equity_low/mid/high, total_low/mid/high.

    >>> cost_by_stage(12).loc["series_a", ["retainer_low", "retainer_high"]].tolist()
    [144000.0, 216000.0]
    """
    rows = {}
    for stage, band in RETAINER_BY_STAGE.items():
        value = valuation[stage] if isinstance(valuation, Mapping) else valuation
        row: dict[str, float] = {}
        for level, fee, equity in (
            ("low", band.monthly_low, band.equity_low),
            ("mid", band.monthly_mid, band.equity_mid),
            ("high", band.monthly_high, band.equity_high),
        ):
            row[f"retainer_{level}"] = float(fee * months)
            row[f"equity_{level}"] = equity_cost(equity, value)
        for level in ("low", "mid", "high"):
            row[f"total_{level}"] = row[f"retainer_{level}"] + row[f"equity_{level}"]
        rows[stage] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "stage"
    return table


def equity_cost(percent: float, valuation: float) -> float:
    """Equity cost: ``percent`` of the company at ``valuation`` (USD).

    >>> equity_cost(1.0, 10_000_000)
    100000.0
    """
    if percent < 0 or valuation < 0:
        raise CompError("equity percent and valuation must not be negative")
    return percent / 100.0 * float(valuation)


@dataclass(frozen=True)
class CroOption:
    """One way to staff the CRO seat: monthly fee, equity, weeks until the CRO has impact, benefits rate."""

    kind: str
    monthly_fee: float
    equity_percent: float
    weeks_to_impact: float
    benefits_rate: float = 0.0


FRACTIONAL: Final = CroOption("fractional", FRACTIONAL_BAND.monthly_mid, FRACTIONAL_BAND.equity_mid, 3.0)
FULL_TIME: Final = CroOption("full_time", FULL_TIME_BAND.monthly_mid, FULL_TIME_BAND.equity_mid, 10.0)


@dataclass(frozen=True)
class EngagementCost:
    """Total cost of one option over an engagement, and what it buys in months with the CRO having impact."""

    kind: str
    months: float
    fees: float
    equity: float
    weeks_to_impact: float
    months_of_impact: float

    @property
    def total(self) -> float:
        return self.fees + self.equity

    @property
    def cost_per_month_of_impact(self) -> float:
        return self.total / self.months_of_impact if self.months_of_impact > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "total": self.total,
            "cost_per_month_of_impact": self.cost_per_month_of_impact,
        }


def engagement_cost(option: CroOption, months: float, valuation: float = 0.0) -> EngagementCost:
    """Cost of a CRO over a window of ``months`` from the decision to hire: fees (with benefits) from the CRO's
    first day to the window's end, plus equity at ``valuation``; the months of impact are those same paid months.

    >>> cost = engagement_cost(FRACTIONAL, months=12, valuation=10_000_000)
    >>> round(cost.months_of_impact, 2), round(cost.fees), cost.equity
    (11.31, 169651, 125000.0)
    """
    if months <= 0:
        raise CompError(f"an engagement needs a positive number of months, got {months}")
    paid = max(months - option.weeks_to_impact / WEEKS_PER_MONTH, 0.0)
    fees = option.monthly_fee * (1 + option.benefits_rate) * paid
    return EngagementCost(
        kind=option.kind,
        months=float(months),
        fees=float(fees),
        equity=equity_cost(option.equity_percent, valuation),
        weeks_to_impact=option.weeks_to_impact,
        months_of_impact=paid,
    )


def compare_cro_options(
    months: float,
    valuation: float = 0.0,
    fractional: CroOption = FRACTIONAL,
    full_time: CroOption = FULL_TIME,
) -> pd.DataFrame:
    """Fractional vs full-time CRO over the same window from the decision to hire: one row each (fees, equity,
    total, weeks to impact, months of impact, cost per month of impact)."""
    rows = [engagement_cost(option, months, valuation).as_dict() for option in (fractional, full_time)]
    return pd.DataFrame(rows).set_index("kind")


def option_for(cro: CroLike, benefits_rate: float = 0.0) -> CroOption:
    """The :class:`CroOption` a scenario's ``[cro]`` section describes (weeks to impact = its start delay)."""
    if cro.kind == "none":
        return CroOption("none", 0.0, 0.0, 0.0)
    option = CroOption(cro.kind, cro.retainer_per_month, cro.equity_percent, cro.start_delay_days / 7.0)
    return replace(option, benefits_rate=benefits_rate if cro.kind == "full_time" else 0.0)


def cost_for(cro: CroLike, valuation: float = 0.0, months: float | None = None) -> EngagementCost:
    """Cost of a scenario's CRO over ``months`` from the decision to hire; by default the whole engagement: the
    start delay plus ``engagement_months`` (else 12) of fees, exactly what the spend ledger charges."""
    option = option_for(cro)
    delay = option.weeks_to_impact / WEEKS_PER_MONTH
    length = months if months is not None else delay + (cro.engagement_months or 12.0)
    return engagement_cost(option, length, valuation)
