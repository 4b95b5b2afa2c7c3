"""The ``funnelsim`` command: bad input is one line on stderr and exit status 2; run, validate and schema work;
outputs are written atomically."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulation.cli import EXIT_BAD_INPUT, main
from simulation.engine import simulate
from simulation.loader import load_scenario
from simulation.tables import CASH, TABLES, read_csv
from tests.conftest import FIXES, FIXTURES, ROOT, SCENARIOS
from tests.simulation.bad_inputs import ALL_CASES, BASE, Bad

TINY = FIXTURES / "tiny.toml"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, command: str, case: Bad, folder: Path) -> None:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert err.startswith(f"funnelsim {command}: {case.prefix(folder)}"), err
    assert case.problem in err, err


# --- every bad input, through both commands -----------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(("kind", "case"), ALL_CASES, ids=[f"{k}-{c.id}" for k, c in ALL_CASES])
def test_bad_input_is_one_line_and_exit_2(
    command: str, kind: str, case: Bad, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, fixes = case.write(tmp_path)
    out_dir = tmp_path / "out"
    argv: list[str | Path] = [command, scenario, *(a for f in fixes for a in ("--fix", f))]
    if command == "run":
        argv += ["--out", out_dir]
    code, out, err = run_cli(capsys, *argv)
    assert code == EXIT_BAD_INPUT == 2
    assert out == ""
    assert_one_line_error(err, command, case, tmp_path)
    assert not out_dir.exists()  # nothing is written for a bad scenario


def test_run_refuses_an_out_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    target.write_text("not a folder")
    code, out, err = run_cli(capsys, "run", TINY, "--out", target)
    assert (code, out) == (2, "")
    assert err == f"funnelsim run: {target}: --out exists and is not a folder\n"


# --- the real console script (a separate process: nothing in-process can hide a traceback) -------------------


def console(*argv: str | Path) -> list[str]:
    script = Path(sys.executable).parent / "funnelsim"
    prefix = [str(script)] if script.exists() else [sys.executable, "-m", "simulation.cli"]
    return [*prefix, *(str(a) for a in argv)]


def test_console_script(tmp_path: Path) -> None:
    """Bad input through the installed script, in a separate process: exit 2, one line, no traceback."""
    case = next(c for k, c in ALL_CASES if k == "fix" and c.id == "misspelt_key")
    base, fixes = case.write(tmp_path)
    done = subprocess.run(console("run", base, "--fix", fixes[0], "--out", tmp_path / "out"), capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert_one_line_error(done.stderr, "run", case, tmp_path)
    assert not (tmp_path / "out").exists()


# --- good input ----------------------------------------------------------------------------------------------


def test_validate_an_extending_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    fix = SCENARIOS / "fixes" / "self_serve_sandbox.toml"
    code, out, err = run_cli(capsys, "validate", SCENARIOS / "ml_company.toml", "--fix", fix)
    assert (code, err) == (0, "")
    assert "valid scenario 'ML company baseline'" in out
    assert f"fix self_serve_sandbox from day 90: pov.duration_days  ({fix})" in out


def test_validate_lists_fixes_in_start_day_order(capsys: pytest.CaptureFixture[str]) -> None:
    by_name = {p.stem: p for p in FIXES}
    code, out, err = run_cli(capsys, "validate", BASE, "--fix", by_name["simplified_pov"],
                             "--fix", by_name["extra_solution_engineer"])
    assert (code, err) == (0, "")
    lines = [line for line in out.splitlines() if not line.startswith("    ")]  # each key's change is indented
    assert lines[0] == f"{BASE}: valid scenario 'AI startup baseline', 546 days from 2027-01-04"
    assert lines[1].startswith("  fix extra_solution_engineer from day 60: pov.solution_engineers")
    assert lines[2].startswith("  fix simplified_pov from day 90: pov.completion_probability")
    assert lines[3] == "  3 parameter regime(s)"


def test_run_writes_the_four_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fix = SCENARIOS / "fixes" / "extra_solution_engineer.toml"
    code, out, err = run_cli(capsys, "run", BASE, "--fix", fix, "--seed", "7", "--out", tmp_path)
    assert (code, err) == (0, "")
    assert "AI startup baseline | seed 7" in out and "fixes: extra_solution_engineer (day 60)" in out
    expected = simulate(load_scenario(BASE, [fix]), 7)
    for name, schema in TABLES.items():
        table = read_csv(tmp_path / f"{name}.csv", schema, required=tuple(schema))
        assert list(table.columns) == list(schema)
        assert len(table) > 0
        pd.testing.assert_frame_equal(table, getattr(expected, name).reset_index(drop=True), check_exact=False,
                                      rtol=1e-12)
    # Timestamps to the second, as a CRM has them (issue 11, defect 13: "01:51:42.748415859" before).
    text = (tmp_path / "deals.csv").read_text() + (tmp_path / "revenue.csv").read_text()
    assert re.search(r"\d{2}:\d{2}:\d{2}\.\d", text) is None
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},", text) is not None
    saved = json.loads((tmp_path / "scenario.json").read_text())
    assert saved["scenario"]["name"] == "AI startup baseline"
    assert [f["name"] for f in saved["fixes"]] == ["extra_solution_engineer"]
    # The shipped baseline turns [billing] on: its cash table is written too, and reads back as written.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cash.csv", "deals.csv", "resources.csv", "revenue.csv", "scenario.json", "spend.csv",
    ]
    cash = read_csv(tmp_path / "cash.csv", CASH, required=tuple(CASH))
    pd.testing.assert_frame_equal(cash, expected.extra["cash"], check_exact=False, rtol=1e-12)


# --- schema --------------------------------------------------------------------------------------------------


def schema_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    return json.loads(_schema_text(capsys, argv))


def _schema_text(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> str:
    if argv not in _SCHEMAS:  # building the schema takes a while: once per argument list
        code, out, err = run_cli(capsys, "schema", *argv)
        assert (code, err) == (0, "")
        _SCHEMAS[argv] = out
    return _SCHEMAS[argv]


_SCHEMAS: dict[tuple[str, ...], str] = {}


def problems(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    """A small JSON Schema checker (the keywords pydantic emits), enough to check files against the schema.

    ``jsonschema`` is not a dependency of the project, so this covers: $ref, if/then/else, anyOf, oneOf, type, enum,
    const, minimum/maximum (exclusive too), minItems/maxItems, minLength, properties, required, additionalProperties,
    items. ``format`` and ``discriminator`` are annotations only.
    """
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return problems(value, target, root, at)
    found: list[str] = []
    if "if" in schema:
        branch = "then" if not problems(value, schema["if"], root, at) else "else"
        found += problems(value, schema.get(branch, {}), root, at)
    if "anyOf" in schema and all(problems(value, s, root, at) for s in schema["anyOf"]):
        found.append(f"{at}: matches none of anyOf")
    if "oneOf" in schema:
        matching = sum(not problems(value, s, root, at) for s in schema["oneOf"])
        if matching != 1:
            found.append(f"{at}: matches {matching} of oneOf")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(_is(value, k) for k in kinds):
            return [*found, f"{at}: {value!r} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{at}: {value!r} != {schema['const']!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        for key, ok in (("minimum", value >= schema.get("minimum", value)),
                        ("maximum", value <= schema.get("maximum", value)),
                        ("exclusiveMinimum", "exclusiveMinimum" not in schema or value > schema["exclusiveMinimum"]),
                        ("exclusiveMaximum", "exclusiveMaximum" not in schema or value < schema["exclusiveMaximum"])):
            if not ok:
                found.append(f"{at}: {value!r} breaks {key} {schema[key]}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        found.append(f"{at}: shorter than {schema['minLength']}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            found.append(f"{at}: {len(value)} items")
        for i, item in enumerate(value):
            found += problems(item, schema.get("items", {}), root, f"{at}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{at}.{k}: required" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            if key in properties:
                found += problems(item, properties[key], root, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{at}.{key}: not allowed")
    return found


def _is(value: Any, kind: str) -> bool:
    return {
        "object": isinstance(value, dict), "array": isinstance(value, list), "string": isinstance(value, str),
        "boolean": isinstance(value, bool), "null": value is None,
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
    }[kind]


def as_json(path: Path) -> Any:
    """A TOML file as an editor's schema checker sees it: JSON types, dates as strings."""
    return json.loads(json.dumps(tomllib.loads(path.read_text(encoding="utf-8")), default=str))


def test_schema_prints_both_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    both = schema_json(capsys)
    assert set(both) == {"scenario", "fix"}
    complete = both["scenario"]["$defs"]["ScenarioFile"]
    assert set(complete["required"]) >= {"scenario", "arrivals", "tiers", "pov", "retention", "spend"}
    assert "extends" in complete["properties"] and "fixes" not in complete["properties"]
    assert both["scenario"]["then"] == {"$ref": "#/$defs/PartialScenarioFile"}  # extending files: all optional
    assert "required" not in both["scenario"]["$defs"]["PartialScenarioFile"]
    assert both["scenario"]["$defs"]["Fixed"]["required"][0] == "dist"
    assert "fix" in both["fix"]["required"] and "arrivals" not in both["fix"]["properties"]
    assert schema_json(capsys, "--kind", "scenario") == both["scenario"]
    assert schema_json(capsys, "--kind", "fix") == both["fix"]


def test_shipped_base_scenario_conforms_to_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = schema_json(capsys, "--kind", "scenario")
    for path in (BASE, TINY):
        assert problems(as_json(path), schema, schema) == [], path


@pytest.mark.parametrize("path", FIXES, ids=lambda p: p.stem)
def test_shipped_fixes_conform_to_the_schema(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = schema_json(capsys, "--kind", "fix")
    assert problems(as_json(path), schema, schema) == []


def test_an_extending_scenario_conforms_to_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = schema_json(capsys, "--kind", "scenario")
    assert problems(as_json(SCENARIOS / "ml_company.toml"), schema, schema) == []


def test_the_schema_checker_is_not_vacuous(capsys: pytest.CaptureFixture[str]) -> None:
    schema = schema_json(capsys, "--kind", "scenario")
    good = as_json(BASE)
    for edit, expected in (
        (lambda d: d["pov"].update(completion_probability=1.3), "$.pov.completion_probability: 1.3 breaks maximum"),
        (lambda d: d["pov"].update(completion_probabilty=0.6), "$.pov.completion_probabilty: not allowed"),
        (lambda d: d["pov"].update(solution_engineers="two"), "$.pov.solution_engineers: 'two' is not"),
        (lambda d: d["pov"]["duration_days"].update(dist="triangle"), "$.pov.duration_days: matches 0 of oneOf"),
        (lambda d: d.pop("spend"), "$.spend: required"),
    ):
        bad = json.loads(json.dumps(good))
        edit(bad)
        assert any(p.startswith(expected) for p in problems(bad, schema, schema)), expected


def test_schema_tables_lists_every_column(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "schema", "--tables")
    assert (code, err) == (0, "")
    for name, schema in TABLES.items():
        assert f"## {name}" in out
        block = out.split(f"## {name}\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert [line.split()[0] for line in block] == list(schema)
        assert [line.split()[1] for line in block] == [kind for kind, _ in schema.values()]


# --- atomic outputs ------------------------------------------------------------------------------------------


@pytest.fixture
def previous_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[Path, dict[str, bytes]]]:
    out = tmp_path / "out"
    assert run_cli(capsys, "run", TINY, "--seed", "1", "--out", out)[0] == 0
    yield out, {p.name: p.read_bytes() for p in out.iterdir()}


def crash_on_call(monkeypatch: pytest.MonkeyPatch, call: int, error: BaseException) -> list[Path]:
    """Make the ``call``-th ``DataFrame.to_csv`` write half of its file, then fail with ``error``."""
    real = pd.DataFrame.to_csv
    seen: list[Path] = []

    def half_then_fail(self: pd.DataFrame, path: Any = None, **kwargs: Any) -> Any:
        seen.append(Path(path))
        if len(seen) < call:
            return real(self, path, **kwargs)
        text = real(self, None, **kwargs)
        Path(path).write_text(text[: len(text) // 2])
        raise error

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    return seen


def test_ctrl_c_mid_write_keeps_the_previous_file(
    previous_run: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, before = previous_run
    seen = crash_on_call(monkeypatch, 2, KeyboardInterrupt())  # deals.csv written, revenue.csv interrupted
    code, _, err = run_cli(capsys, "run", TINY, "--seed", "2", "--out", out)
    assert code == 130
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err
    assert seen[1].parent == out and seen[1].name != "revenue.csv"  # pandas wrote to a temporary file...
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # ...which is gone
    assert (out / "revenue.csv").read_bytes() == before["revenue.csv"]  # the old revenue table, whole
    assert (out / "deals.csv").read_bytes() != before["deals.csv"]  # the new deals table, whole
    read_csv(out / "deals.csv", TABLES["deals"], required=tuple(TABLES["deals"]))


def test_a_crash_mid_write_keeps_the_previous_file(
    previous_run: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, before = previous_run
    crash_on_call(monkeypatch, 1, OSError(28, "No space left on device"))
    assert main(["run", str(TINY), "--seed", "2", "--out", str(out)]) == 2  # a full disk is one line, exit 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == sorted(before)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_crash_on_the_first_run_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    crash_on_call(monkeypatch, 1, RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        main(["run", str(TINY), "--out", str(tmp_path / "out")])
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [["run", str(BASE)], ["frobnicate"], ["run", str(BASE), "--seed", "x", "--out", "o"], []],
    ids=["missing --out", "unknown command", "bad --seed", "no command"],
)
def test_usage_errors_are_one_line_too(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.count("\n") == 1 and err.startswith("funnelsim") and "--help" in err
