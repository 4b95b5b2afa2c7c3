"""Funnel conversion, where deals are lost, and time per stage (waiting vs working) on the hand-made funnel."""

from __future__ import annotations

import pytest

from analysis.kpi import cycle, funnel
from simulation.tables import STAGES


def test_conversion_by_stage(funnel_deals):
    table = funnel.conversion(funnel_deals)
    assert list(table.index) == list(STAGES)
    assert table["entered"].tolist() == [9, 8, 7, 6, 4, 3]
    assert table["advanced"].tolist() == [8, 7, 6, 4, 3, 2]
    assert table["lost"].tolist() == [1, 1, 1, 1, 1, 1]
    assert table["open"].tolist() == [0, 0, 0, 1, 0, 0]
    assert table["conversion"].tolist() == pytest.approx([8 / 9, 7 / 8, 6 / 7, 4 / 5, 3 / 4, 2 / 3])
    assert table["share_of_losses"].tolist() == pytest.approx([1 / 6] * 6)


def test_conversion_for_a_cohort(funnel_deals):
    table = funnel.conversion(funnel_deals, "2027-02")  # only the open POV arrived in February
    assert table["entered"].tolist() == [1, 1, 1, 1, 0, 0]
    assert table.loc["pov", "open"] == 1


def test_loss_stage_inferred_and_later_stages_imply_earlier(funnel_deals, deals_table):
    stages = funnel.loss_stage(funnel_deals).set_axis(funnel_deals["id"]).dropna().to_dict()
    assert stages["negotiation"] == "negotiation" and stages["dq"] == "data_quality"
    loaded_mid_funnel = deals_table(
        [dict(outcome="open", acv=1.0, arrived="2027-01-01", negotiation_started="2027-02-01")]
    )
    assert funnel.entered(loaded_mid_funnel).iloc[0].tolist() == [True] * 6


def test_stage_times_waiting_vs_working(funnel_deals):
    times = funnel.stage_times(funnel_deals)
    won = times[times["id"] == "won_founder"].set_index("stage")
    assert won["days"].to_dict() == {
        "data_quality": 7.0,
        "data_access": 12.0,
        "pov_queue": 10.0,
        "pov": 60.0,
        "validation": 10.0,
        "negotiation": 21.0,
    }
    assert won["waiting_days"].to_dict() == {
        "data_quality": 0.0,
        "data_access": 0.0,
        "pov_queue": 10.0,
        "pov": 0.0,
        "validation": 0.0,
        "negotiation": 5.0,
    }
    assert (won["working_days"] + won["waiting_days"]).equals(won["days"])
    returned = times[times["id"] == "returned"].set_index("stage")
    assert returned.loc["data_quality", ["days", "waiting_days", "working_days"]].tolist() == [63.0, 59.0, 4.0]
    assert returned.loc["data_access", "days"] == 15.0
    assert "open_pov" not in set(times.loc[times["stage"] == "pov", "id"])  # unfinished visits are not timed


def test_stage_times_add_up_to_the_cycle_of_won_deals(funnel_deals):
    times = funnel.stage_times(funnel_deals)
    per_deal = times.groupby("id")["days"].sum()
    cycles = cycle.cycle_days(funnel_deals).set_axis(funnel_deals.loc[cycle.cycle_days(funnel_deals).index, "id"])
    for deal, days in cycles.items():
        assert per_deal[deal] == pytest.approx(days)


def test_summary(funnel_deals):
    summary = funnel.stage_time_summary(funnel_deals)
    assert list(summary.index) == list(STAGES)
    assert summary.loc["pov_queue", "waiting_share"] == 1.0
    # POV: won_founder 60 + won_alone 30 + stalled 12 + unclear 55 + negotiation 47 = 204 deal-days
    assert summary.loc["pov", "total_days"] == pytest.approx(204.0)
    # SE queue: 10 + 0 + 10 + 0 + 30 (gave up) + 4 (open POV, started) + 7 = 61 days
    assert summary.loc["pov_queue", "total_waiting_days"] == pytest.approx(61.0)


def test_summary_of_an_empty_period_keeps_every_stage(funnel_deals):
    summary = funnel.stage_time_summary(funnel_deals, "2026")
    assert summary["visits"].tolist() == [0] * 6 and summary["total_days"].tolist() == [0.0] * 6


def test_the_wait_for_an_extension_engineer_is_waiting_not_pov_work(deals_table):
    """Issue 11, defect 3: an extension overwrote pov_ended, so 16 days queueing for the extension's engineer read
    as POV work and the POV stage as 0 % waiting."""
    deals = deals_table([dict(
        id="x", outcome="won", acv=1.0, arrived="2027-01-01", pov_requested="2027-01-05",
        data_access_granted="2027-01-10", pov_started="2027-01-10", pov_ended="2027-03-20", pov_completed=True,
        extended=True, extension_requested="2027-03-25", extension_started="2027-04-10",
        extension_ended="2027-04-30", validation_passed=True, negotiation_started="2027-05-05",
        closed="2027-06-01",
    )])
    times = funnel.stage_times(deals).set_index("stage")
    assert times.loc["pov", ["days", "waiting_days"]].tolist() == [69.0, 0.0]
    assert times.loc["validation", ["days", "waiting_days", "working_days"]].tolist() == [46.0, 16.0, 30.0]
