"""``funnelsim plan`` end to end on a scenario file with few replications, and its bad inputs (exit status 2, one
line, nothing written)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import EXIT_BAD_INPUT, main
from tests.conftest import FIXTURES

ENGINEERS = FIXTURES / "engineer_bound.toml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main(["plan", *(str(a) for a in argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_scenario_file_gives_the_page_and_the_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan"
    code, printed, _ = _run(capsys, ENGINEERS, "--reps", "8", "--workers", "1", "--out", out)
    assert code == 0
    for name in ("plan.html", "plan.png", "plan.md", "fixes.csv", "target.csv", "cro.csv"):
        assert (out / name).stat().st_size > 0, name
    assert pd.read_csv(out / "fixes.csv")["fix"].iloc[0] == "extra_solution_engineer"
    assert "Recommended: Hire one more solution engineer" in printed
    assert (out / "plan.md").read_text().index("## Recommendation") < (out / "plan.md").read_text().index("## 3.")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--probability", "1.5"], "--probability: 1.5"),
        (["--fixes", "no/such/folder"], "no/such/folder: --fixes"),
        (["--mapping", str(FIXTURES / "tiny.toml")], "--mapping: only for a CRM export"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             extra: list[str], message: str) -> None:
    code, _, err = _run(capsys, ENGINEERS, "--reps", "2", "--workers", "1", "--out", tmp_path / "o", *extra)
    assert code == EXIT_BAD_INPUT
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, tmp_path / "nope.toml", "--out", tmp_path / "o")
    assert code == EXIT_BAD_INPUT
    assert "nope.toml: file not found" in err
    assert not (tmp_path / "o").exists()


def test_an_export_without_its_mapping_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "deals.csv"
    export.write_text("id,stage\n1,won\n")
    code, _, err = _run(capsys, export, "--out", tmp_path / "o")
    assert code == EXIT_BAD_INPUT
    assert "--mapping: a CRM export needs its mapping" in err
