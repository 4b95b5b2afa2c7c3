"""The command line of the engine's own commands (``run``, ``validate``, ``schema``): arguments only.

Building the parser imports nothing heavy, so ``funnelsim --help`` and a bad option answer at once; each command
names its handler as ``"module:function"``, which :mod:`simulation.cli` imports only when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulation import shipped
from simulation.limits import bounded_float, bounded_int, seed_arg
from simulation.shipped import fix_arg, scenario_arg


def register(commands: Any) -> None:
    run = commands.add_parser("run", help="simulate one replication and write its tables as CSV")
    scenario_arguments(run)
    run.add_argument("--seed", type=seed_arg, default=0, help="random seed (same seed, same prospects; default 0)")
    run.add_argument("--out", type=Path, required=True, help="folder for deals.csv, revenue.csv, spend.csv, ...")
    run.set_defaults(handler="simulation.commands:run_command")

    validate = commands.add_parser("validate", help="check a scenario file and its fixes")
    scenario_arguments(validate)
    validate.set_defaults(handler="simulation.commands:validate_command")

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario and fix files")
    schema.add_argument("--kind", choices=("scenario", "fix"), help="only this kind of file (default: both)")
    schema.add_argument("--tables", action="store_true", help="print the outcome table schema instead")
    schema.set_defaults(handler="simulation.commands:schema_command")

    listed = commands.add_parser("scenarios", help="list the scenarios, fixes and CRM mappings shipped by name")
    listed.set_defaults(handler="simulation.commands:scenarios_command")

    init = commands.add_parser(
        "init", help="write a starter for your company: a scenario extending a shipped one, two fixes, a README",
        description="Write DIR/company.toml (extends a shipped baseline and sets the numbers a founder knows: from the "
        "flags, or the baseline's values marked PLACEHOLDER), DIR/fixes/ with two relative fixes, and DIR/README.md "
        "with the next commands. Never replaces a file.")
    init.add_argument("folder", type=Path, metavar="DIR", help="folder to write in (created if missing)")
    init.add_argument("--name", default="Our company", help="the scenario's name (default: Our company)")
    init.add_argument("--baseline", default="ai_startup", choices=list(shipped.shipped("scenario")),
                      help="shipped scenario to extend (default ai_startup)")
    init.add_argument("--prospects-per-week", type=bounded_float("--prospects-per-week", 0, 10_000, low_open=True),
                      metavar="N", help="inbound prospects (inquiries, demos) a week")
    init.add_argument("--engineers", type=bounded_int("--engineers", 1, 1000), metavar="N",
                      help="solution engineers running proofs of value")
    init.add_argument("--pov-days", type=bounded_float("--pov-days", 0, 3650, low_open=True), metavar="DAYS",
                      help="typical POV length in days (written as triangular 0.75x, x, 1.5x)")
    init.add_argument("--win-rate", type=bounded_float("--win-rate", 0, 1), metavar="P",
                      help="share of deals reaching negotiation that sign (0 to 1)")
    for tier in ("small", "mid", "large"):
        init.add_argument(f"--acv-{tier}", type=bounded_float(f"--acv-{tier}", 0, 1e9, low_open=True), metavar="USD",
                          help=f"mean annual contract value of a {tier} customer")
    init.add_argument("--monthly-spend", type=bounded_float("--monthly-spend", 0, 1e9), metavar="USD",
                      help="marketing and programs spend a month")
    init.set_defaults(handler="simulation.starter:init_command")


def scenario_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=scenario_arg, help="scenario TOML file or shipped name (funnelsim scenarios)")
    parser.add_argument(
        "--fix", action="append", default=[], type=fix_arg, metavar="FIX",
        help="fix TOML or shipped name to apply (repeatable)"
    )
