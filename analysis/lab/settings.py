"""What the lab's sliders set, and the scenario patch each setting makes on the shipped baseline.

:class:`Settings` holds the learner's choices in the units the sliders show (prospects a week, engineers, days,
percent, meetings a week). :func:`patch_of` turns them into a :func:`simulation.scenario.apply_patch` patch on the
baseline, naming only what differs from it, so the default settings patch nothing and the variant *is* the
baseline. Durations are scaled rather than replaced (a POV of mean 80 days is the baseline's 45-60-90 triangle
times 80/65), so their shape stays the scenario's. The CRO's playbook is a list of fixes, added with the CRO's
start delay, exactly as a ``[cro] playbook`` in a scenario file is (:func:`simulation.loader.load_scenario`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

from simulation import shipped
from simulation.loader import load_fix, load_scenario, resolve_fixes
from simulation.scenario import Scenario, apply_patch

SCENARIOS: Final = shipped.root()
BASELINE_FILE: Final = SCENARIOS / "ai_startup.toml"
FULL_TIME_FILE: Final = SCENARIOS / "variants" / "full_time_cro_playbook.toml"
SCORECARD_FILE: Final = SCENARIOS / "variants" / "scorecard_comp.toml"
PLAYBOOK: Final = (SCENARIOS / "fixes" / "self_serve_sandbox.toml",
                   SCENARIOS / "fixes" / "standard_data_sharing_agreement.toml")
HORIZON_DAYS: Final = 365  # twelve months: the 12-month NNARR target and three quarters of SCCR, fast enough

CroKind = Literal["none", "fractional", "full_time"]
CompPlan = Literal["multiplicative", "additive", "scorecard"]
CRO_WORDS: Final[dict[str, str]] = {
    "none": "No CRO (founder-led)",
    "fractional": "Fractional CRO ($15K/month, from week 3)",
    "full_time": "Full-time CRO ($45K/month, from week 10)",
}
COMP_WORDS: Final[dict[str, str]] = {
    "multiplicative": "Multiplicative: 5 % of NNARR x C2RE factor",
    "additive": "Additive: NNARR part + C2RE part",
    "scorecard": "Scorecard 50/30/20 ($60K target bonus)",
}


@dataclass(frozen=True)
class Slider:
    """One numeric slider: the :class:`Settings` field, its label with the unit, and its range."""

    name: str
    label: str
    start: float
    end: float
    step: float


SLIDERS: Final = (
    Slider("arrivals_per_week", "Prospects arriving (a week)", 1.0, 5.0, 0.25),
    Slider("engineers", "Solution engineers (5 POVs each)", 1, 6, 1),
    Slider("pov_days", "POV length, mean (days)", 20, 120, 5),
    Slider("pov_completion_pct", "POVs completed (%)", 20, 95, 5),
    Slider("win_pct", "Negotiations won (%)", 30, 90, 5),
    Slider("founder_meetings_per_week", "Founder's final meetings (a week)", 0.5, 5.0, 0.5),
    Slider("patience_days", "Patience for an engineer, mean (days)", 5, 120, 5),
)


@dataclass(frozen=True)
class Settings:
    """The lab's inputs, in the sliders' units; :func:`defaults` gives the baseline's own values."""

    arrivals_per_week: float
    engineers: int
    pov_days: float
    pov_completion_pct: int
    win_pct: int
    founder_meetings_per_week: float
    patience_days: float
    cro: CroKind = "fractional"
    playbook: bool = False
    comp_plan: CompPlan = "multiplicative"

    def but(self, **changes: Any) -> Settings:
        """These settings with some changed (``settings.but(engineers=4)``)."""
        return replace(self, **changes)

    def words(self) -> str:
        """The settings in a sentence, for the page."""
        patience = f"{self.patience_days:g} days of patience for an engineer"
        return (f"{self.arrivals_per_week:g} prospects a week, {self.engineers} solution engineers, "
                f"{self.pov_days:g}-day POVs on average, {self.pov_completion_pct} % of POVs completed, "
                f"{self.win_pct} % of negotiations won, {self.founder_meetings_per_week:g} founder meetings a week, "
                f"{patience}; {CRO_WORDS[self.cro]}{' running the playbook' if self.playbook else ''}, paid by the "
                f"{COMP_WORDS[self.comp_plan].split(':')[0].lower()} plan.")


@lru_cache(maxsize=4)
def lab_baseline(path: Path = BASELINE_FILE, horizon_days: int = HORIZON_DAYS) -> Scenario:
    """The shipped baseline cut to the lab's horizon: what every variant is compared with."""
    return apply_patch(load_scenario(path), {"scenario": {"horizon_days": horizon_days}})


def defaults(base: Scenario) -> Settings:
    """The settings that reproduce ``base`` (its own arrivals, engineers, mean POV length, ...)."""
    pov, negotiation = base.pov, base.negotiation
    patience = pov.patience_days.mean if pov.patience_days is not None else 120.0
    plan = base.comp.plan
    return Settings(
        arrivals_per_week=base.arrivals.rate_per_week,
        engineers=pov.solution_engineers,
        pov_days=round(pov.duration_days.mean, 6),
        pov_completion_pct=round(pov.completion_probability * 100),
        win_pct=round(negotiation.win_probability * 100),
        founder_meetings_per_week=negotiation.founder_meetings_per_week,
        patience_days=round(patience, 6),
        cro=base.cro.kind,
        playbook=bool(base.fixes),
        comp_plan=plan,
    )


def patch_of(settings: Settings, base: Scenario) -> dict[str, dict[str, Any]]:
    """The :func:`~simulation.scenario.apply_patch` patch that turns ``base`` into ``settings``: only what differs.

    The playbook is not a patch but fixes (:func:`scenario_for` adds them)."""
    start = defaults(base)
    patch: dict[str, dict[str, Any]] = {}

    def put(section: str, key: str, value: Any) -> None:
        patch.setdefault(section, {})[key] = value

    if settings.arrivals_per_week != start.arrivals_per_week:
        put("arrivals", "rate_per_week", float(settings.arrivals_per_week))
    if settings.engineers != start.engineers:
        put("pov", "solution_engineers", int(settings.engineers))
    if settings.pov_days != start.pov_days:
        put("pov", "duration_days", base.pov.duration_days.scaled_fields(settings.pov_days / start.pov_days))
    if settings.pov_completion_pct != start.pov_completion_pct:
        put("pov", "completion_probability", settings.pov_completion_pct / 100)
    if settings.patience_days != start.patience_days and base.pov.patience_days is not None:
        put("pov", "patience_days", base.pov.patience_days.scaled_fields(settings.patience_days / start.patience_days))
    if settings.win_pct != start.win_pct:
        put("negotiation", "win_probability", settings.win_pct / 100)
    if settings.founder_meetings_per_week != start.founder_meetings_per_week:
        put("negotiation", "founder_meetings_per_week", float(settings.founder_meetings_per_week))
    if settings.cro != start.cro:
        patch["cro"] = cro_section(settings.cro)
    if settings.comp_plan != start.comp_plan:
        patch["comp"] = comp_section(settings.comp_plan)
    return patch


def cro_section(kind: CroKind) -> dict[str, Any]:
    """The ``[cro]`` table of each choice: the baseline's fractional CRO, the full-time one of
    ``scenarios/variants/full_time_cro_playbook.toml``, or none (no fee, no playbook)."""
    if kind == "none":
        return {"kind": "none", "retainer_per_month": 0.0, "equity_percent": 0.0, "days_per_month": 0.0,
                "start_delay_days": 0.0, "engagement_months": None, "playbook": ()}
    source = FULL_TIME_FILE if kind == "full_time" else BASELINE_FILE
    return {**_scenario(source).cro.model_dump(), "playbook": ()}


def comp_section(plan: CompPlan) -> dict[str, Any]:
    """The ``[comp]`` table of each plan: the baseline's multiplicative parameters (the additive plan reads the
    same ones), or ``scenarios/variants/scorecard_comp.toml``'s scorecard."""
    if plan == "scorecard":
        return _scenario(SCORECARD_FILE).comp.model_dump()
    return {**_scenario(BASELINE_FILE).comp.model_dump(), "plan": plan}


@lru_cache(maxsize=8)
def _scenario(path: Path) -> Scenario:
    return load_scenario(path)


def scenario_for(settings: Settings, base: Scenario) -> Scenario:
    """``base`` with the settings' patch and, if the CRO runs the playbook, its fixes from the CRO's start on
    (relative values resolved against the patched scenario, as the loader does)."""
    scenario = apply_patch(base, patch_of(settings, base)) if settings != defaults(base) else base
    if settings.playbook and settings.cro != "none" and not base.fixes:
        delay = scenario.cro.start_delay_days
        stacked = tuple(load_fix(path, offset_days=delay) for path in PLAYBOOK)
        scenario = resolve_fixes(scenario.model_copy(update={"fixes": stacked}), BASELINE_FILE)
    return scenario
