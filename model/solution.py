"""What every solver returns and offers (both formulations), and the
console progress line: kept free of Pyomo so that the default route
formulation does not import it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Literal, Protocol

Status = Literal["optimal", "time_limit", "infeasible", "failed"]


@dataclass(frozen=True)
class Solution:
    status: Status
    selected: frozenset[str]  # candidate and must_do projects chosen
    objective: float | None = None  # the solver's (linearised) objective
    bound: float | None = None  # proven upper bound on that objective
    solve_s: float = 0.0
    message: str = ""
    nodes: int | None = None

    @property
    def mip_gap(self) -> float | None:
        """Relative gap on the whole objective, constant included."""
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.bound - self.objective) / max(abs(self.objective), 1e-12)

    @property
    def has_portfolio(self) -> bool:
        return self.status in ("optimal", "time_limit")


def gain_gap(bound: float | None, exact: float, nothing: float) -> float | None:
    """Share of the achievable gain (exact - nothing) that the proven bound
    still allows beyond a portfolio's exact value (spec §6)."""
    if bound is None:
        return None
    gain = exact - nothing
    missing = max(0.0, bound - exact)
    if gain <= 1e-12:
        return 0.0 if missing <= 1e-9 * max(1.0, abs(bound)) else float("inf")
    return missing / gain


class PortfolioSolver(Protocol):
    """What the pipeline, the sweep and the alternatives need of a solver."""

    name: str

    def set_budget(self, budget: float) -> None: ...

    def exclude(self, portfolio: frozenset[str]) -> bool: ...

    def solve(self, *, time_limit: float, mip_gap: float,
              warm_start: frozenset[str] | None = None) -> Solution: ...


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
