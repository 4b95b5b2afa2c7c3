"""Same seed, same prospects: determinism, common random numbers between scenarios, fixes from their start day."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import load_scenario, simulate
from simulation.randomness import replication_seeds
from simulation.scenario import Scenario
from tests.conftest import FIXES, SCENARIOS

PROSPECT = ["id", "tier", "channel", "arrived", "acv", "models"]


def test_same_seed_gives_identical_tables(ai_startup: Scenario) -> None:
    a, b = simulate(ai_startup, 7), simulate(ai_startup, 7)
    for name in ("deals", "revenue", "spend", "resources"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_seed_sequence_and_int_agree(ai_startup: Scenario) -> None:
    pd.testing.assert_frame_equal(
        simulate(ai_startup, 7).deals, simulate(ai_startup, np.random.SeedSequence(7)).deals
    )


def test_different_seeds_give_different_prospects(ai_startup: Scenario) -> None:
    a, b = simulate(ai_startup, 1).deals, simulate(ai_startup, 2).deals
    assert len(a) != len(b) or not a["arrived"].equals(b["arrived"])
    assert not a["acv"].equals(b["acv"])


@pytest.mark.parametrize("fix", FIXES, ids=lambda p: p.stem)
def test_a_fix_keeps_the_same_prospects(ai_startup: Scenario, fix: object) -> None:
    fixed = load_scenario(SCENARIOS / "ai_startup.toml", [fix])  # type: ignore[list-item]
    base, other = simulate(ai_startup, 3).deals, simulate(fixed, 3).deals
    key = lambda d: d[PROSPECT].sort_values("id").reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(key(base), key(other))


def test_a_pov_fix_changes_only_deals_reaching_the_pov_after_its_start(ai_startup: Scenario) -> None:
    fixed = load_scenario(SCENARIOS / "ai_startup.toml", [SCENARIOS / "fixes" / "self_serve_sandbox.toml"])
    start_day = fixed.fixes[0].start_day
    cut = pd.Timestamp(ai_startup.scenario.start_date) + pd.Timedelta(days=start_day)
    base = simulate(ai_startup, 4).deals.set_index("id")
    new = simulate(fixed, 4).deals.set_index("id")
    # Everything that happened before the fix started is identical, deal by deal.
    early = base.index[base["data_access_granted"] < cut - pd.Timedelta(days=90)]  # POVs last at most 90 days
    before = base.loc[early, "pov_started"] < cut
    same = early[before.to_numpy()]
    pd.testing.assert_series_equal(base.loc[same, "pov_ended"], new.loc[same, "pov_ended"])
    # POVs that start after the start day run 30-60 days (the fix), those before 45-90 (the baseline).
    length = (new["pov_ended"] - new["pov_started"]).dt.total_seconds() / 86400
    clean = new["pov_completed"].fillna(False).astype(bool) & ~new["extended"].fillna(False).astype(bool)
    after = clean & (new["pov_started"] >= cut)
    earlier = clean & (new["pov_started"] < cut) & (new["pov_started"] > pd.Timestamp(ai_startup.scenario.start_date))
    assert after.sum() > 10 and earlier.sum() > 3
    assert length[after].between(30, 60).all()
    assert length[earlier].between(45, 90).all()


def test_a_fix_from_day_0_leaves_the_opening_pipeline_alone(ai_startup: Scenario, tmp_path: Path) -> None:
    """The warm-up runs on the base parameters: a fix from the start date changes what happens from then on, not the
    pipeline the run opens on (before, a day-0 fix merged into the base regime and reached back into the warm-up)."""
    fix = tmp_path / "day0.toml"
    fix.write_text('[fix]\nname = "day0"\nsummary = "POVs half as long from the start date"\nstart_day = 0\n'
                   '[pov]\nduration_days = { scale = 0.5 }\n', encoding="utf-8")
    fixed = load_scenario(SCENARIOS / "ai_startup.toml", [fix])
    start = pd.Timestamp(ai_startup.scenario.start_date)
    base = simulate(ai_startup, 6).deals.set_index("id")
    new = simulate(fixed, 6).deals.set_index("id")
    opening = base.index[base["arrived"] < start]
    assert len(opening) > 10 and set(new.index[new["arrived"] < start]) == set(opening)
    stamps = ["arrived", "dq_checked", "data_access_granted", "pov_started", "negotiation_started"]
    for column in stamps:  # every event before the start date is the same, deal by deal
        before = base.loc[opening, column].where(base.loc[opening, column] < start)
        after = new.loc[opening, column].where(new.loc[opening, column] < start)
        pd.testing.assert_series_equal(before, after, check_names=False)
    # and from the start date the fix is in force: POVs that start then run 22.5-45 days, not 45-90
    clean = new["pov_completed"].fillna(False).astype(bool) & ~new["extended"].fillna(False).astype(bool)
    late = clean & (new["pov_started"] >= start)
    length = (new.loc[late, "pov_ended"] - new.loc[late, "pov_started"]).dt.total_seconds() / 86400
    assert late.sum() > 10 and length.between(22.5, 45).all()


def test_the_same_prospect_lands_on_the_same_quantile(ai_startup: Scenario) -> None:
    """Inverse-CDF draws: a prospect with a long baseline POV also has a long POV under the fix."""
    fixed = load_scenario(SCENARIOS / "ai_startup.toml", [SCENARIOS / "fixes" / "self_serve_sandbox.toml"])
    patched = fixed.model_copy(update={"fixes": (fixed.fixes[0].model_copy(update={"start_day": 0.0}),)})
    lengths = []
    for scenario in (ai_startup, patched):
        d = simulate(scenario, 9).deals.set_index("id")
        d = d[d.index.str.startswith("D")]  # new prospects (the warm-up's ran their POVs before the fix)
        ok = d["pov_completed"].fillna(False).astype(bool) & ~d["extended"].fillna(False).astype(bool)
        lengths.append(((d["pov_ended"] - d["pov_started"]).dt.total_seconds() / 86400)[ok])
    both = pd.concat(lengths, axis=1, join="inner").dropna()
    assert len(both) > 10
    assert both.rank().corr().iloc[0, 1] == pytest.approx(1.0)


def test_stacked_fixes_apply_in_start_day_order(ai_startup: Scenario) -> None:
    # The [staff] hire fixes add ramping seats of their own (tests/simulation/test_staff.py): left out here.
    stacked = load_scenario(SCENARIOS / "ai_startup.toml", [f for f in FIXES if "[staff]" not in f.read_text()])
    out = simulate(stacked, 5)
    se = out.resources[out.resources["resource"] == "solution_engineers"]
    per_slot = ai_startup.pov.povs_per_engineer
    cut = out.start_date + pd.Timedelta(days=60)
    engineers = ai_startup.pov.solution_engineers
    assert set(se.loc[se["time"] < cut, "capacity"]) == {engineers * per_slot}
    assert set(se.loc[se["time"] > cut, "capacity"]) == {(engineers + 1) * per_slot}  # extra_solution_engineer


def test_one_seed_object_gives_the_same_run_every_time(ai_startup: Scenario) -> None:
    """A SeedSequence handed to simulate twice (two scenarios of a comparison, say) is read, not consumed."""
    seed = np.random.SeedSequence(31)
    first, second = simulate(ai_startup, seed), simulate(ai_startup, seed)
    pd.testing.assert_frame_equal(first.deals, second.deals)
    fresh = np.random.SeedSequence(31).spawn(3)  # what spawn gives a fresh sequence: seeded results unchanged
    assert [c.spawn_key for c in replication_seeds(seed, 3)] == [c.spawn_key for c in fresh]
