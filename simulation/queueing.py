"""Queueing theory the engine is checked against, and that the teaching notebooks plot.

>>> round(erlang_c_wait(arrivals_per_day=0.15, mean_service_days=10, servers=2), 2)
12.86
"""

from __future__ import annotations

import math
from typing import NamedTuple


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


class ErlangA(NamedTuple):
    """Steady state of an M/M/c+M queue: what share abandons, and how long those served waited."""

    abandon_share: float
    mean_wait_served: float  # days, among those who were served (0 for those served at once)
    mean_wait: float  # days, over every arrival (served or not): E[Lq] / lambda


def erlang_a(
    arrivals_per_day: float, mean_service_days: float, servers: int, mean_patience_days: float, tail: float = 1e-13
) -> ErlangA:
    """M/M/c+M ("Erlang A"): Poisson arrivals, exponential service on ``servers``, exponential patience.

    The birth-death chain has birth rate lambda and death rate min(n, c) mu + max(n - c, 0) theta; it is summed
    until its terms fall below ``tail``. An arrival who finds n >= c in the system (PASTA) joins the queue at
    position j = n - c + 1; from position j the next event comes at rate c mu + j theta, and is a step forward
    (a service, or someone ahead giving up: c mu + (j - 1) theta) or the arrival's own abandonment (theta), so
    the chance of being served S_j and the mean of the wait times that indicator, T_j, follow by recursion:
    S_j = S_{j-1} (c mu + (j - 1) theta) / r_j, T_j = S_j / r_j + T_{j-1} (c mu + (j - 1) theta) / r_j.

    >>> a = erlang_a(arrivals_per_day=0.15, mean_service_days=10, servers=2, mean_patience_days=1e9)
    >>> round(a.mean_wait, 2) == round(erlang_c_wait(0.15, 10, 2), 2), a.abandon_share < 1e-6
    (True, True)
    """
    lam, mu, theta, c = arrivals_per_day, 1.0 / mean_service_days, 1.0 / mean_patience_days, servers
    weights = [1.0]  # unnormalised pi_n
    n = 0
    while True:
        n += 1
        death = min(n, c) * mu + max(n - c, 0) * theta
        weights.append(weights[-1] * lam / death)
        if n > c and weights[-1] < tail * sum(weights):
            break
    total = sum(weights)
    pi = [w / total for w in weights]
    served_at_once = sum(pi[:c])
    served, wait_served, queue_length = served_at_once, 0.0, 0.0
    s_prev, t_prev = 1.0, 0.0
    for j, p in enumerate(pi[c:], start=1):
        rate = c * mu + j * theta
        forward = c * mu + (j - 1) * theta
        s_j = s_prev * forward / rate
        t_j = s_j / rate + t_prev * forward / rate
        served += p * s_j
        wait_served += p * t_j
        queue_length += p * (j - 1)  # in state n = c + j - 1 there are j - 1 waiting
        s_prev, t_prev = s_j, t_j
    return ErlangA(1.0 - served, wait_served / served, queue_length / lam)
