"""Relative fix values: ``solution_engineers = { add = 1 }``, ``duration_days = { scale = 0.7 }``.

A fix that says "one more engineer" or "a third shorter" means it against the company it is applied to, not
against the shipped baseline, so a fix file may give a value as a change of the one in force:

* ``{ add = N }`` on a number: an integer key (engineers, account executives) takes whole numbers only; a
  probability is clipped to [0, 1], with a warning naming the fix and the key;
* ``{ scale = K }`` (K > 0, finite) on a number or a distribution: a distribution becomes that of K times the
  variable (:meth:`simulation.distributions._Dist.scaled`); a scaled integer is rounded, with a warning.

The loader resolves them in stacking order (start day, ties in the order given) against the parameters in force
when the fix starts, so the engine only ever sees absolute patches. This module holds the pure part: which keys
may be relative and how (:func:`field_kind`), reading them out of a fix file (:func:`split`), resolving them
(:func:`resolve`) and what a resolved fix changed and warns about (:func:`settle`). Problems are raised as
:class:`RelativeError` (key, problem, given value); the loader makes them its one-line ``ScenarioError``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, get_args

from pydantic import TypeAdapter

from simulation.distributions import Distribution
from simulation.scenario import FIXABLE, SECTION_TYPES, Fix, Scenario
from simulation.staffing import Hire, Staff

Kind = Literal["int", "number", "probability", "distribution"]
Relative = dict[str, dict[str, dict[str, float]]]  # section -> key -> {"add": N} or {"scale": K}
OPERATORS: Final = ("add", "scale")
_NOTHING: Final = object()
_DIST: TypeAdapter[Any] = TypeAdapter(Distribution)
_DIST_PARAMETERS: Final = frozenset(
    info.alias or name for kind in get_args(get_args(Distribution)[0]) for name, info in kind.model_fields.items()
)


class RelativeError(ValueError):
    """A relative value that cannot be used: ``key`` (dotted), ``problem``, and the value given if it matters."""

    def __init__(self, key: str, problem: str, given: Any = _NOTHING) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem, self.given = key, problem, given

    @property
    def has_given(self) -> bool:
        return self.given is not _NOTHING


def field_kind(section: str, key: str) -> Kind | None:
    """How ``section.key`` may be changed relatively (None: not at all, e.g. ``on_fail``).

    >>> field_kind("pov", "solution_engineers"), field_kind("pov", "completion_probability")
    ('int', 'probability')
    >>> field_kind("pov", "duration_days"), field_kind("spend", "marketing_per_month")
    ('distribution', 'number')
    >>> field_kind("data_quality", "on_fail") is None, field_kind("pov", "patience_days")
    (True, 'distribution')
    """
    model = SECTION_TYPES.get(section)
    info = model.model_fields.get(key) if model is not None else None
    if info is None:
        return None
    types = {a for a in (get_args(info.annotation) or (info.annotation,)) if a is not type(None)}
    if info.discriminator == "dist" or Distribution in types:  # `Distribution | None`: patience, say
        return "distribution"
    metadata = list(info.metadata)
    for arg in types:  # `Probability | None` keeps its bounds inside the union member
        metadata += [m for part in getattr(arg, "__metadata__", ()) for m in getattr(part, "metadata", [part])]
    bare = {get_args(a)[0] if hasattr(a, "__metadata__") else a for a in types}
    if bare == {int}:
        return "int"
    if bare != {float}:
        return None
    lowest = next((m.ge for m in metadata if getattr(m, "ge", None) is not None), None)
    highest = next((m.le for m in metadata if getattr(m, "le", None) is not None), None)
    return "probability" if (lowest, highest) == (0, 1) else "number"


def split(raw: Mapping[str, Any]) -> tuple[dict[str, Any], Relative]:
    """A fix file's TOML data without its relative values, and those values checked: ``(absolute, relative)``.

    Only known keys of fixable sections are taken; anything else stays for the ordinary validation to report. On a
    distribution key a table is relative when it has no ``dist`` and names no distribution parameter, so a
    misspelt distribution (``{ low = 30, high = 60 }``) is still reported as one.
    """
    absolute = dict(raw)
    relative: Relative = {}
    for section in FIXABLE:
        fields = raw.get(section)
        if not isinstance(fields, dict):
            continue
        kept = {}
        for key, value in fields.items():
            kind = field_kind(section, key)
            if kind is not None and isinstance(value, dict) and _is_relative(kind, value):
                relative.setdefault(section, {})[key] = _operator(f"{section}.{key}", kind, value)
            else:
                kept[key] = value
        absolute[section] = kept
    return absolute, relative


def _is_relative(kind: Kind, table: dict[str, Any]) -> bool:
    if kind != "distribution":
        return True  # a number never takes a table otherwise
    keys = {str(k) for k in table}
    if "dist" in keys or not keys:
        return False
    return bool(keys & set(OPERATORS)) or not (keys & _DIST_PARAMETERS or difflib.get_close_matches("dist", keys,
                                                                                                   cutoff=0.5))


def _operator(key: str, kind: Kind, table: dict[str, Any]) -> dict[str, float]:
    """``{"add": n}`` or ``{"scale": k}``, checked (``key`` is the dotted key, for the messages)."""
    if "dist" in table or set(table) & _DIST_PARAMETERS:  # a distribution where a number belongs
        raise RelativeError(key, "expected a number, or a relative value { add = N } or { scale = K }", table)
    for name in table:
        if name not in OPERATORS:
            close = difflib.get_close_matches(str(name), OPERATORS, n=1)
            if close:  # a misspelt operator: name it
                raise RelativeError(f"{key}.{name}", f"unknown key (did you mean {close[0]!r}?): a relative value is "
                                    "{ add = N } or { scale = K }")
            raise RelativeError(key, f"unknown operator {str(name)!r}: a relative value is {{ add = N }} or "
                                "{ scale = K }", table)
    if not table:
        raise RelativeError(key, "empty table: a relative value is { add = N } or { scale = K }")
    if len(table) > 1:
        raise RelativeError(key, "give one operator, add or scale, not both")
    (name, given), = table.items()
    where = f"{key}.{name}"
    if isinstance(given, bool) or not isinstance(given, int | float):
        raise RelativeError(where, "must be a number", given)
    try:
        number = float(given)
    except OverflowError:
        raise RelativeError(where, "is too large a number", given) from None
    if not math.isfinite(number):
        raise RelativeError(where, "must be a finite number", given)
    if name == "scale":
        if number <= 0:
            raise RelativeError(where, "must be greater than 0 (0.7 makes it 30 % smaller, 1.5 half as large again)",
                                given)
        return {"scale": number}
    if kind == "distribution":
        raise RelativeError(where, "a distribution cannot be added to; scale it instead, e.g. { scale = 0.7 } for "
                            "30 % shorter")
    if kind == "int":
        if not number.is_integer():
            raise RelativeError(where, "must be a whole number (the key counts people or things)", given)
        return {"add": int(number)}
    return {"add": given}


def resolve(fix: Fix, current: Scenario) -> Fix:
    """``fix`` with its relative values turned into absolute ones against the parameters ``current`` (in force when
    it starts), added to its patch; warnings for clipped probabilities and rounded integers. Its absolute values
    are kept; values resolved against another scenario before are resolved afresh."""
    patch = {s: {k: v for k, v in keys.items() if k not in fix.relative.get(s, {})} for s, keys in fix.patch.items()}
    warnings = []
    for section, keys in fix.relative.items():
        for key, operation in keys.items():
            value, warning = _apply(f"{section}.{key}", field_kind(section, key), getattr(getattr(current, section),
                                                                                          key), operation)
            patch.setdefault(section, {})[key] = value
            if warning:
                warnings.append(f"{fix.name}: {warning}")
    ordered = {s: {k: patch[s][k] for k in SECTION_TYPES[s].model_fields if k in patch[s]} for s in patch}
    return fix.model_copy(update={"patch": {s: keys for s, keys in ordered.items() if keys},
                                  "warnings": tuple(warnings)})


def _apply(key: str, kind: Kind | None, before: Any, operation: dict[str, float]) -> tuple[Any, str]:
    """The absolute value and a warning ("" if none) for one relative value applied to ``before``."""
    (name, operand), = operation.items()
    text = f"{{ {name} = {operand:g} }}"
    if before is None:
        raise RelativeError(key, f"{text} needs a value to start from, and the scenario sets none; give an absolute "
                            "value")
    if kind == "distribution":
        return before.scaled_fields(operand), ""  # validated when the patch is applied
    raw = before + operand if name == "add" else before * operand
    sign = "+" if name == "add" else "x"
    if kind == "int":
        whole = math.floor(raw + 0.5)
        note = "" if raw == whole else f"{key}: {before} {sign} {operand:g} = {raw:g}, rounded to {whole}"
        return whole, note
    value = float(f"{raw:.12g}")
    if kind == "probability" and not 0 <= value <= 1:
        clipped = min(1.0, max(0.0, value))
        side = "above 1" if value > 1 else "below 0"
        return clipped, f"{key}: {before:g} {sign} {operand:g} = {value:g} is {side}; clipped to {clipped:g}"
    return value, ""


def settle(fix: Fix, before: Scenario, after: Scenario, earlier: Sequence[Fix]) -> Fix:
    """``fix`` (resolved, applied to ``before`` giving ``after``) with its per-key changes and the warnings: keys it
    leaves as they were, and absolute values that replace what an ``earlier`` fix of the stack set."""
    changes = []
    conflicts = []
    for section, keys in fix.patch.items():
        old = getattr(before, section).model_dump(by_alias=True)
        new = getattr(after, section).model_dump(by_alias=True)
        for key in keys:
            changes.append((f"{section}.{key}", old[key], new[key]))
            other = next((f for f in reversed(earlier) if key in f.patch.get(section, {})), None)
            if other is not None and key not in fix.relative.get(section, {}):
                conflicts.append(f"{fix.name}: {section}.{key} is set by both {other.name} (day {other.start_day:g}) "
                                 f"and {fix.name} (day {fix.start_day:g}): the absolute value of {fix.name} replaces "
                                 f"what {other.name} set; write it as {{ add = ... }} or {{ scale = ... }} to build on "
                                 "it")
    changes += [("staff.hires", "none", hired(h, after.staff or Staff())) for h in fix.hires]
    settled = fix.model_copy(update={"changes": tuple(changes)})
    return settled.model_copy(update={"warnings": (*fix.warnings, *no_effect(settled), *conflicts)})


def hired(hire: Hire, staff: Staff) -> str:
    """A fix's hire as ``changes`` shows it (lead time and ramp from ``staff`` where the hire gives none).

    >>> hired(Hire(role="solution_engineers", day=0, lead_time_days=60), Staff(ramp_days=45))
    '+1 solution engineer from day 60 (decided day 0), full after 45 days'
    """
    lead = staff.lead_time_days if hire.lead_time_days is None else hire.lead_time_days
    ramp = staff.ramp_days if hire.ramp_days is None else hire.ramp_days
    return (f"+1 {hire.role.replace('_', ' ')[:-1]} from day {hire.day + lead:g} (decided day {hire.day:g}), "
            f"full after {ramp:g} days")


def no_effect(fix: Fix) -> tuple[str, ...]:
    """The warnings of a resolved fix for each key it leaves as it was (``no effect: pov.solution_engineers is
    already 3``), or for changing no key at all; each names the fix."""
    if not fix.changes and not fix.patch and not fix.relative and not fix.hires:
        return (f"{fix.name}: no effect: the fix changes no parameter",)
    return tuple(f"{fix.name}: no effect: {key} is already {readable(before)}"
                 for key, before, after in fix.changes if before == after)


def readable(value: Any) -> str:
    """A parameter value as ``funnelsim validate`` prints it: a distribution by its repr, numbers briefly.

    >>> readable({"dist": "triangular", "low": 45.0, "mode": 60.0, "high": 90.0})
    'triangular(low=45, mode=60, high=90)'
    >>> readable(0.75), readable(3), readable(None)
    ('0.75', '3', 'not set')
    """
    if isinstance(value, dict) and "dist" in value:
        return repr(_DIST.validate_python(value))
    if hasattr(value, "ppf"):  # a distribution object
        return repr(value)
    if isinstance(value, float):
        return f"{value:.12g}"
    return "not set" if value is None else str(value)


def written(fix: Fix, section: str, key: str) -> str:
    """How the fix file gave ``section.key``: ``{ add = 1 }`` for a relative value, else ``""``.

    >>> written(Fix(name="x", relative={"pov": {"solution_engineers": {"add": 1}}}), "pov", "solution_engineers")
    '{ add = 1 }'
    """
    operation = fix.relative.get(section, {}).get(key)
    if not operation:
        return ""
    (name, operand), = operation.items()
    return f"{{ {name} = {operand:g} }}"
