"""Read scenario and fix files (TOML) into a validated :class:`~simulation.scenario.Scenario`.

This is the edge: everything a user can get wrong in a file is caught here and reported as one
:class:`ScenarioError` line naming the file, the key and the problem. ``extends`` chains are merged (child over
parent, tables recursively, a distribution or array replaced whole); fixes are validated on their own (as partial
sections) and again once stacked on the base, so a fix that breaks a cross-field rule is named too.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from simulation.errors import InputError
from simulation.pipeline import open_deals_from_csv
from simulation.scenario import FIXABLE, SECTION_TYPES, Fix, FixFile, Scenario, regimes

Provenance = dict[tuple[str, ...], Path]


class ScenarioError(InputError):
    """A scenario or fix file is unusable; ``str(error)`` is the one-line message for the user."""


def load_scenario(path: str | Path, fixes: Sequence[str | Path] = ()) -> Scenario:
    """Load ``path`` (following ``extends``), add the CRO playbook and the given ``fixes``, validate everything."""
    path = Path(path)
    raw, provenance = _read_chain(path, ())
    raw.pop("extends", None)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise _as_error(exc, provenance, path, Scenario) from None
    scenario = _with_pipeline_csv(scenario, provenance, path)
    playbook = [(_resolve(p, provenance.get(("cro", "playbook"), path)), scenario.cro.start_delay_days)
                for p in scenario.cro.playbook]
    stacked = [load_fix(p, offset_days=delay) for p, delay in playbook]
    stacked += [load_fix(Path(p)) for p in fixes]
    scenario = scenario.model_copy(update={"fixes": tuple(stacked)})
    _check_stack(scenario, path)
    return scenario


def _with_pipeline_csv(scenario: Scenario, provenance: Provenance, path: Path) -> Scenario:
    """Read ``pipeline.csv`` (relative to the file that names it) into open-deal entries."""
    if scenario.pipeline.csv is None:
        return scenario
    csv = _resolve(scenario.pipeline.csv, provenance.get(("pipeline", "csv"), path))
    if not csv.exists():
        raise ScenarioError(f"{path}: pipeline.csv: no such file {csv}")
    entries = open_deals_from_csv(csv, pd.Timestamp(scenario.scenario.start_date))
    pipeline = scenario.pipeline.model_copy(update={"open": scenario.pipeline.open + entries, "csv": str(csv)})
    return scenario.model_copy(update={"pipeline": pipeline})


def load_fix(path: str | Path, *, offset_days: float = 0.0) -> Fix:
    """Read one fix file; ``offset_days`` delays it (a CRO playbook starts when the CRO does)."""
    path = Path(path)
    raw = _read_toml(path)
    if "extends" in raw:
        raise ScenarioError(f"{path}: extends: a fix cannot extend another file; pass several --fix instead")
    for key in raw:
        if key != "fix" and key not in FIXABLE and key in Scenario.model_fields:
            raise ScenarioError(
                f"{path}: {key}: a fix cannot change [{key}]; fixes may change {', '.join(FIXABLE)} "
                "(arrivals stay fixed so every scenario sees the same prospects)"
            )
    try:
        parsed = FixFile.model_validate(raw)
    except ValidationError as exc:
        raise _as_error(exc, {}, path, FixFile) from None
    patch = {k: v for k, v in parsed.model_dump(by_alias=True, exclude_none=True).items() if k != "fix"}
    header = parsed.fix  # type: ignore[attr-defined]
    return Fix(
        name=header.name,
        summary=header.summary,
        start_day=header.start_day + offset_days,
        source=str(path),
        patch=patch,
    )


def _check_stack(scenario: Scenario, path: Path) -> None:
    """Validate every regime, naming the fix whose values break a rule."""
    for fix in sorted(scenario.fixes, key=lambda f: f.start_day):
        if fix.start_day >= scenario.scenario.horizon_days:
            raise ScenarioError(
                f"{fix.source}: fix.start_day: {fix.start_day:g} is beyond the horizon "
                f"({scenario.scenario.horizon_days} days) of {path}"
            )
    try:
        regimes(scenario)
    except ValidationError as exc:
        culprit = _culprit(scenario, exc)
        raise _as_error(exc, {}, Path(culprit.source) if culprit else path, None, prefix=_section_of(exc)) from None


def _culprit(scenario: Scenario, exc: ValidationError) -> Fix | None:
    section = _section_of(exc)
    touching = [f for f in sorted(scenario.fixes, key=lambda f: f.start_day) if section in f.patch]
    return touching[-1] if touching else None


def _section_of(exc: ValidationError) -> str:
    return next((name for name, kind in SECTION_TYPES.items() if kind.__name__ == exc.title), "")


def _read_chain(path: Path, stack: tuple[Path, ...]) -> tuple[dict[str, Any], Provenance]:
    resolved = path.resolve()
    if resolved in stack:
        cycle = " -> ".join(str(p) for p in (*stack, resolved))
        raise ScenarioError(f"{stack[-1]}: extends: circular extends ({cycle})")
    raw = _read_toml(path)
    if "fix" in raw:
        raise ScenarioError(f"{path}: fix: this is a fix file; pass it with --fix on top of a scenario")
    provenance: Provenance = {}
    base: dict[str, Any] = {}
    parent = raw.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(f"{path}: extends: must be a file path (string)")
        parent_path = _resolve(parent, path)
        if not parent_path.exists():
            raise ScenarioError(f"{path}: extends: no such file {parent_path}")
        base, provenance = _read_chain(parent_path, (*stack, resolved))
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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, not a TOML file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise ScenarioError(f"{path}: file is empty")
    if b"\x00" in data:
        raise ScenarioError(f"{path}: binary file, not TOML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text, so not a TOML file") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None


def _as_error(
    exc: ValidationError,
    provenance: Provenance,
    default: Path,
    model: type[BaseModel] | None,
    prefix: str = "",
) -> ScenarioError:
    first = exc.errors()[0]
    loc = tuple(str(p) for p in first["loc"])
    loc = _drop_union_tags(loc)
    if prefix:
        loc = (prefix, *loc)
    source = _source_of(loc, provenance, default)
    key = ".".join(loc) or "(top level)"
    more = len(exc.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ScenarioError(f"{source}: {key}: {_explain(first, loc, model)}{tail}")


_DIST_TAGS = {"fixed", "uniform", "triangular", "exponential", "lognormal", "gamma", "weibull", "empirical"}


def _drop_union_tags(loc: tuple[str, ...]) -> tuple[str, ...]:
    # pydantic puts the chosen distribution kind in the location (pov.duration_days.triangular.low): not a key.
    return tuple(p for p in loc if p not in _DIST_TAGS and not p.startswith("function-"))


def _source_of(loc: tuple[str, ...], provenance: Provenance, default: Path) -> Path:
    for n in range(len(loc), 0, -1):
        if loc[:n] in provenance:
            return provenance[loc[:n]]
    return default


def _explain(error: Any, loc: tuple[str, ...], model: type[BaseModel] | None) -> str:
    kind, message, given = error["type"], error["msg"], error.get("input")
    if kind == "extra_forbidden":
        return f"unknown key{_suggest(loc, model)}"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f"unknown distribution {given.get('dist')!r} (use one of {', '.join(sorted(_DIST_TAGS))})"
    if kind == "union_tag_not_found":
        return "a distribution needs a 'dist' key (e.g. { dist = \"triangular\", low = 45, mode = 60, high = 90 })"
    message = message.removeprefix("Value error, ")
    if kind.endswith(("_type", "_parsing")) or "greater" in kind or "less" in kind:
        return f"{message}, got {given!r}"
    return message


def _suggest(loc: tuple[str, ...], model: type[BaseModel] | None) -> str:
    known = _known_keys(loc[:-1], model)
    close = difflib.get_close_matches(loc[-1], known, n=1) if known else []
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known_keys(path: Iterable[str], model: type[BaseModel] | None) -> list[str]:
    current: Any = model
    for part in path:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        current = _model_in(fields[part].annotation)
    fields = getattr(current, "model_fields", {}) or {}
    return [info.alias or name for name, info in fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
