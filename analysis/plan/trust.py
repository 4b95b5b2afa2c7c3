"""How far to trust the model (section 2 of the plan): calibrate a scenario on the export, and backtest it on
months the calibration did not see.

The same steps as ``funnelsim calibrate`` and ``funnelsim backtest --holdout`` (:mod:`analysis.crm.calibrate`,
:mod:`analysis.crm.backtest`): the window comes from the mapping's ``[source]`` dates (``as_of``,
``complete_from``, ``created_until``) or, without a mapping, from where arrivals become steady; the scenario the
plan simulates is calibrated on the whole window; the backtest's scenario is calibrated on the export as it looked
when the last ``holdout`` share of the window began, and only the later months are scored.

**Poor coverage**, the verdict the page puts at the top: the held-out months' actual won deals (and won ACV, when
the export has amounts) should fall inside the simulated P10-P90 band. With R replications the band is cut from R
draws, so even a model that fits holds a new month with probability 80 % x (R - 1) / (R + 1), not 80 % (the
expected mass between interpolated order statistics: 62 % at R = 8, 77 % at R = 50). Over m scored months the count
inside is then binomial (standard error sqrt(e (1 - e) / m) around that expectation e); a count so low that a
fitting model would reach it or less with probability under :data:`POOR_P` (2.5 %, one-sided, the exact binomial
tail: about two standard errors below, and honest with the few months an export holds) is called poor: the model
misses the company's monthly numbers far more often than its own bands say.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis import style
from analysis.crm.backtest import Backtest, Window, as_seen_at, backtest
from analysis.crm.backtest_charts import monthly_band
from analysis.crm.calibrate import DAY, Calibration, CalibrationError, calibrate, window
from analysis.crm.calibration_scenario import scenario_text, sections
from analysis.crm.mapping import Mapping
from analysis.plan.section import Section
from simulation import scenario_limits
from simulation.scenario import Scenario

HOLDOUT: Final = 0.3  # the scored share of the window (the README's backtests use 0.3 too)
LEVEL: Final = 0.8
POOR_P: Final = 0.025
KS_ALPHA: Final = 0.01
Durations = Literal["parametric", "single", "empirical"]


def calibrated_scenario(cal: Calibration, base: Scenario, source: str = "the export") -> Scenario:
    """The scenario ``funnelsim calibrate`` would write for ``cal`` on top of ``base``, built in memory: the same
    text (:func:`analysis.crm.calibration_scenario.scenario_text`) merged over ``base`` as ``extends`` merges it
    (tables key by key, a distribution replaced whole); ``base``'s fixes (its CRO playbook) are kept as resolved."""
    text = scenario_text(cal, base, Path("base.toml"), Path("calibrated.toml"), f"funnelsim plan ({source})")
    raw = tomllib.loads(text)
    raw.pop("extends", None)
    merged = base.model_dump(by_alias=True, exclude={"fixes"})
    _merge(merged, raw)
    scenario = Scenario.model_validate(merged).model_copy(update={"fixes": base.fixes})
    for loc, problem in scenario_limits.problems(scenario)[:1]:
        raise CalibrationError(f"{source}: the calibrated scenario breaks {'.'.join(map(str, loc))}: {problem}")
    return scenario


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and "dist" not in value and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def split_day(start: pd.Timestamp, end: pd.Timestamp, holdout: float) -> pd.Timestamp | None:
    """The first day of the scored part: the month start nearest to the last ``holdout`` share of the window (as
    ``funnelsim backtest --holdout``); None when that leaves no whole month to train on or to score."""
    raw = start + (end - start) * (1 - holdout)
    month = raw.to_period("M").to_timestamp()
    after = month + pd.offsets.MonthBegin(1)
    nearest = month if raw - month < after - raw else after
    return pd.Timestamp(nearest) if start < nearest < end else None


def expected_coverage(reps: int, level: float = LEVEL) -> float:
    """The share of new draws a band of ``reps`` replications holds, for a model that fits: ``level`` x (reps - 1)
    / (reps + 1) (see the module docstring).

    >>> round(expected_coverage(8), 3), round(expected_coverage(50), 3)
    (0.622, 0.769)
    """
    return level * (reps - 1) / (reps + 1)


def poor_below(months: int, expected: float) -> int:
    """The fewest months inside the band that a fitting model reaches with probability at least :data:`POOR_P`:
    fewer is poor.

    >>> poor_below(10, 0.8), poor_below(3, 0.8)
    (5, 1)
    """
    return int(next(k for k in range(months + 1) if stats.binom.cdf(k, months, expected) >= POOR_P))


def verdicts(result: Backtest) -> pd.DataFrame:
    """What fits and what does not: coverage of the P10-P90 band per monthly metric (poor: see the module
    docstring), each rate against its P10-P90 band, the cycle's KS statistic against its critical value at
    :data:`KS_ALPHA`."""
    rows = []
    expected = expected_coverage(result.reps)
    for r in result.coverage[np.isclose(result.coverage["level"], LEVEL)].itertuples(index=False):
        months, inside = int(r.months), int(r.inside)
        least = poor_below(months, expected) if months else 0
        rows.append({"check": f"{r.metric}: months inside the P10-P90 band", "actual": float(r.coverage),
                     "expected_low": least / months if months else math.nan, "expected_high": expected,
                     "detail": f"{inside} of {months} months", "fits": inside >= least})
    for r in result.rates.itertuples(index=False):
        rows.append({"check": str(r.metric), "actual": float(r.actual), "expected_low": float(r.p10),
                     "expected_high": float(r.p90), "detail": "simulated P10-P90", "fits": bool(r.inside)})
    n, m = len(result.actual_cycles), len(result.simulated_cycles)
    if n and m:
        critical = math.sqrt(-math.log(KS_ALPHA / 2) / 2) * math.sqrt((n + m) / (n * m))
        rows.append({"check": "won-cycle length (KS statistic)", "actual": result.ks, "expected_low": 0.0,
                     "expected_high": critical, "detail": f"{n} actual won cycles", "fits": result.ks <= critical})
    return pd.DataFrame(rows, columns=["check", "actual", "expected_low", "expected_high", "detail", "fits"])


def _dates(mapping: Mapping | None) -> tuple[pd.Timestamp | None, pd.Timestamp | None, pd.Timestamp | None]:
    if mapping is None:
        return None, None, None
    s = mapping.source
    return tuple(pd.Timestamp(d) if d is not None else None  # type: ignore[return-value]
                 for d in (s.as_of, s.complete_from, s.created_until))


def trust(export_deals: pd.DataFrame, base: Scenario, seed: int, reps: int, *, mapping: Mapping | None = None,
          holdout: float = HOLDOUT, durations: Durations = "parametric",
          source: str = "the export", calibration: Calibration | None = None) -> tuple[Scenario, Section]:
    """Section 2: the scenario calibrated on the whole export (what the plan simulates) and the held-out backtest
    that says how far to trust it (``reps`` replications from ``seed``).

    Keywords: ``mapping`` (its ``[source]`` dates set the window; None: the deals schema, the window where
    arrivals are steady), ``holdout`` (the scored share, 0 < holdout < 1), ``durations`` (as ``calibrate``),
    ``source`` (the export's name in the scenario and the messages), ``calibration`` (the whole export's, when the
    caller already has it: it is not fitted again)."""
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must lie between 0 and 1, got {holdout}")
    as_of, since, created_until = _dates(mapping)
    start, end = window(export_deals, as_of, since)
    arrivals_end = min(end, created_until.normalize() + DAY) if created_until is not None else end
    cal = calibration if calibration is not None else calibrate(
        export_deals, source=source, as_of=as_of, since=since, created_until=created_until, durations=durations)
    scenario = calibrated_scenario(cal, base, source)
    notes = sections(cal, base)[1]
    caveats = [f"Calibration: {note}" for note in notes if "base scenario" in note]
    tested = [f"Calibration: {note}" for note in notes if "base scenario" not in note]
    test_from = split_day(start, end, holdout)
    held = scenario
    if test_from is None:
        caveats.append(f"The window ({start.date()} .. {(end - DAY).date()}) is too short to hold out "
                       f"{holdout:.0%} of it: the backtest is in-sample and flatters the model.")
    else:
        train = as_seen_at(export_deals, test_from)
        held_cal = calibrate(train, source=f"{source} as seen on {test_from.date()}", as_of=test_from - DAY,
                             since=start, created_until=min(arrivals_end, test_from) - DAY, durations=durations)
        held = calibrated_scenario(held_cal, base, source)
    result = backtest(export_deals, held, Window(start, end, arrivals_end, test_from), reps=reps, seed=seed)
    table = verdicts(result)
    coverage = table[table["check"].str.contains("P10-P90 band")]
    poor = coverage[~coverage["fits"].astype(bool)]
    if len(coverage) and coverage["expected_low"].min() == 0:
        caveats.append(f"Only {result.coverage['months'].max()} months scored: even none inside the band would not "
                       "be far below what a fitting model gives; coverage cannot judge the model.")
    headline = _headline(table, poor, result, test_from)
    lines = [_line(r) for r in table.itertuples(index=False)]
    lines.append(f"Calibrated on {cal.deals} deals created {cal.start.date()} .. {(cal.end - DAY).date()}: "
                 f"{cal.arrivals.rate_per_week.value:.2f} arrivals a week, "
                 + (f"win rate {style.percent(cal.win_rate.value)}" if cal.dated_losses
                    else f"{style.percent(cal.conversion.value)} of created deals won (wins only)")
                 + f"; the plan simulates this scenario. Bands hold {result.band}.")
    lines += tested
    misfits = table[~table["fits"].astype(bool)]
    if len(misfits):
        lines.append("Outside what the model simulates: " + "; ".join(misfits["check"]) + f" (with {reps} "
                     f"replications a P10-P90 band misses a value of a fitting model "
                     f"{style.percent(1 - expected_coverage(reps))} of the time; the KS test at {KS_ALPHA:.0%}).")
    title = "won deals per month, held out" if test_from is not None else "won deals per month (in-sample)"
    return scenario, Section(key="trust", title="How far to trust the model", headline=headline, lines=tuple(lines),
                             table=table, figure=monthly_band(result, "won deals", title=title),
                             caveats=tuple(caveats), warning=len(poor) > 0)


def _line(r: Any) -> str:
    verdict = "fits" if r.fits else "does NOT fit"
    if "band" in r.check:
        return (f"{r.check}: {style.percent(r.actual)} ({r.detail}; a fitting model with these replications: about "
                f"{style.percent(r.expected_high)}, poor below {style.percent(r.expected_low)}), {verdict}.")
    if "KS" in r.check:
        return (f"Won-cycle length: KS statistic {style.number(r.actual, 3)} ({r.detail}; critical value at "
                f"{KS_ALPHA:.0%}: {style.number(r.expected_high, 3)}), {verdict}.")
    return (f"{r.check}: actual {style.number(r.actual, 3)}, simulated P10-P90 {style.number(r.expected_low, 3)} - "
            f"{style.number(r.expected_high, 3)}, {verdict}.")


def _headline(table: pd.DataFrame, poor: pd.DataFrame, result: Backtest, test_from: pd.Timestamp | None) -> str:
    scored = f"{result.reps} replications" + (f", months from {test_from.date()} held out" if test_from else
                                               ", in-sample")
    if len(poor):
        worst = poor.iloc[0]
        return (f"Do not trust the model's monthly forecasts yet: its P10-P90 band held the actual "
                f"{worst['check'].split(':')[0]} in only {worst['detail']} ({style.percent(worst['actual'])}; a "
                f"fitting model: about {style.percent(worst['expected_high'])}, poor below "
                f"{style.percent(worst['expected_low'])}); {scored}.")
    won = table.iloc[0]
    held = f"its P10-P90 band held {won['detail']} ({style.percent(won['actual'])})"
    misfits = table[~table["fits"].astype(bool)]
    tail = f"; outside what it simulates: the {', '.join(misfits['check'])}" if len(misfits) else ""
    if won["expected_low"] == 0:
        return f"Too few months scored to judge the monthly forecasts ({held}){tail}; {scored}."
    if won["actual"] >= won["expected_high"]:
        return (f"The model's monthly won deals fit the held-out months ({held}; a fitting model: about "
                f"{style.percent(won['expected_high'])}){tail}; {scored}.")
    return (f"The monthly won deals are not far enough outside the model's band to call it poor ({held}; a fitting "
            f"model: about {style.percent(won['expected_high'])}, poor below {style.percent(won['expected_low'])})"
            f"{tail}; {scored}.")
