"""The plan as one page: self-contained HTML and its PNG, from the sections (the report pages' blocks, so the plan
looks like the dashboard and the health page; :mod:`analysis.report.page`, :mod:`analysis.report.page_png`).

The HTML (and the Markdown) hold everything. The PNG is the board's one page: the same warnings and
recommendation, then the four charts that carry the decision (the fixes with their paired intervals, the 6-month
fan chart with the goal, the comp options, the backtest band) two by two, each redrawn to the column's width, and
a pointer to the full page and the tables.

Reading order, for a board member: the warnings that must be read before anything else (a section flagged
``warning``, e.g. a backtest with poor coverage) in a red band; then the recommendation, one box holding every
section's headline (what to do first: the fixes, the target, the comp, the CRO; then where the company stands and
how far to trust the model); then the six sections in the issue's order, each with its points, its chart and what
could not be computed. The tables behind the numbers are written beside the page as ``<key>.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from analysis.plan.section import Section
from analysis.report import page, page_png
from analysis.style import png_bytes

BOARD_CHARTS: Final = ("fixes", "target", "comp", "trust")  # the one-page PNG's charts, two per row

ORDER: Final = ("standing", "trust", "fixes", "target", "comp", "cro")  # the sections 1-6
RECOMMENDATION_ORDER: Final = ("fixes", "target", "comp", "cro", "standing", "trust")


def ordered(sections: Sequence[Section]) -> list[Section]:
    """The sections in the page's order (unknown keys last, in the order given)."""
    rank = {key: k for k, key in enumerate(ORDER)}
    return sorted(sections, key=lambda s: rank.get(s.key, len(ORDER)))


def summary(sections: Sequence[Section]) -> list[str]:
    """The recommendation box: each section's headline, the recommending sections first, titled."""
    rank = {key: k for k, key in enumerate(RECOMMENDATION_ORDER)}
    chosen = sorted(sections, key=lambda s: rank.get(s.key, len(rank)))
    return [f"{s.title}: {s.headline}" for s in chosen if s.headline]


def warnings(sections: Sequence[Section]) -> list[str]:
    """What must be read first: the caveats (else the headline) of every section flagged ``warning``."""
    return [f"{s.title}: {c}" for s in ordered(sections) if s.warning for c in (s.caveats or (s.headline,))]


def number(section: Section) -> str:
    """"3. " for the issue's third section; nothing for a section the issue does not number."""
    return f"{ORDER.index(section.key) + 1}. " if section.key in ORDER else ""


def head(sections: Sequence[Section], title: str, subtitle: str) -> list[page.Block]:
    """Title, the red band of warnings (if any) and the recommendation box: the top of both the page and the PNG."""
    result: list[page.Block] = [page.Title(title, subtitle)]
    shown = warnings(sections)
    if shown:
        result.append(page.Banner("red", "Read first", " · ".join(shown)))
    box = summary(sections)
    callout = page.Callout(box[0] if box else "No section could be computed.", tuple(box[1:]))
    return [*result, page.Heading("Recommendation"), callout]


def blocks(sections: Sequence[Section], title: str, subtitle: str, notes: Sequence[str] = ()) -> list[page.Block]:
    """The page's blocks in reading order (module docstring)."""
    result = head(sections, title, subtitle)
    for section in ordered(sections):
        result += [page.Heading(f"{number(section)}{section.title}"), page.Callout(section.headline)]
        if section.lines:
            result.append(page.Items(section.lines, ordered=False))
        if section.figure is not None:
            result.append(page.Charts(((section.title, png_bytes(section.figure)),), columns=1))
        if section.caveats:
            result.append(page.Notes(tuple(f"Not shown or uncertain: {c}" for c in section.caveats)))
        if section.table is not None:
            result.append(page.Notes((f"The numbers behind this section: {section.key}.csv",)))
    if notes:
        result += [page.Heading("How these numbers were made"), page.Notes(tuple(notes))]
    return result


def html(sections: Sequence[Section], title: str, subtitle: str, notes: Sequence[str] = ()) -> str:
    """The plan as one self-contained HTML document (charts inlined)."""
    return page.to_html(blocks(sections, title, subtitle, notes), title)


def board(sections: Sequence[Section], title: str, subtitle: str) -> list[page.Block]:
    """The one-page PNG's blocks (module docstring): the head, the decision's charts two by two, the pointer."""
    by_key = {s.key: s for s in sections}
    charts = tuple((by_key[k].title, column_png(by_key[k])) for k in BOARD_CHARTS
                   if k in by_key and by_key[k].figure is not None)
    result = head(sections, title, subtitle)
    if charts:
        result.append(page.Charts(charts, columns=2))
    tables = ", ".join(f"{s.key}.csv" for s in ordered(sections) if s.table is not None)
    pointer = ("Every number above comes with its range and the replications behind it. The full plan (each "
               "section's points, every chart and what could not be computed) is plan.html and plan.md"
               + (f"; the numbers behind it: {tables}." if tables else "."))
    return [*result, page.Notes((pointer,))]


def column_png(section: Section) -> bytes:
    """The section's chart redrawn at the resolution that makes it exactly one column of the PNG page wide."""
    assert section.figure is not None
    width_in = float(section.figure.get_figwidth())
    return png_bytes(section.figure, dpi=max(1, round(page_png.CHART_WIDTH * page_png.DPI / width_in)))


def png(sections: Sequence[Section], title: str, subtitle: str) -> bytes:
    """The board's one page as a PNG (:func:`board`)."""
    return page_png.render(board(sections, title, subtitle))
