"""The folder of one Monte Carlo run: its manifest, its finished batches with their checksums, its kept deals.

::

    DIR/manifest.json                  scenario hash, seed, reps, batch size, --keep-deals, reducer of the run
    DIR/journal.jsonl                  one line per finished batch: its files and their SHA-256
    DIR/batches/000012.series.csv      per-month series of batch 12's replications
    DIR/batches/000012.kpis.csv        its KPI rows
    DIR/deals/replication_000003.csv   deals table of replication 3 (only if keep_deals > 3)

A batch counts as done only when its journal line is complete and every file it names still has the recorded
checksum, so ``--resume`` runs again a batch whose file was truncated, emptied or edited, and one that was being
written when the run was killed. A fresh run deletes only files funnelsim names this way (``batches/NNNNNN.*.csv``,
``deals/replication_NNNNNN.csv``, the journal): whatever else a user keeps in the folder stays.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Final

import pandas as pd

from simulation.errors import InputError
from simulation.outputs import write_csv, write_text

MANIFEST_FORMAT: Final = 2
MONTH: Final = "month"
OWN_FILES: Final = {"batches": re.compile(r"\d{6}\.(kpis|series)\.csv"), "deals": re.compile(r"replication_\d{6}\.csv")}
CHECKED: Final = (
    ("format", "manifest format (made by another funnelsim version)"),
    ("scenario_hash", "scenario (or fixes)"),
    ("seed", "seed"),
    ("reps", "number of replications"),
    ("batch_size", "batch size"),
    ("keep_deals", "--keep-deals"),
    ("reducer", "KPI reducer"),
    ("parameter_uncertainty", "parameter uncertainty setting (--parameter-uncertainty)"),
)


class ResumeError(InputError):
    """``--resume`` on a folder whose run does not match the one asked for (or holds no run)."""


class RunStore:
    """The folder of one run (see the module docstring)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / "manifest.json"
        self.journal_path = self.folder / "journal.jsonl"
        self.batch_folder = self.folder / "batches"
        self.deals_folder = self.folder / "deals"
        self.redone: list[int] = []  # batches found finished but not matching their checksums

    def kpis_path(self, index: int) -> Path:
        return self.batch_folder / f"{index:06d}.kpis.csv"

    def series_path(self, index: int) -> Path:
        return self.batch_folder / f"{index:06d}.series.csv"

    def deals_path(self, replication: int) -> Path:
        return self.deals_folder / f"replication_{replication:06d}.csv"

    def manifest(self) -> dict[str, Any] | None:
        try:
            found = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            found = None
        if not isinstance(found, dict):
            raise ResumeError(f"{self.manifest_path}: unreadable manifest; start again without --resume")
        return found

    def check(self, wanted: dict[str, Any]) -> None:
        """Refuse to resume a run that is not the one asked for."""
        found = self.manifest()
        if found is None:
            raise ResumeError(f"{self.folder}: --resume: no run to resume there (no manifest.json)")
        for key, what in CHECKED:
            if found.get(key) != wanted[key]:
                raise ResumeError(
                    f"{self.folder}: --resume: the run there has a different {what} ({found.get(key)!r}, "
                    f"asked for {wanted[key]!r}); rerun without --resume or use another --out"
                )

    def start(self, manifest: dict[str, Any]) -> None:
        """Begin a fresh run: drop an earlier run's batches, deals and journal (only those), write the manifest."""
        for sub, pattern in OWN_FILES.items():
            folder = self.folder / sub
            if folder.is_dir():
                for old in folder.iterdir():
                    if pattern.fullmatch(old.name) and old.is_file() and not old.is_symlink():
                        old.unlink()
        self.journal_path.unlink(missing_ok=True)
        self.batch_folder.mkdir(parents=True, exist_ok=True)
        write_text(self.manifest_path, json.dumps(manifest, indent=2) + "\n")

    def done(self, count: int) -> set[int]:
        """Indices (below ``count``) of the batches whose every file matches its journal checksum."""
        recorded: dict[int, dict[str, str]] = {}
        try:
            lines = self.journal_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        for line in lines:
            try:
                entry = json.loads(line)
                recorded[int(entry["batch"])] = {str(k): str(v) for k, v in dict(entry["files"]).items()}
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a kill: that batch runs again
        finished = set()
        for index, files in recorded.items():
            if not 0 <= index < count:
                continue
            needed = {self._name(self.kpis_path(index)), self._name(self.series_path(index))}
            if needed <= files.keys() and all(_sha256(self.folder / name) == sha for name, sha in files.items()):
                finished.add(index)
            else:
                self.redone.append(index)
        return finished

    def write(self, index: int, kpis: pd.DataFrame, series: pd.DataFrame,
              deals: tuple[tuple[int, pd.DataFrame], ...]) -> None:
        """Store one finished batch, then journal it (flushed to disk: the line is the batch's receipt)."""
        paths = [self.deals_path(replication) for replication, _ in deals]
        for (_, table), path in zip(deals, paths, strict=True):
            write_csv(table, path)
        write_csv(series, self.series_path(index))
        write_csv(kpis, self.kpis_path(index))
        paths += [self.series_path(index), self.kpis_path(index)]
        entry = {"batch": index, "files": {self._name(p): _sha256(p) for p in paths}}
        with self.journal_path.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            os.fsync(journal.fileno())

    def read(self, count: int) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
        return [_read(self.kpis_path(k)) for k in range(count)], [_read(self.series_path(k)) for k in range(count)]

    def _name(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _read(path: Path) -> pd.DataFrame:
    # pandas writes the shortest repr of each float and parses it back exactly: bit-identical floats.
    return pd.read_csv(path, dtype={MONTH: str}, keep_default_na=False, na_values=[""])
