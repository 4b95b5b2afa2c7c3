"""The checking cell of a "your turn" exercise: it says whether the learner's answer is right, and why not.

A notebook ends with tasks whose answers the notebook itself can compute. The learner writes an answer into a
variable; the checking cell compares it with the value computed in the notebook and prints one line. A missing
answer (``None``, the placeholder a notebook ships with) is not an error: the notebook must run top to bottom as
committed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: ``ok`` is None when no answer was given yet."""

    name: str
    ok: bool | None
    message: str

    def __str__(self) -> str:
        mark = {True: "right", False: "not yet", None: "no answer yet"}[self.ok]
        return f"{self.name}: {mark}. {self.message}".rstrip()

    def _repr_markdown_(self) -> str:
        return f"**{self.name}**: {str(self).split(': ', 1)[1]}"


def check(name: str, answer: object, expected: float, *, rel: float = 0.05, hint: str = "") -> Verdict:
    """Compare a numeric answer with the notebook's own value, within a relative tolerance ``rel``.

    >>> print(check("utilisation", 0.78, 0.7812, rel=0.01))
    utilisation: right. 0.78 is within 1 % of 0.7812.
    >>> print(check("utilisation", 1.2, 0.7812, rel=0.01, hint="rho = lambda / (c mu)"))
    utilisation: not yet. 1.2 is 54 % away from the notebook's value. Hint: rho = lambda / (c mu)
    >>> print(check("utilisation", None, 0.7812))
    utilisation: no answer yet. Set the answer variable and run this cell again.
    """
    if answer is None:
        return Verdict(name, None, "Set the answer variable and run this cell again.")
    if not isinstance(answer, int | float) or isinstance(answer, bool) or not math.isfinite(answer):
        return Verdict(name, False, f"expected a finite number, got {answer!r}.")
    gap = abs(answer - expected) / max(abs(expected), 1e-12)
    if gap <= rel:
        return Verdict(name, True, f"{answer:g} is within {rel * 100:g} % of {expected:.4g}.")
    tip = f" Hint: {hint}" if hint else ""
    return Verdict(name, False, f"{answer:g} is {gap * 100:.0f} % away from the notebook's value.{tip}")


def check_choice(name: str, answer: object, expected: str, *, why: str = "") -> Verdict:
    """Compare a named choice (a plan, a fix, a stage) with the right one, case and spacing ignored.

    >>> print(check_choice("plan", " Multiplicative", "multiplicative"))
    plan: right.
    >>> print(check_choice("plan", "additive", "multiplicative", why="a churned deal zeroes one factor"))
    plan: not yet. 'additive' is not it: a churned deal zeroes one factor
    """
    if answer is None:
        return Verdict(name, None, "Set the answer variable and run this cell again.")
    if str(answer).strip().casefold() == expected.strip().casefold():
        return Verdict(name, True, "")
    return Verdict(name, False, f"{str(answer).strip()!r} is not it: {why}" if why else f"{answer!r} is not it.")
