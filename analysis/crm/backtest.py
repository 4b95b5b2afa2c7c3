"""Backtest: simulate a (calibrated) scenario over an export's window and compare with what actually happened.

Both sides are measured the same way: deals created in ``[start, arrivals_end)``, events seen up to ``end``
(the day after the export date), so censoring treats actual and simulated deals alike.

* monthly won deals and won ACV: the actual value against the P10-P90 band of the replications, and the
  **coverage** (share of months whose actual falls inside the band; about 80 % when the model fits);
* the cycle length of won deals: two-sample Kolmogorov-Smirnov statistic, actual vs all replications pooled;
* win rate (won / (won + lost)), conversion (won / created) and each dated stretch's pass rate: actual vs P10-P50-P90.

With a holdout the scenario was calibrated on the export as it looked on ``test_from``; only months from then
on are scored. The replication loop (:func:`simulated_deals`) is deliberately small and separate, so the Monte
Carlo runner can replace it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from analysis.crm.calibrate import DAY, stretch_masks
from analysis.crm.scoring import score
from analysis.crm.scoring import summary_lines as scoring_lines
from simulation.engine import run
from simulation.parameter_draw import describe, with_parameter_draw
from simulation.randomness import Seed, replication_seeds
from simulation.scenario import Scenario
from simulation.tables import STAGE_ENTERED

BAND: Final = (0.1, 0.9)


@dataclass(frozen=True)
class Window:
    """Deals created in ``[start, arrivals_end)``, observed until ``end``; scored from ``test_from``."""

    start: pd.Timestamp
    end: pd.Timestamp
    arrivals_end: pd.Timestamp
    test_from: pd.Timestamp | None = None

    @property
    def horizon_days(self) -> int:
        return round((self.end - self.start) / DAY)

    @property
    def scored_from(self) -> pd.Timestamp:
        return self.test_from or self.start


@dataclass(frozen=True)
class Backtest:
    """The comparison tables and the raw cycle samples behind the KS statistic."""

    window: Window
    reps: int
    monthly: pd.DataFrame  # month, metric, actual, p10, p50, p90, inside
    coverage: pd.DataFrame  # metric, level (0.5, 0.8, 0.9), months, inside, coverage, binomial_se
    rates: pd.DataFrame  # metric, actual, p10, p50, p90, inside
    actual_cycles: np.ndarray
    simulated_cycles: np.ndarray
    ks: float
    has_acv: bool
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)  # per month: CRPS, interval score, PIT (scoring)
    band: str = ""  # which uncertainty the bands hold (simulation.parameter_draw.describe)


def as_seen_at(deals: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """The deals table as an export taken at ``moment`` would show it: later dates blank, unclosed deals open.

    An amount (and a tier) that the export gives for closed deals only (Maven's ``close_value``: no open deal has
    one) is what the deal closed at, known only at the close: a deal reopened here loses it, so a holdout's
    training part does not fit its ACV on the sizes of deals that had not closed yet.
    """
    out = deals[deals["arrived"] < moment].copy()
    for column in (c for c, kind in out.dtypes.items() if str(kind).startswith("datetime64")):
        out.loc[out[column] >= moment, column] = pd.NaT
    still_open = out["closed"].isna() & (out["outcome"] != "open")
    out.loc[still_open, "outcome"] = "open"
    if "lost_stage" in out.columns:
        out.loc[still_open, "lost_stage"] = pd.NA
    open_in_export = deals["outcome"] == "open"
    for column in ("acv", "tier"):
        if column in out.columns and not deals.loc[open_in_export, column].notna().any():
            out.loc[still_open, column] = np.nan if column == "acv" else None
    return out.reset_index(drop=True)


def over_window(scenario: Scenario, window: Window) -> Scenario:
    """``scenario`` starting on the window's first day and running to its end, with no open pipeline."""
    meta = scenario.scenario.model_copy(update={"start_date": window.start.date(),
                                                "horizon_days": window.horizon_days})
    pipeline = scenario.pipeline.model_copy(update={"open": (), "csv": None})
    return scenario.model_copy(update={"scenario": meta, "pipeline": pipeline})


def simulated_deals(scenario: Scenario, reps: int, seed: Seed) -> Iterator[pd.DataFrame]:
    """The deals table of each replication (replication k uses child k of ``seed``, as the Monte Carlo runner)."""
    for child in replication_seeds(seed, reps):
        # with_parameter_draw: the scenario itself when it has no [uncertainty]
        yield run(with_parameter_draw(scenario, child), child).deals_table()


def backtest(actual: pd.DataFrame, scenario: Scenario, window: Window, *, reps: int, seed: Seed = 0) -> Backtest:
    """Simulate ``scenario`` over ``window`` ``reps`` times and compare with the ``actual`` deals table."""
    if reps < 2:
        raise ValueError("a backtest needs at least 2 replications for a band")
    has_acv = bool(actual.loc[actual["outcome"] == "won", "acv"].notna().any())
    act = observe(actual, window)
    sims = [observe(d, window) for d in simulated_deals(over_window(scenario, window), reps, seed)]
    months = pd.period_range(window.scored_from, window.end - DAY, freq="M")
    monthly, samples, actuals = _monthly(act, sims, months, has_acv)
    scores, coverage = score(samples, actuals, list(months.astype(str)), seed)
    rates = _rates(act, sims, window)
    if not (act["outcome"] == "lost").any():  # a wins-only export: no win rate to compare
        rates = rates[~rates["metric"].str.startswith("win rate")].reset_index(drop=True)
    actual_cycles = won_cycles(act, window)
    simulated_cycles = np.concatenate([won_cycles(s, window) for s in sims])
    ks = float(stats.ks_2samp(actual_cycles, simulated_cycles).statistic) if len(actual_cycles) and len(
        simulated_cycles) else float("nan")
    return Backtest(window, reps, monthly, coverage, rates, actual_cycles, simulated_cycles, ks, has_acv, scores,
                    describe(scenario))


def observe(deals: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Deals created in the window's cohort, as seen at the window's end."""
    cohort = deals[(deals["arrived"] >= window.start) & (deals["arrived"] < window.arrivals_end)]
    return as_seen_at(cohort, window.end)


def won_cycles(deals: pd.DataFrame, window: Window) -> np.ndarray:
    """Days from created to won, for deals won in the scored part of the window."""
    won = deals[(deals["outcome"] == "won") & (deals["closed"] >= window.scored_from)]
    return ((won["closed"] - won["arrived"]) / DAY).to_numpy(dtype=float)


def _monthly_values(deals: pd.DataFrame, months: pd.PeriodIndex, has_acv: bool) -> dict[str, pd.Series]:
    won = deals[deals["outcome"] == "won"]
    month = won["closed"].dt.to_period("M")
    out = {"won deals": month.value_counts().reindex(months, fill_value=0).astype(float)}
    if has_acv:
        out["won ACV (USD)"] = won["acv"].groupby(month).sum().reindex(months, fill_value=0.0)
    return out


def _monthly(act: pd.DataFrame, sims: list[pd.DataFrame], months: pd.PeriodIndex, has_acv: bool) -> tuple[
        pd.DataFrame, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The P10-P50-P90 table, and per metric the replications x months values and the actuals (for scoring)."""
    actual = _monthly_values(act, months, has_acv)
    simulated = [_monthly_values(s, months, has_acv) for s in sims]
    frames = []
    samples: dict[str, np.ndarray] = {}
    for metric, values in actual.items():
        matrix = samples[metric] = np.vstack([s[metric].to_numpy() for s in simulated])
        low, mid, high = np.quantile(matrix, [BAND[0], 0.5, BAND[1]], axis=0)
        frames.append(pd.DataFrame({
            "month": months.astype(str), "metric": metric, "actual": values.to_numpy(),
            "p10": low, "p50": mid, "p90": high,
            "inside": (values.to_numpy() >= low) & (values.to_numpy() <= high),
        }))
    return (pd.concat(frames, ignore_index=True), samples,
            {metric: values.to_numpy(dtype=float) for metric, values in actual.items()})


def rate_table(deals: pd.DataFrame, window: Window) -> dict[str, float]:
    """Win rate, conversion and the pass rate of each dated stretch (the same rule as the calibration's)."""
    won = deals["outcome"] == "won"
    lost = deals["outcome"] == "lost"  # disqualified deals are not sales losses (and the calibration's never-closers)
    closed_in_test = deals["closed"] >= window.scored_from
    created = deals["arrived"] >= window.scored_from
    out = {
        "win rate (won / won+lost)": _ratio((won & closed_in_test).sum(), ((won | lost) & closed_in_test).sum()),
        "conversion (won / created)": _ratio((won & created).sum(), created.sum()),
    }
    present = [(s, c) for s, c in STAGE_ENTERED.items() if c in deals.columns and deals[c].notna().any()]
    names = list(STAGE_ENTERED)
    for k, (stage, column) in enumerate(present if len(present) > 1 else []):
        later = present[k + 1:]
        stages = tuple(names[names.index(stage): names.index(later[0][0]) if later else len(names)])
        _, passed, lost_here, _ = stretch_masks(deals, stages, column, [c for _, c in later])
        out[f"pass rate from {column}"] = _ratio(passed.sum(), (passed | lost_here).sum())
    return out


def _ratio(top: int, bottom: int) -> float:
    return float(top) / float(bottom) if bottom else float("nan")


def _rates(act: pd.DataFrame, sims: list[pd.DataFrame], window: Window) -> pd.DataFrame:
    actual = rate_table(act, window)
    simulated = pd.DataFrame([rate_table(s, window) for s in sims])
    rows = []
    for metric, value in actual.items():
        if np.isnan(value):  # e.g. no deal created in a holdout's scored months: nothing to compare
            continue
        column = simulated[metric] if metric in simulated else pd.Series(dtype=float)
        low, mid, high = (float(column.quantile(q)) if column.notna().any() else float("nan")
                          for q in (BAND[0], 0.5, BAND[1]))
        rows.append({"metric": metric, "actual": value, "p10": low, "p50": mid, "p90": high,
                     "inside": bool(low <= value <= high)})
    return pd.DataFrame(rows, columns=["metric", "actual", "p10", "p50", "p90", "inside"])


def summary_lines(result: Backtest) -> list[str]:
    """The few lines a person reads: coverage per metric, KS statistic, rates."""
    w = result.window
    lines = [f"backtest: {result.reps} replications, deals created {w.start.date()} .. "
             f"{(w.arrivals_end - DAY).date()}, seen until {(w.end - DAY).date()}"
             + (f"; scored from {w.test_from.date()} (holdout); calibrated on the export as seen that day"
                if w.test_from else " (in-sample)")]
    if result.band:
        lines.append(f"  bands hold {result.band}")
    lines += scoring_lines(result.scores, result.coverage)
    act, sim = result.actual_cycles, result.simulated_cycles
    if len(act) and len(sim):
        lines.append(f"  won-cycle length (days)      KS {result.ks:.3f}; median actual {np.median(act):.0f}, "
                     f"simulated {np.median(sim):.0f}; P90 actual {np.quantile(act, 0.9):.0f}, "
                     f"simulated {np.quantile(sim, 0.9):.0f}")
    for row in result.rates.itertuples(index=False):
        lines.append(f"  {row.metric:<28} actual {row.actual:.3f}, simulated P10-P90 {row.p10:.3f} .. {row.p90:.3f}"
                     f" ({'inside' if row.inside else 'outside'})")
    return lines
