"""Modes of a run over one prepared model (after Temoa's sequencer): a single
solve, a budget sweep, near-optimal alternatives and switching values. Each
mode re-solves the same built solver for another PortfolioProblem (another budget, an
exclusion, a changed capex) and returns plain records; every figure in them
is an exact evaluation."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

from .appraisal import appraise_plan
from .clock import Deadline
from .config import Formulation, RunConfig
from .evaluate import evaluate_plan
from .instance import Decision, Instance
from .numerics import REL
from .polish import best_of, drop_idle, repair
from .preprocess import Prepared, prepare
from .problem import Plan, PortfolioProblem, check_feasibility, objective
from .ranking import Ranking, benefit_cost_ranking, rank_projects
from .solution import PortfolioSolver, Solution, Status, gain_gap

Say = Callable[[str], None]

# label searches at once in a run of its own, while no arc partner races on the second core
PRICING_THREADS = 2
# ... and open sets drawn from each root route LP for routes (RouteSolver._sampled_routes); not
# on draws, whose time per draw is what counts there and was measured without them
SAMPLED_SETS = 10
SWITCHING_SOLVES = 12  # at most, per project: one at zero capex, then bisection


def solver_for(problem: PortfolioProblem, config: RunConfig, on_log_line: Say | None = None,
               *, race: Instance | None = None) -> PortfolioSolver:
    """The formulation's solver, built for a problem; Pyomo is imported only
    for the arc formulation. ``auto``: the route solver, which starts the arc
    formulation as a partner on the second core (model/race.py) when a solve
    does not settle quickly, if ``race`` gives the instance the problem was
    prepared from and the arc formulation models it (one-shot, no closures).
    With ``race`` the run has the machine: while no partner runs, the route
    solver prices on PRICING_THREADS threads, it draws SAMPLED_SETS open
    sets from each root LP for routes, and adds the routes one project away
    from a stuck root LP (``RouteSolver._neighbour_routes``)."""
    if config.formulation is Formulation.ARC:
        from .arc_solver import ArcSolver
        return ArcSolver(problem, pwl_tolerance=config.pwl_tolerance, on_log_line=on_log_line)
    from .race import ArcPartner
    from .route_solver import RouteSolver
    solver = RouteSolver(problem, on_log_line=on_log_line)
    if race is not None:  # a run of its own, not a draw beside others on a worker
        solver.threads = min(PRICING_THREADS, os.cpu_count() or 1)
        solver.sampled_sets = SAMPLED_SETS
        solver.neighbours = True
    prep = problem.prep
    if config.formulation is Formulation.AUTO and race is not None \
            and not prep.timeline.programme and not prep.mixture:
        instance = race
        solver.partner_factory = lambda problem, deadline, gap, start: ArcPartner.start(
            instance, problem, config, gap, deadline, start)
    return solver


def target_gap(problem: PortfolioProblem, floor: float, config: RunConfig) -> float:
    """The relative gap (on the whole objective) to ask of the solver: mip_gap,
    or less, so that the bound also leaves at most gain_gap of the achievable
    gain open. ``floor``, the objective of a portfolio in hand (the ranking's
    or the hint's), gives a lower estimate of that gain."""
    nothing = objective(problem.prep, Plan())
    gain = floor - nothing
    if gain <= 0 or floor <= 0:
        return config.mip_gap
    return min(config.mip_gap, config.gain_gap * gain / floor)


@dataclass(frozen=True)
class Outcome:
    problem: PortfolioProblem
    solution: Solution
    plan: Plan  # the solver's portfolio less projects that add nothing
    timings: dict[str, float] = field(default_factory=dict)
    solver: PortfolioSolver | None = None  # kept for the other modes
    ranking: Ranking | None = None
    gap: float = 0.0  # the relative gap the solver was asked for (target_gap)

    @property
    def prep(self) -> Prepared:
        return self.problem.prep

    @property
    def budget(self) -> float:
        return self.problem.budget

    @property
    def selected(self) -> frozenset[str]:
        return self.plan.selected


def optimise(instance: Instance, config: RunConfig, *, on_log_line: Say | None = None,
             prep: Prepared | None = None, capex: Mapping[str, float] | None = None,
             hint: Plan | None = None, deadline: Deadline | None = None,
             rank: bool = True) -> Outcome:
    """The best portfolio for the configured budget, by the deadline (the time
    limit from now unless the caller's, which a signal may cancel, is given).
    Infeasibility found before solving comes back as status 'infeasible' with
    the reasons. A scenario passes its prepared network and its financed
    capex; ``hint`` (a portfolio found elsewhere) starts the solver when it
    fits and beats the ranking, so the optimum is never below it. With
    ``rank=False`` (a scenario draw) the ranking is not worked out: the
    solver starts from the hint, cut back to the rules when it breaks them
    (the draw's capex overrun), and the ranking only when it cannot be cut
    back. A draw spent a sixth of its time on the ranking, which it does not
    report. The robust model keeps it: over 200 draws the ranking's
    portfolio (mean objective 16,887) beats the returned one (16,849), and a
    solve started from the returned one did not find it in 300 s."""
    deadline = deadline if deadline is not None else Deadline(config.time_limit_s)
    t = time.perf_counter()
    own_prep = prep is None
    prep = prep if prep is not None else prepare(instance)
    problem = PortfolioProblem(prep, config.budget_musd, dict(capex or {}))
    reasons = check_feasibility(problem)
    if reasons:
        return Outcome(problem, Solution(Status.INFEASIBLE, message="; ".join(reasons)),
                       Plan(), {"build": time.perf_counter() - t})
    solver = solver_for(problem, config, on_log_line, race=instance if own_prep else None)
    timings = {"build": time.perf_counter() - t}
    t = time.perf_counter()
    start, ranking = _start(problem, hint, rank)
    floor = ranking.objective if ranking is not None else objective(prep, start)
    timings["ranking"] = time.perf_counter() - t
    t = time.perf_counter()
    gap = target_gap(problem, floor, config)
    solution = solver.solve(problem, deadline=deadline, gap=gap, start=start)
    timings["solve"] = time.perf_counter() - t
    return Outcome(problem, solution, best_of(problem, solution, ranking), timings, solver,
                   ranking, gap)


def _start(problem: PortfolioProblem, hint: Plan | None, rank: bool
           ) -> tuple[Plan, Ranking | None]:
    """Where the solver starts, and the ranking if it was worked out (see
    ``optimise``)."""
    if hint is not None and not rank:
        fitted = hint if problem.fits(hint) else repair(problem, hint)
        if fitted is not None:
            return fitted, None
    ranking = benefit_cost_ranking(problem)
    if hint is not None and problem.fits(hint) \
            and objective(problem.prep, hint) > ranking.objective:
        return hint, ranking
    return ranking.plan, ranking


# --- budget sweep --------------------------------------------------------------------

@dataclass(frozen=True)
class FrontierPoint:
    budget: float
    status: Status
    plan: Plan
    spent: float
    volume_kt: float
    objective: float
    ranking_kt: float
    gain_gap: float | None
    added: tuple[str, ...]
    dropped: tuple[str, ...]
    npv_musd: float | None = None  # spec §10, of this budget's portfolio
    bcr: float | None = None

    @property
    def selected(self) -> frozenset[str]:
        return self.plan.selected


def _limit(config: RunConfig, stop: Deadline | None) -> Deadline:
    """One solve of a mode: the time limit, cancelled with the mode's ``stop``
    (a signal: the solve returns its best so far and the mode ends)."""
    return Deadline(config.time_limit_s, parent=stop)


def _stopped(stop: Deadline | None) -> bool:
    return stop is not None and stop.cancelled


def sweep(outcome: Outcome, budgets: list[float], config: RunConfig,
          progress: Say = lambda _: None, *, stop: Deadline | None = None
          ) -> list[FrontierPoint]:
    """Solve each budget on the built solver, warm-started from the previous
    portfolio (feasible when budgets rise) or the ranking's, whichever is better.
    Each solve has the time limit; once ``stop`` is cancelled the budgets
    solved so far are returned."""
    prep, solver = outcome.prep, outcome.solver
    ranked = rank_projects(outcome.problem)
    nothing = objective(prep, Plan())
    points: list[FrontierPoint] = []
    previous = Plan()
    for i, b in enumerate(budgets, start=1):
        problem = outcome.problem.with_budget(b)
        rank = benefit_cost_ranking(problem, ranked)
        start = rank.plan
        if problem.fits(previous) and objective(prep, previous) > rank.objective:
            start = previous
        sol = solver.solve(problem, deadline=_limit(config, stop),
                           gap=min(config.mip_gap, target_gap(problem, rank.objective, config)),
                           start=start)
        plan = best_of(problem, sol, rank)
        ev = evaluate_plan(prep, plan)
        gap = gain_gap(sol.bound, ev.objective, nothing) if sol.has_portfolio else None
        money = appraise_plan(prep, plan) if sol.has_portfolio else None
        chosen, before = plan.selected, previous.selected
        points.append(FrontierPoint(
            b, sol.status, plan, problem.spent(chosen),
            ev.horizon.volume_kt if sol.has_portfolio else float("nan"), ev.objective,
            rank.volume_kt, gap, tuple(sorted(chosen - before)),
            tuple(sorted(before - chosen)), money.npv_musd if money else None,
            money.bcr if money else None))
        progress(f"budget {i} of {len(budgets)}: USD {b:,.0f} million -> {sol.status},"
                 f" {len(chosen)} projects, {ev.horizon.volume_kt:,.0f} kt")
        if sol.has_portfolio:
            previous = plan
        if _stopped(stop):
            break
    return points


def frontier_notes(points: list[FrontierPoint]) -> list[str]:
    """Where a larger budget drops a project: the optimum is not nested."""
    return [f"at USD {pt.budget:,.0f} million the optimum drops {', '.join(pt.dropped)}"
            f" (selected at the previous budget) and adds {', '.join(pt.added) or 'nothing'}"
            for pt in points[1:] if pt.dropped]


# --- near-optimal alternatives ----------------------------------------------------------

@dataclass(frozen=True)
class Alternative:
    rank: int
    plan: Plan
    spent: float
    volume_kt: float
    objective: float
    status: Status

    @property
    def selected(self) -> frozenset[str]:
        return self.plan.selected


def alternatives(outcome: Outcome, count: int, config: RunConfig, *,
                 stop: Deadline | None = None) -> list[Alternative]:
    """The next ``count`` best portfolios: each solve excludes every earlier
    portfolio S by requiring at least one of S's free projects to be dropped
    (supersets of S can only tie with it: they add projects that add nothing).
    Each solve has the time limit; a cancelled ``stop`` ends the search (a
    portfolio its solve had not finished is not reported)."""
    prep, solver = outcome.prep, outcome.solver
    found: list[Alternative] = []
    problem = outcome.problem
    previous = outcome.selected
    for rank in range(1, count + 1):
        if not any(prep.instance.project(p).decision is not Decision.MUST_DO for p in previous):
            break  # only must_do projects: nothing left to exclude
        problem = problem.excluding(previous)
        sol = solver.solve(problem, deadline=_limit(config, stop), gap=config.mip_gap)
        if not sol.has_portfolio or _stopped(stop):
            break
        plan = drop_idle(problem, sol.plan)
        chosen = plan.selected
        if chosen == outcome.selected or any(a.selected == chosen for a in found):
            break  # nothing new: every remaining portfolio ties with an earlier one
        ev = evaluate_plan(prep, plan)
        found.append(Alternative(rank, plan, problem.spent(chosen), ev.horizon.volume_kt,
                                 ev.objective, sol.status))
        previous = chosen
    return found


# --- switching values -------------------------------------------------------------------

@dataclass(frozen=True)
class SwitchingValue:
    """The capex at which a project left out would enter the optimum."""

    project_id: str
    capex_musd: float | None  # None: it does not enter even at zero capex
    solves: int
    note: str


def switching_values(outcome: Outcome, config: RunConfig,
                     progress: Say = lambda _: None, *, stop: Deadline | None = None
                     ) -> dict[str, SwitchingValue]:
    """For each candidate not selected: bisect its capex on [0, capex] for the
    largest at which the optimum with it forced in beats the returned
    portfolio (at most SWITCHING_SOLVES solves each, at the gap of the main
    solve; accurate to that gap and to capex / 2^(SWITCHING_SOLVES - 1)).
    A cancelled ``stop`` ends it: the project being bisected is left out."""
    prep, solver, base = outcome.prep, outcome.solver, outcome.problem
    best = objective(prep, outcome.plan)
    margin = REL * max(1.0, abs(best))
    todo = [p for p in prep.decision if p not in outcome.selected
            and prep.instance.project(p).decision is Decision.CANDIDATE]
    out: dict[str, SwitchingValue] = {}

    def enters(p: str, capex: float) -> bool:
        problem = base.with_capex(p, capex).forcing(p)
        sol = solver.solve(problem, deadline=_limit(config, stop), gap=outcome.gap)
        return sol.has_portfolio and objective(prep, sol.plan) > best + margin

    for i, p in enumerate(todo, start=1):
        capex = base.cost(p)
        at_zero = enters(p, 0.0)
        if _stopped(stop):
            break
        if not at_zero:
            out[p] = SwitchingValue(p, None, 1, "does not enter the optimum even at zero capex")
        else:
            low, high, solves = 0.0, capex, 1
            while solves < SWITCHING_SOLVES and not _stopped(stop):
                mid = (low + high) / 2
                low, high = (mid, high) if enters(p, mid) else (low, mid)
                solves += 1
            if _stopped(stop):
                break
            out[p] = SwitchingValue(p, low, solves,
                                    f"enters the optimum at a capex of at most USD {low:,.1f}"
                                    f" million ({100 * low / capex:.0f}% of its USD"
                                    f" {capex:,.1f} million)" if capex > 0 else "")
        progress(f"switching value {i} of {len(todo)}: {p} -> {out[p].note}")
    return out
