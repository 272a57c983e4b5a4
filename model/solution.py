"""What every solver returns, and the interface every solver offers: kept free
of Pyomo and highspy so that either formulation can be used without the other."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from .clock import Deadline
from .numerics import REL, TINY
from .problem import Plan, PortfolioProblem


class Status(str, Enum):
    OPTIMAL = "optimal"  # the bound is within the requested gap
    TIME_LIMIT = "time_limit"  # stopped by the deadline with a portfolio
    INFEASIBLE = "infeasible"  # no portfolio satisfies the rules
    FAILED = "failed"  # no portfolio in time, or the solver failed

    def __str__(self) -> str:
        return self.value

    @property
    def has_portfolio(self) -> bool:
        return self in (Status.OPTIMAL, Status.TIME_LIMIT)


@dataclass(frozen=True)
class Solution:
    status: Status
    plan: Plan = field(default_factory=Plan)
    objective: float | None = None  # the solver's value of its plan (linearised for arc)
    bound: float | None = None  # proven upper bound on the exact optimum
    solve_s: float = 0.0
    message: str = ""
    nodes: int | None = None

    @property
    def selected(self) -> frozenset[str]:
        return self.plan.selected

    @property
    def mip_gap(self) -> float | None:
        """Relative gap on the whole objective, constant included."""
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.bound - self.objective) / max(abs(self.objective), TINY)

    @property
    def has_portfolio(self) -> bool:
        return self.status.has_portfolio

    def capped(self, ceiling: float) -> Solution:
        """The solution with its bound no higher than ``ceiling``, a bound
        known before solving (``preprocess.all_open_bound``). Both are valid;
        on large networks cut short by the time limit the solver's can be the
        looser (docs/performance.md: longhaul 400, 47 % against 9.3 %)."""
        if self.bound is None or self.bound <= ceiling:
            return self
        return dataclasses.replace(self, bound=ceiling)


def gain_gap(bound: float | None, exact: float, nothing: float) -> float | None:
    """Share of the achievable gain (exact - nothing) that the proven bound
    still allows beyond a portfolio's exact value (spec §6)."""
    if bound is None:
        return None
    gain = exact - nothing
    missing = max(0.0, bound - exact)
    if gain <= TINY:
        return 0.0 if missing <= REL * max(1.0, abs(bound)) else float("inf")
    return missing / gain


class PortfolioSolver(Protocol):
    """A formulation built once on a prepared network and solved for any
    PortfolioProblem on it (another budget, exclusions, changed capex): the solver
    brings its model in line with the problem's rule rows and bounds."""

    name: str

    def solve(self, problem: PortfolioProblem, *, deadline: Deadline, gap: float,
              start: Plan | None = None) -> Solution: ...
