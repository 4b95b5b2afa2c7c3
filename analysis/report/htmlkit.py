"""Self-contained HTML for the reports: one inline stylesheet, charts as base64 PNG data URIs, nothing fetched.

A report page must open from an e-mail attachment or a laptop with no network, so nothing in it may point
outside the file: no external stylesheet, font, script or image. :func:`external_references` finds any such
reference, and :func:`document` refuses to produce a page that has one. Numbers a test or a script may want to
read back are wrapped by :func:`figure` as ``<span data-kpi="name" data-value="raw">shown</span>``.
"""

from __future__ import annotations

import base64
import html
import math
import re
from typing import Final

from analysis import style
from simulation.errors import InputError

CSS: Final = f"""
:root {{ --ink: {style.INK}; --muted: {style.MUTED}; --grid: {style.GRID}; --panel: {style.PANEL};
  --primary: {style.PRIMARY}; --green: {style.STATUS_COLOURS["green"]}; --yellow: {style.STATUS_COLOURS["yellow"]};
  --red: {style.STATUS_COLOURS["red"]}; --unknown: {style.STATUS_COLOURS["unknown"]}; }}
* {{ box-sizing: border-box; }}
body {{ font-family: "{style.FONT}", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0;
  background: #fff; font-size: 15px; line-height: 1.4; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }}
h1 {{ font-size: 26px; margin: 0 0 2px; }}
h2 {{ font-size: 19px; margin: 28px 0 10px; border-bottom: 2px solid var(--grid); padding-bottom: 4px; }}
.sub {{ color: var(--muted); margin: 0 0 16px; }}
.banner {{ display: flex; align-items: center; gap: 18px; padding: 14px 18px; border-radius: 8px; color: #fff;
  margin: 12px 0 18px; }}
.banner .word {{ font-size: 28px; font-weight: bold; text-transform: uppercase; letter-spacing: .04em; }}
.banner .what {{ font-size: 18px; }}
.green {{ background: var(--green); }} .yellow {{ background: var(--yellow); color: var(--ink); }}
.red {{ background: var(--red); }} .unknown, .n\\/a {{ background: var(--unknown); }}
.tiles {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 14px; }}
.tile {{ background: var(--panel); border-radius: 8px; padding: 14px 16px; border-top: 6px solid var(--unknown); }}
.tile.s-green {{ border-top-color: var(--green); }} .tile.s-yellow {{ border-top-color: var(--yellow); }}
.tile.s-red {{ border-top-color: var(--red); }}
.tile .name {{ font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }}
.tile .big {{ font-size: 32px; font-weight: bold; margin: 4px 0; }}
.tile .detail {{ font-size: 14px; color: var(--ink); }}
.arrow {{ font-size: 26px; margin-left: 6px; }}
.good {{ color: var(--green); }} .bad {{ color: var(--red); }} .flat {{ color: var(--muted); }}
ol.actions li {{ margin: 6px 0; font-size: 16px; }}
.bottleneck {{ font-size: 17px; background: var(--panel); border-left: 6px solid var(--primary); padding: 10px 14px;
  border-radius: 4px; }}
.charts {{ display: grid; grid-template-columns: repeat(2, 1fr); gap: 16px; }}
.charts img {{ width: 100%; height: auto; border: 1px solid var(--grid); border-radius: 6px; }}
.charts.one {{ grid-template-columns: minmax(0, 760px); }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--grid); vertical-align: top; }}
th {{ background: var(--panel); font-weight: bold; }}
td.num {{ text-align: right; white-space: nowrap; }}
.dot {{ display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin-right: 6px;
  vertical-align: -1px; }}
.notes {{ color: var(--muted); font-size: 13px; }}
.notes li {{ margin: 3px 0; }}
@media print {{ main {{ max-width: none; }} h2 {{ break-after: avoid; }} }}
"""

_EXTERNAL: Final = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//)|(?:@import)|(?:https?://)""",
    re.IGNORECASE,
)


def external_references(page: str) -> list[str]:
    """Every piece of ``page`` that would make a browser fetch something (or any http(s) URL at all).

    >>> external_references('<img src="data:image/png;base64,AAA">')
    []
    >>> external_references('<link href="https://cdn.example/x.css"><img src="//x/y.png">')
    ['href="https://', 'src="//']
    """
    return [m.group(0) for m in _EXTERNAL.finditer(page)]


def esc(text: object) -> str:
    """``text`` as HTML text. A URL, ``@import`` or ``//`` in it stays text: ``//`` and ``@`` are written as
    character references, so the page shows them and :func:`external_references` never mistakes a scenario name,
    fix summary or deal id for something the browser would fetch.

    >>> esc('Win <b> at http://x.example @import')
    'Win &lt;b&gt; at http:/&#47;x.example &#64;import'
    """
    return html.escape(str(text), quote=True).replace("//", "/&#47;").replace("@", "&#64;")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image(png: bytes, alt: str) -> str:
    return f'<img src="{data_uri(png)}" alt="{esc(alt)}">'


def figure(kpi: str, raw: float | str | None, shown: str) -> str:
    """A displayed number with its raw value attached for machines (``data-value``; NaN as ``nan``)."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        value = "nan"
    else:
        value = repr(float(raw)) if isinstance(raw, int | float) else str(raw)
    return f'<span data-kpi="{esc(kpi)}" data-value="{esc(value)}">{esc(shown)}</span>'


def dot(status: str) -> str:
    colour = style.STATUS_COLOURS.get(status, style.STATUS_COLOURS["unknown"])
    return f'<span class="dot" style="background:{colour}"></span>'


def document(title: str, body: str) -> str:
    """A complete, self-contained HTML page; raises if anything in it points outside the file."""
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
        "</body>\n</html>\n"
    )
    found = external_references(page)
    if found:
        raise InputError(f"report would not be self-contained: it references {found[0]!r}")
    return page
