"""Read what the reports need: a ``funnelsim run`` folder or a hand-made deals CSV, targets, start date, fixes.

The input is either a folder written by ``funnelsim run`` (``deals.csv`` and, when present, ``spend.csv``,
``revenue.csv``, ``resources.csv``, ``cash.csv`` and ``scenario.json``) or a deals CSV following the schema
(``funnelsim schema --tables``), with the other tables passed as ``--spend`` / ``--revenue`` / ``--resources``.

* The deals table needs ``id, arrived, closed, outcome`` (:data:`DEALS_REQUIRED`); every other column is
  optional, and what needs a missing one is left out of the page with a note. Deal amounts (``acv``) too: without
  them NNARR and C2RE are n/a, with some of them NNARR is a floor (:mod:`analysis.report.dashboard`). A missing
  column or a bad value stops with one line naming the file and the column.
* **Targets and start date**: from ``--scenario S.toml`` if given, else from the run folder's ``scenario.json``,
  else the defaults of :class:`~simulation.scenario.Targets` (no NNARR target: the status is "no target").
  ``--since`` overrides the start date of "NNARR to date".
* **Fixes library**: ``--fixes DIR``, else ``fixes/`` next to ``--scenario``, else the shipped
  ``scenarios/fixes``; resolved against that scenario (``--scenario`` or ``scenario.json``), so each suggestion
  states its change for this company and fixes that would change nothing are left out
  (:mod:`analysis.report.fix_library`); with no scenario, the fixes' summaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd
from pydantic import ValidationError

from analysis.kpi.periods import timestamp
from analysis.report.dashboard import Tables
from analysis.report.fix_library import FixOption, default_library, load_library
from simulation.errors import InputError
from simulation.input_files import read_text
from simulation.limits import MAX_JSON_BYTES
from simulation.loader import load_scenario
from simulation.scenario import Scenario, Targets
from simulation.tables import (
    CASH,
    DEALS,
    OUTCOMES,
    REQUIRED,
    RESOURCES,
    REVENUE,
    SPEND,
    STAGES,
    SchemaError,
    read_csv,
)

DEALS_REQUIRED: Final = ("id", "arrived", "closed", "outcome")
EARLIEST: Final = pd.Timestamp("1990-01-01")  # dates outside this range are misread text, not deals
LATEST: Final = pd.Timestamp("2200-01-01")
TABLE_FILES: Final = {"spend": SPEND, "revenue": REVENUE, "resources": RESOURCES}


def load(
    source: Path,
    *,
    scenario: Path | None = None,
    since: str | None = None,
    fixes: Path | None = None,
    spend: Path | None = None,
    revenue: Path | None = None,
    resources: Path | None = None,
) -> Tables:
    """The :class:`~analysis.report.dashboard.Tables` of a run folder or a deals CSV (see the module docstring)."""
    explicit = {"spend": spend, "revenue": revenue, "resources": resources}
    settings: Scenario | None = None
    horizon_end: pd.Timestamp | None = None
    cash: pd.DataFrame | None = None
    if source.is_dir():
        if (source / "cash.csv").exists():  # a run with [billing]: the dashboard's runway tile
            cash = read_csv(source / "cash.csv", CASH, required=tuple(CASH))
        deals_path = source / "deals.csv"
        if not deals_path.exists():
            raise InputError(f"{source}: no deals.csv in this folder (expected a `funnelsim run` output folder)")
        for name in TABLE_FILES:
            if explicit[name] is None and (source / f"{name}.csv").exists():
                explicit[name] = source / f"{name}.csv"
        if (source / "scenario.json").exists():
            run = read_scenario_json(source / "scenario.json")
            horizon_end = pd.Timestamp(run.scenario.start_date) + pd.Timedelta(days=run.scenario.horizon_days)
            settings = run if scenario is None else None
    elif source.exists():
        deals_path = source
    else:
        raise InputError(f"{source}: no such file or folder")
    if scenario is not None:
        settings = load_scenario(scenario)
    deals = read_deals(deals_path)
    others = {
        name: read_csv(path, TABLE_FILES[name], required=REQUIRED[name]) if path is not None else None
        for name, path in explicit.items()
    }
    targets = settings.targets if settings is not None else Targets()
    start = pd.Timestamp(settings.scenario.start_date) if settings is not None else None
    if since is not None:
        start = timestamp(since).normalize()
    label = settings.name if settings is not None else deals_path.name
    return Tables(
        deals=deals,
        spend=others["spend"],
        revenue=others["revenue"],
        resources=others["resources"],
        targets=targets,
        start=start,
        library=_library(fixes, scenario, settings),
        source=label,
        end=horizon_end,
        cash=cash,
    )


def read_deals(path: Path) -> pd.DataFrame:
    """The deals CSV, coerced to the schema, with the values the reports rely on checked."""
    deals = read_csv(path, DEALS, required=DEALS_REQUIRED, check_values=True)
    _check_values(deals, "outcome", OUTCOMES, path)
    _check_values(deals, "lost_stage", STAGES, path)
    if deals["arrived"].isna().any():
        bad = deals.loc[deals["arrived"].isna(), "id"].iloc[0]
        raise SchemaError(f"{path}: column 'arrived' is empty for deal {bad}")
    for column, (kind, _) in DEALS.items():
        if kind == "datetime":
            values = deals[column]
            odd = values.notna() & ((values < EARLIEST) | (values > LATEST))
            if odd.any():
                first = odd.idxmax()
                raise SchemaError(
                    f"{path}: column {column!r} has an implausible date {values[first]:%Y-%m-%d} for deal "
                    f"{deals.at[first, 'id']} (unreadable date text?)"
                )
    closed_without_date = deals["outcome"].isin(["won", "lost", "disqualified"]).fillna(False) & deals["closed"].isna()
    if closed_without_date.any():
        bad = deals.loc[closed_without_date, "id"].iloc[0]
        raise SchemaError(f"{path}: column 'closed' is empty for closed deal {bad}")
    return deals


def _check_values(deals: pd.DataFrame, column: str, allowed: tuple[str, ...], path: Path) -> None:
    values = deals[column].dropna().astype(str)
    bad = values[~values.isin(allowed)]
    if len(bad):
        raise SchemaError(
            f"{path}: column {column!r} has value {bad.iloc[0]!r}; expected one of {', '.join(allowed)}"
        )


def read_scenario_json(path: Path) -> Scenario:
    """The scenario a ``funnelsim run`` saved beside its tables; one line naming the key when it does not load."""
    try:
        return Scenario.model_validate_json(read_text(path, "scenario.json file", MAX_JSON_BYTES))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']} (pass --scenario to override)") from None


def _library(fixes: Path | None, scenario: Path | None, settings: Scenario | None) -> tuple[FixOption, ...]:
    if fixes is not None:
        return load_library(fixes, settings)
    if scenario is not None and (scenario.parent / "fixes").is_dir():
        return load_library(scenario.parent / "fixes", settings)
    shipped = default_library()
    return load_library(shipped, settings) if shipped.is_dir() else ()
