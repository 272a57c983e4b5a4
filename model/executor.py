"""Where scenario draws run: dask.distributed (spec §11).

``Engine`` is a local cluster of worker processes (127.0.0.1, one thread
each, no dashboard) unless given the address of an existing scheduler. Its
``map`` ships the shared data once, runs one task per item with retries, and
returns every result by the item's position together with the items that
could not be computed and why: a failed or lost worker's task is retried on
another, and what still fails is reported, never dropped. The shared data is
a task of its own, not scattered: when the worker holding it dies, the
scheduler computes it again (scattered data is lost with its worker, and
every task needing it is cancelled); a task the cluster cancels all the same
is submitted again, within the same retries.
Tasks build their own solvers (highspy objects do not pickle). Results do
not depend on the engine or the number of workers as long as each task is
a function of its shared data and its item only.

Each worker is one core: before its first task, HiGHS's scheduler is started
there with one thread (``OneThread``), so solves in parallel workers do not
compete for cores. Workers of an existing cluster must be able to import
``model`` (install the package on them, or start them from a checkout with
PYTHONPATH set).
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Sequence, TypeVar

import numpy as np
from distributed import Client, Future, LocalCluster, WorkerPlugin, wait
from distributed.client import FuturesCancelledError
from distributed import TimeoutError as DaskTimeout

from .highs_util import quiet_highs

T = TypeVar("T")
R = TypeVar("R")

RETRIES = 2  # re-runs of a task that raised or whose worker died
POLL_S = 1.0  # how often the wait for results looks at the cluster
WORKERLESS_S = 60.0  # give up on the remaining tasks after this long without a worker
CONNECT_S = 30  # seconds to reach an existing scheduler

Progress = Callable[[int, int], None]  # (finished, failed)


def _hold(shared: T) -> T:
    """The shared data as a task's result, so the scheduler can compute it again."""
    return shared


class OneThread(WorkerPlugin):
    """Start HiGHS's global scheduler with one thread in a worker process: its
    thread count is fixed by the first solve of a process, and later solves
    with the default setting use it."""

    name = "corridor-invest-highs-one-thread"

    def setup(self, worker: Any) -> None:
        h = quiet_highs()
        h.setOptionValue("threads", 1)
        h.addVars(1, np.zeros(1), np.ones(1))
        h.run()


@dataclass(frozen=True)
class Ran(Generic[R]):
    results: dict[int, R]  # item position -> result
    failed: dict[int, str] = field(default_factory=dict)  # item position -> why


class Engine:
    """A Dask client on a local cluster (started and stopped here) or on an
    existing scheduler (left running)."""

    def __init__(self, *, scheduler: str | None = None, workers: int | None = None,
                 retries: int = RETRIES):
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.retries = retries
        self.client: Client | None = None
        self.cluster: LocalCluster | None = None

    def __enter__(self) -> Engine:
        logging.getLogger("distributed").setLevel(logging.ERROR)  # its INFO lines are noise here
        if self.scheduler:
            self.client = Client(self.scheduler, timeout=CONNECT_S)
        else:
            # no dashboard; the scheduler's health routes on a free local port. The
            # workers' own error lines are silenced: a task's failure comes back
            # through its future and is reported (Ran.failed), and a worker's
            # heartbeat to a scheduler that is closing printed a traceback at the
            # end of a run that had gone well
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                        processes=True, host="127.0.0.1",
                                        dashboard_address="127.0.0.1:0",
                                        scheduler_kwargs={"dashboard": False},
                                        silence_logs=logging.CRITICAL)
            self.client = Client(self.cluster)
        self.client.register_plugin(OneThread())
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    @property
    def description(self) -> str:
        if self.scheduler:
            return f"Dask scheduler {self.scheduler} ({self.worker_count()} workers)"
        return f"Dask local cluster, {self.workers} worker process(es) of one thread"

    def worker_count(self) -> int:
        assert self.client is not None, "use the engine in a with block"
        return len(self.client.scheduler_info().get("workers", {}))

    def map(self, task: Callable[[Any, T], R], shared: Any, items: Sequence[T],
            progress: Progress = lambda done, failed: None) -> Ran[R]:
        """``task(shared, item)`` for every item; ``shared`` goes to the workers once."""
        client = self.client
        assert client is not None, "use the engine in a with block"
        if not items:
            return Ran({})
        data = client.submit(_hold, shared, pure=False)
        position: dict[str, int] = {}
        resubmitted = [0] * len(items)
        results: dict[int, R] = {}
        failed: dict[int, str] = {}

        def submit(positions: Sequence[int]) -> set[Future]:
            futures = client.map(task, [data] * len(positions), [items[i] for i in positions],
                                 pure=False, retries=self.retries)
            position.update((f.key, i) for f, i in zip(futures, positions))
            return set(futures)

        pending = submit(range(len(items)))
        workerless_since: float | None = None
        while pending:
            try:
                done, pending = wait(list(pending), timeout=POLL_S,
                                     return_when="FIRST_COMPLETED")
            except (DaskTimeout, TimeoutError):
                done = set()
            except FuturesCancelledError:
                cancelled = {f for f in pending if f.cancelled()}
                pending -= cancelled
                again = []
                for i in (position[f.key] for f in cancelled):
                    resubmitted[i] += 1
                    if resubmitted[i] > self.retries:
                        failed[i] = "cancelled by the cluster after every retry"
                    else:
                        again.append(i)
                pending |= submit(again)
                done = set()
                if len(again) < len(cancelled):
                    progress(len(results), len(failed))
            for f in done:
                self._collect(f, position[f.key], results, failed)
            if done:
                progress(len(results), len(failed))
            if pending and not done:
                workerless_since = self._watch(workerless_since)
                if workerless_since is not None \
                        and time.monotonic() - workerless_since > WORKERLESS_S:
                    for f in pending:
                        failed[position[f.key]] = (f"no worker for {WORKERLESS_S:g} s: the"
                                                   " cluster lost them all")
                        f.cancel()
                    progress(len(results), len(failed))
                    break
        client.cancel([data])
        return Ran(results, failed)

    def _watch(self, since: float | None) -> float | None:
        """When the cluster has had no worker since (None: it has some)."""
        if self.worker_count():
            return None
        return since if since is not None else time.monotonic()

    @staticmethod
    def _collect(f: Future, i: int, results: dict, failed: dict) -> None:
        if f.status == "finished":
            results[i] = f.result()
            return
        exc = f.exception() if f.status == "error" else None
        failed[i] = (f"{type(exc).__name__}: {exc}" if exc is not None
                     else f"task {f.status}")
