"""The scenarios, fixes, variants and CRM mappings shipped with funnelsim, and the one place their names resolve.

Their one source is the repository's top-level ``scenarios/`` folder; ``simulation/scenarios`` is a symlink to it,
so the wheel carries a copy inside the package (``pyproject.toml``, package data) and an editable install or a
checkout reads the folder itself. Either way :func:`root` finds it through :mod:`importlib.resources`.

Wherever a command takes a scenario, fix, variant or mapping file, it takes a shipped *name* too
(``funnelsim forecast ai_startup``, ``--fix self_serve_sandbox``, ``--mapping hubspot``): :func:`resolve` is the
rule, used by the commands' argument types and by the loader for ``extends`` and ``cro.playbook``:

* a path that exists wins (a file ``ai_startup`` in the current folder is that file);
* else a bare name (no folder part, ``.toml`` optional) is looked up among the shipped files of its kind; an
  unknown name is one line listing the shipped names;
* else a path under ``scenarios/`` (the repository's own defaults and README commands) that does not exist here
  is the packaged copy of that file, wherever the command runs;
* anything else is returned as given, for the caller's usual "no such file".
"""

from __future__ import annotations

import argparse
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Final, Literal

from simulation.errors import InputError
from simulation.input_files import printable

Kind = Literal["scenario", "fix", "mapping"]

# The folders under the shipped root holding each kind ("" is the root: the baselines; variants are scenarios).
FOLDERS: Final[dict[Kind, tuple[str, ...]]] = {
    "scenario": ("", "variants"),
    "fix": ("fixes",),
    "mapping": ("mappings",),
}
REPOSITORY_FOLDER: Final = "scenarios"


class UnknownName(InputError):
    """A bare name that is neither a file here nor a shipped file of its kind."""


def root() -> Path:
    """The folder of the shipped files (inside the installed package, or the checkout's ``scenarios/``)."""
    return Path(str(resources.files("simulation") / "scenarios"))


def shipped(kind: Kind) -> dict[str, Path]:
    """The shipped files of ``kind`` by name (the file name without ``.toml``), in name order."""
    base = root()
    found = {path.stem: path for folder in FOLDERS[kind] for path in (base / folder).glob("*.toml")}
    return dict(sorted(found.items()))


def is_name(text: str) -> bool:
    """A bare name: no folder part, not a special path (``.``, ``~``), nothing a shell would expand."""
    return bool(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", text)) and text not in (".", "..")


def resolve(text: str | Path, kind: Kind) -> Path:
    """The file ``text`` names as a ``kind``: an existing path, else a shipped name, else a ``scenarios/...``
    path's packaged copy, else ``text`` unchanged (the module's docstring has the rule)."""
    path = Path(text)
    try:
        if path.exists():
            return path
    except (OSError, ValueError):  # a NUL, a name too long: the caller's checks say so in one line
        return path
    as_text = str(text)
    if is_name(as_text):
        named = shipped(kind).get(as_text.removesuffix(".toml"))
        if named is None:
            names = ", ".join(shipped(kind))
            raise UnknownName(f"{printable(as_text)}: no such file, nor a shipped {kind} name (shipped: {names}; "
                              "`funnelsim scenarios` lists them)")
        return named
    if path.parts[:1] == (REPOSITORY_FOLDER,) and len(path.parts) > 1:
        packaged = root().joinpath(*path.parts[1:])
        if packaged.is_file():
            return packaged
    return path


def scenario_arg(text: str) -> Path:
    """argparse type of a scenario or variant argument: a path or a shipped name."""
    return _argument(text, "scenario")


def fix_arg(text: str) -> Path:
    """argparse type of a ``--fix`` argument: a path or a shipped name."""
    return _argument(text, "fix")


def mapping_arg(text: str) -> Path:
    """argparse type of a ``--mapping`` argument: a path or a shipped name."""
    return _argument(text, "mapping")


def _argument(text: str, kind: Kind) -> Path:
    try:
        return resolve(text, kind)
    except UnknownName as exc:  # argparse turns it into the one-line usage error, exit status 2
        raise argparse.ArgumentTypeError(str(exc)) from None


def description(path: Path) -> str:
    """A shipped file's one line: ``[scenario] description`` or ``[fix] summary``, else its first comment line."""
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for section, key in (("scenario", "description"), ("fix", "summary")):
        value = data.get(section, {}).get(key)
        if isinstance(value, str) and value:
            return value
    return first_sentence(text)


def first_sentence(text: str, width: int = 110) -> str:
    """The first sentence of the comment block opening ``text``, cut at ``width`` characters.

    >>> first_sentence("# HubSpot deals export (Deals > Export). HubSpot's dates...\\n# more\\n[source]\\n")
    'HubSpot deals export (Deals > Export).'
    """
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    joined = " ".join(lines)
    sentence = re.split(r"(?<=\.)\s", joined, maxsplit=1)[0]
    return sentence if len(sentence) <= width else sentence[: width - 3].rstrip(" ,;:") + "..."


def listing() -> str:
    """What ``funnelsim scenarios`` prints: every shipped file by kind, name and one-line description."""
    lines = [f"Shipped with funnelsim (in {root()}); give a name wherever a file is asked for:"]
    headings: dict[Kind, str] = {"scenario": "Scenarios (and variants, for compare --variant)",
                                 "fix": "Fixes (--fix NAME)", "mapping": "CRM mappings (--mapping NAME)"}
    for kind, heading in headings.items():
        files = shipped(kind)
        width = max(len(name) for name in files)
        lines += ["", f"{heading}:"]
        for name, path in files.items():
            folder = path.parent.name if path.parent != root() else ""
            where = f" [{folder}]" if folder == "variants" else ""
            lines.append(f"  {name:<{width}}  {description(path)}{where}")
    return "\n".join(lines)
