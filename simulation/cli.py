"""The ``funnelsim`` command: the composition root, the one place that wires the engine to the analysis layer.

The arguments of the commands live in light modules exposing ``register(subparsers)``
(:mod:`simulation.arguments`, :mod:`analysis.commands.arguments`); each command names its handler as
``"module:function"``, imported only when that command runs, so ``--help`` and ``validate`` never load pandas, SciPy or
Matplotlib. This file assembles the parser, runs the handler and turns bad input
(:class:`~simulation.errors.InputError`) into one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, cast

from simulation.errors import InputError
from simulation.input_files import printable

# Modules declaring the commands' arguments, in the order `funnelsim --help` lists them.
COMMAND_MODULES = ("simulation.arguments", "analysis.commands.arguments")

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


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    """The function a command runs (its module imported now, not when the parser was built)."""
    module, name = args.handler.split(":")
    return cast(Callable[[argparse.Namespace], int], getattr(importlib.import_module(module), name))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        command = handler(args)
        # What is loaded now lives as long as the command: the cyclic garbage collector need not scan it again at
        # every full collection (a replication's SimPy events trigger many).
        gc.freeze()
        code = command(args)
    except InputError as exc:
        print(f"funnelsim {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `funnelsim schema | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"funnelsim {args.command}: interrupted; outputs already written are complete", file=sys.stderr)
        return 130
    except OSError as exc:  # a full or read-only disk, a folder removed mid-run: the system's reason, on one line
        print(f"funnelsim {args.command}: {system_error(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return int(code or 0)


def system_error(exc: OSError) -> str:
    """An operating-system error as one line: the file, the reason, and that finished outputs are intact."""
    where = f"{printable(str(exc.filename))}: " if exc.filename else ""
    reason = exc.strerror or type(exc).__name__
    return f"{where}{reason} (every output is written atomically: files already written are complete)"


if __name__ == "__main__":
    sys.exit(main())
