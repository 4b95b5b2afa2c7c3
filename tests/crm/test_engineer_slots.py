"""The engineers' POV slots read off a dated queue (analysis.crm.engineer_slots): exact answers on hand-built
tables, then round trips through a HubSpot-style export of companies whose slot count is known."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.crm.calibrate import calibrate
from analysis.crm.calibration_scenario import write_scenario
from analysis.crm.engineer_slots import observed_slots
from analysis.crm.exports import export_deals, import_deals
from analysis.crm.mapping import load_mapping
from simulation import load_scenario, simulate
from tests.conftest import BASE, MAPPINGS

START = pd.Timestamp("2027-01-04")
END = START + pd.Timedelta(days=100)


def day(d: float | None) -> pd.Timestamp:
    return pd.NaT if d is None else START + pd.Timedelta(days=d)


def table(rows: list[tuple[float | None, float | None, float | None]]) -> pd.DataFrame:
    """One deal per (granted, started, ended) day triple; the deal closes when its POV ends."""
    return pd.DataFrame({
        "id": [f"D{k}" for k in range(len(rows))],
        "data_access_granted": [day(g) for g, _, _ in rows],
        "pov_started": [day(s) for _, s, _ in rows],
        "pov_ended": [day(e) for _, _, e in rows],
        "closed": [day(e) for _, _, e in rows],
    })


# Two slots, eight deals granted access on day 0, 10-day POVs: they run in pairs on days 0, 10, 20, 30; six waited
# (10, 10, 20, 20, 30, 30 days) and somebody waited from day 0 to day 30 with both slots busy throughout.
TWO_SLOTS = [(0, 10 * (k // 2), 10 * (k // 2) + 10) for k in range(8)]


def test_two_busy_slots_while_six_deals_wait() -> None:
    seen = observed_slots(table(TWO_SLOTS), START, END)
    assert seen is not None
    assert (seen.slots, seen.waiters, seen.waiting_days, seen.mean_running) == (2, 6, 30.0, 2.0)


def test_no_queue_means_the_capacity_is_not_identified() -> None:
    started_at_once = [(k, k, k + 10) for k in range(20)]  # every POV starts the day access is granted
    assert observed_slots(table(started_at_once), START, END) is None
    four_waited = [(0, 10 * (k // 2), 10 * (k // 2) + 10) for k in range(6)]  # 4 waiters < MIN_WAITERS
    assert observed_slots(table(four_waited), START, END) is None


def test_a_short_same_day_wait_is_not_a_queue() -> None:
    half_day = [(k, k + 0.5, k + 10) for k in range(20)]
    assert observed_slots(table(half_day), START, END) is None


def test_open_intervals_run_to_the_export_date() -> None:
    """One slot held by a POV that has not ended; six deals still waiting at the export date (no start, no close)."""
    rows: list[tuple[float | None, float | None, float | None]] = [(0, 0, None)] + [(k, None, None)
                                                                                  for k in range(1, 7)]
    seen = observed_slots(table(rows), START, END)
    assert seen is not None
    assert (seen.slots, seen.waiters, seen.waiting_days) == (1, 6, 99.0)


def test_deals_created_before_the_window_still_hold_their_slots() -> None:
    """The window starts on day 15: the pairs running then began before it and still count."""
    seen = observed_slots(table(TWO_SLOTS), START + pd.Timedelta(days=15), END)
    assert seen is not None
    assert (seen.slots, seen.waiting_days) == (2, 15.0)


def test_a_dated_extension_holds_an_engineer_again() -> None:
    """One slot; deal 0's extension (days 20-30) takes it back while deals 2-6 wait."""
    frame = table([(0, 0, 10), (0, 10, 20)] + [(0, 30 + 10 * k, 40 + 10 * k) for k in range(5)])
    frame["extension_requested"] = [day(20)] + [pd.NaT] * 6
    frame["extension_started"] = [day(20)] + [pd.NaT] * 6
    frame["extension_ended"] = [day(30)] + [pd.NaT] * 6
    seen = observed_slots(frame, START, END)
    assert seen is not None and seen.slots == 1 and seen.mean_running == 1.0


OVERLOADED = """
extends = "{base}"
[scenario]
name = "round trip: engineers at capacity"
start_date = 2027-01-04
horizon_days = 365
warmup_days = 0
[arrivals]
rate_per_week = 3.0
growth_per_year = 0.0
[data_quality]
check_days = {{ dist = "fixed", value = 2 }}
pass_probability = 1.0
on_fail = "disqualify"
return_probability = 0.0
[pov]
solution_engineers = {engineers}
povs_per_engineer = {per}
data_access_days = {{ dist = "gamma", mean = 10, sd = 4 }}
data_access_probability = 1.0
duration_days = {{ dist = "gamma", mean = 45, sd = 10 }}
completion_probability = 0.8
patience_days = {{ dist = "fixed", value = 1000 }}
[validation]
duration_days = {{ dist = "fixed", value = 5 }}
pass_probability = 0.9
extension_probability = 0.0
[negotiation]
duration_days = {{ dist = "lognormal", mean = 25, sd = 10 }}
win_probability = 0.6
founder_required_probability = 0.0
[cro]
playbook = []
[pipeline]
open = []
"""


@pytest.mark.parametrize(("engineers", "per"), [(1, 1), (2, 1), (1, 3), (2, 2)])
def test_round_trip_recovers_the_slots_of_an_overloaded_company(tmp_path: Path, engineers: int, per: int) -> None:
    """3 POVs a week at 45 days is about 19 POVs wanted at once: 1-4 slots are overloaded, so the queue grows and
    the slots are busy whenever someone waits. Through a HubSpot export (date and time per stage), calibration
    reads the slot count back and the written scenario runs exactly that many POVs at once."""
    truth_path = tmp_path / "truth.toml"
    truth_path.write_text(OVERLOADED.format(base=BASE, engineers=engineers, per=per), encoding="utf-8")
    truth = load_scenario(truth_path)
    as_of = START + pd.Timedelta(days=364)
    mapping = load_mapping(MAPPINGS / "hubspot.toml")
    export = tmp_path / "export.csv"
    export_deals(simulate(truth, seed=1).deals, mapping, as_of=as_of).to_csv(export, index=False)
    deals, _ = import_deals(export, mapping)
    cal = calibrate(deals, source=str(export), as_of=as_of)
    assert cal.pov_slots is not None and cal.pov_slots.slots == engineers * per
    fitted = write_scenario(cal, BASE, tmp_path / "calibrated.toml", "test")
    assert fitted.pov.solution_engineers * fitted.pov.povs_per_engineer == engineers * per
    base_per = load_scenario(BASE).pov.povs_per_engineer
    if (engineers * per) % base_per == 0:  # the base's POVs per engineer is kept when it divides the slots
        assert fitted.pov.povs_per_engineer == base_per
