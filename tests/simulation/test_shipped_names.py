"""Shipped names (simulation.shipped): the package's copy of ``scenarios/`` is the repository's folder, a name
resolves to it wherever a file is asked for, an existing path wins, an unknown name is one line listing the
shipped names, and ``funnelsim scenarios`` lists every shipped file with its one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulation import shipped
from simulation.cli import EXIT_BAD_INPUT, build_parser, main
from simulation.loader import ScenarioError, load_scenario
from tests.conftest import SCENARIOS


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working folder outside the repository (restored afterwards)."""
    before = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path  # type: ignore[misc]
    os.chdir(before)


def test_the_packaged_folder_is_the_repository_folder() -> None:
    assert shipped.root().resolve() == SCENARIOS.resolve()
    every = {p.relative_to(SCENARIOS).as_posix() for p in SCENARIOS.rglob("*.toml")}
    named = {p.relative_to(shipped.root()).as_posix()
             for kind in shipped.FOLDERS for p in shipped.shipped(kind).values()}
    assert named == every  # each shipped file has exactly one kind, and every one is reachable by name


def test_names_by_kind() -> None:
    assert list(shipped.shipped("mapping")) == ["hubspot", "maven", "olist", "salesforce"]
    assert shipped.resolve("ai_startup", "scenario") == shipped.root() / "ai_startup.toml"
    assert shipped.resolve("ai_startup.toml", "scenario") == shipped.root() / "ai_startup.toml"
    assert shipped.resolve("scorecard_comp", "scenario") == shipped.root() / "variants" / "scorecard_comp.toml"
    assert shipped.resolve("self_serve_sandbox", "fix") == shipped.root() / "fixes" / "self_serve_sandbox.toml"
    assert shipped.resolve("hubspot", "mapping") == shipped.root() / "mappings" / "hubspot.toml"


def test_an_existing_path_wins(elsewhere: Path) -> None:
    (elsewhere / "ai_startup").write_text("mine\n")
    assert shipped.resolve("ai_startup", "scenario") == Path("ai_startup")


def test_a_repository_path_is_the_packaged_copy_anywhere(elsewhere: Path) -> None:
    assert shipped.resolve("scenarios/fixes/simplified_pov.toml", "fix") == shipped.root() / "fixes/simplified_pov.toml"
    assert shipped.resolve("other/x.toml", "fix") == Path("other/x.toml")  # left to the loader's "no such file"


def test_an_unknown_name_lists_the_shipped_ones() -> None:
    with pytest.raises(shipped.UnknownName) as caught:
        shipped.resolve("self_serve_sandboxx", "fix")
    assert str(caught.value) == (
        "self_serve_sandboxx: no such file, nor a shipped fix name (shipped: " + ", ".join(shipped.shipped("fix"))
        + "; `funnelsim scenarios` lists them)")
    with pytest.raises(shipped.UnknownName, match=r"zoho: no such file, nor a shipped mapping name \(shipped: hub"):
        shipped.resolve("zoho", "mapping")


def test_the_command_line_takes_names(elsewhere: Path) -> None:
    args = build_parser().parse_args(["compare", "ai_startup", "--fix", "self_serve_sandbox", "--variant",
                                      "scorecard_comp", "--out", "o"])
    assert args.scenario == shipped.root() / "ai_startup.toml"
    assert args.fix == [shipped.root() / "fixes" / "self_serve_sandbox.toml"]
    assert args.variant == [shipped.root() / "variants" / "scorecard_comp.toml"]
    imported = build_parser().parse_args(["import", "export.csv", "--mapping", "hubspot", "--out", "d.csv"])
    assert imported.mapping == shipped.root() / "mappings" / "hubspot.toml"
    # a default naming a shipped file is the packaged copy, wherever the command runs
    calibrate = build_parser().parse_args(["calibrate", "export.csv", "--out", "x.toml"])
    assert calibrate.base == shipped.root() / "ai_startup.toml" and calibrate.base.is_file()


def test_an_unknown_name_on_the_command_line_is_one_line(elsewhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate", "ai_startup", "--fix", "sandbox"])
    err = capsys.readouterr().err
    assert caught.value.code == EXIT_BAD_INPUT
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("funnelsim validate: argument --fix: sandbox: no such file, nor a shipped fix name "
                          "(shipped: extra_solution_engineer,")


def test_validate_by_name_runs_anywhere(elsewhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "ai_startup", "--fix", "self_serve_sandbox"]) == 0
    out = capsys.readouterr().out
    assert "valid scenario 'AI startup baseline'" in out and "pov.duration_days" in out


def test_extends_and_playbook_take_names(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "ai_startup"\n[pov]\nsolution_engineers = 4\n'
                    '[cro]\nplaybook = ["simplified_pov"]\n')
    scenario = load_scenario(mine)
    assert scenario.pov.solution_engineers == 4 and scenario.arrivals.rate_per_week == 2.25
    assert [f.name for f in scenario.fixes] == ["simplified_pov"]
    # a file of that name beside the scenario wins over the shipped one
    (tmp_path / "ai_startup").write_text('[scenario]\nname = "x"\n')
    with pytest.raises(ScenarioError, match=r"is not a \.toml file"):
        load_scenario(mine)


def test_an_unknown_name_in_extends_is_one_line(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "ai_startupp"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(mine)
    assert str(caught.value).startswith(f"{mine}: extends: no such file {tmp_path / 'ai_startupp'}, nor a shipped "
                                        "scenario name (shipped: ai_startup, ai_startup_team,")


def test_the_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "  self_serve_sandbox               Self-serve sandbox: POV a third shorter\n" in out
    assert "  ai_startup               Founder-led sales, three solution engineers" in out
    assert "  scorecard_comp           The baseline with the CRO paid by article B's" in out
    assert "  hubspot     HubSpot deals export (Deals > Export, \"all properties\"), default Sales Pipeline.\n" in out
    for kind in shipped.FOLDERS:
        for name in shipped.shipped(kind):
            assert f"\n  {name} " in out


def test_first_sentence() -> None:
    assert shipped.first_sentence("# One line. Two.\n[x]\n") == "One line."
    long = shipped.first_sentence("# " + "word " * 40)
    assert len(long) == 110 and long == "word " * 21 + "wo..."
    assert shipped.first_sentence("[fix]\n") == ""
