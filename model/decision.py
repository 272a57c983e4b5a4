"""Decision support (spec §7): the benefit/cost ranking an official would do
by hand, the budget sweep, near-optimal alternatives, and why each project
is in or out. Every figure is an exact evaluation."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from .appraisal import one_shot
from .evaluate import drop_idle, evaluate
from .preprocess import Prepared, group_members, required_closure, segment_projects
from .solution import PortfolioSolver, Solution, gain_gap

log = logging.getLogger(__name__)


# --- the benefit/cost ranking ------------------------------------------------

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
class Ranking:
    start: frozenset[str]  # must_do projects and what they require
    order: tuple[Candidate, ...]  # projects with a positive standalone gain, ranked
    selected: frozenset[str]
    objective: float  # exact V of the ranking's portfolio
    volume_kt: float


def fits_rules(prep: Prepared, chosen: frozenset[str], budget: float) -> bool:
    """Budget, alternatives (groups and shared segments, committed included) and
    requires, for a set of selected candidate/must_do projects."""
    inst = prep.instance
    if any(p not in prep.decision for p in chosen):
        return False
    if sum(inst.project(p).capex_musd for p in chosen) > budget + 1e-9:
        return False
    live = chosen | prep.committed
    for members in list(group_members(inst).values()) + list(segment_projects(inst).values()):
        if len(live.intersection(members)) > 1:
            return False
    return all(q in live for p in chosen for q in inst.project(p).requires)


def rank_projects(prep: Prepared) -> tuple[frozenset[str], tuple[Candidate, ...]]:
    """Standalone gains g_p = V(S + B_p) - V(S) over S = must_do and what they
    require, ranked by g_p / c_p (zero cost first), ties by project_id."""
    inst = prep.instance
    start: frozenset[str] = frozenset()
    for p in prep.must_do:
        start |= required_closure(inst, p)
    base = evaluate(prep, start).objective
    scored = []
    for p in prep.decision:
        if p in start:
            continue
        bundle = required_closure(inst, p) - start
        gain = evaluate(prep, start | bundle).objective - base
        if gain > 1e-9 * max(1.0, abs(base)):
            cost = sum(inst.project(q).capex_musd for q in bundle)
            scored.append(Candidate(p, frozenset(bundle), cost, gain))
    scored.sort(key=lambda c: (0, 0.0, c.project_id) if c.cost == 0
                else (1, -c.gain / c.cost, c.project_id))
    return start, tuple(scored)


def benefit_cost_ranking(prep: Prepared, budget: float,
                         ranked: tuple[frozenset[str], tuple[Candidate, ...]] | None = None
                         ) -> Ranking:
    """Walk down the ranking, adding each bundle that still fits the budget and
    the rules (spec §7). Pass ``ranked`` to reuse the standalone gains."""
    start, order = ranked if ranked is not None else rank_projects(prep)
    chosen = start
    for cand in order:
        trial = chosen | cand.bundle
        if trial != chosen and fits_rules(prep, trial, budget):
            chosen = trial
    ev = evaluate(prep, chosen)
    return Ranking(start, order, chosen, ev.objective, ev.volume_kt)


def target_gap(prep: Prepared, ranking: Ranking) -> float:
    """The relative gap (on the whole objective) to ask of the solver: mip_gap,
    or less, so that the bound also leaves at most gain_gap of the achievable
    gain open. The ranking's gain is a lower estimate of that gain."""
    params = prep.instance.parameters
    nothing = evaluate(prep, frozenset()).objective
    gain = ranking.objective - nothing
    if gain <= 0 or ranking.objective <= 0:
        return params.mip_gap
    return min(params.mip_gap, params.gain_gap * gain / ranking.objective)


def best_of(prep: Prepared, solution: Solution, ranking: Ranking) -> frozenset[str]:
    """The solver's portfolio less zero-gain projects, unless the ranking's is
    exactly better (possible only within the curve tolerance and the gap):
    the returned portfolio never trails the ranking an official could do by hand."""
    if not solution.has_portfolio:
        return frozenset()
    chosen = drop_idle(prep, solution.selected)
    if ranking.objective > evaluate(prep, chosen).objective:
        return drop_idle(prep, ranking.selected)
    return chosen


# --- marginal gains and reasons -------------------------------------------------

def without(prep: Prepared, selected: frozenset[str], p: str) -> frozenset[str]:
    """The portfolio less a project and the selected projects that require it."""
    return frozenset(q for q in selected if p not in required_closure(prep.instance, q))


def marginal_gains(prep: Prepared, selected: frozenset[str]) -> dict[str, float]:
    """Exact volume (kt/yr) lost if a selected project, and the selected ones
    that require it, were dropped."""
    full = evaluate(prep, selected).volume_kt
    return {p: full - evaluate(prep, without(prep, selected, p)).volume_kt for p in selected}


def reasons(prep: Prepared, selected: frozenset[str], budget: float,
            frontier: list[FrontierPoint] | tuple[FrontierPoint, ...] = ()) -> dict[str, str]:
    """Why each project is not in the portfolio (spec §7); a sweep's frontier
    tells at which budgets a project that does not fit would enter."""
    inst = prep.instance
    live = selected | prep.committed
    rivals: dict[str, set[str]] = {}
    for members in list(group_members(inst).values()) + list(segment_projects(inst).values()):
        for p in members:
            rivals.setdefault(p, set()).update(q for q in members if q != p)
    spent = sum(inst.project(p).capex_musd for p in selected)
    base = evaluate(prep, selected).volume_kt
    nothing = evaluate(prep, frozenset()).volume_kt
    out: dict[str, str] = {}
    for proj in inst.projects:
        p = proj.project_id
        if p in selected:
            continue
        if proj.decision == "excluded":
            out[p] = "excluded"
        elif proj.decision == "committed":
            out[p] = "committed: funded elsewhere, always in"
        elif p in prep.blocked:
            out[p] = prep.blocked[p]
        elif rivals.get(p, set()) & live:
            x = sorted(rivals[p] & live)[0]
            state = "committed" if x in prep.committed else "selected"
            out[p] = f"alternative to {x}, which is {state}"
        else:
            out[p] = _out_of_reach(prep, p, selected, budget, spent, base, nothing,
                                   list(frontier))
    return out


def _out_of_reach(prep: Prepared, p: str, selected: frozenset[str], budget: float,
                  spent: float, base: float, nothing: float,
                  frontier: list[FrontierPoint]) -> str:
    inst = prep.instance
    bundle = required_closure(inst, p) - selected
    blocked = [q for q in bundle if q in prep.blocked or q not in prep.decision]
    if blocked:
        return f"requires {blocked[0]}, which cannot be selected"
    alone = evaluate(prep, bundle).volume_kt - nothing
    if alone <= 1e-9 * max(1.0, nothing):
        needed_by = sorted(q.project_id for q in inst.projects if q.project_id != p
                           and q.project_id in prep.decision
                           and p in required_closure(inst, q.project_id))
        if needed_by:
            return ("no flow's route improves with it alone; it is a prerequisite of "
                    + ", ".join(needed_by))
        return "no flow's route improves"
    extra = evaluate(prep, selected | bundle).volume_kt - base
    if extra <= 1e-9 * max(1.0, base):
        return ("no flow's route improves beyond what the selected projects already give"
                f" (alone it would add {alone:,.1f} kt)")
    cost = sum(inst.project(q).capex_musd for q in bundle)
    needs = f"{p} and what it requires cost" if len(bundle) > 1 else f"{p} costs"
    if cost > budget - spent + 1e-9:
        return (f"does not fit the budget: {needs} USD {cost:,.1f} million, USD"
                f" {budget - spent:,.1f} million is left (it would add {extra:,.1f} kt)"
                + _sweep_says(p, budget, frontier))
    return (f"would add {extra:,.1f} kt for USD {cost:,.1f} million but was not chosen:"
            " within the solver's gap")


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


# --- budget sweep ---------------------------------------------------------------

@dataclass(frozen=True)
class FrontierPoint:
    budget: float
    status: str
    selected: frozenset[str]
    spent: float
    volume_kt: float
    objective: float
    ranking_kt: float
    gain_gap: float | None
    added: tuple[str, ...]
    dropped: tuple[str, ...]
    npv_musd: float | None = None  # spec §10, of this budget's portfolio
    bcr: float | None = None


def sweep(prep: Prepared, solver: PortfolioSolver, budgets: list[float],
          *, time_limit: float, mip_gap: float,
          progress: Callable[[str], None] = lambda _: None) -> list[FrontierPoint]:
    """Solve each budget on one built model: change the budget and warm-start
    from the previous portfolio (feasible when budgets rise) or the ranking's,
    whichever is better."""
    inst = prep.instance
    ranked = rank_projects(prep)
    nothing = evaluate(prep, frozenset()).objective
    points: list[FrontierPoint] = []
    previous: frozenset[str] = frozenset()
    for i, b in enumerate(budgets, start=1):
        solver.set_budget(b)
        rank = benefit_cost_ranking(prep, b, ranked)
        start = rank.selected
        if fits_rules(prep, previous, b) and (evaluate(prep, previous).objective
                                              > rank.objective):
            start = previous
        sol = solver.solve(time_limit=time_limit, mip_gap=min(mip_gap, target_gap(prep, rank)),
                           warm_start=start)
        chosen = best_of(prep, sol, rank)
        ev = evaluate(prep, chosen)
        gap = gain_gap(sol.bound, ev.objective, nothing) if sol.has_portfolio else None
        money = one_shot(prep, chosen) if sol.has_portfolio else None
        points.append(FrontierPoint(
            b, sol.status, chosen, sum(inst.project(p).capex_musd for p in chosen),
            ev.volume_kt if sol.has_portfolio else float("nan"), ev.objective,
            rank.volume_kt, gap, tuple(sorted(chosen - previous)),
            tuple(sorted(previous - chosen)), money.npv_musd if money else None,
            money.bcr if money else None))
        progress(f"budget {i} of {len(budgets)}: USD {b:,.0f} million -> {sol.status},"
                 f" {len(chosen)} projects, {ev.volume_kt:,.0f} kt")
        if sol.has_portfolio:
            previous = chosen
    return points


def frontier_notes(points: list[FrontierPoint]) -> list[str]:
    """Where a larger budget drops a project: the optimum is not nested."""
    return [f"at USD {pt.budget:,.0f} million the optimum drops {', '.join(pt.dropped)}"
            f" (selected at the previous budget) and adds {', '.join(pt.added) or 'nothing'}"
            for pt in points[1:] if pt.dropped]


# --- near-optimal alternatives -----------------------------------------------------

@dataclass(frozen=True)
class Alternative:
    rank: int
    selected: frozenset[str]
    spent: float
    volume_kt: float
    objective: float
    status: str


def alternatives(prep: Prepared, solver: PortfolioSolver, optimum: frozenset[str],
                 count: int, *, time_limit: float, mip_gap: float) -> list[Alternative]:
    """The next ``count`` best portfolios: each solve excludes every earlier
    portfolio S by requiring at least one of S's free projects to be dropped
    (supersets of S can only tie with it: they add projects that add nothing)."""
    inst = prep.instance
    found: list[Alternative] = []
    previous = optimum
    for rank in range(1, count + 1):
        if not solver.exclude(previous):
            break
        sol = solver.solve(time_limit=time_limit, mip_gap=mip_gap)
        if not sol.has_portfolio:
            break
        chosen = drop_idle(prep, sol.selected)
        if chosen == optimum or any(a.selected == chosen for a in found):
            break  # nothing new: every remaining portfolio ties with an earlier one
        ev = evaluate(prep, chosen)
        found.append(Alternative(rank, chosen, sum(inst.project(p).capex_musd for p in chosen),
                                 ev.volume_kt, ev.objective, sol.status))
        previous = chosen
    return found
