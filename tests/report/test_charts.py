"""Charts: each one titled, with labelled axes (units), in the one style, drawable from empty input; the resource
series are time-weighted; the page renders to PNG."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import style
from analysis.kpi import utilisation
from analysis.report import charts, page, page_png
from analysis.report.htmlkit import external_references


def _labelled(fig: Figure) -> None:
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert axes[0].get_title(loc="left"), "every chart has a title"
    for ax in axes:
        if ax.get_xticks().size or ax.get_yticks().size:
            assert ax.get_xlabel() or ax.get_ylabel() or ax.texts, "axes say what they measure"
    png = style.png_bytes(fig)
    image = mpimg.imread(io.BytesIO(png), format="png")
    assert image.shape[1] == style.CHART_SIZE[0] * style.CHART_DPI  # slide-size width, 880 px


@pytest.fixture(scope="module")
def conversion() -> pd.DataFrame:
    return pd.DataFrame(
        {"entered": [100, 70, 65, 60, 30, 25], "advanced": [70, 65, 60, 30, 25, 15], "lost": [30, 5, 0, 28, 4, 9],
         "conversion": [0.7, 0.93, 1.0, 0.52, 0.86, 0.62]},
        index=pd.Index(["data_quality", "data_access", "pov_queue", "pov", "validation", "negotiation"], name="stage"),
    )


def test_every_chart_is_titled_and_labelled(conversion: pd.DataFrame) -> None:
    days = pd.date_range("2027-01-04", periods=120, freq="D")
    _labelled(charts.funnel(conversion, won=15))
    _labelled(charts.cycle_by_quarter(pd.Series([90.0, 100.0, 80.0]),
                                      pd.Series(pd.PeriodIndex(["2027Q1", "2027Q1", "2027Q2"], freq="Q"))))
    summary = pd.DataFrame({"visits": [3, 2], "mean_waiting_days": [10.0, 0.0], "mean_working_days": [0.0, 50.0]},
                           index=["pov_queue", "pov"])
    _labelled(charts.stage_split(summary))
    usage = pd.DataFrame({"resource": "solution_engineers", "period": days[::7], "utilisation": 0.8, "queue": 2.0})
    _labelled(charts.resource_usage(usage, as_of=days[-1]))
    _labelled(charts.cumulative_nnarr(pd.Series(np.linspace(0, 5e5, 120), index=days),
                                      pd.Series(np.linspace(0, 6e5, 120), index=days), as_of=days[-1]))
    _labelled(charts.c2re_trend(pd.Series([1.2, np.nan, 0.8], index=days[:3])))
    _labelled(charts.losses_and_delays(pd.DataFrame({"lost": [2, 1], "delayed": [0, 3]}, index=["POV", "Queue"])))


def test_charts_say_when_there_is_nothing_to_show(conversion: pd.DataFrame) -> None:
    empty_summary = pd.DataFrame({"visits": [0], "mean_waiting_days": [np.nan], "mean_working_days": [np.nan]})
    figures = [
        charts.funnel(conversion.iloc[0:0], won=0),
        charts.cycle_by_quarter(pd.Series(dtype=float), pd.Series(dtype=object)),
        charts.stage_split(empty_summary),
        charts.resource_usage(pd.DataFrame(columns=["resource", "period", "utilisation", "queue"])),
        charts.losses_and_delays(pd.DataFrame(columns=["lost", "delayed"])),
    ]
    for fig in figures:
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(texts), "an empty chart carries a message"
        assert style.png_bytes(fig)[:4] == b"\x89PNG"


def test_money_and_percent_formats() -> None:
    assert style.money(503_620) == "$503.6K"
    assert style.money(1_123_855) == "$1.12M"
    assert style.percent(0.0665, signed=True) == "+7 %"


def test_utilisation_is_time_weighted() -> None:
    # 2 slots; one busy from 00:00, both from 12:00, none from 18:00 -> (0.5*12 + 1*6 + 0*6) / 24 = 0.5.
    log = pd.DataFrame({
        "time": pd.to_datetime(["2027-01-04 00:00", "2027-01-04 00:00", "2027-01-04 12:00", "2027-01-04 18:00"]),
        "resource": "solution_engineers", "capacity": 2, "busy": [0, 1, 2, 0], "queue": [0, 0, 3, 0],
    })
    day = utilisation.usage(log, "D", "2027-01-04", "2027-01-05")
    assert day["utilisation"].iloc[0] == pytest.approx(0.5)
    assert day["queue"].iloc[0] == pytest.approx(3 * 6 / 24)
    assert day["queue_max"].iloc[0] == 3


def test_page_renders_to_png_with_the_same_blocks() -> None:
    chart = style.png_bytes(charts.c2re_trend(pd.Series([1.0, 0.9], index=pd.date_range("2027-01-04", periods=2))))
    blocks = [
        page.Title("Title", "sub"),
        page.Banner("red", "Red", "Emergency meeting with product and finance"),
        page.Tiles((page.Tile("NNARR", "$1M", "nnarr", 1e6, status="red", arrow="↓", arrow_class="good",
                              details=("a detail",)),)),
        page.Callout("POV loses 60 % of lost deals", ("fixes",)),
        page.Items(("one", "two", "three")),
        page.Charts((("c2re", chart), ("c2re again", chart))),
        page.Table(("Status", "KPI"), (("green", "C2RE"),), status_column=0),
        page.Notes(("a note",)),
    ]
    html = page.to_html(blocks, "t")
    assert external_references(html) == []
    assert 'data-kpi="nnarr" data-value="1000000.0"' in html
    image = mpimg.imread(io.BytesIO(page_png.render(blocks)), format="png")
    assert image.shape[1] == round(page_png.WIDTH * page_png.DPI)
    # The banner's red is on the page.
    red = np.array([int(style.STATUS_COLOURS["red"][i : i + 2], 16) / 255 for i in (1, 3, 5)])
    assert (np.abs(image[..., :3] - red).sum(axis=-1) < 0.02).any()


def test_wrap_measures_text() -> None:
    lines = page_png.wrap("word " * 60, 3.0, 12)
    assert len(lines) > 3
    assert all(page_png.text_width(line, 12) <= 3.0 for line in lines)
