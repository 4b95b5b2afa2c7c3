"""The teaching notebooks: six lessons, readable as committed, runnable from any folder, ending in exercises.

Each lesson is a Jupytext percent script ``notebooks/NN_topic.py`` paired with an executed ``notebooks/NN_topic.ipynb``
(``make notebooks`` writes it). The tests check that the pair agrees cell by cell, that the committed notebook holds
its outputs and charts and no error, that the script runs top to bottom in a fresh kernel from a scratch folder, that
it ends in checked exercises, and that no cell imports a private name.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.teaching.execute import NOTEBOOKS, execute, read, scripts

LESSONS = (
    "01_queues",
    "02_fixes_and_sccr",
    "03_forecasting_and_targets",
    "04_comp_design",
    "05_dashboard_and_autopsy",
    "06_crm_to_plan",
)
SCRIPTS = scripts()
IDS = [p.stem for p in SCRIPTS]


def test_the_six_lessons_are_there() -> None:
    assert [p.stem for p in SCRIPTS] == list(LESSONS)
    assert not (NOTEBOOKS / "build.py").exists(), "the notebooks are kept as text by Jupytext, not built by hand"


def code_sources(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_the_committed_notebook_is_its_script_executed(script: Path) -> None:
    committed = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    assert code_sources(committed) == code_sources(read(script)), (
        f"{script.name} and its .ipynb differ: run `make notebooks` after editing the script"
    )
    code = [c for c in committed.cells if c.cell_type == "code"]
    unexecuted = [i for i, c in enumerate(code) if not c.execution_count]
    assert not unexecuted, f"{script.stem}.ipynb: code cells {unexecuted} were not run; run `make notebooks`"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], f"{script.stem}.ipynb was stored with an error"
    charts = [o for o in outputs if "image/png" in o.get("data", {})]
    assert charts, f"{script.stem}.ipynb holds no chart: a reader on GitHub would see none"


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_the_lesson_ends_in_checked_exercises(script: Path) -> None:
    cells = read(script).cells
    turn = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "your turn" in c.source.casefold()]
    assert turn, f"{script.name} has no 'Your turn' section"
    checks = [c for c in cells[turn[0] :] if c.cell_type == "code" and "check" in c.source]
    assert checks, f"{script.name}: its exercises have no checking cell"


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_no_cell_imports_a_private_name(script: Path) -> None:
    for cell in read(script).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            private = [n for n in names for part in n.split(".") if part.startswith("_")]
            assert not private, f"{script.name} imports private {private}"


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_the_lesson_runs_from_another_folder(script: Path, tmp_path: Path) -> None:
    before = sorted(NOTEBOOKS.iterdir())
    nb = execute(script, tmp_path, append=["import sys\nprint(sys.prefix)"])
    prefix = "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve(), f"the kernel ran in {prefix}, not {sys.prefix}"
    assert sorted(NOTEBOOKS.iterdir()) == before, "a lesson wrote into notebooks/: it must write under its own folder"
