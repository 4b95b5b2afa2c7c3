"""Import a CRM deals export (CSV) into the deals schema through a mapping file, and export the other way.

:func:`import_deals` reads the export (and the mapping's joined file), checks every row and returns the mapped
deals table with an :class:`ImportReport`. Bad files raise :class:`CrmError` (one line naming the file, the
column and the problem); bad rows are skipped, counted by reason and reported, never dropped silently:

* errors: no such file, empty file, no data rows, not UTF-8, more rows than ``max_rows``, a mapped column
  missing, a stage / channel / tier value the mapping does not cover, a date column mostly unparseable (wrong
  format);
* counted skips: no id, duplicated id (the first row is kept), no created date, unparseable date, non-numeric
  or negative amount, close before create, stage dates out of order, won or lost without a close date, a date
  after ``as_of``; counted adjustments: the expected close date of an open deal is dropped, an amount of 0 on
  a deal not won is read as unknown (``zero_amount = "missing"``).

:func:`export_deals` writes a deals table as the export a mapping describes (used by the round-trip tests).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from analysis.crm import parsing
from analysis.crm.mapping import DATE_COLUMNS, Mapping, MappingError
from simulation.errors import InputError
from simulation.input_files import regular_file
from simulation.limits import DEFAULT_MAX_ROWS as DEFAULT_MAX_ROWS  # re-exported: read_table's default
from simulation.limits import MAX_ACV, MAX_CSV_BYTES, calendar_text
from simulation.tables import CHANNELS, DEALS, STAGES, TIERS, coerce, current_stage, tier_of_acv

CHUNK_ROWS: Final = 250_000
MOSTLY_BAD: Final = 0.5  # a date column with more than this share unparseable is a wrong format, not bad rows
EXAMPLES: Final = 3
# Funnel order of the timestamps a deal collects (checked for order; closed last).
ORDER: Final = (
    "arrived", "dq_checked", "pov_requested", "data_access_granted", "pov_started", "pov_ended",
    "negotiation_started", "closed",
)


Skip = Callable[[str, pd.Series], None]


class CrmError(InputError):
    """An export that cannot be imported; the message names the file and the column."""


@dataclass
class ImportReport:
    """What the import did: rows read and kept, rows skipped by reason, values adjusted by reason."""

    source: str
    rows: int = 0
    kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    adjusted: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def skip(self, reason: str, mask: pd.Series, labels: pd.Series) -> None:
        count = int(mask.sum())
        if count:
            self.skipped[reason] += count
            self.examples.setdefault(reason, []).extend(labels[mask].head(EXAMPLES).tolist())

    def adjust(self, reason: str, count: int) -> None:
        if count:
            self.adjusted[reason] += count

    def lines(self) -> list[str]:
        skipped = sum(self.skipped.values())
        out = [f"{self.source}: {self.rows} rows read, {self.kept} deals kept, {skipped} skipped"]
        for reason, count in self.skipped.most_common():
            out.append(f"  skipped {count}: {reason} (e.g. {', '.join(self.examples[reason][:EXAMPLES])})")
        for reason, count in self.adjusted.most_common():
            out.append(f"  adjusted {count}: {reason}")
        out += [f"  note: {text}" for text in self.notes]
        if self.as_of is not None:
            out.append(f"  as of {self.as_of.date()}")
        return out


def read_table(path: str | Path, columns: list[str], *, max_rows: int = DEFAULT_MAX_ROWS) -> pd.DataFrame:
    """The named columns of a CSV as stripped strings (blank -> NA); checks the file and the header first."""
    path = Path(path)
    try:
        regular_file(path, "CSV export", MAX_CSV_BYTES)
    except InputError as exc:
        raise CrmError(str(exc)) from None
    if path.stat().st_size == 0:
        raise CrmError(f"{path}: file is empty")
    try:
        header = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
    except UnicodeDecodeError:
        raise CrmError(f"{path}: not UTF-8 text; re-save the export as UTF-8 CSV") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise CrmError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    header = [str(c).strip() for c in header]
    twice = [c for c in dict.fromkeys(header) if header.count(c) > 1 and c in columns]
    if twice:
        raise CrmError(f"{path}: column {twice[0]!r} appears twice in the header (spaces around names do not count); "
                       "rename or remove one")
    missing = [c for c in columns if c not in header]
    if missing:
        close = difflib.get_close_matches(missing[0], header, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CrmError(f"{path}: column {missing[0]!r} named by the mapping is not in the file{hint}")
    chunks, rows = [], 0
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
            usecols=lambda c: str(c).strip() in columns, chunksize=CHUNK_ROWS,
        )
        for chunk in reader:
            rows += len(chunk)
            if rows > max_rows:
                raise CrmError(f"{path}: more than {max_rows:,} rows; split the export or raise --max-rows")
            chunks.append(chunk)
    except UnicodeDecodeError:
        raise CrmError(f"{path}: not UTF-8 text; re-save the export as UTF-8 CSV") from None
    except pd.errors.ParserError as exc:
        raise CrmError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)
    if frame.empty:
        raise CrmError(f"{path}: header only, no data rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda s: s.str.strip().replace("", pd.NA))


def import_deals(
    path: str | Path, mapping: Mapping, *, max_rows: int = DEFAULT_MAX_ROWS
) -> tuple[pd.DataFrame, ImportReport]:
    """Map the export at ``path`` onto the deals schema; returns the deals table and the import report."""
    path = Path(path)
    try:
        regular_file(path, "CSV export", MAX_CSV_BYTES)  # before any read: a FIFO would block for ever
    except InputError as exc:
        raise CrmError(str(exc)) from None
    report = ImportReport(source=str(path))
    raw = _read_with_join(path, mapping, report, max_rows)
    report.rows = len(raw)
    labels = pd.Series([f"line {i + 2}" for i in range(len(raw))], index=raw.index)
    cols = mapping.columns
    ids = raw[cols["id"]]
    labels = labels + ids.fillna("").map(lambda v: f" (id {v})" if v else "")
    keep = pd.Series(True, index=raw.index)

    def skip(reason: str, mask: pd.Series) -> None:
        mask = mask & keep
        report.skip(reason, mask, labels)
        keep.loc[mask] = False

    skip("no id", ids.isna())
    skip("duplicated id (first row kept)", ids.duplicated(keep="first") & ids.notna())
    out = pd.DataFrame({"id": ids}, index=raw.index)
    for column in (c for c in DATE_COLUMNS if c in cols):
        out[column] = _dates(raw[cols[column]], mapping, path, cols[column], skip, report)
    skip("no created date", out["arrived"].isna())
    out["outcome"], lost_stage = _outcomes(raw, out, mapping, path, skip)
    _amount(raw, out, mapping, skip, report)
    for column in ("dq_passed", "educated", "pov_completed", "extended", "validation_passed",
                   "founder_in_final_meeting", "models", "retention_90d", "acv_after_90d"):
        if column in cols:
            out[column] = raw[cols[column]]
    out["lost_stage"] = raw[cols["lost_stage"]] if "lost_stage" in cols else lost_stage
    bad_stage = out["lost_stage"].notna() & ~out["lost_stage"].isin(STAGES)
    if bad_stage.any():
        value = out["lost_stage"][bad_stage].iloc[0]
        raise CrmError(f"{path}: column {cols.get('lost_stage')!r}: {value!r} is not a funnel stage "
                       f"({', '.join(STAGES)})")
    out["tier"] = _labels(raw, "tier", mapping, path, TIERS) if "tier" in cols else tier_of_acv(out["acv"])
    out["channel"] = _labels(raw, "channel", mapping, path, CHANNELS) if "channel" in cols else pd.NA
    _rows_in_order(out, mapping, skip, report)
    extras: dict[str, str] = {"owner": cols["owner"]} if "owner" in cols else {}
    for name, column in {**extras, **mapping.extra}.items():
        out[name] = raw[column]
    deals = out[keep].reset_index(drop=True)
    report.kept = len(deals)
    if deals.empty:
        reasons = "; ".join(f"{n} {r}" for r, n in report.skipped.most_common())
        raise CrmError(f"{path}: no usable rows (skipped: {reasons})")
    deals = coerce(deals, DEALS, source=str(path))
    return deals, report


def _read_with_join(path: Path, mapping: Mapping, report: ImportReport, max_rows: int) -> pd.DataFrame:
    join = mapping.source.join
    needed = mapping.export_columns()
    if join is None:
        return read_table(path, needed, max_rows=max_rows)
    other_path = path.parent / join.file
    main_header = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns) if path.exists() else []
    main_cols = [c for c in needed if c in main_header or c == join.on]
    other_cols = [c for c in needed if c not in main_cols]
    main = read_table(path, main_cols, max_rows=max_rows)
    other = read_table(other_path, [join.on, *other_cols], max_rows=max_rows)
    dup = other[join.on].duplicated(keep="first") & other[join.on].notna()
    report.adjust(f"rows of {join.file} with a repeated {join.on} ignored (first kept)", int(dup.sum()))
    other = other[~dup]
    orphans = ~other[join.on].isin(main[join.on])
    report.adjust(f"rows of {join.file} whose {join.on} is not in {path.name} ignored", int(orphans.sum()))
    return main.merge(other, on=join.on, how="left", validate="many_to_one")


def _dates(values: pd.Series, mapping: Mapping, path: Path, column: str, skip: Skip,
           report: ImportReport) -> pd.Series:
    fmt = mapping.source.date_format
    try:
        found = parsing.dates(values, fmt)
    except parsing.AmbiguousDates as exc:
        raise CrmError(f"{path}: column {column!r}: {exc}; set source.date_format in the mapping "
                       '(e.g. "%d/%m/%Y")') from None
    checked = values.notna() & ~found.out_of_range
    if checked.any() and found.bad.sum() > MOSTLY_BAD * checked.sum():
        example = values[found.bad].iloc[0]
        raise CrmError(f"{path}: column {column!r}: {int(found.bad.sum())} of {int(checked.sum())} dates "
                       f"unparseable (e.g. {example!r}); set source.date_format in the mapping")
    skip(f"date outside {calendar_text()} in {column!r} (e.g. 9999-12-31 for 'never')", found.out_of_range)
    skip(f"unparseable date in {column!r}" + (f" (read as {found.guessed})" if found.guessed else ""), found.bad)
    if found.guessed:
        report.note(f"dates in {column!r} read as {found.guessed}: guessed, as the mapping has no "
                    "source.date_format")
    report.adjust(f"time-zone offset dropped in {column!r} (the local date and time are kept)", found.offsets)
    return found.values


def _outcomes(
    raw: pd.DataFrame, out: pd.DataFrame, mapping: Mapping, path: Path, skip: Skip
) -> tuple[pd.Series, pd.Series]:
    """Outcome and lost stage of each row."""
    if mapping.source.outcome_rule == "won_if_closed":
        outcome = pd.Series(np.where(out["closed"].notna(), "won", "open"), index=out.index, dtype="string")
        return outcome, pd.Series(pd.NA, index=out.index, dtype="string")
    column = mapping.columns["stage"]
    values = raw[column]
    skip("no stage", values.isna())
    unknown = values.notna() & ~values.isin(list(mapping.stages))
    if unknown.any():
        counts = values[unknown].value_counts()
        listed = ", ".join(f"{v!r} ({n} rows)" for v, n in counts.head(5).items())
        raise CrmError(f"{path}: column {column!r}: stage value(s) not in the mapping's [stages]: {listed}")
    meaning = {k: v for k, v in mapping.stages.items()}
    outcome = values.map(lambda v: meaning[v].outcome if isinstance(v, str) else pd.NA).astype("string")
    stage = values.map(lambda v: meaning[v].stage if isinstance(v, str) else pd.NA).astype("string")
    return outcome, stage.where(outcome.isin(["lost", "disqualified"]))


def _amount(raw: pd.DataFrame, out: pd.DataFrame, mapping: Mapping, skip: Skip, report: ImportReport) -> None:
    if "acv" not in mapping.columns:
        out["acv"] = np.nan
        return
    decimal = mapping.source.decimal
    amount, bad = parsing.amounts(raw[mapping.columns["acv"]], decimal)
    skip("non-numeric amount", bad)
    if bad.any():
        report.note(f"amounts are read as 1234.5, 1,234.50 or $1,234 (decimal mark {decimal!r}, source.decimal); "
                    f"'1,5', '1.054,00' with the other mark, inf, nan and amounts over {MAX_ACV:,.0f} do not fit")
    skip("negative amount", amount < 0)
    if mapping.source.zero_amount == "missing":
        zero = (amount == 0) & (out["outcome"] != "won").fillna(True)
        report.adjust("amount 0 on a deal not won read as unknown (zero_amount = 'missing')", int(zero.sum()))
        amount = amount.mask(zero)
    out["acv"] = amount.astype(float)


def _labels(raw: pd.DataFrame, key: str, mapping: Mapping, path: Path, allowed: tuple[str, ...]) -> pd.Series:
    column = mapping.columns[key]
    table: dict[str, str] = dict(getattr(mapping, f"{key}s"))
    values = raw[column]
    fallback = table.get("*")
    mapped = values.map(lambda v: table.get(v, fallback) if table else (v if v in allowed else None)
                        if isinstance(v, str) else None)
    unknown = values.notna() & mapped.isna()
    if unknown.any():
        raise CrmError(f"{path}: column {column!r}: value {values[unknown].iloc[0]!r} is not a {key} "
                       f"({', '.join(allowed)}); map it in [{key}s] (\"*\" maps any other value)")
    return mapped.astype("string")


def _rows_in_order(out: pd.DataFrame, mapping: Mapping, skip: Skip, report: ImportReport) -> None:
    is_open = out["outcome"] == "open"
    expected = is_open & out["closed"].notna()
    report.adjust("close date of an open deal ignored (an expected close, not a close)", int(expected.sum()))
    out.loc[expected.fillna(False), "closed"] = pd.NaT
    skip("close before create", out["closed"] < out["arrived"])
    present = [c for c in ORDER if c in out.columns]
    stamps = out[present]
    running = stamps.ffill(axis=1)
    disorder = (stamps < running.cummax(axis=1)).any(axis=1)
    skip("stage dates out of order", disorder)
    closed_outcome = out["outcome"].isin(["won", "lost", "disqualified"]).fillna(False)
    skip("won or lost without a close date", closed_outcome & out["closed"].isna())
    stamp_max = stamps.max(axis=1)
    as_of = pd.Timestamp(mapping.source.as_of) if mapping.source.as_of else None
    if as_of is not None:
        skip("a date after source.as_of", stamp_max > as_of + pd.Timedelta(days=1))
    report.as_of = as_of if as_of is not None else stamp_max.max()


def export_deals(deals: pd.DataFrame, mapping: Mapping, *, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """``deals`` as the CRM export ``mapping`` reads: its columns, stage names and date format.

    Only what a CRM would show: deals arrived by ``as_of``; stages after ``as_of`` blanked; deals not yet
    closed by ``as_of`` are open in the stage they are in. Lost deals lose their close date under
    ``outcome_rule = "won_if_closed"`` (the export records wins only).
    """
    frame = deals.copy()
    if as_of is not None:
        frame = frame[frame["arrived"] <= as_of].copy()
        for column in (c for c in DATE_COLUMNS if c in frame.columns):
            later = frame[column] > as_of
            frame.loc[later, column] = pd.NaT
        still_open = frame["closed"].isna()
        frame.loc[still_open, "outcome"] = "open"
        frame.loc[still_open, "lost_stage"] = pd.NA
    out = pd.DataFrame(index=frame.index)
    fmt = mapping.source.date_format or "%Y-%m-%d %H:%M:%S"
    for key, column in mapping.columns.items():
        if key == "stage":
            out[column] = _stage_names(frame, mapping)
        elif key in DATE_COLUMNS:
            out[column] = frame[key].dt.strftime(fmt)
        elif key in ("channel", "tier") and getattr(mapping, f"{key}s"):
            names = {v: k for k, v in reversed(list(getattr(mapping, f"{key}s").items())) if k != "*"}
            out[column] = frame[key].map(lambda v, names=names: names.get(v, v) if isinstance(v, str) else v)
        else:
            out[column] = frame[key] if key in frame.columns else pd.NA
    for column in mapping.extra.values():
        if column not in out.columns:
            out[column] = pd.NA
    if mapping.source.outcome_rule == "won_if_closed":
        out.loc[frame["outcome"] != "won", mapping.columns["closed"]] = pd.NA
    return out.reset_index(drop=True)


def _stage_names(frame: pd.DataFrame, mapping: Mapping) -> pd.Series:
    """The export's stage name for each deal: open deals by the last stage they have a date for."""
    current = current_stage(frame).fillna("").astype(str).to_numpy()
    is_open = (frame["outcome"] == "open").to_numpy()
    stage = np.where(is_open, current, frame["lost_stage"].fillna("").astype(str).to_numpy())
    listed = list(reversed(mapping.stages.items()))  # reversed: the first name given for a meaning wins
    by_pair: dict[tuple[str, str], str] = {(v.outcome, v.stage or ""): k for k, v in listed}
    by_outcome: dict[str, str] = {v.outcome: k for k, v in listed}
    names = []
    for outcome, where in zip(frame["outcome"].astype(str), stage, strict=True):
        if outcome == "disqualified" and outcome not in by_outcome:
            outcome = "lost"
        name = by_pair.get((outcome, str(where))) or by_outcome.get(outcome)
        if name is None:
            raise MappingError(f"{mapping.path}: stages: no stage name for outcome {outcome!r}")
        names.append(name)
    return pd.Series(names, index=frame.index)
