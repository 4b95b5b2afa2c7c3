"""The scenario's fixes library, indexed by the funnel stage each fix acts on.

A fix file (``scenarios/fixes/*.toml``) says nothing about stages; it patches scenario parameters. Which stage a
parameter governs is a property of the scenario model, so it is mapped once here (:data:`PARAMETER_STAGES`) and
every fix's stages are *read from its patch*: a new fix file that changes ``pov.duration_days`` is offered for a
slow POV without touching this module. Each parameter also says what it changes: ``time`` (how long the stage
takes, queues included), ``loss`` (how many deals the stage loses) or ``retention`` (what happens after the sale).

A fix speaks of the company in hand: given the scenario being reported, each fix is resolved against the parameters
that scenario ends with (its own fixes applied), so "one more solution engineer" reads ``solution engineers 3 -> 4``
for a team of three, and a fix that would change nothing there (a third engineer for a team of three) is not
offered at all. A fix that cannot apply to the scenario (its values would break a rule there) is left out too.
Without a scenario the reports fall back to each fix's summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import TypeAdapter

from simulation import shipped
from simulation.distributions import Distribution
from simulation.errors import InputError
from simulation.loader import load_fix, resolve_fixes
from simulation.relative import field_kind
from simulation.scenario import Fix, Scenario, regimes

Effect = Literal["time", "loss", "retention"]

# (section, key) of a fixable parameter -> the (stage, effect) pairs it changes. A parameter may act on several
# stages: a shorter POV frees solution engineers sooner, so it also shortens the queue for them.
PARAMETER_STAGES: Final[dict[tuple[str, str], tuple[tuple[str, Effect], ...]]] = {
    ("data_quality", "check_days"): (("data_quality", "time"),),
    ("data_quality", "pass_probability"): (("data_quality", "loss"),),
    ("data_quality", "on_fail"): (("data_quality", "loss"),),
    ("data_quality", "return_probability"): (("data_quality", "loss"),),
    ("data_quality", "return_after_days"): (("data_quality", "time"),),
    ("pov", "data_access_days"): (("data_access", "time"),),
    ("pov", "data_access_probability"): (("data_access", "loss"),),
    ("pov", "solution_engineers"): (("pov_queue", "time"),),
    ("pov", "povs_per_engineer"): (("pov_queue", "time"),),
    ("pov", "duration_days"): (("pov", "time"), ("pov_queue", "time")),
    ("pov", "completion_probability"): (("pov", "loss"),),
    ("validation", "duration_days"): (("validation", "time"),),
    ("validation", "extension_days"): (("validation", "time"),),
    ("validation", "pass_probability"): (("validation", "loss"),),
    ("validation", "extension_probability"): (("validation", "loss"),),
    ("negotiation", "duration_days"): (("negotiation", "time"),),
    ("negotiation", "win_probability"): (("negotiation", "loss"),),
    ("negotiation", "win_probability_without_founder"): (("negotiation", "loss"),),
    ("negotiation", "founder_required_probability"): (("founder_queue", "time"),),
    ("negotiation", "founder_meetings_per_week"): (("founder_queue", "time"),),
}
RETENTION_SECTION: Final = "retention"
# How an action names a parameter ("POV triangular 45-90 -> 30-60 days"); other keys read as their words.
PARAMETER_NAMES: Final[dict[tuple[str, str], str]] = {
    ("data_quality", "check_days"): "data-quality check",
    ("data_quality", "pass_probability"): "data-quality pass rate",
    ("data_quality", "return_probability"): "nurtured prospects returning",
    ("data_quality", "return_after_days"): "return after nurture",
    ("pov", "solution_engineers"): "solution engineers",
    ("pov", "povs_per_engineer"): "POVs per engineer",
    ("pov", "data_access_days"): "data access",
    ("pov", "data_access_probability"): "data access granted",
    ("pov", "duration_days"): "POV",
    ("pov", "completion_probability"): "completion",
    ("validation", "duration_days"): "validation",
    ("validation", "pass_probability"): "validation pass rate",
    ("validation", "extension_probability"): "extensions",
    ("validation", "extension_days"): "extension",
    ("negotiation", "duration_days"): "negotiation",
    ("negotiation", "win_probability"): "win rate",
    ("negotiation", "win_probability_without_founder"): "win rate without the founder",
    ("negotiation", "founder_required_probability"): "founder in final meetings",
    ("negotiation", "founder_meetings_per_week"): "founder meetings per week",
}
_DIST: TypeAdapter[Any] = TypeAdapter(Distribution)


@dataclass(frozen=True)
class FixOption:
    """One fix file: its name, one-line summary, file, and the (stage, effect) pairs its patch touches."""

    name: str
    summary: str
    source: str
    targets: frozenset[tuple[str, Effect]]
    changes: tuple[str, ...] = ()  # in the scenario in hand, e.g. "solution engineers 3 -> 4" (empty: none given)

    def acts_on(self, stage: str, effect: Effect | None = None) -> bool:
        return any(s == stage and (effect is None or e == effect) for s, e in self.targets)

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(sorted({s for s, _ in self.targets}))

    @property
    def label(self) -> str:
        """How a report names the fix: its summary (the file's own words), else its name, with what it changes in
        the scenario in hand when known."""
        words = self.summary or self.name.replace("_", " ")
        return f"{words} ({'; '.join(self.changes)})" if self.changes else words

    @property
    def short_label(self) -> str:
        """For a one-line action: the summary up to its first colon with the change in the scenario in hand
        ("Self-serve sandbox (POV triangular 45-90 -> 30.1-60.3 days)"); without a scenario, the whole summary,
        which says what the fix does in words ("Self-serve sandbox: POV a third shorter")."""
        words = self.summary or self.name.replace("_", " ")
        if not self.changes:
            return words
        return f"{words.split(':', 1)[0].strip()} ({'; '.join(self.changes)})"


def targets_of(patch: dict[str, dict[str, object]]) -> frozenset[tuple[str, Effect]]:
    """The (stage, effect) pairs a fix's patch acts on.

    >>> sorted(targets_of({"pov": {"solution_engineers": 3}}))
    [('pov_queue', 'time')]
    >>> sorted(targets_of({"retention": {"renewal_churn_probability": 0.05}}))
    [('retention', 'retention')]
    """
    found: set[tuple[str, Effect]] = set()
    for section, keys in patch.items():
        if section == RETENTION_SECTION:
            found.add(("retention", "retention"))
            continue
        for key in keys:
            found.update(PARAMETER_STAGES.get((section, key), ()))
    return frozenset(found)


def load_library(folder: str | Path, scenario: Scenario | None = None) -> tuple[FixOption, ...]:
    """Every ``*.toml`` fix in ``folder`` (sorted by file name); a missing folder is an :class:`InputError`.

    With ``scenario``, each fix is resolved against the parameters it ends with and states its changes there;
    fixes that would change nothing there, or cannot apply to it, are left out (see the module docstring)."""
    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"{path}: fixes library folder not found (pass --fixes DIR)")
    final = regimes(scenario)[-1][1] if scenario is not None else None
    options = []
    for file in sorted(path.glob("*.toml")):
        fix = load_fix(file)
        changes: tuple[str, ...] = ()
        if final is not None:
            resolved = _in(fix, final)
            if resolved is None or resolved.no_effect:
                continue
            changes = tuple(describe(key, before, after) for key, before, after in resolved.changes if before != after)
        keys = {**fix.patch, **{s: {**fix.patch.get(s, {}), **keys} for s, keys in fix.relative.items()}}
        options.append(FixOption(fix.name, fix.summary, str(file), targets_of(keys), changes))
    return tuple(options)


def _in(fix: Fix, parameters: Scenario) -> Fix | None:
    """``fix`` resolved against ``parameters`` as if it started on day 0, or None if it cannot apply there."""
    try:
        stacked = resolve_fixes(parameters.model_copy(update={"fixes": (fix.model_copy(update={"start_day": 0.0}),)}))
    except InputError:
        return None
    return stacked.fixes[0]


def describe(key: str, before: Any, after: Any) -> str:
    """One parameter's change in words, units included.

    >>> describe("pov.solution_engineers", 3, 4)
    'solution engineers 3 -> 4'
    >>> describe("pov.completion_probability", 0.6, 0.75)
    'completion 60 % -> 75 %'
    >>> describe("pov.duration_days", {"dist": "triangular", "low": 60, "mode": 80, "high": 120},
    ...          {"dist": "triangular", "low": 40, "mode": 53.6, "high": 80})
    'POV triangular 60-120 -> 40-80 days'
    >>> describe("pov.data_access_days", {"dist": "lognormal", "mean": 21, "sd": 10},
    ...          {"dist": "fixed", "value": 7})
    'data access lognormal mean 21 days -> fixed 7 days'
    """
    section, name = key.split(".", 1)
    words = PARAMETER_NAMES.get((section, name), name.removesuffix("_probability").replace("_", " "))
    unit = " days" if name.endswith("_days") else ""
    if field_kind(section, name) != "distribution" or not isinstance(before, dict) or not isinstance(after, dict):
        return f"{words} {_value(section, name, before)} -> {_value(section, name, after)}"
    old, new = _DIST.validate_python(before), _DIST.validate_python(after)
    if old.dist == new.dist:  # the family once: "triangular 60-120 -> 40-80 days"
        return f"{words} {old.dist} {_shape(old)} -> {_shape(new)}{unit}"
    return f"{words} {old.dist} {_shape(old)}{unit} -> {new.dist} {_shape(new)}{unit}"


def _value(section: str, name: str, value: Any) -> str:
    if value is None:
        return "not set"
    kind = field_kind(section, name)
    if kind == "probability":
        return f"{value * 100:.3g} %"
    if kind == "number" and ("cost" in name or name.endswith("_per_month")):
        return f"${value:,.0f}"
    return _number(value) if isinstance(value, int | float) else str(value)


def _shape(dist: Any) -> str:
    """A distribution's numbers in a few words: its range, its mean, or its value."""
    if dist.dist in ("triangular", "uniform"):
        return f"{_number(dist.low)}-{_number(dist.high)}"
    if dist.dist == "fixed":
        return _number(dist.value)
    return f"mean {_number(dist.mean)}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def fixes_for(library: Iterable[FixOption], stage: str, effect: Effect | None = None) -> list[FixOption]:
    """Fixes acting on ``stage``; with ``effect``, those acting on that effect come first, then the rest of the
    stage's fixes (a slow POV may also be helped by a fix aimed at its losses)."""
    on_stage = [f for f in library if f.acts_on(stage)]
    if effect is None:
        return on_stage
    return [f for f in on_stage if f.acts_on(stage, effect)] + [f for f in on_stage if not f.acts_on(stage, effect)]


def default_library() -> Path:
    """The shipped library: the fixes shipped with funnelsim (the package's copy of ``scenarios/fixes``)."""
    return shipped.root() / "fixes"
