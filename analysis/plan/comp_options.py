"""The CRO's comp (section 5 of the plan): the multiplicative plan's parameters and the simulated bonus beside the
additive plan and article B's 50/30/20 scorecard.

A comp plan changes what the CRO is paid, never the funnel, so ONE set of replications is scored under all three
plans (common random numbers: replication k is the same company in every column, and the differences between
plans are paired). The reducer (:func:`comp_inputs`) keeps, per replication and window (first 6 and 12 calendar
months), only what a plan reads: NNARR, C2RE, model GRR and QTE velocity, computed exactly as the Monte Carlo
reducer computes ``bonus_6m`` / ``bonus_12m`` (:mod:`analysis.montecarlo.fast_reducer`); :func:`score` then pays
each plan with :func:`analysis.kpi.comp.bonus_for`, the definition every command uses.

Where a plan has no parameter of its own in the scenario (the scorecard's ``target_bonus`` of 0), it gets the
multiplicative plan's on-target pay (``bonus_rate`` x the window's NNARR target), and a caveat says so.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import style
from analysis.kpi import comp, nnarr
from analysis.montecarlo.fast_reducer import Deals, calendar, spend_between
from analysis.montecarlo.fast_revenue import in_window, model_grr
from analysis.montecarlo.forecast import summarise_values
from analysis.montecarlo.reducer import MONTHS_6, MONTHS_12
from analysis.plan.section import Section
from simulation.backends import Backend
from simulation.record import Record
from simulation.replications import MONTH, REPLICATION, Reduction, run_replications
from simulation.scenario import Comp, Scenario

PLANS: Final = ("multiplicative", "additive", "scorecard")
WINDOWS: Final = (MONTHS_6, MONTHS_12)
INPUTS: Final = ("nnarr", "c2re", "grr", "qte_days")
NaN: Final = math.nan
OFF_SCALE: Final = 3.0  # NNARR this many times its target: the targets were set for another company


def comp_inputs(scenario: Scenario, record: Record) -> Reduction:
    """A reducer: per window, the NNARR, C2RE, model GRR and QTE velocity a comp plan is paid on (NaN when the
    window is not over by the end of the run), as the Monte Carlo reducer's ``bonus_6m`` / ``bonus_12m`` read them."""
    deals = Deals(record)
    cal = calendar(record.start_date, record.horizon_days)
    row: dict[str, float] = {}
    for months in WINDOWS:
        end = cal.window_ends[months]
        names = [f"{name}_{months}m" for name in INPUTS]
        if end > cal.end:
            row.update(dict.fromkeys(names, NaN))
            continue
        booked = deals.nnarr(in_window(deals.closed, 0.0, end))
        spend = spend_between(scenario, record, *cal.window_bounds[months])
        ratio = nnarr.c2re_ratio(spend, booked.nnarr, provisional=not booked.final)
        values = (booked.nnarr, ratio.value, model_grr(record, 0.0, end), deals.qte(0.0, end))
        row.update(zip(names, values, strict=True))
    return Reduction(row, {MONTH: np.array([], dtype=str)})


def nnarr_target(scenario: Scenario, months: int) -> float:
    t = scenario.targets
    return t.nnarr_6_months if months == MONTHS_6 else t.nnarr_12_months


def plan_comp(base: Comp, plan: str, target: float) -> Comp:
    """``base`` (the scenario's ``[comp]``) paying by ``plan``; a scorecard without a target bonus gets the
    multiplicative plan's on-target pay, ``bonus_rate`` x ``target``."""
    update: dict[str, object] = {"plan": plan}
    if plan == "scorecard" and base.target_bonus <= 0:
        update["target_bonus"] = base.bonus_rate * target
    return base.model_copy(update=update)


def score(inputs: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The bonus of every replication under every plan and window: replication, window (months), plan, bonus.

    A plan that cannot be paid (the additive plan without a positive NNARR target) is NaN."""
    rows = []
    for months in WINDOWS:
        target = nnarr_target(scenario, months)
        for plan in PLANS:
            rule = plan_comp(scenario.comp, plan, target)
            for rep in inputs.itertuples(index=False):
                values = {name: float(getattr(rep, f"{name}_{months}m")) for name in INPUTS}
                try:
                    pay = comp.bonus_for(rule, nnarr=values["nnarr"], c2re=values["c2re"], grr=values["grr"],
                                         qte_days=values["qte_days"], targets=scenario.targets, nnarr_target=target)
                    bonus = pay.total if not math.isnan(values["nnarr"]) else NaN
                except comp.CompError:
                    bonus = NaN
                rows.append({REPLICATION: int(getattr(rep, REPLICATION)), "window_months": months, "plan": plan,
                             "bonus": bonus})
    return pd.DataFrame(rows, columns=[REPLICATION, "window_months", "plan", "bonus"])


def summary(bonuses: pd.DataFrame) -> pd.DataFrame:
    """Per window and plan: replications, mean with its 95 % CI, P10 / P50 / P90, share paying nothing; and the
    paired difference from the multiplicative plan (mean and CI of the per-replication difference)."""
    rows = []
    for (months, plan), group in bonuses.groupby(["window_months", "plan"], sort=False):
        values = group.sort_values(REPLICATION)["bonus"].to_numpy(dtype=float)
        stats = summarise_values(values)
        base = bonuses[(bonuses["window_months"] == months) & (bonuses["plan"] == PLANS[0])]
        diff = summarise_values(values - base.sort_values(REPLICATION)["bonus"].to_numpy(dtype=float))
        finite = values[np.isfinite(values)]
        rows.append({"window_months": months, "plan": plan, "reps": int(stats["n"]), "mean": stats["mean"],
                     "ci_low": stats["ci_low"], "ci_high": stats["ci_high"], "p10": stats["p10"],
                     "p50": stats["p50"], "p90": stats["p90"],
                     "share_zero": float((finite == 0).mean()) if len(finite) else NaN,
                     "vs_multiplicative_mean": diff["mean"], "vs_multiplicative_ci_low": diff["ci_low"],
                     "vs_multiplicative_ci_high": diff["ci_high"]})
    return pd.DataFrame(rows)


def parameters(scenario: Scenario) -> tuple[str, ...]:
    """The three plans' parameters in words."""
    c = scenario.comp
    cards = [c.target_bonus if c.target_bonus > 0 else c.bonus_rate * nnarr_target(scenario, m) for m in WINDOWS]
    return (
        f"Multiplicative (article A): {style.percent(c.bonus_rate)} of NNARR x a C2RE factor, {c.factor_at_good:g} "
        f"at C2RE {c.c2re_good:g} and {c.factor_at_poor:g} at C2RE {c.c2re_poor:g}, on the straight line between, "
        f"kept within [{c.factor_floor:g}, {c.factor_cap:g}]; an undefined C2RE takes the floor.",
        f"Additive (for contrast): the on-target bonus ({style.percent(c.bonus_rate)} x the NNARR target) paid "
        f"{style.percent(comp.ADDITIVE_WEIGHT_NNARR)} on NNARR attainment plus "
        f"{style.percent(1 - comp.ADDITIVE_WEIGHT_NNARR)} on the C2RE factor, independently: volume can buy back "
        "poor efficiency.",
        f"Scorecard (article B): target bonus {style.money(cards[0])} over 6 months, {style.money(cards[1])} over 12, "
        f"x ({style.percent(c.weight_nnarr)} "
        f"NNARR + {style.percent(c.weight_grr)} GRR + {style.percent(c.weight_qte_velocity)} QTE velocity "
        f"attainment, each capped at {comp.ATTAINMENT_CAP:g}).",
    )


def figure(table: pd.DataFrame, reps: int) -> Figure:
    """Per window, each plan's bonus: the P10-P90 range as a bar, the median as a dot, the mean as a diamond."""
    windows = [m for m in WINDOWS if table.loc[table["window_months"] == m, "reps"].max() > 0]
    fig = style.new_figure((10.0, 3.4))
    with style.styled():
        axes = fig.subplots(1, max(len(windows), 1), squeeze=False)[0]
        for ax, months in zip(axes, windows, strict=False):
            rows = table[table["window_months"] == months].set_index("plan").reindex(list(PLANS))
            y = np.arange(len(PLANS))[::-1]
            ax.barh(y, (rows["p90"] - rows["p10"]) / 1e3, left=rows["p10"] / 1e3, height=0.45, color="#dbe6f3",
                    edgecolor=style.PRIMARY, label="P10-P90")
            ax.scatter(rows["p50"] / 1e3, y, color=style.PRIMARY, zorder=3, label="median")
            ax.scatter(rows["mean"] / 1e3, y, marker="D", color=style.SECONDARY, zorder=4, label="mean")
            ax.set_yticks(y, list(PLANS))
            ax.set_xlabel("CRO bonus ($K)")
            ax.set_title(f"First {months} months ({reps} replications)", fontsize=13)
            ax.grid(axis="x")
            ax.set_xlim(left=0)
        # One legend under the panels: inside one, it covers a plan's bar when that plan pays the most.
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=9)
    return fig


def _range(row: pd.Series) -> str:
    return (f"P50 {style.money(row['p50'])} (P10 {style.money(row['p10'])} - P90 {style.money(row['p90'])}; mean "
            f"{style.money(row['mean'])}, 95 % CI {style.money(row['ci_low'])} - {style.money(row['ci_high'])})")


def comp_options(scenario: Scenario, seed: int, reps: int, *, backend: Backend | None = None) -> Section:
    """Section 5: the multiplicative plan's parameters and its simulated bonus beside the additive plan and the
    50/30/20 scorecard, all three scored on the same ``reps`` replications of ``scenario`` from ``seed`` (on
    ``backend``; None: in this process)."""
    runs = run_replications(scenario, seed, reps, comp_inputs, backend=backend)
    table = summary(score(runs.kpis, scenario))
    caveats = []
    if scenario.comp.target_bonus <= 0:
        caveats.append("The scenario sets no scorecard target bonus: the scorecard is given the multiplicative "
                       "plan's on-target pay (bonus rate x the window's NNARR target), an assumption.")
    for months in WINDOWS:
        typical = float(np.nanmedian(runs.kpis[f"nnarr_{months}m"])) if runs.kpis[f"nnarr_{months}m"].notna().any() \
            else NaN
        target = nnarr_target(scenario, months)
        if target > 0 and typical > OFF_SCALE * target:
            caveats.append(f"The simulated {months}-month NNARR (P50 {style.money(typical)}) is "
                           f"{typical / target:.0f} times the scenario's target ({style.money(target)}): the targets "
                           "were not set for this company (a calibrated scenario takes them, and the deal sizes an "
                           "export without amounts lacks, from its base), so the plans paid against the target hit "
                           "their caps; set [targets] to the company's own goal.")
        if target <= 0:
            caveats.append(f"No {months}-month NNARR target in [targets]: the additive plan and the scorecard's "
                           f"NNARR share cannot be paid over {months} months (n/a).")
        if table.loc[table["window_months"] == months, "reps"].max() == 0:
            caveats.append(f"The scenario's horizon ends before month {months}: no {months}-month bonus.")
    shown = table.set_index(["window_months", "plan"])
    six = shown.loc[MONTHS_6] if MONTHS_6 in shown.index.get_level_values(0) else None
    if six is not None and six.loc[PLANS[0], "reps"] > 0:
        headline = (f"CRO bonus over the first 6 months under the multiplicative plan: {_range(six.loc[PLANS[0]])}, "
                    f"{reps} replications.")
    else:
        headline = "The CRO's bonus could not be simulated over 6 months (see the caveats)."
    lines = list(parameters(scenario))
    for (months, plan), row in shown.iterrows():
        if row["reps"] == 0:
            continue
        paired = "" if plan == PLANS[0] else (
            f"; vs multiplicative {style.money(row['vs_multiplicative_mean'], signed=True)} "
            f"(95 % CI {style.money(row['vs_multiplicative_ci_low'], signed=True)} to "
            f"{style.money(row['vs_multiplicative_ci_high'], signed=True)}, paired)")
        lines.append(f"{months} months, {plan}: {_range(row)}; pays nothing in {style.percent(row['share_zero'])} "
                     f"of {int(row['reps'])} replications{paired}.")
    lines.append(f"All plans are scored on the same {reps} replications (seed {seed}): the plan does not change the "
                 "funnel, so their differences are paired.")
    return Section(key="comp", title="The CRO's comp", headline=headline, lines=tuple(lines), table=table,
                   figure=figure(table, reps), caveats=tuple(caveats))
