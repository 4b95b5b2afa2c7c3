"""The lab's numbers: a few replications of the baseline and of the learner's variant, with common random numbers.

Replication k of both runs simulates with child k of the same seed (:func:`simulation.randomness.replication_seeds`),
through the forecast's fast path: :func:`simulation.engine.run` and
:func:`analysis.montecarlo.fast_reducer.reduce_record`, so the baseline's KPI table is exactly what ``funnelsim
forecast`` computes for the same scenario, seed and replications (a test holds them equal). Besides the forecast's
KPIs the lab keeps, per replication, what its charts draw: the funnel (how far the prospects who arrived in the
horizon got), the engineer queue day by day and the mean won cycle of each quarter.

The baseline is run once per :class:`Lab` and kept; a slider change runs only the variant (about 0.3 s for 30
replications of 12 months on this project's 2-core machine; the page shows each run's time).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from analysis.lab.settings import Settings, defaults, lab_baseline, scenario_for
from analysis.montecarlo import forecast
from analysis.montecarlo.compare import paired_delta
from analysis.montecarlo.fast_reducer import Deals, calendar, reduce_record
from analysis.montecarlo.reducer import SE
from simulation.engine import run
from simulation.parameter_draw import with_parameter_draw
from simulation.randomness import Seed, replication_seeds
from simulation.record import SECONDS_PER_DAY, Record
from simulation.replications import MONTH, REPLICATION
from simulation.scenario import Scenario

REPS: Final = 30
SEED: Final = 0
# The funnel's steps: (column, label); a prospect counts at a step once it got there within the horizon.
FUNNEL: Final = (
    ("arrived", "Arrived"),
    ("dq_passed", "Passed the data check"),
    ("data_access_granted", "Granted data access"),
    ("pov_started", "Started a POV"),
    ("pov_completed", "Completed the POV"),
    ("negotiation_started", "Reached negotiation"),
    ("won", "Won"),
)


@dataclass(frozen=True)
class LabRun:
    """The replications of one scenario: the forecast's KPI rows and monthly series, and the lab's extras."""

    scenario: Scenario
    kpis: pd.DataFrame  # replication, then reduce_record's KPIs
    series: pd.DataFrame  # replication, month, then reduce_record's monthly series
    funnel: pd.DataFrame  # replication, then one count per FUNNEL step
    queue: np.ndarray  # replications x days: deals waiting for an engineer at the start of each day
    cycles: pd.DataFrame  # replication, then the mean won cycle (days) of each complete quarter
    seconds: float  # wall time of the run

    def mean(self, metric: str) -> float:
        values = self.kpis[metric].to_numpy(dtype=float)
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

    def summary(self) -> pd.DataFrame:
        """:func:`analysis.montecarlo.forecast.summarise` of the KPIs against the scenario's targets."""
        return forecast.summarise(self.kpis, self.scenario.targets)

    def fan(self) -> pd.DataFrame:
        """Cumulative NNARR by month: mean and P10/P50/P90 across replications (the forecast's fan)."""
        table = forecast.series_summary(self.series)
        return table[table["metric"] == "nnarr_cumulative"].reset_index(drop=True)


def funnel_counts(record: Record) -> dict[str, float]:
    """How many of the prospects who arrived in the horizon reached each funnel step by its end."""
    d = record.deals
    new = d["arrived"] >= 0.0
    reached = {
        "arrived": new,
        "dq_passed": new & (d["dq_passed"] == 1),
        "data_access_granted": new & ~np.isnan(d["data_access_granted"]),
        "pov_started": new & ~np.isnan(d["pov_started"]),
        "pov_completed": new & (d["pov_completed"] == 1),
        "negotiation_started": new & ~np.isnan(d["negotiation_started"]),
        "won": new & (d["outcome"] == "won"),
    }
    return {name: float(reached[name].sum()) for name, _ in FUNNEL}


def daily_queue(record: Record) -> np.ndarray:
    """Deals waiting for a solution engineer at the start of each day of the horizon (the resource log's last
    entry at or before that instant)."""
    r = record.resources
    rows = np.flatnonzero(r["resource"] == SE)
    rows = rows[np.argsort(r["time"][rows], kind="stable")]
    days = np.arange(record.horizon_days) * SECONDS_PER_DAY
    at = np.searchsorted(r["time"][rows], days, side="right") - 1
    queue = r["queue"][rows].astype(float)
    return np.where(at >= 0, queue[np.maximum(at, 0)], np.nan)


def quarterly_cycles(record: Record) -> dict[str, float]:
    """Mean sales cycle (days, arrival to close) of the deals won in each complete quarter of the horizon: the
    numbers SCCR compares (:func:`analysis.kpi.cycle.sccr`)."""
    deals = Deals(record)
    cal = calendar(record.start_date, record.horizon_days)
    out = {}
    for label, lo, hi in cal.quarters:
        cycles = deals.won_cycles((deals.closed >= lo) & (deals.closed < hi))
        out[label] = float(cycles.mean()) if len(cycles) else float("nan")
    return out


def simulate(scenario: Scenario, seed: Seed = SEED, reps: int = REPS) -> LabRun:
    """``reps`` replications of ``scenario``; replication k uses child k of ``seed`` (as a forecast does)."""
    began = time.perf_counter()
    rows, funnels, cycles, queues = [], [], [], []
    series: list[pd.DataFrame] = []
    for k, child in enumerate(replication_seeds(seed, reps)):
        scenario_k = with_parameter_draw(scenario, child)
        record = run(scenario_k, child)
        reduced = reduce_record(scenario_k, record)
        rows.append({REPLICATION: k, **{name: float(value) for name, value in reduced.kpis.items()}})
        months = pd.DataFrame({name: np.asarray(values) for name, values in reduced.series.items()})
        series.append(months.assign(**{REPLICATION: k})[[REPLICATION, *months.columns]])
        funnels.append({REPLICATION: k, **funnel_counts(record)})
        cycles.append({REPLICATION: k, **quarterly_cycles(record)})
        queues.append(daily_queue(record))
    table = pd.concat(series, ignore_index=True)
    table[MONTH] = table[MONTH].astype(str)
    return LabRun(scenario, pd.DataFrame(rows), table, pd.DataFrame(funnels), np.vstack(queues),
                  pd.DataFrame(cycles), time.perf_counter() - began)


@dataclass(frozen=True)
class Comparison:
    """The variant against the baseline, replication by replication."""

    settings: Settings
    baseline: LabRun
    variant: LabRun

    def delta(self, metric: str) -> dict[str, float]:
        """:func:`analysis.montecarlo.compare.paired_delta` of one KPI (variant - baseline, paired)."""
        return paired_delta(self.baseline.kpis[metric].to_numpy(dtype=float),
                            self.variant.kpis[metric].to_numpy(dtype=float))


@dataclass
class Lab:
    """The baseline, run once, and the variants the sliders ask for."""

    base: Scenario = field(default_factory=lab_baseline)
    seed: Seed = SEED
    reps: int = REPS
    _baseline: LabRun | None = field(default=None, init=False, repr=False)

    @property
    def start(self) -> Settings:
        return defaults(self.base)

    @property
    def baseline(self) -> LabRun:
        if self._baseline is None:
            self._baseline = simulate(self.base, self.seed, self.reps)
        return self._baseline

    def compare(self, settings: Settings) -> Comparison:
        """The variant of ``settings`` beside the baseline (the baseline itself when nothing changed)."""
        scenario = scenario_for(settings, self.base)
        variant = self.baseline if scenario == self.base else simulate(scenario, self.seed, self.reps)
        return Comparison(settings, self.baseline, variant)
