"""``funnelsim plan``: the engagement plan (issue 17), from a scenario file or a CRM export to one page.

::

    funnelsim plan SCENARIO.toml --out DIR [--fixes DIR] [--reps 200] [--seed 0] [--probability 0.7]
    funnelsim plan EXPORT.csv --mapping M.toml --out DIR [--spend SPEND.csv] ...

With an export, the deals are imported through the mapping and calibrated (what ``funnelsim import`` and
``calibrate`` do), and the calibrated scenario is written to ``DIR/calibrated_scenario.toml`` and planned. The
command builds the list of sections (:mod:`analysis.plan`) and writes ``plan.html``, ``plan.png``, ``plan.md`` and
one ``<section>.csv`` per section table.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Final, NamedTuple

import pandas as pd

from analysis.crm.calibrate import MIN_AMOUNTS, Calibration, calibrate, window
from analysis.crm.calibration_scenario import carried, unseen, write_scenario
from analysis.crm.exports import CrmError, import_deals
from analysis.crm.mapping import Mapping, load_mapping
from analysis.crm.window import is_deals_schema, read_deals_table
from analysis.montecarlo.fast_reducer import reduce_record
from analysis.plan import markdown, page
from analysis.plan.comp_options import comp_options
from analysis.plan.cro_choice import cro_choice
from analysis.plan.fixes import Key, fixes
from analysis.plan.runs import Runs
from analysis.plan.section import Section
from analysis.plan.standing import standing
from analysis.plan.target import plan_scenario, target
from analysis.plan.trust import trust
from analysis.report.fix_library import default_library
from simulation.backends import Backend, SerialBackend, make_backend
from simulation.commands import warn_about_fixes
from simulation.engine import simulate
from simulation.errors import InputError
from simulation.loader import load_scenario
from simulation.out_folder import claimed, not_inputs
from simulation.outputs import atomic_path, write_csv, write_text
from simulation.scenario import Scenario
from simulation.tables import REQUIRED, SPEND, read_csv

PAGE_FILES: Final = ("plan.html", "plan.png", "plan.md")
SECTION_KEYS: Final = ("standing", "trust", "fixes", "target", "comp", "cro")
CALIBRATED: Final = "calibrated_scenario.toml"
TITLE_CHARS: Final = 40


def plan_command(args: argparse.Namespace) -> int:
    if not 0 < args.probability < 1:
        raise InputError(f"--probability: {args.probability}: give a probability between 0 and 1 (e.g. 0.7)")
    if not args.source.is_file():
        what = "not a regular file" if args.source.exists() else "file not found"
        raise InputError(f"{args.source}: {what} (give a scenario TOML or a CRM export CSV)")
    library = args.fixes if args.fixes is not None else default_library()
    if not library.is_dir():
        raise InputError(f"{library}: --fixes: fixes library folder not found")
    outputs = [args.out / n for n in (*PAGE_FILES, *(f"{k}.csv" for k in SECTION_KEYS), CALIBRATED)]
    not_inputs(outputs, [args.source, args.mapping, args.spend])
    spend = read_csv(args.spend, SPEND, required=REQUIRED["spend"]) if args.spend is not None else None
    exported = args.source.suffix.lower() != ".toml"
    if not exported and args.mapping is not None:
        raise InputError(f"{args.mapping}: --mapping: only for a CRM export; {args.source} is a scenario file")
    if exported and args.mapping is None and not is_deals_schema(args.source):
        raise InputError(f"{args.source}: --mapping: a CRM export needs its mapping TOML (see scenarios/mappings/), "
                         "unless it is in funnelsim's deals schema")
    with claimed(args.out, "plan"):
        export = _export(args) if exported else None
        scenario, caveats, cal = _calibrated(args, export) if export is not None else (
            load_scenario(args.source), [], None)
        warn_about_fixes("plan", scenario)
        with _backend(args.workers) as backend:
            runs = Runs(args.seed, args.reps, backend)
            seen = (unseen(cal), carried(cal)) if cal is not None else ({}, {})
            sections, recommended = build(scenario, library, runs, args.probability, *seen)
            sections += company(scenario, export, cal, spend, args)
            sections.append(comp_options(comp_scenario(scenario, recommended, runs, args.probability, export),
                                         args.seed, args.reps, backend=backend))
        if caveats:  # what the export lacks, read before anything else
            sections.append(Section("inputs", "What the plan rests on", "The export lacks what these numbers need: "
                                    + "; ".join(c.split(":")[0] for c in caveats) + ".", caveats=tuple(caveats),
                                    warning=True))
        write(sections, args, scenario)
    for section in page.ordered(sections):
        print(f"{section.title}: {section.headline}")
    print(f"written to {args.out}/: " + ", ".join([*PAGE_FILES, *(f"{s.key}.csv" for s in sections
                                                                 if s.table is not None)]))
    return 0


def build(scenario: Scenario, library: Path, runs: Runs, probability: float,
          unseen: dict[Key, str] | None = None, carried: dict[Key, str] | None = None,
          ) -> tuple[list[Section], list[str]]:
    """The simulated sections: the fixes (3), the target (4) and the CRO choice (6), and the recommended fixes;
    ``unseen`` and ``carried``: what the export behind a calibrated scenario does not show (see :func:`fixes`)."""
    found = fixes(scenario, library, runs, unseen, carried)
    return [found.section, target(scenario, found.recommended, runs, probability),
            cro_choice(scenario, found.recommended, runs)], list(found.recommended)


def company(scenario: Scenario, export: Export | None, cal: Calibration | None, spend: pd.DataFrame | None,
            args: argparse.Namespace) -> list[Section]:
    """Where the company stands (1) and how far to trust the model (2): from the export; without one, section 1
    reads one simulated replication of the scenario (said so) and section 2 says nothing was checked."""
    if export is None:
        out = simulate(scenario, args.seed)
        end = out.start_date + pd.Timedelta(days=out.horizon_days)
        stands = standing(out.deals, spend if spend is not None else out.spend, scenario, end, revenue=out.revenue)
        note = (f"No export: these are one simulated replication (seed {args.seed}) of {args.source.name}, what the "
                "scenario's assumptions imply, not the company's measured funnel.")
        untested = Section("trust", "How far to trust the model",
                           "No export: the model is not checked against this company's data; every number rests on "
                           f"the assumptions in {args.source.name}.",
                           caveats=("backtest: give the CRM export (funnelsim plan EXPORT.csv --mapping M.toml) to "
                                    "calibrate and backtest the model",))
        simulated = "Simulated from the scenario, not measured: " + stands.headline
        return [replace(stands, headline=simulated, caveats=(note, *stands.caveats)), untested]
    as_of, since, created = _source_dates(export)
    end = window(export.deals, as_of, since)[1]
    stands = standing(export.deals, spend, scenario, end, created_until=created)
    _, trusted = trust(export.deals, load_scenario(args.base), args.seed, args.reps, mapping=export.mapping,
                       source=args.source.name, calibration=cal)
    return [stands, trusted]


def comp_scenario(scenario: Scenario, recommended: list[str], runs: Runs, probability: float,
                  export: Export | None) -> Scenario:
    """The scenario the comp is simulated on: the plan (the recommended fixes from the CRO's start). With an export,
    whose calibrated scenario takes its targets from the base, the NNARR targets become the plan's own goals, the
    6- and 12-month NNARR reached with ``probability`` (what section 4 sets), so the plans are paid on this
    company's scale."""
    plan = plan_scenario(scenario, recommended) if recommended else scenario
    if export is None:
        return plan
    kpis = runs.of("plan" if recommended else "baseline", plan).kpis
    goals = {f"nnarr_{m}_months": float(kpis[f"nnarr_{m}m"].quantile(1 - probability)) for m in (6, 12)}
    update = {k: v for k, v in goals.items() if v == v and v > 0}
    return plan.model_copy(update={"targets": plan.targets.model_copy(update=update)}) if update else plan


def write(sections: list[Section], args: argparse.Namespace, scenario: Scenario) -> None:
    """The page (HTML, PNG, Markdown) and one CSV per section table, each written atomically."""
    name = scenario.name if len(scenario.name) <= TITLE_CHARS else scenario.name[:TITLE_CHARS - 1] + "…"
    title = f"Engagement plan: {name}"  # the PNG's title is one line: a calibrated scenario's long name is cut
    subtitle = (f"from {args.source.name} · {args.reps} replications per scenario, seed {args.seed}, common random "
                f"numbers · 6-month goal at {args.probability:.0%} probability")
    notes = (
        f"Every simulated number comes from {args.reps} replications per scenario from seed {args.seed}; replication "
        "k of every scenario sees the same prospects (common random numbers), so differences are paired.",
        "Intervals are 95 %: paired t intervals for changes, order statistics for the goal's quantile.",
        f"Fixes weighed: every file in {args.fixes or 'scenarios/fixes'} that changes something in this company.",
    )
    for section in sections:
        if section.table is not None:
            write_csv(section.table, args.out / f"{section.key}.csv")
    write_text(args.out / "plan.md", markdown.markdown(sections, title, subtitle, notes))
    write_text(args.out / "plan.html", page.html(sections, title, subtitle, notes))
    with atomic_path(args.out / "plan.png") as tmp:
        tmp.write_bytes(page.png(sections, title, subtitle))


class Export(NamedTuple):
    """A CRM export imported through its mapping, or a table already in the deals schema (no mapping)."""

    deals: pd.DataFrame
    mapping: Mapping | None


def _export(args: argparse.Namespace) -> Export:
    if args.mapping is None:  # a deals-schema table (e.g. `funnelsim run`'s deals.csv): read as it is
        return Export(read_deals_table(args.source), None)
    mapping = load_mapping(args.mapping)
    deals, report = import_deals(args.source, mapping, max_rows=args.max_rows)
    for line in report.lines():
        print(line, file=sys.stderr)
    if deals.empty:
        raise CrmError(f"{args.source}: no deal left to plan from after the mapping")
    return Export(deals, mapping)


def _source_dates(export: Export) -> tuple[pd.Timestamp | None, pd.Timestamp | None, pd.Timestamp | None]:
    """The mapping's ``[source]`` dates: as of, complete from, created until (none without a mapping)."""
    if export.mapping is None:
        return None, None, None
    source = export.mapping.source
    return (pd.Timestamp(source.as_of) if source.as_of else None,
            pd.Timestamp(source.complete_from) if source.complete_from is not None else None,
            pd.Timestamp(source.created_until) if source.created_until else None)


def _calibrated(args: argparse.Namespace, export: Export) -> tuple[Scenario, list[str], Calibration]:
    """The export calibrated on ``--base`` (``funnelsim calibrate``), and what the plan then rests on that the
    export does not hold (deal amounts, spend): shown at the top of the page."""
    deals = export.deals
    as_of, since, created = _source_dates(export)
    cal = calibrate(deals, source=str(args.source), as_of=as_of, since=since, created_until=created)
    command = "funnelsim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else "funnelsim plan"
    scenario = write_scenario(cal, args.base, args.out / CALIBRATED, command)
    caveats = [f"spend: the simulated spend (C2RE, runway) is {args.base.name}'s [spend] assumption, not fitted to "
               f"{args.source.name}"]
    known = int((deals["acv"].astype("float64") > 0).sum())
    if known < MIN_AMOUNTS:
        caveats.insert(0, f"deal amounts: {args.source.name} has {known} deal amounts, so every NNARR figure uses "
                          f"{args.base.name}'s assumed deal sizes: read the changes and ranks, not the dollars")
    return scenario, caveats, cal


@contextmanager
def _backend(workers: int | None) -> Iterator[Backend]:
    if workers == 1:
        yield SerialBackend()
        return
    with make_backend("process", workers, preload=(reduce_record.__module__,)) as backend:
        yield backend
