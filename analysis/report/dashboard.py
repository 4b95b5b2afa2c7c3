"""The Monday one-page dashboard's content (article A), computed from the tables by the KPI functions.

For ISO week ``2027-W26`` the dashboard is the one sent on that week's Monday: it knows every event before
Monday 00:00 (:mod:`analysis.kpi.snapshot` censors a simulated table to that instant). It shows

1. **NNARR to date vs target** (:func:`analysis.kpi.nnarr.nnarr` from the start date to the Monday) with the
   red / yellow / green status and the escalation it triggers (:mod:`analysis.report.status`);
2. **C2RE for the trailing 30 days** (:func:`analysis.kpi.nnarr.c2re_trailing`) with a trend arrow against the 30
   days before;
3. **SCCR for the quarter so far** (:func:`analysis.kpi.cycle.period_sccr`: mean cycle of the deals won this quarter
   so far vs the whole previous quarter; while no deal has been won yet this quarter, the last full quarter's)
   with the **biggest bottleneck** named (:mod:`analysis.report.bottleneck`, stage visits and losses of the last
   :data:`WINDOW_DAYS` days);
4. **three suggested actions**, one per problem: the biggest bottleneck, then the worst failing health checks of
   different metrics (C2RE over 90 and 30 days is one problem, so is GRR at model, account and partner level),
   then the next bottlenecks, each naming the fixes the scenario's fixes library offers for it
   (:func:`analysis.report.bottleneck.suggested_actions`);
5. the health checks (:mod:`analysis.report.health_page`).

The **start date** of "to date" is the scenario's start date, or ``--since``, or else 1 January of the
dashboard's year (NNARR year to date). The page's escalation follows the NNARR status only, as in the article;
C2RE and the checks carry their own colours.

**Deal amounts are optional** (as in :mod:`analysis.kpi.kpis`). When no won deal in the table has an ACV (e.g. the
Olist export), NNARR to date, its pace and C2RE are n/a, the status is ``unknown`` with an escalation saying the
week cannot be judged, and everything else (SCCR, bottleneck, actions, the health checks that need no amounts)
is computed; a note names what is missing. When only some won deals have an ACV, the amounts cover the priced
ones (``unpriced="skip"``): NNARR to date is a floor and C2RE too high, which the note says.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from typing import Final, Literal

import pandas as pd

from analysis.kpi import cash as cash_kpi
from analysis.kpi import cycle, evaluation, kpis, nnarr, snapshot
from analysis.kpi.cash import Runway
from analysis.kpi.evaluation import Rate
from analysis.kpi.nnarr import C2re, Nnarr
from analysis.report import bottleneck, coverage, health_page, status
from analysis.report.bottleneck import Finding
from analysis.report.fix_library import FixOption
from analysis.report.status import Pace, Trend
from simulation.errors import InputError
from simulation.scenario import Targets

WINDOW_DAYS: Final = 90
C2RE_DAYS: Final = 30
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


Amounts = Literal["all", "partial", "none"]


class WeekError(InputError):
    """An ISO week that cannot be parsed."""


def week_start(week: str) -> pd.Timestamp:
    """Monday 00:00 of an ISO week written ``2027-W26`` (or ``2027W26``).

    >>> week_start("2027-W26")
    Timestamp('2027-06-28 00:00:00')
    >>> week_start("2027-W01")
    Timestamp('2027-01-04 00:00:00')
    """
    match = _WEEK.match(week.strip())
    if not match:
        raise WeekError(f"--week {week!r}: expected an ISO week such as 2027-W26")
    year, number = int(match.group(1)), int(match.group(2))
    coverage.in_calendar(year, f"--week {week!r}")
    try:
        return pd.Timestamp(dt.date.fromisocalendar(year, number, 1))
    except ValueError:
        raise WeekError(f"--week {week!r}: {year} has no ISO week {number}") from None


def week_label(as_of: pd.Timestamp) -> str:
    iso = as_of.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


@dataclass(frozen=True)
class Tables:
    """What a dashboard reads: the deals table (required), the optional others, targets and the fixes library."""

    deals: pd.DataFrame
    spend: pd.DataFrame | None = None
    revenue: pd.DataFrame | None = None
    resources: pd.DataFrame | None = None
    targets: Targets = field(default_factory=Targets)
    start: pd.Timestamp | None = None
    library: tuple[FixOption, ...] = ()
    source: str = ""
    end: pd.Timestamp | None = None  # a run's horizon end, when known (a deals CSV only has its last event)
    cash: pd.DataFrame | None = None  # the cash table ([billing]): the runway tile shows only with it

    def __post_init__(self) -> None:
        # Reports pick rows by label; pooled runs stacked without ignore_index repeat labels, so number rows afresh.
        if not self.deals.index.is_unique:
            object.__setattr__(self, "deals", self.deals.reset_index(drop=True))
        if self.spend is not None:  # the spend C2RE divides, as the targets say (POV compute in or out)
            object.__setattr__(self, "spend", nnarr.c2re_spend(self.spend, self.targets.c2re_counts_pov_compute))

    def as_of(self, when: pd.Timestamp) -> Tables:
        """The tables as known just before ``when``."""
        return Tables(
            deals=snapshot.deals_as_of(self.deals, when),
            spend=None if self.spend is None else snapshot.spend_as_of(self.spend, when),
            revenue=None if self.revenue is None else snapshot.before(self.revenue, "date", when),
            resources=None if self.resources is None else snapshot.before(self.resources, "time", when),
            targets=self.targets,
            start=self.start,
            library=self.library,
            source=self.source,
            end=self.end,
            cash=None if self.cash is None else cash_kpi.months_ended(self.cash, when),
        )


@dataclass(frozen=True)
class Dashboard:
    """Everything on the page, as numbers and sentences (rendering is :mod:`analysis.report.dashboard_page`)."""

    week: str
    as_of: pd.Timestamp
    since: pd.Timestamp
    source: str
    nnarr: Nnarr
    pace: Pace
    c2re: C2re | None
    c2re_previous: C2re | None
    c2re_trend: Trend
    quarter: pd.Period
    quarter_complete: bool  # True: no deal won yet this quarter, so the tile shows the last full quarter
    cycle_days: float
    previous_cycle_days: float
    sccr: float
    window: tuple[pd.Timestamp, pd.Timestamp]
    findings: tuple[Finding, ...]
    actions: tuple[str, ...]
    health: pd.DataFrame
    notes: tuple[str, ...]
    amounts: Amounts = "all"  # "none": no won deal has an ACV; "partial": some have none (NNARR is a floor)
    win_rates: tuple[tuple[str, Rate], ...] = ()  # (metric, rate) over the window, each named by its denominator
    cycle_deals: tuple[int, int] = (0, 0)  # won deals behind cycle_days and previous_cycle_days
    runway: Runway | None = None  # from the cash table, when there is one

    @property
    def bottleneck(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def status(self) -> status.Status:
        return self.pace.status

    @property
    def escalation(self) -> str:
        return self.pace.escalation

    def numbers(self) -> dict[str, float | str | None]:
        """The page's figures as plain values (what ``dashboard.json`` holds and the tests compare)."""
        return {
            "week": self.week,
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat(),
            "status": self.status,
            "escalation": self.escalation,
            "nnarr_to_date": _clean(self.nnarr.nnarr),
            "nnarr_provisional_deals": self.nnarr.provisional_deals,
            "nnarr_target_to_date": _clean(self.pace.target),
            "nnarr_pace": _clean(self.pace.pace),
            "c2re_30d": _clean(self.c2re.value) if self.c2re else None,
            "c2re_30d_spend": self.c2re.spend if self.c2re else None,
            "c2re_30d_nnarr": self.c2re.nnarr if self.c2re else None,
            "c2re_previous_30d": _clean(self.c2re_previous.value) if self.c2re_previous else None,
            "c2re_trend": self.c2re_trend.word,
            "quarter": str(self.quarter),
            "quarter_complete": self.quarter_complete,
            "cycle_days_quarter": _clean(self.cycle_days),
            "cycle_days_previous_quarter": _clean(self.previous_cycle_days),
            "sccr": _clean(self.sccr),
            "bottleneck": self.bottleneck.stage if self.bottleneck else None,
            "bottleneck_text": self.bottleneck.text if self.bottleneck else None,
            **{f"{name}_{WINDOW_DAYS}d": _clean(rate.value) for name, rate in self.win_rates},
            **{f"{name}_{WINDOW_DAYS}d_decided": rate.decided for name, rate in self.win_rates},
        } | self._amount_numbers() | self._runway_numbers()

    def _runway_numbers(self) -> dict[str, float | str | None]:
        # Only with a cash table, so that runs without [billing] keep their numbers unchanged.
        if self.runway is None:
            return {}
        r = self.runway
        return {"runway_months": _clean(r.months) if math.isfinite(r.months) or math.isnan(r.months) else "inf",
                "runway_month": None if r.month is None else f"{r.month:%Y-%m}", "cash_balance": _clean(r.balance),
                "net_burn_3m": _clean(r.burn), "runway_status": r.status}

    def _amount_numbers(self) -> dict[str, float | str | None]:
        # Only when won deals lack an ACV, so that priced runs keep their numbers unchanged.
        if self.amounts == "all":
            return {}
        return {"amounts": self.amounts, "nnarr_unpriced_deals": self.nnarr.unpriced_deals}


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def default_start(as_of: pd.Timestamp) -> pd.Timestamp:
    """Without a scenario or ``--since``: 1 January of the year the dashboard's data ends in."""
    return pd.Timestamp(year=(as_of - pd.Timedelta(days=1)).year, month=1, day=1)


def build(tables: Tables, week: str) -> Dashboard:
    """The dashboard of ISO ``week`` from the full tables (censored here to what was known on its Monday)."""
    as_of = week_start(week)
    coverage.check_week(week, as_of, tables)
    known = tables.as_of(as_of)
    since = tables.start if tables.start is not None else default_start(as_of)
    if since >= as_of:
        raise InputError(f"--week {week}: the dashboard's Monday ({as_of:%Y-%m-%d}) is not after the start date "
                         f"({since:%Y-%m-%d}); pick a later week")
    deals = known.deals
    amounts = amount_coverage(tables.deals)
    to_date = nnarr.nnarr(deals, (since, as_of), unpriced="skip")
    if amounts == "none":  # no amounts at all: n/a, even in a window without wins (not $0)
        nan = float("nan")
        to_date = replace(to_date, gross=nan, churn=nan, contraction=nan, provisional_acv=nan)
    elapsed = (as_of - since) / pd.Timedelta(days=1)
    pace = status.nnarr_pace(to_date.nnarr, tables.targets, elapsed)

    c2re_now = c2re_before = None
    if known.spend is not None:
        c2re_now = nnarr.c2re_trailing(deals, known.spend, as_of, C2RE_DAYS, unpriced="skip")
        c2re_before = nnarr.c2re_trailing(
            deals, known.spend, as_of - pd.Timedelta(days=C2RE_DAYS), C2RE_DAYS, unpriced="skip"
        )
        if amounts == "none":
            c2re_now, c2re_before = _unknown_c2re(c2re_now), _unknown_c2re(c2re_before)
    arrow = status.trend(
        c2re_now.value if c2re_now else float("nan"),
        c2re_before.value if c2re_before else float("nan"),
        lower_is_better=True,
    )

    quarter = pd.Period(as_of - pd.Timedelta(days=1), freq="Q")
    cycle_now = cycle.period_cycle(deals, quarter)
    complete = False
    if math.isnan(cycle_now) and not math.isnan(cycle.period_cycle(deals, quarter - 1)):
        # No deal won yet this quarter: report the last full quarter rather than an empty tile.
        quarter, complete = quarter - 1, True
        cycle_now = cycle.period_cycle(deals, quarter)
    cycle_before = cycle.period_cycle(deals, quarter - 1)
    counts = (cycle.period_cycle_count(deals, quarter), cycle.period_cycle_count(deals, quarter - 1))
    sccr = cycle.period_sccr(deals, quarter)

    window = (as_of - pd.Timedelta(days=WINDOW_DAYS), as_of)
    found = tuple(bottleneck.findings(deals, window, tables.library, limit=3, resources=known.resources))
    win_rates = (
        ("lead_to_win_rate", evaluation.lead_to_win_rate(deals, window)),
        ("pov_win_rate", evaluation.pov_win_rate(deals, window)),
        ("negotiation_win_rate", evaluation.negotiation_win_rate(deals, window)),
    )
    values = health_page.health_values(
        deals, as_of, spend=known.spend, revenue=known.revenue, resources=known.resources, nnarr_pace=pace.pace
    )
    health = health_page.checks(values, tables.targets, health_page.current_arr(known.revenue, as_of))
    return Dashboard(
        week=week_label(as_of),
        as_of=as_of,
        since=since,
        source=tables.source,
        nnarr=to_date,
        pace=pace,
        c2re=c2re_now,
        c2re_previous=c2re_before,
        c2re_trend=arrow,
        quarter=quarter,
        quarter_complete=complete,
        cycle_days=cycle_now,
        previous_cycle_days=cycle_before,
        sccr=sccr,
        cycle_deals=counts,
        window=window,
        findings=found,
        actions=bottleneck.suggested_actions(found, health, tables.library, deals, window),
        health=health,
        notes=_notes(tables, to_date, c2re_now, as_of, amounts),
        amounts=amounts,
        win_rates=win_rates,
        runway=None if known.cash is None else cash_kpi.latest(known.cash),
    )


def amount_coverage(deals: pd.DataFrame) -> Amounts:
    """Whether the table's won deals have an ACV: ``all`` (or no won deal), ``partial`` or ``none``."""
    won, unpriced = kpis.amount_gaps(deals)
    if not unpriced:
        return "all"
    return "none" if unpriced == won else "partial"


def _unknown_c2re(result: C2re) -> C2re:
    return replace(result, nnarr=float("nan"), value=float("nan"), status="unknown_nnarr")


def _notes(
    tables: Tables, to_date: Nnarr, c2re_now: C2re | None, as_of: pd.Timestamp, amounts: Amounts = "all"
) -> tuple[str, ...]:
    notes = []
    note = amount_note(tables, to_date, amounts)
    if note:
        notes.append(note)
    if to_date.provisional_deals:
        notes.append(
            f"NNARR is provisional: {to_date.provisional_deals} won deal(s) worth "
            f"${to_date.provisional_acv:,.0f} have not passed their 90-day retention check."
        )
    if c2re_now is not None and c2re_now.status not in ("ok", "unknown_nnarr"):
        notes.append("C2RE is undefined for the last 30 days: no net new ARR was closed in them.")
    for name in ("spend", "revenue", "resources"):
        if getattr(tables, name) is None:
            notes.append(f"No {name} table given: the figures that need it are left out.")
    if tables.targets.nnarr_6_months <= 0 and tables.targets.nnarr_12_months <= 0:
        notes.append("No NNARR target: pass --scenario with a [targets] section to rate the week.")
    return tuple(notes)


def amount_note(tables: Tables, to_date: Nnarr, amounts: Amounts) -> str | None:
    """The page's line on deal amounts: which figures are n/a (no ACV at all) or partial (some won deals without
    one), and why; None when every won deal has an ACV."""
    won, unpriced = kpis.amount_gaps(tables.deals)
    c2re = " and C2RE (trailing 30 days, its trend chart and health checks)" if tables.spend is not None else ""
    if amounts == "none":
        return (
            f"No deal amounts: none of the {won} won deal(s) in the table has an acv, so NNARR to date, its pace "
            f"and status, the cumulative NNARR chart{c2re} are n/a and the week cannot be rated. SCCR, the "
            "bottleneck, the actions, the other charts and the health checks that need no amounts are computed."
        )
    if amounts == "partial":
        since = (
            f" ({to_date.unpriced_deals} of the {to_date.won} won since the start date)" if to_date.won else ""
        )
        c2re = ", C2RE too high" if tables.spend is not None else ""
        return (
            f"Partly priced: {unpriced} of {won} won deal(s) have no amount (acv){since}. NNARR counts only the "
            f"priced deals, so NNARR to date is a floor (the status may be too pessimistic){c2re}, and never final."
        )
    return None
