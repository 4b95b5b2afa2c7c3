"""Section 3 of the plan, "The bottleneck and the fixes": the queue-aware bottleneck of the company's funnel and
every fix of the library ranked by its paired effect on 6- and 12-month NNARR, with its cost.

The bottleneck is the one definition every report uses (:mod:`analysis.report.bottleneck`: deal-days in each stage
and resource queue, the deals still waiting included, and the share of losses there), read from one simulated
replication over its whole horizon (a queue still filling in the first months, as in a run started empty, shows as
binding once it is full). Each fix of the library that changes something in this company
(:func:`analysis.report.fix_library.load_library`) is run on the baseline at its own start day with common random
numbers, and compared with :func:`analysis.montecarlo.compare.deltas` (paired t intervals). The ranking is by the
12-month NNARR change (6-month when the run is shorter than a year). A fix's cost over those 12 months
(``one_off_cost`` + ``monthly_cost`` for the months it runs) plus the pay it adds (:func:`added_pay`: an engineer's
salary, a hire's) gives the NNARR gained per dollar; ΔC2RE counts the
cost (the spend table's ``fixes`` rows), and Δrunway is shown when the scenario models cash (``[billing]``).

The recommendation: the first-ranked fix when its interval lies above zero, and the next such fix that acts on a
different stage (two fixes on one stage overlap; two on different stages add up better). The target section then
simulates the recommended fixes together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from analysis.montecarlo import charts
from analysis.montecarlo import compare as comparison
from analysis.montecarlo.reducer import MONTHS_6, MONTHS_12
from analysis.plan.runs import Runs, with_fixes
from analysis.plan.section import Section
from analysis.report import bottleneck
from analysis.report.fix_library import FixOption, load_library
from analysis.style import money
from simulation.engine import simulate
from simulation.loader import load_fix
from simulation.scenario import Fix, Scenario, regimes
from simulation.staffing import Staff

DAYS_PER_MONTH: Final = 365.25 / 12
METRICS: Final = ("nnarr_6m", "nnarr_12m", "c2re_12m", "runway_12m")
MAX_RECOMMENDED: Final = 2
Key = tuple[str, str]  # (section, key) of a scenario parameter


@dataclass(frozen=True)
class FixPlan:
    """What section 3 found: the section, the recommended fix files (best first) and the bottleneck's stage."""

    section: Section
    recommended: tuple[str, ...]
    bottleneck: str | None


def cost_over(one_off: float, monthly: float, start_day: float, months: float) -> float:
    """A fix's own cost over the first ``months`` of the run: the one-off if it starts inside them, plus the
    monthly cost for the months it runs there.

    >>> cost_over(15000, 1000, start_day=DAYS_PER_MONTH * 2, months=12)
    25000.0
    >>> cost_over(15000, 1000, start_day=400, months=12)
    0.0
    """
    running = max(months - start_day / DAYS_PER_MONTH, 0.0)
    return float((one_off if running > 0 else 0.0) + monthly * running)


def added_pay(base: Scenario, fixed: Scenario, months: float) -> float:
    """The monthly spend a fix adds over the first ``months`` beside its own cost: marketing and the account
    executives' and engineers' pay of each parameter regime (a fix adding an engineer adds a salary), and a
    ``[staff]`` hire's salary from its first day, all at full headcount (a vacancy would save some); POV compute,
    which follows the engineers' use, is left to ΔC2RE.

    >>> from simulation import load_scenario
    >>> from simulation.shipped import root
    >>> base = load_scenario(root() / "ai_startup.toml")
    >>> one_more = load_scenario(root() / "ai_startup.toml", [root() / "fixes" / "extra_solution_engineer.toml"])
    >>> round(added_pay(base, one_more, 12) / base.spend.solution_engineer_cost_per_month, 2)  # from day 60
    10.03
    """
    end = months * DAYS_PER_MONTH

    def paid(s: Scenario) -> float:
        spans = regimes(s)
        total = 0.0
        for (day, p), (until, _) in zip(spans, [*spans[1:], (math.inf, s)], strict=True):
            rate = (p.spend.marketing_per_month + p.spend.account_executives * p.spend.account_executive_cost_per_month
                    + p.pov.solution_engineers * p.spend.solution_engineer_cost_per_month)
            total += rate * max(min(until, end) - min(day, end), 0.0) / DAYS_PER_MONTH
        return total

    staff = fixed.staff or Staff()
    salary = {"solution_engineers": fixed.spend.solution_engineer_cost_per_month,
              "account_executives": fixed.spend.account_executive_cost_per_month}
    hires = sum(salary[h.role] * max(end - h.day - (staff.lead_time_days if h.lead_time_days is None
                                                     else h.lead_time_days), 0.0) / DAYS_PER_MONTH
                for f in fixed.fixes[len(base.fixes):] for h in f.hires)
    return paid(fixed) - paid(base) + hires


def headline_metric(baseline: pd.DataFrame) -> str:
    """The KPI the fixes are ranked by: 12-month NNARR, or 6-month when the run does not reach 12 months."""
    defined = baseline.get("nnarr_12m")
    return "nnarr_12m" if defined is not None and np.isfinite(defined.to_numpy(dtype=float)).any() else "nnarr_6m"


def recommend(table: pd.DataFrame, limit: int = MAX_RECOMMENDED) -> list[str]:
    """The fixes to recommend from the section's table (ranked, best first): the leader when its interval lies
    above zero, then each next fix with an interval above zero acting on stages none chosen acts on. A fix whose
    effect is only an upper bound (``upper_bound``: it changes nothing the export shows stage by stage) is not one.

    >>> t = pd.DataFrame({"fix": ["a", "b", "c", "d"], "stages": ["pov", "pov", "data_access", "validation"],
    ...                   "delta_low": [5.0, 4.0, 1.0, 3.0], "upper_bound": [False, False, False, True]})
    >>> recommend(t)
    ['a', 'c']
    """
    chosen: list[str] = []
    stages: set[str] = set()
    for row in table.itertuples():
        mine = set(str(row.stages).split(", "))
        if getattr(row, "upper_bound", False):
            continue
        if float(row.delta_low) > 0 and not (mine & stages) and len(chosen) < limit:
            chosen.append(str(row.fix))
            stages |= mine
    return chosen


def fixes(scenario: Scenario, library: str | Path, runs: Runs, unseen: Mapping[Key, str] | None = None,
          carried: Mapping[Key, str] | None = None) -> FixPlan:
    """Section 3 for ``scenario`` with the fix files in ``library``, run with ``runs`` (its seed and reps).

    For a scenario calibrated from an export, ``unseen`` holds the parameters the export does not identify and
    ``carried`` those fitted over several stages (:func:`analysis.crm.calibration_scenario.unseen`, ``carried``):
    a fix that changes only unseen ones is not weighed (its effect would be the placeholder's), and a fix that
    changes some, or a carried one, is weighed with that said beside it."""
    unseen, carried = dict(unseen or {}), dict(carried or {})
    offered = load_library(library, scenario)  # validates every file first: a bad one is one line, exit 2
    loaded = {str(f): load_fix(f) for f in sorted(Path(library).glob("*.toml"))}
    blind = {source: why for source, fix in loaded.items() if (why := _blind(fix, unseen, carried))}
    options = tuple(o for o in offered if o.source not in blind)
    found = _bottleneck(scenario, options, runs.seed)
    caveats = [] if found else ["bottleneck: no deal spent time or was lost anywhere in the simulated run"]
    caveats += [f"{loaded[source].name}: not weighed: {why}" for source, why in blind.items()]
    if not options:
        return FixPlan(Section("fixes", "The bottleneck and the fixes",
                               f"No fix in {library} changes anything in this company"
                               + (" that the export can show." if blind else "."),
                               tuple([found.text] if found else []), caveats=(*caveats, f"{library}: no fix to weigh")),
                       (), found.stage if found else None)
    baseline = runs.of("baseline", scenario).kpis
    variants = {o.name: runs.of(f"fix:{o.name}", with_fixes(scenario, [o.source])).kpis for o in options}
    metrics = [m for m in METRICS if m in baseline.columns and np.isfinite(baseline[m].to_numpy(dtype=float)).any()]
    labels = {o.name: o.short_label for o in options}
    deltas = comparison.deltas(baseline, variants, metrics=metrics, labels=labels)
    by = headline_metric(baseline)
    pay = {o.name: added_pay(scenario, with_fixes(scenario, [o.source]), MONTHS_12) for o in options}
    table = _table(deltas, comparison.ranking(deltas, by), options, found, by, pay)
    files = {o.name: loaded[o.source] for o in options}
    table["upper_bound"] = [_bound_only(files[f], unseen, carried) for f in table["fix"]]
    table["rests_on"] = [_partly_seen(files[f], unseen, carried) for f in table["fix"]]
    chosen = recommend(table)
    source = {o.name: o.source for o in options}
    lines = [_finding(found, table)] if found else []
    lines += [_fix_line(row, by) for _, row in table.iterrows()]
    caveats += [f"{row.fix}: {row.rests_on}" for row in table.itertuples() if row.fix in chosen and row.rests_on]
    caveats += [absolute_caveat(option, files[option.name]) for option in options if option.name in chosen
                and absolute_caveat(option, files[option.name])]
    if "runway_12m" not in metrics:
        caveats.append("runway: the scenario does not model cash ([billing]), so no runway effect is shown")
    panels = [m for m in ("nnarr_6m", "nnarr_12m") if m in metrics]
    order = {fix: k for k, fix in enumerate(table["fix"])}
    names = {o.name: _name(o) for o in options}
    twice = {n for n in names.values() if list(names.values()).count(n) > 1}  # then the file's own name tells
    names = {fix: fix.replace("_", " ") if n in twice else n for fix, n in names.items()}
    bounded = set(table.loc[table["upper_bound"], "fix"])
    names = {fix: f"{n} (at most)" if fix in bounded else n for fix, n in names.items()}
    shown = deltas.assign(label=deltas["fix"].map(names))
    figure = charts.forest_plot(shown.sort_values("fix", key=lambda f: f.map(order), kind="stable"), panels,
                                reps=runs.reps, scenario=scenario.name)
    return FixPlan(
        Section("fixes", "The bottleneck and the fixes", _headline(table, chosen, by, runs.reps), tuple(lines),
                table, figure, tuple(caveats)),
        tuple(source[name] for name in chosen),
        found.stage if found else None,
    )


def _bottleneck(scenario: Scenario, options: tuple[FixOption, ...], seed: int) -> bottleneck.Finding | None:
    outcome = simulate(scenario, seed)
    return bottleneck.biggest(outcome.deals, None, options, resources=outcome.resources)


def _table(deltas: pd.DataFrame, ranked: pd.DataFrame, options: tuple[FixOption, ...],
           found: bottleneck.Finding | None, by: str, pay: dict[str, float]) -> pd.DataFrame:
    option = {o.name: o for o in options}
    wide = deltas.pivot(index="fix", columns="metric", values=["mean_delta", "ci_low", "ci_high"])
    rows = []
    for rank, name in zip(ranked["rank"], ranked["fix"], strict=True):
        fix = load_fix(option[name].source)
        own = cost_over(fix.one_off_cost, fix.monthly_cost, fix.start_day, MONTHS_12)
        cost = own + pay[name]
        row: dict[str, object] = {
            "rank": int(rank), "fix": name, "name": _name(option[name]), "label": option[name].short_label,
            "stages": ", ".join(_stages(option[name], fix)),
            "on_bottleneck": bool(found and found.stage in _stages(option[name], fix)),
            "start_day": fix.start_day, "one_off_cost": fix.one_off_cost, "monthly_cost": fix.monthly_cost,
            "own_cost_12m": own, "added_pay_12m": pay[name], "cost_12m": cost,
        }
        for m in deltas["metric"].unique():
            row[f"d_{m}"] = float(wide.loc[name, ("mean_delta", m)])
            row[f"d_{m}_low"] = float(wide.loc[name, ("ci_low", m)])
            row[f"d_{m}_high"] = float(wide.loc[name, ("ci_high", m)])
        row["delta_low"] = row[f"d_{by}_low"]
        row["nnarr_per_dollar_12m"] = float(row[f"d_{by}"]) / cost if cost > 0 else math.nan  # type: ignore[arg-type]
        row["n"] = int(deltas.loc[(deltas["fix"] == name) & (deltas["metric"] == by), "n"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows)


def absolute_caveat(option: FixOption, fix: Fix) -> str:
    """A caveat for a recommended fix that sets absolute values (a policy written for one company), which may lie
    far from this company's own (a win rate above the one it has); empty when every value is relative."""
    fixed = sorted(f"{section}.{key}" for section, keys in fix.patch.items() for key in keys
                   if key not in fix.relative.get(section, {}))
    if not fixed:
        return ""
    return (f"{option.name} sets {', '.join(fixed)} to absolute values ({'; '.join(option.changes)}): check they "
            "fit this company before trusting its gain")


def _keys(fix: Fix) -> set[Key]:
    """The (section, key) parameters a fix changes; a hire of solution engineers changes their number."""
    keys = {(section, key) for part in (fix.patch, fix.relative) for section, keys in part.items() for key in keys}
    return keys | {("pov", "solution_engineers") for hire in fix.hires if hire.role == "solution_engineers"}


def _blind(fix: Fix, unseen: Mapping[Key, str], carried: Mapping[Key, str]) -> str:
    """Why ``fix`` cannot be weighed on this export, empty when it can: every parameter it changes is unseen, or
    it sets an absolute value on a parameter fitted over several stages (one stage's value for the whole stretch
    says nothing, not even a bound)."""
    keys = _keys(fix)
    absolute = {(section, key) for section, part in fix.patch.items() for key in part
                if key not in fix.relative.get(section, {}) and (section, key) in carried}
    if absolute:
        return "; ".join(f"{section}.{key} is {carried[(section, key)]}: it cannot take one stage's absolute value"
                         for section, key in sorted(absolute))
    if not keys or not keys <= unseen.keys():
        return ""
    return "; ".join(sorted({unseen[k] for k in keys}))


def _partly_seen(fix: Fix, unseen: Mapping[Key, str], carried: Mapping[Key, str]) -> str:
    """What a weighed fix's effect rests on beyond the export: the part of it the export does not show (left out
    of its effect) and the parameters it scales that carry several stages."""
    keys = _keys(fix)
    parts = [f"only part of it is weighed: {why}" for why in sorted({unseen[k] for k in keys if k in unseen})]
    parts += [f"{section}.{key} is {carried[(section, key)]}: the change is applied to all of it, so what it adds "
              "is an upper bound" for section, key in sorted(keys) if (section, key) in carried]
    return "; ".join(parts)


def _bound_only(fix: Fix, unseen: Mapping[Key, str], carried: Mapping[Key, str]) -> bool:
    """Whether every parameter of ``fix`` the export shows is one fitted over several stages: its effect is then an
    upper bound (a fifth off one stage applied to the whole stretch; a probability added to the whole stretch's)."""
    seen = _keys(fix) - unseen.keys()
    return bool(seen) and seen <= carried.keys()


def _name(option: FixOption) -> str:
    """A fix's name for a chart's axis: its summary up to the first colon or comma, at most 32 characters."""
    words = (option.summary or option.name.replace("_", " ")).split(":")[0].split(",")[0].strip()
    return words if len(words) <= 32 else words[:31] + "…"


def _stages(option: FixOption, fix: Fix) -> tuple[str, ...]:
    """The stages a fix acts on; a hire of solution engineers (``[staff] hires``) acts on their queue."""
    hired = ("pov_queue",) if any(h.role == "solution_engineers" for h in fix.hires) else ()
    return tuple(sorted({*option.stages, *hired}))


def _months(by: str) -> int:
    return MONTHS_12 if by == "nnarr_12m" else MONTHS_6


def _headline(table: pd.DataFrame, chosen: list[str], by: str, reps: int) -> str:
    bounds = table[table["upper_bound"] & (table["delta_low"] > 0)]
    if not chosen and len(bounds):
        best = bounds.iloc[0]
        return (f"No fix can be recommended from this export: the ones it can weigh act only on stretches it fits as "
                f"one, so their gains are upper bounds (best: {best['name']}, at most {_delta(best, by)}; "
                f"{reps} paired replications). Date each stage in the CRM to weigh them.")
    if not chosen:
        return (f"No fix in the library raises {_months(by)}-month NNARR clearly ({reps} paired replications): "
                "keep the current plan and look for a fix that acts on the bottleneck.")
    rows = table.set_index("fix", drop=False).loc[chosen]
    parts = [f"{row['name']} ({_delta(row, by)})" for _, row in rows.iterrows()]
    return f"Recommended: {' + '.join(parts)}, {reps} paired replications."


def _delta(row: pd.Series, by: str) -> str:
    mean, low, high = (float(row[f"d_{by}{s}"]) for s in ("", "_low", "_high"))
    return (f"{money(mean, signed=True)} NNARR at {_months(by)} months, 95 % CI {money(low, signed=True)} to "
            f"{money(high, signed=True)}")


def _finding(found: bottleneck.Finding, table: pd.DataFrame) -> str:
    acting = table[table["on_bottleneck"]]
    which = (f"; the library's fix for it ranks {int(acting['rank'].iloc[0])} of {len(table)}"
             if len(acting) else "; no fix in the library acts on it")
    return f"Bottleneck (one simulated replication, whole run): {found.text}{which}."


def _fix_line(row: pd.Series, by: str) -> str:
    text = f"{int(row['rank'])}. {row['label']}: {'at most ' if row['upper_bound'] else ''}{_delta(row, by)}"
    cost, pay = float(row["cost_12m"]), float(row["added_pay_12m"])
    if cost > 0:
        split = f" ({money(float(row['own_cost_12m']))} its own, {money(pay)} added pay)" if pay else ""
        text += (f"; costs {money(cost)} over 12 months{split}, ${float(row['nnarr_per_dollar_12m']):,.2f} NNARR "
                 "per $1")
    else:
        text += "; no cost of its own"
    if math.isfinite(float(row.get("d_c2re_12m", math.nan))):
        text += (f"; C2RE {float(row['d_c2re_12m']):+.2f} (95 % CI {float(row['d_c2re_12m_low']):+.2f} to "
                 f"{float(row['d_c2re_12m_high']):+.2f})")
    if math.isfinite(float(row.get("d_runway_12m", math.nan))):
        text += (f"; runway {float(row['d_runway_12m']):+.1f} months (95 % CI {float(row['d_runway_12m_low']):+.1f}"
                 f" to {float(row['d_runway_12m_high']):+.1f})")
    return text + (f" ({row['rests_on']})" if row["rests_on"] else "")
