"""The Monday dashboard as a page: blocks for :mod:`analysis.report.page` (HTML) and
:mod:`analysis.report.page_png` (PNG).

Layout, top to bottom: title and data cut-off; the status banner with its escalation; three KPI tiles (NNARR to
date vs target, C2RE trailing 30 days with its arrow, SCCR for the quarter so far; with a cash table, a fourth,
the cash runway, beside C2RE); the biggest bottleneck;
three suggested actions; six charts; the health checks; notes on the data.

Without deal amounts the NNARR tile reads "n/a — no deal amounts (acv)..." in grey (status unknown, like "No target"),
the C2RE tile is n/a and the two amount charts (cumulative NNARR, C2RE trend) are left out; with only some
deals priced the cumulative NNARR chart counts the priced ones (a floor).
"""

from __future__ import annotations

import math
from typing import Final

import pandas as pd

from analysis import style
from analysis.kpi import cycle, funnel, nnarr, utilisation
from analysis.report import charts, health_page, page
from analysis.report.dashboard import WINDOW_DAYS, Dashboard, Tables
from analysis.report.status import prorated_target

STATUS_WORDS = {"green": "Green", "yellow": "Yellow", "red": "Red", "unknown": "No target"}
NO_AMOUNTS_WORD = "Unrated"
NO_AMOUNTS_DETAIL = "— no deal amounts (acv): NNARR cannot be computed, the week cannot be judged"


def status_word(status: str, unpriced: bool = False) -> str:
    """The banner's word: the status, or "Unrated" when NNARR is unknown for lack of deal amounts."""
    return NO_AMOUNTS_WORD if unpriced and status == "unknown" else STATUS_WORDS[status]


def chart_set(known: Tables, dash: Dashboard) -> tuple[tuple[str, bytes], ...]:
    """The page's charts (title, PNG), from tables already censored to the dashboard's Monday."""
    deals, as_of, since = known.deals, dash.as_of, dash.since
    made = []
    priced = dash.amounts != "none"

    if priced:
        parts = nnarr.settlement(deals, unpriced="skip")
        booked = deals[~(parts["won"] & ~parts["priced"])]  # unpriced wins left out: a floor
        per_day = nnarr.nnarr_by_period(booked, "D", since, as_of - pd.Timedelta(days=1))
        actual = per_day["nnarr"].cumsum()
        actual.index = per_day.index.to_timestamp() + pd.Timedelta(days=1)
        actual = pd.concat([pd.Series([0.0], index=[since]), actual])
        days = pd.date_range(since, as_of, freq="D")
        target = pd.Series([prorated_target(known.targets, (d - since).days) for d in days], index=days)
        title = "NNARR to date vs target" + (" (priced deals only)" if dash.amounts == "partial" else "")
        made.append(("cumulative_nnarr", charts.cumulative_nnarr(actual, target, as_of=as_of, title=title)))

    if known.spend is not None and priced:
        mondays = pd.date_range(max(since + pd.Timedelta(days=30), as_of - pd.Timedelta(weeks=26)), as_of,
                                freq="W-MON")
        trend = pd.Series([nnarr.c2re_trailing(deals, known.spend, m, unpriced="skip").value for m in mondays],
                          index=mondays)
        lo, hi = known.targets.c2re_min, known.targets.c2re_max
        made.append(("c2re_trend", charts.c2re_trend(trend, band=(lo, hi))))

    window = dash.window
    made.append(("stage_split", charts.stage_split(funnel.stage_time_summary(deals, window),
                                                   title=f"Days per stage, last {WINDOW_DAYS} days")))
    cohort = funnel.conversion(deals, (since, as_of))
    won = int(cohort.loc["negotiation", "advanced"]) if "negotiation" in cohort.index else 0
    made.append(("funnel", charts.funnel(cohort, won, title=f"Funnel of deals arrived since {since:%Y-%m-%d}")))

    cycles = cycle.cycle_days(deals)
    quarters = deals.loc[cycles.index, "closed"].dt.to_period("Q")
    made.append(("cycle_by_quarter", charts.cycle_by_quarter(cycles, quarters)))

    if known.resources is not None and len(known.resources):
        usage = utilisation.usage(known.resources, "W", since, as_of)
        made.append(("resources", charts.resource_usage(usage, title="SE and founder: utilisation and queue")))
    return tuple((name, style.png_bytes(fig)) for name, fig in made)


def blocks(dash: Dashboard, images: tuple[tuple[str, bytes], ...]) -> list[page.Block]:
    """The page's blocks in order."""
    last_day = dash.as_of - pd.Timedelta(days=1)
    subtitle = (
        f"Monday {dash.as_of:%d %B %Y} · data up to {last_day:%A %d %B %Y} · NNARR counted from "
        f"{dash.since:%Y-%m-%d}" + (f" · {dash.source}" if dash.source else "")
    )
    pace = dash.pace
    pace_text = f" · NNARR at {pace.pace * 100:.0f} % of plan to date" if not math.isnan(pace.pace) else ""
    result: list[page.Block] = [
        page.Title(f"Weekly CRO dashboard · {dash.week}", subtitle),
        page.Banner(dash.status, status_word(dash.status, dash.pace.unpriced), dash.escalation + pace_text),
        page.Tiles((_nnarr_tile(dash), _c2re_tile(dash), *_runway_tile(dash), _sccr_tile(dash))),
        page.Heading(f"Biggest bottleneck, last {WINDOW_DAYS} days"),
    ]
    if dash.bottleneck is None:
        result.append(page.Callout("No stage visit finished and no deal was lost in the window."))
    else:
        found = dash.bottleneck
        fixes = "; ".join(f.label for f in found.fixes[:3]) or "none in the library for this stage"
        others = " · ".join(f.text for f in dash.findings[1:])
        details = [f"Fixes in the scenario's library: {fixes}."]
        if others:
            details.append(f"Next: {others}.")
        result.append(page.Callout(found.text, tuple(details)))
    if dash.win_rates:
        result.append(page.Notes((win_rates_text(dash),)))
    result += [
        page.Heading("Three suggested actions this week"),
        page.Items(dash.actions),
        page.Heading("Charts"),
        page.Charts(tuple((charts_title(name), png) for name, png in images)),
        page.Heading("Health checks"),
        health_page.block(dash.health),
        page.Heading("Notes"),
        page.Notes(dash.notes + _definitions(dash)),
    ]
    return result


def charts_title(name: str) -> str:
    return name.replace("_", " ")


def _nnarr_tile(dash: Dashboard) -> page.Tile:
    pace = dash.pace
    if pace.unpriced:
        # The big figure is one short word (the PNG's tile has no room for more); the reason follows under it.
        return page.Tile("NNARR to date vs target", "n/a", "nnarr_to_date", None, status="unknown",
                         details=(NO_AMOUNTS_DETAIL,
                                  f"Target to date {style.money(pace.target)}",
                                  f"{dash.nnarr.won} deal(s) won since {dash.since:%Y-%m-%d}, none with an amount"))
    details = [
        f"Target to date {style.money(pace.target)}" + (f" · pace {style.percent(pace.pace)}"
                                                         if not math.isnan(pace.pace) else ""),
        f"{dash.nnarr.won} deal(s) won since {dash.since:%Y-%m-%d}",
    ]
    if dash.nnarr.provisional_deals:
        details.append(f"Provisional: {dash.nnarr.provisional_deals} deal(s) before their 90-day check")
    if dash.nnarr.unpriced_deals:
        details.append(f"Floor: {dash.nnarr.unpriced_deals} won deal(s) without an amount left out")
    return page.Tile("NNARR to date vs target", style.money(dash.nnarr.nnarr), "nnarr_to_date", dash.nnarr.nnarr,
                     status=dash.status, details=tuple(details))


def _c2re_tile(dash: Dashboard) -> page.Tile:
    now, before, arrow = dash.c2re, dash.c2re_previous, dash.c2re_trend
    if dash.amounts == "none":
        return page.Tile("C2RE, trailing 30 days", "n/a", "c2re_30d", None,
                         details=("No deal amounts: C2RE needs NNARR (spend / net new ARR).",))
    if now is None:
        return page.Tile("C2RE, trailing 30 days", "n/a", "c2re_30d", None,
                         details=("No spend table: C2RE needs sales and marketing spend.",))
    value = now.value
    big = style.number(value, 2) if not math.isnan(value) else "n/a"
    row = dash.health[dash.health["metric"] == "c2re_trailing_30d"]
    rated = str(row["status"].iloc[0]) if len(row) else "unknown"
    details = [
        f"Spend {style.money(now.spend)} / NNARR {style.money(now.nnarr)}",
        "Previous 30 days: " + (style.number(before.value, 2) if before and not math.isnan(before.value)
                                else "n/a (no NNARR)"),
        f"Trend {arrow.word}" + ("" if arrow.good is None else (" (better)" if arrow.good else " (worse)")),
    ]
    if math.isnan(value):
        details.insert(0, "No net new ARR closed in these 30 days")
    return page.Tile("C2RE, trailing 30 days", big, "c2re_30d", value,
                     status="unknown" if rated == "n/a" else rated, arrow=arrow.arrow,
                     arrow_class="flat" if arrow.good is None else ("good" if arrow.good else "bad"),
                     details=tuple(details))


def _runway_tile(dash: Dashboard) -> tuple[page.Tile, ...]:
    """Runway beside C2RE (article A: C2RE "directly affects runway"); none without a cash table."""
    r = dash.runway
    if r is None:
        return ()
    name = "Cash runway"
    if r.month is None:
        return (page.Tile(name, "n/a", "runway_months", None, details=("No month has ended since the start yet",)),)
    big = "not burning" if math.isinf(r.months) else "out of cash" if r.balance <= 0 else f"{r.months:.1f} mo"
    burn = (f"Net burn {style.money(r.burn)}/month (trailing 3 months)" if r.burn > 0
            else "Cash in exceeds cash out (trailing 3 months)")
    details = (f"Balance {style.money(r.balance)} at the end of {r.month:%B %Y}", burn,
               "Red under 6 months, yellow under 12")
    return (page.Tile(name, big, "runway_months", r.months if math.isfinite(r.months) else None, status=r.status,
                      details=details),)


def _sccr_tile(dash: Dashboard) -> page.Tile:
    sccr = dash.sccr
    rated = "unknown" if math.isnan(sccr) else ("green" if sccr >= 0 else "yellow")
    previous = dash.quarter - 1
    span = "" if dash.quarter_complete else " so far"
    now = _cycle_text(dash.cycle_days, f"{dash.quarter}{span}", dash.cycle_deals[0])
    details = [
        f"{now[0].upper()}{now[1:]} vs {_cycle_text(dash.previous_cycle_days, str(previous), dash.cycle_deals[1])}",
        "Above 0: the cycle got shorter",
    ]
    few = min(dash.cycle_deals)  # a mean of one or two cycles swings by tens of percent: say so beside the figure
    if not math.isnan(sccr) and few < FEW_CYCLES:
        details.insert(0, f"Few deals: a mean over {few} won deal{'s' if few != 1 else ''} is noise, not a trend")
    if dash.quarter_complete:
        details.insert(0, f"No deal won yet in {dash.quarter + 1}: last full quarter shown")
    name = f"SCCR, {dash.quarter}" + (" (last full quarter)" if dash.quarter_complete else " so far")
    return page.Tile(name, style.percent(sccr, signed=True), "sccr", sccr, status=rated, details=tuple(details))


FEW_CYCLES: Final = 5  # fewer won deals behind either quarter's mean cycle: the SCCR tile says it is noise
WIN_RATE_WORDS: Final = {
    "lead_to_win_rate": ("lead-to-win", "deals closed, disqualified ones included"),
    "pov_win_rate": ("POV win rate", "closed after a POV"),
    "negotiation_win_rate": ("negotiation win rate", "closed after negotiation began"),
}


def win_rates_text(dash: Dashboard) -> str:
    """The three win rates of the window, each with its denominator in words (one rate alone misleads)."""
    parts = [f"{WIN_RATE_WORDS[name][0]} {style.percent(rate.value)} ({rate.successes} of {rate.decided} "
             f"{WIN_RATE_WORDS[name][1]})" for name, rate in dash.win_rates]
    return f"Win rates, last {WINDOW_DAYS} days: " + " · ".join(parts)


def _cycle_text(days: float, when: str, deals: int) -> str:
    """"mean won cycle 120 days (8 deals) in 2027Q4", or "no deal won in 2027Q4" (never "n/a days").

    >>> _cycle_text(120.4, "2027Q4 so far", 8)
    'mean won cycle 120 days (8 deals) in 2027Q4 so far'
    >>> _cycle_text(64.0, "2027Q4", 1), _cycle_text(float("nan"), "2027Q3", 0)
    ('mean won cycle 64 days (1 deal) in 2027Q4', 'no deal won in 2027Q3')
    """
    if math.isnan(days):
        return f"no deal won in {when}"
    return f"mean won cycle {style.number(days, 0)} days ({deals} deal{'s' if deals != 1 else ''}) in {when}"


def _definitions(dash: Dashboard) -> tuple[str, ...]:
    return (
        "Status: NNARR to date as a share of the target pro-rated to today; green at or above green_at "
        "(default 100 %), yellow at or above yellow_at (default 80 %), red below ([targets] in the scenario). "
        "Green: continue. Yellow: schedule a 30-minute call. Red: emergency meeting with product and finance.",
        "C2RE = sales and marketing spend (CRO fee included) / NNARR over the same 30 days; lower is better; "
        "the arrow compares with the 30 days before.",
        "SCCR = reduction of the mean cycle (inquiry to close, won deals) of this quarter so far vs last quarter.",
        f"Bottleneck: over the last {WINDOW_DAYS} days, a solution-engineer or founder queue that was at least 95 % "
        "busy with deals still waiting, else the stage or queue with the largest share of deal-days (deals still "
        "there included) plus share of lost deals; disqualified deals are the data-quality filter working and are "
        "not counted as lost.",
    )
