"""The hostile-input suite's one contract, checked for every case: the command either refuses in one line on
stderr with exit status 2 (no traceback), or does its job counting what it skipped; it writes nothing outside
``--out`` and deletes or changes nothing of the user's.

:class:`Folder` snapshots a user's folder (every file's bytes, and every link) before a command and compares after;
:func:`funnelsim` runs the command in-process and returns its exit status, stdout and stderr.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulation.cli import main
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny.toml"
TINY_TEXT = TINY.read_text(encoding="utf-8")
# A tiny scenario with a warm-up and varied outcomes, quick enough for a few replications per test.
QUICK_TEXT = (
    TINY_TEXT.replace("warmup_days = 0 ", "warmup_days = 60 ")
    .replace("horizon_days = 400", "horizon_days = 200")
    .replace("rate_per_week = 0.5", "rate_per_week = 2")
    .replace("pass_probability = 1\n\n[pov]", "pass_probability = 0.7\n\n[pov]")
    .replace("win_probability = 1", "win_probability = 0.5")
)


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def funnelsim(capsys: pytest.CaptureFixture[str], *args: object) -> Result:
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def refused(result: Result, *fragments: str) -> str:
    """Assert the one-line refusal (exit 2, one stderr line, no traceback) holding every fragment; return it."""
    assert result.code == 2, (result.code, result.err[-2000:])
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def succeeded(result: Result) -> Result:
    assert result.code == 0, result.err[-2000:]
    assert "Traceback" not in result.err
    return result


class Folder:
    """A user's folder: ``snapshot()`` before a command, ``unchanged(except_under=out)`` after it."""

    def __init__(self, root: Path):
        self.root = root
        self.before: dict[str, str] = {}

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def state(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for folder, dirs, files in os.walk(self.root):
            for name in dirs + files:
                path = Path(folder) / name
                key = str(path.relative_to(self.root))
                if path.is_symlink():
                    found[key] = "link -> " + os.readlink(path)
                elif path.is_file():
                    found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
                elif path.is_dir():
                    found[key] = "dir"
                else:
                    found[key] = "special"
        return found

    def snapshot(self) -> Folder:
        self.before = self.state()
        return self

    def unchanged(self, *outputs: Path) -> None:
        """Every file there before is there, byte for byte; anything new lies under one of ``outputs``."""
        after = self.state()
        under = [str(p.relative_to(self.root)) for p in outputs]
        for key, value in self.before.items():
            assert after.get(key) == value, f"{key} was deleted or changed"
        for key in after.keys() - self.before.keys():
            assert any(key == o or key.startswith(o + os.sep) for o in under), f"{key} written outside --out"


def user_folder(root: Path) -> Folder:
    """A user's folder holding ``tiny.toml`` and ``quick.toml``."""
    folder = Folder(root)
    folder.root.mkdir(exist_ok=True)
    folder.write("tiny.toml", TINY_TEXT)
    folder.write("quick.toml", QUICK_TEXT)
    return folder


def copy(source: Path, folder: Folder, name: str | None = None) -> Path:
    target = folder.root / (name or source.name)
    shutil.copyfile(source, target)
    return target
