"""``--out`` under careless and hostile use (issue 12, items 1, 2, 3, 8 and 11): funnelsim writes only under
``--out``, deletes only the files it named, holds the folder alone, never writes over an input, and turns every
system error into one line."""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd
import pytest

from simulation.out_folder import LOCK_NAME, claimed
from tests.hostile.harness import Folder, funnelsim, refused, succeeded

FAST = ("--reps", "4", "--backend", "serial", "--no-progress")
FIX = '[fix]\nname = {name}\nstart_day = 10\n\n[pov]\nsolution_engineers = {{ add = 1 }}\n'


def _fix(user: Folder, file: str, name: str) -> Path:
    return user.write(file, FIX.format(name=name))


@pytest.mark.parametrize("name", ["absolute", '"../../x"', '"runs/../../../x"'])
def test_a_fix_name_cannot_reach_outside_the_compare_folder(
    user: Folder, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    victim = user.write("victim/batches/important.csv", "keep,me\n1,2\n").parent.parent
    fix = _fix(user, "fix.toml", f'"{victim}"' if name == "absolute" else name)
    user.snapshot()
    out = user.root / "out"
    refused(funnelsim(capsys, "compare", user.root / "quick.toml", "--fix", fix, "--out", out, *FAST), "fix.name")
    user.unchanged()


def test_two_fixes_with_one_name_are_refused_not_dropped(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = _fix(user, "one.toml", '"same"'), _fix(user, "two.toml", '"same"')
    user.snapshot()
    refused(funnelsim(capsys, "compare", user.root / "quick.toml", "--fix", one, "--fix", two, "--out",
                      user.root / "out", *FAST), str(two), "'same'", str(one), "its own name")
    user.unchanged()


def test_a_variant_named_like_a_fix_is_refused(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    fix = _fix(user, "fix.toml", '"quick"')
    variant = user.write("v/quick.toml", (user.root / "quick.toml").read_text())
    refused(funnelsim(capsys, "compare", user.root / "quick.toml", "--fix", fix, "--variant", variant, "--out",
                      user.root / "out", *FAST), "'quick'", "its own name")


def test_forecast_and_compare_keep_the_users_csvs_in_out(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    out = user.root / "out"
    mine = {
        "out/batches/q1_actuals.csv": "month,won\n2027-01,3\n",
        "out/deals/notes.csv": "deal,note\nD1,call back\n",
        "out/runs/baseline/batches/mine.csv": "a\n1\n",
        "out/runs/faster/deals/board.csv": "b\n2\n",
        "out/notes.txt": "my notes\n",
    }
    for name, text in mine.items():
        user.write(name, text)
    fix = _fix(user, "faster.toml", '"faster"')
    user.snapshot()
    for _ in range(2):  # the second run replaces the first one's batch files, and only those
        succeeded(funnelsim(capsys, "forecast", user.root / "quick.toml", "--out", out, "--keep-deals", "2", *FAST))
    succeeded(funnelsim(capsys, "compare", user.root / "quick.toml", "--fix", fix, "--out", out, *FAST))
    user.unchanged(out)
    for name, text in mine.items():
        assert (user.root / name).read_text() == text
    assert sorted(p.name for p in (out / "deals").iterdir()) == ["notes.csv", "replication_000000.csv",
                                                                 "replication_000001.csv"]
    assert not (out / LOCK_NAME).exists()


def test_a_second_run_into_a_held_folder_stops_at_once(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    out = user.root / "out"
    succeeded(funnelsim(capsys, "run", user.root / "quick.toml", "--out", user.root / "run"))
    succeeded(funnelsim(capsys, "forecast", user.root / "quick.toml", "--seed", "11", "--out", out, *FAST))
    first = (out / "replications.csv").read_bytes()
    with claimed(out, "forecast"):  # a forecast still running there
        for args in (("forecast", user.root / "quick.toml"), ("run", user.root / "quick.toml"),
                     ("sensitivity", user.root / "quick.toml")):
            extra = () if args[0] == "run" else FAST
            refused(funnelsim(capsys, *args, "--seed", "12", "--out", out, *extra), str(out),
                    "in use by funnelsim forecast (pid", "another --out")
        refused(funnelsim(capsys, "kpis", user.root / "run", "--out", out), "in use by")
        refused(funnelsim(capsys, "dashboard", user.root / "run", "--week", "2027-W10", "--out", out), "in use by")
    assert (out / "replications.csv").read_bytes() == first
    assert not (out / LOCK_NAME).exists()  # released: the next run goes ahead
    succeeded(funnelsim(capsys, "forecast", user.root / "quick.toml", "--seed", "12", "--out", out, *FAST))


@pytest.fixture
def export(user: Folder) -> tuple[Path, Path]:
    csv = user.write("crm.csv", "Id,Created,Closed,Stage,Amount\nA1,2027-01-04,2027-02-01,Won,1000\n"
                                "A2,2027-01-05,,Open,2000\nA3,2027-01-06,2027-03-01,Lost,500\n")
    mapping = user.write("m.toml", '[source]\ndate_format = "%Y-%m-%d"\n[columns]\nid = "Id"\narrived = "Created"\n'
                                   'closed = "Closed"\nstage = "Stage"\nacv = "Amount"\n[stages]\nWon = "won"\n'
                                   'Open = { outcome = "open", stage = "negotiation" }\n'
                                   'Lost = { outcome = "lost", stage = "negotiation" }\n')
    return csv, mapping


@pytest.mark.parametrize("command", ["import", "calibrate"])
@pytest.mark.parametrize("target", ["export", "mapping", "link_to_export", "base"])
def test_an_output_never_replaces_an_input(
    user: Folder, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str], command: str, target: str
) -> None:
    csv, mapping = export
    (user.root / "link.csv").symlink_to(csv)
    base = user.root / "quick.toml"
    out = {"export": csv, "mapping": mapping, "link_to_export": user.root / "link.csv", "base": base}[target]
    extra = ("--base", base) if command == "calibrate" else ()
    user.snapshot()
    if command == "import" and target == "base":
        return  # import reads no base scenario
    refused(funnelsim(capsys, command, csv, "--mapping", mapping, "--out", out, *extra), "would overwrite the input")
    user.unchanged()


def test_kpis_do_not_overwrite_a_deals_file_named_like_an_output(
    user: Folder, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv, mapping = export
    succeeded(funnelsim(capsys, "import", csv, "--mapping", mapping, "--out", user.root / "kpis.csv"))
    user.snapshot()
    refused(funnelsim(capsys, "kpis", user.root / "kpis.csv", "--out", user.root), "would overwrite the input")
    user.unchanged()


def test_import_into_an_existing_folder_is_refused(
    user: Folder, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv, mapping = export
    (user.root / "folder").mkdir()
    refused(funnelsim(capsys, "import", csv, "--mapping", mapping, "--out", user.root / "folder"), "is a folder")


@pytest.mark.parametrize("command", ["run", "forecast", "kpis", "dashboard"])
def test_out_under_a_file_is_one_line(user: Folder, capsys: pytest.CaptureFixture[str], command: str) -> None:
    user.write("file.txt", "x\n")
    out = user.root / "file.txt" / "sub"
    source = {"run": user.root / "quick.toml", "forecast": user.root / "quick.toml"}
    if command in ("kpis", "dashboard"):
        succeeded(funnelsim(capsys, "run", user.root / "quick.toml", "--out", user.root / "run"))
        source[command] = user.root / "run"
    extra = {"forecast": FAST, "dashboard": ("--week", "2027-W10")}.get(command, ())
    user.snapshot()
    refused(funnelsim(capsys, command, source[command], "--out", out, *extra), str(out), "file")
    user.unchanged()


def test_a_read_only_file_system_is_one_line(
    user: Folder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    refused(funnelsim(capsys, "run", user.root / "quick.toml", "--out", user.root / "out"), "read-only file system")


def test_a_full_disk_is_one_line_and_leaves_finished_files_whole(
    user: Folder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = user.root / "out"
    succeeded(funnelsim(capsys, "run", user.root / "quick.toml", "--out", out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = pd.DataFrame.to_csv
    written: list[object] = []

    def full(self: pd.DataFrame, path: object = None, *args: object, **kwargs: object) -> object:
        if written:  # the second table finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        return real(self, path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    line = refused(funnelsim(capsys, "run", user.root / "quick.toml", "--seed", "5", "--out", out),
                   "No space left on device", "files already written are complete")
    assert "Traceback" not in line
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after.keys() == before.keys()  # no temporary file left behind, no file lost
    assert after["revenue.csv"] == before["revenue.csv"]  # the file being written when the disk filled is the old one


@pytest.mark.parametrize("args, fragment", [
    (("run", "--seed", "-1"), "--seed -1: must be 0 to"),
    (("forecast", "--seed", "-1"), "--seed -1"),
    (("forecast", "--reps", "1e9"), "--reps '1e9': expected a whole number"),
    (("forecast", "--reps", "1000000000"), "--reps 1000000000: must be 1 to 100,000"),
    (("forecast", "--workers", "100000"), "--workers 100000: must be 1 to 256"),
    (("backtest", "--seed", "-3"), "--seed -3"),
])
def test_bad_numbers_on_the_command_line_are_one_line(
    user: Folder, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], fragment: str
) -> None:
    command, *rest = args
    more = ("--mapping", "m.toml", "--scenario", "s.toml") if command == "backtest" else ()
    refused(funnelsim(capsys, command, user.root / "quick.toml", *rest, *more, "--out", user.root / "out"), fragment)
    assert not (user.root / "out").exists()


def test_a_scheduler_that_is_not_an_address_is_one_line(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    refused(funnelsim(capsys, "forecast", user.root / "quick.toml", "--reps", "2", "--backend", "dask",
                      "--scheduler", "not-an-address", "--out", user.root / "out"),
            "--scheduler not-an-address: cannot connect")


def test_a_formula_as_a_fix_name_is_inert_in_deltas_and_ranking(
    user: Folder, capsys: pytest.CaptureFixture[str]
) -> None:
    fix = _fix(user, "fix.toml", '"=HYPERLINK(1)"')
    out = user.root / "out"
    succeeded(funnelsim(capsys, "compare", user.root / "quick.toml", "--fix", fix, "--out", out, *FAST))
    for name in ("deltas.csv", "ranking.csv"):
        table = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        assert set(table["fix"]) == {"'=HYPERLINK(1)"}, name
    assert (out / "runs" / "=HYPERLINK(1)" / "replications.csv").exists()
