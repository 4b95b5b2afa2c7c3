"""The limited resources deals queue for: solution engineers (held through the POV) and the founder's calendar.

Each is a SimPy resource plus a monitor that appends ``(time, name, capacity, busy, queue)`` to a plain list
whenever the state changes; :mod:`simulation.engine` turns the list into the ``resources`` table once.

Fixes may change the number of solution engineers mid-run. SimPy's capacity is fixed, so the pool is built with the
largest capacity any regime needs and the missing engineers are held by *blocker* requests: releasing a blocker
hires an engineer, adding one (ahead of waiting deals, hence the priority resource) lets an engineer go as soon as
they finish their current POV.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import simpy

Row = tuple[float, str, int, int, int]
BLOCKER_PRIORITY = -1
DEAL_PRIORITY = 0


class Pool:
    """A monitored SimPy resource whose usable capacity can follow a schedule of ``(day, capacity)`` changes."""

    def __init__(self, env: simpy.Environment, name: str, schedule: Sequence[tuple[float, int]], rows: list[Row]):
        self.env, self.name, self.rows = env, name, rows
        capacities = [c for _, c in schedule]
        shrinks = any(b < a for a, b in pairwise(capacities))
        self.maximum = max(capacities)
        self.resource: simpy.Resource = (
            simpy.PriorityResource(env, self.maximum) if shrinks else simpy.Resource(env, self.maximum)
        )
        self._priority = shrinks
        self._blockers: set[Any] = set()  # blocker requests, granted or still waiting
        self._last: tuple[int, int, int] | None = None
        self._set_capacity(schedule[0][1])
        if len(schedule) > 1:
            env.process(self._follow(schedule[1:]))

    def request(self) -> simpy.Event:
        """Ask for one unit (the caller yields the returned event); logs the queue."""
        req = self.resource.request(DEAL_PRIORITY) if self._priority else self.resource.request()  # type: ignore[call-arg]
        req.callbacks.append(self._granted)
        if not req.triggered:  # it queues; a request granted at once is logged by _granted
            self.log()
        return req

    def cancel(self, req: Any) -> None:
        """Withdraw a request still waiting (the prospect gave up); logs the shorter queue."""
        req.cancel()
        self.log()

    def _granted(self, _event: simpy.Event) -> None:
        self.log()

    def release(self, req: Any) -> None:
        self.resource.release(req)
        self.log()

    @property
    def capacity(self) -> int:
        return self.maximum - len(self._blockers)

    def log(self) -> None:
        resource, blockers = self.resource, self._blockers
        if blockers:
            held = sum(1 for r in resource.users if r in blockers)
            state = (self.maximum - len(blockers), len(resource.users) - held,
                     len(resource.queue) - (len(blockers) - held))
        else:  # the usual case, on every request and release: no engineer hired or let go pending
            state = (self.maximum, len(resource.users), len(resource.queue))
        if state != self._last:
            self._last = state
            self.rows.append((self.env.now, self.name, *state))

    def _set_capacity(self, target: int) -> None:
        for req in [r for r in self._blockers if r not in self.resource.users]:
            if self.capacity >= target:
                break
            req.cancel()  # a departure not yet happened is called off
            self._blockers.discard(req)
        granted = [r for r in self.resource.users if r in self._blockers]
        while self.capacity < target and granted:
            req = granted.pop()
            self._blockers.discard(req)
            self.resource.release(req)
        for _ in range(self.capacity - target):
            # Granted at once when a unit is free; otherwise it takes the next unit a deal releases.
            request = self.resource.request(BLOCKER_PRIORITY) if self._priority else self.resource.request()  # type: ignore[call-arg]
            self._blockers.add(request)
            request.callbacks.append(self._granted)
        self.log()

    def _follow(self, schedule: Sequence[tuple[float, int]]) -> Any:
        for day, capacity in schedule:
            yield self.env.timeout(day - self.env.now)
            self._set_capacity(capacity)


def capacity_schedule(starts: Sequence[float], capacities: Sequence[int]) -> list[tuple[float, int]]:
    """The regime capacities with repeats dropped: ``[(day, capacity), ...]`` starting at day 0."""
    schedule: list[tuple[float, int]] = []
    for day, capacity in zip(starts, capacities, strict=True):
        if not schedule or schedule[-1][1] != capacity:
            schedule.append((day, capacity))
    return schedule


def window_means(times: np.ndarray, values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Time averages of a logged step function (``values[k]`` holds from ``times[k]`` to the next time; 0 before
    the first) over the windows between consecutive ``cuts`` (days, increasing): one entry per window.

    >>> window_means(np.array([0.0, 1.5]), np.array([2.0, 4.0]), np.array([0.0, 1.0, 2.0, 3.0])).tolist()
    [2.0, 3.0, 4.0]
    """
    keep = times <= cuts[-1]
    edges = np.append(times[keep], cuts[-1])
    area = np.concatenate([[0.0], np.cumsum(values[keep] * np.diff(edges))])
    return np.diff(np.interp(cuts, edges, area, left=0.0)) / np.diff(cuts)
