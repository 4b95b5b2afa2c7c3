"""The scenario's fixes library, indexed by the funnel stage each fix acts on.

A fix file (``scenarios/fixes/*.toml``) says nothing about stages; it patches scenario parameters. Which stage a
parameter governs is a property of the scenario model, so it is mapped once here (:data:`PARAMETER_STAGES`) and
every fix's stages are *read from its patch*: a new fix file that changes ``pov.duration_days`` is offered for a
slow POV without touching this module. Each parameter also says what it changes: ``time`` (how long the stage
takes, queues included), ``loss`` (how many deals the stage loses) or ``retention`` (what happens after the sale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from simulation.errors import InputError
from simulation.loader import load_fix

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


@dataclass(frozen=True)
class FixOption:
    """One fix file: its name, one-line summary, file, and the (stage, effect) pairs its patch touches."""

    name: str
    summary: str
    source: str
    targets: frozenset[tuple[str, Effect]]

    def acts_on(self, stage: str, effect: Effect | None = None) -> bool:
        return any(s == stage and (effect is None or e == effect) for s, e in self.targets)

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(sorted({s for s, _ in self.targets}))

    @property
    def label(self) -> str:
        """How a report names the fix: its summary (the file's own words), else its name."""
        return self.summary or self.name.replace("_", " ")

    @property
    def short_label(self) -> str:
        """The summary up to its first colon ("Self-serve sandbox"), for a one-line action."""
        return self.label.split(":", 1)[0].strip()


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


def load_library(folder: str | Path) -> tuple[FixOption, ...]:
    """Every ``*.toml`` fix in ``folder`` (sorted by file name); a missing folder is an :class:`InputError`."""
    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"{path}: fixes library folder not found (pass --fixes DIR)")
    options = []
    for file in sorted(path.glob("*.toml")):
        fix = load_fix(file)
        options.append(FixOption(fix.name, fix.summary, str(file), targets_of(fix.patch)))
    return tuple(options)


def fixes_for(library: Iterable[FixOption], stage: str, effect: Effect | None = None) -> list[FixOption]:
    """Fixes acting on ``stage``; with ``effect``, those acting on that effect come first, then the rest of the
    stage's fixes (a slow POV may also be helped by a fix aimed at its losses)."""
    on_stage = [f for f in library if f.acts_on(stage)]
    if effect is None:
        return on_stage
    return [f for f in on_stage if f.acts_on(stage, effect)] + [f for f in on_stage if not f.acts_on(stage, effect)]


def default_library() -> Path:
    """The shipped library: ``scenarios/fixes`` at the root of the funnelsim checkout."""
    return Path(__file__).resolve().parents[2] / "scenarios" / "fixes"
