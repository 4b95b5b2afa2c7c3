"""Write a scenario file (TOML) with a comment on every value: what the calibration wrote and why.

A TOML library would not keep comments, and the comments are the point here (what the data identified, with its
standard error, and what was assumed), so the few value kinds a scenario uses are rendered directly and the
result is checked by reading it back with :func:`simulation.loader.load_scenario` before it is kept.

>>> print(render(["A header"], [("extends", "base.toml", "")], [("arrivals", [("rate_per_week", 3.25, "fitted")])]))
# A header
extends = "base.toml"
<BLANKLINE>
[arrivals]
rate_per_week = 3.25  # fitted
<BLANKLINE>
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from simulation.input_files import printable

Entry = tuple[str, Any, str]  # key, value, comment ("" for none)


def value_text(value: Any) -> str:
    """One TOML value: numbers to 4 significant digits, distributions and small tables inline."""
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value} to a scenario file")
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {value_text(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} to a scenario file")


def _number(value: float) -> str:
    return repr(float(f"{value:.4g}"))  # Python's float repr is valid TOML (2361.0, 1e-05)


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def render(header: Sequence[str], top: Sequence[Entry], sections: Sequence[tuple[str, Sequence[Entry]]]) -> str:
    """The file: header comment lines, top-level keys, then ``[section]`` tables in the given order."""
    # A comment ends at a line break: anything that could break one (a newline in a path on the command line) is
    # escaped, so nothing a user typed becomes a key of the file.
    lines = [f"# {printable(line)}".rstrip() for line in header]
    lines += [_line(entry) for entry in top]
    for name, entries in sections:
        lines += ["", f"[{name}]", *(_line(entry) for entry in entries)]
    return "\n".join(lines) + "\n"


def _line(entry: Entry) -> str:
    key, value, comment = entry
    text = f"{_key(key)} = {value_text(value)}"
    return f"{text}  # {printable(comment)}" if comment else text
