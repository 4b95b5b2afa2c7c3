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
# # 1. The funnel as a queue: Little's law, Erlang C and patience
#
# Every proof-of-value (POV) needs a solution engineer, and each engineer runs a few POVs at once: the POV
# *slots* are the scarce resource of an AI startup's funnel. A prospect whose data access has been granted waits
# for a free slot; if the wait is too long, the prospect gives up and buys elsewhere. This lesson looks at that
# queue the way an operations person would:
#
# 1. the shipped company's engineers and their queue over its horizon, on one sample path;
# 2. **Little's law**: the time deals spend waiting and the length of the queue are one number counted two ways;
# 3. the textbook formula for a queue with several servers (**Erlang C**), against the simulator, and the wall
#    waits hit as the engineers approach 100 % busy;
# 4. **patience**: real prospects do not wait for ever, so past the wall the queue turns into lost deals
#    (**Erlang A**);
# 5. what one engineer more, or one fewer, does to the company.
#
# Every figure the text quotes is computed in the cells and written into the text by them, so text and numbers
# cannot disagree.

# %%
import math

import numpy as np
import pandas as pd
from IPython.display import Markdown

from analysis import style
from analysis.kpi.utilisation import usage
from analysis.teaching import queue_charts, queues
from analysis.teaching.display import show
from analysis.teaching.exercises import check
from analysis.teaching.paths import scenario
from simulation import load_scenario, simulate
from simulation.queueing import erlang_a, erlang_c_wait
from simulation.scenario import apply_patch

SEED = 7  # one fixed seed: the same prospects every time the lesson runs
company = load_scenario(scenario("ai_startup"))

# %% [markdown]
# ## The company and its engineers
#
# The shipped baseline, `scenarios/ai_startup.toml`. Before running anything, `funnelsim validate` works out the
# engineers' **offered load**: POVs reaching the queue per day × the slot-days each POV holds (Little's law, used
# forwards: the slots the work would occupy if nobody ever waited).

# %%
load = queues.engineer_load(company)
slots = company.pov.solution_engineers * company.pov.povs_per_engineer
patience = company.pov.patience_days
Markdown(
    f"**{company.pov.solution_engineers} engineers × {company.pov.povs_per_engineer} POVs each = {slots} slots.** "
    f"{load.arrivals_per_day:.4f} POVs reach the queue a day, each holds a slot for {load.days_held:.1f} days on "
    f"average (stalled POVs and extensions included), so the work asks for {load.offered:.1f} slots: "
    f"utilisation **{load.utilisation:.2f}**. A prospect waits for an engineer a random time, drawn per prospect "
    f"({type(patience).__name__.lower()}, mean {patience.mean:.0f} days), before giving up."
)

# %% [markdown]
# `simulate(scenario, seed)` returns the outcome tables; two matter here: `deals` (one row per prospect, with the
# date of every stage) and `resources` (every change in the engineers' load: slots, slots busy, deals waiting).
# The run does not start empty: the funnel is warmed up before the start date, so on day one the company already
# has POVs running and prospects queueing, as a real company does.

# %%
outcome = simulate(company, SEED)
start, end = outcome.start_date, outcome.start_date + outcome.horizon_days * queues.DAY
weekly = usage(outcome.resources, "W", end=end).query("resource == 'solution_engineers'")
show(queue_charts.engineers_over_time(weekly, f"The shipped company's solution engineers (seed {SEED})"))

# %% [markdown]
# ## Little's law on the sample path
#
# Draw the number of deals in the queue over time and take the area under the curve: its unit is *deal-days*.
# Every day a deal spends waiting adds exactly one deal-day to it. So
#
# > **area under the queue-length curve = the sum of the time every visit to the queue lasted.**
#
# Divide both sides by the length of the period and you get Little's law, **L = λ × W**: average queue length =
# visits per day × average wait. No assumption about distributions: it is bookkeeping. It balances only if
# every visit is counted. A deal can queue for an engineer **twice**: for its POV (`data_access_granted` to
# `pov_started`) and, when validation is unclear, for an **extension** (`extension_requested` to
# `extension_started`). A visit can also end without an engineer: the prospect gave up, and the deal `closed`.
# Visits already under way on the start date count from the start date; visits still waiting at the end, up to
# the end.

# %% [markdown]
# On the shipped company the queue is short and rare, so the books are easy to check but the picture is thin.
# Take the same company and the same prospects with **one engineer fewer** as well: its queue is long.

# %%
short = apply_patch(company, {"pov": {"solution_engineers": 2}})
books = pd.DataFrame({"3 engineers (shipped)": queues.little_books(company, SEED),
                      "2 engineers": queues.little_books(short, SEED)}).T
for name, row in books.iterrows():  # the two sides balance, to rounding, in both companies
    assert math.isclose(row["queue_area"], row["pov_waits"] + row["extension_waits"], rel_tol=1e-9), name
books.round(2)

# %%
T = outcome.horizon_days
row = books.loc["2 engineers"]
L, lam = row["queue_area"] / T, row["visits"] / T
W = (row["pov_waits"] + row["extension_waits"]) / row["visits"]
Markdown(
    f"Seed {SEED}, two engineers: area under the queue curve **{row['queue_area']:,.2f}** deal-days = POV waits "
    f"{row['pov_waits']:,.2f} + extension waits {row['extension_waits']:,.2f} deal-days, over "
    f"{row['visits']:.0f} visits ({row['gave_up']:.0f} of them ended by giving up). Over {T} days: "
    f"L = {L:.2f} deals waiting on average, λ = {lam:.3f} visits a day, W = {W:.2f} days, and "
    f"λ × W = {lam * W:.2f} = L. Leave out the extensions' visits and the books are "
    f"{row['extension_waits']:,.2f} deal-days short: the queue curve sees waiting the POV columns alone cannot. "
    "The same holds for a real CRM: Little's law checks a queue only if every visit is recorded."
)

# %%
short_outcome = simulate(short, SEED)
short_visits = queues.queue_visits(short_outcome.deals, "solution_engineers", start, end)
show(queue_charts.littles_law_picture(short_visits, start, end,
                                      "Little's law, two engineers: shaded area = deal-days waited"))

# %% [markdown]
# Read it two ways. **Vertically**, the gap between the curves on a day is the number of deals waiting that day.
# **Horizontally**, the gap at a height is roughly how long one visit waited. Same area, two readings: that is
# Little's law.
#
# ## The closed form: Erlang C, and the wall
#
# Queueing theory has an exact answer for the simplest version of this queue, **M/M/c**: prospects arrive at
# random (Poisson), POV lengths are exponential with mean *S* days, and there are *c* identical slots. With λ
# arrivals a day the slots are busy a share ρ = λS / c of the time, and the mean wait before a POV starts is
#
# $$W_q = \frac{C(c, \lambda S)}{c/S - \lambda},$$
#
# where *C* is the **Erlang C** probability that an arriving deal waits at all (`simulation.queueing.erlang_c_wait`;
# the engine's own tests check the simulator against it). To compare, `queues.bare_queue` strips the company down
# to that bare queue: every prospect reaches the engineers at once, POVs are exponential and always complete,
# validation always passes (no extension), nobody gives up and the run starts empty. Then we raise the arrival
# rate so the company's slots are busy from half the time to nearly always, and measure the mean wait by
# Little's law (time-average queue / arrival rate) after the queue has had time to fill.

# %%
MEAN_POV = 60.0
UTILISATIONS = [0.5, 0.7, 0.8, 0.9, 0.95]
HORIZON, SETTLE, REPS = 10_000, 1_500, 8
mmc = queues.bare_queue(company, MEAN_POV)
waits = queues.waits_by_load(mmc, UTILISATIONS, MEAN_POV, horizon_days=HORIZON, settle_days=SETTLE, reps=REPS,
                             seed=2027)
wait = queues.mean_with_se(waits, "utilisation", "wait_days")
wait["erlang_c"] = [erlang_c_wait(u * slots / MEAN_POV, MEAN_POV, slots) for u in wait.index]
wait.round(2)

# %%
show(queue_charts.against_load(
    {f"{slots} slots, exponential {MEAN_POV:.0f}-day POVs": wait},
    {"Erlang C": lambda u: erlang_c_wait(u * slots / MEAN_POV, MEAN_POV, slots)},
    title="Mean wait for a POV slot as the engineers get busier", ylabel="mean wait before the POV (days)",
    top=1.6 * wait["erlang_c"].max()))

# %%
c = wait["erlang_c"]
u0, u80, u90, u95 = UTILISATIONS[0], UTILISATIONS[2], UTILISATIONS[3], UTILISATIONS[4]
within = (wait["mean"] - c).abs() / wait["se"]
follows = [u for u in UTILISATIONS if 0.7 <= u <= 0.9]
assert (within[follows] < 3).all()  # the simulation agrees with the formula from 70 % to 90 % busy
Markdown(
    f"Waiting is almost nothing at {u0:.0%} busy ({c[u0]:.2f} days by the formula), then explodes: "
    f"{c[u80]:.1f} days at {u80:.0%}, {c[u90]:.1f} at {u90:.0%}, {c[u95]:.1f} at {u95:.0%}. Roughly, the wait "
    f"grows like 1 / (1 − ρ): from {u80:.0%} to {u90:.0%} busy it is multiplied by {c[u90] / c[u80]:.1f}, from "
    f"{u90:.0%} to {u95:.0%} by {c[u95] / c[u90]:.1f}. The simulation ({REPS} runs of {HORIZON:,} days per load) "
    f"agrees with the formula within 3 standard errors from {follows[0]:.0%} to {follows[-1]:.0%} busy "
    f"({wait.loc[u90, 'mean']:.1f} ± {2 * wait.loc[u90, 'se']:.1f} days against {c[u90]:.1f} at {u90:.0%}); at "
    f"{u95:.0%} it reads {wait.loc[u95, 'mean']:.1f} ± {2 * wait.loc[u95, 'se']:.1f} against {c[u95]:.1f}: near "
    f"the wall the queue takes years to reach its long-run level and swings widely around it, so even {REPS} runs "
    f"of {HORIZON / 365:.0f} years pin it down only roughly. A real startup never sees the long run: it lives "
    "with the swings."
)

# %% [markdown]
# ## Patience: past the wall, the queue becomes lost deals
#
# In an M/M/c queue loaded beyond 100 % the wait grows without end. Real prospects do not wait for ever: the
# scenario's `[pov] patience_days` is how long each one waits for an engineer before walking away (recorded as
# lost with `lost_stage = "pov_queue"`). With exponential patience the textbook model is **M/M/c+M**, Erlang A
# (`simulation.queueing.erlang_a`): the queue stays finite at any load, and the excess load leaves.

# %%
mean_patience = patience.mean
mmcm = queues.bare_queue(company, MEAN_POV, mean_patience)
PATIENT_LOADS = [0.7, 0.9, 1.1, 1.3]
PATIENT_HORIZON, PATIENT_REPS = 3_000, 4
impatient = queues.waits_by_load(mmcm, PATIENT_LOADS, MEAN_POV, horizon_days=PATIENT_HORIZON, settle_days=500,
                                 reps=PATIENT_REPS, seed=2028)
gave_up = queues.mean_with_se(impatient, "utilisation", "gave_up")
gave_up["erlang_a"] = [erlang_a(u * slots / MEAN_POV, MEAN_POV, slots, mean_patience).abandon_share
                       for u in gave_up.index]
show(queue_charts.against_load(
    {f"patience: exponential, mean {mean_patience:.0f} days": gave_up},
    {"Erlang A": lambda u: erlang_a(u * slots / MEAN_POV, MEAN_POV, slots, mean_patience).abandon_share},
    title="Share of prospects who give up waiting for an engineer", ylabel="gave up waiting", percent=True))
gave_up.round(3)

# %%
a, b, z = PATIENT_LOADS[1:]
Markdown(
    f"With a mean patience of {mean_patience:.0f} days, the share giving up grows smoothly with the load: "
    f"{gave_up.loc[a, 'erlang_a']:.1%} at {a:.0%}, {gave_up.loc[b, 'erlang_a']:.1%} at {b:.0%} and "
    f"{gave_up.loc[z, 'erlang_a']:.1%} at {z:.0%} by the formula (simulated, {PATIENT_REPS} runs of "
    f"{PATIENT_HORIZON:,} days each: "
    f"{gave_up.loc[a, 'mean']:.1%}, {gave_up.loc[b, 'mean']:.1%}, {gave_up.loc[z, 'mean']:.1%}). "
    "Patience hides the wall: the queue looks calm, and the overload shows up as prospects lost before their "
    "POV, a loss a CRO reads as *weak demand* unless the CRM records where they were lost."
)

# %% [markdown]
# ## One engineer more, or one fewer
#
# Back to the real company (its triangular POV lengths, stalls, extensions, patience). Three versions of it, the
# same replications each (common random numbers: replication *k* sees the same prospects in all three), reduced
# to the forecast's KPIs by `reduce_record`, as `funnelsim compare` does.

# %%
ENGINEERS, REPLICATIONS = [2, 3, 4], 60
options = queues.staffing_options(company, ENGINEERS, REPLICATIONS, seed=11)
options.round(3)

# %%
show(queue_charts.engineer_options(options, {
    "gave_up_share": "Gave up waiting", "wait_end_days": "Wait, last 90 days (days)",
    "nnarr_12m": "12-month NNARR"},
    f"Two, three or four engineers ({REPLICATIONS} paired replications, means)"))

# %%
two, three, four = (options.loc[n] for n in ENGINEERS)
Markdown(
    f"With three engineers the offered load is {three['offered_load']:.2f}; the simulated engineers are busy "
    f"{three['utilisation']:.0%} of the time (the offered load less the prospects who gave up) and "
    f"{three['gave_up_share']:.1%} of the prospects reaching the queue give up. **Lose one engineer** and the "
    f"load becomes {two['offered_load']:.2f}, past the wall: {two['gave_up_share']:.1%} give up, the mean wait of "
    f"the last 90 days is {two['wait_end_days']:.1f} days instead of {three['wait_end_days']:.1f} (patience keeps "
    f"it short: the queue sheds the excess), and 12-month NNARR falls from "
    f"{style.money(three['nnarr_12m'])} to {style.money(two['nnarr_12m'])} "
    f"({two['nnarr_12m'] / three['nnarr_12m'] - 1:+.0%}). **Add one** and the "
    f"load is {four['offered_load']:.2f}: NNARR rises only to {style.money(four['nnarr_12m'])} "
    f"({four['nnarr_12m'] / three['nnarr_12m'] - 1:+.0%}); there was little queue left to remove."
)

# %% [markdown]
# **What to take to the board:** ask how busy the scarce people are, not only how many there are. Well below the
# wall an extra engineer buys little; near 100 % the queue, not the POV, is the sales cycle, and with patient
# prospects an overload hides as lost deals rather than a long queue.
#
# ## Your turn
#
# Each task has an answer variable set to `None`. Compute the answer in a new cell (the cells above show how),
# put it in the variable, and run the checking cell under it.
#
# 1. **A fourth engineer.** What utilisation (offered load / slots, a share such as 0.7) would four engineers
#    have in the shipped company? Use `queues.engineer_load` on a patched scenario, or the arithmetic above.
# 2. **Erlang C at 85 %.** In the bare M/M/c queue above (the company's slots, exponential POVs of `MEAN_POV`
#    days), what is the mean wait in days when the slots are busy 85 % of the time?
# 3. **Two engineers, patient prospects.** By the Erlang A formula, what share of prospects would give up
#    waiting if the bare queue ran on **two** engineers' slots at the shipped company's arrival rate
#    (`load.arrivals_per_day`) with POVs of `MEAN_POV` days and the scenario's mean patience?

# %%
fourth_engineer_utilisation = None  # your answer, e.g. 0.6
erlang_c_wait_at_85 = None  # days
two_engineers_gave_up = None  # a share, e.g. 0.1

# %%
check("fourth engineer", fourth_engineer_utilisation,
      queues.engineer_load(apply_patch(company, {"pov": {"solution_engineers": 4}})).utilisation, rel=0.02,
      hint="the offered load in slots does not change; the slots do (4 x povs_per_engineer)")

# %%
check("Erlang C at 85 %", erlang_c_wait_at_85, erlang_c_wait(0.85 * slots / MEAN_POV, MEAN_POV, slots), rel=0.02,
      hint="arrivals a day = 0.85 x slots / MEAN_POV; then erlang_c_wait(arrivals, MEAN_POV, slots)")

# %%
two_slots = 2 * company.pov.povs_per_engineer
check("two engineers, Erlang A", two_engineers_gave_up,
      erlang_a(load.arrivals_per_day, MEAN_POV, two_slots, mean_patience).abandon_share, rel=0.03,
      hint="erlang_a(arrivals_per_day, mean_service_days, servers, mean_patience_days).abandon_share")
