"""Issue 11's cross-check: ``funnelsim kpis`` agrees with an independent recomputation (tests/kpi/recompute.py) on
every KPI in every period, for a scenario with a mid-month start, an open pipeline above engineer capacity,
extensions, a delayed CRO, partner deals and renewals (tests/fixtures/crosscheck.toml).

One ``funnelsim run`` and two ``funnelsim kpis`` (the default quarters, and windows cut inside the partial first
and last months) per worker. Counts must agree exactly, amounts within a millionth of a dollar or 1e-9 relative,
rates within 1e-9; NaN only where the other side is NaN too. Written before issue 11's fixes, these tests failed
on defects 1, 2, 5, 6, 7 and 8 and on the all-time classic metrics (MRR, CAC, payback were NaN); they pass now.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from simulation.cli import main
from tests.conftest import FIXTURES
from tests.kpi import recompute as independent

SCENARIO = FIXTURES / "crosscheck.toml"
SEED = 6  # 35 won (7 large, 13 partner), 13 extensions, every revenue event kind, 8 gave up in the POV queue
START = pd.Timestamp("2027-01-18")
RUN_END = START + pd.Timedelta(days=546)
NNARR_TARGET = 450_000.0
QUOTA = 400_000.0
# Windows inside the run's partial first and last months (the --period syntax: END included).
WINDOWS = ("2027-01-18:2027-02-16", "2027-01-01:2027-06-30", "2028-06-20:2028-07-16")
WINDOW_METRICS = ("spend", "c2re", "c2re_trailing_30d", "cac")

COUNTS = {"deals_won", "nnarr_unpriced_deals", "nnarr_provisional_deals", "nnarr_final", "deployed_models"}
AMOUNTS = {
    "nnarr", "nnarr_gross", "nnarr_churn_90d", "nnarr_contraction_90d", "nnarr_provisional_acv", "nnarr_small",
    "nnarr_mid", "nnarr_large", "nnarr_direct", "nnarr_partner", "nnarr_target", "spend",
    "deployed_model_revenue", "mrr", "cac", "ltv",
}
# kpis.csv leaves a metric out when it has nothing to say; then the recomputation must say the same.
OMITTED_WHEN = {"nnarr_unpriced_deals": 0.0}


def _metric_ids() -> list[str]:
    names = [*independent.METRICS, "nnarr_target", "nnarr_pace", "quota_attainment"]
    return list(dict.fromkeys(names))


def _window(spec: str) -> independent.Window:
    first, last = spec.split(":")
    return independent.Window(f"{first}..{last}", pd.Timestamp(first), pd.Timestamp(last) + independent.DAY)


@pytest.fixture(scope="module")
def crosscheck(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("crosscheck")
    run, quarters, windows = root / "run", root / "kpis", root / "kpis_windows"
    assert main(["run", str(SCENARIO), "--seed", str(SEED), "--out", str(run)]) == 0
    common = ["--nnarr-target", str(NNARR_TARGET), "--quota", str(QUOTA)]
    assert main(["kpis", str(run), *common, "--out", str(quarters)]) == 0
    periods = [arg for spec in WINDOWS for arg in ("--period", spec)]
    assert main(["kpis", str(run), *periods, "--out", str(windows)]) == 0
    tables = independent.read_run(run)
    custom = [_window(spec) for spec in WINDOWS]
    return SimpleNamespace(
        run=run,
        tables=tables,
        mine=independent.recompute(tables, nnarr_target_6m=NNARR_TARGET, quota=QUOTA),
        theirs=pd.read_csv(quarters / "kpis.csv").set_index("metric"),
        mine_windows=pd.DataFrame(
            {w.label: [independent.METRICS[m](tables, w) for m in WINDOW_METRICS] for w in custom},
            index=list(WINDOW_METRICS),
        ),
        theirs_windows=pd.read_csv(windows / "kpis.csv").set_index("metric"),
    )


def _agree(metric: str, mine: float, theirs: float) -> bool:
    if math.isnan(mine) or math.isnan(theirs):
        return math.isnan(mine) and math.isnan(theirs)
    if metric in COUNTS:
        return mine == theirs
    return math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-6 if metric in AMOUNTS else 1e-12)


def _disagreements(metric: str, mine: pd.Series, theirs: pd.Series) -> list[str]:
    return [
        f"{period}: independent {mine[period]!r}, funnelsim kpis {float(theirs[period])!r}"
        for period in mine.index
        if not _agree(metric, float(mine[period]), float(theirs[period]))
    ]


def test_same_periods(crosscheck):
    """The default columns: every quarter from the first close or spend month to the last, then all time."""
    assert list(crosscheck.theirs.columns) == list(crosscheck.mine.columns)


def test_no_metric_left_unchecked(crosscheck):
    unchecked = set(crosscheck.theirs.index) - set(crosscheck.mine.index)
    assert not unchecked, f"kpis.csv has metrics the recomputation does not know: {sorted(unchecked)}"


@pytest.mark.parametrize("metric", _metric_ids())
def test_metric_agrees_in_every_period(crosscheck, metric):
    mine = crosscheck.mine.loc[metric]
    if metric not in crosscheck.theirs.index and metric in OMITTED_WHEN:
        assert (mine == OMITTED_WHEN[metric]).all(), f"kpis left {metric} out, the recomputation has {mine}"
        return
    assert metric in crosscheck.theirs.index, f"kpis.csv has no {metric}"
    wrong = _disagreements(metric, mine, crosscheck.theirs.loc[metric, mine.index])
    assert not wrong, f"{metric} disagrees:\n" + "\n".join(wrong)


@pytest.mark.parametrize("metric", WINDOW_METRICS)
def test_spend_metrics_agree_on_windows_inside_partial_months(crosscheck, metric):
    """Windows starting on the start date, over the first six months, and ending in the last (partial) month."""
    mine = crosscheck.mine_windows.loc[metric]
    wrong = _disagreements(metric, mine, crosscheck.theirs_windows.loc[metric, mine.index])
    assert not wrong, f"{metric} disagrees:\n" + "\n".join(wrong)


def test_the_scenario_has_the_edges_it_is_for(crosscheck):
    """Mid-month start, an open pipeline above engineer capacity, extensions, renewals: else the test proves little."""
    t = crosscheck.tables
    deals, revenue = t.deals, t.revenue
    assert START.day > 1 and t.spend["month"].min() < START
    open_at_start = deals["id"].str.startswith("P")
    queued = open_at_start & (deals["data_access_granted"] < START) & ~(deals["pov_started"] < START)
    running = open_at_start & (deals["pov_started"] < START)
    resources = pd.read_csv(crosscheck.run / "resources.csv")
    slots = int(resources.loc[resources["resource"] == "solution_engineers", "capacity"].iloc[0])
    assert queued.sum() >= 3 and running.sum() + queued.sum() > slots
    assert (deals["extended"] == True).sum() >= 5  # noqa: E712
    assert ((deals["extended"] == True) & (deals["outcome"] == "won")).sum() >= 3  # noqa: E712
    assert set(independent.EVENT_ORDER) <= set(revenue["event"])
    won = deals[deals["outcome"] == "won"]
    assert set(won["tier"]) == {"small", "mid", "large"} and set(won["channel"]) == {"direct", "partner"}
    assert won["retention_90d"].isna().any() and (won["founder_in_final_meeting"] == False).any()  # noqa: E712
    assert (deals["lost_stage"] == "pov_queue").any()
    assert (crosscheck.mine.loc["grr_model"].notna()).sum() >= 4  # quarters with a renewal cohort


def test_cro_retainer_accrues_from_the_start_delay(crosscheck):
    """The retainer is paid per day from start + start_delay_days for engagement_months (of 365.25 / 12 days),
    and never before."""
    spend = crosscheck.tables.spend
    retainer = spend[spend["category"] == "cro_retainer"].set_index("month")["amount"]
    first_day = START + pd.Timedelta(days=21)
    last_day = first_day + pd.Timedelta(days=365.25)
    for month, amount in retainer.items():
        month_end = month + pd.offsets.MonthBegin(1)
        days = max(0.0, (min(month_end, last_day) - max(month, first_day)) / pd.Timedelta(days=1))
        expected = 15_000.0 * days / month.days_in_month
        assert amount == pytest.approx(expected, rel=1e-9, abs=1e-6), f"cro_retainer {month:%Y-%m}"


def test_spend_rows_say_the_days_they_cover(crosscheck):
    spend = pd.read_csv(crosscheck.run / "spend.csv")
    assert {"start", "end"} <= set(spend.columns)
    assert pd.to_datetime(spend["start"]).min() == START
    assert pd.to_datetime(spend["end"]).max() == RUN_END


def test_povs_running_at_the_start_are_the_engineers_busy(crosscheck):
    """Just after the start, the deals table's running POVs are the resource log's busy slots."""
    deals = crosscheck.tables.deals
    instant = START + pd.Timedelta(seconds=1)
    running = (deals["pov_started"] <= instant) & ~(deals["pov_ended"] <= instant)
    resources = pd.read_csv(crosscheck.run / "resources.csv", parse_dates=["time"])
    engineers = resources[(resources["resource"] == "solution_engineers") & (resources["time"] <= instant)]
    assert int(running.sum()) == int(engineers["busy"].iloc[-1])


def test_the_recomputation_imports_nothing_of_funnelsim():
    source = Path(independent.__file__).read_text()
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    assert not modules & {"analysis", "simulation", "tests"}, modules
