"""``funnelsim forecast``, ``compare`` and ``sensitivity``: Monte Carlo runs wired to the KPI reducer.

The composition: load the scenario(s), run the replications on the chosen backend (:mod:`simulation.replications`,
reducing each with :func:`analysis.montecarlo.fast_reducer.reduce_record`, equal to the readable
:func:`analysis.montecarlo.reducer.reduce_outcome`), then
summarise (:mod:`analysis.montecarlo.forecast`), compare (:mod:`analysis.montecarlo.compare`) or rank the swings
(:mod:`analysis.montecarlo.sensitivity`) and draw (:mod:`analysis.montecarlo.charts`). Every run is stored per
batch under ``--out``, so ``--resume`` continues an interrupted one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis.kpi.health import qte_threshold
from analysis.montecarlo import charts, forecast, sensitivity
from analysis.montecarlo import compare as comparison
from analysis.montecarlo.fast_reducer import reduce_record
from analysis.montecarlo.reducer import METRICS, MONTHS_6, MONTHS_12, Metric, metric, month_ends
from analysis.style import png_bytes
from simulation.backends import Backend, make_backend
from simulation.capacity import GROWTH_LIMIT
from simulation.commands import warn_about_fixes
from simulation.errors import InputError
from simulation.loader import load_fix, load_scenario
from simulation.out_folder import claimed, inside, not_inputs
from simulation.outputs import atomic_path, write_csv
from simulation.parameter_draw import describe, switched
from simulation.relative import no_effect
from simulation.replications import Replications, run_replications
from simulation.scenario import ARTICLE_QTE_DAYS, Fix, Scenario

FORECAST_FILES = ("replications.csv", "summary.csv", "timeseries.csv", "fan_chart.png", "kpi_histograms.png",
                  "manifest.json", "journal.jsonl")
HISTOGRAMS = ("nnarr_6m", "nnarr_12m", "c2re_12m", "grr", "qte_velocity_days", "bonus_12m")
FOREST = ("nnarr_6m", "nnarr_12m", "c2re_12m", "grr", "bonus_12m", "runway_12m")


@contextmanager
def _backend(args: argparse.Namespace) -> Iterator[Backend]:
    with make_backend(args.backend, args.workers, args.scheduler, preload=(reduce_record.__module__,)) as backend:
        yield backend


def _replicate(scenario: Scenario, args: argparse.Namespace, backend: Backend, store: Path,
               keep_deals: int = 0) -> Replications:
    if store.exists() and not store.is_dir():
        raise InputError(f"{store}: --out exists and is not a folder")
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    result = run_replications(scenario, args.seed, args.reps, reduce_record, backend=backend,
                              batch_size=args.batch_size, keep_deals=keep_deals, store=store, resume=args.resume,
                              progress=progress)
    if result.redone:
        print(f"funnelsim {args.command}: resume: {len(result.redone)} batch(es) in {store} did not match their "
              f"checksums (changed, truncated or half-written) and were run again: {_listed(result.redone)}",
              file=sys.stderr)
    return result


def _listed(indices: tuple[int, ...]) -> str:
    shown = ", ".join(str(k) for k in indices[:10])
    return shown + (f" and {len(indices) - 10} more" if len(indices) > 10 else "")


def _inputs(args: argparse.Namespace) -> list[Path]:
    return [args.scenario, *getattr(args, "fix", []), *getattr(args, "variant", [])]


def _write_png(fig: Figure, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(png_bytes(fig))


def _label(scenario: Scenario) -> str:
    """The scenario's name and its fixes in their own words (the summary up to its colon, else the name)."""
    fixes = ", ".join(fix_words(f) for f in scenario.fixes)
    return f"{scenario.name} + {fixes}" if fixes else scenario.name


# --- forecast ------------------------------------------------------------------------------------------------


def forecast_command(args: argparse.Namespace) -> int:
    scenario = switched(load_scenario(args.scenario, args.fix), args.parameter_uncertainty, args.scenario)
    warn_about_fixes("forecast", scenario)
    if args.keep_deals < 0:
        raise InputError(f"--keep-deals must not be negative, got {args.keep_deals}")
    if not 0 < args.precision < 10:
        raise InputError(f"--precision is a share of the mean such as 0.05, got {args.precision}")
    not_inputs([args.out / name for name in FORECAST_FILES], _inputs(args))
    with claimed(args.out, "forecast"), _backend(args) as backend:
        result = _replicate(scenario, args, backend, args.out, keep_deals=min(args.keep_deals, args.reps))
        summary = write_forecast(scenario, result, args.out, precision=args.precision)
    print(console_summary(scenario, summary, result.count, args.seed))
    runway = forecast.probability_line(result.kpis, "runway_below_6m_12m", "runway < 6 months at 12 months")
    if runway:
        print(f"  {runway}")
    for line in queue_warnings(summary):
        print(line, file=sys.stderr)
    print(f"written to {args.out}/: replications.csv, summary.csv, timeseries.csv, fan_chart.png, "
          "kpi_histograms.png")
    return 0


def write_forecast(scenario: Scenario, result: Replications, out: Path, precision: float = 0.05) -> pd.DataFrame:
    """The forecast's tables and charts in ``out``; returns the summary."""
    summary = forecast.summarise(result.kpis, scenario.targets, precision=precision)
    fan = forecast.series_summary(result.series)
    write_csv(result.kpis, out / "replications.csv")
    write_csv(summary, out / "summary.csv")
    write_csv(fan, out / "timeseries.csv")
    start = pd.Timestamp(scenario.scenario.start_date)
    ends = month_ends(start, scenario.scenario.horizon_days)
    chance = dict(zip(summary["metric"], summary["p_target"], strict=True))
    marks = []
    for months, amount in ((MONTHS_6, scenario.targets.nnarr_6_months),
                           (MONTHS_12, scenario.targets.nnarr_12_months)):
        when = start + pd.DateOffset(months=months)
        if amount > 0 and when <= ends[-1]:
            marks.append((f"{months}-month target", when, amount, chance.get(f"nnarr_{months}m", float("nan"))))
    cumulative = fan[fan["metric"] == "nnarr_cumulative"].reset_index(drop=True)
    _write_png(charts.fan_chart(cumulative, ends, start=start, targets=marks, reps=result.count,
                                scenario=_label(scenario), band=describe(scenario)), out / "fan_chart.png")
    targets = {t.metric: t for t in forecast.targets_of(scenario.targets)}
    shown = [m for m in HISTOGRAMS if m in result.kpis.columns]
    _write_png(charts.kpi_histograms(result.kpis, shown, targets, chance, scenario=_label(scenario)),
               out / "kpi_histograms.png")
    return summary


def console_summary(scenario: Scenario, summary: pd.DataFrame, reps: int, seed: int) -> str:
    lines = [f"{_label(scenario)} | {reps} replications | seed {seed}",
             f"  bands hold {describe(scenario)}",
             f"  {'KPI':<38} {'P10':>10} {'P50':>10} {'P90':>10} {'mean ± 95% CI':>22} {'P(target)':>16}"]
    for row in summary.itertuples():
        if row.metric == "runway_below_6m_12m":  # a 0/1 per replication: its line below, with a Wilson interval
            continue
        m = metric(str(row.metric))
        f = _cell
        half = float(row.half_width)
        spread = f"{half * 100:.1f} pp" if m.unit == "share" and half == half else f(half, m.unit)
        rule = {">=": "≥", "<=": "≤"}.get(str(row.rule), "")
        target = f"{rule} {f(float(row.target), m.unit)}: {row.p_target:.0%}" if rule else ""
        lines.append(f"  {m.label[:38]:<38} {f(row.p10, m.unit):>10} {f(row.p50, m.unit):>10} "
                     f"{f(row.p90, m.unit):>10} {f(row.mean, m.unit) + ' ± ' + spread:>22} {target:>16}")
    lines += target_notes(scenario)
    return "\n".join(lines)


def _cell(value: float, unit: str) -> str:
    """A value for the summary table's 10-character columns (months as ``13.4 mo``)."""
    if unit == "months" and value == value:
        return f"{value:.1f} mo"
    return charts.fmt(value, unit)


def target_notes(scenario: Scenario) -> list[str]:
    """What a reader must know about the targets: a QTE velocity target that is the scenario's own, with its reason
    (article B's 45-day line does not apply), which also judges the scorecard bonus."""
    targets = scenario.targets
    if targets.qte_velocity_days == ARTICLE_QTE_DAYS:
        return []
    plan = " and pays the scorecard bonus's QTE share" if scenario.comp.plan == "scorecard" else ""
    return [f"  QTE velocity target: {qte_threshold(targets.qte_velocity_days, targets.qte_velocity_reason)}; it "
            f"judges P(target){plan}"]


def queue_warnings(summary: pd.DataFrame) -> list[str]:
    """A warning when the engineer queue does not settle: it still grows over the second half of the horizon, by
    more than :data:`simulation.capacity.GROWTH_LIMIT` deals a month and significantly (95 % CI above 0)."""
    rows = summary.set_index("metric")
    if "se_queue_growth" not in rows.index:
        return []
    growth = rows.loc["se_queue_growth"]
    if not (growth["mean"] > GROWTH_LIMIT and growth["ci_low"] > 0):
        return []
    end = rows.loc["se_queue_end", "mean"] if "se_queue_end" in rows.index else float("nan")
    wait = rows.loc["se_wait_end", "mean"] if "se_wait_end" in rows.index else float("nan")
    return [f"warning: the solution-engineer queue does not settle: it still grows by {growth['mean']:.1f} deals a "
            f"month at the end (95 % CI {growth['ci_low']:.1f} to {growth['ci_high']:.1f}), holds {end:.0f} deals "
            f"over the last 30 days and made them wait {wait:.0f} days; the engineers cannot keep up (see funnelsim "
            "validate)"]


# --- compare -------------------------------------------------------------------------------------------------


def _same_prospects(base: Scenario, other: Scenario, source: Path) -> None:
    for section in ("arrivals", "tiers", "pipeline", "uncertainty"):
        if getattr(base, section) != getattr(other, section):
            raise InputError(f"{source}: [{section}] differs from the baseline; common random numbers need the "
                             "same prospects (change only what a fix may change, the CRO or the comp plan)")
    if (base.scenario.start_date, base.scenario.horizon_days) != (
            other.scenario.start_date, other.scenario.horizon_days):
        raise InputError(f"{source}: start_date / horizon_days differ from the baseline; they must match")


def fix_words(fix: Fix) -> str:
    """How a chart or a line names a fix: its summary up to the first colon ("Hire one more solution engineer"),
    never its file name ("extra solution engineer")."""
    words = fix.summary.split(":", 1)[0].strip()
    return words or fix.name.replace("_", " ")


def variant_words(key: str, scenario: Scenario) -> str:
    """How people read a compared scenario: its fix's summary, "all the fixes together", or a variant's name."""
    if key == "all_fixes":
        return "All the fixes together"
    if scenario.fixes and scenario.fixes[-1].name == key:
        return fix_words(scenario.fixes[-1])
    return scenario.name


def variants_of(args: argparse.Namespace) -> dict[str, Scenario]:
    """The scenarios to compare with the baseline, by label (fix name, or the variant file's stem)."""
    if not args.fix and not args.variant:
        raise InputError("give at least one --fix or --variant to compare with the baseline")
    base = switched(load_scenario(args.scenario), args.parameter_uncertainty, args.scenario)
    found: dict[str, Scenario] = {}
    given: dict[str, Path] = {}

    def add(label: str, scenario: Scenario, source: Path) -> None:
        if label == "baseline":
            raise InputError(f"{source}: 'baseline' is reserved for the scenario itself; rename that fix or variant")
        if label in found:
            raise InputError(f"{source}: compares as {label!r}, like {given[label]}; each compared fix or variant "
                             "needs its own name (fix.name, or the variant's file name)")
        inside(args.out / "runs", label)
        found[label], given[label] = scenario, source

    for path in args.fix:
        add(load_fix(path).name, switched(load_scenario(args.scenario, [path]), args.parameter_uncertainty), path)
    if args.combined and len(args.fix) > 1:
        combined = switched(load_scenario(args.scenario, args.fix), args.parameter_uncertainty)
        add("all_fixes", combined, Path("--combined"))
    for path in args.variant:
        variant = switched(load_scenario(path), args.parameter_uncertainty, path)
        _same_prospects(base, variant, path)
        add(path.stem, variant, path)
    return found


def compare_command(args: argparse.Namespace) -> int:
    base = switched(load_scenario(args.scenario), args.parameter_uncertainty, args.scenario)
    if args.rank_by not in METRICS and not args.rank_by.startswith("sccr_"):
        raise InputError(f"--rank-by {args.rank_by}: not a KPI (use one of {', '.join(METRICS)})")
    variants = variants_of(args)
    warn_about_fixes("compare", base, *variants.values())
    not_inputs([args.out / n for n in ("deltas.csv", "ranking.csv", "head_to_head.csv", "forest.png")], _inputs(args))
    with claimed(args.out, "compare"):
        ranked, table, duel = _compare(args, base, variants)
    m = metric(args.rank_by)
    print(f"{base.name} | {args.reps} paired replications | seed {args.seed} | ranked by {m.label}")
    print(f"  bands hold {describe(base)}; replication k draws the same parameters in every variant")
    for row in ranked.itertuples():
        print(f"  {row.rank}. {row.label!s:<36} {charts.fmt(row.mean_delta, m.unit, signed=True):>9} "
              f"(95% CI {charts.fmt(row.ci_low, m.unit, signed=True)} to "
              f"{charts.fmt(row.ci_high, m.unit, signed=True)}) {row.verdict}{_shares(row)}")
        for note in _no_effect(base, variants.get(str(row.fix))):
            print(f"     {note}")
        runway = comparison.runway_note(table, str(row.fix))
        if runway:
            print(f"     {runway}")
    _print_head_to_head(duel, m)
    both = "deltas.csv, ranking.csv, head_to_head.csv" if len(duel) else "deltas.csv, ranking.csv"
    print(f"written to {args.out}/: {both}, forest.png, runs/<scenario>/replications.csv")
    return 0


def _print_head_to_head(duel: pd.DataFrame, m: Metric) -> None:
    """Each runner-up against the leader, paired: on the ranking KPI, then cash when the scenario has it."""
    rows = duel[duel["metric"] == m.name]
    if rows.empty:
        return
    leader = str(rows["against"].iloc[0])
    print(f"  head to head, paired replications, against {leader}:")
    for row in rows.itertuples():
        print(f"    {row.label!s:<36} {charts.fmt(row.mean_delta, m.unit, signed=True):>9} "
              f"(95% CI {charts.fmt(row.ci_low, m.unit, signed=True)} to "
              f"{charts.fmt(row.ci_high, m.unit, signed=True)}) {row.verdict}")
        runway = comparison.runway_note(duel, str(row.fix))
        if runway:
            print(f"      {runway}")


def _compare(args: argparse.Namespace, base: Scenario, variants: dict[str, Scenario]
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    runs: dict[str, pd.DataFrame] = {}
    with _backend(args) as backend:
        for label, scenario in {"baseline": base, **variants}.items():
            result = _replicate(scenario, args, backend, args.out / "runs" / label)
            write_csv(result.kpis, args.out / "runs" / label / "replications.csv")
            runs[label] = result.kpis
    baseline = runs.pop("baseline")
    labels = {key: variant_words(key, variants[key]) for key in variants}
    table = comparison.deltas(baseline, runs, labels=labels)
    if args.rank_by not in set(table["metric"]):
        raise InputError(f"--rank-by {args.rank_by}: not a compared KPI (use one of "
                         f"{', '.join(dict.fromkeys(table['metric']))})")
    ranked = comparison.ranking(table, args.rank_by)
    write_csv(table, args.out / "deltas.csv")
    write_csv(ranked, args.out / "ranking.csv")
    duel = comparison.head_to_head(runs, ranked, labels)
    if len(duel):
        write_csv(duel, args.out / "head_to_head.csv")
    defined = set(table.loc[table["mean_delta"].notna(), "metric"])
    panels = list(dict.fromkeys(m if m in defined else m.replace("_12m", "_6m") for m in FOREST))
    panels = [m for m in panels if m in defined]
    focus = comparison.sccr_focus(table)
    if focus:
        panels.append(focus)
    order = {fix: k for k, fix in enumerate(ranked["fix"])}
    ordered = table.sort_values("fix", key=lambda f: f.map(order), kind="stable")
    _write_png(charts.forest_plot(ordered, panels, reps=args.reps, scenario=base.name),
               args.out / "forest.png")
    return ranked, table, duel


def _shares(row: Any) -> str:
    """", better in 45 % of replications, the same in 50 %, worse in 5 %" (empty for a KPI with no good way)."""
    if row.p_better != row.p_better:  # NaN
        return ""
    return (f"; better in {row.p_better * 100:.0f} % of replications, the same in {row.p_same * 100:.0f} %, "
            f"worse in {row.p_worse * 100:.0f} %")


def _no_effect(base: Scenario, variant: Scenario | None) -> tuple[str, ...]:
    """The no-effect warnings of the fixes a compared scenario adds to the baseline: shown beside its (zero)
    effect, so "no clear change" does not read as "the fix does not work" when it changed nothing."""
    if variant is None:
        return ()
    own = {(f.source, f.start_day) for f in base.fixes}
    return tuple(w for f in variant.fixes if (f.source, f.start_day) not in own for w in no_effect(f))


# --- sensitivity ---------------------------------------------------------------------------------------------


def sensitivity_command(args: argparse.Namespace) -> int:
    base = switched(load_scenario(args.scenario, args.fix), args.parameter_uncertainty, args.scenario)
    warn_about_fixes("sensitivity", base)
    if args.metric not in METRICS and not args.metric.startswith("sccr_"):
        raise InputError(f"--metric {args.metric}: not a KPI (use one of {', '.join(METRICS)})")
    not_inputs([args.out / n for n in ("tornado.csv", "tornado.png")], _inputs(args))
    with claimed(args.out, "sensitivity"):
        return _sensitivity(args, base)


def _sensitivity(args: argparse.Namespace, base: Scenario) -> int:
    swings = sensitivity.default_swings(base)
    runs: dict[tuple[str, str], pd.DataFrame] = {}
    with _backend(args) as backend:
        baseline = _replicate(base, args, backend, args.out / "runs" / "baseline").kpis
        if args.metric not in baseline.columns:
            raise InputError(f"--metric {args.metric}: not a KPI of this scenario (use one of "
                             f"{', '.join(c for c in baseline.columns if c != 'replication')})")
        for swing in swings:
            for side, scenario in swing.scenarios(base).items():
                store = args.out / "runs" / f"{swing.name}-{side}"
                runs[(swing.name, side)] = _replicate(scenario, args, backend, store).kpis
    table = sensitivity.tornado(baseline, runs, swings, args.metric)
    write_csv(table, args.out / "tornado.csv")
    mean = float(baseline[args.metric].mean())
    _write_png(charts.tornado_chart(table, metric_name=args.metric, baseline=mean, reps=args.reps,
                                             scenario=_label(base)), args.out / "tornado.png")
    m = metric(args.metric)
    print(f"{_label(base)} | {args.reps} paired replications per setting | baseline mean {m.label} "
          f"{charts.fmt(mean, m.unit)}")
    for row in table.itertuples():
        print(f"  {row.label:<34} low ({row.low_text}) {charts.fmt(row.low_delta, m.unit, signed=True):>9}"
              f"   high ({row.high_text}) {charts.fmt(row.high_delta, m.unit, signed=True):>9}")
    print(f"written to {args.out}/: tornado.csv, tornado.png")
    return 0
