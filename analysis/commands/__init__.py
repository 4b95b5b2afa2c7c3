"""The ``funnelsim`` commands of the analysis packages, one module per family, each with ``register(subparsers)``.

:mod:`~analysis.commands.kpis` (``kpis``), :mod:`~analysis.commands.forecast` (``forecast``, ``compare``,
``sensitivity``), :mod:`~analysis.commands.reports` (``dashboard``, ``autopsy``, ``health``) and
:mod:`~analysis.commands.crm` (``import``, ``calibrate``, ``backtest``). They read arguments and files, call the
packages and write outputs; :mod:`simulation.cli`, the one composition root, assembles them.

May import: everything in :mod:`analysis` and :mod:`simulation`. Nothing but the composition root imports it.
"""
