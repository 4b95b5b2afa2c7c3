# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Bottleneck fixes and SCCR, quarter by quarter
#
# Article A: *"AI startups that can compress their cycle from 90 to 60 days can double their revenue capacity
# without adding headcount."* This lesson tests that sentence, and shows how to judge any fix before paying for it:
#
# 1. what Little's law allows a shorter POV to do, at most;
# 2. **relative fixes**: a fix says "a third shorter" or "one more engineer", and means it for whatever company
#    it is applied to;
# 3. comparing fixes with **common random numbers**: every variant sees the same prospects, so the difference is
#    the fix's own effect, and the confidence interval is far narrower than two independent runs give;
# 4. when a shorter POV raises throughput, and when it only brings revenue forward;
# 5. **SCCR quarter by quarter**, and why the run starts warm.

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

from analysis import style
from analysis.kpi import cycle
from analysis.montecarlo import compare
from analysis.montecarlo.charts import forest_plot
from analysis.montecarlo.fast_reducer import reduce_record
from analysis.teaching import fix_charts, fixes
from analysis.teaching.display import show
from analysis.teaching.exercises import check, check_choice
from analysis.teaching.paths import scenario
from simulation import load_fix, load_scenario
from simulation.replications import run_replications
from simulation.scenario import OpenDeals, Pipeline, apply_patch, regimes

BASE = scenario("ai_startup")
FIXES = {name: scenario(f"fixes/{name}") for name in ("self_serve_sandbox", "extra_solution_engineer",
                                                       "simplified_pov")}
company = load_scenario(BASE)

# %% [markdown]
# ## How much can a shorter POV give, at most?
#
# Little's law (lesson 1) read for throughput: **POVs finished per day = POVs in progress ÷ days per POV**. If the
# POV slots are full, a shorter POV moves more POVs through the same slots. If they are not, a shorter POV only
# means fewer POVs in progress at any time; throughput is whatever the market sends.

# %%
long_cycle, short_cycle = 90, 60
Markdown(
    f"A {long_cycle} → {short_cycle} day cycle is an SCCR of "
    f"**{cycle.sccr_from_cycles(long_cycle, short_cycle):.0%}**, and at best {long_cycle}/{short_cycle} = "
    f"**{long_cycle / short_cycle:.1f}×** the throughput, not 2× (doubling needs {long_cycle} → "
    f"{long_cycle // 2} days); and that best case needs the POV slots to be what limits throughput."
)

# %% [markdown]
# ## Relative fixes
#
# The shipped fixes say what they change relative to the company they are applied to. `load_scenario(base,
# [fix])` resolves them into absolute values for that company, from the fix's start day on (as `funnelsim
# validate --fix` prints).

# %%
resolved = {name: regimes(load_scenario(BASE, [path]))[-1] for name, path in FIXES.items()}
lines = []
for name, (day, after) in resolved.items():
    changed = [f"`{section}.{key}`: {before} → {getattr(getattr(after, section), key)}"
               for section in ("data_quality", "pov", "validation", "negotiation")
               for key, before in dict(getattr(company, section)).items()
               if getattr(getattr(after, section), key) != before]
    lines.append(f"- **{load_fix(FIXES[name]).summary}** (from day {day:g}): " + "; ".join(changed))
Markdown("\n".join(lines))

# %% [markdown]
# ## Three fixes compared with common random numbers
#
# `funnelsim compare` runs the baseline and each fix with the same seed: replication *k* of every variant sees the
# same prospects, deal sizes and stage draws, so a difference within a pair is the fix's doing. Here the same
# thing through the API, with few replications to keep the lesson quick (the figures below move by a few percent
# from seed to seed; the command's default is more).

# %%
REPS, SEED = 80, 7
baseline = run_replications(company, SEED, REPS, reduce_record).kpis
variants = {name: run_replications(load_scenario(BASE, [path]), SEED, REPS, reduce_record).kpis
            for name, path in FIXES.items()}
labels = {name: load_fix(path).summary.split(":")[0] for name, path in FIXES.items()}
deltas = compare.deltas(baseline, variants, labels=labels)
ranked = compare.ranking(deltas, "nnarr_12m")
ranked[["rank", "label", "mean_delta", "ci_low", "ci_high", "p_better", "verdict"]].round(3)

# %%
show(forest_plot(deltas, ["nnarr_12m", "c2re_12m", "cycle_days_12m", "qte_velocity_days"], reps=REPS,
                 scenario=company.name))

# %% [markdown]
# Why pair? Run the extra engineer again with **another** seed, as two separate forecasts would be run, and
# compare the width of the two confidence intervals of the same effect.

# %%
independent = run_replications(load_scenario(BASE, [FIXES["extra_solution_engineer"]]), SEED + 1, REPS,
                               reduce_record).kpis
b, v = baseline["nnarr_12m"].to_numpy(), variants["extra_solution_engineer"]["nnarr_12m"].to_numpy()
paired = compare.paired_delta(b, v)
unpaired = compare.unpaired_delta(b, independent["nnarr_12m"].to_numpy())
narrower = (unpaired["ci_high"] - unpaired["ci_low"]) / (paired["ci_high"] - paired["ci_low"])
best = ranked.iloc[0]
Markdown(
    f"First by 12-month NNARR: **{best['label']}**, {style.money(best['mean_delta'], signed=True)} "
    f"(95 % CI {style.money(best['ci_low'], signed=True)} to {style.money(best['ci_high'], signed=True)}). "
    f"The extra engineer's effect on 12-month NNARR: paired, {style.money(paired['mean_delta'], signed=True)} "
    f"(CI {style.money(paired['ci_low'], signed=True)} to {style.money(paired['ci_high'], signed=True)}); from "
    f"two independent runs, {style.money(unpaired['mean_delta'], signed=True)} (CI "
    f"{style.money(unpaired['ci_low'], signed=True)} to {style.money(unpaired['ci_high'], signed=True)}): the "
    f"paired interval is **{narrower:.1f} times narrower** for the same {REPS} replications. Without common "
    "random numbers a modest fix drowns in the noise of which prospects happened to arrive."
)

# %% [markdown]
# ## When does a shorter POV raise throughput?
#
# Take the sandbox and vary the number of engineers: one engineer (the slots are the limit) up to five (nobody
# waits). For each staffing level, a few seeds with and without the sandbox (same prospects), counting POVs started
# once the fix has settled in.

# %%
SEEDS, ENGINEERS, SETTLED_DAY = range(1, 7), [1, 2, 3, 5], 180
sandbox = load_scenario(BASE, [FIXES["self_serve_sandbox"]])
factor = regimes(sandbox)[-1][1].pov.duration_days.mean / company.pov.duration_days.mean
throughput = fixes.throughput_by_staffing(company, sandbox, ENGINEERS, SEEDS, after_day=SETTLED_DAY)
show(fix_charts.throughput_ratio(throughput, 1 / factor, "Self-serve sandbox: extra POV throughput by staffing"))
throughput.round(2)

# %%
one, many = throughput.loc[ENGINEERS[0]], throughput.loc[ENGINEERS[-1]]
Markdown(
    f"The sandbox multiplies each POV's length by {factor:.2f}, so Little's law caps its gain at "
    f"{1 / factor:.2f}×. With **{ENGINEERS[0]} engineer** the slots are the limit and the sandbox moves "
    f"{one['mean']:.2f}× as many POVs through them (seeds {one['low']:.2f}–{one['high']:.2f}): on average just "
    "under the ceiling (extensions are not shortened; single seeds swing either side of it). "
    f"With **{ENGINEERS[-1]} engineers** "
    f"nobody waits: {many['mean']:.2f}× — the same POVs, each finishing sooner. A shorter POV cannot create "
    "prospects: it raises revenue capacity only where the engineers are the bottleneck, and otherwise brings "
    "revenue forward once."
)

# %% [markdown]
# ## SCCR quarter by quarter
#
# SCCR is the % reduction of the average sales cycle (arrival to close, won deals) against the previous quarter.
# The forecast reduces every replication to its SCCR per quarter, so the comparison above holds it too. Next to
# the baseline and the sandbox (from its start day, in the first quarter), two other openings of the same
# company, with the same prospects after the start date:
#
# - **started empty** (`warmup_days = 0`): a funnel with no deals open on day one;
# - **an inherited, stale pipeline**: a new CRO takes over the deals really open today, given in `[pipeline]` as
#   counts per stage with their age (`[[pipeline.open]]` in the scenario file, or `pipeline.csv` in the deals
#   schema), which replace the warm-up. Here, deals that have been stuck for months.

# %%
cold = company.model_copy(update={"scenario": company.scenario.model_copy(update={"warmup_days": 0})})
stale = company.model_copy(update={"pipeline": Pipeline(open=(
    OpenDeals(stage="pov_queue", count=6, age_days=120, days_in_stage=40),
    OpenDeals(stage="pov", count=10, age_days=160, days_in_stage=70),
    OpenDeals(stage="negotiation", count=8, age_days=220, days_in_stage=20),
))})
started_empty = run_replications(cold, SEED, REPS, reduce_record).kpis
inherited = run_replications(stale, SEED, REPS, reduce_record).kpis
quarters = [c for c in baseline.columns if c.startswith("sccr_")]
means = pd.DataFrame({"baseline": baseline[quarters].mean(), "sandbox": variants["self_serve_sandbox"][quarters].mean(),
                      "baseline started empty": started_empty[quarters].mean(),
                      "stale pipeline inherited": inherited[quarters].mean()})
means.index = [q.removeprefix("sccr_") for q in quarters]
sandbox_delta = deltas[(deltas["fix"] == "self_serve_sandbox") & deltas["metric"].isin(quarters)].set_index("metric")
sandbox_delta.index = means.index
show(fix_charts.sccr_by_quarter(means, sandbox_delta, fix=labels["self_serve_sandbox"], reps=REPS))
means.round(3)

# %%
peak = sandbox_delta["mean_delta"].idxmax()
later = sandbox_delta.drop(index=peak)
clear_later = later[(later["ci_low"] > 0) | (later["ci_high"] < 0)]
good = int((sandbox_delta["ci_low"] > 0).sum())
settled_quarters = [str(q) for q, r in sandbox_delta.iterrows() if r["ci_low"] <= 0 <= r["ci_high"]]
young = means["baseline started empty"].first_valid_index()  # the first quarter an empty start can compare
Markdown(
    f"The sandbox's SCCR gain peaks in **{peak}** ({sandbox_delta.loc[peak, 'mean_delta']:+.1%} against the "
    f"baseline, CI {sandbox_delta.loc[peak, 'ci_low']:+.1%} to {sandbox_delta.loc[peak, 'ci_high']:+.1%}), as "
    f"the shorter POVs reach their closes; in the other quarters the change is within "
    f"{later['mean_delta'].abs().max():.1%} of zero, and {len(clear_later)} of {len(later)} of them show a change "
    f"whose CI excludes zero. **SCCR is a rate of change**: here the one-time fix gives {good} quarters whose "
    f"gain is clear, while the shorter POVs reach their closes, then changes that cannot be told from zero "
    f"({', '.join(settled_quarters)}); a CRO cannot compress the cycle every quarter from one sandbox. The baseline started empty reads "
    f"SCCR {means.loc[young, 'baseline started empty']:+.1%} in {young} against "
    f"{means.loc[young, 'baseline']:+.1%} warm (in its first quarter it closed too few deals to compare): a young pipeline closes its fastest deals first, so its cycle seems "
    "to lengthen with nothing wrong. funnelsim starts warm for that reason (README, *Warm start*); a company that "
    "has just started selling sees exactly this effect. The inherited stale pipeline does the opposite: its old "
    f"deals close early with long cycles, so the next quarter reads SCCR "
    f"{means.loc[means.index[0], 'stale pipeline inherited']:+.1%} in {means.index[0]} (warm: "
    f"{means.loc[means.index[0], 'baseline']:+.1%}) with nothing fixed. **A new CRO's first SCCR reports what "
    "they inherited**: judge a fix on the same pipeline with and without it, as above, not on the change since "
    "last quarter."
)

# %%
Markdown(
    f"**The short answer for the board:** a {long_cycle} → {short_cycle} day cycle raises revenue capacity only "
    "when the solution engineers' slots are the bottleneck, and then by at most "
    f"{long_cycle / short_cycle:.1f}×. Otherwise it brings revenue forward once and shows up as a good quarter of "
    "SCCR. Compare fixes on the same prospects before promising the multiplier."
)

# %% [markdown]
# ## Your turn
#
# 1. **Which fix first?** Of the three compared, which gives the largest mean 12-month NNARR? Answer with its
#    file name (`"self_serve_sandbox"`, `"extra_solution_engineer"` or `"simplified_pov"`) from the ranking table.
# 2. **Pairing pays.** Run the **sandbox** again with seed `SEED + 1` and compute how many times narrower its
#    paired CI on 12-month NNARR is than the unpaired one (as done above for the engineer).
# 3. **Two engineers, sandbox.** With two engineers, by what factor does the sandbox multiply the POVs started
#    after the fix settles (the mean over the seeds, as in the throughput table)? Compute it with
#    `fixes.povs_started` for each seed of `SEEDS`; do not read it off the table.

# %%
first_fix = None  # e.g. "simplified_pov"
sandbox_narrower = None  # e.g. 2.0
two_engineer_ratio = None  # e.g. 1.2

# %%
check_choice("which fix first", first_fix, str(ranked.iloc[0]["fix"]),
             why="read the `fix` column of the row ranked 1 by 12-month NNARR")

# %%
again = run_replications(sandbox, SEED + 1, REPS, reduce_record).kpis["nnarr_12m"].to_numpy()
s = variants["self_serve_sandbox"]["nnarr_12m"].to_numpy()
p, u = compare.paired_delta(b, s), compare.unpaired_delta(b, again)
check("pairing pays", sandbox_narrower, (u["ci_high"] - u["ci_low"]) / (p["ci_high"] - p["ci_low"]), rel=0.05,
      hint="compare.paired_delta(b, sandbox) and compare.unpaired_delta(b, sandbox_with_another_seed)")

# %%
check("two engineers, sandbox", two_engineer_ratio, throughput.loc[2, "mean"], rel=0.01,
      hint="mean over SEEDS of fixes.povs_started(sandbox with 2 engineers, s, SETTLED_DAY) / the same for the "
           "baseline with 2")
