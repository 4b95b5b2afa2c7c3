"""funnelsim's engine: scenarios, random streams, the SimPy funnel and its outcome tables.

>>> from simulation import load_scenario, simulate
>>> outcome = simulate(load_scenario("scenarios/ai_startup.toml"), seed=1)  # doctest: +SKIP

The names below are imported on first use (PEP 562), so that importing one light module of the package (the command
line's arguments, the limits) does not load the engine, pandas and SciPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulation.engine import Outcome, simulate
    from simulation.loader import ScenarioError, load_fix, load_scenario, resolve_fixes
    from simulation.scenario import Scenario

_WHERE = {
    "Outcome": "simulation.engine",
    "simulate": "simulation.engine",
    "ScenarioError": "simulation.loader",
    "load_fix": "simulation.loader",
    "load_scenario": "simulation.loader",
    "resolve_fixes": "simulation.loader",
    "Scenario": "simulation.scenario",
}
__all__ = ["Outcome", "Scenario", "ScenarioError", "load_fix", "load_scenario", "resolve_fixes", "simulate"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")
