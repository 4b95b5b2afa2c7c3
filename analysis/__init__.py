"""funnelsim analysis: what the outcome tables (:mod:`simulation.tables`) mean, in four packages and their commands.

* :mod:`analysis.kpi`: the KPI and comp calculators, pure functions over the tables (NNARR, C2RE, SCCR, GRR, the
  POV rates, health thresholds, comp plans, CRO cost). The readable reference every other number must agree with.
* :mod:`analysis.montecarlo`: many replications boiled down: the replication reducer, forecast summaries, paired
  comparisons of fixes, sensitivity, and their charts.
* :mod:`analysis.report`: the CRO's pages: the Monday dashboard, the monthly autopsy and the health checks, as
  self-contained HTML and PNG.
* :mod:`analysis.crm`: from a CRM export to a scenario and back: import through a mapping, fitting, calibration,
  backtest.
* :mod:`analysis.commands`: the ``funnelsim`` commands of these packages (``kpis``, ``forecast``, ``compare``,
  ``sensitivity``, ``dashboard``, ``autopsy``, ``health``, ``import``, ``calibrate``, ``backtest``), wired by the
  composition root :mod:`simulation.cli`.
* :mod:`analysis.style`: the one look of every chart and page (imports nothing of funnelsim).
* :mod:`analysis.lab`: the funnel lab in the browser (``funnelsim lab``, Panel), composing the layers above.
* :mod:`analysis.plan`: the engagement plan (``funnelsim plan``), one board-ready page composing the layers above.

Imports run one way (``tests/test_layout.py`` enforces it): ``kpi`` imports from ``simulation`` only the table
schema and the error type; ``montecarlo``, ``report`` and ``crm`` import ``kpi``, ``style`` and ``simulation``, never
each other; ``commands`` imports all of them; ``simulation`` imports nothing from here but in ``simulation.cli``.
"""
