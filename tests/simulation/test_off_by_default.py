"""Every optional mechanism (staff, market, billing, usage, seasonality...) is off unless a scenario turns it on, and
off it reproduces the results recorded in ``tests/fixtures/golden_tables.json`` exactly: same tables, same digests."""

from __future__ import annotations

import json

import pytest

from tests.simulation import golden

RECORDED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.parametrize("run", golden.RUNS, ids=lambda r: golden.key(*r))
def test_tables_are_the_recorded_ones(run: tuple[str, tuple[str, ...], int]) -> None:
    from simulation.engine import simulate
    from simulation.loader import load_scenario

    path, fixes, seed = run
    outcome = simulate(load_scenario(golden.ROOT / path, [golden.ROOT / f for f in fixes]), seed)
    got = {name: golden.digest(getattr(outcome, name)) for name in golden.TABLES}
    assert got == RECORDED[golden.key(path, fixes, seed)]
