"""What funnelsim refuses up front, by name: the limits on inputs and arguments, and the calendar it can hold.

A hostile or clumsy input must not fill memory, block for ever or reach a date pandas cannot represent before
any work is done, so each limit is one constant here, named in the one-line error that enforces it, and listed
in the README. The argument types below are for ``argparse`` (``type=``): a bad value becomes argparse's one-line
usage error, exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Final

# Files a user gives funnelsim.
MAX_TOML_BYTES: Final = 1_000_000  # a scenario, fix or mapping file (the shipped ones are under 10 kB)
MAX_JSON_BYTES: Final = 10_000_000  # a run folder's scenario.json (open deals listed inline can be long)
MAX_CSV_BYTES: Final = 2_000_000_000  # a CRM export, a deals / spend / revenue / resources table, an open pipeline
MAX_TOML_DEPTH: Final = 16  # tables and arrays nested inside each other (a scenario needs 4)
MAX_EXTENDS: Final = 16  # files in one `extends` chain

# The calendar: every date funnelsim reads or simulates lies in [EARLIEST, LATEST). pandas holds 1677-2262 only;
# a date outside this range is a typo or a "never" placeholder (9999-12-31), not a deal.
EARLIEST: Final = dt.date(1990, 1, 1)
LATEST: Final = dt.date(2200, 1, 1)

# What one replication may simulate.
MAX_PROSPECTS: Final = 2_000_000  # expected prospects over the warm-up and the horizon (rate x time x growth)
MAX_DURATION_DAYS: Final = 36_500  # the 99th percentile of any duration (100 years)
MAX_ACV: Final = 1e10  # USD a year: the 99.9999th percentile of a tier's ACV, and an imported deal's amount
MAX_MODELS: Final = 1_000  # models per customer (99.9999th percentile)

# CRM exports.
DEFAULT_MAX_ROWS: Final = 2_000_000  # rows of an export read by default (`--max-rows` changes it)

# Monte Carlo arguments.
MAX_REPS: Final = 100_000  # replications per scenario (each holds a seed in memory before any work)
MAX_WORKERS: Final = 256  # local worker processes
MAX_SEED: Final = 2**63 - 1


def calendar_text() -> str:
    return f"{EARLIEST:%Y-%m-%d} to {LATEST - dt.timedelta(days=1):%Y-%m-%d}"


def bounded_int(name: str, low: int, high: int, why: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], else one line naming the option and the limit."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r}: expected a whole number") from None
        if not low <= value <= high:
            limit = f"{low:,} to {high:,}" + (f" ({why})" if why else "")
            raise argparse.ArgumentTypeError(f"{name} {value}: must be {limit}")
        return value

    parse.__name__ = name  # argparse names the type in its message when the type raises something else
    return parse


seed_arg: Final = bounded_int("--seed", 0, MAX_SEED, "a numpy SeedSequence entropy is non-negative")
reps_arg: Final = bounded_int("--reps", 1, MAX_REPS, "the limit per scenario")
workers_arg: Final = bounded_int("--workers", 1, MAX_WORKERS, "local processes")
batch_arg: Final = bounded_int("--batch-size", 1, MAX_REPS, "replications per task")


def bounded_float(name: str, low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high] (``low_open``: above ``low``), else one line naming the
    option and the range."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r}: expected a number") from None
        if not (low < value if low_open else low <= value) or not value <= high:
            raise argparse.ArgumentTypeError(f"{name} {value:g}: must be {'above' if low_open else 'from'} {low:g} "
                                             f"{'and at most' if low_open else 'to'} {high:g}")
        return value

    parse.__name__ = name
    return parse
