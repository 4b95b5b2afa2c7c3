"""The four outcome tables: the one schema shared by the simulator, CRM imports and every KPI.

Each table is a pandas DataFrame. Timestamps are real calendar ``datetime64[ns]`` values (a scenario has a start
date), so months, quarters and ISO weeks mean what a CRO means by them. A stage a deal never reached is ``NaT``
(timestamps), ``<NA>`` (booleans, strings) or ``NaN`` (numbers), never a fake value.

The schema is data (``DEALS``, ``REVENUE``, ``SPEND``, ``RESOURCES``: column -> (dtype, meaning)) so that the docs,
the CSV reader and the validators below all read the same definition. ``funnelsim schema --tables`` prints it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from simulation import input_files, limits
from simulation.errors import InputError

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is built: the schema's constants cost nothing to import

# dtype names: "datetime" -> datetime64[ns]; "boolean" -> pandas nullable boolean; "string" -> pandas string;
# "float" -> float64 (NaN for missing); "int" -> int64.
Schema = Mapping[str, tuple[str, str]]

TIERS: Final = ("small", "mid", "large")
CHANNELS: Final = ("direct", "partner")
OUTCOMES: Final = ("won", "lost", "disqualified", "open")
# Stages in funnel order; `lost_stage` takes one of these, and the open-pipeline loader uses them too.
STAGES: Final = ("data_quality", "data_access", "pov_queue", "pov", "validation", "negotiation")
# The timestamp that dates a deal's entry into each stage, in funnel order. A deal is in the last stage whose
# entry timestamp it has (how open deals are placed when a pipeline is loaded).
STAGE_ENTERED: Final[Mapping[str, str]] = {
    "data_quality": "arrived",
    "data_access": "pov_requested",
    "pov_queue": "data_access_granted",
    "pov": "pov_started",
    "validation": "pov_ended",
    "negotiation": "negotiation_started",
}
# Article A's deal-size tiers by ACV (USD): "under $50K, $50K-$150K, over $150K" (both $50K and $150K are mid).
SMALL_MAX_ACV: Final = 50_000.0
LARGE_MIN_ACV: Final = 150_000.0
RETENTION: Final = ("kept", "contracted", "churned")
# Append only (ties of the same date are ordered by this): go_live and ramp come from [usage] (simulation.usage).
REVENUE_EVENTS: Final = (
    "new", "churn_90d", "contraction_90d", "renewal", "expansion", "contraction", "churn", "go_live", "ramp",
)
SPEND_CATEGORIES: Final = (
    "marketing",
    "account_executives",
    "solution_engineers",
    "pov_compute",
    "cro_retainer",
    "fixes",  # only when a fix carries a cost ([fix] one_off_cost, monthly_cost)
)
RESOURCE_NAMES: Final = ("solution_engineers", "founder")
# The values a text column of a table read from a file may hold (compared exactly: "WON" is not "won").
ALLOWED: Final[Mapping[str, tuple[str, ...]]] = {
    "outcome": OUTCOMES, "tier": TIERS, "channel": CHANNELS, "lost_stage": STAGES, "retention_90d": RETENTION,
}

DEALS: Final[Schema] = {
    "id": ("string", "Opportunity id; simulated ids are D000001... (new) and P00001... (open on the start date: from "
                     "[pipeline] or left by the warm-up); with [market], R- + an id: that account back after "
                     "cooling off."),
    "tier": ("string", "Deal-size tier: small (< $50K ACV), mid ($50-150K), large (> $150K)."),
    "channel": ("string", "Source channel: direct or partner."),
    "arrived": ("datetime", "Inquiry / demo request: the start of the sales cycle."),
    "dq_checked": ("datetime", "When the data-quality check decided (the last attempt, if the prospect returned)."),
    "dq_passed": ("boolean", "The prospect's data met the quality threshold (last attempt)."),
    "educated": ("boolean", "Failed data quality once and was sent to nurture ('educate')."),
    "returned": ("datetime", "An educated prospect came back for a second data-quality check."),
    "pov_requested": ("datetime", "Agreed to a technical evaluation; the data-access / privacy review starts."),
    "data_access_granted": ("datetime", "Data access granted: the POV may start once a solution engineer is free."),
    "pov_started": ("datetime", "A solution engineer was assigned and the model runs on the prospect's data."),
    "pov_ended": ("datetime", "The POV ended (completed or stalled); an extension is dated apart (extension_*)."),
    "pov_completed": ("boolean", "The POV ran to completion (False: stalled and dropped)."),
    "extended": ("boolean", "Results were unclear and the evaluation was extended once."),
    "extension_requested": ("datetime", "The extension asked for a solution engineer again (queue entry)."),
    "extension_started": ("datetime", "An engineer picked the extension up (queue exit)."),
    "extension_ended": ("datetime", "The extension's engineer work ended; the evaluation ends here when extended."),
    "validation_passed": ("boolean", "Model-accuracy validation: 'results clear?'."),
    "negotiation_started": ("datetime", "Commercial negotiation began."),
    "founder_in_final_meeting": ("boolean", "The founder was needed in the final meeting."),
    "founder_requested": ("datetime", "The deal asked for the founder's time (queue entry)."),
    "founder_met": ("datetime", "The founder's final meeting started (queue exit)."),
    "closed": ("datetime", "Closed won, closed lost or disqualified."),
    "outcome": ("string", "won | lost | disqualified | open."),
    "lost_stage": ("string", "For lost deals, the stage they were lost in (see STAGES); pov_queue: gave up waiting "
                             "for a solution engineer."),
    "acv": ("float", "Annual contract value booked at close, USD (also the quoted size of lost and open deals)."),
    "models": ("float", "Models the customer deploys (per-model pricing splits the ACV evenly)."),
    "retention_90d": ("string", "kept | contracted | churned 90 days after close; <NA> while provisional."),
    "acv_after_90d": ("float", "ACV after the 90-day retention check, USD; NaN while provisional."),
}

REVENUE: Final[Schema] = {
    "customer": ("string", "The won deal's id."),
    "model": ("int", "Deployed model number within the customer (1..models)."),
    "date": ("datetime", "When the change took effect."),
    "event": ("string", "new | churn_90d | contraction_90d | renewal | expansion | contraction | churn; with "
                        "[usage] also go_live | ramp (the model starts scoring, its run-rate steps up)."),
    "arr_delta": ("float", "Change in this model's ARR, USD (negative for churn and contraction)."),
    "arr_after": ("float", "This model's ARR after the event, USD."),
}

SPEND: Final[Schema] = {
    "month": ("datetime", "First day of the calendar month."),
    "category": ("string", "marketing | account_executives | solution_engineers | pov_compute | cro_retainer | "
                             "fixes (the fixes' own costs, [fix] one_off_cost and monthly_cost; only when a fix "
                             "has one)."),
    "amount": ("float", "Sales and marketing cash spent in the month, USD."),
    "start": ("datetime", "First day the amount covers (empty: the month's first day; a run's first month starts "
                          "on its start date)."),
    "end": ("datetime", "Day after the last day covered (empty: next month's first day; a run's last month ends "
                        "with its horizon)."),
}

RESOURCES: Final[Schema] = {
    "time": ("datetime", "When the state changed."),
    "resource": ("string", "solution_engineers | founder."),
    "capacity": ("int", "Units available from this time on (POV slots = engineers x POVs each; fixes may change it)."),
    "busy": ("int", "Units in use from this time on."),
    "queue": ("int", "Deals waiting from this time on."),
}

# The optional tables, present only when the scenario turns their mechanism on (issue 16). PLACEHOLDERS: each
# mechanism's work fills in its own schema below (keep to your own block).

# -- staff (simulation.staffing) --
STAFF: Final[Schema] = {
    "time": ("datetime", "When the change happened."),
    "role": ("string", "solution_engineers | account_executives | founder | all (a holiday: everyone)."),
    "seat": ("int", "The seat within the role (0, 1, ...; the founder 0, a holiday -1); its occupants change."),
    "event": ("string", "hired | ramped | left | backfilled | vacation_start | vacation_end | holiday."),
    "headcount": ("int", "Filled seats of the role after the event (a holiday's row: solution engineers)."),
    "capacity": ("int", "After the event: POV slots (solution engineers, holiday), founder calendar (0 or 1), "
                        "account executives (their headcount)."),
}

# -- market (simulation.market) --
MARKET: Final[Schema] = {
    "month": ("datetime", "First day of the calendar month (one row per month of the horizon and counted tier)."),
    "tier": ("string", "Deal-size tier whose accounts [market] counts (a tier without a count is unlimited)."),
    "accounts": ("int", "Accounts of the tier nobody had contacted on the start date ([market] accounts)."),
    "first_contacts": ("int", "New prospects in the month: first contacts with an untouched account."),
    "returns": ("int", "Lost or disqualified prospects who came back in the month after cooling off (R- ids)."),
    "touched": ("int", "Accounts contacted from the start date to the month's end (or the horizon's)."),
    "untouched": ("int", "Accounts still untouched at the month's end: accounts - touched."),
}

# -- cash (simulation.billing) --
CASH: Final[Schema] = {
    "month": ("datetime", "First day of the calendar month (the spend table's months)."),
    "billed": ("float", "Invoices sent in the month, USD (ARR x the billing period's share of a year)."),
    "collected": ("float", "Invoices paid in the month, USD (sent + the collection delay)."),
    "bad_debt": ("float", "Invoices written off in the month (due, never paid), USD."),
    "receivables": ("float", "Billed, not yet collected nor written off, at the month's end, USD."),
    "spend": ("float", "Sales and marketing spend of the month (the spend table's categories summed), USD."),
    "other_burn": ("float", "Non-S&M burn of the month ([billing] other_burn_per_month, prorated by days), USD."),
    "net_cash_flow": ("float", "collected - spend - other_burn, USD."),
    "balance": ("float", "Cash at the month's end: starting_balance + the net cash flows so far, USD."),
}

EXTRA_TABLES: Final[Mapping[str, Schema]] = {"staff": STAFF, "market": MARKET, "cash": CASH}

# The columns a table read from a file must have; the others may be absent (added empty, meaning their default).
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "spend": ("month", "category", "amount"),
    "revenue": tuple(REVENUE),
    "resources": tuple(RESOURCES),
}

TABLES: Final[Mapping[str, Schema]] = {
    "deals": DEALS,
    "revenue": REVENUE,
    "spend": SPEND,
    "resources": RESOURCES,
}

_PANDAS_DTYPES: Final = {
    "datetime": "datetime64[ns]",
    "boolean": "boolean",
    "string": "string",
    "float": "float64",
    "int": "int64",
}


class SchemaError(InputError):
    """A table does not follow the schema; the message names the column."""


def empty(schema: Schema) -> pd.DataFrame:
    """An empty table with the schema's columns and dtypes."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=_PANDAS_DTYPES[t]) for c, (t, _) in schema.items()})


def coerce(
    frame: pd.DataFrame, schema: Schema, *, source: str = "table", required: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Return ``frame`` with the schema's dtypes; missing optional columns are added empty.

    ``required`` columns must be present; anything that cannot be parsed raises :class:`SchemaError` naming
    ``source`` and the column. Extra columns are kept (a CRM export may carry more).
    """
    import pandas as pd

    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(f"{source}: missing column(s) {', '.join(missing)}")
    out = frame.copy()
    for column, (kind, _) in schema.items():
        if column not in out.columns:
            out[column] = pd.Series(index=out.index, dtype=_PANDAS_DTYPES[kind])
            continue
        try:
            out[column] = _convert(out[column], kind)
        except (ValueError, TypeError) as exc:
            raise SchemaError(f"{source}: column {column!r} is not {kind}: {_first_line(exc)}") from None
    ordered = list(schema) + [c for c in out.columns if c not in schema]
    return out[ordered]


def typed_frame(data: Mapping[str, object], schema: Schema) -> pd.DataFrame:
    """A table from columns already holding the schema's kinds of values (the engine's fast path, no parsing).

    Datetime columns must be ``datetime64[ns]`` arrays; booleans and strings may be lists with ``None`` for missing.
    """
    import pandas as pd

    columns: dict[str, object] = {}
    for column, (kind, _) in schema.items():
        values = data[column]
        if kind == "boolean":
            flags = list(values)  # type: ignore[call-overload]
            columns[column] = pd.arrays.BooleanArray(
                np.array([v is True for v in flags], dtype=bool), np.array([v is None for v in flags], dtype=bool)
            )
        elif kind == "string":
            columns[column] = pd.array(values, dtype="string")
        else:
            columns[column] = np.asarray(values, dtype=_PANDAS_DTYPES[kind])
    return pd.DataFrame(columns, columns=list(schema))


def tier_of_acv(acv: pd.Series) -> pd.Series:
    """Article A's deal-size tier of each ACV: small (< $50K), mid ($50K-$150K inclusive), large (> $150K).

    >>> import pandas as pd
    >>> tier_of_acv(pd.Series([49_999.0, 50_000.0, 150_000.0, 150_001.0])).tolist()
    ['small', 'mid', 'mid', 'large']
    """
    import pandas as pd

    values = acv.to_numpy(dtype=float)
    tier = np.select([values < SMALL_MAX_ACV, values <= LARGE_MIN_ACV, values > LARGE_MIN_ACV], list(TIERS), "")
    return pd.Series(tier, index=acv.index, dtype="string").replace("", pd.NA)


def current_stage(deals: pd.DataFrame) -> pd.Series:
    """The stage each deal is in (or was in when it closed): the last stage whose entry timestamp is set."""
    import pandas as pd

    stage = pd.Series(pd.NA, index=deals.index, dtype="string")
    for name, column in STAGE_ENTERED.items():
        if column in deals.columns:
            stage = stage.mask(deals[column].notna(), name)
    return stage


def _convert(values: pd.Series, kind: str) -> pd.Series:
    import pandas as pd

    if str(values.dtype) == _PANDAS_DTYPES[kind]:
        return values  # already the right kind: nothing to parse
    if kind == "datetime":
        # One resolution everywhere (pandas may infer microseconds from text), so tables compare equal.
        return pd.to_datetime(values, errors="raise", format="mixed").astype("datetime64[ns]")
    if kind == "boolean":
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            lowered = values.astype("string").str.strip().str.lower()
            mapped = lowered.map({"true": True, "false": False, "1": True, "0": False, "": pd.NA})
            bad = lowered.notna() & mapped.isna() & (lowered != "")
            if bad.any():
                raise ValueError(f"unexpected value {values[bad].iloc[0]!r}")
            return mapped.astype("boolean")
        return values.astype("boolean")
    if kind == "string":
        return values.astype("string")
    if kind == "float":
        return pd.to_numeric(values, errors="raise").astype("float64")
    return pd.to_numeric(values, errors="raise").astype("int64")


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def read_csv(
    path: str | Path, schema: Schema, *, required: tuple[str, ...] = (), check_values: bool = False
) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv` (or a hand-made one following the schema), strictly: a regular
    file under the size limit, every value of its kind, numbers finite, dates in funnelsim's calendar and, with
    ``check_values``, the text columns of :data:`ALLOWED` holding only their values ("WON" is not "won")."""
    import pandas as pd

    path = Path(path)
    input_files.regular_file(path, "CSV file", limits.MAX_CSV_BYTES)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except FileNotFoundError:
        raise SchemaError(f"{path}: no such file") from None
    except pd.errors.EmptyDataError:
        raise SchemaError(f"{path}: file is empty") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SchemaError(f"{path}: not a readable CSV ({_first_line(exc)})") from None
    header = [str(c).strip() for c in frame.columns]
    if len(set(header)) < len(header):
        twice = next(c for c in header if header.count(c) > 1)
        raise SchemaError(f"{path}: column {twice!r} appears twice in the header")
    frame.columns = header
    table = coerce(frame, schema, source=str(path), required=required)
    _check_table(table, schema, str(path), check_values)
    return table


def _check_table(table: pd.DataFrame, schema: Schema, source: str, check_values: bool) -> None:
    import pandas as pd

    for column, (kind, _) in schema.items():
        values = table[column]
        if kind == "float":
            odd = values.notna() & ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
            if odd.any():
                raise SchemaError(f"{source}: column {column!r} has {values[odd].iloc[0]!r}, not a finite number")
        elif kind == "datetime":
            low, high = pd.Timestamp(limits.EARLIEST), pd.Timestamp(limits.LATEST)
            odd = values.notna() & ((values < low) | (values >= high))
            if odd.any():
                raise SchemaError(f"{source}: column {column!r} has the date {values[odd].iloc[0]:%Y-%m-%d}, outside "
                                  f"the dates funnelsim can hold ({limits.calendar_text()})")
        elif check_values and column in ALLOWED and schema is DEALS:
            bad = values.notna() & ~values.isin(ALLOWED[column]).fillna(False)
            if bad.any():
                raise SchemaError(f"{source}: column {column!r} has value {values[bad].iloc[0]!r}; expected one of "
                                  f"{', '.join(ALLOWED[column])}")


# Column checks shared by the KPI calculators (analysis.kpi): a KPI names the columns it needs, and a missing one
# is a clear error; nullable columns become plain masks.


def require(frame: pd.DataFrame, columns: Iterable[str], table: str, purpose: str) -> None:
    """Raise :class:`SchemaError` naming the missing columns of ``table`` that ``purpose`` needs."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{table}: missing column(s) {', '.join(missing)} (needed for {purpose})")


def flag(values: pd.Series, missing: bool = False) -> pd.Series:
    """A nullable boolean column as plain ``bool`` (``<NA>`` becomes ``missing``)."""
    return values.astype("boolean").fillna(missing).astype(bool)


def is_value(values: pd.Series, *accepted: str) -> pd.Series:
    """Plain ``bool`` mask: the string column equals one of ``accepted`` (``<NA>`` never does)."""
    return values.astype("string").isin(accepted).fillna(False).astype(bool)


def describe(schema: Schema) -> str:
    """The schema as an aligned text table (column, type, meaning)."""
    width = max(len(c) for c in schema)
    return "\n".join(f"{c:<{width}}  {t:<8}  {m}" for c, (t, m) in schema.items())
