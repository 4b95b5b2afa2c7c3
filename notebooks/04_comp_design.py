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
# # 4. Designing the CRO's comp: additive, multiplicative, or the 50/30/20 scorecard
#
# Article A, on a fractional CRO who *"hit NNARR but C2RE is terrible"*:
#
# > "Design the variable comp so that NNARR and C2RE are multiplicative, not additive. For example, if the CRO
# > earns a bonus equal to 5% of NNARR, multiply that by the C2RE factor (e.g., 1.2 if C2RE is 0.8, or 0.8 if
# > C2RE is 1.2). This forces efficiency."
#
# Article B proposes another plan: *"50% Net New ARR, 30% GRR, 20% QTE velocity"* of a target bonus.
#
# **C2RE** = sales and marketing cash spent ÷ NNARR of the same period (lower is better). This lesson:
#
# 1. draws the C2RE factor and the bonus surfaces of the additive and multiplicative plans;
# 2. pays all three plans on **the same simulated outcomes** of `scenarios/ai_startup.toml`;
# 3. games them: adds deals that churn at their 90-day check and sees which plan pays for them.
#
# The plans are `analysis.kpi.comp` (`c2re_factor`, `multiplicative_bonus`, `additive_bonus`, `compare_plans`,
# `scorecard_bonus`, and `bonus_for`, which pays a scenario's `[comp]` plan).

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

from analysis.kpi import comp, evaluation, nnarr, retention, snapshot
from analysis.teaching import comp_charts
from analysis.teaching.exercises import check, check_choice
from analysis.teaching.display import show
from analysis.teaching.paths import scenario
from simulation import Outcome, load_scenario, simulate

company = load_scenario(scenario("ai_startup"))
shipped = company.comp  # the scenario's [comp] section: the multiplicative plan
shipped_factor = comp.factor_params(shipped)
shipped_factor

# %% [markdown]
# ## The article's worked example, literally
#
# "A bonus equal to 5% of NNARR" times "1.2 if C2RE is 0.8, or 0.8 if C2RE is 1.2". For $1M of NNARR:

# %%
for c2re in (0.8, 1.0, 1.2):
    print(f"NNARR $1,000,000, C2RE {c2re}: factor {comp.c2re_factor(c2re):.1f}, "
          f"bonus ${comp.multiplicative_bonus(1_000_000, c2re):,.0f}")
assert comp.multiplicative_bonus(1_000_000, 0.8) == 0.05 * 1_000_000 * 1.2 == 60_000
assert comp.multiplicative_bonus(1_000_000, 1.2) == 0.05 * 1_000_000 * 0.8 == 40_000

# %% [markdown]
# The article gives two points of the factor. `c2re_factor` draws the straight line through them
# (factor = 2 − C2RE) and clips it to a floor and a cap: our choice, not the article's. The shipped scenario's
# `[comp]` sets them:

# %%
Markdown(f"The shipped plan: {shipped.bonus_rate:.0%} of NNARR × a factor clipped to "
         f"[{shipped.factor_floor:g}, {shipped.factor_cap:g}], so a C2RE of "
         f"{2 - shipped.factor_cap:g} or better earns the cap and one of {2 - shipped.factor_floor:g} or worse "
         f"still earns {shipped.factor_floor:g} × {shipped.bonus_rate:.0%} of NNARR (the library's default floor "
         f"is {comp.FACTOR_FLOOR:g}: nothing past C2RE {2 - comp.FACTOR_FLOOR:g}).")

# %%
c2re_grid = np.linspace(0.2, 2.5, 300)
show(comp_charts.factor_curve(
    c2re_grid,
    {"factor (library default: floor 0, cap 1.5)": comp.c2re_factor(c2re_grid),
     f"the shipped scenario's floor of {shipped.factor_floor:g}": comp.c2re_factor(c2re_grid, **shipped_factor)},
    points=([comp.C2RE_GOOD, comp.C2RE_POOR], [comp.FACTOR_AT_GOOD, comp.FACTOR_AT_POOR]),
    healthy=(company.targets.c2re_min, company.targets.c2re_max),
))

# %% [markdown]
# ## Additive vs multiplicative
#
# The **additive** plan pays the same on-target bonus (5 % of the NNARR target) in two independent halves: half
# scaled by NNARR attainment, half by the same C2RE factor. On target at C2RE 1.0 both pay the same. They part
# ways when volume and efficiency disagree. The maps below are `comp.compare_plans` over a grid of NNARR × C2RE
# with a $1M target (the library's default factor, floor 0).

# %%
TARGET = 1_000_000
N, C = np.meshgrid(np.linspace(0, 2_000_000, 81), np.linspace(0.3, 2.5, 89))
grid = comp.compare_plans(N, C, nnarr_target=TARGET)
surfaces = {name: grid[name].to_numpy().reshape(N.shape) for name in ("multiplicative", "additive")}
on_target = comp.compare_plans(TARGET, 1.0, nnarr_target=TARGET).iloc[0]
assert on_target["multiplicative"] == on_target["additive"] == 0.05 * TARGET
assert comp.FACTOR_FLOOR == 0 and comp.c2re_factor(2.0) == 0  # the default factor pays nothing from C2RE 2.0
assert comp.ADDITIVE_WEIGHT_NNARR == 0.5  # "two independent halves"
show(comp_charts.bonus_contours(N, C, surfaces, on_target=(TARGET, 1.0)))

# %% [markdown]
# Read the white lines (equal bonus); the red star is on target, where both plans pay 5 % of $1M. **Multiplicative**
# (left): the lines flatten to the right and stop below C2RE 2.0: however much NNARR the CRO brings, it pays
# nothing past that efficiency. **Additive** (right): the lines are straight diagonals (volume buys back
# efficiency one for one), and above C2RE 2.0 they turn vertical: efficiency stops mattering, only volume counts.
#
# ## Scaling the budget: what "forces efficiency" means
#
# Suppose every doubling of sales and marketing spend buys +20 % NNARR, from the on-target point ($1M of NNARR
# for $1M of spend): NNARR = $1M × (1 + 0.2 × log₂(spend multiple)).

# %%
spend_multiple = np.geomspace(0.25, 8, 400)
nnarr_path = TARGET * (1 + 0.2 * np.log2(spend_multiple))
path = comp.compare_plans(nnarr_path, TARGET * spend_multiple / nnarr_path, nnarr_target=TARGET)
best = float(spend_multiple[path["multiplicative"].to_numpy().argmax()])
at = {m: comp.compare_plans(TARGET * (1 + 0.2 * np.log2(m)), m / (1 + 0.2 * np.log2(m)), nnarr_target=TARGET).iloc[0]
      for m in (1.0, 2.0, 4.0, 8.0)}
show(comp_charts.budget_curves(spend_multiple, {p: path[p].to_numpy() for p in ("multiplicative", "additive")}, best))

# %%
Markdown(f"Under the **multiplicative** plan the CRO's best budget is {best:.2f}× today's (cut the spend that does "
         f"not pay for itself); doubling the budget takes the bonus from ${at[1.0]['multiplicative']:,.0f} to "
         f"${at[2.0]['multiplicative']:,.0f} and quadrupling it to ${at[4.0]['multiplicative']:,.0f}. Under the "
         f"**additive** plan the bonus falls only to ${path['additive'].min():,.0f} at worst and climbs back to "
         f"${at[8.0]['additive']:,.0f} at 8× the budget: past C2RE 2 the efficiency half is zero and every extra "
         "dollar buys attainment. Addition rewards growth at any price; multiplication asks what the next dollar "
         "buys.")

# %% [markdown]
# ## Three plans on the same simulated outcomes
#
# Now the company itself: replications of `ai_startup` (replication *k* uses seed *k*), and each plan paid on
# **the second half of the first year** (months 7–12: by then customers have passed their 90-day check, so GRR has
# a cohort to measure; in months 1–6 it has none and the scorecard's 30 % would pay nothing). The window's NNARR
# target is the 12-month target less the 6-month one. To compare like with like, every plan pays the same on
# target: the scorecard's target bonus is set to the bonus rate times the window's target (the shipped
# `scenarios/variants/scorecard_comp.toml` sets its own).

# %%
start = pd.Timestamp(company.scenario.start_date)
window = (start + pd.DateOffset(months=6), start + pd.DateOffset(months=12))
target = company.targets.nnarr_12_months - company.targets.nnarr_6_months
plans = {
    "multiplicative": shipped,
    "additive": shipped.model_copy(update={"plan": "additive"}),
    "scorecard": shipped.model_copy(update={"plan": "scorecard", "target_bonus": shipped.bonus_rate * target}),
}


def window_kpis(deals: pd.DataFrame, revenue: pd.DataFrame, spend: pd.DataFrame) -> dict[str, float]:
    """What the plans are paid on: the window's NNARR, C2RE, model-level GRR and QTE velocity."""
    booked = nnarr.nnarr(deals, window)
    cash = nnarr.spend_in(nnarr.c2re_spend(spend, company.targets.c2re_counts_pov_compute), window)
    return {"nnarr": booked.nnarr, "c2re": nnarr.c2re_ratio(cash, booked.nnarr).value,
            "grr": retention.grr(revenue, window, level="model"),
            "qte_days": evaluation.qte_velocity(deals, window).mean_days}


def pay(kpis: dict[str, float]) -> dict[str, float]:
    """Each plan's bonus on the same KPIs (the first-year deal bonus, zero in this scenario, left out)."""
    return {name: comp.bonus_for(plan, **kpis, targets=company.targets, nnarr_target=target).plan_bonus
            for name, plan in plans.items()}


REPS = 40
outcomes = [simulate(company, seed=k) for k in range(REPS)]
paid = pd.DataFrame([{**kpis, **pay(kpis)} for kpis in
                     (window_kpis(o.deals, o.revenue, o.spend) for o in outcomes)])
first_half = (start, window[0])
assert all(np.isnan(retention.grr(o.revenue, first_half, level="model")) for o in outcomes)  # "in months 1-6 none"
paid.describe(percentiles=[0.1, 0.5, 0.9]).T.round(2)

# %%
on_target_bonus = shipped.bonus_rate * target
show(comp_charts.plans_on_outcomes(paid["nnarr"].to_numpy(), {p: paid[p].to_numpy() for p in plans}, target,
                                   on_target_bonus, f"months 7-12, {REPS} replications of ai_startup"))

# %%
spread = {p: paid[p].quantile(0.9) - paid[p].quantile(0.1) for p in plans}
widest = max(spread, key=spread.get)
spend = pd.Series([nnarr.spend_in(nnarr.c2re_spend(o.spend, company.targets.c2re_counts_pov_compute), window)
                   for o in outcomes])
variation = {"spend": spend.std() / spend.mean(), "NNARR": paid["nnarr"].std() / paid["nnarr"].mean()}
hit = (paid["nnarr"] >= target).mean()
grr_values = paid["grr"].dropna()
assert widest == "multiplicative" and variation["spend"] < variation["NNARR"] / 5  # what the text below explains
assert grr_values.min() > 0.95  # "almost for free"
Markdown(f"The window's NNARR reached its ${target:,.0f} target in {hit:.0%} of replications (mean C2RE "
         f"{paid['c2re'].mean():.2f}). The P10–P90 spread of the bonus is ${spread['multiplicative']:,.0f} for "
         f"the multiplicative plan, ${spread['additive']:,.0f} for the additive and ${spread['scorecard']:,.0f} "
         f"for the scorecard. On the same outcomes the **{widest}** plan is the riskiest for the CRO: spend "
         f"hardly moves between replications (coefficient of variation {variation['spend']:.1%}, against "
         f"{variation['NNARR']:.0%} for NNARR), so a good or bad half-year of NNARR moves both of its factors. "
         f"The window's GRR was {grr_values.min():.0%} at worst in the {len(grr_values)} replications that had "
         f"a cohort (the others pay nothing for GRR's share): nobody renews in the first year, so the scorecard's "
         "GRR share is paid almost for free here.")

# %% [markdown]
# ## Gaming: deals that churn at the 90-day check
#
# NNARR nets out churn within 90 days of close (article A), but **a deal still inside its 90 days counts at its
# booked ACV**. A CRO paid when the window ends can push deals that will not survive their 90-day check into the
# window's last two months: say three $100,000 deals, sold without an evaluation, that churn at the check. GRR cannot
# see them either: their churn is NNARR's by definition, never GRR's (see README, "The definitions").
#
# Each replication is paid twice: **at the window's end**, on the tables as the CRM showed them that day
# (`snapshot.deals_as_of`), and **after the 90-day check** of the window's last deal, on the settled NNARR.

# %%
JUNK_DEALS, JUNK_ACV = 3, 100_000


def with_churning_deals(deals: pd.DataFrame, count: int = JUNK_DEALS) -> pd.DataFrame:
    """``deals`` plus ``count`` pushed deals: won in the window's last 60 days, churned at their 90-day check."""
    closes = window[1] - pd.to_timedelta(np.linspace(10, 60, count), unit="D")
    junk = deals.iloc[:0].reindex(range(count))  # empty rows with the deals table's columns and types
    junk["id"] = [f"PUSHED{i}" for i in range(count)]
    junk["tier"], junk["channel"], junk["models"] = "mid", "direct", 1
    junk["arrived"], junk["closed"] = closes - pd.Timedelta(days=30), closes
    junk["outcome"], junk["acv"] = "won", float(JUNK_ACV)
    junk["retention_90d"], junk["acv_after_90d"] = "churned", 0.0
    return pd.concat([deals, junk], ignore_index=True)


def paid_at_window_end(deals: pd.DataFrame, o: Outcome) -> dict[str, float]:
    """The bonus on the tables as the CRM showed them when the window ended (pushed deals still provisional)."""
    known = snapshot.deals_as_of(deals, window[1])
    return pay(window_kpis(known, snapshot.before(o.revenue, "date", window[1]), o.spend))


rows = []
for o in outcomes:
    gamed = with_churning_deals(o.deals)
    for rule, honest, pushed in (
        ("paid at the window's end", paid_at_window_end(o.deals, o), paid_at_window_end(gamed, o)),
        ("paid after the 90-day check", pay(window_kpis(o.deals, o.revenue, o.spend)),
         pay(window_kpis(gamed, o.revenue, o.spend))),
    ):
        rows += [{"rule": rule, "plan": p, "extra": pushed[p] - honest[p]} for p in plans]
extra = pd.DataFrame(rows).pivot_table(index="plan", columns="rule", values="extra", sort=False)
extra = extra[["paid at the window's end", "paid after the 90-day check"]]
extra.round(0).astype(int)

# %%
show(comp_charts.gaming_bars(extra, JUNK_DEALS * JUNK_ACV))

# %%
at_end = extra["paid at the window's end"]
most_gamed = str(at_end.idxmax())
assert most_gamed == "multiplicative"  # the reason given below is this plan's
assert (extra["paid after the 90-day check"].abs() < 1e-6).all()  # settled NNARR nets the pushed deals out
Markdown(f"Paid at the window's end, ${JUNK_DEALS * JUNK_ACV:,.0f} of deals that churn in 90 days adds "
         f"${at_end['multiplicative']:,.0f} to the multiplicative bonus, ${at_end['additive']:,.0f} to the "
         f"additive and ${at_end['scorecard']:,.0f} to the scorecard (means over {REPS} replications). The plan "
         f"that pays most for them is the **{most_gamed}** one: the pushed ACV raises NNARR *and* lowers C2RE "
         f"(the same spend over more NNARR), so both of its factors rise, up to the cap; the scorecard's NNARR "
         f"share is {comp.SCORECARD_WEIGHTS[0]:.0%} of the bonus and capped at {comp.ATTAINMENT_CAP:.0%} "
         "attainment. Paid after the 90-day check, every plan pays "
         "exactly nothing for them.")

# %% [markdown]
# **What to take into the contract.** Multiplication forces efficiency, but it also multiplies whatever inflates
# NNARR: pay the NNARR part on NNARR **after** the 90-day check (or claw it back), so a churned deal is worth zero
# under every plan. The scorecard sees retention and speed but not cash; a plan can multiply the scorecard's score
# by the C2RE factor to see both.
#
# ## Your turn
#
# 1. With the shipped floor and cap (`shipped_factor`), what does the multiplicative plan pay on $1.2M of NNARR at
#    a C2RE of 1.5? Set `answer_bonus` (dollars).
# 2. Push **five** deals of $100,000 instead of three (change `JUNK_DEALS` and re-run the gaming cells): how much
#    does the multiplicative plan add, paid at the window's end (the mean over replications)? Set
#    `answer_five_deals` (dollars); set `JUNK_DEALS` back to 3 afterwards.
# 3. Which plan, paid at the window's end, pays the least for the churned deals? Set `answer_least` to
#    `"multiplicative"`, `"additive"` or `"scorecard"`.

# %%
answer_bonus = None
answer_five_deals = None
answer_least = None

# %%
check("bonus at C2RE 1.5", answer_bonus, comp.multiplicative_bonus(1_200_000, 1.5, **shipped_factor),
      rel=0.01, hint="the factor is 2 - C2RE, clipped to the shipped floor; the bonus is 5 % of NNARR times it")

# %%
five = [paid_at_window_end(with_churning_deals(o.deals, count=5), o)["multiplicative"]
        - paid_at_window_end(o.deals, o)["multiplicative"] for o in outcomes]
check("five pushed deals", answer_five_deals, float(np.mean(five)), rel=0.02,
      hint="set JUNK_DEALS = 5, re-run the gaming cells and read the multiplicative bar")

# %%
check_choice("least gamed plan", answer_least, str(at_end.idxmin()),
             why="compare the bars 'paid at the window's end'")
