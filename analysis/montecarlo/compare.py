"""Comparing scenarios run with common random numbers: paired differences, their confidence intervals, a ranking.

Replication k of every scenario is simulated from the same child seed, so it sees the same prospects (arrival
times, tiers, sizes, the same quantile of every duration); a fix changes only what it touches. The difference
``variant − baseline`` is therefore taken per replication and its mean gets a paired t interval, far narrower
than the interval of two independent runs (:func:`unpaired_delta`, kept for contrast and for the tests).
A replication where the KPI is undefined in either scenario (e.g. C2RE with no NNARR) is left out of that KPI's
pairs; ``n`` says how many pairs remain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from analysis.montecarlo.forecast import CONFIDENCE, kpi_columns, t_quantile
from analysis.montecarlo.reducer import metric
from simulation.replications import REPLICATION

HEADLINE: Final = (
    "nnarr_6m", "nnarr_12m", "c2re_6m", "c2re_12m", "grr", "bonus_6m", "bonus_12m", "qte_velocity_days",
    "completion_rate", "cycle_days_12m", "runway_12m", "runway_below_6m_12m", "balance_min",
)
DELTA_COLUMNS: Final = (
    "fix", "label", "metric", "mean_delta", "ci_low", "ci_high", "n", "mean_baseline", "mean_variant", "sd_delta",
    "p_better", "p_same", "p_worse", "verdict",
)


def default_metrics(table: pd.DataFrame) -> list[str]:
    """The headline KPIs of article A and B present in ``table``, then every quarter's SCCR."""
    columns = kpi_columns(table)
    return [m for m in HEADLINE if m in columns] + [c for c in columns if c.startswith("sccr_")]


def paired_delta(base: np.ndarray, variant: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """Mean of ``variant − base`` over the pairs where both are defined, with its t confidence interval.

    >>> d = paired_delta(np.array([10.0, 20.0, 30.0]), np.array([12.0, 21.0, 33.0]))
    >>> d["mean_delta"], round(d["ci_low"], 3), round(d["ci_high"], 3)
    (2.0, -0.484, 4.484)
    """
    ok = np.isfinite(base) & np.isfinite(variant)
    diff = variant[ok] - base[ok]
    n = len(diff)
    mean = float(diff.mean()) if n else math.nan
    sd = float(diff.std(ddof=1)) if n > 1 else math.nan
    half = t_quantile(n, confidence) * sd / math.sqrt(n) if n > 1 else math.nan
    return {
        "n": n,
        "mean_baseline": float(base[ok].mean()) if n else math.nan,
        "mean_variant": float(variant[ok].mean()) if n else math.nan,
        "mean_delta": mean,
        "sd_delta": sd,
        "ci_low": mean - half,
        "ci_high": mean + half,
    }


def unpaired_delta(base: np.ndarray, variant: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """Difference of means of two independent samples with a Welch t interval (what you get without common
    random numbers)."""
    a, b = base[np.isfinite(base)], variant[np.isfinite(variant)]
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else len(a) + len(b) - 2
    half = float(stats.t.ppf(0.5 + confidence / 2, dof)) * se
    mean = float(b.mean() - a.mean())
    return {"mean_delta": mean, "ci_low": mean - half, "ci_high": mean + half}


def verdict(low: float, high: float, better: int) -> str:
    """``better`` / ``worse`` on average when the mean change's CI excludes zero in that direction, ``no clear
    change`` otherwise (or ``higher``/``lower`` for a KPI with no good direction, such as a bonus). It judges the
    mean: read it with ``p_better`` / ``p_same`` / ``p_worse``, the shares of replications."""
    if not (low > 0 or high < 0):
        return "no clear change"
    if better == 0:
        return "higher" if low > 0 else "lower"
    return "better" if (low > 0) == (better > 0) else "worse"


def shares(base: np.ndarray, variant: np.ndarray, better: int) -> dict[str, float]:
    """Of the pairs where both are defined, the shares in which the variant did better, the same, and worse (NaN
    for a KPI with no good direction). Under common random numbers many pairs are exactly equal (the fix changed
    nothing for those prospects), so "better" can be a minority beside a clear mean gain: all three are reported.

    >>> shares(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.5, 3.9]), better=1)
    {'p_better': 0.25, 'p_same': 0.5, 'p_worse': 0.25}
    """
    ok = np.isfinite(base) & np.isfinite(variant)
    if not ok.any() or not better:
        return dict.fromkeys(("p_better", "p_same", "p_worse"), math.nan)
    gain = (variant[ok] - base[ok]) * better
    same = np.isclose(variant[ok], base[ok], rtol=1e-12, atol=1e-9)
    return {
        "p_better": float(np.mean((gain > 0) & ~same)),
        "p_same": float(np.mean(same)),
        "p_worse": float(np.mean((gain < 0) & ~same)),
    }


def deltas(
    baseline: pd.DataFrame,
    variants: Mapping[str, pd.DataFrame],
    metrics: Sequence[str] | None = None,
    confidence: float = CONFIDENCE,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per (variant, KPI): the paired mean change vs the baseline, its CI, the shares of replications in
    which the variant did better, the same and worse (:func:`shares`), and a verdict on the mean. Replications are
    matched by number. ``labels`` name each variant for people (its fix's summary); the key stays in ``fix``."""
    chosen = list(metrics) if metrics is not None else default_metrics(baseline)
    base = baseline.set_index(REPLICATION)
    rows = []
    for name, table in variants.items():
        other = table.set_index(REPLICATION).reindex(base.index)
        for column in chosen:
            b = base[column].to_numpy(dtype=float)
            v = other[column].to_numpy(dtype=float)
            label = (labels or {}).get(name, name.replace("_", " "))
            row: dict[str, object] = {"fix": name, "label": label, "metric": column, **paired_delta(b, v, confidence)}
            better = metric(column).better
            row.update(shares(b, v, better))
            row["verdict"] = verdict(float(row["ci_low"]), float(row["ci_high"]), better)  # type: ignore[arg-type]
            rows.append(row)
    return pd.DataFrame(rows, columns=list(DELTA_COLUMNS))


def ranking(table: pd.DataFrame, by: str = "nnarr_12m") -> pd.DataFrame:
    """The variants ordered by their paired effect on ``by`` (best first, in the KPI's good direction)."""
    part = table[table["metric"] == by].copy()
    if part.empty:
        raise ValueError(f"no deltas for {by!r}")
    better = metric(by).better or 1
    part["score"] = part["mean_delta"] * better
    part = part.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    part.insert(0, "rank", np.arange(1, len(part) + 1))
    return part[["rank", "fix", "label", "metric", "mean_delta", "ci_low", "ci_high", "p_better", "p_same", "p_worse",
                 "verdict"]]


def sccr_focus(table: pd.DataFrame) -> str | None:
    """The SCCR quarter the variants move most (largest mean |change|): the one worth a panel in the chart."""
    sccr = table[table["metric"].str.startswith("sccr_")]
    if sccr.empty or not np.isfinite(sccr["mean_delta"]).any():
        return None
    size = sccr.assign(size=sccr["mean_delta"].abs()).groupby("metric", sort=False)["size"].mean()
    return str(size.idxmax())


def runway_note(table: pd.DataFrame, fix: str) -> str | None:
    """Cash beside NNARR for one variant of a scenario with ``[billing]``: its runway at 12 months and its
    P(runway < 6 months), baseline -> variant (means over the paired replications); None without them.

    >>> rows = pd.DataFrame({"fix": ["f", "f"], "metric": ["runway_12m", "runway_below_6m_12m"],
    ...                      "mean_baseline": [7.0, 0.3], "mean_variant": [8.5, 0.2], "mean_delta": [1.5, -0.1],
    ...                      "ci_low": [0.5, -0.2], "ci_high": [2.5, 0.0]})
    >>> runway_note(rows, "f")
    'runway at 12 months 7.0 -> 8.5 months (+1.5, 95% CI +0.5 to +2.5); P(runway < 6 months) 30% -> 20%'
    """
    rows = table[table["fix"] == fix].set_index("metric")
    if "runway_12m" not in rows.index:
        return None
    r = rows.loc["runway_12m"]
    text = (f"runway at 12 months {r['mean_baseline']:.1f} -> {r['mean_variant']:.1f} months "
            f"({r['mean_delta']:+.1f}, 95% CI {r['ci_low']:+.1f} to {r['ci_high']:+.1f})")
    if "runway_below_6m_12m" in rows.index:
        p = rows.loc["runway_below_6m_12m"]
        text += f"; P(runway < 6 months) {p['mean_baseline']:.0%} -> {p['mean_variant']:.0%}"
    return text


def head_to_head(runs: Mapping[str, pd.DataFrame], ranked: pd.DataFrame,
                 labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every other variant against the first-ranked one, paired by replication (:func:`deltas` with the leader as
    the baseline): "hire now or after the CRO starts?" is the difference between two fixes, not between each fix
    and doing nothing. ``against`` names the leader; empty with fewer than two variants."""
    if len(ranked) < 2:
        return pd.DataFrame(columns=["against", *DELTA_COLUMNS])
    leader = str(ranked["fix"].iloc[0])
    others = {str(fix): runs[str(fix)] for fix in ranked["fix"].iloc[1:]}
    table = deltas(runs[leader], others, labels=labels)
    table.insert(0, "against", leader)
    return table
