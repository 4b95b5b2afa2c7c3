"""``funnelsim lab``: serve the browser lab (:mod:`analysis.lab`) on this machine.

Panel comes with the ``lab`` extra, not with funnelsim itself: without it the command says how to install it.
"""

from __future__ import annotations

import argparse
import importlib.util

from simulation.errors import InputError


def lab_command(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("panel") is None:
        raise InputError("the lab needs Panel, in the lab extra: pip install -e '.[lab]' (or 'funnelsim[lab]')")
    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535, got {args.port}")
    from analysis.lab.app import serve
    from analysis.lab.model import Lab

    serve(args.port, args.browser, Lab(seed=args.seed, reps=args.reps))
    return 0
