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
# # 5. The Monday dashboard, the monthly autopsy, and fractional vs full-time CRO
#
# Article A gives a fractional CRO two rituals: a **one-page dashboard every Monday** (NNARR against target with
# red/yellow/green and the escalation it calls for, C2RE for the trailing 30 days, SCCR, the biggest bottleneck and
# three actions) and a **monthly autopsy** of every deal lost or delayed, with the KPI it hit and the fix. This
# lesson runs both on a simulated year of `scenarios/ai_startup.toml` with the fractional CRO's playbook
# (`scenarios/variants/fractional_cro_playbook.toml`), reads a whole quarter of Mondays, and then asks what a
# full-time CRO (`full_time_cro_playbook.toml`: the same playbook, a later start, a larger retainer) changes **on
# the same company**, with common random numbers.
#
# Everything is the `funnelsim` command line (`simulation.cli.main([...])` runs a command as the shell would) and
# the report package it uses (`analysis.report.dashboard`, `analysis.report.autopsy`). Files go to `lesson05/` in
# the folder the notebook runs from.

# %%
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from analysis.kpi import cro_cost
from analysis.montecarlo import compare
from analysis.montecarlo.reducer import metric, reduce_outcome
from analysis.report import autopsy, dashboard, inputs
from analysis.style import money
from analysis.teaching import dashboard_charts
from analysis.teaching.exercises import check, check_choice
from analysis.teaching.display import report_page, show
from analysis.teaching.paths import scenario
from simulation import cli, load_scenario, simulate

pd.set_option("display.max_colwidth", 70)
pd.set_option("display.width", 160)
LESSON = Path("lesson05")
SEED = 42
VARIANTS = {"fractional": scenario("variants/fractional_cro_playbook"),
            "full-time": scenario("variants/full_time_cro_playbook")}
for name, path in VARIANTS.items():
    cli.main(["run", str(path), "--seed", str(SEED), "--out", str(LESSON / name)])
assert (dashboard.C2RE_DAYS, autopsy.DEFAULT_DELAY_DAYS) == (30, 30)  # the text's "30 days" below

# %% [markdown]
# ## One Monday: the dashboard page
#
# `funnelsim dashboard RUN --week 2027-W40` writes the page as HTML, PNG and JSON. A week's dashboard knows only
# what happened before its Monday, 00:00: the simulated tables hold the whole horizon, and the report censors them
# to that instant.

# %%
WEEK = "2027-W40"
cli.main(["dashboard", str(LESSON / "fractional"), "--week", WEEK, "--out", str(LESSON / "report")])
report_page(LESSON / "report" / f"dashboard-{WEEK}.png")

# %% [markdown]
# The same page as numbers: `dashboard.build` is what the command renders.

# %%
tables = {name: inputs.load(LESSON / name) for name in VARIANTS}
page = dashboard.build(tables["fractional"], WEEK)
numbers = page.numbers()
Markdown(f"On Monday {page.as_of:%d %B %Y} the fractional CRO's company has booked "
         f"**${numbers['nnarr_to_date']:,.0f}** of NNARR since {page.since:%d %B} against "
         f"${numbers['nnarr_target_to_date']:,.0f} pro rata (pace {numbers['nnarr_pace']:.2f}): "
         f"**{page.status}**, so *{page.escalation}*. C2RE over the last 30 days is "
         f"{numbers['c2re_30d']:.2f} (the 30 days before: {numbers['c2re_previous_30d']:.2f}); the biggest "
         f"bottleneck: {page.bottleneck.text if page.bottleneck else 'none'}. Suggested actions: "
         + "; ".join(f"({i}) {a}" for i, a in enumerate(page.actions, 1)) + ".")

# %% [markdown]
# ## A quarter of Mondays
#
# One page is a snapshot. Every Monday of the third quarter shows what the page does over time: which figures move
# slowly, which jump.

# %%
mondays = pd.date_range("2027-07-01", "2027-09-30", freq="W-MON")
quarter = pd.DataFrame([dashboard.build(tables["fractional"], dashboard.week_label(m)).numbers() for m in mondays])
company = load_scenario(VARIANTS["fractional"])
show(dashboard_charts.quarter_of_mondays(quarter, (company.targets.c2re_min, company.targets.c2re_max)))

# %%
c2re_30d = quarter["c2re_30d"].astype(float)
statuses = quarter["status"].value_counts()
biggest_jump = c2re_30d.diff().abs().max()
falls = int((quarter["nnarr_to_date"].diff() < 0).sum())
fell = (f", and fell on {falls} Monday(s): NNARR nets out a deal that churns or shrinks at its 90-day check, so "
        "the figure to date can go down") if falls else ""
Markdown(f"Over the quarter the status was " + ", ".join(f"{s} on {n} Monday(s)" for s, n in statuses.items())
         + f"; NNARR to date moved from ${quarter['nnarr_to_date'].iloc[0]:,.0f} to "
         f"${quarter['nnarr_to_date'].iloc[-1]:,.0f}{fell}. The trailing-30-day C2RE ranged from {c2re_30d.min():.2f} "
         f"to {c2re_30d.max():.2f} and jumped by up to {biggest_jump:.2f} from one Monday to the next: with a few "
         "wins a month, one deal entering or leaving the 30 days moves it by a factor. Read its trend arrow and "
         "the quarter's C2RE, not one Monday's value.")

# %% [markdown]
# ## The monthly autopsy
#
# `funnelsim autopsy RUN --month 2027-09` lists every deal lost in the month and every deal open longer than the
# median cycle plus `--delay-days` (30 by default), as the CRM showed them at the month's end, with the stage, the KPI it hit and the fix
# the scenario's fixes library offers there.

# %%
MONTH = "2027-09"
cli.main(["autopsy", str(LESSON / "fractional"), "--month", MONTH, "--out", str(LESSON / "report")])
post_mortem = autopsy.build(tables["fractional"], MONTH)
post_mortem.deals[["deal", "status", "stage_label", "acv", "days_open", "kpis", "fix"]]

# %%
lost = int((post_mortem.deals["status"] == "lost").sum())
delayed = int((post_mortem.deals["status"] == "delayed").sum())
Markdown(f"In {MONTH}: {lost} deal(s) lost and {delayed} delayed (open over {post_mortem.threshold_days:.0f} days: "
         f"the median cycle so far, {post_mortem.median_cycle_days:.0f} days, plus {post_mortem.delay_days:.0f}); "
         f"{post_mortem.disqualified} disqualified by the data-quality check are counted, not dissected. The month's "
         f"biggest bottleneck: {post_mortem.bottleneck or 'none'}. The systemic view groups them by stage, which "
         "is what a CRO takes to the product and finance meeting:")

# %%
post_mortem.systemic()

# %% [markdown]
# ## Fractional vs full-time CRO, on the same company
#
# Both variants run the same fixes; the full-time CRO starts later and costs more. With common random numbers,
# replication *k* of both variants sees the same prospects, so each difference is the CRO's own.

# %%
scenarios = {name: load_scenario(path) for name, path in VARIANTS.items()}
terms = pd.DataFrame({name: {"starts after (days)": s.cro.start_delay_days, "retainer a month": s.cro.retainer_per_month,
                             "equity (%)": s.cro.equity_percent, "playbook": ", ".join(Path(f).stem for f in s.cro.playbook)}
                      for name, s in scenarios.items()})
terms

# %% [markdown]
# First the one path above, a year in:

# %%
year_end = dashboard.week_label(pd.Timestamp(company.scenario.start_date) + pd.DateOffset(months=12))
side_by_side = pd.DataFrame({name: dashboard.build(t, year_end).numbers() for name, t in tables.items()})
side_by_side.loc[["status", "nnarr_to_date", "nnarr_pace", "c2re_30d", "sccr", "bottleneck"]]

# %% [markdown]
# One path is one draw. Paired replications of each (`reduce_outcome` is the forecast's KPI row;
# `compare.deltas` pairs them by replication and gives the mean change with its 95 % CI), and the CRO's fees over
# the same twelve months from `analysis.kpi.cro_cost`:

# %%
REPS = 30
rows = {name: pd.DataFrame([{"replication": k, **reduce_outcome(s, simulate(s, seed=k)).kpis} for k in range(REPS)])
        for name, s in scenarios.items()}
KPIS = ["nnarr_6m", "nnarr_12m", "c2re_12m"]
deltas = compare.deltas(rows["fractional"], {"full-time": rows["full-time"]}, KPIS)
deltas[["metric", "mean_baseline", "mean_variant", "mean_delta", "ci_low", "ci_high", "p_better", "p_same",
        "p_worse", "verdict"]].round(3)

# %%
paired = {k: rows["full-time"][k].to_numpy() - rows["fractional"][k].to_numpy() for k in KPIS}
show(dashboard_charts.paired_changes(paired, {k: metric(k).title for k in KPIS}, {k: metric(k).unit for k in KPIS}))

# %%
fees = {name: cro_cost.cost_for(s.cro, months=12) for name, s in scenarios.items()}
delay = scenarios["full-time"].cro.start_delay_days - scenarios["fractional"].cro.start_delay_days
d = deltas.set_index("metric")
# The same samples treated as two independent runs (what comparing two separate forecasts gives).
unpaired = compare.unpaired_delta(rows["fractional"]["nnarr_12m"].to_numpy(), rows["full-time"]["nnarr_12m"].to_numpy())
widths = {"paired": d.loc["nnarr_12m", "ci_high"] - d.loc["nnarr_12m", "ci_low"],
          "unpaired": unpaired["ci_high"] - unpaired["ci_low"]}
assert d.loc["c2re_12m", "verdict"] == "worse"  # the sentence below says so
Markdown(f"Over {REPS} paired replications, the full-time CRO changes the first twelve months' NNARR by "
         f"{money(d.loc['nnarr_12m', 'mean_delta'], signed=True)} on average (95 % CI "
         f"{money(d.loc['nnarr_12m', 'ci_low'], signed=True)} to {money(d.loc['nnarr_12m', 'ci_high'], signed=True)}; "
         f"the same in {d.loc['nnarr_12m', 'p_same']:.0%} of replications, worse in "
         f"{d.loc['nnarr_12m', 'p_worse']:.0%}) and their C2RE by {d.loc['c2re_12m', 'mean_delta']:+.2f} "
         f"(CI {d.loc['c2re_12m', 'ci_low']:+.2f} to {d.loc['c2re_12m', 'ci_high']:+.2f}, worse in "
         f"{d.loc['c2re_12m', 'p_worse']:.0%} of replications). Over those twelve months the full-time CRO's fees "
         f"are {money(fees['full-time'].fees)} against {money(fees['fractional'].fees)}. The playbook starts "
         f"{delay:.0f} days later, and the extra retainer is spend that buys no NNARR. Treated as two independent "
         f"runs, the same replications give NNARR's change a 95 % CI {widths['unpaired'] / widths['paired']:.1f} "
         f"times as wide ({money(widths['unpaired'])} against {money(widths['paired'])}): pairing by replication "
         "removes the noise the two CROs share.")

# %% [markdown]
# ## Your turn
#
# 1. Build the dashboard of the **full-time** CRO's run for week `2027-W40` (`dashboard.build(tables["full-time"],
#    ...)`). What is its status? Set `answer_status` to `"green"`, `"yellow"` or `"red"`.
# 2. How many deals did the fractional CRO's company **lose** in `2027-08` (the autopsy of that month)? Set
#    `answer_lost_august`.
# 3. From the paired comparison: what is the mean change in **6-month** NNARR, full-time minus fractional
#    (dollars)? Set `answer_nnarr_6m`.

# %%
answer_status = None
answer_lost_august = None
answer_nnarr_6m = None

# %%
check_choice("full-time status", answer_status, str(dashboard.build(tables["full-time"], WEEK).status),
             why="read `.status` of the full-time dashboard (or the colour on its page)")

# %%
august = autopsy.build(tables["fractional"], "2027-08")
check("deals lost in August", answer_lost_august, float((august.deals["status"] == "lost").sum()), rel=0,
      hint="count the rows whose status is 'lost' in autopsy.build(tables['fractional'], '2027-08').deals")

# %%
check("6-month NNARR change", answer_nnarr_6m, float(d.loc["nnarr_6m", "mean_delta"]), rel=0.01,
      hint="the mean_delta of nnarr_6m in the deltas table")
