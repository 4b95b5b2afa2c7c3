"""Every optional mechanism (staff, market, billing, usage, seasonality...) is off unless a scenario turns it on,
and off it reproduces the results recorded in ``tests/fixtures/golden_tables.json`` exactly: same tables, same
digests. A shipped scenario that turns one on is checked with it turned off (:func:`tests.simulation.golden.off`);
each mechanism's own tests check what it changes when on."""

from __future__ import annotations

import json

import pytest

from tests.simulation import golden

RECORDED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.parametrize("run", golden.RUNS, ids=lambda r: golden.key(*r))
def test_tables_are_the_recorded_ones(run: tuple[str, tuple[str, ...], int]) -> None:
    assert golden.run(*run) == RECORDED[golden.key(*run)]
