"""The benefit/cost ranking an official would do by hand (spec §7, HDM-4
style): the baseline the optimum is measured against, and the solver's start.
In a programme (spec §9.2) the ranked bundles are scheduled at the earliest
years the caps left and the rules allow."""
from __future__ import annotations

from dataclasses import dataclass

from .evaluate import adding, evaluate_plan
from .numerics import REL
from .preprocess import Prepared, required_closure
from .problem import Plan, PortfolioProblem


@dataclass(frozen=True)
class Candidate:
    """One line of the ranking: a project's bundle, its cost and standalone gain."""

    project_id: str
    bundle: frozenset[str]
    cost: float
    gain: float

    @property
    def ratio(self) -> float | None:
        return self.gain / self.cost if self.cost > 0 else None


@dataclass(frozen=True)
class Ranked:
    """The ranking itself, independent of any budget."""

    start: frozenset[str]  # must_do projects and what they require
    order: tuple[Candidate, ...]  # projects with a positive standalone gain, ranked


@dataclass(frozen=True)
class Ranking:
    start: frozenset[str]
    order: tuple[Candidate, ...]
    plan: Plan  # the ranking's portfolio (scheduled, in a programme) for one budget
    objective: float  # its exact objective
    volume_kt: float  # its trade in the horizon year

    @property
    def selected(self) -> frozenset[str]:
        return self.plan.selected


def rank_projects(problem: PortfolioProblem) -> Ranked:
    """Standalone gains g_p = V(S + B_p) - V(S) in the horizon year over S =
    must_do and what they require, ranked by g_p / c_p (zero cost first), ties
    by project_id."""
    prep: Prepared = problem.prep
    inst = prep.instance
    start: frozenset[str] = frozenset()
    for p in prep.must_do:
        start |= required_closure(inst, p)
    plus = adding(prep, start)  # only the flows a bundle can reach are searched again
    base = plus(frozenset()).objective
    scored = []
    for p in problem.projects:
        if p in start:
            continue
        bundle = required_closure(inst, p) - start
        gain = plus(bundle).objective - base
        if gain > REL * max(1.0, abs(base)):
            scored.append(Candidate(p, frozenset(bundle), problem.spent(bundle), gain))
    scored.sort(key=lambda c: (0, 0.0, c.project_id) if c.cost == 0
                else (1, -c.gain / c.cost, c.project_id))
    return Ranked(start, tuple(scored))


def benefit_cost_ranking(problem: PortfolioProblem, ranked: Ranked | None = None) -> Ranking:
    """Walk down the ranking, adding each bundle that still fits the budget and
    the rules, at the earliest starts the caps allow (spec §7, §9.2). Pass
    ``ranked`` to reuse the standalone gains."""
    ranked = ranked if ranked is not None else rank_projects(problem)
    plan = problem.walk((cand.bundle for cand in ranked.order),
                        problem.place(Plan(), ranked.start) or Plan())
    ev = evaluate_plan(problem.prep, plan)
    return Ranking(ranked.start, ranked.order, plan, ev.objective, ev.horizon.volume_kt)
