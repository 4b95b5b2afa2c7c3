"""The layout stays true: imports run one way between the engine and the analysis packages.

A short walk over every ``import`` of every module (function-level imports included) against the rules of
``analysis/__init__.py``:

* ``simulation`` imports nothing from ``analysis``, except its composition root ``simulation.cli``;
* ``analysis.kpi`` imports from ``simulation`` only the table schema (``simulation.tables``) and the error type the
  command line turns into exit status 2 (``simulation.errors``), and from ``analysis`` only itself;
* ``analysis.style`` (the charts' look) imports nothing of funnelsim;
* ``analysis.montecarlo``, ``analysis.report`` and ``analysis.crm`` import ``analysis.kpi``, ``analysis.style``,
  ``simulation`` and themselves, never each other nor the commands;
* ``analysis.commands`` wires everything; only the composition root imports it;
* nobody reaches into another package's private (``_``-prefixed) modules or names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("simulation", "analysis")
CONSUMERS = ("analysis.montecarlo", "analysis.report", "analysis.crm")

# Who may import what: (importer prefix, allowed target prefixes). The first matching importer rule applies.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("simulation.cli", ("simulation", "analysis.commands")),
    ("simulation", ("simulation",)),
    ("analysis.kpi", ("analysis.kpi", "simulation.tables", "simulation.errors")),
    ("analysis.style", ()),
    *((consumer, (consumer, "analysis.kpi", "analysis.style", "simulation")) for consumer in CONSUMERS),
    ("analysis.commands", ("analysis", "simulation")),
    ("analysis.teaching", ("analysis", "simulation")),  # the lessons' helpers show every layer
    ("analysis.lab", ("analysis", "simulation")),  # the browser lab composes forecasts, KPIs and charts
    ("analysis.plan", ("analysis", "simulation")),  # the engagement plan composes every layer into one page
    ("analysis", ("analysis", "simulation")),  # analysis/__init__.py
)


def package_of(module: str) -> str:
    """The unit a module belongs to for the rules: ``analysis.kpi.nnarr`` -> ``analysis.kpi``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "analysis" and len(parts) > 2 else parts[0]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str, str | None]]:
    """Every (line, imported module, imported name or None) of ``source``, relative imports resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield node.lineno, base, alias.name


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """What ``source`` (the text of ``module``) imports against :data:`RULES`, one readable line each."""
    allowed = next(targets for prefix, targets in RULES if module == prefix or module.startswith(prefix + "."))
    found = []
    for line, target, name in imports(source, module, is_package):
        full = f"{target}.{name}" if name else target
        if full.split(".")[0] not in PACKAGES:
            continue
        # `from analysis.kpi import nnarr` imports the module analysis.kpi.nnarr: judge the deepest one named
        judged = full if name and not name[0].isupper() and name.islower() else target
        if not any(judged == a or judged.startswith(a + ".") or target == a or target.startswith(a + ".")
                   for a in allowed):
            found.append(f"{module}:{line} imports {full}")
            continue
        other = package_of(target) != package_of(module)
        private = [p for p in full.split(".") if p.startswith("_") and not p.startswith("__")]
        if other and private:
            found.append(f"{module}:{line} reaches into private {full}")
    return found


def all_modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path, ROOT), path


@pytest.mark.parametrize(("module", "path"), list(all_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_run_one_way(module: str, path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), module, path.name == "__init__.py") == []


def test_the_four_capabilities_are_packages_of_modest_size() -> None:
    folders = {p.name: p for p in (ROOT / "analysis").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(folders) == {"kpi", "montecarlo", "report", "crm", "commands", "teaching", "lab", "plan"}
    for folder in [*folders.values(), ROOT / "analysis"]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 15, f"{folder} holds {len(modules)} modules"
        assert (folder / "__init__.py").read_text(encoding="utf-8").startswith('"""'), f"{folder} says what it holds"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("simulation.engine", "from analysis.kpi import nnarr"),
        ("simulation.funnel", "def f():\n    import analysis.report.dashboard\n"),
        ("analysis.kpi.nnarr", "from simulation.scenario import Targets"),
        ("analysis.kpi.cycle", "from simulation import engine"),
        ("analysis.kpi.cycle", "from analysis.report import dashboard"),
        ("analysis.kpi.cycle", "from analysis import style"),
        ("analysis.report.dashboard", "from analysis.montecarlo.forecast import summarise"),
        ("analysis.montecarlo.compare", "from analysis.crm import calibrate"),
        ("analysis.crm.backtest", "from analysis.commands import crm"),
        ("analysis.report.charts", "from analysis.kpi.nnarr import _window"),
        ("analysis.report.charts", "from analysis.kpi._private import x"),
        ("analysis.style", "from simulation.tables import DEALS"),
        ("analysis.kpi.cycle", "from ..report import page"),
    ],
)
def test_a_forbidden_import_is_caught(module: str, source: str) -> None:
    assert violations(source, module), f"{source!r} in {module} should break the layout"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("analysis.kpi.cycle", "from analysis.kpi.periods import bounds\nfrom simulation.tables import DEALS"),
        ("analysis.kpi.cycle", "from simulation.errors import InputError\nfrom . import frames"),
        ("analysis.report.dashboard", "from analysis.kpi import nnarr\nfrom simulation.scenario import Targets"),
        ("analysis.report.dashboard", "from analysis.report.bottleneck import _ranking"),
        ("analysis.commands.kpis", "from analysis.report import dashboard\nfrom analysis.crm import calibrate"),
        ("simulation.cli", "import analysis.commands.kpis"),
    ],
)
def test_an_allowed_import_passes(module: str, source: str) -> None:
    assert violations(source, module) == []
