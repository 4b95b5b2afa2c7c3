"""``funnelsim kpis``: the KPIs of any deals table that follows the schema, as CSV files and a readable table.

The input is a ``funnelsim run`` output or a CRM export mapped to :data:`simulation.tables.DEALS`; ``--spend`` and
``--revenue`` add C2RE, CAC, GRR/NRR and deployed model revenue. A missing column or an unparseable date stops
with one line naming the file and the column (exit status 2). Deal amounts are optional: without them (or with
some missing) the amount-based KPIs are n/a (or partial) and one printed note says which and why.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import pandas as pd

from analysis import style
from analysis.kpi import bottlenecks, cycle, funnel, nnarr
from analysis.kpi.kpis import METRICS, amount_note, health_table, kpi_summary
from analysis.kpi.periods import DAY, PeriodError, PeriodLike, as_period, label, period_range, timestamp
from analysis.report.inputs import read_scenario_json
from simulation.errors import InputError
from simulation.loader import load_scenario
from simulation.out_folder import claimed, not_inputs
from simulation.outputs import write_csv
from simulation.scenario import Targets
from simulation.tables import DEALS, REQUIRED, TABLES, read_csv

DEALS_REQUIRED = ("id", "arrived", "closed", "outcome")
OUTPUT_FILES = ("kpis.csv", "health.csv", "nnarr_by_tier.csv", "nnarr_by_channel.csv", "sccr.csv", "funnel.csv",
                "stage_times.csv", "bottlenecks.csv")
STATUS_MARK = {"green": "G", "yellow": "Y", "red": "R", "n/a": "-"}


def parse_period(text: str) -> PeriodLike:
    """A command-line period: a pandas period string, or ``START:END`` with the END day included."""
    if ":" in text:
        start, _, end = text.partition(":")
        first, last = timestamp(start.strip()), timestamp(end.strip())
        if last < first:
            raise PeriodError(f"period {text!r} ends before it starts")
        return (first, last.normalize() + DAY)
    return as_period(text.strip())


def scenario_targets(args: argparse.Namespace) -> Targets:
    """The targets that judge the KPIs: ``--scenario``, else the run folder's ``scenario.json``, else the articles'
    thresholds; ``--nnarr-target`` overrides the 6-month NNARR target."""
    targets = Targets()
    if args.scenario is not None:
        targets = load_scenario(args.scenario).targets
    elif args.deals.is_dir() and (args.deals / "scenario.json").exists():
        targets = read_scenario_json(args.deals / "scenario.json").targets
    if args.nnarr_target:
        targets = targets.model_copy(update={"nnarr_6_months": args.nnarr_target})
    return targets


def load_tables(
    args: argparse.Namespace,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]:
    """deals, spend, revenue, resources: from the options, else from the run folder where it has them."""
    paths = {"spend": args.spend, "revenue": args.revenue, "resources": args.resources}
    deals_path = args.deals
    if deals_path.is_dir():
        folder = deals_path
        deals_path = folder / "deals.csv"
        for name, given in paths.items():
            paths[name] = given or (folder / f"{name}.csv" if (folder / f"{name}.csv").exists() else None)
    deals = read_csv(deals_path, DEALS, required=DEALS_REQUIRED, check_values=True)
    spend, revenue, resources = (
        read_csv(path, TABLES[name], required=REQUIRED[name]) if path else None for name, path in paths.items()
    )
    return deals, spend, revenue, resources


def kpis_command(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"{args.out}: --out exists and is not a folder")
    deals, spend, revenue, resources = load_tables(args)
    inputs = [args.deals, args.spend, args.revenue, args.resources]
    if args.deals.is_dir():
        inputs += [args.deals / f"{n}.csv" for n in ("deals", "spend", "revenue", "resources")]
    not_inputs([args.out / name for name in OUTPUT_FILES], inputs)
    with claimed(args.out, "kpis"):
        return _kpis(args, deals, spend, revenue, resources)


def _kpis(args: argparse.Namespace, deals: pd.DataFrame, spend: pd.DataFrame | None,
          revenue: pd.DataFrame | None, resources: pd.DataFrame | None) -> int:
    periods: list[PeriodLike | None] = [parse_period(p) for p in args.period]
    if not periods:
        spans = [deals["closed"], *([spend["month"]] if spend is not None else [])]
        periods = [*period_range(spans, args.freq), None]
    targets = scenario_targets(args)
    as_of = timestamp(args.as_of) if args.as_of else None
    options: dict[str, Any] = {
        "spend": spend, "revenue": revenue, "as_of": as_of, "quota": args.quota, "targets": targets,
    }
    summaries = {label(p): kpi_summary(deals, p, **options) for p in periods}

    table = pd.DataFrame(summaries)
    table = table.reindex([m for m in METRICS if m in table.index])
    health = health_table(summaries, targets)
    write_csv(table.rename_axis("metric").reset_index(), args.out / "kpis.csv")
    write_csv(health, args.out / "health.csv")
    for by in ("tier", "channel"):
        frames = [nnarr.nnarr_by(deals, p, by, unpriced="skip").reset_index().assign(period=label(p)) for p in periods]
        write_csv(pd.concat(frames, ignore_index=True), args.out / f"nnarr_by_{by}.csv")
    sccr = pd.DataFrame({"cycle_days": cycle.average_cycle(deals, "Q"), "sccr": cycle.sccr(deals)})
    write_csv(sccr.rename_axis("quarter").reset_index().astype({"quarter": str}), args.out / "sccr.csv")
    write_csv(funnel.conversion(deals).reset_index(), args.out / "funnel.csv")
    write_csv(funnel.stage_time_summary(deals).reset_index(), args.out / "stage_times.csv")
    write_csv(bottlenecks.ranking(deals, None, resources).reset_index(), args.out / "bottlenecks.csv")

    print(render(table, health))
    note = amount_note(deals, list(table.index))
    if note:
        print(f"\nnote: {note}")
    found = bottlenecks.biggest(deals, None, resources)
    if found is not None:
        print(f"\nbiggest bottleneck (all time): {found.text} (bottlenecks.csv)")
    print(
        f"\nwritten to {args.out}/ (kpis.csv, health.csv, nnarr_by_tier.csv, nnarr_by_channel.csv, sccr.csv, "
        "funnel.csv, stage_times.csv, bottlenecks.csv)"
    )
    return 0


def format_value(value: float, kind: str) -> str:
    """A metric value for people: dollars with thousands separators, shares as percentages, days with one decimal
    (what rounds to zero has no sign: never "-0.0%")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "usd":
        return f"${value:,.0f}" if round(value) else "$0"
    if kind == "pct":
        return f"{style.signed_text(value * 100, 1)}%"
    if kind == "ratio":
        return style.signed_text(value, 2)
    if kind in ("days", "months"):
        return style.signed_text(value, 1)
    if kind == "flag":
        return "yes" if value else "no"
    return f"{value:,.0f}"


def render(table: pd.DataFrame, health: pd.DataFrame) -> str:
    """The KPI table as aligned text; a health mark (G/Y/R) follows each checked value."""
    marks = {(row.period, row.metric): STATUS_MARK[row.status] for row in health.itertuples()}
    header = ["metric", *table.columns]
    rows = []
    for metric, values in table.iterrows():
        kind = METRICS[str(metric)][1]
        cells = []
        for period, value in values.items():
            mark = marks.get((str(period), str(metric)))
            text = format_value(float(value), kind)
            cells.append(f"{text} {mark}" if mark else text)
        rows.append([str(metric), *cells])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    legend = "health: G green, Y yellow, R red, - not measurable (thresholds of articles A and B; see health.csv)"
    return "\n".join([*lines, "", legend])
