"""The command line of the engine's own commands (``run``, ``validate``, ``schema``): arguments only.

Building the parser imports nothing heavy, so ``funnelsim --help`` and a bad option answer at once; each command
names its handler as ``"module:function"``, which :mod:`simulation.cli` imports only when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulation.limits import seed_arg


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


def scenario_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.add_argument(
        "--fix", action="append", default=[], type=Path, metavar="FIX", help="fix TOML to apply (repeatable)"
    )
