"""The page, its PNG and the Markdown from hand-made sections: the recommendation first, the warnings above it,
every section's caveats shown, the sections in the issue's order."""

from __future__ import annotations

import io
from dataclasses import replace

import matplotlib.image as mpimg
import pandas as pd

from analysis import style
from analysis.plan import markdown, page
from analysis.plan.section import Section
from analysis.report import page as report_page
from analysis.report import page_png

SECTIONS = [
    Section("cro", "Fractional or full-time", "Choose a fractional CRO.", ("fractional: $15K/month",)),
    Section("trust", "How far to trust the model", "Coverage 40 % of months.", caveats=("held-out coverage is poor",),
            warning=True),
    Section("fixes", "The bottleneck and the fixes", "Recommended: hire an engineer (+$100K, 95 % CI ...).",
            ("Bottleneck: engineers",), table=pd.DataFrame({"fix": ["a"]}), caveats=("runway: no [billing]",)),
    Section("standing", "Where the company stands", "NNARR $1M in the last quarter.",
            caveats=("C2RE: no spend history given",)),
]
TITLE, SUBTITLE = "Engagement plan: acme", "12 replications"


def _positions(text: str, *needles: str) -> list[int]:
    found = [text.find(n) for n in needles]
    assert all(p >= 0 for p in found), [n for n, p in zip(needles, found, strict=True) if p < 0]
    return found


def test_the_html_puts_warnings_first_then_the_recommendation_then_the_sections_in_order() -> None:
    html = page.html(SECTIONS, TITLE, SUBTITLE, ("notes",))
    warning, box, first, third, sixth = _positions(
        html, "held-out coverage is poor", "Recommendation", "1. Where the company stands",
        "3. The bottleneck and the fixes", "6. Fractional or full-time")
    assert warning < box < first < third < sixth
    # the recommendation box: the fixes' headline first, then the CRO, then the findings
    fixes, cro, standing = _positions(html[box:first], "Recommended: hire", "Choose a fractional", "NNARR $1M")
    assert fixes < cro < standing
    for caveat in ("C2RE: no spend history given", "runway: no [billing]"):
        assert caveat in html
    assert "fixes.csv" in html
    assert "http://" not in html and "https://" not in html  # self-contained


def test_without_a_warning_there_is_no_red_band() -> None:
    calm = [s for s in SECTIONS if not s.warning]
    assert 'class="banner' not in page.html(calm, TITLE, SUBTITLE)
    assert 'class="banner red"' in page.html(SECTIONS, TITLE, SUBTITLE)


def test_the_markdown_has_the_same_order_and_caveats() -> None:
    text = markdown.markdown(SECTIONS, TITLE, SUBTITLE)
    warning, box, first, sixth = _positions(text, "> **Read first:** How far to trust the model: held-out",
                                            "## Recommendation", "## 1. Where", "## 6. Fractional")
    assert warning < box < first < sixth
    assert "- *Not shown or uncertain:* C2RE: no spend history given" in text
    assert text.splitlines()[0] == "# Engagement plan: acme"


def _with_charts() -> list[Section]:
    """The hand-made sections, each with a chart of the sizes the real sections draw (10 x 3.4 to 8 x 4.5 in)."""
    sizes = {"fixes": (10.0, 4.2), "trust": (8.0, 4.5), "standing": (10.0, 3.8), "target": (8.0, 4.5),
             "comp": (10.0, 3.4)}
    extra = [Section("target", "The 6-month target", "Set the goal at $1M (95 % CI $0.9M to $1.1M)."),
             Section("comp", "The CRO's comp", "P50 $30K (P10 $10K - P90 $60K).")]
    out = []
    for section in SECTIONS + extra:
        if section.key in sizes:
            fig = style.new_figure(sizes[section.key])
            fig.subplots().plot([0, 1], [0, 1])
            section = replace(section, figure=fig)
        out.append(section)
    return out


def test_the_board_page_is_the_head_then_the_decision_charts_then_a_pointer() -> None:
    blocks = page.board(_with_charts(), TITLE, SUBTITLE)
    kinds = [type(b).__name__ for b in blocks]
    assert kinds == ["Title", "Banner", "Heading", "Callout", "Charts", "Notes"]
    callout, charts = blocks[3], blocks[4]
    assert isinstance(callout, report_page.Callout) and callout.text.startswith("The bottleneck and the fixes")
    assert isinstance(charts, report_page.Charts)
    # the decision's four charts in reading order; "where the company stands" is in the box, its chart on plan.html
    assert [t for t, _ in charts.charts] == ["The bottleneck and the fixes", "The 6-month target", "The CRO's comp",
                                             "How far to trust the model"]
    for _, data in charts.charts:  # every chart redrawn one column wide, whatever its own size
        assert mpimg.imread(io.BytesIO(data), format="png").shape[1] == round(page_png.CHART_WIDTH * page_png.DPI)
    notes = blocks[5]
    assert isinstance(notes, report_page.Notes) and "plan.html" in notes.items[0] and "fixes.csv" in notes.items[0]


def test_the_png_is_one_page() -> None:
    """One page: no taller than an A4 sheet is for its width (1.41); the full plan's PNG used to be 6 times that.
    (tests/plan/test_ranking.py checks the same on a real plan's PNG.)"""
    data = page.png(_with_charts(), TITLE, SUBTITLE)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = mpimg.imread(io.BytesIO(data), format="png").shape[:2]
    assert height / width <= 2 ** 0.5
