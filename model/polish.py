"""What the official is given: the solver's portfolio without projects that
buy nothing, and never one that trails the benefit/cost ranking."""
from __future__ import annotations

from .evaluate import evaluate
from .instance import Decision
from .numerics import REL
from .preprocess import Prepared, required_closure
from .problem import Plan
from .ranking import Ranking
from .solution import Solution


def drop_idle(prep: Prepared, selected: frozenset[str]) -> frozenset[str]:
    """Drop selected candidates whose removal (with the selected projects that
    require them) loses no exact objective: the solver may pick such projects
    on a tie, and an official should not be asked to fund them. Most
    expensive first; must_do projects stay."""
    inst = prep.instance
    keep = set(selected)
    base = evaluate(prep, frozenset(keep)).objective
    tolerance = REL * max(1.0, abs(base))
    for p in sorted(selected, key=lambda q: (-inst.project(q).capex_musd, q)):
        if p not in keep or inst.project(p).decision is Decision.MUST_DO:
            continue
        dependants = {q for q in keep if p in required_closure(inst, q)}
        if any(inst.project(q).decision is Decision.MUST_DO for q in dependants):
            continue
        trial = frozenset(keep - dependants)
        value = evaluate(prep, trial).objective
        if value >= base - tolerance:
            keep, base = set(trial), max(base, value)
    return frozenset(keep)


def best_of(prep: Prepared, solution: Solution, ranking: Ranking) -> Plan:
    """The solver's portfolio less zero-gain projects, unless the ranking's is
    exactly better (possible only within the curve tolerance and the gap):
    the returned portfolio never trails the ranking an official could do by hand."""
    if not solution.has_portfolio:
        return Plan()
    chosen = drop_idle(prep, solution.selected)
    if ranking.objective > evaluate(prep, chosen).objective:
        return Plan.of(drop_idle(prep, ranking.selected))
    return Plan.of(chosen)
