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
# # 6. From your CRM to a plan: import, calibrate, backtest, test a fix
#
# The earlier lessons ran a scenario someone wrote. A CRO's first weeks start from the company's own CRM. This
# lesson takes a real, public export — Olist's marketing funnel (leads that contacted a Brazilian marketplace and the
# sellers it signed; `../shared/data/olist-marketing-funnel/`) — through the four steps of the README's calibration
# section:
#
# 1. **import** it onto funnelsim's deals schema with a mapping file (`scenarios/mappings/olist.toml`);
# 2. **calibrate** a scenario from it (arrivals, conversion, time to win, calendar effects, with their uncertainty);
# 3. **backtest**: simulate the export's own window and score the bands against what happened, in-sample and
#    **held out** (calibrated on the export as it looked earlier, scored on the months after);
# 4. **test a fix** on the calibrated funnel, and read the backtest for what not to trust.
#
# Every step is the `funnelsim` command (`simulation.cli.main([...])` runs it as the shell would). Outputs go to
# `lesson06/` in the folder the notebook runs from. **Backtests here use few replications** (`BACKTEST_REPS`) so that
# the lesson runs quickly (each replication simulates the whole funnel at the fitted rate of leads): the bands are
# rough; the README's table uses many more.

# %%
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from analysis.crm.backtest import Window, observe, over_window
from analysis.crm.mapping import load_mapping
from analysis.teaching import crm_charts
from analysis.teaching.exercises import check, check_choice
from analysis.teaching.display import show
from analysis.teaching.paths import scenario, shared_data
from simulation import load_scenario, simulate
from simulation.cli import main as funnelsim

LESSON = Path("lesson06")
LESSON.mkdir(exist_ok=True)
EXPORT = shared_data("olist-marketing-funnel", "olist_marketing_qualified_leads_dataset.csv")
MAPPING = scenario("mappings/olist")
BACKTEST_REPS = 6  # few, for speed: a rough band
mapping = load_mapping(MAPPING)
mapping.source

# %% [markdown]
# ## 1. Import
#
# The mapping says which column is which (`mql_id` is the deal, `first_contact_date` its creation, `won_date` its
# close) and joins the closed-deals file on `mql_id`. Olist records **wins only**: a lead without a won date is lost
# *or* still open, so it is imported as open (`outcome_rule = "won_if_closed"`).

# %%
funnelsim(["import", str(EXPORT), "--mapping", str(MAPPING), "--out", str(LESSON / "olist_deals.csv")])
deals = pd.read_csv(LESSON / "olist_deals.csv", parse_dates=["arrived", "closed"], low_memory=False)
deals["outcome"].value_counts()

# %%
counts = crm_charts.monthly_counts(deals)
source = mapping.source
show(crm_charts.leads_and_wins(counts, {"fit starts (complete_from)": pd.Timestamp(source.complete_from),
                                        "last lead sampled (created_until)": pd.Timestamp(source.created_until)}))

# %%
won_share = float((deals["outcome"] == "won").mean())
before_window = counts.loc[: pd.Period(source.complete_from, "M") - 1, "won"]
Markdown(f"{len(deals):,} leads, {int((deals['outcome'] == 'won').sum()):,} of them won ({won_share:.1%}). Before "
         f"{source.complete_from:%B %Y} the export records at most {before_window.max()} wins a month: Olist's won "
         "dates start late, so an early lead's win is *missing*, not lost. The mapping's `complete_from` starts the "
         f"fit there, and `created_until` ({source.created_until}) is the last day leads were sampled: after it the "
         "export holds only the slow tail of earlier leads.")

# %% [markdown]
# ## 2. Calibrate
#
# `funnelsim calibrate` fits the arrival rate (with a trend when a test keeps it), the tier and ACV mix when the
# export has amounts (Olist has none: those come from the base scenario, `ai_startup.toml`), each dated stretch's
# duration with censoring for open deals (a lognormal, gamma or Weibull by AIC), the share that never converts, and
# calendar effects when a likelihood-ratio test keeps them. The result is an ordinary scenario file whose comments
# say what was fitted and what assumed.

# %%
funnelsim(["calibrate", str(EXPORT), "--mapping", str(MAPPING), "--out", str(LESSON / "olist.toml")])
calibrated = load_scenario(LESSON / "olist.toml")
cycle = calibrated.negotiation.duration_days
fitted = pd.Series({
    "start date": calibrated.scenario.start_date,
    "horizon (days)": calibrated.scenario.horizon_days,
    "leads a week": calibrated.arrivals.rate_per_week,
    "win probability (the rest never convert)": calibrated.negotiation.win_probability,
    "time to win": f"{cycle.dist}, mean {cycle.mean:.1f} d, sd {cycle.sd:.1f} d",
    "arrivals by month (Jan..Dec)": calibrated.seasonality.arrivals_by_month if calibrated.seasonality else None,
})
fitted

# %%
assert cycle.dist == "lognormal"  # the median below is a lognormal's
median_days = cycle.mean / np.sqrt(1 + (cycle.sd / cycle.mean) ** 2)  # a lognormal's median from its mean and SD
Markdown(f"The whole funnel is one stretch here (the export dates only creation and win): "
         f"{calibrated.arrivals.rate_per_week:.0f} leads a week, of which {calibrated.negotiation.win_probability:.1%} "
         f"ever convert, after a {cycle.dist} time to win with mean {cycle.mean:.0f} days and SD {cycle.sd:.0f}: half "
         f"the wins within {median_days:.0f} days, and a very long tail. What "
         "an export cannot identify (engineers, spend, retention, the CRO, the deal sizes here) is the base "
         "scenario's, listed in the file's comments.")

# %% [markdown]
# ## 3. Backtest, in-sample and held out
#
# `funnelsim backtest` simulates the export's window from its first day and compares each month's won deals with
# the simulated band. **In-sample**, the scenario was fitted on the same months it is scored on. **Held out**
# (`--holdout 0.3`), the export is cut as it looked at the start of the last 30 % of the window, a scenario is
# calibrated on that part alone, and only the later months are scored: the honest test of a forecast.

# %%
funnelsim(["backtest", str(EXPORT), "--mapping", str(MAPPING), "--scenario", str(LESSON / "olist.toml"),
           "--reps", str(BACKTEST_REPS), "--seed", "0", "--out", str(LESSON / "backtest")])

# %%
funnelsim(["backtest", str(EXPORT), "--mapping", str(MAPPING), "--scenario", str(scenario("ai_startup")),
           "--holdout", "0.3", "--reps", str(BACKTEST_REPS), "--seed", "0", "--out", str(LESSON / "holdout")])

# %%
runs = {"in-sample": LESSON / "backtest", "held out": LESSON / "holdout"}
monthly = {name: pd.read_csv(folder / "monthly.csv").query("metric == 'won deals'") for name, folder in runs.items()}
coverage = pd.concat({name: pd.read_csv(folder / "coverage.csv") for name, folder in runs.items()}, names=["run"])
scores = {name: pd.read_csv(folder / "scores.csv").query("metric == 'won deals'") for name, folder in runs.items()}
show(crm_charts.backtest_bands({f"{name} ({len(table)} months scored)": table for name, table in monthly.items()}))

# %%
coverage.droplevel(1).query("metric == 'won deals'")

# %%
band = {name: (int(t["inside"].sum()), len(t)) for name, t in monthly.items()}
above = {name: int((s["pit"] > 0.9).sum()) for name, s in scores.items()}
rates = pd.read_csv(runs["in-sample"] / "rates.csv").iloc[0]
held = monthly["held out"]
assert above["held out"] >= len(held) / 2  # most held-out actuals above the band: the text below says so
Markdown(f"In-sample, the P10–P90 band (nominally 80 %) held {band['in-sample'][0]} of {band['in-sample'][1]} "
         f"months, and the conversion, won ÷ created, was {rates['actual']:.3f} against a simulated "
         f"{rates['p10']:.3f}–{rates['p90']:.3f} ({'inside' if rates['inside'] else 'outside'}). **Held out, the band "
         f"held {band['held out'][0]} of {band['held out'][1]} months, and {above['held out']} of the {len(held)} "
         f"actuals were above it** (PIT above 0.9): from {held['month'].iloc[0]} to {held['month'].iloc[-1]} the "
         f"export won {int(held['actual'].sum())} deals where the model's median said {held['p50'].sum():.0f}. Those "
         "months hold only the slow tail of leads created before sampling stopped, and the training part, a few "
         "months of censored data, has seen almost none of it.")

# %% [markdown]
# ## 4. Test a fix
#
# Suppose the CRO's first idea is faster follow-up: every lead's time to win a quarter shorter from the window's
# first day. A fix is a partial scenario; its value is **relative** (`scale`), so it means "a quarter shorter than
# whatever the calibration found". Both runs use the backtest's window (`over_window`: leads created from
# `complete_from` to `created_until`, seen until the export's date; `observe` measures simulated deals as the
# backtest does) and the same seeds (common random numbers: each replication sees the same leads with and without
# the fix). The parameters stay at their fitted values here (`simulate` draws no parameter uncertainty), and few
# replications again.

# %%
fix = LESSON / "faster_follow_up.toml"
fix.write_text("""[fix]
name = "faster_follow_up"
summary = "Faster follow-up: every lead's time to win a quarter shorter"
start_day = 0

[negotiation]
duration_days = { scale = 0.75 }
""", encoding="utf-8")
DAY = pd.Timedelta(days=1)
window = Window(start=pd.Timestamp(source.complete_from), end=pd.Timestamp(source.as_of) + DAY,
                arrivals_end=pd.Timestamp(source.created_until) + DAY)
variants = {"calibrated": load_scenario(LESSON / "olist.toml"),
            "with faster follow-up": load_scenario(LESSON / "olist.toml", [fix])}
months = pd.period_range(window.start, window.end - DAY, freq="M")
FIX_REPS = 3


def wins_by_month(deals: pd.DataFrame) -> np.ndarray:
    """Won deals per month of the window, among the leads created in it, as the backtest counts them."""
    seen = observe(deals, window)
    won = seen.loc[seen["outcome"].astype("string").eq("won").fillna(False).astype(bool), "closed"]
    return won.dt.to_period("M").value_counts().reindex(months, fill_value=0).to_numpy()


wins = {name: np.array([wins_by_month(simulate(over_window(s, window), seed=k).deals) for k in range(FIX_REPS)])
        for name, s in variants.items()}
show(crm_charts.fix_effect(months, wins))

# %%
total = {name: w.sum(axis=1) for name, w in wins.items()}
gain = total["with faster follow-up"] - total["calibrated"]
late = months >= pd.Period(held["month"].iloc[0], "M")  # the months the hold-out scored
late_gain = (wins["with faster follow-up"][:, late] - wins["calibrated"][:, late]).sum(axis=1)
assert (gain >= 0).all()  # the same leads, each winning sooner: no replication can lose wins inside the window
assert late_gain.mean() < 0  # "out of those months"
Markdown(f"By the export's date the fix wins {gain.mean():+.0f} deals a replication on average ({gain.min():+d} to "
         f"{gain.max():+d} over {FIX_REPS} paired replications, against {total['calibrated'].mean():.0f} without "
         f"it: {gain.mean() / total['calibrated'].mean():+.1%}). The months the hold-out scored change by "
         f"{late_gain.mean():+.0f} deals: shorter cycles pull the slow tail's wins earlier, out of those months.")

# %% [markdown]
# ## What the backtest says not to trust

# %%
held_se = coverage.query("run == 'held out' and metric == 'won deals' and level == 0.8")["binomial_se"].iloc[0]
Markdown(f"""- **The timing of slow wins.** Held out, {above['held out']} of {len(held)} months were above the band:
  the fitted time to win is too short in its tail, beyond what the training data had seen. A fix that moves wins in time (as faster follow-up
  does) is priced on exactly the part of the model the hold-out found wrong: read its *direction* and the in-sample
  months, not the month-by-month level of the late months.
- **In-sample coverage.** When `calibrate` keeps the pace of closing by month, its paces are fitted so that every
  month's expected closes match the export's: the in-sample band is centred on the actuals by construction, so a
  good in-sample coverage proves little. Only the held-out months test a forecast.
- **Bands from few replications.** {BACKTEST_REPS} replications make a rough P10–P90: rerun with `--reps 50` before
  quoting a coverage. And a coverage over {len(held)} months is known only to ± {held_se:.0%} (one binomial SE, in
  `coverage.csv`).
- **What the export never held.** Deal sizes, engineers, spend and retention are the base scenario's: any NNARR,
  C2RE or bonus computed from this calibration is the base scenario's economics on Olist's timing.

What the backtest does support: the in-sample conversion ({'inside' if rates['inside'] else 'outside'} its band)
and the shape of the early months.""")

# %% [markdown]
# ## Your turn
#
# 1. What share of the imported leads were won by the export's date? Set `answer_won_share` (a fraction, e.g. 0.1).
# 2. How many held-out months fell inside the P10–P90 band? Set `answer_inside_held_out`.
# 3. From these backtests, which do you trust more for planning: the overall `"conversion"` or the month-by-month
#    `"timing"` of wins? Set `answer_trust`.

# %%
answer_won_share = None
answer_inside_held_out = None
answer_trust = None

# %%
check("won share", answer_won_share, won_share, rel=0.02,
      hint="count the deals whose outcome is 'won' and divide by all imported deals")

# %%
check("held-out months inside the band", answer_inside_held_out, float(band["held out"][0]), rel=0,
      hint="the 'inside' column of lesson06/holdout/monthly.csv")

# %%
trusted = "conversion" if rates["inside"] and band["held out"][0] < band["held out"][1] / 2 else "timing"
check_choice("what to trust", answer_trust, trusted,
             why="the in-sample conversion sat inside its band; most held-out months fell outside theirs")
