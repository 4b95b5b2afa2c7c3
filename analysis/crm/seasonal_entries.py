"""The calibrated scenario's ``[seasonality]`` section and the arrival rate that goes with it, with comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.crm.scenario_toml import Entry
from analysis.crm.seasonality_fit import month_note

if TYPE_CHECKING:
    from analysis.crm.calibrate import Calibration


def seasonal_entries(cal: Calibration, out: dict[str, list[Entry]], notes: list[str]) -> None:
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
