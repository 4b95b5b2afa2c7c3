"""The wording of the loader's one-line messages: what a pydantic error or a TOML syntax error means to the person
who wrote the file, with a suggestion for a misspelt key or distribution (:mod:`simulation.loader` adds the file
and the key)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any, get_args

from pydantic import BaseModel

from simulation.distributions import Distribution


def toml_problem(text: str, message: str) -> str:
    """``key: malformed TOML at line L, column C: problem``, the key read from the offending line if it has one."""
    where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    where = where or re.search(r"\s*\(at end of document\)$", message)
    if where is None:
        return f"malformed TOML: {message}"
    problem = message[: where.start()]
    if where.lastindex is None:
        return f"end of file: malformed TOML: {problem}"
    line, column = int(where[1]), where[2]
    lines = text.split("\n")
    key = re.match(r"\s*([A-Za-z0-9_.\-\"' ]+?)\s*=", lines[line - 1]) if line <= len(lines) else None
    headers = (re.match(r"\s*\[+\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]+\s*(#.*)?$", p) for p in reversed(lines[: line - 1]))
    header = next((h for h in headers if h), None)
    table = header[1].replace(" ", "") + "." if header else ""
    if key is None:
        return f"line {line}, column {column}: malformed TOML: {problem}"
    return f"{table}{key[1].replace(' ', '')}: malformed TOML at line {line}, column {column}: {problem}"


DIST_KINDS: dict[str, type[BaseModel]] = {
    kind.model_fields["dist"].default: kind for kind in get_args(get_args(Distribution)[0])
}


def show(value: Any) -> str:
    """A value as the user wrote it in TOML, shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict):
        text = "a table {" + ", ".join(f"{dotted((k,))} = {show(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list | tuple):
        text = "an array [" + ", ".join(show(v) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def explain(error: Any, loc: tuple[str | int, ...], model: type[BaseModel] | None, dist: str = "") -> str:
    kind, message, given, ctx = error["type"], error["msg"], error.get("input"), error.get("ctx") or {}
    if kind == "extra_forbidden":
        if dist:
            return f"unknown key{suggest(str(loc[-1]), params(dist))} (a {dist} distribution takes " \
                f"{', '.join(params(dist))})"
        return f"unknown key{suggest(str(loc[-1]), known_keys(loc[:-1], model))}"
    if kind == "missing":
        return f"required key is missing (a {dist} distribution needs {', '.join(params(dist))})" if dist else (
            "required key is missing")
    if kind == "union_tag_invalid":
        name = given.get("dist")
        close = suggest(name, DIST_KINDS) if isinstance(name, str) else ""
        return f"unknown distribution {show(name)}{close} (use one of {', '.join(sorted(DIST_KINDS))})"
    if kind == "union_tag_not_found":
        return "a distribution needs a 'dist' key (e.g. { dist = \"triangular\", low = 45, mode = 60, high = 90 })"
    if kind == "model_attributes_type":  # a bare value where a distribution table belongs
        example = f"{{ dist = \"fixed\", value = {given} }}" if isinstance(given, int | float) else (
            "{ dist = \"triangular\", low = 45, mode = 60, high = 90 }")
        return f"expected a distribution table such as {example}, got {show(given)}"
    if kind in ("model_type", "dict_type"):
        return f"expected a table, got {show(given)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected an array, got {show(given)}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} value(s), got {ctx.get('actual_length')}"
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} value(s), got {ctx.get('actual_length')}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = suggest(given, options) if isinstance(given, str) else ""
        return f"{message}, got {show(given)}{close}"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    return f"{message}, got {show(given)}"


def params(dist: str) -> list[str]:
    return [info.alias or name for name, info in DIST_KINDS[dist].model_fields.items() if name != "dist"]


def suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def known_keys(path: Iterable[str | int], model: type[BaseModel] | None) -> list[str]:
    current: Any = model
    for part in path:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        current = model_in(fields[part].annotation)
    fields = getattr(current, "model_fields", {}) or {}
    return [info.alias or name for name, info in fields.items()]


def model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            shown = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else json.dumps(part)
            out += f".{shown}" if out else shown
    return out or "(top level)"
