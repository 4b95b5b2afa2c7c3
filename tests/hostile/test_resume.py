"""``--resume`` does not trust the folder (issue 12, item 7): ``--keep-deals`` is part of the run, and every batch
is checked against its journalled checksum; what does not match is run again, so the result is the uninterrupted
run's, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.harness import Folder, Result, funnelsim, refused, succeeded

RUN = ("--reps", "6", "--batch-size", "2", "--seed", "3", "--backend", "serial", "--no-progress")


def _forecast(capsys: pytest.CaptureFixture[str], user: Folder, out: Path, *extra: str) -> Result:
    return funnelsim(capsys, "forecast", user.root / "quick.toml", "--out", out, *RUN, *extra)


@pytest.fixture
def reference(user: Folder, capsys: pytest.CaptureFixture[str]) -> bytes:
    succeeded(_forecast(capsys, user, user.root / "reference", "--keep-deals", "4"))
    return (user.root / "reference" / "replications.csv").read_bytes()


def test_resume_with_another_keep_deals_is_refused(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    out = user.root / "out"
    succeeded(_forecast(capsys, user, out, "--keep-deals", "2"))
    refused(_forecast(capsys, user, out, "--keep-deals", "4", "--resume"), "different --keep-deals", "2", "4")
    assert sorted(p.name for p in (out / "deals").iterdir()) == ["replication_000000.csv", "replication_000001.csv"]


CORRUPTIONS = {
    "edited": lambda text: text.replace("\n1,", "\n1,9", 1) if "\n1," in text else text + "9",
    "emptied": lambda text: "",
    "truncated": lambda text: text[: len(text) // 2],
    "header_only": lambda text: text.splitlines()[0] + "\n",
}


@pytest.mark.parametrize("kind, file, batch", [
    ("edited", "batches/000001.kpis.csv", 1),
    ("emptied", "batches/000002.series.csv", 2),
    ("truncated", "deals/replication_000003.csv", 1),
    ("header_only", "batches/000000.kpis.csv", 0),
])
def test_a_damaged_batch_is_run_again(
    user: Folder, capsys: pytest.CaptureFixture[str], reference: bytes, kind: str, file: str, batch: int
) -> None:
    out = user.root / "out"
    succeeded(_forecast(capsys, user, out, "--keep-deals", "4"))
    deals = (out / "deals" / "replication_000003.csv").read_bytes()
    damaged = out / file
    damaged.write_text(CORRUPTIONS[kind](damaged.read_text()))
    (out / "replications.csv").unlink()
    result = succeeded(_forecast(capsys, user, out, "--keep-deals", "4", "--resume"))
    note = next(line for line in result.err.splitlines() if "resume:" in line)
    assert "1 batch(es)" in note and "did not match their checksums" in note and note.endswith(f"run again: {batch}")
    assert (out / "replications.csv").read_bytes() == reference
    assert (out / "deals" / "replication_000003.csv").read_bytes() == deals


def test_a_batch_half_journalled_when_killed_is_run_again(
    user: Folder, capsys: pytest.CaptureFixture[str], reference: bytes
) -> None:
    out = user.root / "out"
    succeeded(_forecast(capsys, user, out, "--keep-deals", "4"))
    journal = out / "journal.jsonl"
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])  # torn by kill -9
    result = succeeded(_forecast(capsys, user, out, "--keep-deals", "4", "--resume"))
    assert (out / "replications.csv").read_bytes() == reference
    assert "did not match" not in result.err  # an unjournalled batch is simply not done


@pytest.mark.parametrize("manifest", ["[1, 2]", "{not json", '{"format": 1, "seed": 3}'])
def test_a_bad_manifest_is_one_line(user: Folder, capsys: pytest.CaptureFixture[str], manifest: str) -> None:
    out = user.root / "out"
    succeeded(_forecast(capsys, user, out))
    (out / "manifest.json").write_text(manifest)
    refused(_forecast(capsys, user, out, "--resume"), str(out), "without --resume")


def test_the_journal_lists_every_file_with_its_checksum(user: Folder, capsys: pytest.CaptureFixture[str]) -> None:
    out = user.root / "out"
    succeeded(_forecast(capsys, user, out, "--keep-deals", "1"))
    entries = [json.loads(line) for line in (out / "journal.jsonl").read_text().splitlines()]
    assert sorted(e["batch"] for e in entries) == [0, 1, 2]
    first = next(e for e in entries if e["batch"] == 0)
    assert set(first["files"]) == {"batches/000000.kpis.csv", "batches/000000.series.csv",
                                   "deals/replication_000000.csv"}
    assert json.loads((out / "manifest.json").read_text())["keep_deals"] == 1
