"""The command line of the analysis commands: arguments only, in the order ``funnelsim --help`` lists them.

``kpis``; ``forecast``, ``compare``, ``sensitivity``; ``import``, ``calibrate``, ``backtest``; ``dashboard``,
``autopsy``, ``health``; ``plan``; ``lab``. Building the parser imports neither pandas, SciPy nor Matplotlib, so
``--help`` and a mistyped option answer at once; each command names its handler as ``"module:function"`` (the
modules beside this one), which :mod:`simulation.cli` imports only when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Final

from simulation.backends import BACKENDS
from simulation.limits import DEFAULT_MAX_ROWS, batch_arg, reps_arg, seed_arg, workers_arg
from simulation.shipped import fix_arg, mapping_arg, scenario_arg

DEFAULT_BASE: Final = "ai_startup"  # a shipped name: the packaged copy wherever the command runs
AUTOPSY_DELAY_DAYS: Final = 30.0  # analysis.report.autopsy.DEFAULT_DELAY_DAYS (a test keeps them equal)


def register(commands: Any) -> None:
    _kpis(commands)
    _monte_carlo(commands)
    _crm(commands)
    _reports(commands)
    _plan(commands)
    _lab(commands)


def timestamp(text: str) -> Any:
    """A date or time as pandas reads it (pandas is imported only when the option is given)."""
    import pandas as pd

    return pd.Timestamp(text)


def _kpis(commands: Any) -> None:
    parser = commands.add_parser(
        "kpis",
        help="compute NNARR, C2RE, SCCR, GRR and the other KPIs of a deals table",
        description="Compute the fractional-CRO KPIs (articles A and B) of a deals table following the schema "
        "(`funnelsim schema --tables`): a `funnelsim run` output or a mapped CRM export.",
    )
    parser.add_argument(
        "deals", type=Path, help="deals CSV, or a folder with deals.csv (and spend.csv, revenue.csv if present)"
    )
    parser.add_argument("--spend", type=Path, help="spend CSV (month, category, amount): adds C2RE and CAC")
    parser.add_argument("--revenue", type=Path, help="revenue event CSV: adds GRR, NRR, deployed model revenue, MRR")
    parser.add_argument(
        "--resources", type=Path, help="resource log CSV: adds each queue's utilisation to bottlenecks.csv"
    )
    parser.add_argument(
        "--period",
        action="append",
        default=[],
        metavar="PERIOD",
        help="2027Q1, 2027-03, 2027 or START:END dates (END included); repeatable "
        "(default: every period of --freq from the first close or spend month to the last, and all time)",
    )
    parser.add_argument("--freq", choices=("Q", "M"), default="Q", help="period length without --period (default Q)")
    parser.add_argument("--as-of", help="end date of the trailing-30-day C2RE (default: the period or data end)")
    parser.add_argument(
        "--scenario",
        type=scenario_arg,
        help="scenario TOML whose [targets] judge the KPIs (default: the run folder's scenario.json, else the "
        "articles' thresholds)",
    )
    parser.add_argument("--nnarr-target", type=float, help="NNARR target per 6 months, pro-rated to each period")
    parser.add_argument("--quota", type=float, help="quota per period for the classic quota attainment")
    parser.add_argument("--out", type=Path, required=True, help="folder for kpis.csv, health.csv and the breakdowns")
    parser.set_defaults(handler="analysis.commands.kpis:kpis_command")


def _monte_carlo(commands: Any) -> None:
    run = commands.add_parser("forecast", help="Monte Carlo forecast: P10/P50/P90 of every KPI, P(target)")
    _common(run, reps=200)
    run.add_argument("--fix", action="append", default=[], type=fix_arg, metavar="FIX", help="fix TOML to apply")
    run.add_argument("--keep-deals", type=int, default=0, metavar="K",
                     help="also keep the deals tables of the first K replications (DIR/deals/)")
    run.add_argument("--precision", type=float, default=0.05, metavar="SHARE",
                     help="reps_needed in summary.csv: replications for a 95%% CI half-width of SHARE x mean")
    run.set_defaults(handler="analysis.commands.forecast:forecast_command")

    cmp = commands.add_parser("compare", help="a baseline vs fixes or variants with common random numbers")
    _common(cmp, reps=100)
    cmp.add_argument("--fix", action="append", default=[], type=fix_arg, metavar="FIX",
                     help="a fix to compare with the baseline (repeatable; each one on its own)")
    cmp.add_argument("--variant", action="append", default=[], type=scenario_arg, metavar="SCENARIO",
                     help="a whole scenario to compare (other CRO, comp plan; must keep the same prospects)")
    cmp.add_argument("--combined", action="store_true", help="also compare all the --fix files together")
    cmp.add_argument("--rank-by", default="nnarr_12m", metavar="KPI", help="KPI of the ranking (nnarr_12m)")
    cmp.set_defaults(handler="analysis.commands.forecast:compare_command")

    sens = commands.add_parser("sensitivity", help="one-at-a-time parameter swings: a tornado of their effect")
    _common(sens, reps=50)
    sens.add_argument("--fix", action="append", default=[], type=fix_arg, metavar="FIX", help="fix TOML to apply")
    sens.add_argument("--metric", default="nnarr_12m", metavar="KPI", help="KPI of the tornado (nnarr_12m)")
    sens.set_defaults(handler="analysis.commands.forecast:sensitivity_command")


def _common(parser: argparse.ArgumentParser, reps: int) -> None:
    parser.add_argument("scenario", type=scenario_arg, help="scenario TOML file or shipped name (funnelsim scenarios)")
    parser.add_argument("--reps", type=reps_arg, default=reps, help=f"replications per scenario (default {reps})")
    parser.add_argument("--seed", type=seed_arg, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--backend", choices=BACKENDS, default="process",
                        help="process (local cores, default), serial (debugging) or dask")
    parser.add_argument("--workers", type=workers_arg, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler of an existing cluster")
    parser.add_argument("--batch-size", type=batch_arg, default=None, help="replications per task (default: auto)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    parser.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                        help="no progress bar (default: shown on a terminal)")
    uncertainty_argument(parser)


def uncertainty_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parameter-uncertainty", action=argparse.BooleanOptionalAction, default=None,
                        help="draw the parameters of the scenario's [uncertainty] section per replication, so bands "
                             "hold parameter uncertainty too (default: on when the scenario has the section)")


def _crm(commands: Any) -> None:
    imp = commands.add_parser("import", help="map a CRM deals export (CSV) onto the deals schema")
    _export_arguments(imp)
    imp.add_argument("--out", type=Path, required=True, help="deals CSV to write (input for funnelsim kpis)")
    imp.set_defaults(handler="analysis.commands.crm:import_command")

    cal = commands.add_parser("calibrate", help="fit a scenario to a CRM export")
    _export_arguments(cal)
    cal.add_argument("--out", type=Path, required=True, help="scenario TOML to write")
    cal.add_argument("--base", type=scenario_arg, default=DEFAULT_BASE,
                     help="scenario supplying what the export cannot identify (default: the shipped ai_startup)")
    _duration_argument(cal)
    cal.set_defaults(handler="analysis.commands.crm:calibrate_command")

    back = commands.add_parser("backtest", help="simulate a scenario over an export's dates and compare")
    _export_arguments(back)
    back.add_argument("--scenario", type=scenario_arg, required=True,
                      help="calibrated scenario (with --holdout: the base the training part is calibrated on)")
    back.add_argument("--reps", type=reps_arg, default=50, help="replications (default 50)")
    back.add_argument("--seed", type=seed_arg, default=0, help="random seed (default 0)")
    back.add_argument("--out", type=Path, required=True, help="folder for the tables, charts and summary")
    back.add_argument("--holdout", type=float, metavar="FRACTION",
                      help="a time split: calibrate on the export as it looked when the last FRACTION of the window "
                           "began (e.g. 0.3), forecast from the first day and score only those months")
    uncertainty_argument(back)
    _duration_argument(back)
    back.set_defaults(handler="analysis.commands.crm:backtest_command")


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("export", type=Path, help="CRM deals export (CSV)")
    parser.add_argument("--mapping", type=mapping_arg,
                        help="mapping TOML or shipped name (hubspot, salesforce, ...); not needed for a table in "
                             "funnelsim's deals schema (a `run` deals.csv or an `import` output), which is detected")
    parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, help="refuse larger files")
    parser.add_argument("--strict", action="store_true", help="fail on any skipped row instead of counting it")
    parser.add_argument("--since", type=timestamp, metavar="DATE",
                        help="first day of the window (default: the mapping's complete_from, else the first deal)")


def _duration_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--durations", choices=("parametric", "single", "empirical"), default="parametric",
                        help="fitted durations: lognormal/gamma/Weibull or a two-lognormal mixture by AIC (default), "
                             "one family only (single: every parameter drawn with --parameter-uncertainty), or the "
                             "data's own censoring-corrected percentiles (for shapes no family has)")


def _reports(commands: Any) -> None:
    dash = commands.add_parser(
        "dashboard",
        help="the Monday one-page dashboard (HTML + PNG) for an ISO week",
        description="NNARR to date vs target with its red/yellow/green status and escalation, C2RE for the "
        "trailing 30 days with a trend arrow, SCCR for the quarter with the biggest bottleneck, three suggested "
        "actions, charts and health checks, as known on the Monday of --week.",
    )
    _report_inputs(dash)
    dash.add_argument("--week", required=True, help="ISO week, e.g. 2027-W26 (data up to its Monday 00:00)")
    dash.add_argument("--charts", action="store_true", help="also write each chart as its own PNG")
    dash.set_defaults(handler="analysis.commands.reports:dashboard_command")

    aut = commands.add_parser(
        "autopsy",
        help="the monthly KPI autopsy: every deal lost or delayed, its stage, KPI hit and fix (CSV + HTML + PNG)",
    )
    _report_inputs(aut)
    aut.add_argument("--month", required=True, help="calendar month, e.g. 2027-06")
    aut.add_argument(
        "--delay-days",
        type=float,
        default=AUTOPSY_DELAY_DAYS,
        help="an open deal is delayed when open longer than the median won cycle plus this many days "
        f"(default {AUTOPSY_DELAY_DAYS:g})",
    )
    aut.set_defaults(handler="analysis.commands.reports:autopsy_command")

    health = commands.add_parser("health", help="every KPI against the articles' thresholds, with advice (CSV + HTML)")
    _report_inputs(health)
    health.add_argument("--week", required=True, help="ISO week, e.g. 2027-W26 (data up to its Monday 00:00)")
    health.set_defaults(handler="analysis.commands.reports:health_command")


def _report_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="a `funnelsim run` output folder, or a deals CSV (the schema)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the report files")
    parser.add_argument("--scenario", type=scenario_arg,
                        help="scenario TOML or shipped name, for [targets] and the start date")
    parser.add_argument("--since", help="start date of 'NNARR to date' (default: the scenario's start date)")
    parser.add_argument("--fixes", type=Path, help="fixes library folder (default: the shipped scenarios/fixes)")
    parser.add_argument("--spend", type=Path, help="spend CSV (with a deals CSV): adds C2RE")
    parser.add_argument("--revenue", type=Path, help="revenue CSV (with a deals CSV): adds GRR")
    parser.add_argument("--resources", type=Path, help="resources CSV (with a deals CSV): adds the SE/founder chart")


def _plan(commands: Any) -> None:
    plan = commands.add_parser("plan", help="the engagement plan: bottleneck, fixes, 6-month target, CRO choice "
                                            "(one page: HTML, PNG, Markdown)")
    plan.add_argument("source", type=scenario_arg,
                      help="scenario TOML or shipped name, or a CRM export CSV with --mapping")
    plan.add_argument("--mapping", type=mapping_arg,
                      help="mapping TOML or shipped name for a CRM export (see funnelsim scenarios)")
    plan.add_argument("--spend", type=Path, help="spend history CSV (spend schema), for where the company stands")
    plan.add_argument("--fixes", type=Path, help="fixes library folder to weigh (default: scenarios/fixes)")
    plan.add_argument("--base", type=scenario_arg, default=DEFAULT_BASE,
                      help="with an export: the scenario supplying what it cannot identify (default: ai_startup)")
    plan.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, help="refuse larger exports")
    plan.add_argument("--reps", type=reps_arg, default=200, help="replications per scenario (default 200)")
    plan.add_argument("--seed", type=seed_arg, default=0, help="random seed (default 0)")
    plan.add_argument("--probability", type=float, default=0.70,
                      help="the 6-month NNARR goal is reached with this probability (default 0.70)")
    plan.add_argument("--workers", type=workers_arg, default=None, help="worker processes (default: one per core; "
                                                                        "1 runs in this process)")
    plan.add_argument("--out", type=Path, required=True, help="output folder")
    plan.set_defaults(handler="analysis.commands.plan:plan_command")


def _lab(commands: Any) -> None:
    lab = commands.add_parser(
        "lab",
        help="the funnel lab in the browser: sliders, the baseline beside your company, challenges",
        description="Serve the funnel lab on http://127.0.0.1:PORT/ (this machine only): move sliders (arrivals, "
        "engineers, POV length and completion, win rate, founder time, patience, CRO, comp plan) and see the funnel, "
        "the engineer queue, cycle and SCCR by quarter, the NNARR fan, C2RE and the bonus against the baseline. "
        "Needs the lab extra: pip install -e '.[lab]'.",
    )
    lab.add_argument("--port", type=int, default=5006, help="port on 127.0.0.1 (default 5006)")
    lab.add_argument("--no-browser", dest="browser", action="store_false", help="do not open a browser tab")
    lab.add_argument("--reps", type=reps_arg, default=30, help="replications per run (default 30: about 0.3 s)")
    lab.add_argument("--seed", type=seed_arg, default=0, help="random seed (default 0)")
    lab.set_defaults(handler="analysis.commands.lab:lab_command")
