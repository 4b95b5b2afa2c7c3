"""funnelsim's engine: scenarios, random streams, the SimPy funnel and its outcome tables.

>>> from simulation import load_scenario, simulate
>>> outcome = simulate(load_scenario("scenarios/ai_startup.toml"), seed=1)  # doctest: +SKIP
"""

from simulation.engine import Outcome, simulate
from simulation.loader import ScenarioError, load_fix, load_scenario, resolve_fixes
from simulation.scenario import Scenario

__all__ = ["Outcome", "Scenario", "ScenarioError", "load_fix", "load_scenario", "resolve_fixes", "simulate"]
