"""Monte Carlo summaries: many replications of a scenario boiled down to what a board asks.

:mod:`~analysis.montecarlo.reducer` turns one replication's outcome into a KPI row and monthly series (the same
definitions as :mod:`analysis.kpi`), :mod:`~analysis.montecarlo.forecast` summarises replications (P10/P50/P90,
CIs, P(target)), :mod:`~analysis.montecarlo.compare` pairs scenarios run with common random numbers,
:mod:`~analysis.montecarlo.sensitivity` swings one parameter at a time, and :mod:`~analysis.montecarlo.charts`
draws them.

May import: itself, :mod:`analysis.kpi`, :mod:`analysis.style` and :mod:`simulation`; not the other analysis
packages.
"""
