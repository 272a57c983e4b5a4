"""The stages after validation, chained: preprocess -> feasibility -> build ->
solve -> drop zero-gain projects. Used by the CLI, the sweep and the tests."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import pyomo.environ as pyo

from .build import build_model
from .decision import Ranking, benefit_cost_ranking, best_of
from .instance import Instance
from .preprocess import Prepared, check_feasibility, prepare
from .solve import Solution, Solver


@dataclass(frozen=True)
class Outcome:
    prep: Prepared
    budget: float
    solution: Solution
    selected: frozenset[str]  # the solver's portfolio less projects that add nothing
    timings: dict[str, float] = field(default_factory=dict)
    model: pyo.ConcreteModel | None = None  # kept for sweeps and alternatives
    solver: Solver | None = None
    ranking: Ranking | None = None


def optimise(instance: Instance, budget: float | None = None, *,
             on_log_line: Callable[[str], None] | None = None) -> Outcome:
    """Best portfolio for one budget (default: the instance's). Infeasibility
    found before solving comes back as status 'infeasible' with the reasons."""
    budget = instance.parameters.budget_musd if budget is None else budget
    t = time.perf_counter()
    prep = prepare(instance)
    reasons = check_feasibility(prep, budget)
    if reasons:
        return Outcome(prep, budget, Solution("infeasible", frozenset(),
                                              message="; ".join(reasons)), frozenset(),
                       {"build": time.perf_counter() - t})
    model = build_model(prep, budget)
    timings = {"build": time.perf_counter() - t}
    params = instance.parameters
    t = time.perf_counter()
    ranking = benefit_cost_ranking(prep, budget)
    timings["ranking"] = time.perf_counter() - t
    t = time.perf_counter()
    solver = Solver(model, on_log_line=on_log_line)
    solution = solver.solve(time_limit=params.time_limit_s, mip_gap=params.mip_gap,
                            warm_start=ranking.selected)
    timings["solve"] = time.perf_counter() - t
    selected = best_of(prep, solution, ranking)
    return Outcome(prep, budget, solution, selected, timings, model, solver, ranking)

