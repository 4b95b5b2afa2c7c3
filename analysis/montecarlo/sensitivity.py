"""One-at-a-time sensitivity: swing each key funnel parameter low and high, see which moves NNARR most.

Each swing is a pair of patches on the scenario's base parameters (fixes still apply on top from their start
day). All runs share the seed, so the change in a KPI's mean against the baseline is a paired difference
(:mod:`analysis.montecarlo.compare`) and the tornado ranks the bottlenecks by the width of that swing.

The default swings (:func:`default_swings`), each relative to the scenario's own value:

========================  =========================================  ==========================================
parameter                 low                                        high
========================  =========================================  ==========================================
POV length                durations x (1 − 25 %)                     x (1 + 25 %)
POV completion            probability − 0.15                         + 0.15 (clipped to [0, 1])
Solution engineers        one fewer (at least one)                   one more
Win rate                  probability − 0.10 (with and without       + 0.10
                          the founder)
Data-access delay         durations x 0.5                            x 1.5
Founder time              final meetings per week x 0.5              x 1.5
========================  =========================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from analysis.montecarlo.compare import paired_delta
from analysis.montecarlo.forecast import CONFIDENCE
from simulation.scenario import Scenario, apply_patch

Patch = dict[str, dict[str, Any]]
TORNADO_COLUMNS: Final = (
    "parameter", "label", "low_text", "high_text", "baseline_mean", "low_mean", "high_mean", "low_delta",
    "high_delta", "low_ci_low", "low_ci_high", "high_ci_low", "high_ci_high", "swing", "n",
)


@dataclass(frozen=True)
class Swing:
    """A parameter set low and high: the patches and how to say each setting."""

    name: str
    label: str
    low: Patch = field(default_factory=dict)
    high: Patch = field(default_factory=dict)
    low_text: str = ""
    high_text: str = ""

    def scenarios(self, base: Scenario) -> dict[str, Scenario]:
        """``{"low": ..., "high": ...}`` built from ``base`` (validated)."""
        return {"low": apply_patch(base, self.low), "high": apply_patch(base, self.high)}


def _engineers(count: int) -> str:
    return f"{count} SE{'s' if count != 1 else ''}"


def _probability(value: float, delta: float) -> float:
    return float(min(1.0, max(0.0, value + delta)))


def default_swings(
    scenario: Scenario,
    *,
    duration: float = 0.25,
    probability: float = 0.15,
    win: float = 0.10,
    delay: float = 0.5,
    founder: float = 0.5,
) -> list[Swing]:
    """The six swings of the module docstring, relative to ``scenario``'s base parameters."""
    pov, nego = scenario.pov, scenario.negotiation
    pov_mean = pov.duration_days.mean
    access_mean = pov.data_access_days.mean
    completion = pov.completion_probability
    se = pov.solution_engineers
    meetings = nego.founder_meetings_per_week

    def wins(delta: float) -> dict[str, Any]:
        patch: dict[str, Any] = {"win_probability": _probability(nego.win_probability, delta)}
        if nego.win_probability_without_founder is not None:
            patch["win_probability_without_founder"] = _probability(nego.win_probability_without_founder, delta)
        return patch

    return [
        Swing("pov_length", "POV length",
              {"pov": {"duration_days": pov.duration_days.scaled_fields(1 - duration)}},
              {"pov": {"duration_days": pov.duration_days.scaled_fields(1 + duration)}},
              f"mean {pov_mean * (1 - duration):.0f} d", f"{pov_mean * (1 + duration):.0f} d"),
        Swing("pov_completion", "POV completion rate",
              {"pov": {"completion_probability": _probability(completion, -probability)}},
              {"pov": {"completion_probability": _probability(completion, probability)}},
              f"{_probability(completion, -probability):.0%}", f"{_probability(completion, probability):.0%}"),
        Swing("solution_engineers", "Solution engineers",
              {"pov": {"solution_engineers": max(1, se - 1)}}, {"pov": {"solution_engineers": se + 1}},
              _engineers(max(1, se - 1)), _engineers(se + 1)),
        Swing("win_rate", "Win rate in negotiation", {"negotiation": wins(-win)}, {"negotiation": wins(win)},
              f"{_probability(nego.win_probability, -win):.0%}", f"{_probability(nego.win_probability, win):.0%}"),
        Swing("data_access_delay", "Data-access delay",
              {"pov": {"data_access_days": pov.data_access_days.scaled_fields(1 - delay)}},
              {"pov": {"data_access_days": pov.data_access_days.scaled_fields(1 + delay)}},
              f"mean {access_mean * (1 - delay):.0f} d", f"{access_mean * (1 + delay):.0f} d"),
        Swing("founder_time", "Founder time for final meetings",
              {"negotiation": {"founder_meetings_per_week": meetings * (1 - founder)}},
              {"negotiation": {"founder_meetings_per_week": meetings * (1 + founder)}},
              f"{meetings * (1 - founder):g}/week", f"{meetings * (1 + founder):g}/week"),
    ]


def tornado(
    baseline: pd.DataFrame,
    runs: Mapping[tuple[str, str], pd.DataFrame],
    swings: list[Swing],
    metric: str,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """One row per swing: the KPI's mean at the low and high setting, the paired changes vs the baseline with
    their CIs, and ``swing`` = |high change − low change|; widest first. ``runs[(swing name, "low"|"high")]``
    are the replication tables, matched to ``baseline`` by replication number."""
    base = baseline.set_index("replication")[metric]
    rows = []
    for swing in swings:
        row: dict[str, object] = {"parameter": swing.name, "label": swing.label, "low_text": swing.low_text,
                                  "high_text": swing.high_text}
        for side in ("low", "high"):
            other = runs[(swing.name, side)].set_index("replication")[metric].reindex(base.index)
            d = paired_delta(base.to_numpy(dtype=float), other.to_numpy(dtype=float), confidence)
            row["baseline_mean"] = float(np.nanmean(base.to_numpy(dtype=float)))
            row[f"{side}_mean"] = d["mean_variant"]
            row[f"{side}_delta"] = d["mean_delta"]
            row[f"{side}_ci_low"], row[f"{side}_ci_high"] = d["ci_low"], d["ci_high"]
            row["n"] = d["n"]
        row["swing"] = abs(float(row["high_delta"]) - float(row["low_delta"]))  # type: ignore[arg-type]
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(TORNADO_COLUMNS))
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
