"""Read scenario and fix files (TOML) into a validated :class:`~simulation.scenario.Scenario`.

This is the edge: everything a user can get wrong in a file is caught here and reported as one
:class:`ScenarioError` line naming the file, the key and the problem. ``extends`` chains are merged (child over
parent, tables recursively, a distribution or array replaced whole); fixes are validated on their own (as partial
sections) and again once stacked on the base, so a fix that breaks a cross-field rule is named too.

Files are validated strictly: a TOML value must already have the type the key needs (``true`` or ``"0.5"`` is not
a probability; an integer is accepted where a number is), as the JSON Schema printed by ``funnelsim schema`` says.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from simulation import input_files, limits, scenario_limits, shipped
from simulation import relative as relative_values
from simulation.distributions import Distribution
from simulation.errors import InputError
from simulation.messages import DIST_KINDS, dotted, explain, show, toml_problem
from simulation.pipeline import open_deals_from_csv
from simulation.scenario import FIXABLE, SECTION_TYPES, Fix, FixFile, Scenario, apply_patch
from simulation.staffing import FixStaffFile, Hire

Provenance = dict[tuple[str, ...], Path]
# The keys naming files that may be shipped ones, by name (simulation.shipped), and the kind of file they name.
SHIPPED_KINDS: dict[str, shipped.Kind] = {"extends": "scenario", "cro.playbook": "fix"}
M = TypeVar("M", bound=BaseModel)


class ScenarioError(InputError):
    """A scenario or fix file is unusable; ``str(error)`` is the one-line message for the user."""

    def __init__(self, message: str) -> None:
        # One line, whatever a value, a key or a path contained (newlines, NULs and the like are escaped).
        super().__init__(input_files.printable(message))


def load_scenario(path: str | Path, fixes: Sequence[str | Path] = ()) -> Scenario:
    """Load ``path`` (following ``extends``), add the CRO playbook and the given ``fixes``, validate everything."""
    path = Path(path)
    raw, provenance = _read_chain(path, ())
    raw.pop("extends", None)
    if "fixes" in raw:
        raise ScenarioError(f"{provenance[('fixes',)]}: fixes: unknown key (fixes come from --fix or cro.playbook)")
    with np.errstate(all="ignore"):
        scenario = _validate(Scenario, raw, provenance, path)
        _computable(raw, provenance, path)
        scenario = _with_pipeline_csv(scenario, provenance, path)
        for loc, problem in scenario_limits.problems(scenario)[:1]:
            raise ScenarioError(f"{_source_of(loc, provenance, path)}: {dotted(loc)}: {problem}")
        playbook_file = _source_of(("cro", "playbook"), provenance, path)
        stacked = [
            load_fix(_existing(p, playbook_file, "cro.playbook"), offset_days=scenario.cro.start_delay_days)
            for p in scenario.cro.playbook
        ]
        stacked += [load_fix(Path(p)) for p in fixes]
        scenario = resolve_fixes(scenario.model_copy(update={"fixes": tuple(stacked)}), path)
    return scenario


def load_fix(path: str | Path, *, offset_days: float = 0.0) -> Fix:
    """Read one fix file; ``offset_days`` delays it (a CRO playbook starts when the CRO does)."""
    path = Path(path)
    raw = _read_toml(path)
    if "extends" in raw:
        raise ScenarioError(f"{path}: extends: a fix cannot extend another file; pass several --fix instead")
    if "fix" not in raw and "scenario" in raw:
        raise ScenarioError(f"{path}: fix: this is a scenario file, not a fix (a fix starts with a [fix] table)")
    hires = _fix_hires(raw, path)
    raw = {k: v for k, v in raw.items() if k != "staff"}
    for key in (k for k in raw if k != "fix" and k not in FIXABLE and k in Scenario.model_fields):
        raise ScenarioError(f"{path}: {key}: a fix cannot change [{key}]; fixes may change {', '.join(FIXABLE)} "
                            "(arrivals stay fixed so every scenario sees the same prospects)")
    try:
        raw, relative = relative_values.split(raw)
    except relative_values.RelativeError as exc:
        raise _relative_error(exc, path) from None
    with np.errstate(all="ignore"):
        parsed = _validate(FixFile, raw, {}, path)
        _computable(raw, {}, path)
    patch = {k: v for k, v in parsed.model_dump(by_alias=True, exclude_none=True).items() if k != "fix" and v}
    header = parsed.fix
    start = header.start_day + offset_days
    return Fix(name=header.name, summary=header.summary, start_day=start, source=str(path), patch=patch,
               relative=relative, one_off_cost=header.one_off_cost, monthly_cost=header.monthly_cost,
               hires=tuple(h.model_copy(update={"day": h.day + start}) for h in hires))


def _fix_hires(raw: dict[str, Any], path: Path) -> tuple[Hire, ...]:
    """A fix file's ``[staff]`` hires (a fix may add hires, nothing else of the section), days from its start."""
    if "staff" not in raw:
        return ()
    if not isinstance(raw["staff"], dict) or set(raw["staff"]) - {"hires"}:
        extra = sorted(set(raw["staff"]) - {"hires"}) if isinstance(raw["staff"], dict) else []
        key = f"staff.{extra[0]}" if extra else "staff"
        raise ScenarioError(f"{path}: {key}: a fix may only add hires to [staff] (staff.hires = [...]); the "
                            "section's other keys belong to the scenario")
    with np.errstate(all="ignore"):
        return _validate(FixStaffFile, {"staff": raw["staff"]}, {}, path).staff.hires


def _relative_error(exc: relative_values.RelativeError, path: Path) -> ScenarioError:
    given = f", got {show(exc.given)}" if exc.has_given else ""
    return ScenarioError(f"{path}: {exc.key}: {exc.problem}{given}")


def _validate(model: type[M], raw: dict[str, Any], provenance: Provenance, path: Path) -> M:
    """``model`` validated strictly from TOML data (arrays become tuples, the only conversion strict mode needs)."""
    try:
        return model.model_validate(_tuples(raw), strict=True)
    except ValidationError as exc:
        raise _as_error(exc, provenance, path, model) from None
    except ArithmeticError as exc:  # a distribution whose numbers overflow when a validator evaluates it
        raise _overflow(raw, provenance, path, exc) from None


def _tuples(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _with_pipeline_csv(scenario: Scenario, provenance: Provenance, path: Path) -> Scenario:
    """Read ``pipeline.csv`` (relative to the file that names it) into open-deal entries."""
    if scenario.pipeline.csv is None:
        return scenario
    source = _source_of(("pipeline", "csv"), provenance, path)
    csv = _existing(scenario.pipeline.csv, source, "pipeline.csv")
    try:
        entries = open_deals_from_csv(csv, scenario.scenario.start_date)
    except ValidationError as exc:  # a deal's dates do not make an open deal (e.g. a stage after the start date)
        first = exc.errors()[0]
        field = dotted(_clean(first["loc"], "")[0])
        raise ScenarioError(f"{source}: pipeline.csv: {csv}: {field}: {explain(first, (), None)}") from None
    except InputError as exc:
        raise ScenarioError(f"{source}: pipeline.csv: {exc}") from None
    pipeline = scenario.pipeline.model_copy(update={"open": scenario.pipeline.open + entries, "csv": str(csv)})
    return scenario.model_copy(update={"pipeline": pipeline})


def _existing(target: str, named_in: Path, key: str) -> Path:
    """``target`` (relative to the file ``named_in`` that names it under ``key``), which must be a file; a bare
    name with no such file beside ``named_in`` is a shipped file's name (:mod:`simulation.shipped`)."""
    kind = SHIPPED_KINDS.get(key)
    named: dict[str, Path] = {}
    try:
        candidate = _resolve(target, named_in)
        if kind and shipped.is_name(target) and not os.path.lexists(candidate):
            named = shipped.shipped(kind)
            candidate = named.get(target.removesuffix(".toml"), candidate)
        found, is_file = candidate.exists(), candidate.is_file()
        if not found and candidate.is_symlink():
            candidate.stat()  # raises: a loop, or a link to nothing
    except (OSError, ValueError, RuntimeError) as exc:  # embedded NUL, name too long, ~user without a home, ...
        if getattr(exc, "errno", None) == errno.ELOOP:
            raise ScenarioError(f"{named_in}: {key}: {candidate} is a symlink loop") from None
        if getattr(exc, "errno", None) == errno.ENOENT:
            raise ScenarioError(f"{named_in}: {key}: {candidate} is a link to nothing") from None
        why = getattr(exc, "strerror", None) or exc
        raise ScenarioError(f"{named_in}: {key}: unusable path {show(target)} ({why})") from None
    if not found:
        also = f", nor a shipped {kind} name (shipped: {', '.join(named)}; `funnelsim scenarios` lists them)"
        raise ScenarioError(f"{named_in}: {key}: no such file {candidate}{also if named else ''}")
    if not is_file:
        raise ScenarioError(f"{named_in}: {key}: {candidate} is not a file")
    return candidate


def resolve_fixes(scenario: Scenario, named: str | Path = "") -> Scenario:
    """``scenario`` with its fixes resolved: stacked in start-day order (ties keep the order given), as the engine
    will, each fix's relative values turned into absolute ones against the parameters in force when it starts, and
    its changes and warnings recorded (:mod:`simulation.relative`). A fix whose values break a rule is named in a
    :class:`ScenarioError` (``named``: the scenario file, for the message)."""
    path = Path(named or scenario.name)
    current = scenario
    done: dict[int, Fix] = {}
    with np.errstate(all="ignore"):
        for index, fix in sorted(enumerate(scenario.fixes), key=lambda pair: pair[1].start_day):
            if fix.start_day >= scenario.scenario.horizon_days:
                raise ScenarioError(f"{fix.source}: fix.start_day: {fix.start_day:g} is beyond the horizon "
                                    f"({scenario.scenario.horizon_days} days) of {path}")
            try:
                fix = relative_values.resolve(fix, current)
            except relative_values.RelativeError as exc:
                raise _relative_error(exc, Path(fix.source)) from None
            _computable(fix.patch, {}, Path(fix.source))  # a scaled distribution may overflow where the file did not
            after = _stacked(current, fix, path)
            for loc, problem in scenario_limits.problems(after, calendar=False)[:1]:
                raise ScenarioError(f"{fix.source}: {dotted(loc)}: {problem} (once stacked on {path})")
            done[index] = relative_values.settle(fix, current, after, [done[i] for i in done])
            current = after
    return scenario.model_copy(update={"fixes": tuple(done[i] for i in range(len(scenario.fixes)))})


def _stacked(current: Scenario, fix: Fix, path: Path) -> Scenario:
    """``current`` with ``fix`` applied, or the error naming the fix, the key and, for a relative value, how the
    value came about."""
    try:
        return apply_patch(current, fix.patch)
    except ValidationError as exc:
        section = next((name for name, kind in SECTION_TYPES.items() if kind.__name__ == exc.title), "")
        error = str(_as_error(exc, {}, Path(fix.source), None, prefix=section))
        how = next((f"from {relative_values.written(fix, section, key)} on "
                    f"{relative_values.readable(getattr(getattr(current, section), key))}, "
                    for key in fix.relative.get(section, {}) if error.startswith(f"{fix.source}: {section}.{key}")),
                   "")
        raise ScenarioError(f"{error} ({how}once stacked on {path})") from None
    except ArithmeticError as exc:
        raise _overflow(fix.patch, {}, Path(fix.source), exc) from None


def _read_chain(path: Path, stack: tuple[Path, ...]) -> tuple[dict[str, Any], Provenance]:
    if len(stack) >= limits.MAX_EXTENDS:
        raise ScenarioError(f"{stack[0]}: extends: a chain of more than {limits.MAX_EXTENDS} files (the limit)")
    raw = _read_toml(path, quote=not stack)  # first: a missing file or a symlink loop is named as such
    if path.resolve() in [p.resolve() for p in stack]:
        cycle = " -> ".join(str(p) for p in (*stack, path))
        raise ScenarioError(f"{stack[-1]}: extends: circular extends ({cycle})")
    if "fix" in raw:
        raise ScenarioError(f"{path}: fix: this is a fix file; pass it with --fix on top of a scenario")
    provenance: Provenance = {}
    base: dict[str, Any] = {}
    parent = raw.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(f"{path}: extends: must be a file path (string), got {show(parent)}")
        target = _existing(parent, path, "extends")
        if target.suffix.lower() != ".toml":
            raise ScenarioError(f"{path}: extends: {target} is not a .toml file")
        base, provenance = _read_chain(target, (*stack, path))
    _merge(base, raw, path, (), provenance)
    return base, provenance


def _resolve(target: str, relative_to: Path) -> Path:
    candidate = Path(target).expanduser()
    return candidate if candidate.is_absolute() else relative_to.parent / candidate


def _merge(into: dict[str, Any], new: dict[str, Any], source: Path, at: tuple[str, ...], prov: Provenance) -> None:
    for key, value in new.items():
        here = (*at, key)
        # A distribution (a table with "dist") or an array replaces the old value whole: keys of another
        # distribution kind would otherwise leak into it.
        if isinstance(value, dict) and "dist" not in value and isinstance(into.get(key), dict):
            _merge(into[key], value, source, here, prov)
        else:
            into[key] = value
            for old in [k for k in prov if k[: len(here)] == here]:
                del prov[old]
        prov[here] = source


def _read_toml(path: Path, *, quote: bool = True) -> dict[str, Any]:
    """A TOML file's data. ``quote=False`` (a file reached through ``extends``): a syntax error does not quote
    the file's text, which may be any file a scenario names."""
    try:
        data = input_files.read_bytes(path, "TOML file", limits.MAX_TOML_BYTES)
    except InputError as exc:
        raise ScenarioError(str(exc)) from None
    data = data.removeprefix(input_files.BOM)  # as spreadsheet and Windows editors write it
    if not data.strip():
        raise ScenarioError(f"{path}: file is empty")
    if b"\x00" in data:
        raise ScenarioError(f"{path}: binary file, not TOML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text, so not a TOML file") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = toml_problem(text, str(exc)) if quote else _unquoted(str(exc))
        raise ScenarioError(f"{path}: {problem}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: malformed TOML: arrays or tables nested too deeply") from None
    if _depth(raw) > limits.MAX_TOML_DEPTH:
        raise ScenarioError(f"{path}: tables or arrays nested more than {limits.MAX_TOML_DEPTH} deep (the limit)")
    return raw


def _unquoted(message: str) -> str:
    where = re.search(r"\(at (?:line \d+, column \d+|end of document)\)$", message)
    return f"not a TOML file (malformed TOML {where[0][1:-1]})" if where else "not a TOML file"


def _depth(value: Any) -> int:
    """How deep tables and arrays nest in ``value`` (iteratively: a 1,000-deep file must not hit the recursion
    limit here)."""
    deepest, todo = 0, [(value, 0)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level + 1)
        if deepest > limits.MAX_TOML_DEPTH:
            return deepest
        todo.extend((child, level + 1) for child in children)
    return deepest


def _as_error(exc: ValidationError, provenance: Provenance, default: Path, model: type[BaseModel] | None,
              prefix: str = "") -> ScenarioError:
    errors = exc.errors()
    # A misspelt key shows up twice: as unknown, and its right spelling as missing. Report the first, suggest the
    # second, and do not count the missing one as another problem.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc, dist = _clean(first["loc"], prefix)
    problem = explain(first, loc, model, dist)
    given = first.get("input")
    if first["type"] == "union_tag_not_found" and isinstance(given, dict):  # {dst = "fixed", ...}: a misspelt dist
        close = difflib.get_close_matches("dist", [k for k in given if isinstance(k, str)], n=1, cutoff=0.5)
        if close:
            loc, problem = (*loc, close[0]), "unknown key (did you mean 'dist'?)"
    seen = {loc[:n] for n in range(len(loc) + 1)}  # an error on a containing table is a consequence
    hint = re.search(r"did you mean '([^']+)'", problem)
    if hint:
        seen.add((*loc[:-1], hint[1]))
    more = len({_clean(e["loc"], prefix)[0] for e in errors} - seen)
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ScenarioError(f"{_source_of(loc, provenance, default)}: {dotted(loc)}: {problem}{tail}")


def _clean(raw_loc: Iterable[Any], prefix: str) -> tuple[tuple[str | int, ...], str]:
    """The location as the user wrote it (pydantic adds the chosen distribution kind as a step), and that kind."""
    loc: list[str | int] = [prefix] if prefix else []
    dist = ""
    for part in raw_loc:
        if isinstance(part, str) and (part in DIST_KINDS or part.startswith("function-")):
            dist = part if part in DIST_KINDS else dist
        else:
            loc.append(part)
    return tuple(loc), dist


def _source_of(loc: tuple[str | int, ...], provenance: Provenance, default: Path) -> Path:
    keys = tuple(str(p) for p in loc)
    for n in range(len(keys), 0, -1):
        if keys[:n] in provenance:
            return provenance[keys[:n]]
    return default


_ANY_DISTRIBUTION: TypeAdapter[Any] = TypeAdapter(Distribution)


def _overflow(raw: dict[str, Any], provenance: Provenance, default: Path, exc: ArithmeticError) -> ScenarioError:
    """The error for a validator that overflowed: the distribution that cannot be computed, if one can be named."""
    try:
        _computable(raw, provenance, default)
    except ScenarioError as named:
        return named
    return ScenarioError(f"{default}: (top level): a number is too extreme to compute with ({_reason(exc)})")


def _computable(raw: dict[str, Any], provenance: Provenance, default: Path) -> None:
    """Every distribution in ``raw`` must give finite values (a gamma with sd 1e200 overflows in the engine)."""
    for loc, table in _distributions(raw, ()):
        try:
            values = _ANY_DISTRIBUTION.validate_python(_tuples(table)).ppf(np.array([0.0, 0.5, 0.999999]))
            problem = "" if np.isfinite(values).all() else "parameters too extreme (values are not finite numbers)"
        except ArithmeticError as found:
            problem = f"parameters too extreme to compute with ({_reason(found)})"
        except ValueError:  # not a valid distribution: reported by the validation proper
            continue
        if problem:
            raise ScenarioError(f"{_source_of(loc, provenance, default)}: {dotted(loc)}: {problem}")


def _reason(exc: BaseException) -> str:
    return str(exc.args[-1]) if exc.args else type(exc).__name__  # OverflowError(34, "Numerical result ...")


def _distributions(raw: Any, at: tuple[str, ...]) -> Iterable[tuple[tuple[str, ...], dict[str, Any]]]:
    if isinstance(raw, dict):
        if "dist" in raw:
            yield at, raw
        else:
            for key, value in raw.items():
                yield from _distributions(value, (*at, str(key)))
