"""``funnelsim import``, ``calibrate`` and ``backtest``: from a CRM export to a scenario, and back to the actuals.

::

    funnelsim import EXPORT.csv --mapping M.toml --out deals.csv
    funnelsim calibrate EXPORT.csv --mapping M.toml --out scenarios/acme.toml [--base scenarios/ai_startup.toml]
    funnelsim backtest EXPORT.csv --mapping M.toml --scenario scenarios/acme.toml --reps 50 --out DIR
    funnelsim backtest EXPORT.csv --mapping M.toml --scenario BASE.toml --holdout 0.3 --reps 50 --out DIR
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import pandas as pd

from analysis.crm.backtest import Window, as_seen_at, backtest, summary_lines
from analysis.crm.backtest_charts import write_charts
from analysis.crm.calibrate import DAY, calibrate, window
from analysis.crm.calibration_scenario import write_scenario
from analysis.crm.exports import CrmError, ImportReport, import_deals
from analysis.crm.mapping import Mapping, load_mapping
from analysis.crm.window import DEALS_SCHEMA_REQUIRED, is_deals_schema, read_deals_table, steady_start
from simulation.errors import InputError
from simulation.loader import load_scenario
from simulation.out_folder import claimed, not_inputs, prepare
from simulation.outputs import write_csv, write_text
from simulation.parameter_draw import switched


def _inputs(args: argparse.Namespace, mapping: Mapping | None = None) -> list[Path]:
    """The files the command reads: an output must never replace one of them."""
    found = [args.export, args.mapping, getattr(args, "base", None), getattr(args, "scenario", None)]
    if mapping is not None and mapping.source.join is not None:
        found.append(args.export.parent / mapping.source.join.file)
    return [p for p in found if p is not None]


def _load(args: argparse.Namespace, outputs: list[Path]) -> tuple[pd.DataFrame, ImportReport | None, Mapping | None]:
    not_inputs(outputs, _inputs(args))
    if args.mapping is None:
        if not is_deals_schema(args.export):
            raise CrmError(f"{args.export}: not in funnelsim's deals schema (needs the columns "
                           f"{', '.join(DEALS_SCHEMA_REQUIRED)}, and no others than the schema's); give --mapping")
        return read_deals_table(args.export), None, None
    mapping = load_mapping(args.mapping)
    not_inputs(outputs, _inputs(args, mapping))
    deals, report = import_deals(args.export, mapping, max_rows=args.max_rows)
    for line in report.lines():
        print(line, file=sys.stderr)
    if args.strict and report.skipped:
        reason, count = report.skipped.most_common(1)[0]
        raise CrmError(f"{args.export}: --strict: {count} row(s) skipped: {reason} "
                       f"(e.g. {report.examples[reason][0]})")
    return deals, report, mapping


def _dates(args: argparse.Namespace, mapping: Mapping | None) -> dict[str, pd.Timestamp | None]:
    if mapping is None:  # a table in the deals schema: the window from --since, or where arrivals are steady
        return {"as_of": None, "since": args.since, "created_until": None}
    source = mapping.source
    since = args.since if args.since is not None else source.complete_from
    return {
        "as_of": pd.Timestamp(source.as_of) if source.as_of else None,
        "since": pd.Timestamp(since) if since is not None else None,
        "created_until": pd.Timestamp(source.created_until) if source.created_until else None,
    }


def import_command(args: argparse.Namespace) -> int:
    prepare(args.out, folder=False)
    deals, _, _ = _load(args, [args.out])
    write_csv(deals, args.out)
    print(f"{len(deals)} deals written to {args.out}")
    return 0


def calibrate_command(args: argparse.Namespace) -> int:
    prepare(args.out, folder=False)
    deals, _, mapping = _load(args, [args.out])
    dates = _dates(args, mapping)
    cal = calibrate(deals, source=str(args.export), durations=args.durations, **dates)
    command = "funnelsim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else "funnelsim calibrate"
    scenario = write_scenario(cal, args.base, args.out, command)
    arr = cal.arrivals
    rate = (f"win rate {cal.win_rate.value:.3f}" if cal.dated_losses
            else f"won by the export date / created {cal.conversion.value:.3f} (the export records wins only)")
    if dates["since"] is None:
        print(steady_start(deals).line())
    for line in cal.seasonality.lines() if cal.seasonality else []:
        print(f"seasonality: {line}")
    print(f"calibrated {scenario.name!r} from {cal.deals} deals ({cal.start.date()} .. {(cal.end - DAY).date()}): "
          f"{arr.rate_per_week.value:.2f} arrivals/week, {rate}; written to {args.out}")
    return 0


def backtest_command(args: argparse.Namespace) -> int:
    if args.reps < 2:
        raise InputError(f"--reps: {args.reps}: a band needs at least 2 replications")
    if args.holdout is not None and not 0 < args.holdout < 1:
        raise InputError(f"--holdout: {args.holdout}: give the scored share of the window, between 0 and 1")
    outputs = [args.out / n for n in ("monthly.csv", "coverage.csv", "scores.csv", "rates.csv", "summary.txt",
                                        "holdout_scenario.toml")]
    deals, _, mapping = _load(args, outputs)
    with claimed(args.out, "backtest"):
        return _backtest(args, deals, mapping)


def _backtest(args: argparse.Namespace, deals: pd.DataFrame, mapping: Mapping | None) -> int:
    dates = _dates(args, mapping)
    start, end = window(deals, dates["as_of"], dates["since"])
    until = dates["created_until"]
    arrivals_end = min(end, until.normalize() + DAY) if until is not None else end
    test_from = None
    if args.holdout is None:
        scenario = switched(load_scenario(args.scenario), args.parameter_uncertainty, args.scenario)
    else:
        test_from = _split(start, end, args.holdout)
        train = as_seen_at(deals, test_from)
        cal = calibrate(train, source=f"{args.export} as seen on {test_from.date()}", as_of=test_from - DAY,
                        since=start, created_until=min(arrivals_end, test_from) - DAY, durations=args.durations)
        command = f"funnelsim backtest --holdout {args.holdout} (training part of {args.export})"
        scenario = write_scenario(cal, args.scenario, args.out / "holdout_scenario.toml", command)
        scenario = switched(scenario, args.parameter_uncertainty, args.out / "holdout_scenario.toml")
    result = backtest(deals, scenario, Window(start, end, arrivals_end, test_from), reps=args.reps, seed=args.seed)
    write_csv(result.monthly, args.out / "monthly.csv")
    write_csv(result.coverage, args.out / "coverage.csv")
    write_csv(result.scores, args.out / "scores.csv")
    write_csv(result.rates, args.out / "rates.csv")
    lines = summary_lines(result)
    write_text(args.out / "summary.txt", "\n".join(lines) + "\n")
    charts = write_charts(result, args.out, Path(args.mapping or args.export).stem)
    print("\n".join(lines))
    print(f"written to {args.out}/: monthly.csv, coverage.csv, scores.csv, rates.csv, summary.txt, "
          + ", ".join(p.name for p in charts) + (", holdout_scenario.toml" if test_from is not None else ""))
    return 0


def _split(start: pd.Timestamp, end: pd.Timestamp, holdout: float) -> pd.Timestamp:
    """The first day of the scored part: the month start nearest to the last ``holdout`` share of the window."""
    raw = start + (end - start) * (1 - holdout)
    month = raw.to_period("M").to_timestamp()
    nearest = month if raw - month < month + pd.offsets.MonthBegin(1) - raw else month + pd.offsets.MonthBegin(1)
    if not start < nearest < end:
        raise InputError(f"--holdout: {holdout}: leaves no whole month to train or to score")
    return pd.Timestamp(nearest)
