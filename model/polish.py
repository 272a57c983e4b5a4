"""What the official is given: the solver's plan without projects that buy
nothing, and never one that trails the benefit/cost ranking."""
from __future__ import annotations

from .instance import Decision
from .numerics import REL
from .preprocess import required_closure
from .problem import Plan, PortfolioProblem, objective
from .ranking import Ranking
from .solution import Solution


def drop_idle(problem: PortfolioProblem, plan: Plan) -> Plan:
    """Drop selected candidates whose removal (with the selected projects that
    require them) loses no exact objective and keeps the rules: the solver may
    pick such projects on a tie, and an official should not be asked to fund
    them. Most expensive first; must_do projects stay."""
    prep = problem.prep
    inst = prep.instance
    keep = dict(plan.starts)
    base = objective(prep, plan)
    tolerance = REL * max(1.0, abs(base))
    for p in sorted(plan.selected, key=lambda q: (-inst.project(q).capex_musd, q)):
        if p not in keep or inst.project(p).decision is Decision.MUST_DO:
            continue
        dependants = {q for q in keep if p in required_closure(inst, q)}
        if any(inst.project(q).decision is Decision.MUST_DO for q in dependants):
            continue
        trial = Plan.scheduled({q: s for q, s in keep.items() if q not in dependants})
        if not problem.fits(trial):
            continue
        value = objective(prep, trial)
        if value >= base - tolerance:
            keep, base = dict(trial.starts), max(base, value)
    return Plan.scheduled(keep)


def best_of(problem: PortfolioProblem, solution: Solution, ranking: Ranking) -> Plan:
    """The solver's plan less zero-gain projects, unless the ranking's is
    exactly better (possible only within the curve tolerance and the gap):
    the returned plan never trails the ranking an official could do by hand."""
    if not solution.has_portfolio:
        return Plan()
    chosen = drop_idle(problem, solution.plan)
    if problem.fits(ranking.plan) and ranking.objective > objective(problem.prep, chosen):
        return drop_idle(problem, ranking.plan)
    return chosen
