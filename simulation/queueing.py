"""Queueing theory the engine is checked against, and that the teaching notebooks plot.

>>> round(erlang_c_wait(arrivals_per_day=0.15, mean_service_days=10, servers=2), 2)
12.86
"""

from __future__ import annotations

import math


def erlang_c(offered_load: float, servers: int) -> float:
    """Probability that an arrival must wait in an M/M/c queue (Erlang C); 1 when the servers cannot keep up."""
    if offered_load >= servers:
        return 1.0
    top = offered_load**servers / math.factorial(servers) * servers / (servers - offered_load)
    return top / (sum(offered_load**k / math.factorial(k) for k in range(servers)) + top)


def erlang_c_wait(arrivals_per_day: float, mean_service_days: float, servers: int) -> float:
    """Mean wait in queue (days) of an M/M/c queue: C(c, a) / (c/S - lambda); infinite when overloaded."""
    load = arrivals_per_day * mean_service_days
    if load >= servers:
        return math.inf
    return erlang_c(load, servers) / (servers / mean_service_days - arrivals_per_day)
