"""The plan in Markdown, for pasting into a board memo: the page's content in the page's order
(:mod:`analysis.plan.page`: warnings, the recommendation, then the sections), charts left to the HTML and PNG."""

from __future__ import annotations

from collections.abc import Sequence

from analysis.plan.page import number, ordered, summary, warnings
from analysis.plan.section import Section


def markdown(sections: Sequence[Section], title: str, subtitle: str, notes: Sequence[str] = ()) -> str:
    """The plan as Markdown text (ends with a newline).

    >>> print(markdown([Section("fixes", "The fixes", "Do X.", ("a point",))], "Plan", "sub"), end="")
    # Plan
    <BLANKLINE>
    sub
    <BLANKLINE>
    ## Recommendation
    <BLANKLINE>
    - The fixes: Do X.
    <BLANKLINE>
    ## 3. The fixes
    <BLANKLINE>
    **Do X.**
    <BLANKLINE>
    - a point
    """
    out = [f"# {title}", "", subtitle, ""]
    for line in warnings(sections):
        out += [f"> **Read first:** {line}", ""]
    out += ["## Recommendation", "", *(f"- {line}" for line in summary(sections)), ""]
    for section in ordered(sections):
        out += [f"## {number(section)}{section.title}", "", f"**{section.headline}**", ""]
        if section.lines:
            out += [*(f"- {line}" for line in section.lines), ""]
        if section.figure is not None:
            out += [f"(Chart: {section.title}, in plan.html and plan.png.)", ""]
        if section.caveats:
            out += [*(f"- *Not shown or uncertain:* {c}" for c in section.caveats), ""]
        if section.table is not None:
            out += [f"The numbers behind this section: `{section.key}.csv`.", ""]
    if notes:
        out += ["## How these numbers were made", "", *(f"- {n}" for n in notes), ""]
    return "\n".join(out).rstrip("\n") + "\n"
