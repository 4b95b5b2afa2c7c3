"""Build the teaching notebooks from the cell sources in this file.

    .venv/bin/python notebooks/build.py            # write notebooks/*.ipynb, without outputs (what we commit)
    .venv/bin/python notebooks/build.py --execute  # also run them; executed copies and their PNGs go to --out

Edit the cells here rather than in the .ipynb files, then rebuild: the notebooks are committed without outputs and
with stable cell ids, so a change shows up as a small diff. ``tests/test_notebooks.py`` executes every notebook.
"""

from __future__ import annotations

import argparse
import base64
import textwrap
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip())


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip())


COMMON_SETUP = """
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

plt.rcParams.update({"figure.figsize": (9, 4.5), "figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3,
                     "axes.titleweight": "bold", "axes.titlelocation": "left",
                     "text.parse_math": False})  # "$" in labels means dollars, not maths
DAY = pd.Timedelta(days=1)


def days(delta):
    \"\"\"A column of time differences as (fractional) days.\"\"\"
    return delta.dt.total_seconds() / 86400


def with_horizon(scenario, horizon_days):
    \"\"\"The same scenario, simulated for a different number of days.\"\"\"
    return scenario.model_copy(update={"scenario": scenario.scenario.model_copy(update={"horizon_days": horizon_days})})


def two_engineer_company(shipped):
    \"\"\"The lesson's company: the shipped AI-startup baseline as it stood before it was re-tuned to 83 % load, with
    2 prospects a week, two engineers (10 POV slots) and prospects who never give up waiting (a textbook queue).\"\"\"
    slower = shipped.model_copy(update={"arrivals": shipped.arrivals.model_copy(update={"rate_per_week": 2.0})})
    from simulation.scenario import apply_patch
    return apply_patch(slower, {"pov": {"solution_engineers": 2, "patience_days": None}})
"""

# --------------------------------------------------------------------------------------------------------------
# 01: queues and Little's law
# --------------------------------------------------------------------------------------------------------------

QUEUES = [
    md("""
    # 1. The solution-engineer queue, Little's law and why waits explode

    Every proof-of-value (POV) needs a solution engineer. This lesson's company is the shipped AI-startup baseline
    (`scenarios/ai_startup.toml`) as it stood before it was re-tuned: 2 prospects a week, and two engineers who run
    five POVs each at once, **10 POV slots**; its prospects never give up waiting. (The shipped baseline now has three
    engineers at about 83 % load, and prospects who walk away after about 45 days: run `funnelsim validate` on it.) A prospect whose data access has been granted waits
    for a free slot, then the POV runs for 45–90 days. This notebook looks at that queue the way an operations
    person would:

    1. what the queue and the engineers' load look like over 18 months;
    2. **Little's law**: the time deals spend waiting and the length of the queue are the same number, counted two
       ways, so you can read one from the other;
    3. the textbook formula for a queue with several servers (**Erlang C**) against the simulator, and why waits
       explode as the engineers approach 100 % busy;
    4. why a third engineer is worth far more than "50 % more capacity".
    """),
    code(COMMON_SETUP + """
from simulation import load_scenario, simulate
from simulation.scenario import Pipeline, apply_patch
from simulation.queueing import erlang_c_wait
from analysis.kpi.utilisation import usage

SEED = 7  # one fixed seed: the same prospects every time the notebook runs
"""),
    md("""
    ## The two-engineer company, one sample path

    `simulate(scenario, seed)` returns four tables. We need two of them: `deals` (one row per prospect, with the
    date of every stage) and `resources` (every change in the engineers' load: slots, slots busy, deals waiting).
    """),
    code("""
scenario = two_engineer_company(load_scenario("../scenarios/ai_startup.toml"))
outcome = simulate(scenario, SEED)
deals, resources = outcome.deals, outcome.resources
end = outcome.start_date + outcome.horizon_days * DAY
slots = scenario.pov.solution_engineers * scenario.pov.povs_per_engineer
print(f"{len(deals)} prospects in {outcome.horizon_days} days, {deals['pov_started'].notna().sum()} POVs started, "
      f"{slots} POV slots ({scenario.pov.solution_engineers} engineers x {scenario.pov.povs_per_engineer} POVs each)")
resources[resources["resource"] == "solution_engineers"].head()
"""),
    code("""
weekly = usage(resources, "W", end=end)
se = weekly[weekly["resource"] == "solution_engineers"]
fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
top.plot(se["period"], 100 * se["utilisation"], color="tab:blue")
top.set(title="Solution engineers: share of POV slots in use", ylabel="slots in use (%, weekly mean)",
        ylim=(0, 105))
bottom.fill_between(se["period"], se["queue"], step="post", alpha=0.3, color="tab:orange", label="weekly mean")
bottom.plot(se["period"], se["queue_max"], drawstyle="steps-post", color="tab:orange", label="weekly peak")
bottom.set(title="Deals waiting for a solution engineer", ylabel="deals in the queue", xlabel="week")
bottom.legend(loc="upper left")
fig.tight_layout()
plt.show()
"""),
    md("""
    The slots are full for long stretches, and in the second year the queue builds up and does not come back
    down. That is the signature of a resource asked for more work than it can do. We will measure *how much* more
    below.

    ## Little's law on the sample path

    Draw the number of deals in the queue over time and take the area under that curve: its unit is
    *deal-days*. Every day a deal spends waiting adds exactly one deal-day to it. So

    > **area under the queue-length curve = the sum of every deal's waiting time.**

    Divide both sides by the length of the period and you get Little's law, **L = λ × W**: average queue length =
    arrival rate into the queue × average wait. It needs no assumption about distributions; it is bookkeeping.
    In the deals table a deal's wait is `pov_started − data_access_granted` (deals still waiting at the end count
    up to the end).
    """),
    code("""
def area_under(resources, name, column, end):
    \"\"\"Area under one column of the resources table (a step curve), in unit-days, up to `end`.\"\"\"
    log = resources[resources["resource"] == name].reset_index(drop=True)
    next_change = pd.concat([log["time"].iloc[1:], pd.Series([end])], ignore_index=True)
    return float((log[column] * days(next_change - log["time"])).sum())


def little_check(outcome):
    \"\"\"Queue area and the waits behind it, from the start date: deals already waiting then count from it, and a
    wait ends when an engineer starts the POV, when the prospect gives up (closed), or at the end.\"\"\"
    start, end = outcome.start_date, outcome.start_date + outcome.horizon_days * DAY
    d = outcome.deals
    area = area_under(outcome.resources, "solution_engineers", "queue", end)
    left = d["pov_started"].fillna(d["closed"]).fillna(end)
    queued = d["data_access_granted"].notna() & (left > start)
    waits = days(left[queued] - d.loc[queued, "data_access_granted"].clip(lower=start))
    return area, waits


area, waits = little_check(outcome)
print(f"area under the queue curve: {area:8.1f} deal-days")
print(f"sum of waits in the deals:  {waits.sum():8.1f} deal-days  ({len(waits)} deals queued)")
print(f"gap: {area - waits.sum():.1f} deal-days ({(area - waits.sum()) / area:.1%})")
"""),
    md("""
    They do not match, and the gap is instructive. When accuracy validation is unclear, a deal gets one
    **extension**, and that extension needs a solution engineer again: the deal queues a *second* time. The deals
    table records only the first wait (there is no column for the extension's queue entry), so the queue curve
    sees waiting time the deals table cannot. The same thing happens with a real CRM: Little's law only balances
    if every visit to the queue is recorded.

    Switch extensions off (same seed, same prospects) and the two sides agree to the last decimal:
    """),
    code("""
no_extension = apply_patch(scenario, {"validation": {"extension_probability": 0.0}})
plain = simulate(no_extension, SEED)
area, waits = little_check(plain)
T = plain.horizon_days
print(f"area under the queue curve: {area:10.4f} deal-days")
print(f"sum of waits in the deals:  {waits.sum():10.4f} deal-days")
assert math.isclose(area, waits.sum(), rel_tol=1e-9)
L, lam, W = area / T, len(waits) / T, waits.mean()
print(f"L = {L:.2f} deals waiting on average;  lambda = {lam:.3f} deals/day;  W = {W:.1f} days;  "
      f"lambda x W = {lam * W:.2f}")
"""),
    code("""
d = plain.deals
entered = d["data_access_granted"].dropna().sort_values()
left = d.loc[d["data_access_granted"].notna(), "pov_started"].dropna().sort_values()
grid = pd.date_range(plain.start_date, plain.start_date + T * DAY, freq="D")
arrived = np.searchsorted(entered.to_numpy(), grid.to_numpy(), side="right")
served = np.searchsorted(left.to_numpy(), grid.to_numpy(), side="right")
fig, ax = plt.subplots()
ax.plot(grid, arrived, color="tab:orange", label="entered the queue (data access granted)")
ax.plot(grid, served, color="tab:blue", label="left the queue (POV started)")
ax.fill_between(grid, served, arrived, color="tab:orange", alpha=0.25, label="in the queue")
ax.set(title="Little's law: the shaded area is the total waiting time", xlabel="date",
       ylabel="deals (cumulative count)")
ax.legend(loc="upper left")
plt.show()
"""),
    md("""
    Read the picture two ways. **Vertically**, the gap between the curves on a given day is the number of deals
    waiting that day. **Horizontally**, the gap at a given height is how long that deal waited (first come, first
    served). Same area, two readings: that is Little's law.

    ## The closed form: Erlang C, and the wall at 100 %

    Queueing theory has an exact answer for the simplest version of this queue, **M/M/c**: prospects arrive at
    random (Poisson), POV lengths are random with an exponential distribution, and there are *c* identical slots.
    With arrival rate λ per day and mean POV length *S* days, the slots are busy a share ρ = λS / c of the time
    and the mean wait before a POV starts is

    $$W_q = \\frac{C(c, \\lambda S)}{c/S - \\lambda},$$

    where *C* is the **Erlang C** probability that an arriving deal has to wait at all
    (`simulation.queueing.erlang_c_wait`; the engine's own tests check the simulator against the same function).

    To compare it with the simulator we strip the shipped funnel down to that bare queue: every prospect
    qualifies at once, data access is instant, POVs last an exponential 60 days on average and always complete,
    validation always passes (no extension), and the run starts empty (no warm-up, no pipeline open on day 1). Then we raise the arrival
    rate so the 10 slots are busy 50 % … 95 % of the time.
    """),
    code("""
MEAN_POV, SLOTS = 60.0, 10
instant = {"dist": "fixed", "value": 0}
mmc = apply_patch(scenario, {
    "data_quality": {"check_days": instant, "pass_probability": 1.0},
    "pov": {"data_access_days": instant, "data_access_probability": 1.0, "completion_probability": 1.0,
            "duration_days": {"dist": "exponential", "mean": MEAN_POV}},
    "validation": {"pass_probability": 1.0},
}).model_copy(update={"pipeline": Pipeline(), "scenario": scenario.scenario.model_copy(update={"warmup_days": 0})})
print(f"{mmc.pov.solution_engineers * mmc.pov.povs_per_engineer} slots; "
      f"at 95 % busy the formula says {erlang_c_wait(0.95 * SLOTS / MEAN_POV, MEAN_POV, SLOTS):.0f} days of wait")
"""),
    md("""
    Each run lasts 5,000 days; we drop the first 1,000 (the queue starts empty) and measure the mean wait through
    Little's law, W = L / λ, from the time-average queue length of the rest. Six independent replications per
    load give the error bars (± 2 standard errors).
    """),
    code("""
HORIZON, WARMUP, REPLICATIONS = 5000, 1000, 6
loads = [0.5, 0.7, 0.8, 0.9, 0.95]
rows = []
for rho in loads:
    lam = rho * SLOTS / MEAN_POV  # arrivals per day
    sc = with_horizon(mmc, HORIZON).model_copy(
        update={"arrivals": mmc.arrivals.model_copy(update={"rate_per_week": 7 * lam})})
    for seed in np.random.SeedSequence(2027).spawn(REPLICATIONS):
        out = simulate(sc, seed)
        log = out.resources[out.resources["resource"] == "solution_engineers"]
        warm = out.start_date + WARMUP * DAY
        clipped = log.assign(time=log["time"].clip(lower=warm))  # only the area after the warm-up counts
        Lq = area_under(clipped, "solution_engineers", "queue", out.start_date + HORIZON * DAY) / (HORIZON - WARMUP)
        rows.append({"rho": rho, "wait": Lq / lam})
sim = pd.DataFrame(rows).groupby("rho")["wait"].agg(["mean", "std", "count"])
sim["se"] = sim["std"] / np.sqrt(sim["count"])
sim["erlang_c"] = [erlang_c_wait(r * SLOTS / MEAN_POV, MEAN_POV, SLOTS) for r in sim.index]
sim.round(1)
"""),
    code("""
rho_grid = np.linspace(0.3, 0.97, 200)
fig, ax = plt.subplots()
ax.plot(100 * rho_grid, [erlang_c_wait(r * SLOTS / MEAN_POV, MEAN_POV, SLOTS) for r in rho_grid],
        color="tab:blue", label="Erlang C (closed form), 10 slots")
ax.errorbar(100 * sim.index, sim["mean"], yerr=2 * sim["se"], fmt="o", color="tab:orange", capsize=4,
            label="simulation, mean ± 2 SE")
ax.set(title="Mean wait for a POV slot as the engineers get busier", xlabel="slots busy (% of the time)",
       ylabel="mean wait before the POV starts (days)", ylim=(0, 200))
ax.legend(loc="upper left")
plt.show()
"""),
    md("""
    The simulator follows the formula, and both show the same shape: **waiting is almost nothing at 50 % busy,
    then explodes**. Roughly, the wait scales like 1 / (1 − ρ): going from 80 % to 90 % busy triples it, from 90 %
    to 95 % more than doubles it again. Notice the error bars too: the busier the engineers, the wider
    they get. Near 95 % the queue takes years to reach its long-run level and swings wildly around it, so even six
    runs of 11 years each pin the mean wait down only roughly. A real startup never sees that long run: it lives
    with the swings.

    ## The two-engineer company is past the wall, and the third engineer

    How busy would its engineers be if nobody ever waited? Give the funnel plenty of engineers (no queue)
    and measure the slots in use: that is the **offered load**, in slots.
    """),
    code("""
unconstrained = with_horizon(apply_patch(scenario, {"pov": {"solution_engineers": 20}}), 2000)
loads = []
for seed in (1, 2):
    out = simulate(unconstrained, seed)
    log = out.resources[out.resources["resource"] == "solution_engineers"]
    warm = out.start_date + 300 * DAY
    clipped = log.assign(time=log["time"].clip(lower=warm))
    loads.append(area_under(clipped, "solution_engineers", "busy", out.start_date + 2000 * DAY) / 1700)
offered = float(np.mean(loads))
print(f"offered load: {offered:.1f} slots busy on average")
print(f"2 engineers = 10 slots -> rho = {offered / 10:.2f};  3 engineers = 15 slots -> rho = {offered / 15:.2f}")
"""),
    md("""
    The funnel asks for about 11 slots' worth of POV work; two engineers have 10. With ρ above 1 there is no steady
    state at all: the queue grows for as long as the prospects keep coming, which is what the first chart showed.
    A third engineer (`scenarios/fixes/extra_solution_engineer.toml`: one more engineer from day 60) gives 15 slots,
    ρ ≈ 0.73, the flat part of the curve. Same seeds, so the two runs see the very same prospects (common random numbers):
    """),
    code("""
from simulation import load_fix, resolve_fixes
one_more = load_fix("../scenarios/fixes/extra_solution_engineer.toml")  # { add = 1 }: one more than the company has
extra = resolve_fixes(scenario.model_copy(update={"fixes": (one_more,)}))
SEEDS = [1, 2, 3, 4, 5]
queues, summary = {}, []
for name, sc in (("2 engineers (baseline)", scenario), ("3 engineers from day 60", extra)):
    weekly_queue = []
    for seed in SEEDS:
        out = simulate(sc, seed)
        d = out.deals
        end = out.start_date + out.horizon_days * DAY
        u = usage(out.resources, "W", end=end)
        weekly_queue.append(u[u["resource"] == "solution_engineers"].set_index("period")["queue"])
        summary.append({"scenario": name, "seed": seed,
                        "mean wait (days)": days(d["pov_started"].fillna(end) - d["data_access_granted"]).mean(),
                        "POVs started": d["pov_started"].notna().sum(),
                        "deals won": (d["outcome"] == "won").sum(),
                        "ACV won ($k)": d.loc[d["outcome"] == "won", "acv"].sum() / 1e3})
    queues[name] = pd.concat(weekly_queue, axis=1).mean(axis=1)
table = pd.DataFrame(summary).groupby("scenario").mean().drop(columns="seed")
table.round(1)
"""),
    code("""
fig, ax = plt.subplots()
for (name, q), colour in zip(queues.items(), ["tab:orange", "tab:blue"]):
    ax.plot(q.index, q.to_numpy(), color=colour, label=name)
ax.axvline(scenario.scenario.start_date + pd.Timedelta(days=60), color="grey", ls="--", lw=1)
ax.annotate("third engineer starts", (scenario.scenario.start_date + pd.Timedelta(days=63), ax.get_ylim()[1] * 0.5),
            color="grey")
ax.set(title="Deals waiting for a solution engineer (mean of 5 seeds)", xlabel="week",
       ylabel="deals in the queue (weekly mean)")
ax.legend(loc="upper left")
plt.show()
base_row, extra_row = table.loc["2 engineers (baseline)"], table.loc["3 engineers from day 60"]
print(f"+50 % slots: mean wait {base_row['mean wait (days)']:.0f} -> {extra_row['mean wait (days)']:.0f} days "
      f"({extra_row['mean wait (days)'] / base_row['mean wait (days)'] - 1:+.0%}), "
      f"deals won {extra_row['deals won'] / base_row['deals won'] - 1:+.0%}")
"""),
    md("""
    **Why one more engineer matters more than its share.** Capacity went up 50 %, but the wait did not fall by a
    third: it nearly vanished, because the engineers moved from *past* the wall (ρ ≈ 1.1, a queue that only grows)
    to the flat part of the curve (ρ ≈ 0.73). Every day a prospect does not wait is a day earlier the deal can
    close, so more deals close inside the same 18 months. The same logic cuts the other way: an engineer who
    leaves a team running at 80 % does not cost 1/3 of the throughput, they push the others onto the wall.

    What to take to the board: *ask how busy the scarce people are, not just how many there are.* Above ~85 %, the
    queue, not the POV, is the sales cycle.
    """),
]

# --------------------------------------------------------------------------------------------------------------
# 02: cycle compression
# --------------------------------------------------------------------------------------------------------------

CYCLE = [
    md("""
    # 2. Cycle compression: when does 90 → 60 days "double the capacity"?

    Article A: *"AI startups that can compress their cycle from 90 to 60 days can double their revenue capacity
    without adding headcount."* This notebook tests that sentence with the self-serve sandbox fix
    (`scenarios/fixes/self_serve_sandbox.toml`: every POV a third shorter, so 45–90 days become about 30–60).

    Little's law (notebook 1) says: **throughput = work in progress ÷ time per item**. If the number of POVs you
    can run at once is capped (the solution engineers' slots), a shorter POV lets more POVs through the same slots.
    If it is not capped, a shorter POV just means fewer POVs in progress at any time, and throughput is whatever
    the market sends you. Two consequences to keep in mind:

    * even in the best case, 90 → 60 days is 90/60 = **1.5×** the throughput, not 2× (doubling needs 90 → 45);
    * and that best case needs the POV slots to be what limits throughput, for the whole cycle.
    """),
    code(COMMON_SETUP + """
from simulation import load_fix, load_scenario, resolve_fixes, simulate
from simulation.scenario import apply_patch
from analysis.kpi import cycle, nnarr

print(f"SCCR of 90 -> 60 days: {cycle.sccr_from_cycles(90, 60):.0%};  "
      f"Little's law throughput ratio: {90 / 60:.2f}x")
"""),
    md("""
    ## Setup: same prospects, two worlds

    We simulate three years. To see the change cleanly we start the sandbox on **day 365** (the fix file says
    day 90; `load_fix(..., offset_days=275)` delays it, the same mechanism a CRO's playbook uses), so year one shows
    the settled baseline. The fix is relative (`duration_days = { scale = 0.67 }`), so `resolve_fixes` turns it
    into the absolute POV length for this scenario, as `load_scenario` does for `--fix`. Every configuration is run with the same six seeds, with and without the sandbox:
    common random numbers, so both worlds see exactly the same prospects and the difference is the fix's own
    effect. The company is notebook 1's: the shipped baseline before it was re-tuned (2 prospects a week, prospects
    who never give up). We vary the number of solution engineers from 1 (5 POV slots) to 5 (25 slots); that company
    has 2.
    """),
    code("""
HORIZON, FIX_DAY = 1095, 365
base = with_horizon(two_engineer_company(load_scenario("../scenarios/ai_startup.toml")), HORIZON)
sandbox_fix = load_fix("../scenarios/fixes/self_serve_sandbox.toml", offset_days=FIX_DAY - 90)
sandbox = resolve_fixes(base.model_copy(update={"fixes": (sandbox_fix,)}))
start = pd.Timestamp(base.scenario.start_date)
fix_date, end = start + FIX_DAY * DAY, start + HORIZON * DAY
steady_from = fix_date + 180 * DAY  # give the system half a year to settle after the change
steady_months = (end - steady_from) / DAY / (365.25 / 12)

SEEDS = [1, 2, 3, 4, 5, 6]
ENGINEERS = [1, 2, 3, 5]
runs = {}  # (engineers, "baseline" | "sandbox") -> list of outcomes, one per seed
for engineers in ENGINEERS:
    for name, sc in (("baseline", base), ("sandbox", sandbox)):
        sc = apply_patch(sc, {"pov": {"solution_engineers": engineers}})
        runs[engineers, name] = [simulate(sc, seed) for seed in SEEDS]
print(f"{len(runs) * len(SEEDS)} runs; sandbox from {fix_date.date()}, steady state measured from "
      f"{steady_from.date()} to {end.date()} ({steady_months:.0f} months)")
"""),
    md("""
    ## Throughput: demand-limited or capacity-limited?

    For each run we count POVs started per month in the steady-state window (the rate the bottleneck lets work
    through) and deals won per month. Two straight lines predict them:

    * **capacity** = slots ÷ slot-days per POV (Little's law again; the slot-days per POV are measured from the
      runs, extensions included);
    * **demand** = POVs the market asks for per month (measured with plenty of engineers).

    Throughput is the smaller of the two.
    """),
    code("""
def area_under(resources, name, column, start, end):
    log = resources[resources["resource"] == name].reset_index(drop=True)
    t = log["time"].clip(lower=start)
    next_change = pd.concat([t.iloc[1:], pd.Series([end])], ignore_index=True)
    return float((log[column] * days(next_change - t)).sum())


rows = []
for (engineers, name), outcomes in runs.items():
    for seed, out in zip(SEEDS, outcomes):
        d = out.deals
        in_window = (d["pov_started"] >= steady_from) & (d["pov_started"] < end)
        won = (d["outcome"] == "won") & (d["closed"] >= steady_from)
        busy = area_under(out.resources, "solution_engineers", "busy", steady_from, end)
        rows.append({"engineers": engineers, "slots": 5 * engineers, "plan": name, "seed": seed,
                     "povs_per_month": in_window.sum() / steady_months, "wins_per_month": won.sum() / steady_months,
                     "slot_days_per_pov": busy / max(in_window.sum(), 1)})
throughput = pd.DataFrame(rows)
summary = throughput.groupby(["plan", "slots"])[["povs_per_month", "wins_per_month", "slot_days_per_pov"]].mean()
summary.round(2)
"""),
    code("""
most = max(ENGINEERS)
demand = summary.loc[("baseline", 5 * most), "povs_per_month"]  # with 25 slots nobody waits: this is demand
slot_grid = np.linspace(2, 27, 200)
fig, ax = plt.subplots()
for plan, colour in (("baseline", "tab:orange"), ("sandbox", "tab:blue")):
    per_pov = summary.loc[(plan, 5 * most), "slot_days_per_pov"]  # unconstrained slot-days per POV
    capacity = slot_grid * (365.25 / 12) / per_pov
    ax.plot(slot_grid, np.minimum(capacity, demand), color=colour, lw=2,
            label=f"{plan}: min(demand, slots / {per_pov:.0f} slot-days per POV)")
    ax.plot(slot_grid, capacity, color=colour, ls=":", lw=1)
    pts = throughput[throughput["plan"] == plan].groupby("slots")["povs_per_month"]
    ax.errorbar(pts.mean().index, pts.mean(), yerr=[pts.mean() - pts.min(), pts.max() - pts.mean()], fmt="o",
                color=colour, capsize=4)
ax.axhline(demand, color="grey", ls="--", lw=1)
ax.annotate("demand: POVs the market asks for", (16, demand * 1.03), color="grey")
ax.axvline(10, color="grey", lw=0.8)
ax.annotate("the company: 2 engineers", (10.3, 0.4), color="grey")
ax.set(title="POV throughput = min(demand, capacity)", xlabel="POV slots (5 per solution engineer)",
       ylabel="POVs started per month (steady state)", ylim=(0, demand * 1.25))
ax.legend(loc="center right", fontsize=9)
plt.show()
"""),
    md("""
    The dots are simulations (mean of six seeds, bars from lowest to highest), the lines the prediction. Read it
    from the left:

    * **1 engineer (5 slots): capacity-limited.** Both worlds are on their capacity line; the sandbox's shorter POV
      moves about 1.5× as many POVs through the same five slots. This is the only place where the article's
      sentence is (almost) true — and 1.5×, not 2×.
    * **2 engineers (the company as it is): right at the corner.** The baseline is just short of demand, the
      sandbox reaches it: throughput rises by about a tenth (the part of demand that was not being served, plus
      the year-one backlog draining), not by half.
    * **3 or more engineers: demand-limited.** Both worlds run exactly as many POVs as the market asks for. A
      shorter POV cannot create prospects.
    """),
    code("""
ratio = summary.xs("sandbox")["povs_per_month"] / summary.xs("baseline")["povs_per_month"]
wins = summary.xs("sandbox")["wins_per_month"] / summary.xs("baseline")["wins_per_month"]
pd.DataFrame({"POV throughput, sandbox / baseline": ratio, "wins per month, sandbox / baseline": wins}).round(2)
"""),
    md("""
    ## Over time: revenue brought forward vs revenue capacity

    Two configurations side by side, monthly, averaged over the six seeds: **demand-limited** (5 engineers) and
    **capacity-limited** (1 engineer). NNARR per month comes from `analysis.kpi.nnarr.nnarr_by_period`.
    """),
    code("""
CONFIGS = {"demand-limited (5 engineers)": 5, "capacity-limited (1 engineer)": 1}


import matplotlib.dates as mdates

months = pd.period_range(start, end - DAY, freq="M")
months = months[months.end_time < end]  # whole months only


def monthly(outcomes):
    \"\"\"Mean over seeds of POVs started per month and of cumulative NNARR by month of close.\"\"\"
    povs = [o.deals["pov_started"].dt.to_period("M").value_counts().reindex(months, fill_value=0)
            for o in outcomes]
    arr = [nnarr.nnarr_by_period(o.deals, "M", start, end - DAY)["nnarr"].reindex(months, fill_value=0)
           for o in outcomes]
    return pd.concat(povs, axis=1).mean(axis=1), pd.concat(arr, axis=1).mean(axis=1).cumsum()


fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
gaps = {}
for col, (title, engineers) in enumerate(CONFIGS.items()):
    series = {plan: monthly(runs[engineers, plan]) for plan in ("baseline", "sandbox")}
    for plan, colour in (("baseline", "tab:orange"), ("sandbox", "tab:blue")):
        povs, cumulative = series[plan]
        x = povs.index.to_timestamp()
        axes[0, col].plot(x, povs.to_numpy(), color=colour, label=plan)
        axes[1, col].plot(x, cumulative.to_numpy() / 1e6, color=colour, label=plan)
    gap = (series["sandbox"][1] - series["baseline"][1]) / 1e6
    gaps[title] = gap
    axes[1, col].fill_between(gap.index.to_timestamp(), series["baseline"][1] / 1e6, series["sandbox"][1] / 1e6,
                              color="tab:blue", alpha=0.15, label="sandbox lead")
    for ax in axes[:, col]:
        ax.axvline(fix_date, color="grey", ls="--", lw=1)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    axes[0, col].set(title=title, ylabel="POVs started per month")
    axes[1, col].set(ylabel="cumulative NNARR ($M)", xlabel="month of close")
    axes[0, col].legend(loc="upper left")
    axes[1, col].legend(loc="upper left")
fig.suptitle("Self-serve sandbox from day 365 (dashed line), mean of 6 seeds", fontweight="bold")
fig.tight_layout()
plt.show()
for title, gap in gaps.items():
    checkpoints = [fix_date + 180 * DAY, fix_date + 365 * DAY, months[-1].start_time]
    print(title + ": sandbox lead in cumulative NNARR " + ", ".join(
        f"{gap[pd.Period(t, 'M')]:+.2f}M at {t:%Y-%m}" for t in checkpoints))
"""),
    md("""
    * **Demand-limited**: the two POV lines lie on top of each other. Nobody waits for an engineer, so every POV
      starts the day its data access is granted, in both worlds; the sandbox only makes each one finish ~22 days
      sooner. The same deals close, a little earlier: the cumulative NNARR lead opens once and then stops growing.
      Revenue was **brought forward**, not multiplied. Worth having (cash earlier, a shorter forecast horizon), but
      not "double the capacity".
    * **Capacity-limited**: the monthly POV rate steps up and stays up, so the lead keeps **growing**. This is the
      world the article's sentence describes.

    (With one engineer the queue in both worlds grows without limit: the simulator keeps every prospect in line,
    where real ones would give up and go elsewhere. The throughput is the same either way — the slots are the
    limit — but the waits are worse than life.)

    ## SCCR quarter over quarter

    SCCR = % reduction of the average sales cycle (arrival to close, won deals) versus the previous quarter,
    computed with `analysis.kpi.cycle.average_cycle` and `analysis.kpi.cycle.sccr` on the deals of all six seeds pooled
    (so each quarter averages ~30 won deals instead of ~5).
    """),
    code("""
SCCR_CONFIGS = {**CONFIGS, "the company (2 engineers)": 2}
last_quarter = (end - DAY).to_period("Q") - 1  # the last whole quarter of the run
fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True)
sccr_table = {}
for col, (title, engineers) in enumerate(SCCR_CONFIGS.items()):
    for k, (plan, colour) in enumerate((("baseline", "tab:orange"), ("sandbox", "tab:blue"))):
        pooled = pd.concat([o.deals for o in runs[engineers, plan]], ignore_index=True)
        average = cycle.average_cycle(pooled, "Q", last=last_quarter.start_time)
        rate = cycle.sccr(pooled, last=last_quarter.start_time)
        sccr_table[title, plan] = rate
        x = np.arange(len(average))
        axes[0, col].plot(x, average.to_numpy(), "o-", color=colour, label=plan)
        axes[1, col].bar(x + (k - 0.5) * 0.4, 100 * rate.to_numpy(), width=0.4, color=colour, label=plan)
    labels = [str(p) for p in average.index]
    fix_quarter = labels.index(str(fix_date.to_period("Q")))
    for ax in axes[:, col]:
        ax.axvline(fix_quarter - 0.5, color="grey", ls="--", lw=1)
        ax.set_xticks(x, labels, rotation=60, fontsize=8)
    axes[0, col].set(title=title, ylabel="mean sales cycle, won deals (days)")
    axes[1, col].set(ylabel="SCCR vs previous quarter (%)", xlabel="quarter of close")
    axes[1, col].axhline(0, color="black", lw=0.8)
    axes[0, col].legend(loc="upper left")
fig.suptitle("Average cycle and SCCR per quarter (6 seeds pooled; sandbox from the dashed line)",
             fontweight="bold")
fig.tight_layout()
plt.show()
"""),
    code("""
pd.DataFrame({k: 100 * v for k, v in sccr_table.items()}).round(0).T
"""),
    md("""
    What the SCCR bars teach:

    * **SCCR is a rate of change.** A one-time fix gives a one-time SCCR: a few good quarters after the switch,
      then back to noise around zero. A CRO cannot "compress 10 % every quarter" from one sandbox.
    * **A young pipeline lies.** A funnel that starts empty closes only its fastest deals first, so the measured
      cycle gets *longer* for three or four quarters with nothing wrong. funnelsim therefore starts every run from a
      warm pipeline (README, "Warm start"); a company that has just started selling sees exactly this effect. Do
      not judge SCCR before the cycle has settled.
    * **Quarter-to-quarter noise is large** even with six seeds pooled; in a real company with ~5 wins a quarter,
      a ±20 % SCCR can be pure luck. Compare against a baseline (a forecast, a control group), not only against
      last quarter.
    * **In the two-engineer company the sandbox compresses the cycle most**: it shortens the POV *and* drains the queue
      (ρ drops below 1), so the cycle falls by more than the 22 days the POV lost, yet throughput rose only a few
      percent. A big SCCR with little extra revenue is the signature of a demand-limited funnel.
    * **Capacity-limited with one engineer**, the cycle is mostly queue and keeps growing in both worlds: SCCR stays
      negative even though the sandbox produces ~1.5× the POVs. Here a shorter cycle is not the measure of success.

    **The short answer for the board:** a 90 → 60 day cycle raises revenue capacity only when the solution
    engineers' slots are the bottleneck, and then by at most 90/60 = 1.5×. Otherwise it brings revenue forward
    once. Find the bottleneck (notebook 1) before promising the multiplier.
    """),
]

# --------------------------------------------------------------------------------------------------------------
# 03: multiplicative comp
# --------------------------------------------------------------------------------------------------------------

COMP = [
    md("""
    # 3. Multiplicative compensation: why it forces efficiency

    Article A, on paying a fractional CRO who *"hit NNARR but C2RE is terrible"*:

    > "Design the variable comp so that NNARR and C2RE are multiplicative, not additive. For example, if the CRO
    > earns a bonus equal to 5% of NNARR, multiply that by the C2RE factor (e.g., 1.2 if C2RE is 0.8, or 0.8 if
    > C2RE is 1.2). This forces efficiency."

    Reminder: **C2RE** = sales and marketing cash spent ÷ NNARR of the same period. 1.0 means one dollar spent per
    dollar of new ARR; lower is better; 0.5–1.5 is the healthy range. This notebook uses `analysis.kpi.comp`:
    `c2re_factor`, `multiplicative_bonus`, the additive comparison (`additive_bonus`, `compare_plans`) and article
    B's 50/30/20 scorecard (`scorecard_bonus`).
    """),
    code(COMMON_SETUP + """
from simulation import load_scenario
from analysis.kpi import comp

shipped = load_scenario("../scenarios/ai_startup.toml").comp  # the shipped scenario's [comp] section
shipped_factor = comp.factor_params(shipped)
shipped_factor
"""),
    md("""
    ## The article's worked example, literally

    "A bonus equal to 5% of NNARR" times "1.2 if C2RE is 0.8, or 0.8 if C2RE is 1.2". For $1M of NNARR:
    """),
    code("""
for c2re in (0.8, 1.0, 1.2):
    print(f"NNARR $1,000,000, C2RE {c2re}: factor {comp.c2re_factor(c2re):.1f}, "
          f"bonus ${comp.multiplicative_bonus(1_000_000, c2re):,.0f}")
assert comp.multiplicative_bonus(1_000_000, 0.8) == 0.05 * 1_000_000 * 1.2 == 60_000
assert comp.multiplicative_bonus(1_000_000, 1.2) == 0.05 * 1_000_000 * 0.8 == 40_000
"""),
    md("""
    The article gives two points of the factor. `analysis.kpi.comp` draws the straight line through them
    (factor = 2 − C2RE) and clips it: never above 1.5 (C2RE 0.5 or better), never below 0 (C2RE 2.0 or worse
    earns nothing). Those bounds are our choice, not the article's; a scenario's `[comp]` section can change them
    (the shipped `ai_startup.toml` keeps a floor of 0.5).
    """),
    code("""
c2re_grid = np.linspace(0.2, 2.5, 300)
fig, ax = plt.subplots()
ax.plot(c2re_grid, comp.c2re_factor(c2re_grid), color="tab:blue", lw=2, label="factor (floor 0, cap 1.5)")
ax.plot(c2re_grid, comp.c2re_factor(c2re_grid, **shipped_factor), color="tab:blue", ls=":",
        label="with the shipped scenario's floor of 0.5")
ax.plot([0.8, 1.2], [1.2, 0.8], "o", color="tab:orange", ms=9, label="the article's two points")
ax.axvspan(0.5, 1.5, color="tab:green", alpha=0.08, label="healthy C2RE 0.5-1.5 (article A)")
ax.set(title="The C2RE factor: what each dollar of NNARR is worth to the CRO",
       xlabel="C2RE (sales & marketing $ spent per $ of NNARR)", ylabel="bonus multiplier (x 5 % of NNARR)",
       ylim=(-0.05, 1.65))
ax.legend(loc="upper right", fontsize=9)
plt.show()
"""),
    md("""
    ## Additive vs multiplicative

    For contrast, the **additive** plan pays the same on-target bonus (5 % of a $1M NNARR target = $50,000) in two
    independent halves: half scaled by NNARR attainment, half by the same C2RE factor. On target at C2RE 1.0 both
    plans pay $50,000. They part ways when volume and efficiency disagree. The surfaces below are
    `comp.compare_plans` over a grid of NNARR × C2RE.
    """),
    code("""
TARGET = 1_000_000
nnarr_grid = np.linspace(0, 2_000_000, 81)
c2re_axis = np.linspace(0.3, 2.5, 89)
N, C = np.meshgrid(nnarr_grid, c2re_axis)
plans = comp.compare_plans(N, C, nnarr_target=TARGET)
surface = {name: plans[name].to_numpy().reshape(N.shape) / 1e3 for name in ("multiplicative", "additive")}

fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
levels = np.arange(0, 155, 10)
for ax, name in zip(axes, ("multiplicative", "additive")):
    filled = ax.contourf(N / 1e6, C, surface[name], levels=levels, cmap="viridis", extend="max")
    lines = ax.contour(N / 1e6, C, surface[name], levels=[25, 50, 75, 100], colors="white", linewidths=0.8)
    ax.clabel(lines, fmt="$%dk")
    ax.plot(1.0, 1.0, "*", color="tab:red", ms=14)
    ax.set(title=f"{name.capitalize()} bonus ($k)", xlabel="NNARR ($M)")
axes[0].set_ylabel("C2RE ($ spent per $ of NNARR)")
fig.colorbar(filled, ax=axes, label="bonus ($ thousands)")
plt.show()
"""),
    md("""
    Read the white lines (equal bonus); the red star is on target, where both plans pay $50k.
    **Multiplicative** (left): the lines flatten out to the right, below C2RE 2.0. However much NNARR the CRO
    brings, the efficiency must stay under 2.0 to be paid at all (the whole top of the chart is dark), and each
    extra $100k of NNARR excuses less and less inefficiency. **Additive** (right): the lines are straight
    diagonals: volume buys back efficiency one for one, without limit, and above C2RE 2.0 they turn vertical —
    efficiency stops mattering at all and only volume counts.

    ## Doubling spend for +20 % NNARR

    A CRO at target ($1M NNARR for $1M of spend, C2RE 1.0) can double the sales and marketing budget and, say,
    get 20 % more NNARR for it. Good for the company? C2RE goes from 1.0 to 2.0 / 1.2 = 1.67.
    """),
    code("""
def both(nnarr, spend):
    c2re = spend / nnarr
    return (c2re, comp.multiplicative_bonus(nnarr, c2re), comp.additive_bonus(nnarr, c2re, TARGET),
            comp.multiplicative_bonus(nnarr, c2re, **shipped_factor))


cases = {"on target": (1_000_000, 1_000_000), "2x spend, +20 % NNARR": (1_200_000, 2_000_000),
         "2x spend, +100 % NNARR": (2_000_000, 2_000_000), "same NNARR, -25 % spend": (1_000_000, 750_000)}
table = pd.DataFrame({name: both(*args) for name, args in cases.items()},
                     index=["C2RE", "multiplicative ($)", "additive ($)", "multiplicative, floor 0.5 ($)"]).T
table.round({"C2RE": 2, "multiplicative ($)": 0, "additive ($)": 0, "multiplicative, floor 0.5 ($)": 0})
"""),
    md("""
    Doubling spend for +20 % NNARR takes the multiplicative bonus from $50,000 to $20,000 (to $30,000 with the
    shipped floor of 0.5): **the CRO earns less for a worse deal for the company**. The additive plan pays a little
    less too ($38,333), so look at the whole range of budgets. Suppose every doubling of spend buys +20 % NNARR
    (the example above, as a curve: NNARR = $1M × (1 + 0.2 × log2(spend multiple))):
    """),
    code("""
spend_multiple = np.geomspace(0.25, 8, 400)
nnarr_path = TARGET * (1 + 0.2 * np.log2(spend_multiple))  # each doubling of spend: +20 % NNARR
c2re_path = TARGET * spend_multiple / nnarr_path
path = comp.compare_plans(nnarr_path, c2re_path, nnarr_target=TARGET)
best = spend_multiple[path["multiplicative"].to_numpy().argmax()]
fig, ax = plt.subplots()
ax.plot(spend_multiple, path["multiplicative"] / 1e3, color="tab:blue", lw=2, label="multiplicative")
ax.plot(spend_multiple, path["additive"] / 1e3, color="tab:orange", lw=2, label="additive")
ax.axvline(best, color="tab:blue", ls=":", lw=1)
ax.annotate(f"multiplicative pays most at {best:.1f}x spend", (best * 1.05, 3), color="tab:blue")
ax.axvline(1, color="grey", ls="--", lw=1)
ax.set_xscale("log", base=2)
ax.set_xticks([0.25, 0.5, 1, 2, 4, 8], ["0.25x", "0.5x", "1x", "2x", "4x", "8x"])
ax.set(title="Bonus as the CRO scales the budget (2x spend = +20 % NNARR)",
       xlabel="sales & marketing spend (multiple of the on-target $1M, log scale)", ylabel="bonus ($ thousands)",
       ylim=(0, 62))
ax.legend(loc="lower left")
plt.show()
multiples = np.array([0.5, 1, 2, 4, 8])
points = comp.compare_plans(TARGET * (1 + 0.2 * np.log2(multiples)), multiples / (1 + 0.2 * np.log2(multiples)),
                            nnarr_target=TARGET)
points.insert(0, "spend multiple", multiples)
points.round(2)
"""),
    md("""
    Under the **multiplicative** plan the CRO's best budget is *below* today's (~0.6×: cut the spend that does not
    pay for itself), and quadrupling the budget pays nothing. Under the **additive** plan the CRO never loses more
    than about a third of the bonus, and past C2RE 2 (when the efficiency half is already zero) every extra dollar
    of spend buys NNARR attainment and the bonus *climbs again*: the plan rewards buying growth at any price.

    That is what "forces efficiency" means: under multiplication, the CRO's best budget is the one where the next
    dollar of spend still pays for itself in NNARR; under addition, a big enough budget is nearly as good as an
    efficient one, and a bigger one is better still.

    ## Article B's 50/30/20 scorecard

    Article B proposes a different, equally simple plan: *"50% Net New ARR, 30% GRR, 20% QTE velocity"* of a target
    bonus, each KPI paid by its attainment (capped at 150 % in `analysis.kpi.comp`). Three CRO profiles, target bonus
    $60,000, NNARR target $1M, GRR target 80 %, QTE velocity target 45 days:
    """),
    code("""
profiles = {
    "volume at any cost": dict(nnarr=1_500_000, grr=0.65, qte_days=70),
    "balanced": dict(nnarr=1_000_000, grr=0.82, qte_days=44),
    "retention first": dict(nnarr=700_000, grr=0.92, qte_days=40),
}
cards = {name: comp.scorecard_bonus(60_000, nnarr_target=1_000_000, **kpis) for name, kpis in profiles.items()}
weights = dict(zip(("nnarr", "grr", "qte"), comp.SCORECARD_WEIGHTS))
parts = pd.DataFrame({name: {"NNARR (50 %)": 60_000 * weights["nnarr"] * c.nnarr_attainment,
                             "GRR (30 %)": 60_000 * weights["grr"] * c.grr_attainment,
                             "QTE velocity (20 %)": 60_000 * weights["qte"] * c.qte_attainment}
                      for name, c in cards.items()}).T
ax = (parts / 1e3).plot.barh(stacked=True, color=["tab:blue", "tab:green", "tab:orange"], figsize=(10, 3.8))
for i, (name, c) in enumerate(cards.items()):
    ax.annotate(f"${c.bonus:,.0f}", (c.bonus / 1e3 + 0.5, i), va="center")
ax.axvline(60, color="grey", ls="--", lw=1)
ax.set(title="50/30/20 scorecard: bonus by KPI (target bonus $60k, dashed)", xlabel="bonus ($ thousands)",
       ylabel="", xlim=(0, 80))
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
ax.invert_yaxis()
plt.show()
"""),
    md("""
    The scorecard punishes churn and slow evaluations, but notice what it does not see: **cash**. The "volume at
    any cost" profile earns the *most* of the three, because NNARR attainment above target (capped at 150 %) more
    than makes up for the weak GRR and QTE velocity, and nobody asks what the extra NNARR cost. The scorecard and the multiplicative C2RE factor answer different worries; a CRO plan can use
    both (e.g. the scorecard's score times the C2RE factor).

    **Takeaways for a new CRO.** Under an additive plan, more spend is almost always rational. Under a multiplicative
    one, the question becomes "what does the next dollar buy?" — which is exactly the question the funnel notebooks
    answer: spend on the bottleneck (notebook 1) and on compression only where capacity binds (notebook 2).
    """),
]

NOTEBOOKS = {
    "01_queues_and_littles_law.ipynb": QUEUES,
    "02_cycle_compression.ipynb": CYCLE,
    "03_multiplicative_comp.ipynb": COMP,
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook with stable cell ids (``<file stem>-<index>``), no outputs, the ``python3`` kernel."""
    stem = name.split("_")[0]
    nb = new_notebook(
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    for i, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        cell["id"] = f"nb{stem}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def execute(nb: nbformat.NotebookNode, name: str, out: Path) -> float:
    from nbclient import NotebookClient

    began = time.perf_counter()
    run = nbformat.from_dict(nb)
    NotebookClient(run, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    elapsed = time.perf_counter() - began
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(run, out / name)
    figure = 0
    for i, cell in enumerate(run.cells):
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                figure += 1
                (out / f"{Path(name).stem}-cell{i:02d}-{figure}.png").write_bytes(base64.b64decode(png))
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="also run the notebooks and extract their figures")
    parser.add_argument("--out", type=Path, default=Path("/tmp/funnelsim-notebooks"))
    parser.add_argument("only", nargs="*", help="notebook file names to build (default: all)")
    args = parser.parse_args()
    for name, cells in NOTEBOOKS.items():
        if args.only and name not in args.only:
            continue
        nb = build(name, cells)
        nbformat.write(nb, HERE / name)
        print(f"wrote {HERE / name}")
        if args.execute:
            print(f"  executed in {execute(nb, name, args.out):.1f} s -> {args.out / name}")


if __name__ == "__main__":
    main()
