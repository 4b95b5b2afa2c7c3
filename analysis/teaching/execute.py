"""Run the teaching notebooks from their text form and store them executed: ``make notebooks``.

Each lesson is a Jupytext percent script, ``notebooks/NN_topic.py`` (what is reviewed, as code), paired with
``notebooks/NN_topic.ipynb`` (what a reader opens, with outputs and charts). This module reads the script, runs it
top to bottom in a fresh kernel of this environment from a scratch folder (so no lesson depends on the folder it is
run from), and writes the paired notebook atomically.

    python -m analysis.teaching.execute                 # every notebooks/*.py
    python -m analysis.teaching.execute notebooks/01_queues.py
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analysis.teaching.paths import ROOT

NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 300  # seconds; a lesson's slowest cell takes well under a minute
KERNEL = "python3"


def scripts(folder: Path = NOTEBOOKS) -> list[Path]:
    """The lessons: every ``NN_*.py`` percent script of ``folder``, in order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py"))


def read(script: Path) -> Any:
    """The lesson as a notebook (no outputs yet), with this environment's kernel."""
    import jupytext

    nb = jupytext.read(script)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    return nb


def execute(script: Path, cwd: Path, append: Sequence[str] = ()) -> Any:
    """Run the lesson top to bottom with ``cwd`` as the working folder; raise on the first failing cell.

    ``append`` adds code cells after the lesson's own (the tests add one that prints where the kernel runs).
    """
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    # The kernelspec installed into this environment (ipykernel does) wins over a user-level "python3" one that may
    # point at another interpreter.
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    nb = read(script)
    nb.cells.extend(new_code_cell(source) for source in append)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL, resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def store(script: Path) -> Path:
    """Execute ``script`` from a scratch folder and write its paired ``.ipynb`` beside it, atomically."""
    import jupytext

    with tempfile.TemporaryDirectory(prefix="funnelsim-lesson-") as scratch:
        nb = execute(script, Path(scratch))
    steady(nb)
    target = script.with_suffix(".ipynb")
    partial = target.with_suffix(".ipynb.partial")
    # jupytext.write picks the format from the file's extension, which ".partial" is not: write its text instead.
    partial.write_text(jupytext.writes(nb, fmt="ipynb"), encoding="utf-8")
    partial.replace(target)
    return target


def steady(nb: Any) -> None:
    """Make a re-execution diff show only what changed: each cell's id from its place and source (not random), and
    no per-cell execution timestamps."""
    for index, cell in enumerate(nb.cells):
        cell.id = f"c{index:02d}-{hashlib.sha1(cell.source.encode()).hexdigest()[:8]}"
        cell.metadata.pop("execution", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*", type=Path, help="lesson scripts (default: every notebooks/NN_*.py)")
    args = parser.parse_args(argv)
    for script in args.scripts or scripts():
        print(f"executed {store(script.resolve())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
