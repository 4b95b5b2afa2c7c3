"""Replication k's parameters: the scenario with one draw from its ``[uncertainty]`` section applied.

:func:`with_parameter_draw` is called inside each replication with the replication's own seed, so the worker gets
the base scenario once and the draw depends on the seed only (never on the worker count, the batch size or the
backend). The draw comes from its own random stream (:func:`simulation.randomness.stream`, ``parameters``, appended
after the others), so the prospects and every stage uniform are those of the scenario without uncertainty, and a
scenario without the section gives exactly the results it gave before.

**Common random numbers.** Replication k draws the same deviations ``z`` in every variant of a comparison (the
same seed, the same section), so the variants share one set of "true" parameters per replication. Fixes apply on
top of the drawn parameters: a relative fix (``{ scale = 0.67 }``, ``{ add = 1 }``) is resolved again against the
drawn values, an absolute one replaces them, as it would replace the fitted value.

:func:`problems` checks the section against the scenario when it is loaded (every path names a parameter the
scale fits), so a replication never meets a path it cannot apply.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Final

import numpy as np
from pydantic import BaseModel

from simulation.errors import InputError
from simulation.randomness import Seed, stream
from simulation.relative import resolve
from simulation.scenario import Scenario, apply_patch
from simulation.uncertainty import ParameterUncertainty, Scale, inverse, transform, valid_on

DRAWABLE_SECTIONS: Final = ("arrivals", "tiers", "data_quality", "pov", "validation", "negotiation", "retention")
DIST_FIELDS: Final = ("mean", "sd", "scale")
Problem = tuple[tuple[str, ...], str]


def with_parameter_draw(scenario: Scenario, seed: Seed) -> Scenario:
    """``scenario`` with replication ``seed``'s parameter draw applied; ``scenario`` itself when it has no
    ``[uncertainty]`` section (or it was switched off)."""
    section = scenario.uncertainty
    if section is None:
        return scenario
    z = section.draw(stream(seed, "parameters"))
    drawn = apply_draw(scenario, section, z)
    return _refix(drawn) if drawn.fixes else drawn


def apply_draw(scenario: Scenario, section: ParameterUncertainty, z: np.ndarray) -> Scenario:
    """``scenario`` with each listed parameter moved by ``z`` on its scale (the draw's deterministic part)."""
    dumps: dict[str, dict[str, Any]] = {}
    for path, scale, dz in zip(section.parameters, section.scales, z, strict=True):
        parts = path.split(".")
        top = parts[0]
        if top not in dumps:
            dumps[top] = getattr(scenario, top).model_dump(by_alias=True)
        dump = dumps[top]
        value = _get(scenario, parts)
        if _is_distribution(value):  # path ends in .scale: the distribution scaled as a whole
            _set(dump, parts[1:-1], value.scaled_fields(math.exp(float(dz))))
        else:
            _set(dump, parts[1:], inverse(scale, transform(scale, float(value)) + float(dz)))
    update = {top: type(getattr(scenario, top)).model_validate(dump) for top, dump in dumps.items()}
    return scenario.model_copy(update=update)


def _refix(scenario: Scenario) -> Scenario:
    """The fixes resolved again against the drawn parameters, stacked as the engine stacks them."""
    current = scenario
    fixes = list(scenario.fixes)
    for index, fix in sorted(enumerate(scenario.fixes), key=lambda pair: pair[1].start_day):
        if fix.relative:
            fixes[index] = fix = resolve(fix, current)
        current = apply_patch(current, fix.patch)
    return scenario.model_copy(update={"fixes": tuple(fixes)})


def _is_distribution(value: Any) -> bool:
    return isinstance(value, BaseModel) and hasattr(value, "ppf")


def _get(scenario: Scenario, parts: list[str]) -> Any:
    """The value at a path; ``...mean``/``...sd`` read a distribution's, ``...scale`` the distribution itself."""
    parent = _parent(scenario, parts)
    if _is_distribution(parent) and parts[-1] == "scale":
        return parent
    return getattr(parent, parts[-1])


def _parent(scenario: Scenario, parts: list[str]) -> Any:
    value: Any = scenario
    for name in parts[:-1]:
        value = getattr(value, name)
    return value


def _set(dump: dict[str, Any], parts: list[str], value: Any) -> None:
    target = dump
    for name in parts[:-1]:
        target = target[name]
    target[parts[-1]] = value


def problems(scenario: Scenario) -> list[Problem]:
    """What in the ``[uncertainty]`` section the scenario cannot apply (an unknown path, a value off its scale)."""
    section = scenario.uncertainty
    if section is None:
        return []
    for index, (path, scale) in enumerate(zip(section.parameters, section.scales, strict=True)):
        where = ("uncertainty", "parameters", str(index))
        problem = _problem(scenario, path, scale)
        if problem:
            return [(where, f"{path}: {problem}")]
    return []


def _problem(scenario: Scenario, path: str, scale: Scale) -> str:
    parts = path.split(".")
    if parts[0] not in DRAWABLE_SECTIONS or len(parts) < 2:
        return f"not a parameter of {', '.join(DRAWABLE_SECTIONS)}"
    try:
        parent = _parent(scenario, parts)
    except AttributeError:
        return "no such parameter in the scenario"
    name = parts[-1]
    if _is_distribution(parent):
        if name == "scale":
            return "" if scale == "log" else "a distribution scaled as a whole takes the log scale"
        if name not in ("mean", "sd") or name not in parent.model_dump(by_alias=True):
            return f"a {parent.dist} distribution has no {name} to draw (mean and sd: lognormal, gamma, weibull; " \
                   "scale: any distribution)"
        value = getattr(parent, name)
    else:
        field = type(parent).model_fields.get(name) if isinstance(parent, BaseModel) else None
        if field is None:
            return "no such parameter in the scenario"
        value = getattr(parent, name)
        if field.annotation is int or isinstance(value, bool):
            return "a count or a switch cannot be drawn (only numbers, probabilities and distributions)"
        if _is_distribution(value) or not isinstance(value, int | float):
            return "a distribution is drawn by its mean, sd or scale (e.g. duration_days.mean)"
    if not valid_on(scale, float(value)):
        return f"{value:g} cannot be put on the {scale} scale"
    return ""


def drawn_values(scenario: Scenario, seeds: Iterator[Seed] | list[Seed]) -> np.ndarray:
    """The drawn values of every listed parameter (rows: seeds), e.g. to check the draws against their SEs."""
    section = scenario.uncertainty
    if section is None:
        raise ValueError("the scenario has no [uncertainty] section")
    rows = []
    for seed in seeds:
        drawn = with_parameter_draw(scenario, seed)
        rows.append([_scalar(_get(drawn, path.split("."))) for path in section.parameters])
    return np.array(rows, dtype=float)


def _scalar(value: Any) -> float:
    return float(value.mean) if _is_distribution(value) else float(value)


def switched(scenario: Scenario, wanted: bool | None, source: object = "") -> Scenario:
    """The scenario as ``--parameter-uncertainty`` / ``--no-parameter-uncertainty`` asks: None keeps the section
    (on when the scenario carries one), False drops it, True requires it."""
    if wanted is False and scenario.uncertainty is not None:
        return scenario.model_copy(update={"uncertainty": None})
    if wanted and scenario.uncertainty is None:
        raise InputError(f"{source or scenario.name}: --parameter-uncertainty: the scenario has no [uncertainty] "
                         "section to draw from (funnelsim calibrate writes one)")
    return scenario


def describe(scenario: Scenario) -> str:
    """Which uncertainty a band of replications holds, in words for a chart or a console line."""
    section = scenario.uncertainty
    if section is None:
        return "simulation noise only (parameters fixed)"
    return f"simulation noise and parameter uncertainty ({len(section.parameters)} parameters drawn per replication)"
