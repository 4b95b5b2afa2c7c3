"""``funnelsim init DIR``: a starter for the user's own company, valid the moment it is written.

It writes, and only inside ``DIR``:

* ``company.toml``: a commented scenario that ``extends`` a shipped baseline *by name* (``extends = "ai_startup"``:
  a bare name that is no file beside the scenario is a shipped file, :mod:`simulation.shipped`), so it works
  wherever funnelsim is installed and follows the baseline when funnelsim is upgraded. It sets the few numbers a
  founder knows (inbound prospects a week, solution engineers, POV length, win rate, ACV by tier, monthly
  marketing spend), from the flags or, without them, the baseline's own values marked ``PLACEHOLDER``;
* ``fixes/one_more_engineer.toml`` and ``fixes/shorter_pov.toml``: two relative fixes (``{ add = 1 }``,
  ``{ scale = 0.8 }``), so they mean "one more than we have" and "a fifth shorter than ours";
* ``README.md``: the next commands.

An existing file among these is never replaced (one line, exit status 2, nothing written). The scenario is loaded
with its fixes once written; should that fail, the files just written are removed again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from simulation import shipped
from simulation.errors import InputError
from simulation.input_files import printable
from simulation.out_folder import OutError, claimed
from simulation.outputs import write_text

SCENARIO_FILE = "company.toml"
FIX_FILES = ("fixes/one_more_engineer.toml", "fixes/shorter_pov.toml")
README_FILE = "README.md"
TIERS = ("small", "mid", "large")


def init_command(args: argparse.Namespace) -> int:
    from simulation.loader import load_scenario  # pydantic loads only for the command that uses it

    folder: Path = args.folder
    baseline = load_scenario(shipped.resolve(args.baseline, "scenario"))
    files = {
        SCENARIO_FILE: scenario_text(args, baseline.model_dump(by_alias=True, exclude_none=True)),
        FIX_FILES[0]: ONE_MORE_ENGINEER,
        FIX_FILES[1]: SHORTER_POV,
        README_FILE: README.format(scenario=SCENARIO_FILE, one=FIX_FILES[0], two=FIX_FILES[1]),
    }
    if folder.exists() and not folder.is_dir():
        raise OutError(f"{printable(str(folder))}: exists and is not a folder; give a folder for the starter")
    taken = [name for name in files if (folder / name).exists() or (folder / name).is_symlink()]
    if taken:
        raise OutError(f"{printable(str(folder / taken[0]))}: already exists; funnelsim init never replaces a file "
                       "(choose an empty folder)")
    written: list[Path] = []
    with claimed(folder, "init"):
        try:
            for name, text in files.items():
                (folder / name).parent.mkdir(exist_ok=True)
                write_text(folder / name, text)
                written.append(folder / name)
            load_scenario(folder / SCENARIO_FILE, [folder / f for f in FIX_FILES])
        except InputError:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    print(f"wrote {folder}/: {', '.join(files)} (extends the shipped {args.baseline}); next: see {folder}/README.md")
    return 0


def scenario_text(args: argparse.Namespace, base: dict[str, Any]) -> str:
    """The starter scenario: each number from its flag, else the baseline's, marked as a placeholder."""
    def mark(flag: str, given: object) -> str:
        return f"yours (--{flag})" if given is not None else f"PLACEHOLDER: {args.baseline}'s value (--{flag})"

    pov_days = args.pov_days
    duration = (inline({"dist": "triangular", "low": 0.75 * pov_days, "mode": pov_days, "high": 1.5 * pov_days})
                if pov_days is not None else inline(base["pov"]["duration_days"]))
    acv = {tier: inline({"dist": "lognormal", "mean": round(given), "sd": round(given / 3)}) if given is not None
           else inline(base["tiers"][tier]["acv"]) for tier in TIERS for given in [getattr(args, f"acv_{tier}")]}
    lines = [
        f"# {printable(args.name)}: a funnelsim scenario written by `funnelsim init` on {dt.date.today():%Y-%m-%d}.",
        f"# It extends the shipped baseline {args.baseline!r} (`funnelsim scenarios` describes it): a bare name in",
        "# `extends` that is no file beside this one is a file shipped with funnelsim. Only the numbers a founder",
        "# knows are set here; every other number (stage lengths, pass rates, churn, the CRO, comp, targets) is the",
        "# baseline's, with its sources and assumptions in the shipped file. To change one, copy its key into the",
        "# section below. Numbers marked PLACEHOLDER are the baseline's: replace them with yours. The targets the",
        "# charts and the CRO's comp judge against are the baseline's too ([targets] nnarr_6_months, ...): set yours.",
        f'extends = "{args.baseline}"',
        "",
        "[scenario]",
        f"name = {json.dumps(args.name, ensure_ascii=False)}",
        'description = "Our funnel: the baseline with our inflow, team, POV length, win rate, deal sizes and spend."',
        "",
        "[arrivals]",
        f"# {mark('prospects-per-week', args.prospects_per_week)}: inbound prospects (inquiries, demos) a week",
        f"rate_per_week = {number(pick(args.prospects_per_week, base['arrivals']['rate_per_week']))}",
        "",
        "[pov]",
        f"# {mark('engineers', args.engineers)}: solution engineers who run proofs of value",
        f"solution_engineers = {pick(args.engineers, base['pov']['solution_engineers'])}",
        f"# {mark('pov-days', pov_days)}: POV length in days (--pov-days D: triangular 0.75 D, D, 1.5 D)",
        f"duration_days = {duration}",
        "",
        "[negotiation]",
        f"# {mark('win-rate', args.win_rate)}: the share of deals reaching negotiation that sign",
        f"win_probability = {number(pick(args.win_rate, base['negotiation']['win_probability']))}",
    ]
    for tier in TIERS:
        given = getattr(args, f"acv_{tier}")
        lines += ["", f"[tiers.{tier}]",
                  f"# {mark(f'acv-{tier}', given)}: annual contract value, USD (--acv-{tier} X: lognormal, mean X, "
                  "SD X/3)",
                  f"acv = {acv[tier]}"]
    lines += [
        "",
        "[spend]",
        f"# {mark('monthly-spend', args.monthly_spend)}: marketing and programs, USD a month (salaries and the CRO",
        "# are counted apart, from the baseline's [spend] and [cro] costs)",
        f"marketing_per_month = {number(pick(args.monthly_spend, base['spend']['marketing_per_month']))}",
        "",
    ]
    return "\n".join(lines)


def pick(given: Any, default: Any) -> Any:
    return default if given is None else given


def number(value: float | int) -> str:
    """A TOML number: whole values without a fraction, others as Python's shortest repr."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def inline(table: dict[str, Any]) -> str:
    """A distribution as a TOML inline table, ``dist`` first."""
    items = [("dist", table["dist"]), *((k, v) for k, v in table.items() if k != "dist")]
    parts = [f"{k} = {json.dumps(v) if isinstance(v, str) else _value(v)}" for k, v in items]
    return "{ " + ", ".join(parts) + " }"


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return number(value)


ONE_MORE_ENGINEER = """\
# One more solution engineer than the company has when the fix starts (relative: { add = 1 }), at the scenario's
# cost per engineer. Assumption: recruiting takes about two months, so the engineer works from day 60.
[fix]
name = "one_more_engineer"
summary = "One more solution engineer, working from day 60"
start_day = 60

[pov]
solution_engineers = { add = 1 }
"""

SHORTER_POV = """\
# A lighter proof of value (a sandbox, a fixed evaluation plan): every POV a fifth shorter than the company's
# current one (relative: { scale = 0.8 }). Assumption: ready to use after a quarter, from day 90.
[fix]
name = "shorter_pov"
summary = "POV a fifth shorter, from day 90"
start_day = 90

[pov]
duration_days = { scale = 0.8 }
"""

README = """\
# Our funnel, in funnelsim

`{scenario}` extends a scenario shipped with funnelsim and sets our own numbers; `fixes/` holds two changes to
try. Edit the PLACEHOLDER numbers first, then:

```sh
funnelsim validate {scenario} --fix {one} --fix {two}    # checks the files, shows each fix's change and the load
funnelsim forecast {scenario} --reps 200 --out out/forecast    # P10/P50/P90 of NNARR, C2RE, SCCR, GRR; fan chart
funnelsim compare {scenario} --fix {one} --fix {two} --fix self_serve_sandbox --out out/compare
funnelsim run {scenario} --out out/run && funnelsim dashboard out/run --out out/dashboard
funnelsim scenarios    # what is shipped: scenarios, fixes (by name, as self_serve_sandbox above), CRM mappings
```

A real CRM export calibrates the scenario instead: `funnelsim calibrate export.csv --mapping hubspot --out
calibrated.toml` (mappings: hubspot, salesforce, ...).
"""
