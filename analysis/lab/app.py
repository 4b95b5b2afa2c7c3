"""The lab's page in Panel: sliders on the left; the KPI table, the challenges and the charts on the right.

Panel serves the page from this process (:func:`serve`), so the baseline, run once, stays in memory for every
visit, and a slider's callback runs only the variant and refills the charts' sources. Sliders act on release
(``value_throttled``), so dragging one runs the simulation once, not at every pixel.
"""

from __future__ import annotations

import time
from typing import Any, Final

import panel as pn

from analysis.lab import charts as lab_charts
from analysis.lab.challenges import CHALLENGES, check_comparison
from analysis.lab.model import Lab
from analysis.lab.page import STYLE, challenges_html, kpi_html, kpi_rows
from analysis.lab.settings import COMP_WORDS, CRO_WORDS, SLIDERS, Settings

INTRO: Final = (
    "## funnelsim lab\n"
    "Move a slider: the lab simulates **{reps} replications of 12 months** of an AI startup's funnel "
    "(`scenarios/ai_startup.toml`) with your settings and sets them beside the **baseline**, replication by "
    "replication with the same prospects and random draws (common random numbers), so every difference is your "
    "change's own."
)


def page(lab: Lab) -> pn.viewable.Viewable:
    """One visitor's page: widgets bound to a fresh set of charts, the lab (and its baseline) shared."""
    start = lab.start
    values = vars(start)
    widgets: dict[str, Any] = {}
    for s in SLIDERS:
        whole = isinstance(s.step, int)
        kind = pn.widgets.IntSlider if whole else pn.widgets.FloatSlider
        value = int(values[s.name]) if whole else float(values[s.name])
        widgets[s.name] = kind(name=s.label, start=s.start, end=s.end, step=s.step, value=value, width=300,
                               css_classes=[f"lab-{s.name}"])
    widgets["cro"] = pn.widgets.Select(name="CRO", options={v: k for k, v in CRO_WORDS.items()}, value=start.cro,
                                       width=300)
    widgets["playbook"] = pn.widgets.Checkbox(
        name="CRO runs the playbook: sandbox POV (-33 % POV length) and a standard data-sharing agreement, each "
        "90 days after the CRO starts", value=start.playbook, width=300)
    widgets["comp_plan"] = pn.widgets.Select(name="CRO comp plan", options={v: k for k, v in COMP_WORDS.items()},
                                             value=start.comp_plan, width=300)
    initial = {name: w.value for name, w in widgets.items()}  # in the widgets' own types (an int for an IntSlider)
    reset = pn.widgets.Button(name="Back to the baseline", button_type="light", width=300)

    charts = lab_charts.build()
    table = pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[STYLE])
    challenges = pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[STYLE])
    status = pn.pane.HTML("", css_classes=["lab-status"])
    body = pn.Column(table, sizing_mode="stretch_width")

    def current() -> Settings:
        return Settings(**{name: w.value for name, w in widgets.items()})

    resetting = False

    def refresh(*_: object) -> None:
        if resetting:  # "Back to the baseline" sets every widget, then refreshes once
            return
        widgets["playbook"].disabled = widgets["cro"].value == "none"
        body.loading = True
        try:
            began = time.perf_counter()
            comparison = lab.compare(current())
            lab_charts.fill(charts, comparison, comparison.variant.scenario.targets.c2re_max)
            table.object = kpi_html(kpi_rows(comparison))
            verdicts = [check_comparison(c, comparison, start) for c in CHALLENGES]
            challenges.object = challenges_html(verdicts)
            took = time.perf_counter() - began
            met = sum(v.met for v in verdicts)
            same = comparison.variant is comparison.baseline
            simulated = "nothing changed: your company is the baseline" if same else (
                f"your company simulated in {comparison.variant.seconds:.2f} s")
            status.object = (f'<span id="lab-status" data-seconds="{took:.3f}">{lab.reps} replications, seed '
                             f"{lab.seed}; {simulated}, all shown in {took:.2f} s · challenges met: {met} of "
                             f"{len(verdicts)}</span>")
        finally:
            body.loading = False

    def back(*_: object) -> None:
        nonlocal resetting
        resetting = True
        try:
            for name, w in widgets.items():
                w.value = initial[name]
        finally:
            resetting = False
        refresh()

    for name, w in widgets.items():
        w.param.watch(refresh, "value_throttled" if name in {s.name for s in SLIDERS} else "value")
    reset.on_click(back)
    refresh()

    sidebar = pn.Column("### Your company", *widgets.values(), reset,
                        pn.pane.Markdown(f"Baseline: {start.words()}", width=300),
                        width=330)
    grid = pn.GridBox(*charts.all(), ncols=2)
    main = pn.Column(pn.pane.Markdown(INTRO.format(reps=lab.reps), sizing_mode="stretch_width"), status, body,
                     "### Challenges", challenges, grid, sizing_mode="stretch_width")
    return pn.Row(sidebar, main, sizing_mode="stretch_width")


def serve(port: int, open_browser: bool, lab: Lab | None = None) -> None:
    """Serve the lab on 127.0.0.1:``port`` until interrupted (only this machine can reach it)."""
    shared = lab or Lab()
    began = time.perf_counter()
    _ = shared.baseline  # run before the first visit, so the page opens at once
    print(f"funnelsim lab: baseline of {shared.reps} replications in {time.perf_counter() - began:.2f} s; "
          f"serving http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    pn.serve({"/": lambda: page(shared)}, port=port, address="127.0.0.1", show=open_browser, title="funnelsim lab",
             websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"], verbose=False)
