"""The command line's own output: messages, and progress lines written past
any output capture of the solver (Pyomo captures stdout while HiGHS runs)."""
from __future__ import annotations

import io
import os
import re
import sys
import time
from typing import Callable, TextIO


class Console:
    """The CLI's own output; --quiet keeps only errors."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self._terminal: TextIO | None = None
        try:  # progress is printed while Pyomo captures stdout: keep our own copy
            self._terminal = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close our copy of stdout (left open, a run called in-process, as by
        the tests, leaks a file that the garbage collector reports later)."""
        if self._terminal is not None:
            try:
                self._terminal.close()
            except OSError:  # a pipe closed by its reader: nothing left to flush to
                pass
            self._terminal = None

    def say(self, text: str = "") -> None:
        if not self.quiet:
            print(text)

    def progress(self, text: str) -> None:
        """A progress line, written past any output capture of the solver."""
        if self.quiet:
            return
        if self._terminal is None:
            print(text)
        else:
            sys.stdout.flush()
            self._terminal.write(text + "\n")
            self._terminal.flush()

    def error(self, text: str) -> None:
        print(text, file=sys.stderr)

    def bar(self, total: int, what: str) -> ProgressBar:
        """A progress bar with the ETA for ``total`` tasks (silent when quiet)."""
        stream = self._terminal or sys.stdout
        return ProgressBar(total, what, None if self.quiet else stream)


class ProgressBar:
    """Tasks finished of the total, a bar, elapsed time and the ETA: redrawn in
    place on a terminal, else a line at every tenth and at the end."""

    WIDTH = 30

    def __init__(self, total: int, what: str, stream: TextIO | None):
        self.total, self.what, self.stream = total, what, stream
        self.start = time.perf_counter()
        self.tty = stream is not None and stream.isatty()
        self._shown = -1

    def __call__(self, done: int, failed: int = 0) -> None:
        if self.stream is None or self.total <= 0:
            return
        finished = done + failed
        tenth = 10 * finished // self.total
        if not self.tty and tenth == self._shown and finished < self.total:
            return
        self._shown = tenth
        elapsed = time.perf_counter() - self.start
        left = elapsed / finished * (self.total - finished) if finished else float("nan")
        fill = self.WIDTH * finished // self.total
        eta = "--" if left != left else f"{left:,.0f} s"
        text = (f"  {self.what} {finished}/{self.total} [{'#' * fill}{'.' * (self.WIDTH - fill)}]"
                f" {elapsed:,.0f} s, ETA {eta}" + (f", {failed} failed" if failed else ""))
        self.stream.write(("\r" + text) if self.tty else text + "\n")
        if self.tty and finished >= self.total:
            self.stream.write("\n")
        self.stream.flush()


_MIP_ROW = re.compile(r"^\s*[A-Za-z]?\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+(\S+)\s+(\S+)\s+(\S+)"
                      r".*\s([\d.]+)s\s*$")


class Progress:
    """Turns HiGHS' branch-and-bound log rows into a short progress line
    (elapsed, incumbent, bound, gap) at most every ``every`` seconds."""

    def __init__(self, say: Callable[[str], None], unit: str, every: float = 5.0):
        self._say, self._unit, self._every = say, unit, every
        self._next = every

    def __call__(self, line: str) -> None:
        if line.startswith("progress: "):  # the route solver's own progress lines
            self._say("  " + line[len("progress: "):])
            return
        row = _MIP_ROW.match(line)
        if row is None:
            return
        bound, best, gap, seconds = row.groups()
        if float(seconds) < self._next:
            return
        self._next = float(seconds) + self._every
        best_text = "none yet" if "inf" in best else f"{float(best):,.1f} {self._unit}"
        bound_text = "not yet" if "inf" in bound else f"{float(bound):,.1f}"
        self._say(f"  {float(seconds):6.0f} s: best portfolio {best_text}, bound {bound_text},"
                  f" gap {gap}")
