"""The mapping file: how one CRM export's columns and stage names become the deals schema.

A mapping is TOML (see ``scenarios/mappings/``)::

    [source]
    name = "Salesforce opportunity report"
    date_format = "%m/%d/%Y"      # strftime format of the date columns, or "ISO8601"; default: guessed and said
    decimal = "."                 # decimal mark of the amounts ("," reads 1.054,00 as 1054)
    as_of = "2024-06-30"          # when the export was taken; default: the latest date in the file
    complete_from = "2023-01-01"  # deals created earlier are incomplete (left-truncated); fits skip them
    created_until = "2024-03-31"  # the export holds deals created up to this day only (a sampling frame)
    zero_amount = "missing"       # an amount of 0 on a deal that is not won means "unknown" (or "zero")
    outcome_rule = "stage"        # "stage": outcome from [stages]; "won_if_closed": a close date means won
    join = { file = "closed.csv", on = "lead_id" }   # optional second file, left-joined on a key

    [columns]          # deals-schema column (or stage / owner) = export column
    id = "Opportunity ID"
    arrived = "Created Date"
    closed = "Close Date"
    stage = "Stage"
    acv = "Amount"

    [extra]            # further export columns kept in the mapped table under these names
    product = "Product"

    [stages]           # stage value -> outcome, and the funnel stage (open: where it is; lost: where lost)
    "Closed Won" = "won"
    "Closed Lost" = { outcome = "lost", stage = "negotiation" }
    "Qualification" = { outcome = "open", stage = "data_quality" }

    [channels]         # optional: export value -> direct | partner ("*" = any other value)
    "Partner" = "partner"
    "*" = "direct"

Every problem is a :class:`MappingError` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from pathlib import Path
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulation.errors import InputError
from simulation.input_files import read_text
from simulation.limits import MAX_TOML_BYTES
from simulation.scenario import PipelineStage
from simulation.tables import CHANNELS, DEALS, OUTCOMES, STAGES, TIERS

# Schema columns a mapping may fill from an export column (outcome comes from the stage, never directly).
MAPPABLE: Final = tuple(c for c in DEALS if c not in ("outcome",))
SPECIAL: Final = ("stage", "owner")
DATE_COLUMNS: Final = tuple(c for c, (kind, _) in DEALS.items() if kind == "datetime")


class MappingError(InputError):
    """A mapping file is unusable; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageValue(_Strict):
    """What one value of the export's stage column means."""

    outcome: Literal["won", "lost", "disqualified", "open"]
    stage: PipelineStage | None = None

    @model_validator(mode="after")
    def _no_stage_when_won(self) -> Self:
        if self.outcome == "won" and self.stage is not None:
            raise ValueError("a won deal is not in a stage; drop 'stage'")
        return self


class Join(_Strict):
    file: str = Field(min_length=1)
    on: str = Field(min_length=1)


class Source(_Strict):
    name: str = ""
    date_format: str | None = None
    as_of: dt.date | None = None
    complete_from: dt.date | None = None
    created_until: dt.date | None = None
    zero_amount: Literal["missing", "zero"] = "zero"
    decimal: Literal[".", ","] = "."
    outcome_rule: Literal["stage", "won_if_closed"] = "stage"
    join: Join | None = None
    currency: Literal["USD"] = "USD"


class Mapping(_Strict):
    """A validated mapping file; ``path`` is where it came from (for messages)."""

    path: str = ""
    source: Source = Source()
    columns: dict[str, str]
    extra: dict[str, str] = Field(default_factory=dict)
    stages: dict[str, StageValue] = Field(default_factory=dict)
    channels: dict[str, Literal["direct", "partner"]] = Field(default_factory=dict)
    tiers: dict[str, Literal["small", "mid", "large"]] = Field(default_factory=dict)

    @field_validator("stages", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({"outcome": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        unknown = [k for k in self.columns if k not in MAPPABLE and k not in SPECIAL]
        if unknown:
            close = difflib.get_close_matches(unknown[0], [*MAPPABLE, *SPECIAL], n=1)
            known = ", ".join([*MAPPABLE, *SPECIAL])
            hint = f" (did you mean {close[0]!r}?)" if close else f" (use one of {known})"
            raise ValueError(f"columns.{unknown[0]}: not a deals-schema column{hint}")
        for key in ("id", "arrived"):
            if key not in self.columns:
                raise ValueError(f"columns.{key}: required (which export column holds it?)")
        clash = [k for k in self.extra if k in DEALS or k in SPECIAL]
        if clash:
            raise ValueError(f"extra.{clash[0]}: is a schema column; map it under [columns]")
        if self.source.outcome_rule == "stage":
            if "stage" not in self.columns:
                raise ValueError("columns.stage: required when outcome_rule = 'stage' (else 'won_if_closed')")
            if not self.stages:
                raise ValueError("stages: empty; map every value of the stage column to an outcome")
        elif "closed" not in self.columns:
            raise ValueError("columns.closed: outcome_rule = 'won_if_closed' needs the won-date column")
        if self.channels and "channel" not in self.columns:
            raise ValueError("channels: given, but columns.channel is not mapped")
        if self.tiers and "tier" not in self.columns:
            raise ValueError("tiers: given, but columns.tier is not mapped")
        return self

    def export_columns(self) -> list[str]:
        """The export columns the mapping reads, in order, without repeats."""
        seen: dict[str, None] = {}
        for column in (*self.columns.values(), *self.extra.values()):
            seen.setdefault(column, None)
        return list(seen)


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file."""
    path = Path(path)
    try:
        text = read_text(path, "mapping file", MAX_TOML_BYTES)
    except InputError as exc:
        raise MappingError(str(exc)) from None
    if not text.strip():
        raise MappingError(f"{path}: mapping file is empty")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: malformed TOML: {exc}") from None
    except RecursionError:
        raise MappingError(f"{path}: malformed TOML: arrays or tables nested too deeply") from None
    try:
        return Mapping.model_validate({**raw, "path": str(path)})
    except ValidationError as exc:
        raise MappingError(f"{path}: {_explain(exc)}") from None


def _explain(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-"))
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "literal_error":
        message = f"{message}, got {first.get('input')!r}"
    own_key = message.startswith(("columns.", "extra.", "stages", "channels", "tiers"))
    return message if own_key or not loc else f"{loc}: {message}"


assert set(OUTCOMES) == {"won", "lost", "disqualified", "open"}
assert set(CHANNELS) == {"direct", "partner"} and set(TIERS) == {"small", "mid", "large"}
assert STAGES == ("data_quality", "data_access", "pov_queue", "pov", "validation", "negotiation")
