"""When a solve must stop: its time limit, or an interruption (Ctrl-C, SIGTERM).

One ``Deadline`` is made per run and handed down to every long loop (label
searches, LP rounds, branch-and-bound nodes, MIP calls, sweeps, alternatives).
Each loop asks ``expired()``; a signal handler calls ``cancel()``, which makes
every later ``expired()`` true, so the run returns with its best answer so far.
"""
from __future__ import annotations

import time


class Deadline:
    """A point in time (perf_counter seconds) that can also be cancelled."""

    def __init__(self, seconds: float, *, start: float | None = None,
                 parent: Deadline | None = None):
        self.start = time.perf_counter() if start is None else start
        self.at = self.start + max(0.0, seconds)
        self._parent = parent
        self._cancelled = False
        if parent is not None:
            self.at = min(self.at, parent.at)

    @property
    def cancelled(self) -> bool:
        return self._cancelled or (self._parent is not None and self._parent.cancelled)

    def cancel(self) -> None:
        """Stop as soon as possible (safe to call from a signal handler)."""
        self._cancelled = True

    def remaining(self) -> float:
        """Seconds left (0 once cancelled or past)."""
        if self.cancelled:
            return 0.0
        return max(0.0, self.at - time.perf_counter())

    def expired(self) -> bool:
        return self.cancelled or time.perf_counter() >= self.at

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def part(self, share: float) -> Deadline:
        """A deadline for a named part of the work: ``share`` of what is left
        now, never past this one, and cancelled with it."""
        return Deadline(share * self.remaining(), parent=self)
