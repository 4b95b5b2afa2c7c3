"""Fuzzing the loader: whatever a file holds, the result is a valid Scenario or one ScenarioError line naming the file.

(a) arbitrary bytes, text and "line soup" (lines of the shipped files shuffled and corrupted);
(b) structured: a leaf of the shipped scenario (or fix) gets a wrong type, an out-of-range number, is deleted, or
    gains a misspelt sibling; the dict is written back as TOML by the small emitter below.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulation.loader import ScenarioError, load_scenario
from simulation.scenario import Scenario
from tests.conftest import SCENARIOS
from tests.simulation.bad_inputs import BASE, BASE_TEXT

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIX = SCENARIOS / "fixes" / "standard_data_sharing_agreement.toml"

Leaf = tuple[str | int, ...]


def outcome(path: Path, fixes: tuple[Path, ...] = ()) -> tuple[Scenario | None, str]:
    """Load; return the scenario, or the error message after checking its shape. Any other exception fails."""
    try:
        return load_scenario(path, fixes), ""
    except ScenarioError as exc:
        message = str(exc)
    assert message and message == message.strip(), repr(message)
    assert all(c.isprintable() for c in message), repr(message)  # one line: no newline or other control character
    assert "Traceback" not in message and "pydantic" not in message
    return None, message


def key_of(message: str, named: Path) -> str:
    """The dotted key a message names (what comes between ``file: `` and the next ``: ``)."""
    assert message.startswith(f"{named}: "), message
    return message[len(f"{named}: "):].split(": ", 1)[0]


# --- (a) unstructured input -----------------------------------------------------------------------------------

SHIPPED_LINES = [line for p in (BASE, SCENARIOS / "ml_company.toml", FIX)
                 for line in p.read_text(encoding="utf-8").splitlines()]


@st.composite
def line_soup(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(SHIPPED_LINES), min_size=1, max_size=60))
    out = []
    for line in lines:
        if line and draw(st.integers(0, 4)) == 0:  # corrupt one character in a fifth of the lines
            i = draw(st.integers(0, len(line) - 1))
            line = line[:i] + draw(st.sampled_from(["", "=", "[", "]", '"', "{", ",", "x", "1", "-", ".", "\x00"])) \
                + line[i + 1:]
        out.append(line)
    return "\n".join(out)


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    line_soup().map(str.encode),
))
def test_any_bytes_give_a_scenario_or_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(data)
    scenario, message = outcome(path)
    if scenario is None:
        assert message.startswith(f"{path}: "), message


@FUZZ
@given(data=st.binary(max_size=200))
def test_any_bytes_as_a_fix_name_the_fix(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fix.toml"
    path.write_bytes(b'[fix]\nname = "f"\n' + data)
    scenario, message = outcome(BASE, (path,))
    if scenario is None:
        assert message.startswith(f"{path}: "), message


# --- a tiny TOML emitter (tomli_w is not a dependency): everything below the top level as inline tables ------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # repr gives inf, -inf, 1e+300, 0.1 ...
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def toml_string(text: str) -> str:
    escaped = "".join(
        "\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text
    )
    return f'"{escaped}"'


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def to_toml(data: dict[str, Any]) -> str:
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in data.items())


def test_the_emitter_round_trips_the_shipped_files() -> None:
    for path in (BASE, FIX):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert tomllib.loads(to_toml(data)) == data
    odd = {"a b": ["x\"y\\z\n\x7f\x00é😀", 1, -2.5, float("inf"), True, dt.date(2027, 1, 4)], "t": {"u": {}}}
    assert tomllib.loads(to_toml(odd)) == odd


# --- (b) structured mutations of the shipped files ------------------------------------------------------------


def leaves(data: Any, at: Leaf = ()) -> list[Leaf]:
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in leaves(v, (*at, k))]
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        return [leaf for i, v in enumerate(data) for leaf in leaves(v, (*at, i))]
    if isinstance(data, list) and data:
        return [at, *((*at, i) for i in range(len(data)))]
    return [at]


def dotted(leaf: Leaf) -> str:
    out = ""
    for part in leaf:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def parent_of(data: Any, leaf: Leaf) -> Any:
    for part in leaf[:-1]:
        data = data[part]
    return data


def misspell(word: str, how: int, where: int) -> str:
    if not word:
        return "x"
    i = where % len(word)
    if how == 0:
        return word[:i] + word[i + 1:]  # drop a letter
    if how == 1:
        return word[:i] + word[i] + word[i:]  # double a letter
    if how == 2 and len(word) > 1:
        i = min(i, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters
    return word + "s"


WRONG_TYPES = {  # for a leaf of this Python type, values of a type the key never takes
    "number": st.one_of(st.text(max_size=8), st.booleans(), st.just([1, 2]), st.just({"value": 1}),
                        st.just(dt.date(2027, 1, 4))),
    "str": st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.just(["x"]), st.just({"a": "b"})),
    "date": st.one_of(st.text(max_size=12), st.integers(), st.just(dt.datetime(2027, 1, 4, 12, 30))),
    "list": st.one_of(st.text(max_size=8), st.integers(), st.just({"a": 1})),
}
OUT_OF_RANGE = st.one_of(
    st.sampled_from([-1, -0.001, 0, 1.0000001, 1.5, 2, 100, 10**6, 10**20, 1e300, -1e300, 5e-324]),
    st.sampled_from([float("inf"), float("-inf"), float("nan")]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(),
)


def kind_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list):
        return "list"
    return None


@st.composite
def mutation(draw: st.DrawFn, original: dict[str, Any]) -> tuple[dict[str, Any], str, Leaf]:
    data = tomllib.loads(to_toml(original))  # a deep copy
    leaf = draw(st.sampled_from(leaves(data)))
    how = draw(st.sampled_from(["wrong_type", "out_of_range", "delete", "misspell"]))
    parent, last = parent_of(data, leaf), leaf[-1]
    if how == "wrong_type":
        kind = kind_of(parent[last])
        assume(kind is not None)
        parent[last] = draw(WRONG_TYPES[str(kind)])
    elif how == "out_of_range":
        assume(kind_of(parent[last]) == "number")
        parent[last] = draw(OUT_OF_RANGE)
    elif how == "delete":
        del parent[last]
    else:
        assume(isinstance(last, str))
        new = misspell(str(last), draw(st.integers(0, 3)), draw(st.integers(0, 50)))
        assume(new not in parent)  # still a different, unknown key
        parent[new] = parent.pop(last)
        leaf = (*leaf[:-1], new)
    return data, how, leaf


def check_mutation(path: Path, named: Path, how: str, leaf: Leaf, fixes: tuple[Path, ...] = ()) -> None:
    scenario, message = outcome(path, fixes)
    if how in ("wrong_type", "misspell"):
        assert scenario is None, f"{how} at {dotted(leaf)} was accepted"
    if scenario is not None:
        return
    key = key_of(message, named)
    if how == "misspell":
        assert key == dotted(leaf) and "unknown key" in message, message
    elif how == "wrong_type":
        # the key itself, or the distribution table it sits in (a wrong 'dist' is the table's problem)
        assert dotted(leaf).startswith(key) and key, message
    elif how == "delete" and "required key is missing" in message:
        assert key == dotted(leaf), message


BASE_DATA = tomllib.loads(BASE_TEXT)
FIX_DATA = tomllib.loads(FIX.read_text(encoding="utf-8"))


@FUZZ
@given(change=mutation(BASE_DATA))
def test_mutated_scenario(tmp_path: Path, change: tuple[dict[str, Any], str, Leaf]) -> None:
    data, how, leaf = change
    path = tmp_path / "mutated.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    check_mutation(path, path, how, leaf)


@FUZZ
@given(change=mutation(FIX_DATA))
def test_mutated_fix(tmp_path: Path, change: tuple[dict[str, Any], str, Leaf]) -> None:
    data, how, leaf = change
    path = tmp_path / "mutated_fix.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    check_mutation(BASE, path, how, leaf, (path,))


@pytest.mark.parametrize("leaf", leaves(BASE_DATA), ids=dotted)
def test_every_misspelt_scenario_key_is_named(leaf: Leaf, tmp_path: Path) -> None:
    # Not random: every key of the shipped scenario, misspelt, is reported as unknown under its dotted name.
    if not isinstance(leaf[-1], str):
        pytest.skip("an array item has no key")
    data = tomllib.loads(BASE_TEXT)
    parent = parent_of(data, leaf)
    wrong = misspell(leaf[-1], 0, 1)
    parent[wrong] = parent.pop(leaf[-1])
    path = tmp_path / "x.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    _, message = outcome(path)
    assert message.startswith(f"{path}: {dotted((*leaf[:-1], wrong))}: unknown key"), message
