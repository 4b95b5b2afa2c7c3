"""kill -9 of a forecast must not leave its fork server, resource tracker and workers running (issue 12, item 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BASE, ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_a_forecast_leaves_no_process_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulation.cli", "forecast", str(BASE), "--reps", "2000", "--workers", "2",
               "--batch-size", "5", "--out", str(out), "--no-progress"]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    helpers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while not (out / "journal.jsonl").exists():  # a batch is done: the pool is up and working
            assert run.poll() is None, "the forecast ended before it could be killed"
            assert time.monotonic() < deadline, "no batch finished in time"
            time.sleep(0.1)
        helpers = _descendants(run.pid)
        assert len(helpers) >= 3  # fork server, resource tracker, workers
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in helpers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in helpers if _alive(p)], "processes of the killed forecast are still running"
    finally:
        if run.poll() is None:
            run.kill()
        for pid in helpers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
