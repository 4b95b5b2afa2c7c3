"""Each command imports what it uses when it runs: ``--help``, ``schema`` and ``validate`` answer without pandas,
Matplotlib or (but for ``validate``'s quantile functions) SciPy. Checked in a fresh interpreter, where nothing is
loaded yet; the time it saves is measured in ``benchmarks/bench_commands.py``, not here."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from simulation import cli
from tests.conftest import ROOT

HEAVY = ("pandas", "matplotlib", "scipy", "dask", "simpy")


def loaded_by(argv: list[str]) -> set[str]:
    """The heavy top-level packages in ``sys.modules`` after ``funnelsim ARGV`` in a fresh interpreter."""
    program = (
        "import contextlib, io, json, sys\n"
        "from simulation.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("argv", [["--help"], ["forecast", "--help"], ["lab", "--help"], ["schema"],
                                  ["schema", "--tables"]])
def test_help_and_schema_load_no_heavy_library(argv: list[str]) -> None:
    assert not {name for name in loaded_by(argv) if name.split(".")[0] in HEAVY}


def test_validate_loads_only_scipys_special_functions() -> None:
    """The limits a scenario is checked against are quantiles (a tier's ACV band, the 99th percentile of a duration),
    computed by the same SciPy special functions the engine draws with: nothing else heavy is loaded."""
    loaded = loaded_by(["validate", "scenarios/ai_startup.toml", "--fix", "scenarios/fixes/simplified_pov.toml"])
    heavy = {name.split(".")[0] for name in loaded if name.split(".")[0] in HEAVY}
    assert heavy <= {"scipy", "simpy"}
    assert "scipy.special" in loaded
    assert not {"scipy.stats", "scipy.optimize", "pandas", "matplotlib"} & loaded


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_names_a_handler_that_exists() -> None:
    commands = _subcommands(cli.build_parser())
    assert {"run", "validate", "schema", "kpis", "forecast", "compare", "sensitivity", "import", "calibrate",
            "backtest", "dashboard", "autopsy", "health", "lab"} <= set(commands)
    for name, parser in commands.items():
        handler = cli.handler(argparse.Namespace(handler=parser.get_default("handler")))
        assert callable(handler), name


def test_the_autopsy_default_is_the_reports_own() -> None:
    from analysis.commands.arguments import AUTOPSY_DELAY_DAYS
    from analysis.report.autopsy import DEFAULT_DELAY_DAYS

    assert AUTOPSY_DELAY_DAYS == DEFAULT_DELAY_DAYS
