"""funnelsim analysis: pure functions over the outcome tables (deals, revenue, spend) of :mod:`simulation.tables`.

The same functions serve a simulated outcome and a CRM export mapped to the schema. The KPI calculators, one
job each: :mod:`analysis.periods` (what "in the period" means), :mod:`analysis.nnarr` (NNARR, spend, C2RE),
:mod:`analysis.cycle` (sales cycle, SCCR), :mod:`analysis.retention` (GRR, NRR, deployed model revenue),
:mod:`analysis.evaluation` (QTE velocity and the POV rates), :mod:`analysis.funnel` (stage conversion and time),
:mod:`analysis.classic` (MRR, CAC, LTV, payback, quota), :mod:`analysis.health` (thresholds),
:mod:`analysis.comp` (CRO bonus plans), :mod:`analysis.cro_cost` (retainer, equity, fractional vs full-time),
:mod:`analysis.kpis` (all of them for one period) and :mod:`analysis.kpi_commands` (``funnelsim kpis``).
"""
