"""``funnelsim dashboard``, ``autopsy`` and ``health``: the fractional CRO's reports as files.

* ``funnelsim dashboard RUN_DIR_OR_DEALS --week 2027-W26 --out DIR`` writes ``dashboard-2027-W26.html``
  (self-contained), ``.png`` (the same page) and ``.json`` (the page's numbers); ``--charts`` adds each chart as
  its own PNG in ``charts-2027-W26/``.
* ``funnelsim autopsy RUN_DIR_OR_DEALS --month 2027-06 --out DIR`` writes ``autopsy-2027-06.csv`` (one row per
  deal lost or delayed), ``.html`` and ``.png``.
* ``funnelsim health RUN_DIR_OR_DEALS --week 2027-W26 --out DIR`` writes ``health-2027-W26.csv`` and ``.html``.

Inputs and defaults (targets, start date, fixes library) are described in :mod:`analysis.report.inputs`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from analysis.kpi.periods import bounds
from analysis.report import (
    autopsy,
    autopsy_page,
    coverage,
    dashboard,
    dashboard_page,
    health_page,
    inputs,
    page,
    page_png,
)
from analysis.report.dashboard import Tables
from simulation.errors import InputError
from simulation.out_folder import claimed, not_inputs
from simulation.outputs import atomic_path, write_csv, write_text


def _sources(args: argparse.Namespace) -> list[Path]:
    """The files a report reads (an output must never replace one of them)."""
    found = [args.source, args.scenario, args.spend, args.revenue, args.resources]
    if args.source.is_dir():
        found += [args.source / n for n in ("deals.csv", "spend.csv", "revenue.csv", "resources.csv", "cash.csv",
                                            "scenario.json")]
    return [p for p in found if p is not None]


def _load(args: argparse.Namespace) -> Tables:
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"{args.out}: --out exists and is not a folder")
    return inputs.load(
        args.source,
        scenario=args.scenario,
        since=args.since,
        fixes=args.fixes,
        spend=args.spend,
        revenue=args.revenue,
        resources=args.resources,
    )


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_dashboard(tables: Tables, week: str, out: Path, *, charts: bool = False) -> dict[str, Path]:
    """Build and write the dashboard of ``week``; returns the written files by kind."""
    dash = dashboard.build(tables, week)
    images = dashboard_page.chart_set(tables.as_of(dash.as_of), dash)
    blocks = dashboard_page.blocks(dash, images)
    stem = out / f"dashboard-{dash.week}"
    files = {"html": stem.with_suffix(".html"), "png": stem.with_suffix(".png"), "json": stem.with_suffix(".json")}
    write_text(files["html"], page.to_html(blocks, f"CRO dashboard {dash.week}"))
    write_bytes(files["png"], page_png.render(blocks))
    payload = {
        **dash.numbers(),
        "actions": list(dash.actions),
        "findings": [{"stage": f.stage, "text": f.text, "fixes": [x.name for x in f.fixes]} for f in dash.findings],
        "health": json.loads(dash.health.to_json(orient="records")),
        "notes": list(dash.notes),
    }
    write_text(files["json"], json.dumps(payload, indent=2) + "\n")
    if charts:
        folder = out / f"charts-{dash.week}"
        for name, png in images:
            write_bytes(folder / f"{name}.png", png)
        files["charts"] = folder
    return files


def write_autopsy(tables: Tables, month: str, out: Path, *, delay_days: float) -> autopsy.Autopsy:
    """Build and write the autopsy of ``month`` (CSV, HTML, PNG); returns it."""
    result = autopsy.build(tables, month, delay_days)
    blocks = autopsy_page.blocks(result)
    stem = out / f"autopsy-{result.month}"
    files = {"csv": stem.with_suffix(".csv"), "html": stem.with_suffix(".html"), "png": stem.with_suffix(".png")}
    html = page.to_html(blocks, f"KPI autopsy {result.month}")  # built first: a page that fails writes nothing
    png = page_png.render(blocks)
    write_csv(autopsy.csv_table(result), files["csv"])
    write_text(files["html"], html)
    write_bytes(files["png"], png)
    return result


def dashboard_command(args: argparse.Namespace) -> int:
    tables = _load(args)
    monday = dashboard.week_start(args.week)
    coverage.check_week(args.week, monday, tables)  # before --out is touched
    week = dashboard.week_label(monday)
    not_inputs([args.out / f"dashboard-{week}.{x}" for x in ("html", "png", "json")], _sources(args))
    with claimed(args.out, "dashboard"):
        files = write_dashboard(tables, args.week, args.out, charts=args.charts)
    summary = json.loads(files["json"].read_text(encoding="utf-8"))
    word = dashboard_page.status_word(summary["status"], summary.get("amounts") == "none").upper()
    print(f"{summary['week']}: {word} - {summary['escalation']}")
    if summary["bottleneck_text"]:
        print(f"  biggest bottleneck: {summary['bottleneck_text']}")
    print("  written: " + ", ".join(str(p) for p in files.values()))
    return 0


def autopsy_command(args: argparse.Namespace) -> int:
    tables = _load(args)
    month = autopsy.month_of(args.month)
    coverage.check_month(args.month, *bounds(month), tables)  # before --out is touched
    not_inputs([args.out / f"autopsy-{month}.{x}" for x in ("csv", "html", "png")], _sources(args))
    with claimed(args.out, "autopsy"):
        result = write_autopsy(tables, args.month, args.out, delay_days=args.delay_days)
    print(f"{args.month}: {len(result.deals)} deal(s) lost or delayed")
    if result.bottleneck:
        print(f"  biggest bottleneck: {result.bottleneck}")
    stem = args.out / f"autopsy-{result.month}"
    print("  written: " + ", ".join(str(stem.with_suffix(s)) for s in (".csv", ".html", ".png")))
    return 0


def health_command(args: argparse.Namespace) -> int:
    tables = _load(args)
    dash = dashboard.build(tables, args.week)
    stem = args.out / f"health-{dash.week}"
    not_inputs([stem.with_suffix(".csv"), stem.with_suffix(".html")], _sources(args))
    subtitle = f"As of Monday {dash.as_of:%d %B %Y} 00:00" + (f" · {dash.source}" if dash.source else "")
    note = dashboard.amount_note(tables, dash.nnarr, dash.amounts)
    found = dash.bottleneck
    extra = ((f"Biggest bottleneck, last {dashboard.WINDOW_DAYS} days: {found.text}",) if found else ()) + (
        (note,) if note else ())
    page_html = health_page.report(dash.health, title=f"Health checks · {dash.week}", subtitle=subtitle,
                                   extra_notes=extra)
    with claimed(args.out, "health"):
        write_csv(dash.health, stem.with_suffix(".csv"))
        write_text(stem.with_suffix(".html"), page_html)
    for row in dash.health.itertuples(index=False):
        print(f"  {row.status:<6} {row.label:<48} {row.shown:>10}  {row.advice}")
    for line in extra:
        print(f"  note: {line}")
    print(f"  written: {stem.with_suffix('.csv')}, {stem.with_suffix('.html')}")
    return 0
