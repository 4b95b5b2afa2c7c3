"""A fix's own cost ([fix] one_off_cost, monthly_cost) is spend from its start day: the spend table's ``fixes``
rows, prorated by day like every monthly cost, and counted by C2RE. Without costs the table has no such rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulation.engine import simulate
from simulation.loader import ScenarioError, load_scenario
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny.toml"  # starts 2027-01-04, 400 days: to 2028-02-08 (excluded)


def _fix(tmp_path: Path, costs: str) -> Path:
    path = tmp_path / "costly.toml"
    path.write_text(f'[fix]\nname = "costly"\nstart_day = 30\n{costs}\n[pov]\ncompletion_probability = 1.0\n')
    return path


def _fix_rows(spend: pd.DataFrame) -> pd.Series:
    rows = spend[spend["category"] == "fixes"]
    return pd.Series(rows["amount"].to_numpy(), index=rows["month"].dt.strftime("%Y-%m"))


def test_a_monthly_cost_from_day_30_adds_exactly_the_prorated_amounts(tmp_path: Path) -> None:
    scenario = load_scenario(TINY, [_fix(tmp_path, "monthly_cost = 1000\none_off_cost = 5000")])
    rows = _fix_rows(simulate(scenario, 1).spend)
    # Day 30 is 3 February 2027: 26 of February's 28 days, plus the one-off on that day; then whole months; the
    # run ends on 8 February 2028, so its last row holds 7 of the 29 days of February 2028.
    assert rows["2027-01"] == 0.0
    assert rows["2027-02"] == pytest.approx(1000 * 26 / 28 + 5000, rel=1e-12)
    assert rows["2027-03":"2028-01"].tolist() == pytest.approx([1000.0] * 11, rel=1e-12)
    assert rows["2028-02"] == pytest.approx(1000 * 7 / 29, rel=1e-12)
    assert rows.sum() == pytest.approx(5000 + 1000 * (26 / 28 + 11 + 7 / 29), rel=1e-12)


def test_without_costs_the_spend_table_has_no_fix_rows_and_the_rest_is_unchanged(tmp_path: Path) -> None:
    free = simulate(load_scenario(TINY, [_fix(tmp_path, "")]), 1).spend
    costly = simulate(load_scenario(TINY, [_fix(tmp_path, "monthly_cost = 1000")]), 1).spend
    assert "fixes" not in set(free["category"])
    others = costly[costly["category"] != "fixes"].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, free.reset_index(drop=True))


def test_a_negative_cost_is_one_line_naming_the_file_and_key(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"costly\.toml: fix\.monthly_cost"):
        load_scenario(TINY, [_fix(tmp_path, "monthly_cost = -5")])
