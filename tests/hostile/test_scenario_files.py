"""Scenario and fix files a careless or hostile user may hand over (issue 12, items 4, 10, 11 and 15): each is
refused in one line naming the file, the key and the limit, before any work and without writing anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import MAPPINGS
from tests.hostile.harness import QUICK_TEXT, TINY_TEXT, Folder, funnelsim, refused, succeeded


def _edited(old: str, new: str, text: str = TINY_TEXT) -> str:
    assert old in text
    return text.replace(old, new)


START = "start_date = 2027-01-04"
CASES = {
    # item 4: dates pandas cannot hold
    "year_1": (_edited(START, "start_date = 0001-01-04"), ("scenario.start_date", "0001-01-04", "1990-01-01")),
    "year_9999": (_edited(START, "start_date = 9999-12-01"), ("scenario.start_date", "9999-12-01", "2199-12-31")),
    "horizon_past_2200": (_edited(START, "start_date = 2199-06-01"), ("scenario.horizon_days", "2199-12-31")),
    "warmup_before_1990": (
        _edited("warmup_days = 0 ", "warmup_days = 700 ", _edited(START, "start_date = 1991-01-01")),
        ("scenario.warmup_days", "700 days", "1990-01-01"),
    ),
    # item 10: work beyond memory
    "rate_1e7": (_edited("rate_per_week = 0.5", "rate_per_week = 1e7"), ("arrivals.rate_per_week", "2,000,000")),
    "growth_over_a_century": (
        _edited("horizon_days = 400", "horizon_days = 36500", _edited("rate_per_week = 0.5", "rate_per_week = 0.5\n"
                                                                     "growth_per_year = 9")),
        ("arrivals.rate_per_week", "growth 9 a year", "2,000,000"),
    ),
    # item 11: numbers too extreme to simulate
    "acv_1e308": (_edited("value = 40000", "value = 1e308"), ("tiers.small.acv", "10,000,000,000")),
    "acv_empirical_1e308": (
        _edited('acv = { dist = "fixed", value = 40000 }', 'acv = { dist = "empirical", values = [1e308, 1] }'),
        ("tiers.small.acv", "limit"),
    ),
    "models_empirical_1e308": (
        _edited('models_per_customer = { dist = "fixed", value = 2 }',
                'models_per_customer = { dist = "empirical", values = [1, 1e308] }'),
        ("tiers.large.models_per_customer", "1,000"),
    ),
    "duration_empirical_1e308": (
        _edited('duration_days = { dist = "fixed", value = 30 }',
                'duration_days = { dist = "empirical", values = [1e308, 1] }'),
        ("pov.duration_days", "36,500 days"),
    ),
    "negative_acv": (_edited("value = 40000", "value = -1e308"), ("tiers.small.acv.value", "greater than or equal")),
    "tables_1100_deep": ("a" + ".b" * 1100 + " = 1\n", ("nested more than 16 deep",)),
    "arrays_1100_deep": ("a = " + "[" * 1100 + "]" * 1100 + "\n", ("nested too deeply",)),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", list(CASES))
def test_unrunnable_scenarios_are_refused_before_any_work(
    user: Folder, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    text, fragments = CASES[case]
    path = user.write("bad.toml", text)
    user.snapshot()
    out = user.root / "out"
    extra = ["--out", out] if command == "run" else []
    refused(funnelsim(capsys, command, path, *extra), str(path), *fragments)
    user.unchanged()
    assert not out.exists()


def test_a_long_extends_chain_is_refused_at_its_limit(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    for k in range(1, 1101):
        user.write(f"c{k}.toml", f'extends = "c{k + 1}.toml"\n')
    user.write("c1101.toml", TINY_TEXT)
    refused(funnelsim(capsys, "validate", user.root / "c1.toml"), "extends", "more than 16 files")


def test_a_chain_within_the_limit_loads(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    for k in range(1, 10):
        user.write(f"c{k}.toml", f'extends = "c{k + 1}.toml"\n')
    user.write("c10.toml", TINY_TEXT)
    assert "valid scenario 'tiny'" in succeeded(funnelsim(capsys, "validate", user.root / "c1.toml")).out


@pytest.mark.parametrize("where", ["scenario", "fix", "mapping", "export", "joined_export"])
@pytest.mark.parametrize("special", ["fifo", "dev_zero"])
def test_fifos_and_devices_are_refused_without_reading(
    user: Folder, capsys: pytest.CaptureFixture[str], where: str, special: str
) -> None:
    if special == "fifo":
        path = user.root / "pipe.toml"
        os.mkfifo(path)  # nobody writes to it: opening it would block for ever
        kind = "FIFO"
    else:
        path, kind = Path("/dev/zero"), "device"
    tiny = user.root / "tiny.toml"
    args: dict[str, list[object]] = {
        "scenario": ["validate", path],
        "fix": ["validate", tiny, "--fix", path],
        "mapping": ["import", tiny, "--mapping", path, "--out", user.root / "deals.csv"],
        "export": ["import", path, "--mapping", MAPPINGS / "maven.toml", "--out", user.root / "deals.csv"],
        "joined_export": ["import", path, "--mapping", MAPPINGS / "olist.toml", "--out", user.root / "deals.csv"],
    }
    user.snapshot()
    refused(funnelsim(capsys, *args[where]), str(path), kind, "regular file")
    user.unchanged()


def test_an_oversized_scenario_is_refused_with_the_limit(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    path = user.write("big.toml", TINY_TEXT + "# padding\n" * 120_000)
    refused(funnelsim(capsys, "validate", path), "1,000,000-byte limit")


@pytest.mark.parametrize("kpis_input", ["/dev/zero", "fifo"])
def test_a_device_as_a_kpis_source_is_refused(
    user: Folder, capsys: pytest.CaptureFixture[str], kpis_input: str
) -> None:
    path = Path(kpis_input)
    if kpis_input == "fifo":
        path = user.root / "deals.csv"
        os.mkfifo(path)
    refused(funnelsim(capsys, "kpis", path, "--out", user.root / "k"), str(path), "regular file")


def test_a_bom_in_a_toml_file_is_read_like_a_bom_in_a_csv(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    path = user.write("bom.toml", b"\xef\xbb\xbf" + QUICK_TEXT.encode("utf-8"))
    assert "valid scenario 'tiny'" in succeeded(funnelsim(capsys, "validate", path)).out


def test_a_symlink_loop_is_named_as_one(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    (user.root / "a.toml").symlink_to("b.toml")
    (user.root / "b.toml").symlink_to("a.toml")
    refused(funnelsim(capsys, "validate", user.root / "a.toml"), "symlink loop")
    child = user.write("child.toml", 'extends = "a.toml"\n')
    refused(funnelsim(capsys, "validate", child), "extends", "symlink loop")
    refused(funnelsim(capsys, "validate", user.root / "tiny.toml", "--fix", user.root / "a.toml"), "symlink loop")


def test_extends_of_a_file_that_is_not_toml_does_not_quote_it(
    user: Folder, capsys: pytest.CaptureFixture[str]
) -> None:
    user.write("secrets.txt", "API_KEY = hunter2 and more\n")
    child = user.write("child.toml", 'extends = "secrets.txt"\n')
    line = refused(funnelsim(capsys, "validate", child), "extends", "not a .toml file")
    assert "hunter2" not in line and "API_KEY" not in line
    user.write("secrets.toml", "API_KEY = hunter2 and more\n")
    child = user.write("child2.toml", 'extends = "secrets.toml"\n')
    line = refused(funnelsim(capsys, "validate", child), "secrets.toml", "not a TOML file")
    assert "hunter2" not in line and "API_KEY" not in line


FIX = '[fix]\nname = {name}\nstart_day = 10\n\n[pov]\nsolution_engineers = {{ add = 1 }}\n'


@pytest.mark.parametrize("name", ['"/any/folder"', '"../../x"', '"a\\u0000b"', '".hidden"', '"a\\\\b"', '"x\\ny"'])
def test_a_fix_name_is_one_plain_folder_name(user: Folder, capsys: pytest.CaptureFixture[str], name: str) -> None:
    fix = user.write("fix.toml", FIX.format(name=name))
    refused(funnelsim(capsys, "validate", user.root / "tiny.toml", "--fix", fix), str(fix), "fix.name",
            "plain folder name")
