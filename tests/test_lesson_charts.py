"""The chart helpers of lessons 4-6: each draws what it is given, with a title and labelled axes.

The lessons run them on simulated and imported data (tests/test_notebooks.py); here they get small hand-made inputs,
so that a chart that loses its title, an axis label or a series fails fast and names the helper.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image as Picture

from analysis.teaching import comp_charts, crm_charts, dashboard_charts
from analysis.teaching.display import report_page, show


def labelled(fig: Figure) -> list[str]:
    """Problems with the figure's data axes (colour bars aside): a missing title or axis label."""
    problems = []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        title = "".join(ax.get_title(loc) for loc in ("left", "center", "right"))  # the style puts titles left
        if not (title or fig.get_suptitle()):
            problems.append("no title")
        if not ax.get_xlabel() and ax.get_xticklabels():
            problems.append(f"{title!r}: no x label")
    if not any(ax.get_ylabel() for ax in fig.axes):
        problems.append("no y label")
    return problems


def test_comp_charts_title_and_label_their_axes() -> None:
    c2re = np.linspace(0.2, 2.5, 20)
    nnarr, ratio = np.meshgrid(np.linspace(0, 2e6, 5), np.linspace(0.3, 2.5, 6))
    extra = pd.DataFrame({"at the end": [3.0, 2.0, 1.0], "after the check": [0.0, -0.0, 0.0]},
                         index=["multiplicative", "additive", "scorecard"])
    figures = [
        comp_charts.factor_curve(c2re, {"factor": 2 - c2re}, ([0.8, 1.2], [1.2, 0.8]), (0.5, 1.5)),
        comp_charts.bonus_contours(nnarr, ratio, {"multiplicative": nnarr * 0.05, "additive": nnarr * 0.04},
                                   (1e6, 1.0)),
        comp_charts.budget_curves(np.geomspace(0.25, 8, 10), {"multiplicative": np.linspace(5e4, 0, 10)}, 0.6),
        comp_charts.plans_on_outcomes(np.array([5e5, 1e6]), {"scorecard": np.array([4e4, 5e4])}, 1e6, 5e4, "a window"),
        comp_charts.gaming_bars(extra, 300_000),
    ]
    for fig in figures:
        assert labelled(fig) == []
    bars = figures[-1].axes[0].containers
    assert [b.datavalues.tolist() for b in bars] == [[3.0, 2.0, 1.0], [0.0, 0.0, 0.0]]  # no "-$0" bar


def test_dashboard_charts_title_and_label_their_axes() -> None:
    weeks = pd.DataFrame({"week": ["2027-W27", "2027-W28"], "status": ["green", "red"],
                          "nnarr_to_date": [1e5, 1.2e5], "nnarr_target_to_date": [9e4, 1e5], "c2re_30d": [0.9, None]})
    paired = {"nnarr_12m": np.array([0.0, -1e4, np.nan]), "c2re_12m": np.array([0.1, 0.2, 0.3])}
    for fig in (dashboard_charts.quarter_of_mondays(weeks, (0.5, 1.5)),
                dashboard_charts.paired_changes(paired, {"nnarr_12m": "NNARR"}, {"nnarr_12m": "usd"})):
        assert labelled(fig) == []


def test_crm_charts_count_months_and_label_their_axes() -> None:
    deals = pd.DataFrame({"arrived": pd.to_datetime(["2018-01-05", "2018-01-20", "2018-03-02"]),
                          "closed": pd.to_datetime(["2018-02-01", None, "2018-03-30"]),
                          "outcome": ["won", "open", "won"]})
    counts = crm_charts.monthly_counts(deals)
    assert counts.to_dict("list") == {"created": [2, 0, 1], "won": [0, 1, 1]}
    monthly = pd.DataFrame({"month": ["2018-01", "2018-02"], "actual": [5.0, 9.0], "p10": [4.0, 1.0],
                            "p50": [5.0, 2.0], "p90": [6.0, 3.0], "inside": [True, False]})
    months = pd.period_range("2018-01", "2018-02", freq="M")
    for fig in (crm_charts.leads_and_wins(counts, {"start": pd.Timestamp("2018-01-01")}),
                crm_charts.backtest_bands({"in-sample": monthly, "held out": monthly.tail(1)}),
                crm_charts.fix_effect(months, {"a": np.array([[1, 2], [3, 4]]), "b": np.array([[2, 2], [4, 4]])})):
        assert labelled(fig) == []


def test_show_gives_a_png_a_notebook_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("IPython")
    import IPython.display

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    show(crm_charts.fix_effect(pd.period_range("2018-01", "2018-02", freq="M"), {"a": np.ones((1, 2))}))
    (image,) = shown
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"  # type: ignore[attr-defined]


def test_a_report_page_is_shown_scaled_down(tmp_path: Path) -> None:
    pytest.importorskip("IPython")
    wide = tmp_path / "page.png"
    Picture.new("RGB", (1800, 3000), "white").save(wide)
    image = report_page(wide, width=600)
    with Picture.open(io.BytesIO(image.data)) as shown:
        assert shown.size == (600, 1000)
