"""How good a backtest's monthly forecasts were: coverage at three levels, CRPS, the 80 % interval score, PIT.

Each month's forecast is the ensemble of the replications' values (``reps`` numbers); the actual is one number.

* **Coverage** at level L: the share of months whose actual lies in the central L band of the replications
  (quantiles (1 - L) / 2 and (1 + L) / 2, ends included), for L = 50 %, 80 % and 90 %. A calibrated forecast covers
  about L of the months; with m months the binomial standard error is sqrt(L (1 - L) / m) (reported beside it).
* **CRPS** (continuous ranked probability score, in the metric's own units; lower is better):
  ``E|X - y| - E|X - X'| / 2`` for a forecast X and the actual y. **Chosen as the headline score** because it judges
  the whole predictive distribution (calibration and sharpness at every level at once, no level to pick), it is a
  proper score (no forecast beats the true distribution on average), and it reduces to the absolute error for a
  point forecast, so "CRPS 40 won deals" reads like "off by about 40". It is estimated from the ensemble in its
  *fair* form (Ferro 2014: the spread term divided by m (m - 1) instead of m^2), unbiased for the distribution the
  replications come from, so 50 replications do not flatter or penalise a forecast.
* **Interval score** of the P10-P90 band (Gneiting & Raftery 2007, alpha = 0.2): the band's width plus 2 / alpha
  times how far the actual falls outside it. It scores exactly the band the charts draw.
* **PIT** (probability integral transform): the forecast's CDF at the actual, the share of replications below it.
  Counts are discrete, so ties are split at random (the randomised PIT of Czado, Gneiting & Held 2009; seeded).
  For a calibrated forecast the PITs are uniform on [0, 1]; all near 1 means actuals above the band (too low a
  forecast), near 0 too high, a U shape too narrow a band, a hump too wide.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from simulation.randomness import Seed, seed_sequence

LEVELS: Final = (0.5, 0.8, 0.9)
SCORED_BAND: Final = 0.8  # the interval score is the P10-P90 band's
PIT_CHILD: Final = 2**31 - 1  # the seed's child for the PIT's tie-breaking (replications use children 0 .. reps - 1)


def crps(samples: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Fair CRPS of each column's ensemble (rows: replications) against each actual."""
    x = np.sort(np.asarray(samples, dtype=float), axis=0)
    m = x.shape[0]
    if m < 2:
        raise ValueError("the fair CRPS needs at least 2 replications")
    y = np.asarray(actual, dtype=float)
    error = np.mean(np.abs(x - y), axis=0)
    weights = (2 * np.arange(1, m + 1) - m - 1)[:, None]  # sum over pairs |xi - xj| = 2 sum_i (2i - m - 1) x(i)
    pairs = 2 * np.sum(weights * x, axis=0)
    return np.asarray(error - pairs / (2 * m * (m - 1)))


def interval_score(low: np.ndarray, high: np.ndarray, actual: np.ndarray, level: float = SCORED_BAND) -> np.ndarray:
    """Interval score of the central ``level`` band ``[low, high]`` (lower is better; in the metric's units)."""
    alpha = 1 - level
    y = np.asarray(actual, dtype=float)
    below = np.maximum(low - y, 0.0)
    above = np.maximum(y - high, 0.0)
    return np.asarray((high - low) + 2 / alpha * (below + above))


def pit(samples: np.ndarray, actual: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomised PIT of each actual under its column's ensemble: share below plus a uniform share of the ties."""
    x = np.asarray(samples, dtype=float)
    y = np.asarray(actual, dtype=float)
    below = np.mean(x < y, axis=0)
    ties = np.mean(x == y, axis=0)
    return np.asarray(below + rng.random(len(y)) * ties)


def band(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` band of each column: its (1 - level) / 2 and (1 + level) / 2 quantiles."""
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return low, high


def score(samples: dict[str, np.ndarray], actual: dict[str, np.ndarray], months: list[str],
          seed: Seed = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per month and metric: the scores (``scores.csv``); per metric and level: the coverage (``coverage.csv``).

    ``samples[metric]`` is replications x months, ``actual[metric]`` one value per month. ``seed`` makes the
    randomised PIT reproducible (its own stream of the backtest's seed).
    """
    parent = seed_sequence(seed)  # a child far past any replication's index: apart from every replication's stream
    rng = np.random.default_rng(np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, PIT_CHILD)))
    frames, coverage = [], []
    for metric, matrix in samples.items():
        y = np.asarray(actual[metric], dtype=float)
        low, high = band(matrix, SCORED_BAND)
        frame = pd.DataFrame({
            "month": months, "metric": metric, "actual": y, "p50": np.quantile(matrix, 0.5, axis=0),
            "crps": crps(matrix, y), "interval_score_80": interval_score(low, high, y), "pit": pit(matrix, y, rng),
        })
        for level in LEVELS:
            lo, hi = band(matrix, level)
            inside = (y >= lo) & (y <= hi)
            frame[f"inside_{round(level * 100)}"] = inside
            n = len(y)
            coverage.append({"metric": metric, "level": level, "months": n, "inside": int(inside.sum()),
                             "coverage": float(inside.mean()) if n else float("nan"),
                             "binomial_se": float(np.sqrt(level * (1 - level) / n)) if n else float("nan")})
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), pd.DataFrame(coverage)


def summary_lines(scores: pd.DataFrame, coverage: pd.DataFrame) -> list[str]:
    """A few lines per metric: coverage at each level against its nominal value, mean CRPS, where the PITs fall."""
    lines = []
    for metric, rows in coverage.groupby("metric", sort=False):
        shown = ", ".join(f"{r.level:.0%} band {r.inside} of {r.months} ({r.coverage:.0%}, nominal "
                          f"{r.level:.0%} +/- {r.binomial_se:.0%})" for r in rows.itertuples())
        lines.append(f"  {metric:<28} coverage: {shown}")
        own = scores[scores["metric"] == metric]
        p = own["pit"].to_numpy()
        lines.append(f"  {'':<28} mean CRPS {own['crps'].mean():,.4g}, mean P10-P90 interval score "
                     f"{own['interval_score_80'].mean():,.4g}; PIT below 0.1 in {int((p < 0.1).sum())}, above 0.9 in "
                     f"{int((p > 0.9).sum())} of {len(p)} months (a calibrated forecast: about 10 % each)")
    return lines
