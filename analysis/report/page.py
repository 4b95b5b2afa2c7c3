"""A report page as a list of blocks, rendered to self-contained HTML here and to PNG by
:mod:`analysis.report.page_png`.

Both renderers walk the same blocks in the same order, so the PNG is the HTML page's layout (title, status
banner, KPI tiles, call-out, lists, a two-column grid of charts, tables, notes), not a separate design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from analysis.report import htmlkit


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Banner:
    """The status line: a coloured band with the status word and what it triggers."""

    status: str
    word: str
    text: str


@dataclass(frozen=True)
class Tile:
    """One KPI: its name, the big figure (with ``kpi``/``raw`` for machines), an optional trend arrow, details."""

    name: str
    big: str
    kpi: str
    raw: float | None
    status: str = "unknown"
    arrow: str = ""
    arrow_class: str = "flat"
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tiles:
    tiles: tuple[Tile, ...]


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Callout:
    """A highlighted sentence (the biggest bottleneck) with smaller lines under it."""

    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]
    ordered: bool = True


@dataclass(frozen=True)
class Charts:
    """Charts in a grid of ``columns`` (1 or 2) columns: (title, PNG bytes) pairs."""

    charts: tuple[tuple[str, bytes], ...]
    columns: int = 2


@dataclass(frozen=True)
class Table:
    """A table of display strings; ``status_column`` cells get a coloured dot, ``numeric`` ones align right."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    status_column: int | None = None
    numeric: frozenset[int] = field(default_factory=frozenset)
    widths: tuple[float, ...] = ()  # relative column widths for the PNG (default: equal)


@dataclass(frozen=True)
class Notes:
    items: tuple[str, ...]


Block = Title | Banner | Tiles | Heading | Callout | Items | Charts | Table | Notes


def to_html(blocks: Sequence[Block], title: str) -> str:
    """The blocks as one self-contained HTML document."""
    return htmlkit.document(title, "\n".join(_html(b) for b in blocks))


def _html(block: Block) -> str:
    esc = htmlkit.esc
    if isinstance(block, Title):
        sub = f'<p class="sub">{esc(block.subtitle)}</p>' if block.subtitle else ""
        return f"<h1>{esc(block.text)}</h1>{sub}"
    if isinstance(block, Banner):
        return (
            f'<div class="banner {esc(block.status)}" data-status="{esc(block.status)}">'
            f'<span class="word">{esc(block.word)}</span><span class="what">{esc(block.text)}</span></div>'
        )
    if isinstance(block, Tiles):
        return '<div class="tiles">' + "".join(_tile(t) for t in block.tiles) + "</div>"
    if isinstance(block, Heading):
        return f"<h2>{esc(block.text)}</h2>"
    if isinstance(block, Callout):
        details = "".join(f'<div class="notes">{esc(d)}</div>' for d in block.details)
        return f'<div class="bottleneck"><strong>{esc(block.text)}</strong>{details}</div>'
    if isinstance(block, Items):
        tag = "ol" if block.ordered else "ul"
        return f'<{tag} class="actions">' + "".join(f"<li>{esc(i)}</li>" for i in block.items) + f"</{tag}>"
    if isinstance(block, Charts):
        cls = "charts" if block.columns == 2 else "charts one"
        return f'<div class="{cls}">' + "".join(htmlkit.image(png, t) for t, png in block.charts) + "</div>"
    if isinstance(block, Table):
        return _table(block)
    return '<ul class="notes">' + "".join(f"<li>{esc(i)}</li>" for i in block.items) + "</ul>"


def _tile(tile: Tile) -> str:
    esc = htmlkit.esc
    arrow = f'<span class="arrow {esc(tile.arrow_class)}">{esc(tile.arrow)}</span>' if tile.arrow else ""
    details = "".join(f'<div class="detail">{esc(d)}</div>' for d in tile.details)
    return (
        f'<div class="tile s-{esc(tile.status)}" data-status="{esc(tile.status)}">'
        f'<div class="name">{esc(tile.name)}</div>'
        f'<div class="big">{htmlkit.figure(tile.kpi, tile.raw, tile.big)}{arrow}</div>{details}</div>'
    )


def _table(block: Table) -> str:
    esc = htmlkit.esc
    head = "".join(f"<th>{esc(h)}</th>" for h in block.headers)
    body = []
    for row in block.rows:
        cells = []
        for i, value in enumerate(row):
            text = esc(value)
            if i == block.status_column:
                text = htmlkit.dot(value) + text
            cls = ' class="num"' if i in block.numeric else ""
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
