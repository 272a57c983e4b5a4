"""Branch-and-price on its own: from the ranking's portfolio, with no MIP over the routes and no
local search, the route solver's branch-and-bound (reduced-cost fixing, the
projects fixed at 0 kept out of pricing) must reach the portfolio found by
enumerating every feasible one (tests/reference.py), with a bound no lower.
The full solver rarely needs it on small instances: its MIP over the routes
usually finds the optimum first, so a wrong fix would go unseen there."""
import dataclasses
import math

import numpy as np
import pytest

from model import pricing, route_master, route_solver
from model.clock import Deadline
from model.polish import improve
from model.preprocess import prepare
from model.problem import PortfolioProblem, check_feasibility, objective
from model.ranking import benefit_cost_ranking
from model.route_master import RouteMaster
from model.route_solver import RouteSolver
from tests import reference

SEEDS = range(60)


def branch_alone(seed: int, monkeypatch: pytest.MonkeyPatch, generate=reference.random_instance,
                 threads: int = 1, neighbours: bool = False):
    monkeypatch.setattr(route_solver, "MIP_ROUNDS", 0)
    monkeypatch.setattr(pricing, "REACH_MIN_ARCS", 0)  # the search's reach rule in full
    monkeypatch.setattr(route_solver, "improve", lambda problem, plan, deadline: plan)
    gen = generate(seed)
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    if check_feasibility(problem):
        return gen, None, None
    solver = RouteSolver(problem)
    solver.threads = threads
    solver.neighbours = neighbours
    start = benefit_cost_ranking(problem).plan
    return gen, solver.solve(problem, deadline=Deadline(60.0), gap=1e-9, start=start), \
        solver.stats


def every_seed_reaches_the_best(monkeypatch: pytest.MonkeyPatch, neighbours: bool = False
                                ) -> None:
    """Every seed with a feasible portfolio is proven at the enumerated best,
    with a bound no lower."""
    for seed in SEEDS:
        gen, sol, _ = branch_alone(seed, monkeypatch, neighbours=neighbours)
        best = reference.best_portfolio(gen.instance, gen.budget)
        if sol is None or best is None:
            continue
        assert sol.status == "optimal", seed
        assert reference.volume(gen.instance, set(sol.plan.selected)) >= best[0] * (1 - 1e-9)
        assert sol.bound >= best[0] * (1 - 1e-9), seed


@pytest.mark.parametrize("seed", SEEDS)
def test_branch_and_bound_alone_reaches_the_enumerated_best(seed, monkeypatch):
    gen, sol, _ = branch_alone(seed, monkeypatch)
    best = reference.best_portfolio(gen.instance, gen.budget)
    if best is None:
        assert sol is None or sol.status == "infeasible"
        return
    assert sol.status == "optimal"
    assert reference.feasible(gen.instance, set(sol.plan.selected), gen.budget)
    assert reference.volume(gen.instance, set(sol.plan.selected)) >= best[0] * (1 - 1e-9)
    assert sol.bound >= best[0] * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_a_programme_by_branch_and_bound_alone_reaches_the_enumerated_best(seed, monkeypatch):
    """The same over years (spec §9): a variable per project and start year,
    routes gated by the years a project is open."""
    gen, sol, _ = branch_alone(seed, monkeypatch, reference.random_programme)
    best = reference.best_schedule(gen.instance, gen.budget)
    if best is None or sol is None or sol.status == "failed":  # failed: the ranking's plan
        return  # broke a yearly rule, and without the MIP there is no incumbent
    assert sol.status == "optimal"
    got = objective(prepare(gen.instance), sol.plan)
    assert got >= best[0] * (1 - 1e-9)
    assert sol.bound >= best[0] * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(0, 60, 4))
def test_pricing_on_two_threads_is_the_same_solve(seed, monkeypatch):
    """With the compiled search (it releases the GIL) the route solver runs
    label searches on two threads but takes their routes in block order: the
    same routes enter the master in the same order, so the solve is the same
    step for step (portfolio, bound, nodes, routes) and reaches the enumerated
    best."""
    assert pricing.compile_now()
    submitted = []

    class Counting(route_solver.ThreadPoolExecutor):
        def submit(self, *args, **kwargs):
            submitted.append(1)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(route_solver, "ThreadPoolExecutor", Counting)
    runs = []
    for threads in (1, 2):
        before = len(submitted)
        gen, sol, stats = branch_alone(seed, monkeypatch, threads=threads)
        if sol is None:
            return
        runs.append((sol.status, sol.objective, sol.bound, sol.plan.selected, stats.nodes,
                     stats.routes, stats.lp_iterations))
        assert (len(submitted) > before) == (threads > 1)
    assert runs[0] == runs[1]
    best = reference.best_portfolio(gen.instance, gen.budget)
    assert best is not None and runs[1][1] >= best[0] * (1 - 1e-9) and \
        runs[1][2] >= best[0] * (1 - 1e-9)


def test_enough_instances_branch_and_fix_by_reduced_cost(monkeypatch):
    """Guard the test above: it must branch, and fix variables, often."""
    branched = fixed = 0
    for seed in SEEDS:
        _, sol, stats = branch_alone(seed, monkeypatch)
        if sol is not None:
            branched += stats.nodes > 0
            fixed += stats.reduced_cost_fixes > 0
    assert branched >= 20 and fixed >= 15, (branched, fixed)


def test_only_projects_fixed_at_zero_are_kept_out_of_pricing():
    """A route through a project whose variable is fixed at 0 cannot carry
    flow in that node: pricing keeps it out (infinite penalty). A project
    that is free or fixed at 1 keeps its link dual."""
    checked = 0
    for seed in range(10):
        gen = reference.random_instance(seed)
        problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
        master = RouteMaster(problem.prep, problem)
        duals = np.full(master.h.getNumRow(), 0.5)
        free = [v for v, (low, high) in master.bounds.items() if low < high]
        for v in free:
            for value in (None, 0.0, 1.0):
                master.fix({} if value is None else {v: value})
                for block in master.blocks:
                    penalty = master.penalties(block, duals)
                    for p in block.net.projects:
                        if master.gates.get((block.index, p)) == v and \
                                (block.index, p) in master.link:
                            assert (penalty[p] == math.inf) == (value == 0.0), (seed, v, p)
                            checked += 1
    assert checked >= 50, checked



def test_central_duals_keep_the_bound_and_the_optimum(monkeypatch):
    """Interior point duals are not a vertex's: the bound at them is the
    Lagrangian at any multipliers, which must stay above the enumerated best,
    and branch-and-bound over interior LP solutions must still reach it.
    Every LP, root and nodes, is solved centrally here (the solver does so
    only at a stalled root)."""
    solve_lp = RouteMaster.solve_lp
    monkeypatch.setattr(RouteMaster, "solve_lp",
                        lambda self, deadline, central=False: solve_lp(self, deadline,
                                                                      central=True))
    central = 0
    for seed in SEEDS:
        gen, sol, stats = branch_alone(seed, monkeypatch)
        best = reference.best_portfolio(gen.instance, gen.budget)
        if sol is None or best is None:
            continue
        central += stats.central_rounds > 0
        assert sol.status == "optimal", seed
        assert reference.volume(gen.instance, set(sol.plan.selected)) >= best[0] * (1 - 1e-9)
        assert sol.bound >= best[0] * (1 - 1e-9), seed
    assert central >= 40, central
    for seed in range(40):  # over years (spec §9): a variable per project and start year
        gen, sol, _ = branch_alone(seed, monkeypatch, reference.random_programme)
        best = reference.best_schedule(gen.instance, gen.budget)
        if best is None or sol is None or sol.status == "failed":
            continue
        assert sol.status == "optimal", seed
        assert objective(prepare(gen.instance), sol.plan) >= best[0] * (1 - 1e-9)
        assert sol.bound >= best[0] * (1 - 1e-9), seed


def test_a_slow_central_round_goes_back_to_the_simplex(monkeypatch):
    """A root round at central duals that cannot finish in its share of the
    root's time (none here) sends the root back to the simplex's duals, which
    still reach the enumerated best. Central rounds start at the first round
    that fails to lower the bound (every LP value counts as stuck, and any
    distance from the bound to the LP value as far)."""
    monkeypatch.setattr(route_solver, "LP_STILL", math.inf)
    monkeypatch.setattr(route_solver, "CENTRAL_MIN_GAP", 0.0)
    monkeypatch.setattr(route_solver, "CENTRAL_ROUND_SHARE", 0.0)
    lines: list[str] = []
    say = RouteSolver.__init__

    def init(self, problem, **kwargs):
        say(self, problem, on_log_line=lines.append)

    monkeypatch.setattr(RouteSolver, "__init__", init)
    went_back = 0
    for seed in SEEDS:
        before = len(lines)
        gen, sol, stats = branch_alone(seed, monkeypatch)
        best = reference.best_portfolio(gen.instance, gen.budget)
        if sol is None or best is None:
            continue
        went_back += any("back to the simplex" in line for line in lines[before:])
        assert sol.status == "optimal", seed
        assert reference.volume(gen.instance, set(sol.plan.selected)) >= best[0] * (1 - 1e-9)
        assert sol.bound >= best[0] * (1 - 1e-9), seed
    assert went_back >= 3, went_back


def test_central_duals_every_other_lp_once_the_root_stalls():
    """Once a root is stuck, its LPs alternate: central duals, then the
    simplex's warm re-solve, then central again; a slow central round ends
    them for good."""
    stab = route_solver._Stabiliser(root=True)
    duals = np.zeros(3)
    lp = route_master.LpSolution(10.0, duals, {}, {})
    stab.solved(lp)
    stab.priced(duals, 20.0, math.inf, 0.0)  # the first round: a centre, no stall yet
    assert not stab.central_next()
    stab.solved(lp)  # the same value again: stuck, 10 % below the bound
    stab.priced(duals, 20.0, 20.0, 0.0)  # the bound stalled
    modes = []
    for _ in range(5):
        central = stab.central_next()
        modes.append(central)
        stab.solved(dataclasses.replace(lp, central=central))
    assert modes == [True, False, True, False, True]
    stab.too_slow()
    stab.solved(lp)
    stab.priced(duals, 20.0, 20.0, 0.0)
    assert not stab.central_next()


def test_a_central_lp_has_the_simplex_value():
    """The interior point method solves the same LP: the same value within its
    tolerance; and the simplex solves the next LP (without a basis)."""
    gen = reference.random_instance(3)
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    master = RouteMaster(problem.prep, problem)
    master.routes_of(frozenset(p.project_id for p in gen.instance.projects))
    vertex = master.solve_lp(Deadline(30.0))
    central = master.solve_lp(Deadline(30.0), central=True)
    assert master.h.getInfo().ipm_iteration_count > 0
    again = master.solve_lp(Deadline(30.0))
    assert master.h.getInfo().ipm_iteration_count == 0  # the simplex again
    assert central.central and not vertex.central and not again.central
    assert central.value == pytest.approx(vertex.value, rel=1e-6)
    assert again.value == pytest.approx(vertex.value, rel=1e-12)


def test_routes_added_after_an_lp_keep_column_generation_going(monkeypatch):
    """Routes that enter after an LP is solved (the root's sampled sets and
    neighbour routes) are not in it: pricing that finds them again has not
    proven it optimal. Here every root LP counts as standing still, so each
    is followed by each flow's best route under every portfolio one project
    away from the LP's rounding; the solve must still prove the enumerated
    best with a bound no lower."""
    monkeypatch.setattr(route_solver._Stabiliser, "stuck", lambda self, bound: True)
    every_seed_reaches_the_best(monkeypatch, neighbours=True)


def _closure(inst, p: str) -> set[str]:
    """p and what it requires, transitively (committed ones included)."""
    out, todo = set(), [p]
    while todo:
        q = todo.pop()
        if q not in out:
            out.add(q)
            todo.extend(inst.project(q).requires)
    return out


@pytest.mark.parametrize("seed", range(60))
def test_neighbour_routes_give_every_flow_its_shortest_path_one_project_away(seed):
    """After ``_neighbour_routes`` at an LP rounded to S (w >= 1/2), each
    flow's cheapest route using only projects of S + p (p a project the
    portfolio may hold, outside S, with what it requires) or of S - p (p
    inside, with what requires it) costs what a shortest path there costs
    (tests/reference.py), where before some did not."""
    gen = reference.random_instance(seed)
    inst = gen.instance
    problem = PortfolioProblem(prepare(inst), gen.budget, {})
    if check_feasibility(problem):  # no LP to round
        return
    solver = RouteSolver(problem)
    solver.neighbours = True
    lp = solver.master.solve_lp(Deadline(30.0))
    rng = np.random.default_rng(seed)
    w = {v: float(rng.choice([0.0, 0.0, 0.0, 0.3, 0.5, 1.0])) for v in lp.w}
    lp = dataclasses.replace(lp, w=w)
    committed = {p.project_id for p in inst.projects if p.decision == "committed"}
    free = problem.prep.decision  # the projects a portfolio may hold (preprocess.py)
    chosen = {p for (p, _), x in w.items() if x >= 0.5}
    sets = [chosen | _closure(inst, p) for p in free if p not in chosen]
    for p in chosen:  # closed with what requires it, unless a must_do would go
        gone = {q for q in chosen if p in _closure(inst, q)}
        if all(inst.project(q).decision != "must_do" for q in gone):
            sets.append(chosen - gone)

    def missing() -> int:
        wrong = 0
        for k, f in enumerate(inst.flows):
            routes = [r for r in solver.master.routes if r.flow == k]
            if not routes:  # a flow no project can change has no block
                continue
            for applied in sets:
                least = reference.sp(inst, applied | committed, f.origin, f.destination,
                                     reference.flow_vot(inst, f))
                if f.alt_cost is not None:
                    least = min(least, f.alt_cost)
                have = min((r.cost for r in routes if r.projects - committed <= applied),
                           default=math.inf)
                assert have >= least * (1 - 1e-9)  # a route is a path there
                wrong += have > least * (1 + 1e-9)
        return wrong

    before = missing()
    solver._neighbour_routes(problem, lp, Deadline(60.0))
    assert missing() == 0
    if seed == 0:
        assert before > 0  # the check can fail


def test_neighbour_routes_stop_at_the_deadline():
    gen = reference.random_instance(1)
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    solver = RouteSolver(problem)
    solver.neighbours = True
    lp = solver.master.solve_lp(Deadline(30.0))
    n = len(solver.master.routes)
    solver._neighbour_routes(problem, lp, Deadline(0.0))
    assert len(solver.master.routes) == n
    solver._neighbour_routes(problem, lp, Deadline(30.0))
    assert len(solver.master.routes) > n


def test_an_open_set_is_searched_once(monkeypatch):
    """The routes of an open set stay in the master: asking for them again
    (a stuck root asks for the same sets one project away every round) runs
    no shortest paths; a new set does."""
    calls = []
    paths = route_master.paths_by_time_value

    def counted(*args, **kwargs):
        calls.append(args[1])
        return paths(*args, **kwargs)

    monkeypatch.setattr(route_master, "paths_by_time_value", counted)
    gen = reference.random_instance(2)
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    master = RouteMaster(problem.prep, problem)
    first = frozenset(sorted(problem.prep.decision)[:1])
    master.routes_of(first)
    n, asked = len(master.routes), len(calls)
    assert calls[-1] == first
    master.routes_of(first)
    assert (len(master.routes), len(calls)) == (n, asked)
    master.routes_of(frozenset(sorted(problem.prep.decision)[1:2]))
    assert len(calls) > asked


def test_screening_drops_the_smallest_penalties_up_to_the_cut():
    """The smallest positive penalties go while what they sum to stays within
    the cut; infinite, zero and negative ones stay."""
    penalty = {"a": 0.5, "b": 0.1, "c": 2.0, "d": math.inf, "e": 0.0, "f": -1.0, "g": 0.3}
    assert route_solver._screened(penalty, 0.0) is penalty
    less_b = {p: v for p, v in penalty.items() if p != "b"}
    assert route_solver._screened(penalty, 0.39) == less_b
    assert route_solver._screened(penalty, 0.41) == {p: v for p, v in less_b.items() if p != "g"}
    assert route_solver._screened(penalty, 1e9) == {"d": math.inf, "e": 0.0, "f": -1.0}
    assert penalty["b"] == 0.1 and len(penalty) == 7  # the duals' own dict is left alone


def test_screened_rounds_keep_the_bound_and_end_only_at_an_exact_round(monkeypatch):
    """Rounds away from the LP's vertex search with penalties dropped (here
    every one: SCREEN infinite, central duals from the first stalled round
    on; one route a search, so a screened search keeps finding the route
    that ignores every penalty). Their Lagrangian values must stay above the enumerated best, the
    solve must reach it, and a root that says it converged must have an LP
    that an exact search at its own duals cannot improve."""
    monkeypatch.setattr(route_solver, "SCREEN", math.inf)
    monkeypatch.setattr(route_solver, "LP_STILL", math.inf)
    monkeypatch.setattr(route_solver, "CENTRAL_MIN_GAP", 0.0)
    monkeypatch.setattr(route_solver, "CENTRAL_ROUND_SHARE", 1.0)
    monkeypatch.setattr(route_solver, "ROUTES_PER_FLOW", 1)  # found again and again
    screen = route_solver._screened
    counts = {"screened": 0, "converged": 0}

    def counted(penalty, cut):
        out = screen(penalty, cut)
        counts["screened"] += len(out) < len(penalty)
        return out

    monkeypatch.setattr(route_solver, "_screened", counted)
    check_converged_roots(monkeypatch, counts)
    every_seed_reaches_the_best(monkeypatch)
    assert counts["screened"] >= 20 and counts["converged"] >= 40, counts


def check_converged_roots(monkeypatch: pytest.MonkeyPatch, counts: dict[str, int]) -> None:
    """Make every root that says it converged prove it: an exact search at its
    LP's own duals finds no route that improves the LP (counted)."""
    price = RouteSolver.price

    def checked(self, deadline, *, root=False):
        bound = price(self, deadline, root=root)
        if root and self.converged:
            counts["converged"] += 1
            m, lp = self.master, self._last
            for block in m.blocks:
                floor = float(lp.duals[m.convexity[block.index]])
                found = pricing.search_routes(block.net, m.penalties(block, lp.duals),
                                              floor + 1e-7 * max(1.0, abs(floor)),
                                              scale=block.scale)
                assert not found.routes, (block.index, found.routes[0])
        return bound

    monkeypatch.setattr(RouteSolver, "price", checked)


def test_capped_searches_keep_the_bound_and_end_only_at_an_uncapped_round(monkeypatch):
    """With no time for any search (SEARCH_SHARE 0: a compiled search stops at
    its first clock read, with no route and a bound on all of them), every
    round's Lagrangian value must stay above the enumerated best, the solve
    must reach it, and a root may say it converged only after a round of
    searches run to their end: one that proves its LP optimal."""
    assert pricing.compile_now()
    monkeypatch.setattr(route_solver, "SEARCH_SHARE", 0.0)
    price_at = RouteSolver._price_at
    counts = {"capped": 0, "converged": 0}

    def counted(self, *args, **kwargs):
        out = price_at(self, *args, **kwargs)
        counts["capped"] += out[-1]
        return out

    monkeypatch.setattr(RouteSolver, "_price_at", counted)
    check_converged_roots(monkeypatch, counts)
    every_seed_reaches_the_best(monkeypatch)
    assert counts["capped"] >= 40 and counts["converged"] >= 40, counts


def test_a_root_stopped_early_kicks_then_branches_to_the_best(monkeypatch):
    """A root taken as not converged (as when its time runs out) hands the
    solve to the iterated local search (``RouteSolver._kick``), which ends
    after KICKS_IDLE fruitless kicks; branching then still reaches the
    enumerated best with a bound no lower."""
    price = RouteSolver.price

    def unfinished(self, deadline, *, root=False):
        bound = price(self, deadline, root=root)
        self.converged = self.converged and not root
        return bound

    monkeypatch.setattr(RouteSolver, "price", unfinished)
    kicked, kick = [], RouteSolver._kick

    def counted(self, state, bound):
        kicked.append(state.value)
        kick(self, state, bound)

    monkeypatch.setattr(RouteSolver, "_kick", counted)
    for seed in range(30):
        gen = reference.random_instance(seed)
        problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
        best = reference.best_portfolio(gen.instance, gen.budget)
        if check_feasibility(problem) or best is None:
            continue
        solver = RouteSolver(problem)
        sol = solver.solve(problem, deadline=Deadline(60.0), gap=1e-9,
                           start=benefit_cost_ranking(problem).plan)
        assert sol.status == "optimal", seed
        assert reference.volume(gen.instance, set(sol.plan.selected)) >= best[0] * (1 - 1e-9)
        assert sol.bound >= best[0] * (1 - 1e-9), seed
    assert len(kicked) >= 15, len(kicked)


def test_no_kick_once_the_gap_is_closed(monkeypatch):
    """The iterated local search stops as soon as the bound is within the gap of
    the best portfolio: longhaul 120/2 was settled by the local search before
    the kicks, which ran on to the time limit."""
    gen = reference.random_instance(3)
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    solver = RouteSolver(problem)
    start = improve(problem, benefit_cost_ranking(problem).plan, Deadline(60.0))  # local optimum
    state = route_solver._SolveState(problem, Deadline(30.0), 1e-4, start, 0.0)
    monkeypatch.setattr(route_solver, "kicked",
                        lambda *args: pytest.fail("a kick after the gap closed"))
    solver._kick(state, state.value)  # the bound at the best portfolio: settled
    calls = []
    monkeypatch.setattr(route_solver, "kicked", lambda problem, plan, rng: calls.append(1) or plan)
    solver._kick(state, state.value * 2 + 1e6)  # far from settled: KICKS_IDLE fruitless kicks
    assert len(calls) == route_solver.KICKS_IDLE
