"""From a CRM export to a scenario, and back to the actuals.

:mod:`~analysis.crm.mapping` (how an export's columns and stages become the deals schema),
:mod:`~analysis.crm.exports` (import and export of deals CSVs), :mod:`~analysis.crm.fitting` (censored duration
fits, arrival rates, proportions), :mod:`~analysis.crm.calibrate` (fit a deals table),
:mod:`~analysis.crm.calibration_scenario` and :mod:`~analysis.crm.scenario_toml` (write the calibrated scenario with
its reasons), :mod:`~analysis.crm.backtest` and :mod:`~analysis.crm.backtest_charts` (simulate the export's window
and compare).

May import: itself, :mod:`analysis.kpi`, :mod:`analysis.style` and :mod:`simulation`; not the other analysis
packages.
"""
