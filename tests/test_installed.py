"""funnelsim as an installed tool: the wheel carries the shipped scenarios, and from an empty folder outside the
repository the installed command runs ``init``, ``validate``, a 10-replication ``forecast``, ``compare`` with a
shipped fix by name, ``run`` and a ``dashboard``.

Fast and offline-safe: the wheel is built from a copy of the sources (the checkout gets no ``build/``), the fresh
virtual environment is made ``--without-pip`` by the running Python and the wheel installed into it with the
running pip's ``--python`` (no index). The dependencies (NumPy, pandas, ...) come from the running environment's
site-packages through a ``.pth`` line added *after* the install: a plain path line, so that environment's own
``.pth`` files (the editable funnelsim of a development install) are not processed and the checkout stays out of
sight, which the test checks (``simulation.__file__`` lies in the new environment). About 30 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import ROOT

SOURCES = ("pyproject.toml", "README.md", "simulation", "analysis", "scenarios")


def run(argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def install(tmp: Path) -> tuple[Path, dict[str, str]]:
    """A fresh virtual environment in ``tmp`` holding the built wheel, and the environment variables to run it
    with."""
    source = tmp / "source"
    source.mkdir(parents=True)
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-q", "-w", tmp / "dist"], tmp, env)
    wheel = next((tmp / "dist").glob("funnelsim-*.whl"))
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], tmp, env)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel], tmp,
        env)
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp, env).strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv, env


def test_the_installed_tool(tmp_path: Path) -> None:
    """One test, so that parallel workers do not build two environments."""
    venv, env = install(tmp_path / "install")
    the_wheel_carries_the_shipped_files(venv, env, tmp_path)
    from_an_empty_folder(env, tmp_path / "elsewhere")


def the_wheel_carries_the_shipped_files(venv: Path, env: dict[str, str], tmp_path: Path) -> None:
    where = run([venv / "bin" / "python", "-c",
                 "import simulation, analysis; from simulation import shipped; "
                 "print(simulation.__file__); print(analysis.__file__); print(shipped.root())"], tmp_path, env)
    for line in where.splitlines():
        assert Path(line).resolve().is_relative_to(venv.resolve()), where  # the installed copy, not the checkout
    packaged = Path(where.splitlines()[2])
    assert not packaged.is_symlink()
    assert sorted(p.relative_to(packaged).as_posix() for p in packaged.rglob("*.toml")) == sorted(
        p.relative_to(ROOT / "scenarios").as_posix() for p in (ROOT / "scenarios").rglob("*.toml"))
    listing = run(["funnelsim", "scenarios"], tmp_path, env)
    assert "self_serve_sandbox" in listing and "hubspot" in listing


def from_an_empty_folder(env: dict[str, str], work: Path) -> None:
    work.mkdir()
    out = run(["funnelsim", "init", "acme", "--engineers", "2", "--pov-days", "50"], work, env)
    assert "extends the shipped ai_startup" in out
    checked = run(["funnelsim", "validate", "acme/company.toml", "--fix", "acme/fixes/one_more_engineer.toml",
                   "--fix", "acme/fixes/shorter_pov.toml", "--fix", "self_serve_sandbox"], work, env)
    assert "valid scenario 'Our company'" in checked and "pov.solution_engineers: 2 -> 3" in checked
    fast = ["--reps", "10", "--workers", "2", "--no-progress"]
    run(["funnelsim", "forecast", "acme/company.toml", *fast, "--out", "out/forecast"], work, env)
    assert (work / "out" / "forecast" / "summary.csv").is_file()
    assert (work / "out" / "forecast" / "fan_chart.png").stat().st_size > 10_000
    compared = run(["funnelsim", "compare", "acme/company.toml", "--fix", "self_serve_sandbox", *fast,
                    "--out", "out/compare"], work, env)
    assert "Self-serve sandbox" in compared and (work / "out" / "compare" / "ranking.csv").is_file()
    run(["funnelsim", "run", "acme/company.toml", "--out", "out/run"], work, env)
    run(["funnelsim", "dashboard", "out/run", "--week", "2027-W26", "--out", "out/dashboard"], work, env)
    assert (work / "out" / "dashboard" / "dashboard-2027-W26.html").is_file()
    # shipped scenarios by name, their relative extends and playbook paths resolving inside the package
    run(["funnelsim", "validate", "ml_company"], work, env)  # extends = "ai_startup.toml" beside it in the package
    run(["funnelsim", "validate", "fractional_cro_playbook"], work, env)  # ../ai_startup.toml, ../fixes/ playbook
    assert sorted(p.name for p in work.iterdir()) == ["acme", "out"]  # nothing written elsewhere in the folder
