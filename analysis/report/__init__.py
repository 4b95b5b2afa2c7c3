"""The fractional CRO's reports: the Monday dashboard, the monthly autopsy, the health checks.

Content (:mod:`~analysis.report.dashboard`, :mod:`~analysis.report.autopsy`, :mod:`~analysis.report.status`,
:mod:`~analysis.report.bottleneck`, :mod:`~analysis.report.fix_library`) is computed from the tables by the KPI
functions; pages (:mod:`~analysis.report.dashboard_page`, :mod:`~analysis.report.autopsy_page`,
:mod:`~analysis.report.health_page`) are lists of blocks (:mod:`~analysis.report.page`) rendered as
self-contained HTML (:mod:`~analysis.report.htmlkit`) and PNG (:mod:`~analysis.report.page_png`), with charts
from :mod:`~analysis.report.charts`; :mod:`~analysis.report.inputs` reads a run folder or a deals CSV.

May import: itself, :mod:`analysis.kpi`, :mod:`analysis.style` and :mod:`simulation`; not the other analysis
packages.
"""
