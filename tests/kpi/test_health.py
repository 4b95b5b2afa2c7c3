"""Health checks as data."""

from __future__ import annotations

import math

import pytest

from analysis.kpi import health
from simulation.scenario import Targets


def test_health_checks_table():
    values = {
        "c2re": 2.0,
        "qte_velocity_days": 30.0,
        "evaluation_completion_rate": 0.35,
        "pov_to_pipeline": 0.5,
        "grr_model": 0.55,
        "grr_account": 0.82,
        "nnarr_pace": 0.9,
        "spend": 10.0,
        "ignored": 1.0,
    }
    table = health.health_checks(values)
    assert list(table.columns) == ["metric", "value", "status", "advice", "threshold"]
    statuses = dict(zip(table["metric"], table["status"], strict=True))
    assert statuses == {
        "nnarr_pace": "yellow",
        "c2re": "red",
        "qte_velocity_days": "green",
        "evaluation_completion_rate": "red",
        "pov_to_pipeline": "green",
        "grr_model": "red",
        "grr_account": "green",
    }
    assert table["advice"].str.len().gt(0).all()


def test_undefined_c2re():
    nan = math.nan
    assert health.health_checks({"c2re": nan, "spend": 5.0})["status"].tolist() == ["red"]
    assert health.health_checks({"c2re": nan, "spend": 0.0})["status"].tolist() == ["n/a"]


def test_missing_values_are_not_measurable():
    for check in (
        health.check_qte_velocity,
        health.check_completion_rate,
        health.check_pov_to_pipeline,
        health.check_grr,
        health.check_nnarr_pace,
    ):
        assert check(math.nan).status == "n/a"


def test_targets_change_thresholds():
    strict = Targets(c2re_max=1.0, c2re_min=0.2, qte_velocity_days=30, qte_velocity_reason="a short POV",
                     grr_min=0.9, green_at=1.2, yellow_at=1.0)
    table = health.health_checks({"c2re": 1.2, "qte_velocity_days": 35.0, "grr_model": 0.85, "nnarr_pace": 1.1}, strict)
    assert table.set_index("metric")["status"].to_dict() == {
        "nnarr_pace": "yellow",
        "c2re": "red",
        "qte_velocity_days": "red",
        "grr_model": "yellow",
    }


def test_a_scenario_qte_target_carries_its_reason_into_the_check():
    """Issue 11, defect 8: article B's 45-day line cannot be met by article A's 45-90-day POV; a scenario sets its
    own target, must say why, and the check names it in place of the article's line."""
    with pytest.raises(ValueError, match="departs from article B's 45: say why in qte_velocity_reason"):
        Targets(qte_velocity_days=75)
    own = Targets(qte_velocity_days=75, qte_velocity_reason="the POV alone runs 45-90 days (article A)")
    check = health.health_checks({"qte_velocity_days": 70.0}, own).iloc[0]
    assert check["status"] == "green"
    assert check["threshold"] == ("< 75 days, the scenario's target: the POV alone runs 45-90 days (article A) "
                                  "(article B's 45 days does not apply)")
    assert health.health_checks({"qte_velocity_days": 70.0}).iloc[0]["threshold"] == "< 45 days (article B)"


def test_nnarr_pace_bands():
    assert [health.check_nnarr_pace(p).status for p in (1.0, 0.8, 0.79)] == ["green", "yellow", "red"]


def test_a_scenarios_default_targets_are_the_articles_thresholds() -> None:
    """The KPI package keeps its own copy of the articles' thresholds (it imports no scenario): keep them equal."""
    from dataclasses import asdict

    from simulation.scenario import Targets

    assert Targets().model_dump() == asdict(health.ARTICLE_TARGETS)
