"""Atomic output files: written to a temporary file beside the target, then renamed over it.

A crash or Ctrl-C leaves either the old file or the new one, never half a CSV. Text cells of a CSV that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, OWASP's
CSV-injection rule) get a leading ``'``, so ``=HYPERLINK(...)`` from a CRM export is shown, never run; numbers are
written as numbers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pandas as pd



@contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; on success it replaces ``target`` atomically."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs should read like any other file
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_with(target: str | Path, writer: Callable[[IO[str]], None]) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer(handle)


FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def write_csv(frame: pd.DataFrame, target: str | Path) -> None:
    """Write ``frame`` (no index) atomically; timestamps as ISO dates/times; formula-like text neutralised."""
    with atomic_path(target) as tmp:
        inert(frame).to_csv(tmp, index=False)


def inert(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) a spreadsheet would evaluate prefixed by ``'``.

    >>> import pandas as pd
    >>> inert(pd.DataFrame({"id": ["=1+1", "D1", "@SUM(A1)"], "acv": [-5.0, 1.0, 2.0]}))["id"].tolist()
    ["'=1+1", 'D1', "'@SUM(A1)"]
    """
    import pandas as pd  # imported where a table is written: `funnelsim schema` needs none

    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    names = {c: _inert(c) for c in frame.columns if isinstance(c, str) and c.startswith(FORMULA_START)}
    risky = [c for c in text if frame[c].map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).any()]
    if not risky and not names:
        return frame
    out = frame.copy()
    for column in risky:
        out[column] = out[column].map(_inert, na_action="ignore")
    return out.rename(columns=names)


def _inert(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value
