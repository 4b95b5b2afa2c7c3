"""The monthly KPI autopsy as a page (HTML and PNG, via :mod:`analysis.report.page`) and as CSV rows."""

from __future__ import annotations

import math

import pandas as pd

from analysis import style
from analysis.report import charts, page
from analysis.report.autopsy import Autopsy
from analysis.report.bottleneck import LABELS


def counts_by_stage(autopsy: Autopsy) -> pd.DataFrame:
    """Deals lost and delayed per stage (rows in funnel order, labelled)."""
    table = autopsy.deals
    if table.empty:
        return pd.DataFrame(columns=["lost", "delayed"])
    counts = pd.crosstab(table["stage"], table["status"]).reindex(columns=["lost", "delayed"], fill_value=0)
    order = [s for s in LABELS if s in counts.index] + [s for s in counts.index if s not in LABELS]
    counts = counts.reindex(order)
    counts.index = [LABELS.get(s, s) for s in counts.index]
    return counts


def blocks(autopsy: Autopsy) -> list[page.Block]:
    table = autopsy.deals
    lost = table[table["status"] == "lost"]
    late = table[table["status"] == "delayed"]
    month = autopsy.month.strftime("%B %Y")
    median = autopsy.median_cycle_days
    subtitle = (
        f"Deals as the CRM showed them on {autopsy.as_of:%d %B %Y} 00:00"
        + (f" · {autopsy.source}" if autopsy.source else "")
    )
    threshold = (
        f"open > {autopsy.threshold_days:.0f} days (median won cycle {median:.0f} + {autopsy.delay_days:.0f})"
        if not math.isnan(median) else "no won deal yet: no median cycle to measure delays against"
    )
    tiles = page.Tiles((
        page.Tile("Lost this month", str(len(lost)), "lost_deals", float(len(lost)),
                  status="red" if len(lost) else "green",
                  details=(f"Potential NNARR {style.money(float(lost['acv'].sum()))}",
                           f"{autopsy.disqualified} more disqualified at the data-quality check")),
        page.Tile("Delayed at month end", str(len(late)), "delayed_deals", float(len(late)),
                  status="yellow" if len(late) else "green",
                  details=(f"ACV at stake {style.money(float(late['acv'].sum()))}",
                           f"{int(late['newly_delayed'].sum())} newly delayed this month", threshold)),
        page.Tile("Median won cycle", style.number(median, 0) + " d", "median_cycle_days",
                  None if math.isnan(median) else median,
                  details=("Inquiry to close, deals won before the month end",)),
    ))
    systemic = autopsy.systemic()
    blocks_: list[page.Block] = [
        page.Title(f"KPI autopsy · {month}", subtitle),
        tiles,
        page.Heading("Systemic changes: where deals were lost or stuck, and the fix for that stage"),
    ]
    if autopsy.bottleneck:
        blocks_.insert(2, page.Callout(f"Biggest bottleneck this month: {autopsy.bottleneck}"))
    if systemic.empty:
        blocks_.append(page.Callout("No deal was lost or delayed this month."))
    else:
        blocks_.append(page.Table(
            ("Status", "Stage", "Deals", "ACV", "KPIs hit", "Fix from the library"),
            tuple((str(r.status), str(r.stage_label), str(r.deals), style.money(float(r.acv)), str(r.kpis),
                   str(r.fix_summary or r.fix)) for r in systemic.itertuples(index=False)),
            status_column=None, numeric=frozenset({2, 3}), widths=(0.9, 2.0, 0.7, 0.9, 2.6, 3.8),
        ))
    blocks_.append(page.Charts((("lost and delayed by stage",
                                 style.png_bytes(charts.losses_and_delays(counts_by_stage(autopsy)))),),
                               columns=1))
    blocks_.append(page.Heading("Every deal lost or delayed"))
    if table.empty:
        blocks_.append(page.Notes(("None.",)))
    else:
        blocks_.append(page.Table(
            ("Deal", "Status", "Tier", "ACV", "Stage", "Days open", "In stage", "KPIs hit", "Impact", "Fix"),
            tuple(_deal_row(r) for r in table.itertuples(index=False)),
            numeric=frozenset({3, 5, 6}), widths=(1.0, 0.9, 0.7, 0.9, 1.8, 0.8, 0.8, 2.2, 1.7, 1.8),
        ))
    blocks_.append(page.Heading("Notes"))
    blocks_.append(page.Notes((
        "Lost: closed lost during the month, in the stage it was lost in. Delayed: still open at month end and "
        f"open longer than the median won cycle plus {autopsy.delay_days:.0f} days (--delay-days).",
        "Disqualified deals are the data-quality filter working as designed and are counted, not dissected.",
        "KPIs hit follow the definitions: QTE velocity runs from data access to signed or dropped, so a deal stuck "
        "after data access slows it; a POV that stalls lowers the completion rate and POV-to-pipeline.",
        "Fixes come from the scenario's fixes library, matched to the stage by the parameters each fix changes.",
    )))
    return blocks_


def _deal_row(r: object) -> tuple[str, ...]:
    get = r.__getattribute__
    status = str(get("status")) + (" (new)" if get("newly_delayed") else "")
    acv = float(get("acv"))
    in_stage = float(get("days_in_stage"))
    tier = get("tier")
    return (
        str(get("deal")), status, "" if pd.isna(tier) else str(tier), style.money(acv), str(get("stage_label")),
        f"{float(get('days_open')):.0f}", "" if math.isnan(in_stage) else f"{in_stage:.0f}", str(get("kpis")),
        str(get("impact")), str(get("fix")),
    )
