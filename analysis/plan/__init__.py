"""The engagement plan (``funnelsim plan``, issue 17): from a CRM export or a scenario to one board-ready page.

Article A's first steps in one command: where the company stands (the articles' KPIs from the export, with health
marks and trend), how far to trust the model (calibration and backtest), the bottleneck and the fixes ranked by
their paired effect on NNARR (with cost), the 6-month target reached with a chosen probability, the CRO's comp, and
fractional or full-time. Each part is a function returning a :class:`analysis.plan.section.Section`; the page, its
PNG and a Markdown version are assembled from them. Like the lab and the lessons, this package composes the layers
below (``kpi``, ``montecarlo``, ``report``, ``crm``, ``simulation``).
"""
