"""Digests of the four tables of a set of seeded runs: the record of today's results that every new mechanism, off,
must reproduce exactly (``tests/simulation/test_off_by_default.py``).

``python -m tests.simulation.golden`` rewrites ``tests/fixtures/golden_tables.json``: do that only when a change of
results is intended, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

from simulation.engine import simulate
from simulation.loader import load_scenario
from simulation.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden_tables.json"
# (scenario, fixes, seed): the two baselines, a stacked fix, the CRO playbook and two test fixtures.
RUNS = (
    ("scenarios/ai_startup.toml", (), 1),
    ("scenarios/ai_startup.toml", ("scenarios/fixes/extra_solution_engineer.toml",
                                   "scenarios/fixes/simplified_pov.toml"), 2),
    ("scenarios/ml_company.toml", (), 3),
    ("scenarios/variants/full_time_cro_playbook.toml", (), 4),
    ("tests/fixtures/crosscheck.toml", (), 5),
    ("tests/fixtures/engineer_bound.toml", (), 6),
)
TABLES = ("deals", "revenue", "spend", "resources")
# Issue 16's mechanisms: a shipped scenario may turn them on; the recorded tables are those with all of them off.
OPTIONAL = ("staff", "market", "billing", "usage")


def off(scenario: Scenario) -> Scenario:
    """``scenario`` with every optional mechanism of issue 16 turned off (its fixes keep their resolved values), and
    the fixes' own costs (issue 17: the spend table's ``fixes`` rows) set to nothing."""
    fixes = tuple(f.model_copy(update={"one_off_cost": 0.0, "monthly_cost": 0.0}) for f in scenario.fixes)
    return scenario.model_copy(update={**dict.fromkeys(OPTIONAL), "fixes": fixes})


def run(path: str, fixes: tuple[str, ...], seed: int) -> dict[str, str]:
    """The digests of the four tables of one recorded run, with the optional mechanisms off."""
    outcome = simulate(off(load_scenario(ROOT / path, [ROOT / f for f in fixes])), seed)
    return {name: digest(getattr(outcome, name)) for name in TABLES}


def digest(frame: pd.DataFrame) -> str:
    """A digest of a table's CSV text, floats written to 12 significant digits (robust to the last bit)."""
    text = frame.to_csv(index=False, float_format="%.12g")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key(path: str, fixes: tuple[str, ...], seed: int) -> str:
    return " + ".join((path, *fixes)) + f" @ seed {seed}"


def digests() -> dict[str, dict[str, str]]:
    return {key(*entry): run(*entry) for entry in RUNS}


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(digests(), indent=2) + "\n")
    print(f"wrote {GOLDEN}", file=sys.stderr)
