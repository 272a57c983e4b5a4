"""Two formulations on two cores: the arc MIP in a second process beside the
route solver (issue 11).

Either formulation can be the one that certifies a network: the route
formulation is exact and usually faster, but its pricing can explode on long
routes through many projects; the arc MIP's LP is weaker but HiGHS' branch
and bound does not price. Both bounds are valid upper bounds on the exact
optimum (the arc one is on a piecewise-linear curve that over-estimates), so
the route solver keeps the best exact portfolio of either and the smaller
bound, and stops both once the gap closes or the deadline passes.

The partner is a process (HiGHS objects are not thread-safe across solves
and the label search holds the GIL), started with ``spawn``, on one HiGHS
thread; it hears the deadline as a wall-clock time and the stop as an Event.
"""
from __future__ import annotations

import logging
import math
import multiprocessing as mp
import queue
import time
from dataclasses import dataclass, field
from typing import Any

from .clock import Deadline
from .config import RunConfig
from .instance import Instance
from .problem import Plan, PortfolioProblem

log = logging.getLogger(__name__)

STOP_WAIT_S = 1.0  # how long the partner may take to stop before it is terminated


@dataclass(frozen=True)
class PartnerTask:
    """What the partner process needs to rebuild the same problem."""

    instance: Instance
    budget: float
    capex: dict[str, float]
    exclusions: tuple[frozenset[str], ...]
    forced: frozenset[str]
    pwl_tolerance: float
    gap: float
    deadline_wall: float  # time.time() by which it must have stopped
    start: frozenset[str] | None


@dataclass
class ArcPartner:
    """The main process's handle on a running arc solve."""

    process: Any
    messages: Any
    stop_event: Any
    incumbents: list[frozenset[str]] = field(default_factory=list)
    bound: float = math.inf
    done: bool = False

    @classmethod
    def start(cls, instance: Instance, problem: PortfolioProblem, config: RunConfig,
              gap: float, deadline: Deadline, start: Plan | None) -> ArcPartner:
        ctx = mp.get_context("spawn")
        messages, stop_event = ctx.Queue(), ctx.Event()
        task = PartnerTask(instance, problem.budget, dict(problem.capex), problem.exclusions,
                           problem.forced, config.pwl_tolerance, gap,
                           time.time() + deadline.remaining(),
                           start.selected if start is not None else None)
        process = ctx.Process(target=_run_partner, args=(task, messages, stop_event),
                              daemon=True, name="corridor-arc-partner")
        process.start()
        return cls(process, messages, stop_event)

    def poll(self) -> list[frozenset[str]]:
        """The portfolios the partner found since the last poll (its bound is
        kept in ``bound``)."""
        found: list[frozenset[str]] = []
        while True:
            try:
                kind, value = self.messages.get_nowait()
            except (queue.Empty, OSError, EOFError):
                return found
            if kind == "incumbent":
                found.append(value)
            elif kind == "bound" and value is not None:
                self.bound = min(self.bound, value)
            elif kind == "done":
                self.done = True

    def stop(self) -> list[frozenset[str]]:
        """Ask the partner to stop, wait briefly, terminate it if need be; the
        portfolios it sent that were not yet polled."""
        self.stop_event.set()
        self.process.join(STOP_WAIT_S)
        found = self.poll()
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(STOP_WAIT_S)
        return found


class _QueueWatcher:
    """ArcWatcher in the partner: sends improving portfolios and a falling bound."""

    def __init__(self, messages: Any, stop_event: Any):
        self.messages, self.stop_event = messages, stop_event
        self.bound = math.inf

    def on_incumbent(self, selected: frozenset[str]) -> None:
        self.messages.put(("incumbent", selected))

    def on_bound(self, bound: float) -> None:
        if math.isfinite(bound) and bound < self.bound:
            self.bound = bound
            self.messages.put(("bound", bound))

    def stop_requested(self) -> bool:
        return self.stop_event.is_set()


def _run_partner(task: PartnerTask, messages: Any, stop_event: Any) -> None:
    """The partner process: the same problem in the arc formulation."""
    from .arc_solver import ArcSolver
    from .preprocess import prepare
    try:
        prep = prepare(task.instance)
        problem = PortfolioProblem(prep, task.budget, task.capex, task.exclusions, task.forced)
        solver = ArcSolver(problem, pwl_tolerance=task.pwl_tolerance, threads=1)
        solver.watcher = _QueueWatcher(messages, stop_event)
        left = task.deadline_wall - time.time()
        if left <= 0 or stop_event.is_set():
            return
        start = Plan.of(task.start) if task.start is not None else None
        sol = solver.solve(problem, deadline=Deadline(left), gap=task.gap, start=start)
        if sol.has_portfolio:
            messages.put(("incumbent", sol.selected))
        messages.put(("bound", sol.bound))
    except Exception:  # the partner only helps: its failure must not stop the run
        log.exception("the arc partner failed")
    finally:
        messages.put(("done", None))
