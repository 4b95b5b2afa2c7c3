"""Where replication batches run: in this process, in local worker processes, or on a Dask cluster.

Every backend has one job: call a picklable top-level function on each task and yield the results as they
finish (in any order; the caller puts them back in replication order). Tasks carry everything a worker needs
(the frozen scenario and the replications' seeds), so results never depend on which worker ran what or how
many there were. A SimPy environment cannot be pickled, so each task builds its own inside the worker.

* ``serial``: in this process, in task order; for debugging (breakpoints and tracebacks work as usual).
* ``process``: a pool of local worker processes (default: one per core). Workers ignore Ctrl-C, so an
  interrupt stops the run from the parent without breaking the pool, and exit on their own when the parent dies
  (``kill -9`` included), so nothing is left running.
* ``dask``: a Dask distributed cluster: an existing one (``scheduler="tcp://host:8786"``; its workers need
  funnelsim installed) or a ``LocalCluster`` started for the run. Each task gets its own key
  (``pure=False``), so Dask's result cache never collapses two batches into one.

At most a few tasks per worker are in flight at once, so a long run holds little memory and stops quickly.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Final, Literal, Protocol, TypeVar

from simulation.errors import InputError

T = TypeVar("T")
R = TypeVar("R")
BackendName = Literal["serial", "process", "dask"]
BACKENDS: Final = ("process", "serial", "dask")
IN_FLIGHT_PER_WORKER: Final = 2
PARENT_POLL_SECONDS: Final = 1.0
# Imported once by the fork server, so each worker starts with the engine already loaded.
PRELOAD: Final = ["simulation.engine", "simulation.replications"]


class BackendError(InputError):
    """A backend that cannot be used as asked (unknown name, bad worker count, Dask missing/unreachable)."""


class Backend(Protocol):
    name: str
    workers: int

    def __enter__(self) -> Backend: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as each finishes (any order)."""
        ...


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class SerialBackend:
    """Run the tasks one after the other in this process."""

    name = "serial"
    workers = 1

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)


def _worker_start(parent: int) -> None:
    """In each worker: ignore Ctrl-C (the parent handles it) and exit when the parent process is gone, even if it
    was killed with SIGKILL and could not shut the pool down (workers are the fork server's children, so the
    kernel would not tell them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The engine, NumPy and SciPy are loaded and live as long as the worker: keep the cyclic garbage collector from
    # scanning their objects again at every full collection a replication's SimPy events trigger.
    gc.freeze()
    threading.Thread(target=_exit_with, args=(parent,), name="funnelsim-parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    try:
        handle = os.pidfd_open(parent)  # readable once the parent has exited; immune to pid reuse
    except (AttributeError, OSError):
        handle = -1
    if handle >= 0:
        select.select([handle], [], [])
        os._exit(1)
    while True:  # pragma: no cover - systems without pidfd: poll
        time.sleep(PARENT_POLL_SECONDS)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


class ProcessBackend:
    """A pool of ``workers`` local processes (fork server on Linux, spawn elsewhere); the fork server imports
    the engine and the ``preload`` modules (e.g. the reducer's) once, so workers start with them loaded."""

    name = "process"

    def __init__(self, workers: int | None = None, preload: Sequence[str] = ()):
        self.workers = _check_workers(workers)
        self.preload = [*PRELOAD, *preload]
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessBackend:
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(self.preload)
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_worker_start,
                                         initargs=(os.getpid(),))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        pool = self._pool
        if pool is None:
            raise RuntimeError("use the backend in a with block")
        pending: set[Future[R]] = set()
        queue = iter(tasks)
        window = self.workers * IN_FLIGHT_PER_WORKER
        try:
            while True:
                for task in queue:
                    pending.add(pool.submit(fn, task))
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


class DaskBackend:
    """Tasks on a Dask cluster: the one at ``scheduler``, or a LocalCluster of ``workers`` processes."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None, processes: bool = True):
        self.scheduler, self.processes = scheduler, processes
        self.workers = _check_workers(workers)
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskBackend:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BackendError("--backend dask needs Dask: pip install 'funnelsim[dask]'") from None
        try:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="20s")
                self.workers = max(1, sum(self._client.nthreads().values()))
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                )
                self._client = Client(self._cluster)
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address ("not-an-address")
            self.__exit__(None, None, None)
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise BackendError(
                f"--scheduler {self.scheduler}: cannot connect to the Dask scheduler ({reason})"
            ) from None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        from distributed import as_completed

        client = self._client
        if client is None:
            raise RuntimeError("use the backend in a with block")
        run_id = uuid.uuid4().hex[:12]
        queue = iter(enumerate(tasks))
        window = self.workers * IN_FLIGHT_PER_WORKER

        def submit(k: int, task: T) -> Any:
            # A distinct key per task and pure=False: Dask must run every batch, never reuse a cached result.
            return client.submit(fn, task, key=f"funnelsim-batch-{run_id}-{k}", pure=False)

        first = [submit(k, task) for k, task in _take(queue, window)]
        if not first:
            return
        futures = as_completed(first)
        try:
            for future in futures:
                result = future.result()
                future.release()
                for k, task in _take(queue, 1):
                    futures.add(submit(k, task))
                yield result
        finally:
            for future in list(futures.futures):
                future.cancel()


def _take(items: Iterator[T], count: int) -> list[T]:
    taken: list[T] = []
    for item in items:
        taken.append(item)
        if len(taken) >= count:
            break
    return taken


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if workers < 1:
        raise BackendError(f"--workers must be at least 1, got {workers}")
    return workers


def make_backend(
    name: str,
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    processes: bool = True,
    preload: Sequence[str] = (),
) -> Backend:
    """The backend called ``name`` (``process``, ``serial`` or ``dask``); use it in a ``with`` block.
    ``preload``: modules local worker processes import before their first task (the reducer's module)."""
    if scheduler and name != "dask":
        raise BackendError("--scheduler only applies to --backend dask")
    if name == "serial":
        _check_workers(workers)
        return SerialBackend()
    if name == "process":
        return ProcessBackend(workers, preload)
    if name == "dask":
        return DaskBackend(workers, scheduler, processes)
    raise BackendError(f"unknown backend {name!r} (use one of {', '.join(BACKENDS)})")
