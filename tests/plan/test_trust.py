"""How far to trust the model: the calibrated scenario, the held-out backtest, and the poor-coverage warning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.crm.calibrate import calibrate
from analysis.crm.calibration_scenario import write_scenario
from analysis.crm.exports import export_deals, import_deals
from analysis.crm.mapping import load_mapping
from analysis.plan.trust import calibrated_scenario, expected_coverage, poor_below, trust
from simulation import load_scenario, simulate
from simulation.scenario import Scenario
from tests.conftest import BASE, MAPPINGS, MAVEN, OLIST, negotiation_truth

TRUTH = negotiation_truth("trust truth", negotiation_mean=30, negotiation_sd=10)


END = pd.Timestamp("2027-01-04") + pd.Timedelta(days=364)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """A company whose parameters are known (``funnelsim run``'s deals, a seed the replications skip), exported as a
    Salesforce CSV and imported back: created and closed dates only, as a CRM gives them."""
    folder = tmp_path_factory.mktemp("truth")
    (folder / "truth.toml").write_text(TRUTH, encoding="utf-8")
    deals = simulate(load_scenario(folder / "truth.toml"), seed=1000).deals
    mapping = load_mapping(MAPPINGS / "salesforce.toml")
    export_deals(deals, mapping, as_of=END - pd.Timedelta(days=1)).to_csv(folder / "export.csv", index=False)
    return import_deals(folder / "export.csv", mapping)[0]


def test_the_poor_line_is_the_exact_binomial_tail() -> None:
    # 10 months, a fitting model holding 80 %: P(X <= 4) = 0.0064 < 2.5 % <= P(X <= 5) = 0.0328
    assert poor_below(10, 0.8) == 5
    assert expected_coverage(8) == pytest.approx(0.8 * 7 / 9)  # a band cut from 8 draws holds 62 %, not 80 %
    assert poor_below(3, expected_coverage(50)) == 1  # three months: only none inside is poor


def test_the_in_memory_scenario_is_the_one_calibrate_writes(export: pd.DataFrame, tmp_path: Path,
                                                             ai_startup: Scenario) -> None:
    cal = calibrate(export, source="export.csv", durations="single")
    written = write_scenario(cal, BASE, tmp_path / "calibrated.toml", "funnelsim calibrate export.csv")
    built = calibrated_scenario(cal, ai_startup, "export.csv")
    assert built.model_dump() == written.model_dump()


def test_a_simulated_export_round_trips_and_is_trusted(export: pd.DataFrame, ai_startup: Scenario) -> None:
    scenario, section = trust(export, ai_startup, seed=5, reps=12, durations="single")
    assert section.key == "trust" and not section.warning
    rate = scenario.arrivals.rate_per_week
    assert abs(rate - 25.0) < 3 * 25.0 ** 0.5 / 52 ** 0.5  # Poisson: SE sqrt(25 x 52) / 52 a week
    assert scenario.negotiation.win_probability == pytest.approx(0.5, abs=0.1)
    table = section.table
    assert table is not None
    band = table[table["check"] == "won deals: months inside the P10-P90 band"].iloc[0]
    assert band["fits"] and band["expected_high"] == pytest.approx(expected_coverage(12))
    assert section.headline.startswith("The model's monthly won deals fit the held-out months (its P10-P90 band "
                                       "held 4 of 5")
    assert "12 replications, months from 2027-09-01 held out" in section.headline
    assert section.figure is not None


def test_a_company_that_changed_after_the_split_raises_the_warning(export: pd.DataFrame,
                                                                   ai_startup: Scenario) -> None:
    """Deals created after the split tripled (two copies of each, hours apart): the model calibrated on the export as
    it looked on the split day cannot know, and every held-out month's wins are far above its band."""
    split = pd.Timestamp("2027-08-01")
    late = export[export["arrived"] >= split]
    copies = [late.assign(id=late["id"].astype(str) + f"-{k}",
                          **{c: late[c] + pd.Timedelta(hours=k) for c in ("arrived", "closed")}) for k in (1, 2)]
    changed = pd.concat([export, *copies], ignore_index=True)
    _, section = trust(changed, ai_startup, seed=5, reps=12, holdout=0.4, durations="single")
    assert section.warning
    assert section.headline.startswith("Do not trust the model's monthly forecasts yet")


@pytest.mark.skipif(not MAVEN.exists(), reason=f"public dataset not present at {MAVEN}")
def test_maven_end_to_end(ai_startup: Scenario) -> None:
    mapping = load_mapping(MAPPINGS / "maven.toml")
    deals, _ = import_deals(MAVEN, mapping)
    scenario, section = trust(deals, ai_startup, seed=0, reps=2, mapping=mapping, source="maven")
    assert scenario.scenario.start_date.isoformat() == "2017-03-01"  # the mapping's complete_from
    assert "months from 2017-10-01 held out" in section.headline
    assert any("taken from the base scenario" in c for c in section.caveats)
    assert section.table is not None and "won ACV (USD): months inside the P10-P90 band" in set(section.table["check"])


@pytest.mark.skipif(not OLIST.exists(), reason=f"public dataset not present at {OLIST}")
def test_olist_end_to_end(ai_startup: Scenario) -> None:
    mapping = load_mapping(MAPPINGS / "olist.toml")
    deals, _ = import_deals(OLIST, mapping)
    _, section = trust(deals, ai_startup, seed=0, reps=2, mapping=mapping, source="olist")
    assert any("tier mix: the export has no amounts" in c for c in section.caveats)
    assert section.table is not None
    checks = set(section.table["check"])
    assert "won ACV (USD): months inside the P10-P90 band" not in checks  # no amounts
    assert not any(c.startswith("win rate") for c in checks)  # wins only
