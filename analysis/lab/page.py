"""The lab page's text: the KPI table and the challenges, as HTML built from a comparison (no framework here).

Every figure on the page comes from :func:`kpi_rows`, so a test can compute what the page must show for given
settings and read it back from the browser. Cells carry ``data-kpi`` and ``data-side`` attributes for that.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Final

from analysis.lab.challenges import Verdict
from analysis.lab.model import Comparison
from analysis.montecarlo.charts import fmt
from analysis.montecarlo.reducer import metric

KPIS: Final = ("nnarr_12m", "nnarr_6m", "c2re_12m", "bonus_12m", "cycle_days_12m", "se_utilisation",
               "pov_queue_abandon_rate", "founder_free_rate")  # no GRR: 12 months hold no renewal yet
P_TARGET: Final = "p_nnarr_12m"  # the row of P(NNARR, 12 months >= target)


@dataclass(frozen=True)
class KpiRow:
    key: str
    label: str
    baseline: str
    variant: str
    change: str  # the paired mean change and its 95 % CI, or "" when nothing changed
    verdict: str  # "better", "worse" or "" (no clear change, or no better direction)


def kpi_rows(comparison: Comparison) -> list[KpiRow]:
    """The table's rows: each KPI's mean in the baseline and the variant, and the paired change."""
    base, ours = comparison.baseline, comparison.variant
    rows = []
    for key in KPIS:
        m = metric(key)
        delta = comparison.delta(key)
        rows.append(KpiRow(key, m.label, fmt(base.mean(key), m.unit), fmt(ours.mean(key), m.unit),
                           _change(delta, m.unit), _verdict(delta, m.better)))
    chance = {}
    for side, run in (("baseline", base), ("variant", ours)):
        summary = run.summary().set_index("metric")
        chance[side] = float(summary.loc["nnarr_12m", "p_target"])
    target = fmt(ours.scenario.targets.nnarr_12_months, "usd")
    rows.insert(1, KpiRow(P_TARGET, f"Chance of the 12-month target ({target})", fmt(chance["baseline"], "share"),
                          fmt(chance["variant"], "share"), "", ""))
    return rows


def _change(delta: dict[str, float], unit: str) -> str:
    mean, low, high = delta["mean_delta"], delta["ci_low"], delta["ci_high"]
    if math.isnan(mean) or (mean == 0 and delta["sd_delta"] == 0):
        return ""
    shown = "pp" if unit == "share" else unit
    if shown == "pp":
        return (f"{mean * 100:+.1f} pp (95 % CI {low * 100:+.1f} to {high * 100:+.1f})"
                if not math.isnan(low) else f"{mean * 100:+.1f} pp")
    if math.isnan(low):
        return fmt(mean, unit, signed=True)
    return f"{fmt(mean, unit, signed=True)} (95 % CI {fmt(low, unit, signed=True)} to {fmt(high, unit, signed=True)})"


def _verdict(delta: dict[str, float], better: int) -> str:
    low, high = delta["ci_low"], delta["ci_high"]
    if better == 0 or math.isnan(low) or low <= 0 <= high:
        return ""
    return "better" if (low > 0) == (better > 0) else "worse"


def kpi_html(rows: list[KpiRow]) -> str:
    body = "".join(
        f'<tr><th scope="row">{html.escape(r.label)}</th>'
        f'<td data-kpi="{r.key}" data-side="baseline">{html.escape(r.baseline)}</td>'
        f'<td data-kpi="{r.key}" data-side="variant">{html.escape(r.variant)}</td>'
        f'<td data-kpi="{r.key}" data-side="change" class="{r.verdict}">{html.escape(r.change)}</td></tr>'
        for r in rows
    )
    return (
        '<table class="lab-kpis"><thead><tr><th>KPI (mean over the replications)</th><th>Baseline</th>'
        "<th>Your company</th><th>Change, paired (common random numbers)</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def challenges_html(verdicts: list[Verdict]) -> str:
    items = []
    for v in verdicts:
        mark = '<span class="badge">MET</span>' if v.met else '<span class="badge">NOT YET</span>'
        conditions = "".join(
            f'<li class="{"ok" if c.met else "no"}">{"✔" if c.met else "✘"} {html.escape(c.text)} '
            f"<span class=now>(now {html.escape(c.value)})</span></li>"
            for c in v.conditions
        )
        items.append(
            f'<div class="challenge {"met" if v.met else "open"}" data-challenge="{v.challenge.key}">'
            f"{mark} <b>{html.escape(v.challenge.title)}</b><ul>{conditions}</ul>"
            f"<i>Hint: {html.escape(v.challenge.hint)}</i></div>"
        )
    return "".join(items)


STYLE: Final = """
.lab-kpis { border-collapse: collapse; font-size: 14px; width: 100%; }
.lab-kpis th, .lab-kpis td { padding: 4px 10px; border-bottom: 1px solid #d9dee3; text-align: right; }
.lab-kpis th[scope=row], .lab-kpis thead th:first-child { text-align: left; font-weight: normal; }
.lab-kpis thead th { font-weight: bold; color: #1f2933; }
.lab-kpis td[data-side=variant] { font-weight: bold; color: #1f5fa8; }
.lab-kpis td.better { color: #2e8540; } .lab-kpis td.worse { color: #c0392b; }
.challenge { border: 1px solid #d9dee3; border-radius: 6px; padding: 6px 10px; margin: 6px 0; font-size: 13px; }
.challenge.met { border-color: #2e8540; background: #eef7f0; }
.challenge .badge { font-size: 11px; font-weight: bold; padding: 1px 6px; border-radius: 3px; color: #fff;
  background: #7d8791; } .challenge.met .badge { background: #2e8540; }
.challenge ul { margin: 4px 0; padding-left: 18px; list-style: none; }
.challenge li.ok { color: #2e8540; } .challenge li.no { color: #c0392b; }
.challenge .now { color: #6b7780; } .challenge i { color: #6b7780; }
"""
