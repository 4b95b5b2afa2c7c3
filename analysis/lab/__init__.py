"""The funnel lab in the browser (``funnelsim lab``): sliders on a scenario, the baseline beside, challenges.

* :mod:`analysis.lab.settings`: what the sliders set and the scenario patch each makes on the shipped baseline;
* :mod:`analysis.lab.model`: the replications of the baseline (run once) and of the variant, with common random
  numbers, through the forecast's fast path, plus the funnel, the engineer queue and the quarterly cycles;
* :mod:`analysis.lab.challenges`: goals that check themselves, as pure functions of the results;
* :mod:`analysis.lab.page` and :mod:`analysis.lab.charts`: the KPI table and the Bokeh charts;
* :mod:`analysis.lab.app`: the Panel page and the server (Panel comes with the ``lab`` extra).
"""
