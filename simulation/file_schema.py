"""The JSON Schema of scenario and fix files, as an editor needs it (``funnelsim schema``).

Pydantic's schema of :class:`~simulation.scenario.Scenario` describes the *resolved* scenario. A file differs: it
may ``extends = "base.toml"`` and then say only what it overrides, so for such files no key is required (except
``dist`` inside a distribution); ``fixes`` is filled by the loader and is not a key a file may contain. A fix file
may give a number or a distribution relative to the value in force (``{ add = 1 }``, ``{ scale = 0.7 }``, see
:mod:`simulation.relative`), which the resolved scenario never holds, so those forms are added here.
"""

from __future__ import annotations

import copy
from typing import Any

from simulation.relative import field_kind
from simulation.scenario import SECTION_TYPES, FixFile, Scenario
from simulation.staffing import FixStaff

Schema = dict[str, Any]
DEFS = "$defs"


def scenario_file_schema() -> Schema:
    """Complete files must have every section; files with ``extends`` may give any part of any section."""
    full = Scenario.model_json_schema(by_alias=True, mode="validation")
    defs: dict[str, Any] = full.pop(DEFS)
    full["properties"].pop("fixes", None)
    full["properties"]["extends"] = {
        "type": "string",
        "description": "Scenario file to start from (path relative to this file, or absolute); this file overrides it",
    }
    _require_dist(defs)
    partial_defs = {f"Partial{name}": _partial(body) for name, body in defs.items() if not _is_distribution(body)}
    partial = _partial(full)
    _retarget(partial, defs)
    for body in partial_defs.values():
        _retarget(body, defs)
    title = full.pop("title", "Scenario")
    return {
        "title": title,
        "description": "A funnelsim scenario file (TOML). With `extends`, every key is optional.",
        DEFS: {**defs, **partial_defs, "ScenarioFile": full, "PartialScenarioFile": partial},
        "if": {"required": ["extends"]},
        "then": {"$ref": f"#/{DEFS}/PartialScenarioFile"},
        "else": {"$ref": f"#/{DEFS}/ScenarioFile"},
    }


def _operator(name: str, kind: str, description: str, **bounds: Any) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": {name: {"type": kind, **bounds}},
        "required": [name],
        "additionalProperties": False,
    }


RELATIVE: dict[str, Schema] = {
    "RelativeAdd": _operator("add", "number", "Add to the value in force (a probability is clipped to [0, 1])"),
    "RelativeAddWhole": _operator("add", "integer", "Add a whole number to the count in force"),
    "RelativeScale": _operator("scale", "number", "Multiply the value in force (a distribution: the variable) by K",
                               exclusiveMinimum=0),
}
RELATIVE_FORMS: dict[str, tuple[str, ...]] = {  # the kind of a key -> the relative forms it takes
    "int": ("RelativeAddWhole", "RelativeScale"),
    "number": ("RelativeAdd", "RelativeScale"),
    "probability": ("RelativeAdd", "RelativeScale"),
    "distribution": ("RelativeScale",),
}


def fix_file_schema() -> Schema:
    """The fix file: the fixable sections' keys all optional, numbers and distributions also in relative form."""
    schema = FixFile.model_json_schema(by_alias=True, mode="validation")
    defs = schema.setdefault(DEFS, {})
    _require_dist(defs)
    defs.update(copy.deepcopy(RELATIVE))
    for section, kind in SECTION_TYPES.items():
        properties = defs.get(f"{kind.__name__}Patch", {}).get("properties", {})
        for key, body in properties.items():
            forms = RELATIVE_FORMS.get(str(field_kind(section, key)), ())
            if forms:
                if "anyOf" not in body:  # every patch key is optional (anyOf with null); keep it right if not
                    body["anyOf"] = [{k: body.pop(k) for k in list(body) if k not in ("default", "title")}]
                body["anyOf"] += [{"$ref": f"#/{DEFS}/{form}"} for form in forms]
    staff = FixStaff.model_json_schema(by_alias=True, mode="validation", ref_template=f"#/{DEFS}/{{model}}")
    defs.update(staff.pop(DEFS, {}))
    defs["FixStaff"] = staff
    schema["properties"]["staff"] = {"$ref": f"#/{DEFS}/FixStaff",
                                     "description": "Hires the fix adds (a hire's day counts from the fix's start)"}
    return schema


def _is_distribution(body: Schema) -> bool:
    return "dist" in body.get("properties", {})


def _require_dist(defs: dict[str, Any]) -> None:
    # The loader needs `dist` to choose the distribution even where the model gives it a default.
    for body in defs.values():
        if _is_distribution(body) and "dist" not in body.setdefault("required", []):
            body["required"].insert(0, "dist")


def _partial(body: Schema) -> Schema:
    loose = copy.deepcopy(body)
    loose.pop("required", None)
    return loose


def _retarget(node: Any, defs: dict[str, Any]) -> None:
    """Point references to sections at their partial versions (distributions stay whole)."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.removeprefix(f"#/{DEFS}/")
        if ref and name in defs and not _is_distribution(defs[name]):
            node["$ref"] = f"#/{DEFS}/Partial{name}"
        for value in node.values():
            _retarget(value, defs)
    elif isinstance(node, list):
        for value in node:
            _retarget(value, defs)
