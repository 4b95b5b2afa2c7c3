"""The KPI and compensation calculators: pure functions over the deals, revenue, spend and resources tables.

One module per idea: :mod:`~analysis.kpi.periods` (what "in the period" means), :mod:`~analysis.kpi.nnarr` (NNARR,
spend, C2RE), :mod:`~analysis.kpi.cycle` (sales cycle, SCCR), :mod:`~analysis.kpi.retention` (GRR, NRR, deployed
model revenue), :mod:`~analysis.kpi.evaluation` (QTE velocity, POV rates, win rates, founder involvement),
:mod:`~analysis.kpi.funnel` (conversion and time per stage), :mod:`~analysis.kpi.classic` (MRR, CAC, LTV: for
contrast), :mod:`~analysis.kpi.health` (the articles' thresholds), :mod:`~analysis.kpi.comp` (CRO bonus plans),
:mod:`~analysis.kpi.cro_cost` (retainer, equity, fractional vs full-time), :mod:`~analysis.kpi.kpis` (every KPI
of a period), :mod:`~analysis.kpi.utilisation` (engineer and founder usage), and :mod:`~analysis.kpi.snapshot` (the
tables as known at an instant); column checks are :func:`simulation.tables.require` and its neighbours.

May import: itself, and from ``simulation`` only the table schema (:mod:`simulation.tables`) and the error type
(:mod:`simulation.errors`). What it reads of a scenario (targets, comp plan, CRO terms) it names as Protocols, so
the same functions serve a simulation and a CRM export.
"""
