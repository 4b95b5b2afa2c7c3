"""The ``funnelsim`` command: the composition root, the one place that wires the engine to the analysis layer.

Each command lives in its own module exposing ``register(subparsers)``; this file only assembles them and turns
bad input (:class:`~simulation.errors.InputError`) into one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from simulation.errors import InputError

# Modules providing commands, in the order `funnelsim --help` lists them.
COMMAND_MODULES = (
    "simulation.commands",
    "analysis.commands.kpis",
    "analysis.commands.forecast",
    "analysis.commands.crm",
    "analysis.commands.reports",
)

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other bad input (argparse prints the usage too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="funnelsim",
        description="Simulate an AI/ML sales funnel and compute the fractional-CRO KPIs (NNARR, C2RE, SCCR, GRR).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except InputError as exc:
        print(f"funnelsim {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `funnelsim schema | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"funnelsim {args.command}: interrupted; outputs already written are complete", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
