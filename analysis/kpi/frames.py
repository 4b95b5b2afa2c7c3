"""Input checks shared by the calculators: a KPI names the columns it needs, and a missing one is a clear
error.

The calculators expect the schema's dtypes: :func:`simulation.tables.coerce` and
:func:`simulation.tables.read_csv` produce them from a raw frame or a CSV file."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from simulation.tables import SchemaError


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
