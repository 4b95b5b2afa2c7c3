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
# # 3. Forecasting and setting targets
#
# A forecast is not a number but a spread of outcomes. This lesson runs the Monte Carlo forecast of the shipped
# company (`funnelsim forecast`, through its API) and asks what a board should do with it:
#
# 1. the fan of cumulative NNARR, and why the **P50 is not a plan**;
# 2. **P(hit)**: the chance of meeting a target, and picking a target by the chance you want;
# 3. a **6-month target that allows for the evaluation**: early NNARR comes from deals already open;
# 4. **how many replications are enough**: the standard error of P(hit) and of the mean against replications.

# %%
import math

import numpy as np
import pandas as pd
from IPython.display import Markdown

from analysis import style
from analysis.montecarlo import charts, forecast
from analysis.montecarlo.fast_reducer import reduce_record
from analysis.montecarlo.reducer import month_ends
from analysis.teaching import forecast_charts, forecasts
from analysis.teaching.display import show
from analysis.teaching.exercises import check
from analysis.teaching.paths import scenario
from simulation import load_scenario
from simulation.replications import run_replications

company = load_scenario(scenario("ai_startup"))
REPS, SEED = 400, 42

# %% [markdown]
# ## The forecast
#
# Each replication simulates the company's horizon with its own random prospects, stage times and outcomes,
# and is reduced at once to a row of KPIs and a monthly series. The fan shows the P10–P90 band of cumulative
# NNARR with the targets of the scenario's `[targets]`.

# %%
result = run_replications(company, SEED, REPS, reduce_record)
kpis = result.kpis
summary = forecast.summarise(kpis, company.targets).set_index("metric")
start = pd.Timestamp(company.scenario.start_date)
ends = month_ends(start, company.scenario.horizon_days)
fan = forecast.series_summary(result.series).query("metric == 'nnarr_cumulative'").reset_index(drop=True)
marks = [(f"{m}-month target", start + pd.DateOffset(months=m), amount, summary.loc[f"nnarr_{m}m", "p_target"])
         for m, amount in ((6, company.targets.nnarr_6_months), (12, company.targets.nnarr_12_months))]
show(charts.fan_chart(fan, ends, start=start, targets=marks, reps=REPS, scenario=company.name))
summary.loc[["nnarr_6m", "nnarr_12m"], ["mean", "p10", "p50", "p90", "target", "p_target"]].round(3)

# %% [markdown]
# ## Why the P50 is not a plan
#
# The median is the outcome the company beats in half the futures and misses in the other half. A plan built on
# it (hiring, burn, the board's expectations) is a coin toss. Pick the chance of success you want, then read the
# target off the distribution: for a chance *c* of hitting it, the target is the (1 − *c*) quantile.

# %%
six = kpis["nnarr_6m"].to_numpy()
p50 = float(np.median(six))
CHANCE = 0.8
plan = float(np.quantile(six, 1 - CHANCE))
hit_p50, hit_plan = float(np.mean(six >= p50)), float(np.mean(six >= plan))
shipped = company.targets.nnarr_6_months
hit_shipped = float(summary.loc["nnarr_6m", "p_target"])
assert math.isclose(hit_shipped, np.mean(six >= shipped))  # the summary's P(hit) is the share of replications
show(forecast_charts.spread_against_target(six, shipped, title="6-month NNARR across replications",
                                           xlabel=f"NNARR in the first 6 months ({REPS} replications)"))
Markdown(
    f"The P50 of 6-month NNARR is {style.money(p50)}: a target there is hit in {hit_p50:.0%} of the replications. "
    f"For a {CHANCE:.0%} chance the target is {style.money(plan)} (hit in {hit_plan:.0%}). The scenario's "
    f"target of {style.money(shipped)} is hit in **{hit_shipped:.0%}** of them, "
    f"{'below' if shipped < p50 else 'above'} the median. The spread is wide: P10 "
    f"{style.money(summary.loc['nnarr_6m', 'p10'])} to P90 {style.money(summary.loc['nnarr_6m', 'p90'])}, "
    "with nothing changed but luck."
)

# %% [markdown]
# ## A 6-month target that allows for the evaluation
#
# A prospect who arrives today needs a data-quality check, data access, a POV of weeks to months, validation and a
# negotiation before it can close: most of the first six months' NNARR comes from deals **already open** on the
# start date (the warm start; their ids begin with `P`). Several seeds, split by where the deal came from:

# %%
SOURCE_SEEDS = range(40)
MONTHS = pd.period_range(start, periods=6, freq="M")  # the six calendar months the 6-month window covers
sources, fastest = forecasts.nnarr_sources(company, SOURCE_SEEDS, MONTHS)
show(forecast_charts.monthly_sources(sources, f"Where the first six months' NNARR comes from ({len(SOURCE_SEEDS)} seeds)"))
share_open = sources[forecasts.OPEN].sum() / sources.sum().sum()
Markdown(
    f"Over the first six months, **{share_open:.0%}** of NNARR comes from deals open on the start date. The fastest "
    f"new prospect to be won took {np.min(fastest):.0f} days from arrival to close (median over seeds of the "
    f"fastest: {np.median(fastest):.0f} days), so a new prospect's revenue rarely shows before month "
    f"{math.ceil(np.median(fastest) / 30.44)}. A 6-month target is a target on **today's pipeline**: set it from "
    "the open deals (and the forecast), and judge a new CRO's playbook on the 12-month figure, where new prospects "
    "count."
)

# %% [markdown]
# ## How many replications are enough?
#
# A forecast's own figures are estimates. P(hit) from *n* replications is a share, with standard error
# √(p(1−p)/n); the mean has standard error sd/√n. Both shrink only with the square root of *n*: four times the
# replications for half the error. The dots measure the same thing directly: the spread of P(hit) and of the
# mean across independent batches of the replications above.

# %%
p = hit_shipped
sd = float(np.std(six, ddof=1))
grid = np.unique(np.geomspace(10, 5000, 60).astype(int))
measured = []
for n in (20, 50, 100):
    batches = six[: REPS // n * n].reshape(-1, n)
    measured.append({"reps": n, "se_share": float(np.std((batches >= shipped).mean(axis=1), ddof=1)),
                     "se_mean": float(np.std(batches.mean(axis=1), ddof=1) / six.mean())})
measured = pd.DataFrame(measured)
LIMIT = 0.02
show(forecast_charts.precision_by_reps(grid, np.sqrt(p * (1 - p) / grid), sd / np.sqrt(grid) / six.mean(),
                                       measured, limit=LIMIT))
needed_share = math.ceil(p * (1 - p) / LIMIT**2)
PRECISION = 0.05
needed_mean = forecast.reps_needed(sd, PRECISION * abs(six.mean()))
Markdown(
    f"With P(hit) = {p:.0%}, its standard error is {math.sqrt(p * (1 - p) / REPS):.1%} at the {REPS} "
    f"replications above; under {LIMIT * 100:.0f} points needs **{needed_share}** replications. The mean 6-month "
    f"NNARR known within ±{PRECISION:.0%} (95 % CI) needs {needed_mean} (`reps_needed` in `summary.csv`). The "
    f"measured spreads of batches of {measured['reps'].tolist()} replications "
    f"({', '.join(f'{x:.3f}' for x in measured['se_share'])} for P(hit), against "
    f"{', '.join(f'{math.sqrt(p * (1 - p) / n):.3f}' for n in measured['reps'])} by the formula) come from only "
    f"{', '.join(str(REPS // n) for n in measured['reps'])} batches each, so they are rough themselves: the "
    f"fewer the batches, the less a measured spread says. The worst case is p = {0.5:.0%}: "
    f"{math.ceil(0.25 / LIMIT**2)} replications for {LIMIT * 100:.0f} points."
)

# %% [markdown]
# ## Your turn
#
# 1. **A plan you hit 9 times in 10.** What 6-month NNARR target is hit in nine replications of ten above? (Use
#    the array `six`.)
# 2. **Precision of P(hit).** How many replications make the standard error of P(hit) for the **12-month**
#    target (its P(hit) is in `summary`) at most one point (0.01)?
# 3. **The 12-month P50.** What share of the replications reach the 12-month P50 or more? (Think before you
#    compute.)

# %%
target_90 = None  # dollars, e.g. 300000
reps_for_one_point = None  # a count
share_at_p50 = None  # a share, e.g. 0.3

# %%
check("target hit 9 times in 10", target_90, float(np.quantile(six, 0.1)), rel=0.02,
      hint="the target hit in 90 % of futures is the 10th percentile: np.quantile(six, 0.1)")

# %%
p12 = float(summary.loc["nnarr_12m", "p_target"])
check("replications for 1 point", reps_for_one_point, math.ceil(p12 * (1 - p12) / 0.01**2), rel=0.02,
      hint="p (1 - p) / 0.01**2 with p = summary.loc['nnarr_12m', 'p_target']")

# %%
twelve = kpis["nnarr_12m"].to_numpy()
check("share at or above the P50", share_at_p50, float(np.mean(twelve >= np.median(twelve))), rel=0.03,
      hint="the median splits the replications in two")
