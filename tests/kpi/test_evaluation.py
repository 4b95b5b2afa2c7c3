"""QTE velocity and the POV rates on a hand-made funnel (see the ``funnel_deals`` fixture)."""

from __future__ import annotations

import math

import pytest

from analysis.kpi import evaluation


def test_qte_velocity(funnel_deals):
    result = evaluation.qte_velocity(funnel_deals)
    assert result.deals == 6
    assert result.mean_days == pytest.approx((101 + 45 + 22 + 69 + 30 + 80) / 6)
    assert result.median_days == pytest.approx((45 + 69) / 2)
    q1 = evaluation.qte_velocity(funnel_deals, "2027Q1")
    assert (q1.deals, q1.mean_days) == (4, pytest.approx((45 + 22 + 69 + 30) / 4))


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


def test_pov_win_rate_and_win_rate(funnel_deals):
    assert evaluation.pov_win_rate(funnel_deals).as_dict() == {"successes": 2, "decided": 5, "value": 0.4}
    assert (evaluation.win_rate(funnel_deals).successes, evaluation.win_rate(funnel_deals).decided) == (2, 8)


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
