"""The forecast's market KPI: ``market_untouched_12m`` appears only with a ``[market]`` section, and both reducers
read it from the market table at the end of the run's 12th calendar month."""

from __future__ import annotations

import math

import pandas as pd

from analysis.kpi.funnel import untouched_share
from analysis.montecarlo import fast_reducer, reducer
from simulation.engine import run
from simulation.loader import load_scenario
from tests.conftest import SCENARIOS

FINITE = SCENARIOS / "variants" / "finite_market.toml"


def test_the_market_kpi_is_there_only_with_a_market() -> None:
    base = load_scenario(SCENARIOS / "ai_startup.toml")
    finite = load_scenario(FINITE)
    plain = fast_reducer.reduce_record(base, run(base, 3)).kpis
    record = run(finite, 3)
    with_market = fast_reducer.reduce_record(finite, record).kpis
    assert "market_untouched_12m" not in plain
    assert set(with_market) - set(plain) == {"market_untouched_12m"}
    # Start 2027-01-04: the 12th calendar month is December 2027; its row of the table holds the month's end.
    table = record.outcome().extra["market"]
    december = table[table["month"] == pd.Timestamp("2027-12-01")]
    expected = december["untouched"].sum() / december["accounts"].sum()
    assert with_market["market_untouched_12m"] == expected == untouched_share(table, pd.Timestamp("2027-12-01"))
    assert reducer.reduce_outcome(finite, record.outcome()).kpis["market_untouched_12m"] == expected


def test_a_run_shorter_than_twelve_months_has_no_figure() -> None:
    finite = load_scenario(FINITE)
    short = finite.model_copy(update={"scenario": finite.scenario.model_copy(update={"horizon_days": 360})})
    record = run(short, 1)
    assert math.isnan(fast_reducer.reduce_record(short, record).kpis["market_untouched_12m"])
    assert math.isnan(reducer.reduce_outcome(short, record.outcome()).kpis["market_untouched_12m"])
