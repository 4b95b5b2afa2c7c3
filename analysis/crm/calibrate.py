"""Calibrate: fit the funnel's parameters on a deals table (a mapped CRM export, or a simulated one).

What the data identifies is fitted (:mod:`analysis.crm.fitting`); everything else comes from a base scenario and is
listed as an assumption (:mod:`analysis.crm.calibration_scenario` writes the file).

**Stretches.** The funnel is cut at the stage timestamps the export has. Each stretch, from one dated stage to
the next dated one (the last one to the close), gets one duration fit and one pass probability, carried by its
last stage that has a duration parameter; the other stages in the stretch get duration 0 and probability 1. An
export with only created and closed dates (Maven, Olist) is one stretch: the whole cycle and the win rate sit on
``negotiation``. A HubSpot export with "date entered" properties gives one stretch per stage. The wait for a
solution engineer (data access granted -> POV started) is reported, not fitted: the engine's queue makes it; when
deals did wait, the POVs running meanwhile give the engineers' slot count (:mod:`analysis.crm.engineer_slots`).

In the one-stretch case AIC may add a never-closing share (deals that stay open for ever, e.g. Maven's stale
"Engaging" deals; every unconverted Olist lead). With dated losses it becomes a data-quality disqualification at
entry (they never reach a close, so the win rate among closed deals is unchanged); without dated losses (the
export records wins only) it is part of the loss at the last stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final, Literal

import numpy as np
import pandas as pd

from analysis.crm.engineer_slots import SlotEstimate, observed_slots
from analysis.crm.fitting import (
    ArrivalFit,
    Durations,
    Estimate,
    ExitFit,
    FamilyFit,
    empirical_passed,
    fit_amounts,
    fit_arrivals,
    fit_exits,
    proportion,
)
from analysis.crm.mixture_fit import MixtureFit, fit_mixture
from analysis.crm.seasonality_fit import PaceFit, SeasonalFit, fit_pace, fit_seasonality
from analysis.crm.window import steady_start
from simulation.distributions import Empirical
from simulation.errors import InputError
from simulation.tables import CHANNELS, STAGE_ENTERED, TIERS

DAY: Final = pd.Timedelta(days=1)
MIN_AMOUNTS: Final = 10  # fewer known amounts in a tier: its ACV stays the base scenario's
MIN_CLOSED: Final = 5  # fewer closed deals in a stretch: nothing to fit
DURATION_PARAMETER: Final = {
    "data_quality": ("data_quality", "check_days"),
    "data_access": ("pov", "data_access_days"),
    "pov": ("pov", "duration_days"),
    "validation": ("validation", "duration_days"),
    "negotiation": ("negotiation", "duration_days"),
}
PROBABILITY_PARAMETER: Final = {
    "data_quality": ("data_quality", "pass_probability"),
    "data_access": ("pov", "data_access_probability"),
    "pov": ("pov", "completion_probability"),
    "validation": ("validation", "pass_probability"),
    "negotiation": ("negotiation", "win_probability"),
}


class CalibrationError(InputError):
    """The deals table cannot identify what a scenario needs (e.g. no closed deal at all)."""


@dataclass(frozen=True)
class Stretch:
    """One fitted stretch of the funnel: the stages it covers and the stage that carries the fit."""

    stages: tuple[str, ...]
    start: str  # timestamp column it starts at
    end: str | None  # the next dated stage's column; None: it ends at the close
    carrier: str | None  # None: the solution-engineer queue (reported, not a parameter)
    fit: ExitFit | None
    mean_wait_days: float = float("nan")
    empirical: Empirical | None = None  # with durations="empirical": the carrier's duration, no family
    mixture: MixtureFit | None = None  # two humps, kept when AIC prefers them (analysis.crm.mixture_fit)


@dataclass(frozen=True)
class Calibration:
    """Everything fitted from one deals table, with the window it covers."""

    source: str
    start: pd.Timestamp  # first day of the window (inclusive)
    end: pd.Timestamp  # end of the window (exclusive): the day after as_of
    arrivals_end: pd.Timestamp  # deals created from here on are not in the export (end or a sampling frame)
    deals: int
    left_out: dict[str, int]
    arrivals: ArrivalFit
    tier_shares: dict[str, Estimate] | None
    acv: dict[str, FamilyFit]
    channel_shares: dict[str, Estimate] | None
    stretches: tuple[Stretch, ...]
    win_rate: Estimate  # won / (won + lost) among closed deals (disqualified ones are not sales losses)
    conversion: Estimate  # won / arrived, by the end of the window
    dated_losses: bool
    date_only: dict[str, bool] = field(default_factory=dict)
    seasonality: SeasonalFit | None = None  # calendar effects, tested (analysis.crm.seasonality_fit)
    pov_slots: SlotEstimate | None = None  # engineers' slots read off a dated queue (analysis.crm.engineer_slots)

    @property
    def horizon_days(self) -> int:
        return round((self.end - self.start) / DAY)

    @property
    def one_stretch(self) -> bool:
        return len(self.stretches) == 1


def window(deals: pd.DataFrame, as_of: pd.Timestamp | None, since: pd.Timestamp | None) -> tuple[
        pd.Timestamp, pd.Timestamp]:
    """``[start, end)``: from ``since`` (or where arrivals become steady, :func:`analysis.crm.window.steady_start`)
    to the day after ``as_of`` (inclusive)."""
    stamps = deals.select_dtypes("datetime").stack() if len(deals) else pd.Series(dtype="datetime64[ns]")
    last = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(stamps.max())
    start = pd.Timestamp(since) if since is not None else steady_start(deals).start
    end = last.normalize() + DAY if last == last.normalize() or as_of is None else last
    if end <= start:
        raise CalibrationError(f"the window is empty: starts {start.date()}, ends {end.date()}")
    return start, end


def calibrate(deals: pd.DataFrame, *, source: str = "deals", as_of: pd.Timestamp | None = None,
              since: pd.Timestamp | None = None, created_until: pd.Timestamp | None = None,
              durations: Literal["parametric", "single", "empirical"] = "parametric") -> Calibration:
    """Fit arrivals, tiers, ACV, channels and each stretch of the funnel on ``deals`` (the deals schema).

    The window runs from ``since`` (default: where arrivals become steady) to ``as_of`` (inclusive; default: the
    latest date in the table); deals created outside it are left out, counted. ``created_until`` ends the
    arrivals earlier when the export only holds deals created up to that day. ``durations = "single"`` keeps one
    family per stretch (no two-humped mixture, whose parameters are not drawn per replication);
    ``durations = "empirical"``
    replaces each fitted duration family by the censoring-corrected percentiles of the data.
    """
    start, end = window(deals, as_of, since)
    arrivals_end = min(end, pd.Timestamp(created_until).normalize() + DAY) if created_until is not None else end
    before = deals["arrived"] < start
    after = deals["arrived"] >= arrivals_end
    table = deals[~before & ~after].reset_index(drop=True)
    left_out = {k: int(v) for k, v in (("created before the window (the open pipeline then)", before.sum()),
                                       ("created after the window", after.sum())) if v}
    if table.empty:
        raise CalibrationError(f"{source}: no deal created between {start.date()} and {end.date()}")
    columns = [c for c in STAGE_ENTERED.values() if c in table.columns and table[c].notna().any()] + ["closed"]
    date_only = {c: bool((table[c].dropna() == table[c].dropna().dt.normalize()).all()) for c in columns}
    arrived = _days(table["arrived"], start) + (0.5 if date_only["arrived"] else 0.0)
    arrivals = fit_arrivals(arrived.to_numpy(), (arrivals_end - start) / DAY)
    won = table["outcome"] == "won"
    lost = table["outcome"] == "lost"
    dated_losses = bool((lost & table["closed"].notna()).any())
    stretches = _stretches(table, end, date_only, durations == "empirical", mixtures=durations == "parametric")
    if all(s.fit is None for s in stretches):
        raise CalibrationError(f"{source}: fewer than {MIN_CLOSED} closed deals in the window; nothing to fit")
    seasonality = fit_seasonality(table, start, arrivals_end, arrived.to_numpy(),
                                  trend=arrivals.growth_per_year.value != 0)
    seasonality = replace(seasonality, pace=_pace(table, stretches[-1], start, end, date_only))
    return Calibration(
        source=source, start=start, end=end, arrivals_end=arrivals_end, deals=len(table), left_out=left_out,
        arrivals=arrivals,
        tier_shares=_shares(table["tier"], TIERS), acv=_acv(table), channel_shares=_shares(table["channel"], CHANNELS),
        stretches=stretches, win_rate=proportion(int(won.sum()), int((won | lost).sum())),
        conversion=proportion(int(won.sum()), len(table)), dated_losses=dated_losses, date_only=date_only,
        seasonality=seasonality, pov_slots=observed_slots(deals, start, end),
    )


def _pace(table: pd.DataFrame, last: Stretch, start: pd.Timestamp, end: pd.Timestamp,
          date_only: dict[str, bool]) -> PaceFit | None:
    """The pace of closing by month, on the stretch that ends at the close, with its fitted duration."""
    if last.end is not None or last.carrier != "negotiation" or last.fit is None:
        return None
    passed_fit = last.fit.passed
    duration = (last.empirical if last.empirical is not None else last.mixture.distribution
                if last.mixture is not None else passed_fit.distribution() if passed_fit is not None else None)
    if duration is None:
        return None
    entered, passed, lost_here, _ = stretch_masks(table, last.stages, last.start, [])  # the last stretch: none later
    closes = (passed | lost_here) & table["closed"].notna() & (table["closed"] >= start) & (table["closed"] < end)
    half = {c: 0.5 if date_only.get(c) else 0.0 for c in (last.start, "closed")}
    return fit_pace(_days(table.loc[entered, last.start], start).to_numpy(dtype=float) + half[last.start],
                    _days(table.loc[closes, "closed"], start).to_numpy(dtype=float) + half["closed"],
                    start, end, duration)


def _days(values: pd.Series, origin: pd.Timestamp) -> pd.Series:
    return (values - origin) / DAY


def _shares(values: pd.Series, labels: tuple[str, ...]) -> dict[str, Estimate] | None:
    known = values.dropna()
    if known.empty:
        return None
    return {label: proportion(int((known == label).sum()), len(known)) for label in labels}


def _acv(table: pd.DataFrame) -> dict[str, FamilyFit]:
    fits = {}
    for tier in TIERS:
        values = table.loc[(table["tier"] == tier) & (table["acv"] > 0), "acv"].to_numpy(dtype=float)
        if len(values) >= MIN_AMOUNTS:
            fits[tier] = fit_amounts(values)
    return fits


def _stretches(table: pd.DataFrame, end: pd.Timestamp, date_only: dict[str, bool],
               empirical: bool, mixtures: bool = True) -> tuple[Stretch, ...]:
    present = [(stage, column) for stage, column in STAGE_ENTERED.items() if column in date_only]
    out = []
    for k, (stage, column) in enumerate(present):
        later = present[k + 1:]
        next_stage, next_column = later[0] if later else (None, None)
        names = list(STAGE_ENTERED)
        stages = tuple(names[names.index(stage): names.index(next_stage) if next_stage else len(names)])
        carrier = next((s for s in reversed(stages) if s in DURATION_PARAMETER), None)
        out.append(_fit_stretch(table, stages, column, next_column, [c for _, c in later], carrier, end,
                                date_only, one=len(present) == 1, empirical=empirical,
                                mixtures=mixtures))
    return tuple(out)


def _fit_stretch(
    table: pd.DataFrame,
    stages: tuple[str, ...],
    start: str,
    end_column: str | None,
    later: list[str],
    carrier: str | None,
    end: pd.Timestamp,
    date_only: dict[str, bool],
    *,
    one: bool,
    empirical: bool = False,
    mixtures: bool = True,
) -> Stretch:
    _, passed, lost_here, still_open = stretch_masks(table, stages, start, later)
    exit_column = end_column or "closed"
    timed_pass = passed & table[exit_column].notna()
    timed_lost = lost_here & table["closed"].notna()
    pass_d = _durations(table.loc[timed_pass], start, exit_column, date_only)
    lost_d = _durations(table.loc[timed_lost], start, "closed", date_only)
    ages = (end - table.loc[still_open, start]) / DAY - (0.5 if date_only[start] else 0.0)
    if carrier is None:  # the solution-engineer queue: a wait the engine produces, not a parameter
        wait = pass_d.midpoints()
        return Stretch(stages, start, end_column, None, None, float(wait.mean()) if len(wait) else float("nan"))
    if len(pass_d) < MIN_CLOSED:
        return Stretch(stages, start, end_column, carrier, None)
    open_ages = ages.to_numpy(dtype=float)
    fit = fit_exits(pass_d, lost_d, open_ages, lost_without_duration=int((lost_here & ~timed_lost).sum()),
                    allow_never=one)
    shape = empirical_passed(pass_d, lost_d, open_ages) if empirical else None
    mixture = None if empirical or not mixtures else fit_mixture(pass_d, lost_d, open_ages, fit,
                                                 lost_without_duration=int((lost_here & ~timed_lost).sum()))
    if mixture is not None:  # the shares as fitted with the mixture
        fit = replace(fit, p_pass=mixture.p_pass, never=mixture.never)
    return Stretch(stages, start, end_column, carrier, fit, empirical=shape, mixture=mixture)


def stretch_masks(
    table: pd.DataFrame, stages: tuple[str, ...], start: str, later: list[str]
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Deals that entered a stretch, passed it, were lost in it, and are still open in it.

    Lost in the stretch: by ``lost_stage`` where the export records it, else a lost deal with no later date.
    """
    entered = table[start].notna()
    won = table["outcome"] == "won"
    lost = table["outcome"].isin(["lost", "disqualified"])
    reached_later = table[later].notna().any(axis=1) if later else pd.Series(False, index=table.index)
    lost_here = entered & lost & ~reached_later
    if "lost_stage" in table.columns and table.loc[entered & lost, "lost_stage"].notna().any():
        lost_here = entered & lost & table["lost_stage"].isin(stages).fillna(False).astype(bool)
    passed = entered & (reached_later | won) & ~lost_here
    still_open = entered & ~passed & ~lost_here & (table["outcome"] == "open")
    return entered, passed, lost_here, still_open


def _durations(rows: pd.DataFrame, start: str, stop: str, date_only: dict[str, bool]) -> Durations:
    days = ((rows[stop] - rows[start]) / DAY).to_numpy(dtype=float)
    low = np.maximum(days - (1.0 if date_only.get(start) else 0.0), 0.0)
    high = days + (1.0 if date_only.get(stop) else 0.0)
    return Durations.of(low, high)
