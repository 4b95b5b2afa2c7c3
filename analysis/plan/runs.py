"""The plan's Monte Carlo runs: every scenario of the plan from one seed (common random numbers), each run once.

Replication k of every scenario the plan weighs (the baseline, the baseline with each fix, the plan, the two CRO
options) starts from the same child seed, so the differences are paired (:mod:`analysis.montecarlo.compare`).
Runs are kept by name: the fixes section and the target section ask for the baseline once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analysis.montecarlo.fast_reducer import reduce_record
from simulation.backends import Backend
from simulation.loader import load_fix, resolve_fixes
from simulation.replications import Replications, run_replications
from simulation.scenario import Scenario


@dataclass
class Runs:
    """``reps`` replications from ``seed`` per named scenario, on ``backend`` (None: serially), kept by name."""

    seed: int
    reps: int
    backend: Backend | None = None
    done: dict[str, Replications] = field(default_factory=dict)

    def of(self, name: str, scenario: Scenario) -> Replications:
        """The replications of ``scenario`` (run the first time ``name`` is asked for)."""
        if name not in self.done:
            self.done[name] = run_replications(scenario, self.seed, self.reps, reduce_record, backend=self.backend)
        return self.done[name]


def with_fixes(scenario: Scenario, paths: Sequence[str | Path], offset_days: float = 0.0) -> Scenario:
    """``scenario`` with the fix files ``paths`` stacked on its own fixes, each delayed by ``offset_days`` (a CRO's
    start delay: a playbook's fixes start when the CRO does), resolved as the loader resolves ``--fix``."""
    added = tuple(load_fix(Path(p), offset_days=offset_days) for p in paths)
    return resolve_fixes(scenario.model_copy(update={"fixes": (*scenario.fixes, *added)}), scenario.name)
