"""An engine queue that does not settle is flagged by the forecast, the health checks and the dashboard."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.commands.forecast import queue_warnings
from analysis.report import dashboard, inputs
from simulation.cli import main
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def overloaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two engineers for the baseline's 12.4 slots of POV work, and prospects who never give up: the queue grows."""
    folder = tmp_path_factory.mktemp("overloaded")
    path = folder / "overloaded.toml"
    text = (SCENARIOS / "ai_startup.toml").read_text(encoding="utf-8")
    text = text.replace("solution_engineers = 3 ", "solution_engineers = 2 ")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("patience_days"))
    path.write_text(text, encoding="utf-8")
    return path


def test_the_forecast_warns_when_the_queue_does_not_settle(overloaded: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    args = ["forecast", str(overloaded), "--reps", "8", "--seed", "4", "--backend", "serial", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "bad")]) == 0
    err = capsys.readouterr().err
    assert "warning: the solution-engineer queue does not settle" in err
    summary = pd.read_csv(tmp_path / "bad" / "summary.csv").set_index("metric")
    assert summary.loc["se_queue_growth", "ci_low"] > 0
    assert main(["forecast", str(SCENARIOS / "ai_startup.toml"), "--reps", "8", "--seed", "4", "--backend", "serial",
                 "--no-progress", "--out", str(tmp_path / "good")]) == 0
    assert "does not settle" not in capsys.readouterr().err


def test_queue_warnings_needs_growth_above_the_limit_and_its_ci_above_zero() -> None:
    def summary(mean: float, low: float) -> pd.DataFrame:
        return pd.DataFrame({"metric": ["se_queue_growth", "se_queue_end"], "mean": [mean, 9.0],
                             "ci_low": [low, 8.0], "ci_high": [mean + 1, 10.0]})

    assert queue_warnings(summary(1.2, 0.6)) and "grows by 1.2 deals a month" in queue_warnings(summary(1.2, 0.6))[0]
    assert not queue_warnings(summary(0.3, 0.1))  # growing, but slowly
    assert not queue_warnings(summary(1.2, -0.4))  # could be noise


def test_health_and_dashboard_flag_the_queue(overloaded: Path, tmp_path: Path) -> None:
    assert main(["run", str(overloaded), "--seed", "4", "--out", str(tmp_path / "run")]) == 0
    dash = dashboard.build(inputs.load(tmp_path / "run"), "2028-W20")
    checks = dash.health.set_index("metric")
    assert checks.loc["se_queue_growth", "status"] == "red"
    assert "Engineer queue growth" in checks.loc["se_queue_growth", "label"]
    assert any("engineer" in action.lower() for action in dash.actions)
