"""The page, its PNG and the Markdown from hand-made sections: the recommendation first, the warnings above it,
every section's caveats shown, the sections in the issue's order."""

from __future__ import annotations

import pandas as pd

from analysis.plan import markdown, page
from analysis.plan.section import Section

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


def test_the_png_is_one_image() -> None:
    data = page.png(SECTIONS, TITLE, SUBTITLE)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
