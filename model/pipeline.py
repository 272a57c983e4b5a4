"""The stages after validation, chained: preprocess -> feasibility -> build ->
solve -> drop zero-gain projects. Used by the CLI, the sweep and the tests."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from .decision import Ranking, benefit_cost_ranking, best_of, target_gap
from .instance import Instance
from .paths import PathSolver
from .preprocess import Prepared, check_feasibility, prepare
from .solution import PortfolioSolver, Solution


def solver_class(formulation: str) -> type:
    """The solver of a formulation; Pyomo is imported only for the arc one."""
    if formulation == "arc":
        from .solve import ArcSolver
        return ArcSolver
    return PathSolver


@dataclass(frozen=True)
class Outcome:
    prep: Prepared
    budget: float
    solution: Solution
    selected: frozenset[str]  # the solver's portfolio less projects that add nothing
    timings: dict[str, float] = field(default_factory=dict)
    solver: PortfolioSolver | None = None  # kept for sweeps and alternatives
    ranking: Ranking | None = None


def optimise(instance: Instance, budget: float | None = None, *,
             formulation: str | None = None,
             on_log_line: Callable[[str], None] | None = None) -> Outcome:
    """Best portfolio for one budget (default: the instance's) with the
    instance's formulation unless one is given. Infeasibility found before
    solving comes back as status 'infeasible' with the reasons."""
    budget = instance.parameters.budget_musd if budget is None else budget
    formulation = formulation or instance.parameters.formulation
    t = time.perf_counter()
    prep = prepare(instance)
    reasons = check_feasibility(prep, budget)
    if reasons:
        return Outcome(prep, budget, Solution("infeasible", frozenset(),
                                              message="; ".join(reasons)), frozenset(),
                       {"build": time.perf_counter() - t})
    solver = solver_class(formulation)(prep, budget, on_log_line=on_log_line)
    timings = {"build": time.perf_counter() - t}
    params = instance.parameters
    t = time.perf_counter()
    ranking = benefit_cost_ranking(prep, budget)
    timings["ranking"] = time.perf_counter() - t
    t = time.perf_counter()
    solution = solver.solve(time_limit=params.time_limit_s,
                            mip_gap=target_gap(prep, ranking), warm_start=ranking.selected)
    timings["solve"] = time.perf_counter() - t
    selected = best_of(prep, solution, ranking)
    return Outcome(prep, budget, solution, selected, timings, solver, ranking)

