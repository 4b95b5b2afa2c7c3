"""Fixes on the command line: ``validate --fix`` shows each key's ``before -> after``; warnings (no effect, values
replaced by a later fix, clipped) go to stderr without stopping the command; the fix schema takes relative values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.simulation.test_cli import problems, run_cli, schema_json

TINY = FIXTURES / "tiny.toml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_prints_before_and_after_for_every_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path / "base.toml", f'extends = "{TINY}"\n[pov]\nduration_days = {{ dist = "triangular", '
                 "low = 45, mode = 60, high = 90 }\nsolution_engineers = 3\ncompletion_probability = 0.6\n")
    fix = write(tmp_path / "fix.toml", '[fix]\nname = "faster"\nstart_day = 30\n[pov]\n'
                "duration_days = { scale = 0.7 }\nsolution_engineers = { add = 1 }\ncompletion_probability = 0.75\n")
    code, out, err = run_cli(capsys, "validate", base, "--fix", fix)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1] == (f"  fix faster from day 30: pov.solution_engineers, pov.duration_days, "
                        f"pov.completion_probability  ({fix})")
    assert lines[2:5] == [
        "    pov.solution_engineers: 3 -> 4  ({ add = 1 })",
        "    pov.duration_days: triangular(low=45, mode=60, high=90) -> triangular(low=31.5, mode=42, high=63)  "
        "({ scale = 0.7 })",
        "    pov.completion_probability: 0.6 -> 0.75",
    ]


def test_validate_warns_on_stderr_and_still_succeeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    same = write(tmp_path / "same.toml", '[fix]\nname = "same"\nstart_day = 10\n[pov]\nsolution_engineers = 1\n')
    hire = write(tmp_path / "hire.toml", '[fix]\nname = "hire"\nstart_day = 20\n[pov]\nsolution_engineers = 2\n')
    more = write(tmp_path / "more.toml", '[fix]\nname = "more"\nstart_day = 30\n[pov]\n'
                 "completion_probability = { add = 0.2 }\n")
    code, out, err = run_cli(capsys, "validate", TINY, "--fix", more, "--fix", hire, "--fix", same)
    assert code == 0 and "4 parameter regime(s)" in out  # days 0, 10, 20, 30
    assert err.splitlines() == [
        "funnelsim validate: warning: same: no effect: pov.solution_engineers is already 1",
        "funnelsim validate: warning: hire: pov.solution_engineers is set by both same (day 10) and hire (day 20): "
        "the absolute value of hire replaces what same set; write it as { add = ... } or { scale = ... } to build "
        "on it",
        "funnelsim validate: warning: more: pov.completion_probability: 1 + 0.2 = 1.2 is above 1; clipped to 1",
        "funnelsim validate: warning: more: no effect: pov.completion_probability is already 1",
    ]
    assert "  fix same from day 10: pov.solution_engineers" in out and "    pov.solution_engineers: 1 -> 1" in out


def test_run_prints_the_warnings_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    same = write(tmp_path / "same.toml", '[fix]\nname = "same"\nstart_day = 10\n[pov]\nsolution_engineers = 1\n')
    code, out, err = run_cli(capsys, "run", TINY, "--fix", same, "--out", tmp_path / "out")
    assert code == 0 and "fixes: same (day 10)" in out
    assert err == "funnelsim run: warning: same: no effect: pov.solution_engineers is already 1\n"


# --- the schema ----------------------------------------------------------------------------------------------


def test_the_fix_schema_takes_relative_forms_and_only_those(capsys: pytest.CaptureFixture[str]) -> None:
    schema = schema_json(capsys, "--kind", "fix")  # the shipped fixes are checked in test_cli.py
    good = {"fix": {"name": "x"}, "pov": {"solution_engineers": {"add": 1}, "duration_days": {"scale": 0.7},
                                          "completion_probability": {"add": 0.15}},
            "spend": {"marketing_per_month": {"scale": 1.2}}}
    assert problems(good, schema, schema) == []
    for section, key, value in (
        ("pov", "solution_engineers", {"add": 1.5}),  # a count takes whole numbers
        ("pov", "duration_days", {"add": 10}),  # a distribution is scaled, not added to
        ("pov", "duration_days", {"scale": 0}),
        ("pov", "completion_probability", {"mul": 2}),
        ("pov", "completion_probability", {"add": 0.1, "scale": 2}),
        ("data_quality", "on_fail", {"add": 1}),
    ):
        bad = {"fix": {"name": "x"}, section: {key: value}}
        assert any(p.startswith(f"$.{section}") for p in problems(bad, schema, schema)), (key, value)
