"""The scenario: every parameter of the funnel, validated once into frozen, typed objects the engine trusts.

A scenario file is TOML (see ``scenarios/``); :mod:`simulation.loader` reads it, resolves ``extends`` and fixes, and
builds a :class:`Scenario`. Units are in the key names (``_days``, ``_per_week``, ``_per_month``; money in the
scenario's currency, USD). A **fix** changes some of the time-varying sections (:data:`FIXABLE`) from its
``start_day`` on; :func:`regimes` turns a scenario and its fixes into the timeline of parameter sets the engine reads
when a prospect enters a stage.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from simulation.billing import Billing
from simulation.distributions import Distribution, Fixed
from simulation.market import Market
from simulation.seasonality import Seasonality
from simulation.staffing import Hire, Staff
from simulation.uncertainty import ParameterUncertainty
from simulation.usage import Usage

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Days = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
SHARE_TOLERANCE: Final = 1e-6
ARTICLE_QTE_DAYS: Final = 45.0  # article B: "A healthy QTE velocity is under 45 days"


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1) > SHARE_TOLERANCE:
        parts = " + ".join(f"{k} {v:g}" for k, v in shares.items())
        raise ValueError(f"{what} shares must sum to 1, got {parts} = {total:g}")


class Meta(Section):
    name: str = Field(min_length=1)
    description: str = ""
    start_date: dt.date
    horizon_days: int = Field(gt=0, le=36500)
    currency: Literal["USD"] = "USD"
    warmup_days: int | None = Field(
        default=None,
        ge=0,
        le=36500,
        description="Days the base parameters run before the start date so the run opens on a settled pipeline "
        "(absent: 1.5 x the longest path through the funnel, see simulation.warmup; 0: start empty). Ignored when "
        "[pipeline] gives the open deals.",
    )


class TierShares(Section):
    small: Probability
    mid: Probability
    large: Probability

    @model_validator(mode="after")
    def _sum(self) -> Self:
        _check_shares(self.model_dump(), "tier")
        return self


class ChannelShares(Section):
    direct: Probability
    partner: Probability

    @model_validator(mode="after")
    def _sum(self) -> Self:
        _check_shares(self.model_dump(), "channel")
        return self


class Arrivals(Section):
    rate_per_week: float = Field(gt=0, allow_inf_nan=False)
    growth_per_year: float = Field(default=0.0, gt=-1, le=10, allow_inf_nan=False)
    tiers: TierShares
    channels: ChannelShares


class Tier(Section):
    acv: Distribution
    models_per_customer: Distribution = Fixed(value=1)

    @model_validator(mode="after")
    def _at_least_one_model(self) -> Self:
        if self.models_per_customer.ppf([0.0])[0] < 1:  # type: ignore[arg-type]
            raise ValueError("models_per_customer must be at least 1")
        return self


class Tiers(Section):
    """Each tier's ACV is drawn within article A's band for it (:func:`simulation.arrivals.acv_band`; the loader
    refuses a tier whose distribution never reaches its band), so a deal's tier and ACV agree."""

    small: Tier
    mid: Tier
    large: Tier


class DataQuality(Section):
    check_days: Distribution = Fixed(value=7)
    pass_probability: Probability
    on_fail: Literal["educate", "disqualify"] = "educate"
    return_probability: Probability = 0.0
    return_after_days: Distribution = Fixed(value=90)


class Pov(Section):
    solution_engineers: int = Field(gt=0, le=1000)
    povs_per_engineer: int = Field(default=1, gt=0, le=50, description="POVs one engineer runs at once")
    data_access_days: Distribution
    data_access_probability: Probability = 1.0
    duration_days: Distribution
    completion_probability: Probability
    patience_days: Distribution | None = Field(
        default=None,
        description="How long a prospect waits for a solution engineer before giving up (lost at pov_queue); "
        "drawn per prospect. None: prospects wait for ever.",
    )


class Validation(Section):
    duration_days: Distribution = Fixed(value=7)
    pass_probability: Probability
    extension_probability: Probability = 0.0
    extension_days: Distribution = Fixed(value=21)


class Negotiation(Section):
    duration_days: Distribution
    win_probability: Probability
    win_probability_without_founder: Probability | None = None
    founder_required_probability: Probability
    founder_meetings_per_week: float = Field(gt=0, le=100, allow_inf_nan=False)
    founder_patience_days: Distribution | None = Field(
        default=None,
        description="How long a deal waits for the founder's final meeting before the prospect walks away (lost "
        "in negotiation, founder_requested set and founder_met empty). None: deals wait for ever.",
    )


class Retention(Section):
    churn_90d_probability: Probability
    contraction_90d_probability: Probability
    contraction_90d_fraction: Distribution = Fixed(value=0.3)
    renewal_churn_probability: Probability
    renewal_contraction_probability: Probability
    renewal_contraction_fraction: Distribution = Fixed(value=0.2)
    renewal_expansion_probability: Probability
    renewal_expansion_fraction: Distribution = Fixed(value=0.2)

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        if self.churn_90d_probability + self.contraction_90d_probability > 1:
            raise ValueError("churn_90d_probability + contraction_90d_probability must not exceed 1")
        outcomes = (
            self.renewal_churn_probability + self.renewal_contraction_probability + self.renewal_expansion_probability
        )
        if outcomes > 1:
            raise ValueError("renewal churn + contraction + expansion probabilities must not exceed 1")
        for name in ("contraction_90d_fraction", "renewal_contraction_fraction"):
            if getattr(self, name).ppf([0.999999])[0] > 1:
                raise ValueError(f"{name} must stay within [0, 1] (a share of the ARR lost)")
        return self


class Spend(Section):
    marketing_per_month: Money
    account_executives: int = Field(ge=0, le=10000)
    account_executive_cost_per_month: Money
    solution_engineer_cost_per_month: Money
    pov_compute_per_day: Money = 0.0


class Cro(Section):
    kind: Literal["fractional", "full_time", "none"]
    retainer_per_month: Money = 0.0
    equity_percent: float = Field(default=0.0, ge=0, le=100)
    days_per_month: float = Field(default=0.0, ge=0, le=31)
    start_delay_days: Days = 0.0
    engagement_months: float | None = Field(default=None, gt=0)
    playbook: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _none_costs_nothing(self) -> Self:
        if self.kind == "none" and (self.retainer_per_month or self.playbook):
            raise ValueError("kind = 'none' takes no retainer and no playbook")
        return self


class Comp(Section):
    plan: Literal["multiplicative", "scorecard", "additive"] = "multiplicative"
    bonus_rate: Probability = 0.05
    c2re_good: float = Field(default=0.8, gt=0)
    factor_at_good: float = Field(default=1.2, ge=0)
    c2re_poor: float = Field(default=1.2, gt=0)
    factor_at_poor: float = Field(default=0.8, ge=0)
    factor_floor: float = Field(default=0.0, ge=0)
    factor_cap: float = Field(default=1.5, ge=0)
    target_bonus: Money = 0.0
    weight_nnarr: Probability = 0.5
    weight_grr: Probability = 0.3
    weight_qte_velocity: Probability = 0.2
    first_year_deal_bonus_rate: Probability = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.c2re_poor <= self.c2re_good:
            raise ValueError("c2re_poor must be greater than c2re_good")
        if self.factor_cap < self.factor_floor:
            raise ValueError("factor_cap must not be below factor_floor")
        _check_shares(
            {"nnarr": self.weight_nnarr, "grr": self.weight_grr, "qte_velocity": self.weight_qte_velocity},
            "scorecard weight",
        )
        return self


class Targets(Section):
    nnarr_6_months: Money = 0.0
    nnarr_12_months: Money = 0.0
    c2re_max: float = Field(default=1.5, gt=0)
    c2re_min: float = Field(default=0.5, ge=0)
    qte_velocity_days: float = Field(default=45, gt=0, allow_inf_nan=False)
    qte_velocity_reason: str = Field(default="", description="Why the scenario's QTE target is not article B's 45")
    grr_min: Probability = 0.8
    completion_rate_min: Probability = 0.4
    pov_to_pipeline_min: Probability = 0.4
    green_at: float = Field(default=1.0, gt=0, description="NNARR pace (share of pro-rated target) for green")
    yellow_at: float = Field(default=0.8, gt=0, description="NNARR pace for yellow; below it is red")
    c2re_counts_pov_compute: bool = Field(
        default=True, description="C2RE's spend includes the POV compute category (see scenarios/ai_startup.toml)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.qte_velocity_days != ARTICLE_QTE_DAYS and not self.qte_velocity_reason.strip():
            raise ValueError(
                f"qte_velocity_days = {self.qte_velocity_days:g} departs from article B's {ARTICLE_QTE_DAYS:g}: "
                "say why in qte_velocity_reason (it is shown beside every QTE health check and bonus)"
            )
        if self.yellow_at > self.green_at:
            raise ValueError("yellow_at must not exceed green_at")
        if self.c2re_min > self.c2re_max:
            raise ValueError("c2re_min must not exceed c2re_max")
        return self


PipelineStage = Literal["data_quality", "data_access", "pov_queue", "pov", "validation", "negotiation"]


class OpenDeals(Section):
    """Deals already in the funnel on the start date: ``count`` of them in ``stage``."""

    stage: PipelineStage
    count: int = Field(gt=0, le=100000)
    age_days: Days = Field(description="Days since the deal arrived")
    days_in_stage: Days = 0.0
    tier: Literal["small", "mid", "large"] | None = None
    channel: Literal["direct", "partner"] | None = None
    acv: Money | None = Field(default=None, description="Quoted ACV (drawn from the tier if absent)")
    id: str | None = Field(default=None, description="CRM id (for deals read from pipeline.csv)")

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.days_in_stage > self.age_days:
            raise ValueError("days_in_stage cannot exceed age_days")
        return self


class Pipeline(Section):
    open: tuple[OpenDeals, ...] = ()
    csv: str | None = Field(default=None, description="CSV of open deals in the deals schema (path from this file)")


class Fix(Section):
    """A fix: which sections it overrides (``patch``) from ``start_day`` on.

    ``relative`` holds the values the file gives relative to the parameters in force (``{"add": 1}``,
    ``{"scale": 0.7}``); :func:`simulation.loader.load_scenario` resolves them into ``patch``, the absolute values
    the engine applies, and records what each key became (``changes``: key, before, after) and what the user
    should know (``warnings``: clipped or rounded values, keys left as they were, values an earlier fix set).
    """

    name: str
    summary: str = ""
    start_day: Days = 0.0
    source: str = ""
    patch: dict[str, dict[str, Any]] = Field(default_factory=dict)
    relative: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    changes: tuple[tuple[str, Any, Any], ...] = ()
    warnings: tuple[str, ...] = ()
    hires: tuple[Hire, ...] = Field(default=(), description="[staff] hires the fix adds, days from the start date")
    one_off_cost: Money = 0.0
    monthly_cost: Money = 0.0

    @property
    def costs(self) -> bool:
        """Whether the fix carries a cost of its own (spent from ``start_day``: the spend table's ``fixes``)."""
        return self.one_off_cost > 0 or self.monthly_cost > 0

    @property
    def resolved(self) -> bool:
        """Whether every relative value has its absolute value in ``patch`` (what the engine needs)."""
        return all(key in self.patch.get(section, {}) for section, keys in self.relative.items() for key in keys)

    @property
    def no_effect(self) -> bool:
        """Whether the fix (resolved: ``changes`` recorded) leaves every parameter it touches as it was."""
        if not self.changes:
            return not self.patch and not self.relative and not self.hires
        return all(before == after for _, before, after in self.changes)


class Scenario(Section):
    scenario: Meta
    arrivals: Arrivals
    tiers: Tiers
    data_quality: DataQuality
    pov: Pov
    validation: Validation
    negotiation: Negotiation
    retention: Retention
    spend: Spend
    cro: Cro = Cro(kind="none")
    comp: Comp = Comp()
    targets: Targets = Targets()
    pipeline: Pipeline = Pipeline()
    seasonality: Seasonality | None = None  # calendar effects (simulation.seasonality); None: none
    uncertainty: ParameterUncertainty | None = None  # drawn per replication: simulation.parameter_draw
    # Issue 16's mechanisms, each off (None) unless the scenario turns it on; off, results are exactly as before.
    staff: Staff | None = None  # hiring, ramp-up, attrition, backfill, calendars: simulation.staffing
    market: Market | None = None  # a finite market with cooling-off returns: simulation.market
    billing: Billing | None = None  # billing terms, collections, cash and runway: simulation.billing
    usage: Usage | None = None  # usage revenue ramping after go-live: simulation.usage
    fixes: tuple[Fix, ...] = Field(default=(), description="Filled by the loader from --fix and the CRO playbook")

    @property
    def name(self) -> str:
        return self.scenario.name

    def __hash__(self) -> int:
        return hash(self.model_dump_json())


# The sections a fix may change: they are read when a prospect enters a stage (or when a month's spend is booked).
# Arrivals, tiers and the header are not fixable: common random numbers need the same prospects in every scenario.
FIXABLE: Final = ("data_quality", "pov", "validation", "negotiation", "retention", "spend")
SECTION_TYPES: Final[dict[str, type[Section]]] = {
    "data_quality": DataQuality,
    "pov": Pov,
    "validation": Validation,
    "negotiation": Negotiation,
    "retention": Retention,
    "spend": Spend,
}


def _patch_model(section: type[Section]) -> type[Section]:
    """The same section with every field optional: what a fix file may say about it."""
    fields: dict[str, Any] = {}
    for name, info in section.model_fields.items():
        annotation: Any = info.annotation
        if info.discriminator:
            annotation = Annotated[annotation, Field(discriminator=info.discriminator)]
        elif info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        annotation = annotation | None
        fields[name] = (annotation, Field(default=None, alias=info.alias, description=info.description))
    model = create_model(f"{section.__name__}Patch", __base__=Section, **fields)
    return model


class FixHeader(Section):
    name: str = Field(min_length=1, max_length=100)
    summary: str = ""
    start_day: Days = 0.0
    one_off_cost: Money = Field(default=0.0, description="USD spent once on start_day (set-up, legal, a recruiting "
                                                         "fee); the spend table's 'fixes' category")
    monthly_cost: Money = Field(default=0.0, description="USD a month from start_day to the horizon (a licence, a "
                                                         "retainer); the spend table's 'fixes' category")

    @field_validator("name")
    @classmethod
    def _folder_safe(cls, name: str) -> str:  # `compare` stores each fix's run in runs/<name>: one plain name
        if "/" in name or "\\" in name or name.startswith(".") or not name.isprintable() or name != name.strip():
            raise ValueError(f"a fix name is one plain folder name (no '/', '\\', leading '.', control characters or "
                             f"surrounding spaces), got {name!r}")
        return name


FixFile = create_model(
    "FixFile",
    __base__=Section,
    fix=(FixHeader, ...),
    **{name: (_patch_model(kind) | None, None) for name, kind in SECTION_TYPES.items()},  # type: ignore[call-overload]
)
"""The shape of a fix file: a ``[fix]`` header and partial versions of the fixable sections."""


def apply_patch(scenario: Scenario, patch: dict[str, dict[str, Any]]) -> Scenario:
    """``scenario`` with the given sections' fields replaced (each section re-validated as a whole).

    A fix patches only the fixable sections (:data:`FIXABLE`; its file is checked when read); a whole variant, such
    as the browser lab's sliders, may also patch ``arrivals``, ``cro``, ``comp``, ``targets`` or the ``scenario``
    header, whose prospects then differ from the base's.
    """
    update: dict[str, Section] = {}
    for name, fields in patch.items():
        section = getattr(scenario, name)
        if not isinstance(section, Section):
            raise KeyError(f"{name}: not a section this scenario has")
        kind = SECTION_TYPES.get(name, type(section))
        update[name] = kind.model_validate({**section.model_dump(by_alias=True), **fields})
    return scenario.model_copy(update=update)


@lru_cache(maxsize=64)
def regimes(scenario: Scenario) -> tuple[tuple[float, Scenario], ...]:
    """The parameter timeline: ``(from_day, parameters)`` pairs in day order, the first from day 0.

    Fixes stack: each applies from its start day on, in start-day order (ties keep the order given). The first
    pair is always the base scenario (the engine also runs the warm-up on it), even when a fix starts on day 0.
    """
    ordered = sorted(scenario.fixes, key=lambda f: f.start_day)
    for fix in ordered:
        if not fix.resolved:  # a fix from load_fix() alone: its relative values mean nothing without a base
            raise ValueError(f"fix {fix.name} has relative values; resolve it against a scenario first "
                             "(simulation.loader.load_scenario or resolve_fixes)")
    timeline: list[tuple[float, Scenario]] = [(0.0, scenario)]
    current = scenario
    for fix in ordered:
        current = apply_patch(current, fix.patch)
        # Fixes from the same day merge, but never into the base: it also runs the warm-up before the start date
        # (simulation.warmup), so a fix from day 0 must not reach back and change the pipeline the run opens on.
        if len(timeline) > 1 and fix.start_day == timeline[-1][0]:
            timeline[-1] = (fix.start_day, current)
        else:
            timeline.append((fix.start_day, current))
    return tuple(timeline)

