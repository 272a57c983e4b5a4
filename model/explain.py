"""Why each project is in or out (spec §7) and what each selected one is worth:
the exact marginal gain and appraisal (spec §10) of a returned portfolio."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .appraisal import Appraisal, Marginal, appraise_plan, marginal
from .evaluate import (Costs, Evaluation, Removals, adding, applied, evaluate_plan,
                       open_set)
from .instance import Decision
from .numerics import REL, within
from .preprocess import Prepared, required_closure
from .problem import Plan, PortfolioProblem, rival_sets
from .sequencer import FrontierPoint, Outcome, SwitchingValue


@dataclass(frozen=True)
class Explanation:
    marginal: dict[str, float]  # selected -> kt/yr lost without it
    reasons: dict[str, str]  # not selected -> why
    appraisal: Appraisal
    project_appraisal: dict[str, Marginal]  # selected -> its share of NPV and BCR
    switching: dict[str, SwitchingValue] = field(default_factory=dict)


def explain(outcome: Outcome, frontier: Sequence[FrontierPoint] = (),
            switching: dict[str, SwitchingValue] | None = None) -> Explanation:
    prep, plan = outcome.prep, outcome.plan
    kept = None if prep.mixture else _horizon_removals(prep, plan)

    @functools.cache
    def exact(projects: frozenset[str]) -> Costs | Evaluation:
        """Each applied set once (the marginal gains and the shares ask for the
        same ones); within the plan's horizon network by ``Removals``."""
        if kept is not None and projects <= kept.applied:
            return kept.less(projects)
        return applied(prep, projects)

    def costs(projects: frozenset[str]) -> np.ndarray:
        return exact(projects).costs

    whole = appraise_plan(prep, plan, costs)
    shares = {p: marginal(whole, appraise_plan(prep, without(prep, plan, p), costs))
              for p in plan.selected}
    return Explanation(marginal_gains(prep, plan, exact if kept is not None else None),
                       reasons(outcome.problem, plan, frontier), whole, shares,
                       dict(switching or {}))


def without(prep: Prepared, plan: Plan, p: str) -> Plan:
    """The plan less a project and the selected projects that require it."""
    return Plan(tuple((q, s) for q, s in plan.starts
                      if p not in required_closure(prep.instance, q)))


def _horizon_removals(prep: Prepared, plan: Plan) -> Removals:
    """The plan's horizon network (one network), ready to lose projects."""
    return Removals.of(prep, open_set(prep, dict(plan.starts), prep.timeline.epochs[-1][0]))


def marginal_gains(prep: Prepared, plan: Plan,
                   exact: Callable[[frozenset[str]], Costs | Evaluation] | None = None
                   ) -> dict[str, float]:
    """Exact volume (kt/yr, in the horizon year) lost if a selected project, and
    the selected ones that require it, were dropped; ``exact`` evaluates a
    subset of the plan's horizon set (default: by the plan's ``Removals``)."""
    if prep.mixture:
        full = evaluate_plan(prep, plan).horizon.volume_kt
        return {p: full - evaluate_plan(prep, without(prep, plan, p)).horizon.volume_kt
                for p in plan.selected}
    horizon = prep.timeline.epochs[-1][0]  # one network: re-search only the flows touched
    if exact is None:
        exact = _horizon_removals(prep, plan).less
    whole = exact(open_set(prep, dict(plan.starts), horizon)).volume_kt
    return {p: whole - exact(open_set(prep, dict(without(prep, plan, p).starts),
                                      horizon)).volume_kt for p in plan.selected}


def reasons(problem: PortfolioProblem, plan: Plan,
            frontier: Sequence[FrontierPoint] = ()) -> dict[str, str]:
    """Why each project is not in the portfolio (spec §7); a sweep's frontier
    tells at which budgets a project that does not fit would enter; in a
    programme, when the caps leave it no room early enough."""
    prep = problem.prep
    inst = prep.instance
    selected = plan.selected
    live = selected | prep.committed
    rivals: dict[str, set[str]] = {}
    for _, members in rival_sets(prep):
        for p in members:
            rivals.setdefault(p, set()).update(q for q in members if q != p)
    with_selected, alone = adding(prep, selected), adding(prep, frozenset())
    out: dict[str, str] = {}
    for proj in inst.projects:
        p = proj.project_id
        if p in selected:
            continue
        if proj.decision is Decision.EXCLUDED:
            out[p] = "excluded"
        elif proj.decision is Decision.COMMITTED:
            out[p] = "committed: funded elsewhere, always in"
        elif p in prep.blocked:
            out[p] = prep.blocked[p]
        elif not problem.windows.get(p):
            out[p] = (f"cannot be scheduled: it cannot start at or after its earliest start"
                      f" and finish by {prep.timeline.last}")
        elif rivals.get(p, set()) & live:
            x = sorted(rivals[p] & live)[0]
            state = "committed" if x in prep.committed else "selected"
            out[p] = f"alternative to {x}, which is {state}"
        else:
            out[p] = _out_of_reach(problem, p, plan, with_selected, alone, list(frontier))
    return out


def _out_of_reach(problem: PortfolioProblem, p: str, plan: Plan,
                  with_selected: Callable[[frozenset[str]], Costs | Evaluation],
                  alone_with: Callable[[frozenset[str]], Costs | Evaluation],
                  frontier: list[FrontierPoint]) -> str:
    prep = problem.prep
    inst = prep.instance
    selected = plan.selected
    bundle = required_closure(inst, p) - selected
    blocked = [q for q in bundle if q in prep.blocked or q not in prep.decision]
    if blocked:
        return f"requires {blocked[0]}, which cannot be selected"
    nothing = alone_with(frozenset()).volume_kt
    alone = alone_with(bundle).volume_kt - nothing
    if alone <= REL * max(1.0, nothing):
        needed_by = sorted(q.project_id for q in inst.projects if q.project_id != p
                           and q.project_id in prep.decision
                           and p in required_closure(inst, q.project_id))
        if needed_by:
            return ("no flow's route improves with it alone; it is a prerequisite of "
                    + ", ".join(needed_by))
        return "no flow's route improves"
    base = with_selected(frozenset()).volume_kt
    extra = with_selected(bundle).volume_kt - base
    if extra <= REL * max(1.0, base):
        return ("no flow's route improves beyond what the selected projects already give"
                f" (alone it would add {alone:,.1f} kt)")
    cost = problem.spent(bundle)
    left = problem.budget - problem.spent(selected)
    needs = f"{p} and what it requires cost" if len(bundle) > 1 else f"{p} costs"
    if not within(cost, left):
        return (f"does not fit the budget: {needs} USD {cost:,.1f} million, USD"
                f" {left:,.1f} million is left (it would add {extra:,.1f} kt)"
                + _sweep_says(p, problem.budget, frontier))
    if prep.timeline.programme:
        return _caps_say(problem, p, plan, bundle, extra, cost)
    return (f"would add {extra:,.1f} kt for USD {cost:,.1f} million but was not chosen:"
            " within the solver's gap")


def _caps_say(problem: PortfolioProblem, p: str, plan: Plan, bundle: frozenset[str],
              extra: float, cost: float) -> str:
    """In a programme: where the yearly caps (and the rules) would let the
    bundle start beside the plan, or that they leave it no room."""
    placed = problem.place(plan, bundle)
    project = problem.project(p)
    window = problem.windows[p]
    if placed is None:
        return (f"the caps and rules leave no room for it beside the selected projects in any"
                f" year up to {window[-1]} (it would add {extra:,.1f} kt in the horizon year"
                f" for USD {cost:,.1f} million)")
    start = placed.start(p)
    if start is not None and start > window[0]:
        return (f"the caps cannot fit it before {start}: started then it would open in"
                f" {start + project.duration_years} (it would add {extra:,.1f} kt in the"
                f" horizon year for USD {cost:,.1f} million); not chosen")
    return (f"would add {extra:,.1f} kt in the horizon year for USD {cost:,.1f} million but"
            " was not chosen: within the solver's gap")


def _sweep_says(p: str, budget: float, frontier: list[FrontierPoint]) -> str:
    """Where the sweep selects the project, relative to this budget."""
    if not frontier:
        return ""
    above = [pt.budget for pt in frontier if pt.budget > budget and p in pt.selected]
    below = [pt.budget for pt in frontier if pt.budget < budget and p in pt.selected]
    text = (f"; it enters the optimal portfolio at a budget of USD {above[0]:,.0f} million"
            if above else "; no budget of the sweep above this one selects it")
    if below:
        text += (f" (it is in the optimum at USD {below[0]:,.0f}"
                 + (f"-{below[-1]:,.0f}" if below[-1] != below[0] else "")
                 + " million: with more money a better combination takes its place)")
    return text
