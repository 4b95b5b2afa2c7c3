"""Turn a :class:`~analysis.crm.calibrate.Calibration` into a scenario file that ``extends`` a base scenario.

The file overrides only what the export identified (each value commented with its standard error and sample
size) plus the parameters the calibration has to pin so the fitted cycle is not counted twice (stages the export
cannot see: duration 0, probability 1; no founder queue, no extension, no nurture return). The header lists what
is taken from the base scenario as assumptions. The text is read back with ``load_scenario`` before it is kept.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Final

from analysis.crm.calibrate import DAY, DURATION_PARAMETER, PROBABILITY_PARAMETER, Calibration, Stretch
from analysis.crm.engineer_slots import SlotEstimate
from analysis.crm.fitting import Estimate, FamilyFit
from analysis.crm.scenario_toml import Entry, render
from analysis.crm.seasonality_fit import month_note
from analysis.crm.uncertainty import parameter_uncertainty
from simulation.distributions import Fixed
from simulation.loader import load_scenario
from simulation.outputs import atomic_path
from simulation.scenario import Scenario
from simulation.tables import TIERS

ZERO: Final = Fixed(value=0)
UTILISATION_CAP: Final = 0.8  # solution engineers are raised (never lowered) to keep the POV load below this
SECTION_ORDER: Final = ("scenario", "arrivals", *(f"tiers.{t}" for t in TIERS), "data_quality", "pov",
                        "validation", "negotiation", "cro", "pipeline", "uncertainty")


def _seasonal_entries(cal: Calibration, out: dict[str, list[Entry]], notes: list[str]) -> None:
    """Add ``[seasonality]`` to ``out`` when a term was kept, and note the tests in the header either way; with monthly
    arrivals the fitted rate (a yearly average) replaces the plain one in ``[arrivals]``."""
    fit = cal.seasonality
    if fit is None:
        return
    section = fit.section()
    entries: list[Entry] = []
    if section is not None and section.arrivals_by_month is not None and fit.arrivals is not None:
        months = fit.arrivals
        rate, growth = months.rate_per_week, months.growth_per_year
        out["arrivals"] = [e for e in out["arrivals"] if e[0] not in ("rate_per_week", "growth_per_year")]
        out["arrivals"] += [
            ("rate_per_week", rate.value, f"yearly average at the start date, with [seasonality]: "
                                          f"{rate.value:.4g} +/- {rate.se:.2g} (SE), n = {rate.n}"),
            ("growth_per_year", growth.value, f"{growth.value:.4g} +/- {growth.se:.2g} (SE)"),
        ]
        entries.append(("arrivals_by_month", section.arrivals_by_month, month_note(months)))
    if section is not None and section.win_odds_by_month_of_quarter is not None and fit.push is not None:
        odds = ", ".join(f"{o.value:.2f} (log SE {o.se:.2g})" for o in fit.push.odds)
        entries.append(("win_odds_by_month_of_quarter", section.win_odds_by_month_of_quarter,
                        f"odds of winning by month of the quarter of the close over the pooled odds: {odds}"))
    if section is not None and section.closes_by_month is not None and fit.pace is not None:
        entries.append(("closes_by_month", section.closes_by_month, fit.pace.note()))
    if entries:
        out["seasonality"] = entries
    notes += [f"seasonality tested: {line}" for line in fit.lines()]


def _se(estimate: Estimate, unit: str = "") -> str:
    if math.isnan(estimate.se):
        return f"n = {estimate.n}"
    return f"{estimate.value:.4g}{unit} +/- {estimate.se:.2g} (SE), n = {estimate.n}"


def _dist_note(fit: FamilyFit, what: str, unit: str = " d") -> str:
    ranked = sorted(fit.aic, key=fit.aic.__getitem__)
    gaps = ", ".join(f"{k} +{fit.aic[k] - fit.aic[ranked[0]]:.0f}" for k in ranked[1:] if math.isfinite(fit.aic[k]))
    return (f"{what}: mean {fit.mean.value:.4g}{unit} +/- {fit.mean.se:.2g}, sd {fit.sd.value:.4g}{unit} "
            f"+/- {fit.sd.se:.2g} (SE), n = {fit.mean.n}; {fit.family} by AIC" + (f" (vs {gaps})" if gaps else ""))


def sections(cal: Calibration, base: Scenario) -> tuple[dict[str, list[Entry]], list[str]]:
    """The overridden sections (name -> entries) and the header notes (identified / assumed)."""
    out: dict[str, list[Entry]] = {name: [] for name in SECTION_ORDER}
    notes: list[str] = []
    arr = cal.arrivals
    out["scenario"] += [
        ("name", f"Calibrated from {Path(cal.source).name}", ""),
        ("description", f"Fitted on {cal.deals} deals created {cal.start.date()} .. "
                        f"{(cal.end - DAY).date()}; see the comments for what was fitted and what assumed.", ""),
        ("start_date", cal.start.date(), "first day of the export's window"),
        ("horizon_days", cal.horizon_days, "the export's window, so a backtest covers the same dates"),
    ]
    trend = (f"trend kept (likelihood-ratio p = {arr.trend_p_value:.2g})" if arr.growth_per_year.value
             else f"no trend (likelihood-ratio p = {arr.trend_p_value:.2g})")
    out["arrivals"] += [
        ("rate_per_week", arr.rate_per_week.value, f"at the start date; {_se(arr.rate_per_week)} arrivals "
                                                   f"over {arr.weeks:.1f} weeks"),
        ("growth_per_year", arr.growth_per_year.value, f"{trend}; {_se(arr.growth_per_year)}"),
    ]
    _seasonal_entries(cal, out, notes)
    if cal.tier_shares:
        n = next(iter(cal.tier_shares.values())).n
        out["arrivals"].append(("tiers", _rounded_shares(cal.tier_shares),
                                f"share of the {n} deals with a known amount (tier from ACV)"))
    else:
        notes.append("tier mix: the export has no amounts; taken from the base scenario")
    if cal.channel_shares:
        n = next(iter(cal.channel_shares.values())).n
        out["arrivals"].append(("channels", _rounded_shares(cal.channel_shares), f"{n} deals with a channel"))
    else:
        notes.append("channel mix: no channel column mapped; taken from the base scenario")
    for tier in TIERS:
        fit = cal.acv.get(tier)
        if fit is not None:
            out[f"tiers.{tier}"].append(("acv", fit.distribution(), _dist_note(fit, "known amounts", " USD")))
        elif not cal.tier_shares or cal.tier_shares[tier].value > 0:
            notes.append(f"ACV of the {tier} tier: fewer than 10 known amounts; taken from the base scenario")
    _funnel(cal, base, out, notes)
    out["data_quality"] += [("on_fail", "disqualify", "the export shows no nurture-and-return loop"),
                            ("return_probability", 0.0, "")]
    out["validation"].append(("extension_probability", 0.0, "an extension is inside the fitted durations"))
    out["negotiation"].append(("founder_required_probability", 0.0,
                               "any wait for the founder is inside the fitted durations; no founder queue on top"))
    out["cro"].append(("playbook", [], "the calibrated funnel is the status quo; add fixes with --fix"))
    out["pipeline"].append(("open", [], "the window starts empty: every deal in it is in the export"))
    notes.append("not identified by an export, taken from the base scenario: solution engineers (unless the "
                 "export dates a queue for them, or they are raised below), founder meetings, models per customer, "
                 "retention and renewals, spend, CRO, comp, targets")
    out["uncertainty"] += uncertainty_entries(cal, notes)
    return out, notes


def uncertainty_entries(cal: Calibration, notes: list[str]) -> list[Entry]:
    """The ``[uncertainty]`` section's entries (:mod:`analysis.crm.uncertainty`); its notes join ``notes``."""
    section, missing = parameter_uncertainty(cal)
    notes += missing
    if section is None:
        return []
    notes.append(f"parameter uncertainty: {len(section.parameters)} fitted parameters in [uncertainty] are drawn per "
                 "replication by forecast, compare and backtest (--no-parameter-uncertainty: fitted values only)")
    return [("method", section.method, ""),
            ("parameters", list(section.parameters), "key paths of the fitted values"),
            ("scales", list(section.scales), "each drawn as a normal on this scale around the value above"),
            ("se", list(section.se), "standard error on that scale"),
            ("correlation", [list(row) for row in section.correlation], "one row per parameter")]


def _rounded_shares(shares: dict[str, Estimate]) -> dict[str, float]:
    """Shares to 3 decimals that still sum to 1 (the largest absorbs the rounding)."""
    total = sum(e.value for e in shares.values())
    rounded = {k: round(e.value / total, 3) for k, e in shares.items()}
    largest = max(rounded, key=rounded.__getitem__)
    rounded[largest] = round(1 - sum(v for k, v in rounded.items() if k != largest), 3)
    return rounded


def _funnel(cal: Calibration, base: Scenario, out: dict[str, list[Entry]], notes: list[str]) -> None:
    carried: set[str] = set()
    for stretch in cal.stretches:
        if stretch.carrier is None:
            if not math.isnan(stretch.mean_wait_days):
                notes.append(f"observed wait for a solution engineer: {stretch.mean_wait_days:.1f} days on average "
                             "(the engine's queue produces it; not fitted)")
            continue
        fit = stretch.fit
        if fit is None or fit.passed is None:
            notes.append(f"{stretch.carrier}: too few closed deals to fit; taken from the base scenario")
            continue
        carried.add(stretch.carrier)
        span = _span(stretch)
        section, key = DURATION_PARAMETER[stretch.carrier]
        if stretch.empirical is not None:
            out[section].append((key, stretch.empirical, f"time to pass {span}: {len(stretch.empirical.values)} "
                                 "censoring-corrected percentiles (Aalen-Johansen), no family; "
                                 + _dist_note(fit.passed, "best family")))
        elif stretch.mixture is not None:
            mix = stretch.mixture
            out[section].append((key, mix.distribution, f"time to pass {span}: two humps, weight {_se(mix.weight)}, "
                                 f"means {_se(mix.means[0], ' d')} and {_se(mix.means[1], ' d')}; AIC "
                                 f"{mix.aic - mix.single_aic:+.0f} against " + _dist_note(fit.passed, "one family")))
        else:
            out[section].append((key, fit.passed.distribution(), _dist_note(fit.passed, f"time to pass {span}")))
        p_pass, never = fit.p_pass, fit.never
        section, key = PROBABILITY_PARAMETER[stretch.carrier]
        if never.value > 0 and not cal.dated_losses:  # wins-only export: the never-converting share is the loss
            p = p_pass.value * (1 - never.value)
            se = math.hypot(p_pass.se * (1 - never.value), never.se * p_pass.value)
            out[section].append((key, p, f"+/- {se:.2g} (SE): 1 - never-converting share {_se(never)}; lost "
                                          "leads have no date, so here they close on the won deals' timing"))
        else:
            out[section].append((key, p_pass.value, f"passed / (passed + lost) with censoring: {_se(p_pass)}"))
        if fit.lost is not None:
            notes.append(f"{_dist_note(fit.lost, f'time to loss in {span}')}; not simulated: the engine closes "
                         f"these losses on the {stretch.carrier} duration")
        for stage in stretch.stages:
            if stage in DURATION_PARAMETER and stage != stretch.carrier:
                carried.add(stage)
                d_section, d_key = DURATION_PARAMETER[stage]
                p_section, p_key = PROBABILITY_PARAMETER[stage]
                if not (never.value > 0 and cal.dated_losses and stage == "data_quality"):
                    out[p_section].append((p_key, 1.0, f"not dated in the export: inside the {span} fit"))
                out[d_section].append((d_key, ZERO, f"not dated in the export: inside the {span} fit"))
        if never.value > 0 and cal.dated_losses:
            out["data_quality"].append(("pass_probability", 1 - never.value,
                                        f"1 - never-closing share {_se(never)}: deals that stay open for ever are "
                                        "disqualified at entry (no close, so the win rate is unchanged)"))
    _engineers(cal, base, out, notes)


def _engineers(cal: Calibration, base: Scenario, out: dict[str, list[Entry]], notes: list[str]) -> None:
    if cal.pov_slots is not None:
        _observed_engineers(cal.pov_slots, base, out)
        return
    pov = next((s for s in cal.stretches if s.carrier == "pov" and s.fit and s.fit.passed), None)
    if pov is None or pov.fit is None or pov.fit.passed is None:
        return
    reach = cal.arrivals.rate_per_week.value / 7 * _share_reaching(cal, "pov")
    load = reach * pov.fit.passed.mean.value * (1 + max(cal.arrivals.growth_per_year.value, 0))
    slots = base.pov.solution_engineers * base.pov.povs_per_engineer
    if load > UTILISATION_CAP * slots:
        engineers = math.ceil(load / UTILISATION_CAP / base.pov.povs_per_engineer)
        out["pov"].append(("solution_engineers", engineers,
                           f"raised from the base's {base.pov.solution_engineers}: {load:.1f} POVs run at once on "
                           f"average, kept below {UTILISATION_CAP:.0%} utilisation (SE count is not identified)"))


def _observed_engineers(seen: SlotEstimate, base: Scenario, out: dict[str, list[Entry]]) -> None:
    """Engineers x POVs each = the slots the export shows busy while deals waited; the base's POVs per engineer
    is kept when it divides them, else each engineer runs the slots' share (one engineer below the base's)."""
    per = base.pov.povs_per_engineer
    engineers = max(1, round(seen.slots / per))
    per_engineer = per if engineers * per == seen.slots else max(1, round(seen.slots / engineers))
    evidence = (f"the export's queue: {seen.waiters} deals waited for an engineer; while they did "
                f"({seen.waiting_days:.0f} days), POVs running at once: median {seen.slots}, mean "
                f"{seen.mean_running:.2f}; that is the engineers' capacity (POV slots)")
    out["pov"].append(("solution_engineers", engineers, evidence))
    if per_engineer != per:
        out["pov"].append(("povs_per_engineer", per_engineer,
                           f"the base's {per} does not divide the {seen.slots} observed POV slot(s)"))


def unseen(cal: Calibration) -> dict[tuple[str, str], str]:
    """The parameters of the calibrated scenario that ``cal``'s export does not identify, each with why: set to a
    neutral value (:func:`sections` pins them) or taken from the base. A fix that changes only these would be weighed
    against that placeholder, not against the company (a founder policy against "no founder queue": a made-up loss).
    """
    founder = "the export does not show the founder in final meetings (any wait is inside the fitted durations)"
    nurture = "the export shows no nurture-and-return loop"
    out = {("negotiation", key): founder for key in
           ("founder_required_probability", "win_probability_without_founder", "founder_meetings_per_week")}
    out |= {("validation", key): "the export does not date extensions (they are inside the fitted durations)"
            for key in ("extension_probability", "extension_days")}
    out |= {("data_quality", key): nurture for key in ("on_fail", "return_probability", "return_after_days")}
    if cal.pov_slots is None:
        out |= {("pov", key): "the export dates no queue for solution engineers, so their number is assumed"
                for key in ("solution_engineers", "povs_per_engineer")}
    for stretch in cal.stretches:
        fit = stretch.fit
        if stretch.carrier is not None and (fit is None or fit.passed is None):
            out |= {p[stage]: f"{_stage(stage)}: too few closed deals to fit; taken from the base scenario"
                    for stage in stretch.stages for p in (DURATION_PARAMETER, PROBABILITY_PARAMETER) if stage in p}
            continue
        for stage in stretch.stages:
            if stage in DURATION_PARAMETER and stage != stretch.carrier and fit is not None:
                why = f"{_stage(stage)} is not dated in the export (inside the {_span(stretch)} fit)"
                out[DURATION_PARAMETER[stage]] = why
                if not (fit.never.value > 0 and cal.dated_losses and stage == "data_quality"):
                    out[PROBABILITY_PARAMETER[stage]] = why
    return out


def carried(cal: Calibration) -> dict[tuple[str, str], str]:
    """The parameters fitted over a stretch of several stages, each with that stretch: a fix that scales one scales
    the whole stretch (a fifth off the negotiation is a fifth off every stage the export folds into it)."""
    out: dict[tuple[str, str], str] = {}
    for stretch in cal.stretches:
        inside = [s for s in stretch.stages if s in DURATION_PARAMETER]
        if stretch.carrier is None or stretch.fit is None or stretch.fit.passed is None or len(inside) < 2:
            continue
        what = f"fitted over {', '.join(_stage(s) for s in inside)} as one stretch ({_span(stretch)})"
        out[DURATION_PARAMETER[stretch.carrier]] = what
        out[PROBABILITY_PARAMETER[stretch.carrier]] = what
    return out


def _stage(stage: str) -> str:
    return "the POV" if stage == "pov" else stage.replace("_", " ")


def _span(stretch: Stretch) -> str:
    return f"{stretch.start} -> {stretch.end or 'closed'}"


def _share_reaching(cal: Calibration, stage: str) -> float:
    share = 1.0
    for stretch in cal.stretches:
        if stage in stretch.stages:
            break
        if stretch.fit is not None:
            share *= stretch.fit.p_pass.value * (1 - stretch.fit.never.value)
    return share


def scenario_text(cal: Calibration, base: Scenario, base_path: Path, out_path: Path, command: str) -> str:
    """The calibrated scenario file's text: ``extends`` the base, overrides what was fitted, lists assumptions."""
    out, notes = sections(cal, base)
    extends = os.path.relpath(base_path.resolve(), out_path.resolve().parent)
    header = [
        f"Calibrated scenario written by: {command}",
        f"Export: {cal.source}; window {cal.start.date()} .. {(cal.end - DAY).date()} ({cal.deals} deals; "
        + (", ".join(f"{n} {why}" for why, n in cal.left_out.items()) or "none left out") + ")",
        f"Win rate among closed deals {cal.win_rate.value:.3f} {_se(cal.win_rate)}; "
        f"won by the export date / created {cal.conversion.value:.3f}",
        "Funnel: " + ("one stretch (created -> closed): the whole cycle and the win rate sit on negotiation; "
                      "the earlier stages are not dated, so they get duration 0 and probability 1"
                      if cal.one_stretch else "one fit per dated stretch of stages (see the comments)"),
        "Assumptions:",
        *(f"  - {note}" for note in notes),
    ]
    sections_out = [(name, entries) for name, entries in out.items() if entries]
    return render(header, [("extends", extends, f"the base scenario: {base.name}")], sections_out)


def write_scenario(cal: Calibration, base_path: Path, out_path: Path, command: str) -> Scenario:
    """Write the calibrated scenario atomically after checking that it loads; returns the loaded scenario."""
    base = load_scenario(base_path)
    text = scenario_text(cal, base, base_path, out_path, command)
    with atomic_path(out_path) as tmp:
        tmp.write_text(text, encoding="utf-8")
        scenario = load_scenario(tmp)
    return scenario
