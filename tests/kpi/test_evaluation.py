"""QTE velocity and the POV rates on a hand-made funnel (see the ``funnel_deals`` fixture)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.kpi import evaluation


def test_qte_velocity(funnel_deals):
    result = evaluation.qte_velocity(funnel_deals)
    assert result.deals == 6
    assert result.mean_days == pytest.approx((101 + 45 + 22 + 69 + 30 + 80) / 6)
    assert result.median_days == pytest.approx((45 + 69) / 2)
    q1 = evaluation.qte_velocity(funnel_deals, "2027Q1")
    assert (q1.deals, q1.mean_days) == (4, pytest.approx((45 + 22 + 69 + 30) / 4))


def test_signed_only_velocity_leaves_the_drop_outs_out(funnel_deals):
    """Issue 11, defect 8: drop-outs make the velocity look faster, so the signed-only velocity stands beside it."""
    signed = evaluation.qte_velocity_signed(funnel_deals)
    assert signed.deals == 2 and signed.mean_days == pytest.approx((101 + 45) / 2)  # the two won deals


def test_qte_velocity_empty_period_is_nan(funnel_deals):
    result = evaluation.qte_velocity(funnel_deals, "2026Q1")
    assert result.deals == 0 and math.isnan(result.mean_days) and math.isnan(result.median_days)


def test_evaluation_completion_rate(funnel_deals):
    rate = evaluation.evaluation_completion_rate(funnel_deals)
    assert (rate.successes, rate.decided) == (4, 6)  # the open POV is undecided; the queue drop never finished
    assert math.isnan(evaluation.evaluation_completion_rate(funnel_deals, "2027Q2").value)


def test_pov_to_pipeline(funnel_deals):
    rate = evaluation.pov_to_pipeline(funnel_deals)
    assert (rate.successes, rate.decided) == (3, 5)
    assert rate.value == pytest.approx(0.6)


def test_three_win_rates_each_say_their_denominator(funnel_deals):
    """Issue 11, defect 7: one "win rate" of 16 % hid that its denominator held the disqualified prospects."""
    assert evaluation.pov_win_rate(funnel_deals).as_dict() == {"successes": 2, "decided": 5, "value": 0.4}
    lead = evaluation.lead_to_win_rate(funnel_deals)
    assert (lead.successes, lead.decided) == (2, 8)  # every closed deal, the disqualified one included
    negotiation = evaluation.negotiation_win_rate(funnel_deals)
    assert (negotiation.successes, negotiation.decided) == (2, 3)


def test_founder_involvement_reduction_rate(funnel_deals):
    rate = evaluation.founder_involvement_reduction_rate(funnel_deals)
    assert (rate.successes, rate.decided) == (1, 2)
    q1 = evaluation.founder_involvement_reduction_rate(funnel_deals, "2027Q1")
    assert (q1.successes, q1.decided) == (1, 1)


def test_rates_without_optional_columns(deals_table):
    # A CRM export without pov_completed: a deal that reached negotiation completed its evaluation.
    deals = deals_table(
        [
            dict(
                outcome="won",
                acv=1.0,
                data_access_granted="2027-01-01",
                pov_started="2027-01-02",
                pov_ended="2027-02-01",
                negotiation_started="2027-02-05",
                closed="2027-03-01",
            ),
            dict(
                outcome="lost",
                acv=1.0,
                data_access_granted="2027-01-01",
                pov_started="2027-01-02",
                pov_ended="2027-02-01",
                closed="2027-02-01",
            ),
        ]
    ).drop(columns=["pov_completed"])
    with pytest.raises(Exception, match="pov_completed"):
        evaluation.evaluation_completion_rate(deals)
    assert evaluation.pov_to_pipeline(deals).value == 0.5


def _pov_running_at_start(deals_table, **extra):
    """A POV already running on the table's first day: it has a start but no data-access date."""
    row = dict(outcome="won", acv=1.0, arrived="2026-11-01", pov_started="2026-12-20", pov_ended="2027-02-01",
               pov_completed=True, negotiation_started="2027-02-10", closed="2027-03-01")
    return {**row, **extra}


def test_completion_counts_the_povs_running_on_the_start_date(deals_table):
    """Issue 11, defect 2: 2027Q1 showed 0 % (red) where 3 of 5 POVs completed, because the POVs open on the start
    date have no data-access date. Completion and POV-to-pipeline count one population."""
    rows = [_pov_running_at_start(deals_table, id=f"P{k}") for k in range(3)]
    rows += [_pov_running_at_start(deals_table, id=f"S{k}", outcome="lost", pov_completed=False,
                                   negotiation_started=None, closed="2027-02-01") for k in range(2)]
    deals = deals_table(rows)
    completion = evaluation.evaluation_completion_rate(deals, "2027Q1")
    assert (completion.successes, completion.decided) == (3, 5)
    pipeline = evaluation.pov_to_pipeline(deals, "2027Q1")
    assert (pipeline.successes, pipeline.decided) == (3, 5)


def test_an_extended_evaluation_ends_with_its_extension(deals_table):
    """Issue 11, defect 3: the POV's end and the extension's end are apart; the evaluation is dated by the later."""
    deals = deals_table([dict(
        outcome="lost", acv=1.0, arrived="2027-01-01", data_access_granted="2027-01-10", pov_started="2027-01-10",
        pov_ended="2027-03-20", pov_completed=True, extended=True, extension_requested="2027-03-25",
        extension_started="2027-04-10", extension_ended="2027-04-30", closed="2027-05-05",
    )])
    assert evaluation.evaluation_end(deals).iloc[0] == pd.Timestamp("2027-04-30")
    assert evaluation.evaluation_completion_rate(deals, "2027Q1").decided == 0
    assert evaluation.evaluation_completion_rate(deals, "2027Q2").as_dict()["value"] == 1.0
