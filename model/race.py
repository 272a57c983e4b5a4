"""Two formulations on two cores: the arc MIP in a second process beside the
route solver (issue 11).

Either formulation can be the one that certifies a network: the route
formulation is exact and usually faster, but its pricing can explode on long
routes through many projects; the arc MIP's LP is weaker but HiGHS' branch
and bound does not price. Both bounds are valid upper bounds on the exact
optimum (the arc one is on a piecewise-linear curve that over-estimates), so
the route solver keeps the best exact portfolio of either and the smaller
bound, and stops both once the gap closes or the deadline passes.

The partner is a child process (``python -m model.race``: HiGHS objects are
not thread-safe across solves and the label search holds the GIL), on one
HiGHS thread. It gets its task pickled on stdin, sends pickled messages on its
stdout, and stops when stdin says so or closes; a child started this way does
not re-import the caller's main module, whatever script started the run.
"""
from __future__ import annotations

import logging
import math
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .clock import Deadline
from .config import RunConfig
from .instance import Instance
from .problem import Plan, PortfolioProblem

log = logging.getLogger(__name__)

STOP_WAIT_S = 0.5  # how long the partner may take to stop before it is killed
STOP = b"stop\n"


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
    seconds: float  # how long it may run from its start
    start: frozenset[str] | None


@dataclass
class ArcPartner:
    """The main process's handle on a running arc solve."""

    process: subprocess.Popen
    messages: queue.Queue
    bound: float = math.inf
    done: bool = False
    reader: threading.Thread | None = field(default=None, repr=False)

    @classmethod
    def start(cls, instance: Instance, problem: PortfolioProblem, config: RunConfig,
              gap: float, deadline: Deadline, start: Plan | None) -> ArcPartner:
        task = PartnerTask(instance, problem.budget, dict(problem.capex), problem.exclusions,
                           problem.forced, config.pwl_tolerance, gap, deadline.remaining(),
                           start.selected if start is not None else None)
        # the child imports this very package, wherever the run was started from and
        # whether or not (or from where) the project is installed
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[1])]
            + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        process = subprocess.Popen([sys.executable, "-m", "model.race"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert process.stdin is not None and process.stdout is not None  # PIPE asked for
        try:
            pickle.dump(task, process.stdin)
            process.stdin.flush()
        except OSError:  # it died at once: the caller goes on alone
            process.kill()
            process.wait()
            raise
        partner = cls(process, queue.Queue())
        partner.reader = threading.Thread(target=_read_messages,
                                          args=(process.stdout, partner.messages), daemon=True)
        partner.reader.start()
        return partner

    def poll(self) -> list[frozenset[str]]:
        """The portfolios the partner found since the last poll (its bound is
        kept in ``bound``)."""
        found: list[frozenset[str]] = []
        while True:
            try:
                kind, value = self.messages.get_nowait()
            except queue.Empty:
                return found
            if kind == "incumbent":
                found.append(value)
            elif kind == "bound" and value is not None:
                self.bound = min(self.bound, value)
            elif kind == "done":
                self.done = True

    def stop(self) -> list[frozenset[str]]:
        """Ask the partner to stop, wait briefly, kill it if need be; the
        portfolios it sent that were not yet polled."""
        try:
            self.process.stdin.write(STOP)
            self.process.stdin.close()
        except (OSError, ValueError):
            pass  # it has ended already
        try:
            self.process.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.reader is not None:
            self.reader.join(STOP_WAIT_S)
        return self.poll()


def _read_messages(stream: IO[bytes], messages: queue.Queue) -> None:
    """The reader thread: the partner's pickled messages, until it ends."""
    try:
        while True:
            messages.put(pickle.load(stream))
    except (EOFError, OSError, pickle.UnpicklingError):
        messages.put(("done", None))


class _PipeWatcher:
    """ArcWatcher in the partner: sends improving portfolios and a falling bound
    on the message pipe; asked to stop by the parent through stdin."""

    def __init__(self, out: IO[bytes], stop: threading.Event):
        self.out, self.stop = out, stop
        self.bound = math.inf
        self.lock = threading.Lock()

    def send(self, kind: str, value: Any) -> None:
        with self.lock:
            pickle.dump((kind, value), self.out)
            self.out.flush()

    def on_incumbent(self, selected: frozenset[str]) -> None:
        self.send("incumbent", selected)

    def on_bound(self, bound: float) -> None:
        if math.isfinite(bound) and bound < self.bound:
            self.bound = bound
            self.send("bound", bound)

    def stop_requested(self) -> bool:
        return self.stop.is_set()


def _partner_main() -> None:
    """The partner process: the same problem in the arc formulation."""
    began = time.perf_counter()
    out = os.fdopen(os.dup(1), "wb")  # the message pipe; HiGHS' own output goes to stderr
    os.dup2(2, 1)
    task: PartnerTask = pickle.load(sys.stdin.buffer)
    stop = threading.Event()

    def watch_stdin() -> None:
        sys.stdin.buffer.readline()  # "stop", or end of file when the parent goes
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    watcher = _PipeWatcher(out, stop)
    try:
        from .arc_solver import ArcSolver
        from .preprocess import prepare
        prep = prepare(task.instance)
        problem = PortfolioProblem(prep, task.budget, task.capex, task.exclusions, task.forced)
        solver = ArcSolver(problem, pwl_tolerance=task.pwl_tolerance, threads=1)
        solver.watcher = watcher
        left = task.seconds - (time.perf_counter() - began)
        if left > 0 and not stop.is_set():
            start = Plan.of(task.start) if task.start is not None else None
            sol = solver.solve(problem, deadline=Deadline(left), gap=task.gap, start=start)
            if sol.has_portfolio:
                watcher.send("incumbent", sol.selected)
            watcher.send("bound", sol.bound)
    except Exception:  # the partner only helps: its failure must not stop the run
        log.exception("the arc partner failed")
    finally:
        try:
            watcher.send("done", None)
        except (OSError, ValueError):
            pass


if __name__ == "__main__":
    _partner_main()
