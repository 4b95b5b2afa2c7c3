"""Section 6 of the plan, "Fractional or full-time": cost over the engagement, time to impact and the simulated
NNARR difference, for this company.

Both options run the plan's recommended fixes as their playbook, each fix starting when that CRO starts (article A:
a fractional CRO is "deployed in 2-4 weeks", a full-time one takes "8-12 weeks to hire and onboard"), on the
company's scenario with common random numbers, so the paired difference is the start delay's and the fee's own
effect. The terms are the company's own ``[cro]`` for its kind, and for the other kind the shipped ones, read from
their files (:data:`SHIPPED_TERMS`: ``scenarios/ai_startup.toml`` for a fractional CRO,
``scenarios/variants/full_time_cro_playbook.toml`` for a full-time one; assumptions inside article A's ranges).
Costs come from :func:`analysis.kpi.cro_cost.cost_for` over the same 12 months from the decision to hire (the rule
the spend ledger follows); equity is stated as a percentage (no valuation is known here).

The choice: full-time only when its extra 12-month NNARR, at the low end of its 95 % interval, pays for its extra
fees over those months; otherwise fractional.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import pandas as pd

from analysis.kpi.cro_cost import cost_for
from analysis.montecarlo import compare as comparison
from analysis.plan.runs import Runs, with_fixes
from analysis.plan.section import Section
from analysis.style import money
from simulation.loader import load_scenario
from simulation.scenario import Cro, Scenario
from simulation.shipped import shipped

MONTHS: Final = 12.0
SHIPPED_TERMS: Final = {"fractional": "ai_startup", "full_time": "full_time_cro_playbook"}  # shipped scenario names
METRICS: Final = ("nnarr_6m", "nnarr_12m", "c2re_12m")


def options(scenario: Scenario) -> dict[str, Cro]:
    """The two engagements weighed: the company's own terms for its kind of CRO, the shipped ones for the other."""
    own = scenario.cro.model_copy(update={"playbook": ()})
    return {kind: own if own.kind == kind else shipped_terms(kind) for kind in SHIPPED_TERMS}


def shipped_terms(kind: str) -> Cro:
    """The ``[cro]`` of the shipped scenario for ``kind`` (its playbook left out: the plan's fixes replace it)."""
    return load_scenario(shipped("scenario")[SHIPPED_TERMS[kind]]).cro.model_copy(update={"playbook": ()})


def with_cro(scenario: Scenario, cro: Cro, playbook: Sequence[str]) -> Scenario:
    """``scenario`` with ``cro`` and the ``playbook`` fix files starting when that CRO starts."""
    return with_fixes(scenario.model_copy(update={"cro": cro}), playbook, offset_days=cro.start_delay_days)


def cro_choice(scenario: Scenario, recommended: Sequence[str], runs: Runs) -> Section:
    """Section 6 for ``scenario``, both options running the ``recommended`` fixes as their playbook."""
    terms = options(scenario)
    kpis = {kind: runs.of(f"cro:{kind}", with_cro(scenario, cro, recommended)).kpis for kind, cro in terms.items()}
    metrics = [m for m in METRICS if m in kpis["fractional"].columns]
    deltas = comparison.deltas(kpis["fractional"], {"full_time": kpis["full_time"]}, metrics=metrics)
    rows = []
    for kind, cro in terms.items():
        cost = cost_for(cro, months=MONTHS)
        rows.append({"option": kind, "retainer_per_month": cro.retainer_per_month,
                     "equity_percent": cro.equity_percent, "start_delay_days": cro.start_delay_days,
                     "weeks_to_impact": cro.start_delay_days / 7, "fees_12m": cost.fees,
                     "months_of_impact_12m": cost.months_of_impact})
    table = pd.DataFrame(rows)
    extra = float(table["fees_12m"].iloc[1] - table["fees_12m"].iloc[0])
    d = deltas.set_index("metric")
    by = "nnarr_12m" if "nnarr_12m" in d.index and d.loc["nnarr_12m", "n"] > 0 else "nnarr_6m"
    row = d.loc[by]
    for column in ("mean_delta", "ci_low", "ci_high", "n"):
        table[f"full_time_minus_fractional_{by}_{column}"] = [0.0, float(row[column])]
    months = 12 if by == "nnarr_12m" else 6
    change = (f"{money(float(row['mean_delta']), signed=True)} NNARR at {months} months (95 % CI "
              f"{money(float(row['ci_low']), signed=True)} to {money(float(row['ci_high']), signed=True)}, "
              f"{int(row['n'])} paired replications)")
    full_time = float(row["ci_low"]) > extra
    choice = "full-time" if full_time else "fractional"
    headline = (f"Choose a {choice} CRO: full-time vs fractional is {change} for {money(extra, signed=True)} more "
                "in fees over 12 months.")
    if not recommended:  # the model's CRO acts through the playbook: with none, only the fees differ
        headline += (" The plan recommends no fix, so neither CRO has a playbook to start: the model sees no NNARR "
                     "difference and the choice rests on the fees.")
    lines = [
        f"{kind.replace('_', '-')}: {money(cro.retainer_per_month)}/month + {cro.equity_percent:g} % equity, "
        f"starts after {cro.start_delay_days / 7:.0f} weeks; fees over the first 12 months "
        f"{money(float(fees))} for {impact:.1f} months of impact"
        for (kind, cro), fees, impact in zip(terms.items(), table["fees_12m"], table["months_of_impact_12m"],
                                             strict=True)
    ]
    lines.append("Both run the plan's fixes as their playbook, each from the day that CRO starts; article A: "
                 "fractional 2-4 weeks to deploy, full-time 8-12 weeks.")
    if "c2re_12m" in d.index and d.loc["c2re_12m", "n"] > 0:
        c = d.loc["c2re_12m"]
        lines.append(f"C2RE at 12 months, full-time minus fractional: {float(c['mean_delta']):+.2f} (95 % CI "
                     f"{float(c['ci_low']):+.2f} to {float(c['ci_high']):+.2f}); the fee is in the spend.")
    caveats = ("equity is a share of the company, not valued here (no valuation given)",)
    return Section("cro", "Fractional or full-time", headline, tuple(lines), table, None, caveats)
