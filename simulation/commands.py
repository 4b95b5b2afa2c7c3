"""``funnelsim run``, ``validate`` and ``schema``: the engine's own commands."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulation.file_schema import fix_file_schema, scenario_file_schema
from simulation.out_folder import claimed, not_inputs
from simulation.outputs import write_csv, write_text
from simulation.scenario import Scenario
from simulation.tables import EXTRA_TABLES, RESOURCE_NAMES, TABLES, describe

if TYPE_CHECKING:
    from simulation.engine import Outcome


def warn_about_fixes(command: str, *scenarios: Scenario) -> None:
    """Print the warnings of the scenarios' resolved fixes (no effect, clipped, replaced by a later fix) on stderr,
    each once, in stacking order: they do not stop a run, but a fix that does nothing should not go unnoticed."""
    seen: dict[str, None] = {}
    for scenario in scenarios:
        for fix in sorted(scenario.fixes, key=lambda f: f.start_day):
            seen.update(dict.fromkeys(fix.warnings))
    for warning in seen:
        print(f"funnelsim {command}: warning: {warning}", file=sys.stderr)


def scenarios_command(args: argparse.Namespace) -> int:
    from simulation.shipped import listing

    print(listing())
    return 0


def run_command(args: argparse.Namespace) -> int:
    from simulation.loader import load_scenario  # each command loads what it uses when it runs
    scenario = load_scenario(args.scenario, args.fix)
    warn_about_fixes("run", scenario)
    inputs = [args.scenario, *args.fix, *([Path(scenario.pipeline.csv)] if scenario.pipeline.csv else [])]
    not_inputs([args.out / f"{name}.csv" for name in (*TABLES, *EXTRA_TABLES)] + [args.out / "scenario.json"], inputs)
    from simulation.engine import simulate  # the engine and pandas load only for the command that runs them

    with claimed(args.out, "run"):
        outcome = simulate(scenario, args.seed)
        write_outcome(outcome, args.out)
        write_text(args.out / "scenario.json", scenario.model_dump_json(indent=2, by_alias=True) + "\n")
    print(summary(scenario, outcome, args.seed))
    written = ", ".join(f"{name}.csv" for name in outcome.tables())
    print(f"tables written to {args.out}/ ({written}, scenario.json)")
    return 0


def write_outcome(outcome: Outcome, folder: Path) -> None:
    """Write the four tables and the optional ones the scenario turned on as CSV, each atomically. Nothing is
    deleted: an optional table an earlier run left in ``folder`` stays, and readers take it only when the run's
    ``scenario.json`` turns its mechanism on."""
    for name, table in outcome.tables().items():
        write_csv(table, folder / f"{name}.csv")


def summary(scenario: Scenario, outcome: Outcome, seed: int) -> str:
    """A few lines a person reads after a run: prospects, POVs, won, ARR, median cycle."""
    deals = outcome.deals
    new = deals[deals["id"].str.startswith("D")]
    returned = int(deals["id"].str.startswith("R-").sum())  # [market]: accounts back after cooling off
    won = deals[deals["outcome"] == "won"]
    cycle = (won["closed"] - won["arrived"]).dt.total_seconds() / 86400
    end = outcome.start_date + dt.timedelta(days=outcome.horizon_days)
    counts = deals["outcome"].value_counts()
    fixes = ", ".join(f"{f.name} (day {f.start_day:g})" for f in scenario.fixes) or "none"
    origin = f"after a {outcome.warmup_days:g}-day warm-up" if outcome.warmup_days else "as given in [pipeline]"
    from simulation import capacity

    lines = [
        f"{scenario.name} | seed {seed} | {outcome.start_date:%Y-%m-%d} to {end:%Y-%m-%d} | fixes: {fixes}",
        f"  prospects   {len(new):>6}  new, plus {len(deals) - len(new) - returned} open at the start ({origin})",
        f"  POVs        {int(deals['pov_started'].notna().sum()):>6}  started"
        f" ({int(deals['pov_completed'].fillna(False).sum())} completed)",
        f"  won         {counts.get('won', 0):>6}  lost {counts.get('lost', 0)}, disqualified "
        f"{counts.get('disqualified', 0)}, still open {counts.get('open', 0)}",
        f"  ARR booked  {won['acv'].sum():>14,.0f} USD  (after 90-day churn/contraction where known: "
        f"{won['acv_after_90d'].fillna(won['acv']).sum():,.0f})",
        f"  median won cycle  {cycle.median():.0f} days" if len(won) else "  median won cycle  n/a (no wins)",
        f"  gave up     {int((deals['lost_stage'] == 'pov_queue').sum()):>6}  waiting for an engineer",
    ]
    if "market" in outcome.extra:
        from simulation.market import summary_line

        lines.append("  " + summary_line(outcome.extra["market"], returned))
    for name in RESOURCE_NAMES:
        trend = capacity.queue_trend(outcome.resources, name, outcome.start_date, outcome.horizon_days, deals)
        lines.append("  " + trend.line())
    return "\n".join(lines)


def validate_command(args: argparse.Namespace) -> int:
    from simulation import capacity
    from simulation.loader import load_scenario
    from simulation.relative import readable, written
    from simulation.scenario import regimes
    from simulation.warmup import warmup_days

    scenario = load_scenario(args.scenario, args.fix)
    timeline = regimes(scenario)
    print(f"{args.scenario}: valid scenario {scenario.name!r}, {scenario.scenario.horizon_days} days from "
          f"{scenario.scenario.start_date}")
    for fix in sorted(scenario.fixes, key=lambda f: f.start_day):
        changed = ", ".join(key for key, _, _ in fix.changes)
        print(f"  fix {fix.name} from day {fix.start_day:g}: {changed}  ({fix.source})")
        for key, before, after in fix.changes:
            section, name = key.split(".", 1)
            given = written(fix, section, name)
            print(f"    {key}: {readable(before)} -> {readable(after)}" + (f"  ({given})" if given else ""))
    print(f"  {len(timeline)} parameter regime(s)")
    warm = warmup_days(scenario)
    print(f"  warm-up: {warm:g} days on the base parameters before the start date" if warm else
          "  warm-up: none (the run starts from [pipeline] or empty)")
    for line in capacity.report(scenario):
        print(f"  {line}")
    if scenario.market is not None:
        from simulation.market import report

        print(f"  {report(scenario)}")
    warn_about_fixes("validate", scenario)
    return 0


def schema_command(args: argparse.Namespace) -> int:
    if args.tables:
        for name, table in TABLES.items():
            print(f"## {name}\n{describe(table)}\n")
        for name, table in EXTRA_TABLES.items():
            print(f"## {name} (only when the scenario turns it on)\n{describe(table)}\n")
        return 0
    schemas = {"scenario": scenario_file_schema(), "fix": fix_file_schema()}
    chosen = schemas if args.kind is None else {args.kind: schemas[args.kind]}
    json.dump(chosen if args.kind is None else chosen[args.kind], sys.stdout, indent=2, default=str)
    print()
    return 0
