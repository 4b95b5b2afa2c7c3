"""Where the files a lesson reads are, whatever folder the notebook runs from."""

from __future__ import annotations

from pathlib import Path

from simulation import shipped

ROOT = Path(__file__).resolve().parents[2]
"""The checkout holding ``scenarios/`` (the teaching notebooks run from a source checkout)."""


def scenario(name: str) -> Path:
    """The shipped scenario or fix ``name`` (``"ai_startup"``, ``"fixes/more_engineers"``) as an absolute path.

    >>> scenario("ai_startup").name
    'ai_startup.toml'
    """
    path = shipped.root() / f"{name.removesuffix('.toml')}.toml"
    if not path.is_file():
        raise FileNotFoundError(f"no shipped scenario {name!r} (looked for {path})")
    return path


def shared_data(*parts: str) -> Path:
    """A file of the public datasets that sit beside the checkout (``../shared/data``), as in CI."""
    path = ROOT.parent.joinpath("shared", "data", *parts)
    if not path.exists():
        raise FileNotFoundError(f"no shared data file {path}")
    return path
