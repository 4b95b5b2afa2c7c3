"""Forecast summaries of Monte Carlo replications: spread, confidence, chance of hitting the targets.

Input is the table of :func:`simulation.replications.run_replications` (one row per replication, one column per
KPI). For each KPI: mean, standard deviation, P10/P50/P90 (numpy's linear interpolation), the 95 % confidence
interval of the mean (Student t), and how many replications would give a chosen CI half-width. A KPI can be
undefined in a replication (C2RE without NNARR, GRR without customers): statistics use the replications where it
is defined (``n``), and ``missing`` says how many were not.

Targets come from the scenario's ``[targets]`` section; the probability of meeting one is the share of *all*
replications that meet it, an undefined value counting as a miss (no NNARR is not a healthy C2RE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
from scipy import stats

from simulation.replications import MONTH, REPLICATION
from simulation.scenario import Targets

QUANTILES: Final = (0.1, 0.5, 0.9)
CONFIDENCE: Final = 0.95
SUMMARY_COLUMNS: Final = (
    "metric", "n", "missing", "mean", "sd", "p10", "p50", "p90", "ci_low", "ci_high", "half_width",
    "target", "rule", "p_target", "reps_needed",
)


def kpi_columns(table: pd.DataFrame) -> list[str]:
    """The KPI columns of a replications table (everything but the replication number)."""
    return [c for c in table.columns if c not in (REPLICATION, MONTH)]


def t_quantile(n: int, confidence: float = CONFIDENCE) -> float:
    """Two-sided Student t critical value for ``n`` observations (NaN below 2)."""
    return float(stats.t.ppf(0.5 + confidence / 2, n - 1)) if n >= 2 else float("nan")


def mean_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Confidence interval of the mean of the finite ``values`` (t interval); NaNs with fewer than 2 values.

    >>> [round(v, 4) for v in mean_ci(np.array([1.0, 2.0, 3.0]))]
    [-0.4841, 4.4841]
    """
    x = values[np.isfinite(values)]
    if len(x) < 2:
        return float("nan"), float("nan")
    half = t_quantile(len(x), confidence) * float(np.std(x, ddof=1)) / math.sqrt(len(x))
    centre = float(np.mean(x))
    return centre - half, centre + half


def reps_needed(sd: float, half_width: float, confidence: float = CONFIDENCE) -> int:
    """Smallest n whose t interval of the mean has half-width at most ``half_width`` given a standard deviation
    ``sd`` (``t(n-1) * sd / sqrt(n) <= half_width``); 0 if ``sd`` or ``half_width`` is unusable.

    >>> reps_needed(sd=100_000, half_width=10_000)  # about (1.96 * 10)^2 = 384, a little more for t
    387
    """
    if not (sd >= 0 and half_width > 0) or math.isnan(sd):
        return 0
    if sd == 0:
        return 2
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    n = max(2, math.ceil((z * sd / half_width) ** 2))
    while t_quantile(n, confidence) * sd / math.sqrt(n) > half_width:
        n += 1
    return n


def wilson(hits: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a probability from ``hits`` of ``n`` replications (NaNs when ``n`` is 0): unlike
    the plain binomial p ± z·SE it stays inside [0, 1] and is not zero-width when every replication agrees.

    >>> [round(v, 4) for v in wilson(0, 200)]
    [0.0, 0.0188]
    >>> [round(v, 4) for v in wilson(30, 200)]
    [0.1071, 0.2061]
    """
    if n <= 0:
        return float("nan"), float("nan")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def probability_line(table: pd.DataFrame, column: str, words: str) -> str | None:
    """``P(words) = 12 % (95 % Wilson CI 8-17 %, 200 replications)`` from a 0/1 column; None without it."""
    if column not in table.columns:
        return None
    values = table[column].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return f"P({words}): n/a (no replication measured it)"
    hits = int(values.sum())
    low, high = wilson(hits, len(values))
    return (f"P({words}) = {hits / len(values):.0%} (95 % Wilson CI {low:.0%}-{high:.0%}, "
            f"{len(values)} replications)")


Rule = Literal[">=", "<="]


@dataclass(frozen=True)
class Target:
    """A KPI's target: met when ``value >= threshold`` (rule ``>=``) or ``value <= threshold`` (``<=``)."""

    metric: str
    threshold: float
    rule: Rule
    source: str  # the [targets] key it comes from

    def met(self, values: np.ndarray) -> np.ndarray:
        """Which values meet the target (NaN never does)."""
        with np.errstate(invalid="ignore"):
            hit = values >= self.threshold if self.rule == ">=" else values <= self.threshold
        return hit & np.isfinite(values)


def targets_of(targets: Targets) -> list[Target]:
    """The forecast KPIs' targets from a scenario's ``[targets]`` (an NNARR target of 0 means none set)."""
    found = [
        Target("nnarr_6m", targets.nnarr_6_months, ">=", "nnarr_6_months"),
        Target("nnarr_12m", targets.nnarr_12_months, ">=", "nnarr_12_months"),
        Target("c2re_6m", targets.c2re_max, "<=", "c2re_max"),
        Target("c2re_12m", targets.c2re_max, "<=", "c2re_max"),
        Target("grr", targets.grr_min, ">=", "grr_min"),
        Target("qte_velocity_days", targets.qte_velocity_days, "<=", "qte_velocity_days"),
        Target("completion_rate", targets.completion_rate_min, ">=", "completion_rate_min"),
        Target("pov_to_pipeline", targets.pov_to_pipeline_min, ">=", "pov_to_pipeline_min"),
    ]
    return [t for t in found if not (t.source.startswith("nnarr") and t.threshold <= 0)]


def probability_of_target(values: np.ndarray, target: Target) -> float:
    """Share of replications meeting ``target`` (undefined values count as misses); NaN with no replication."""
    return float(target.met(values).mean()) if len(values) else float("nan")


def summarise_values(values: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """n, missing, mean, sd, P10/P50/P90 and the CI of the mean of one KPI across replications."""
    x = values[np.isfinite(values)]
    n = len(x)
    row: dict[str, float] = {"n": n, "missing": len(values) - n}
    if n == 0:
        return {**row, **dict.fromkeys(("mean", "sd", "p10", "p50", "p90", "ci_low", "ci_high", "half_width"),
                                       float("nan"))}
    low, high = mean_ci(x, confidence)
    p10, p50, p90 = np.quantile(x, QUANTILES)
    return {
        **row,
        "mean": float(np.mean(x)),
        "sd": float(np.std(x, ddof=1)) if n > 1 else float("nan"),
        "p10": float(p10),
        "p50": float(p50),
        "p90": float(p90),
        "ci_low": low,
        "ci_high": high,
        "half_width": (high - low) / 2,
    }


def summarise(
    table: pd.DataFrame,
    targets: Targets | None = None,
    *,
    confidence: float = CONFIDENCE,
    precision: float = 0.05,
) -> pd.DataFrame:
    """One row per KPI: spread, CI of the mean, target and P(meeting it), and ``reps_needed`` for a CI
    half-width of ``precision`` x |mean| (e.g. 0.05: the mean known to within 5 %)."""
    by_metric = {t.metric: t for t in targets_of(targets)} if targets is not None else {}
    rows = []
    for metric in kpi_columns(table):
        values = table[metric].to_numpy(dtype=float)
        row: dict[str, object] = {"metric": metric, **summarise_values(values, confidence)}
        target = by_metric.get(metric)
        row["target"] = target.threshold if target else float("nan")
        row["rule"] = target.rule if target else ""
        row["p_target"] = probability_of_target(values, target) if target else float("nan")
        mean, sd = float(row["mean"]), float(row["sd"])  # type: ignore[arg-type]
        row["reps_needed"] = reps_needed(sd, precision * abs(mean), confidence) if mean == mean else 0
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def series_summary(series: pd.DataFrame) -> pd.DataFrame:
    """Per month and metric across replications: mean, P10, P50, P90 (the fan chart's bands)."""
    metrics = kpi_columns(series)
    long = series.melt(id_vars=[REPLICATION, MONTH], value_vars=metrics, var_name="metric")
    order = {m: k for k, m in enumerate(dict.fromkeys(series[MONTH]))}
    rows = []
    for (metric, month), group in long.groupby(["metric", MONTH], sort=False):
        x = group["value"].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        quantiles = np.quantile(x, QUANTILES) if len(x) else [np.nan] * 3
        rows.append({"metric": metric, MONTH: month, "mean": float(np.mean(x)) if len(x) else np.nan,
                     "p10": quantiles[0], "p50": quantiles[1], "p90": quantiles[2], "n": len(x)})
    out = pd.DataFrame(rows)
    out["_m"] = out["metric"].map({m: k for k, m in enumerate(metrics)})
    out["_t"] = out[MONTH].map(order)
    return out.sort_values(["_m", "_t"]).drop(columns=["_m", "_t"]).reset_index(drop=True)
