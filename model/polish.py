"""Improving a plan exactly: a swap local search the route solver runs as a
primal heuristic, and what the official is given: the solver's plan without
projects that buy nothing, never one that trails the benefit/cost ranking."""
from __future__ import annotations

import math
import random
from typing import Callable, Iterator, Mapping

from .clock import Deadline
from .evaluate import Costs, Evaluation, Removals, adding, evaluate_plan, open_set
from .instance import Decision, Instance
from .numerics import REL
from .preprocess import Prepared, required_closure
from .problem import Plan, PortfolioProblem, Var, objective
from .ranking import Ranking
from .solution import Solution


def _without(inst: Instance, starts: dict[str, int], p: str) -> dict[str, int] | None:
    """The starts without p and the selected projects that require it; None
    when a must_do project would go."""
    gone = {q for q in starts if p in required_closure(inst, q)} | {p}
    if any(inst.project(q).decision is Decision.MUST_DO for q in gone):
        return None
    return {q: s for q, s in starts.items() if q not in gone}


def drops(problem: PortfolioProblem, starts: dict[str, int]
           ) -> Iterator[tuple[str, dict[str, int]]]:
    """Each selected project that may go, with the starts left without it and
    what requires it (forced and must_do projects stay)."""
    for p in sorted(starts):
        rest = None if p in problem.forced else _without(problem.prep.instance, starts, p)
        if rest is not None:
            yield p, rest


def _neighbours(problem: PortfolioProblem, plan: Plan) -> Iterator[tuple[Plan, Plan]]:
    """Every plan one move away, with the plan it adds to: add a project (with
    what it requires, each at its earliest start), drop one (with what
    requires it), or drop one and add another. The caller checks the rules
    (budget, envelopes, minimums)."""
    inst = problem.prep.instance
    starts = dict(plan.starts)
    outside = [p for p in problem.projects if p not in starts]
    fewer = [rest for _, rest in drops(problem, starts)]
    for base in [Plan.scheduled(starts)] + [Plan.scheduled(d) for d in fewer]:
        if base.starts != plan.starts:
            yield base, base
        for p in outside:
            placed = problem.place(base, required_closure(inst, p))
            if placed is not None:
                yield base, placed


def improve(problem: PortfolioProblem, plan: Plan, deadline: Deadline) -> Plan:
    """Best-improvement local search over add, drop and swap moves, every
    trial that keeps the rules evaluated exactly, until no move gains or the
    deadline passes. A MIP over the generated routes misses portfolios whose
    routes were never priced: on the longhaul 120/1 benchmark instance this
    took its portfolio from 35,393 to 35,738 in 3.7 s."""
    prep = problem.prep
    best, value = plan, objective(prep, plan)
    seen = {plan.starts}
    value_of = _added_value(prep)
    while not deadline.expired():
        step, gain = None, REL * max(1.0, abs(value))
        for base, trial in _neighbours(problem, best):
            if deadline.expired():
                break
            if trial.starts in seen or not problem.fits(trial):
                continue
            seen.add(trial.starts)
            v = value_of(base, trial)
            if v - value > gain:
                step, gain = trial, v - value
        if step is None:
            break
        best, value = step, value + gain
    return best


def kicked(problem: PortfolioProblem, plan: Plan, rng: random.Random, kicks: int = 2) -> Plan:
    """The plan with ``kicks`` projects dropped at random, each with what
    requires it: where an iterated local search starts again from a local
    optimum (``improve``), whose moves change one or two projects at a time.
    On longhaul 200/3 the local optimum 48,381.9 went to 48,448.3, the best
    portfolio known, at the third kick (16 s; 2 of 3 seeds)."""
    starts = dict(plan.starts)
    for _ in range(kicks):
        fewer = [rest for _, rest in drops(problem, starts)]
        if not fewer:
            break
        starts = rng.choice(fewer)
    return Plan.scheduled(starts)


def _added_value(prep: Prepared) -> Callable[[Plan, Plan], float]:
    """The exact objective of a trial that adds to a base plan. In a one-shot
    run, by ``evaluate.adding`` over the base: on one network only the flows
    the added projects can reach are searched again (the same figures as
    ``objective``, which a programme's epochs need)."""
    if prep.timeline.programme:
        return lambda base, trial: objective(prep, trial)
    near: dict[tuple, Callable[[frozenset[str]], Costs | Evaluation]] = {}

    def value(base: Plan, trial: Plan) -> float:
        def exact() -> float:
            if not base.selected <= trial.selected:
                return evaluate_plan(prep, trial).objective
            if base.starts not in near:
                near.clear()  # the bases come one after another
                near[base.starts] = adding(prep, base.selected)
            return near[base.starts](trial.selected - base.selected).objective
        return objective(prep, trial, exact)
    return value


def rounded(problem: PortfolioProblem, values: Mapping[Var, float]) -> Plan | None:
    """A plan near an LP solution: its projects in order of their LP level
    (summed over start years), each placed with what it requires while the
    rules allow; None when the plan misses them (a minimum, a must_do). A
    root LP near its optimum with a budget that cuts through it rounds to
    few projects at one half, and the MIPs over the routes may have little
    time."""
    inst = problem.prep.instance
    level: dict[str, float] = {}
    for (p, _), x in values.items():
        level[p] = level.get(p, 0.0) + x
    order = sorted((p for p in level if level[p] > REL), key=lambda q: (-level[q], q))
    plan = problem.walk(required_closure(inst, p) for p in order)
    return plan if problem.fits(plan) else None


def repair(problem: PortfolioProblem, plan: Plan) -> Plan | None:
    """The plan cut back until it keeps the rules: each step drops the project
    (with what requires it) that loses the least exact objective per USD it
    frees. A draw's capex overrun leaves the returned portfolio over budget;
    cutting it back is a start as good as the ranking's at a fraction of its
    evaluations (one per selected project a step, against one per project).
    None when no project can go and the rules still fail, or once it would
    take more evaluations than the ranking (one per project)."""
    prep = problem.prep
    value = objective(prep, plan)
    left = len(problem.projects)
    while not problem.fits(plan):
        left -= len(plan.starts)
        if left < 0:
            return None
        starts = dict(plan.starts)
        spent = problem.spent(plan.selected)
        best: tuple[float, str, Plan, float] | None = None
        for p, rest in drops(problem, starts):
            trial = Plan.scheduled(rest)
            freed = spent - problem.spent(trial.selected)
            v = objective(prep, trial)
            rate = (value - v) / freed if freed > 0 else math.inf
            if best is None or (rate, p) < best[:2]:
                best = (rate, p, trial, v)
        if best is None:
            return None
        plan, value = best[2], best[3]
    return plan


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
    # one network, one epoch: each trial re-searches only the flows it touches
    year = prep.timeline.epochs[0][0]
    kept = Removals.of(prep, open_set(prep, keep, year)) \
        if not prep.mixture and len(prep.timeline.epochs) == 1 else None
    for p in sorted(plan.selected, key=lambda q: (-inst.project(q).capex_musd, q)):
        rest = _without(inst, keep, p) if p in keep else None
        if rest is None:
            continue
        trial = Plan.scheduled(rest)
        if not problem.fits(trial):
            continue
        fewer = kept.less(open_set(prep, rest, year)) if kept is not None else None
        value = fewer.objective if fewer is not None else objective(prep, trial)
        if value >= base - tolerance:
            keep, base, kept = dict(trial.starts), max(base, value), fewer
    return Plan.scheduled(keep)


def best_of(problem: PortfolioProblem, solution: Solution, ranking: Ranking | None) -> Plan:
    """The solver's plan less zero-gain projects, unless the ranking's is
    exactly better (possible only within the curve tolerance and the gap):
    the returned plan never trails the ranking an official could do by hand.
    Without a ranking (the solver started from a hint) the solver's plan."""
    if not solution.has_portfolio:
        return Plan()
    chosen = drop_idle(problem, solution.plan)
    if ranking is not None and problem.fits(ranking.plan) \
            and ranking.objective > objective(problem.prep, chosen):
        return drop_idle(problem, ranking.plan)
    return chosen
