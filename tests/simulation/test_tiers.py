"""A deal's tier and its ACV agree: each tier's ACV is drawn within article A's band (issue 11, defect 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.arrivals import acv_band, attributes
from simulation.distributions import LogNormal, Uniform
from simulation.errors import InputError
from simulation.loader import load_scenario
from simulation.randomness import ATTRIBUTES
from simulation.tables import TIERS, tier_of_acv
from tests.conftest import ROOT


def test_every_drawn_acv_lies_in_its_tiers_band() -> None:
    """Before the cut, about 3 % of the shipped scenario's deals contradicted their tier (a "small" $54K deal)."""
    scenario = load_scenario(ROOT / "scenarios" / "ai_startup.toml")
    prospects = attributes(scenario, np.random.default_rng(11).random((20_000, len(ATTRIBUTES))))

    recorded = np.array(TIERS)[prospects.tier]
    derived = tier_of_acv(pd.Series(prospects.acv)).to_numpy(dtype=object)
    assert (recorded == derived).all()
    # The shipped large tier (lognormal, mean $250K) has 6.9 % of its mass under $150K: those quantiles are cut.
    large = prospects.acv[prospects.tier == 2]
    assert large.min() > 150_000


def test_the_band_is_the_distribution_cut_by_inverse_cdf() -> None:
    acv = Uniform(low=0, high=100_000)
    assert acv_band(acv, "small") == (0.0, 0.5)
    assert acv_band(acv, "mid") == (0.5, 1.0)
    low, high = acv_band(LogNormal(mean=250_000, sd=80_000), "large")
    assert 0.06 < low < 0.08 and high == 1.0


def test_a_tier_whose_acv_never_reaches_its_band_is_refused(tmp_path) -> None:
    scenario = tmp_path / "wrong_band.toml"
    tiny = (ROOT / "tests" / "fixtures" / "tiny.toml").as_posix()
    band = '{ dist = "uniform", low = 50000, high = 140000 }'
    scenario.write_text(f'extends = "{tiny}"\n[tiers.large]\nacv = {band}\n')
    with pytest.raises(InputError, match=r"tiers\.large\.acv: uniform\(low=50000, high=140000\) never falls in "
                                         r"the large tier's band \(over \$150K, article A\)"):
        load_scenario(scenario)
