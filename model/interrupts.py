"""Ctrl-C (SIGINT) and SIGTERM: stop cleanly, say where, keep what is worth keeping.

The rule (README, "Stopping a run"):

- while reading, checking, evaluating or writing, a signal stops the run at
  once: no report and no temporary file remain (files this run had already
  written in the writing stage, such as the map, are removed with it), one
  line says where it stopped, and the exit status is 130 (SIGINT) or 143
  (SIGTERM);
- while solving, the first signal cancels the run's ``Deadline``: the solver
  returns its best portfolio so far, which is written, marked interrupted,
  and the run exits 130 / 143 (without a portfolio, nothing is written); a
  second signal stops at once.

The CLI names the stage with ``stage()``; ``write_atomic`` holds signals
back (``held``/``released``) so that its temporary file is always removed or
moved into place, and reports each file it completes (``committed``).
"""
from __future__ import annotations

import dataclasses
import os
import signal
import threading
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any, Iterator

from .clock import Deadline
from .solution import Solution

SIGNALS = (signal.SIGINT, signal.SIGTERM)

# stage -> (what the run was doing, what a stop there leaves)
STAGES = {
    "starting": ("starting", "nothing written"),
    "reading": ("reading the workbook", "no report written"),
    "checking": ("checking the input", "no report written"),
    "solving": ("solving", "no report written"),
    "evaluating": ("evaluating the portfolio", "no report written"),
    "writing": ("writing the report", "no report written and no temporary file left"),
    "template": ("writing the template", "no template written"),
    "summary": ("showing the summary", "the report was written"),
}


def signal_name(signum: int) -> str:
    return "Ctrl-C (SIGINT)" if signum == signal.SIGINT else signal.Signals(signum).name


class Interrupted(BaseException):
    """A signal stopped the run. A BaseException, like KeyboardInterrupt, so
    that no ``except Exception`` in a library swallows it."""

    def __init__(self, signum: int, stage: str):
        super().__init__(f"{signal_name(signum)} while {STAGES[stage][0]}")
        self.signum = signum
        self.stage = stage

    @property
    def exit_code(self) -> int:
        """130 for SIGINT, 143 for SIGTERM (128 + the signal, as shells do)."""
        return 128 + self.signum

    def line(self) -> str:
        doing, left = STAGES[self.stage]
        return f"interrupted by {signal_name(self.signum)} while {doing}: stopped; {left}"


class Guard:
    """The signal handlers and the state they act on, for one run."""

    def __init__(self) -> None:
        self.stage = "starting"
        self.deadline: Deadline | None = None
        self.cancelled_by: int | None = None  # the signal that cancelled the solve
        self.holding = 0
        self.deferred: int | None = None
        self.raised: int | None = None  # the last Interrupted raised (see ``stage``)
        self.written: list[Path] = []  # files completed in the current stage
        self._exits = ExitStack()
        self._previous: dict[int, Any] = {}

    def handle(self, signum: int, frame: Any) -> None:
        if self.deadline is not None and self.cancelled_by is None:
            self.cancelled_by = signum
            self.deadline.cancel()
            os.write(2, f"{signal_name(signum)}: stopping the solve; the best portfolio found"
                        " so far, if any, will be written (press Ctrl-C again to stop at"
                        " once)\n".encode())
            return
        if self.holding:
            self.deferred = self.deferred or signum
            return
        self.raised = signum
        raise Interrupted(signum, self.stage)

    def settle(self) -> None:
        """The run is ending: later signals are ignored, so that none can raise
        where nothing would catch it (while the last line is printed)."""
        self.deadline = None
        self.holding += 1

    def remove_written(self) -> None:
        """After a stop while writing: the files this stage completed go too,
        so that no map or log is left beside a report that was not written."""
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()

    def __enter__(self) -> Guard:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self.handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.settle()
        try:
            self._exits.close()
        finally:
            for sig, previous in self._previous.items():
                signal.signal(sig, previous)


_active: Guard | None = None


@contextmanager
def guarded() -> Iterator[Guard]:
    """Install the handlers for the length of a run (main thread only)."""
    global _active
    outer, _active = _active, Guard()
    try:
        with _active as guard:
            yield guard
    finally:
        _active = outer


def stage(name: str, deadline: Deadline | None = None) -> None:
    """The run enters a stage; a deadline makes the stage cancellable. A stop
    that a library turned into an ordinary error (openpyxl has a bare
    ``except:``) stops the run here."""
    if _active is None:
        return
    if _active.raised is not None:
        raise Interrupted(_active.raised, _active.stage)
    _active.stage = name
    _active.deadline = deadline
    _active.written.clear()


def cancelled_by() -> int | None:
    """The signal that cancelled the solve, if one did."""
    return None if _active is None else _active.cancelled_by


def committed(path: Path) -> None:
    """A file of this run is complete (removed again if writing is interrupted)."""
    if _active is not None:
        _active.written.append(path)


def keep(context: AbstractContextManager[Any]) -> Any:
    """Enter ``context`` until the run ends (the output lock)."""
    if _active is None:
        raise RuntimeError("keep() outside a guarded run")
    return _active._exits.enter_context(context)


@contextmanager
def held() -> Iterator[None]:
    """Signals wait until the block is done (then stop the run), so that a
    temporary file is always either moved into place or removed."""
    guard = _active
    if guard is None:
        yield
        return
    guard.holding += 1
    try:
        yield
    finally:
        guard.holding -= 1
        if guard.holding == 0 and guard.deferred is not None:
            signum, guard.deferred = guard.deferred, None
            raise Interrupted(signum, guard.stage)


@contextmanager
def released() -> Iterator[None]:
    """Inside ``held``: signals stop the run at once (the long part of a write)."""
    guard = _active
    if guard is None or not guard.holding:
        yield
        return
    saved, guard.holding = guard.holding, 0
    try:
        if guard.deferred is not None:
            signum, guard.deferred = guard.deferred, None
            raise Interrupted(signum, guard.stage)
        yield
    finally:
        guard.holding = saved


def marked(solution: Solution, signum: int, seconds: float, *, later: bool = False
           ) -> Solution:
    """The solution, its message saying that the solve was interrupted, or,
    ``later``, that the run was (in the sweep, alternatives or switching
    values, after this solve had finished)."""
    if later:
        note = (f"run interrupted by {signal_name(signum)} after {seconds:.1f} s, after this"
                " solve: the budget sweep, alternatives or switching values are incomplete")
    else:
        note = (f"interrupted by {signal_name(signum)} after {seconds:.1f} s: the best"
                " portfolio found so far" + ("" if solution.status == "optimal"
                                             else ", not proven optimal"))
    return dataclasses.replace(solution, message=note + (f"; {solution.message}"
                                                         if solution.message else ""))
