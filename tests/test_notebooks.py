"""The teaching notebooks run: every ``notebooks/*.ipynb`` is executed top to bottom in a fresh kernel.

The notebooks are committed without outputs (``notebooks/build.py`` writes them). Each is run with nbclient on the
``python3`` kernel with ``notebooks/`` as the working directory, as a reader would run it, so the
``../scenarios/...`` paths resolve; any cell error fails the test with the cell's traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds; each notebook takes well under 30 s in total


def test_there_are_notebooks() -> None:
    expected = {"01_queues_and_littles_law.ipynb", "02_cycle_compression.ipynb", "03_multiplicative_comp.ipynb"}
    assert expected <= {p.name for p in PATHS}


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; rebuild with notebooks/build.py (no --execute)"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernelspec of the environment running the tests (ipykernel installs one into it) wins over a user-level
    # "python3" kernelspec that may point at another interpreter.
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "1")
    nb = nbformat.read(path, as_version=4)
    # First cell (not saved): prove the kernel runs in this environment, so it imports this checkout's packages.
    nb.cells.insert(0, new_code_cell("import sys\nprint(sys.prefix)"))
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()  # raises CellExecutionError (with the cell's source and traceback) on any error
    prefix = "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve(), f"the kernel runs in {prefix}, not {sys.prefix}"
