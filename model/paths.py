"""Route-option (path) formulation solved by branch-and-price (issue 5).

Per changeable flow k, a column is a route r with its exact cost c_r, the
set S_r of selectable projects whose states it uses, and its exact volume
V_k(c_r): no piecewise-linear approximation. The master programme

    max  constant + sum_r V_r z_r
    s.t. sum_{r of k} z_r = 1                         for each flow k
         sum_{r of k, p in S_r} z_r <= x_p            for each flow k, project p
         budget, alternatives, requires on x;  x binary, z >= 0

is exact: for binary x each flow takes its best available route. Columns are
priced by a label-setting search per flow for the route that maximises
V(c) - (link duals of its projects); the LP value plus each flow's best
reduced cost is a valid upper bound on the exact optimum (Lagrangian bound),
at every round. A MIP over the generated routes gives a portfolio; if the
bound is not yet within mip_gap, a best-first branch-and-bound on the project
variables, pricing at every node, closes it.

The master lives in highspy directly: column generation adds routes to
existing rows, which Pyomo's persistent interface can only do by rebuilding
constraints (docs/performance.md).
"""
from __future__ import annotations

import heapq
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import highspy
import numpy as np

from .evaluate import evaluate
from .network import origins_by_time_value, paths_by_time_value, route
from .preprocess import (Prepared, affordable, constant_objective, group_members,
                         required_closure, segment_projects)
from .solution import Solution

log = logging.getLogger(__name__)

INF = highspy.kHighsInf


@dataclass(frozen=True)
class Route:
    flow: int
    projects: frozenset[str]  # selectable projects whose states the route uses
    cost: float
    value: float  # weighted exact volume at this cost


@dataclass
class _FlowData:
    """One changeable flow's pruned network, ready for label searches.
    Projects are numbered per flow so that sets of them are bit masks."""

    k: int
    origin: int
    destination: int
    out: dict[int, list[tuple[int, float, int]]]  # node -> (head, gc, project bit or 0)
    to_dest: dict[int, float]  # least cost to the destination (all states usable)
    scale: float  # V(c) = scale * c ** -elasticity
    elasticity: float
    alt: float | None
    projects: tuple[str, ...]  # bit i stands for projects[i]

    def value(self, cost: float) -> float:
        return self.scale * cost ** -self.elasticity

    def names(self, mask: int) -> frozenset[str]:
        return frozenset(p for i, p in enumerate(self.projects) if mask >> i & 1)


def _flow_data(prep: Prepared) -> list[_FlowData]:
    inst = prep.instance
    decision = set(prep.decision)
    out_data = []
    for fa in prep.variable:
        f = inst.flows[fa.flow]
        vot = inst.value_of_time(f)
        names = tuple(sorted({s.project for _, _, s in fa.arcs if s.project in decision}))
        bit = {p: 1 << i for i, p in enumerate(names)}
        out: dict[int, list[tuple[int, float, int]]] = {}
        back: dict[int, list[tuple[int, float]]] = {}
        for tail, head, state in fa.arcs:
            gc = state.gc(vot)
            out.setdefault(tail, []).append((head, gc, bit.get(state.project, 0)))
            back.setdefault(head, []).append((tail, gc))
        dist = {fa.destination: 0.0}
        heap = [(0.0, fa.destination)]
        while heap:
            d, v = heapq.heappop(heap)
            if d > dist.get(v, math.inf):
                continue
            for u, g in back.get(v, ()):
                if d + g < dist.get(u, math.inf):
                    dist[u] = d + g
                    heapq.heappush(heap, (d + g, u))
        scale = float(prep.potential[fa.flow] * inst.weight(f)
                      * prep.c0[fa.flow] ** f.elasticity)
        alt = f.alt_cost if f.alt_cost is not None and f.alt_cost <= prep.cdn[fa.flow] else None
        out_data.append(_FlowData(fa.flow, fa.origin, fa.destination, out, dist, scale,
                                  f.elasticity, alt, names))
    return out_data


def quiet_highs() -> highspy.Highs:
    """A highspy instance without its start-up banner on the console."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


class Infeasible(Exception):
    """The route LP has no solution: no portfolio satisfies the rules."""


def search_routes(fd: _FlowData, penalty: dict[str, float], floor: float,
                  keep: int = 1) -> list[tuple[float, float, frozenset[str]]]:
    """The ``keep`` best routes of flow fd by score V(cost) - penalty(projects),
    among those scoring above ``floor``, as (score, cost, projects).

    Labels (cost, penalised projects) are Pareto-pruned per node: a label is
    dropped when another reached the node no dearer with a subset of its
    penalised projects, and when even its cheapest completion cannot beat the
    bar (``floor``, then the keep-th best route found).
    """
    weight = [penalty.get(p, 0.0) for p in fd.projects]
    watched = sum(1 << i for i, w in enumerate(weight) if w > 0)
    best: list[tuple[float, float, int]] = []
    labels: dict[int, list[tuple[float, int]]] = {}
    heap: list[tuple[float, int, int, int, float]] = [(0.0, 0, fd.origin, 0, 0.0)]
    counter = 1
    bar = floor
    to_dest, value, out = fd.to_dest, fd.value, fd.out

    def dominated(node: int, cost: float, key: int) -> bool:
        return any(c <= cost + 1e-12 and s & ~key == 0 for c, s in labels.get(node, ()))

    while heap:
        cost, _, v, used, pen = heapq.heappop(heap)
        if value(cost + to_dest.get(v, math.inf)) - pen <= bar:
            continue
        key = used & watched
        if dominated(v, cost, key):
            continue
        here = labels.setdefault(v, [])
        here[:] = [(c, s) for c, s in here if not (cost <= c and key & ~s == 0)]
        here.append((cost, key))
        if v == fd.destination:
            best.append((value(cost) - pen, cost, used))
            best.sort(key=lambda t: -t[0])
            del best[keep:]
            if len(best) == keep:
                bar = max(bar, best[-1][0])
            continue
        for head, gc, b in out.get(v, ()):
            nused, npen = used, pen
            if b and not used & b:
                nused = used | b
                npen = pen + weight[b.bit_length() - 1]
            ncost = cost + gc
            if value(ncost + to_dest.get(head, math.inf)) - npen <= bar:
                continue
            if dominated(head, ncost, nused & watched):
                continue
            heapq.heappush(heap, (ncost, counter, head, nused, npen))
            counter += 1
    return [(score, cost, fd.names(used)) for score, cost, used in best]


@dataclass
class PathStats:
    lp_bound: float | None = None
    lp_iterations: int = 0
    routes: int = 0
    nodes: int = 0
    proven: bool = False
    times: dict[str, float] = field(default_factory=dict)


class PathModel:
    """The route-option master on one highspy instance, kept across solves."""

    def __init__(self, prep: Prepared, budget: float,
                 log: Callable[[str], None] = lambda _: None):
        self.prep = prep
        self.log = log
        inst = prep.instance
        self.flows = _flow_data(prep)
        self.by_flow = {fd.k: fd for fd in self.flows}
        h = self.h = quiet_highs()
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.x_index = {p: i for i, p in enumerate(prep.decision)}
        self.rules: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}
        n = len(prep.decision)
        lower = np.array([1.0 if inst.project(p).decision == "must_do" else 0.0
                          for p in prep.decision])
        if n:
            h.addVars(n, lower, np.ones(n))
        capex = np.array([inst.project(p).capex_musd for p in prep.decision])
        self.budget_row = None
        if n and capex.any():
            self.budget_row = self._rule(budget, list(range(n)), list(capex))
        chosen = set(prep.decision)
        sets = {tuple(sorted(q for q in m if q in chosen))
                for m in list(group_members(inst).values()) + list(
                    segment_projects(inst).values())}
        for row in sorted(sets):
            if len(row) > 1:
                self._rule(1.0, [self.x_index[q] for q in row], [1.0] * len(row))
        for p in prep.decision:
            for q in inst.project(p).requires:
                if q not in prep.committed:
                    self._rule(0.0, [self.x_index[p], self.x_index[q]], [1.0, -1.0])
        self.convexity = {fd.k: self._row(1.0, 1.0, [], []) for fd in self.flows}
        self.link: dict[tuple[int, str], int] = {}
        self.routes: list[Route] = []
        self._last_x: dict[str, float] = {}
        self.converged = False
        self._seen: set[tuple[int, frozenset[str], float]] = set()
        h.changeObjectiveOffset(constant_objective(prep))
        self.stats = PathStats()
        self.set_budget(budget)
        self._seed_routes()

    # -- building -----------------------------------------------------------------
    def _rule(self, hi: float, idx: list[int], val: list[float]) -> int:
        """A row on the project variables only (budget, alternatives, requires,
        exclusions), also kept here so a rounded portfolio can be checked."""
        row = self._row(-INF, hi, idx, val)
        self.rules[row] = (np.array(idx), np.array(val), hi)
        return row

    def fits(self, portfolio: frozenset[str]) -> bool:
        """Does a portfolio satisfy the bounds on x and every rule row?"""
        x = np.zeros(len(self.x_index))
        for p in portfolio:
            x[self.x_index[p]] = 1.0
        if any(not low <= x[self.x_index[p]] <= high for p, (low, high) in self.bounds.items()):
            return False
        return all(float(val @ x[idx]) <= hi + 1e-9 for idx, val, hi in self.rules.values())

    def _row(self, lo: float, hi: float, idx: list[int], val: list[float]) -> int:
        self.h.addRow(lo, hi, len(idx), np.array(idx, dtype=np.int32),
                      np.array(val, dtype=float))
        return self.h.getNumRow() - 1

    def add_route(self, k: int, cost: float, projects: frozenset[str]) -> bool:
        """Add a route column unless it is already there; True when new."""
        key = (k, projects, round(cost, 9))
        if key in self._seen:
            return False
        self._seen.add(key)
        fd = self.by_flow[k]
        rows = [self.convexity[k]]
        for p in sorted(projects):
            if (k, p) not in self.link:
                self.link[(k, p)] = self._row(-INF, 0.0, [self.x_index[p]], [-1.0])
            rows.append(self.link[(k, p)])
        value = fd.value(cost)
        self.h.addCol(value, 0.0, INF, len(rows), np.array(rows, dtype=np.int32),
                      np.ones(len(rows)))
        self.routes.append(Route(k, projects, cost, value))
        return True

    def _routes_of(self, portfolio: frozenset[str]) -> None:
        """Add each changeable flow's best route under a portfolio."""
        prep = self.prep
        inst = prep.instance
        applied = portfolio | prep.committed
        flows = [inst.flows[fd.k] for fd in self.flows]
        vots = [inst.value_of_time(f) for f in flows]
        paths = paths_by_time_value(prep.network, applied,
                                    origins_by_time_value(prep.network, flows, vots))
        decision = set(prep.decision)
        for fd, vot in zip(self.flows, vots):
            p = paths[vot]
            c = p.cost[p.origins.index(fd.origin), fd.destination]
            if fd.alt is not None and fd.alt <= c:
                self.add_route(fd.k, fd.alt, frozenset())
                continue
            states = route(p, fd.origin, fd.destination)
            used = frozenset(s.project for s in states if s.project in decision)
            self.add_route(fd.k, float(c), used)

    def _seed_routes(self) -> None:
        """Do-nothing routes (always feasible) and the routes with everything built."""
        self._routes_of(frozenset())
        self._routes_of(frozenset(self.prep.decision))

    def set_budget(self, budget: float) -> None:
        if self.budget_row is not None:
            self.h.changeRowBounds(self.budget_row, -INF, budget)
            idx, val, _ = self.rules[self.budget_row]
            self.rules[self.budget_row] = (idx, val, budget)
        inst = self.prep.instance
        self.bounds: dict[str, tuple[float, float]] = {}
        for p, fits in affordable(self.prep, budget).items():
            low = 1.0 if inst.project(p).decision == "must_do" else 0.0
            self.bounds[p] = (low, 1.0 if fits else low)
        self.fix({})

    def fix(self, fixes: dict[str, float]) -> None:
        """Branching: the budget's bounds on x, with some projects fixed (always
        within those bounds: only fractional variables are branched on)."""
        for p, (low, high) in self.bounds.items():
            value = fixes.get(p)
            if value is not None:
                low = high = value
            self.h.changeColBounds(self.x_index[p], low, high)

    def x_values(self) -> dict[str, float]:
        """x of the last route LP solved (read before routes were added to it)."""
        return dict(self._last_x)

    def exclude(self, portfolio: frozenset[str]) -> bool:
        """Forbid the portfolio and its supersets: drop one of its free projects."""
        free = [p for p in portfolio if self.prep.instance.project(p).decision != "must_do"]
        if not free:
            return False
        self._rule(len(free) - 1.0, [self.x_index[p] for p in free], [1.0] * len(free))
        return True

    # -- solving --------------------------------------------------------------------
    def _set_integer(self, integer: bool) -> None:
        n = len(self.x_index)
        if n:
            kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
            self.h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                         np.array([kind] * n))

    def _duals(self) -> tuple[np.ndarray, float]:
        sol = self.h.getSolution()
        return np.array(sol.row_dual), self.h.getInfo().objective_function_value

    def price(self, *, deadline: float, per_flow: int = 5) -> float:
        """Column generation: solve the LP, add each flow's best routes, until no
        route improves or the deadline passes. Returns a valid upper bound on
        the exact optimum: after every complete pricing round, the LP value
        plus each flow's largest reduced cost (Lagrangian bound; it equals the
        LP value once no route improves)."""
        self._set_integer(False)
        bound = math.inf
        self.converged = False
        while True:
            self.h.run()
            status = self.h.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible:
                raise Infeasible
            if status != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError(f"the route LP stopped with status {status}")
            duals, lp_value = self._duals()
            col = self.h.getSolution().col_value
            self._last_x = {p: col[i] for p, i in self.x_index.items()}
            penalties: dict[int, dict[str, float]] = {}
            for (k, p), r in self.link.items():
                if duals[r] > 1e-12:
                    penalties.setdefault(k, {})[p] = duals[r]
            added, excess = 0, 0.0
            for fd in self.flows:
                if time.perf_counter() > deadline:
                    return bound  # a partial round gives no bound: keep the last one
                pi = duals[self.convexity[fd.k]]
                found = search_routes(fd, penalties.get(fd.k, {}), pi, keep=per_flow)
                if found:
                    excess += found[0][0] - pi
                tol = 1e-9 * max(1.0, abs(pi))
                for score, cost, used in found:
                    if score > pi + tol:
                        added += self.add_route(fd.k, cost, used)
            bound = min(bound, lp_value + excess)
            self.stats.lp_iterations += 1
            self.log(f"route LP {self.stats.lp_iterations}: value {lp_value:,.4f}, bound"
                     f" {bound:,.4f}, {added} routes added ({len(self.routes)} in all)")
            if not added:
                self.converged = True
                return bound
            if time.perf_counter() > deadline:
                return bound

    def lp_bound(self, *, deadline: float) -> float:
        bound = self.price(deadline=deadline)
        self.stats.lp_bound = bound
        self.stats.routes = len(self.routes)
        return bound

    def solve_mip(self, *, time_limit: float, mip_gap: float,
                  start: frozenset[str] | None = None) -> tuple[str, frozenset[str], float | None,
                                                                float | None]:
        """MIP over the generated routes: (status, portfolio, objective, bound)."""
        h = self.h
        self._set_integer(True)
        h.setOptionValue("time_limit", max(0.1, time_limit))
        h.setOptionValue("mip_rel_gap", mip_gap)
        if start is not None and self.x_index:
            idx = np.array(list(self.x_index.values()), dtype=np.int32)
            vals = np.array([1.0 if p in start else 0.0 for p in self.x_index])
            h.setSolution(len(idx), idx, vals)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has = info.primal_solution_status == 2
        # read the solution before integrality changes back: HiGHS then drops it
        x = np.array(h.getSolution().col_value[: len(self.x_index)])
        self._set_integer(False)
        h.setOptionValue("time_limit", INF)
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", frozenset(), None, None
        if not has:
            return "failed", frozenset(), None, None
        chosen = frozenset(p for p, i in self.x_index.items() if x[i] > 0.5)
        state = "optimal" if status == highspy.HighsModelStatus.kOptimal else "time_limit"
        return state, chosen, info.objective_function_value, info.mip_dual_bound

    def exact(self, portfolio: frozenset[str]) -> float:
        return evaluate(self.prep, portfolio).objective


class PathSolver:
    """The route-option formulation behind the same interface as the arc
    solver (solve.ArcSolver): set_budget, exclude, solve."""

    name = "paths"

    def __init__(self, prep: Prepared, budget: float, *,
                 on_log_line: Callable[[str], None] | None = None):
        self.prep = prep
        self.budget = budget
        self._say = on_log_line or (lambda _: None)
        self.model = PathModel(prep, budget, log=self._say)

    def set_budget(self, budget: float) -> None:
        self.budget = budget
        self.model.set_budget(budget)

    def exclude(self, portfolio: frozenset[str]) -> bool:
        return self.model.exclude(portfolio)

    def _usable_start(self, start: frozenset[str] | None) -> frozenset[str] | None:
        """The start if it satisfies the current budget and rules, else None."""
        return start if start is not None and self.model.fits(start) else None

    def solve(self, *, time_limit: float, mip_gap: float,
              warm_start: frozenset[str] | None = None) -> Solution:
        if not self.model.flows:
            return self._trivial()
        t0 = time.perf_counter()
        try:
            res = solve_paths(self.model, time_limit=time_limit, mip_gap=mip_gap,
                              start=self._usable_start(warm_start), say=self._say)
        except Exception as exc:  # a solver failure must become a status, not a traceback
            log.exception("path solver failed")
            return Solution("failed", frozenset(), solve_s=time.perf_counter() - t0,
                            message=f"the solver failed: {exc}")
        elapsed = time.perf_counter() - t0
        if res.status == "infeasible":
            return Solution("infeasible", frozenset(), solve_s=elapsed,
                            message="no portfolio satisfies the budget and project rules")
        if res.status == "failed":
            return Solution("failed", frozenset(), solve_s=elapsed,
                            message="no portfolio was found within the time limit")
        message = ("" if res.status == "optimal" else
                   "stopped at the time limit; best portfolio found kept")
        return Solution(res.status, res.selected, res.objective, res.bound, elapsed, message,
                        nodes=res.stats.nodes)

    def _trivial(self) -> Solution:
        """No project can change any flow: the objective is a constant and the
        portfolio is the must_do projects with what they require (their
        feasibility is checked before solving)."""
        chosen: frozenset[str] = frozenset()
        for p in self.prep.must_do:
            chosen |= required_closure(self.prep.instance, p)
        value = self.model.exact(chosen)
        return Solution("optimal", chosen, value, value, 0.0,
                        "no project can change any flow's route")


@dataclass(frozen=True)
class PathResult:
    status: str  # optimal, time_limit, infeasible, failed
    selected: frozenset[str]
    objective: float | None  # exact value of the portfolio
    bound: float | None  # valid upper bound on the exact optimum
    stats: PathStats


def solve_paths(pm: PathModel, *, time_limit: float, mip_gap: float,
                start: frozenset[str] | None = None,
                say: Callable[[str], None] = lambda _: None) -> PathResult:
    """Column generation to a valid bound, a MIP over the routes for a
    portfolio, then best-first branch-and-bound on the projects (pricing at
    every node) until the bound is within mip_gap or time runs out.
    ``start`` must be a feasible portfolio."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    stats = pm.stats
    if start is not None:
        pm._routes_of(start)
    pm.fix({})
    try:
        bound = pm.lp_bound(deadline=t0 + 0.5 * time_limit)
    except Infeasible:
        return PathResult("infeasible", frozenset(), None, None, stats)
    root_x = pm.x_values()
    stats.times["lp"] = time.perf_counter() - t0
    say(f"progress: {time.perf_counter() - t0:.1f} s: column generation bound {bound:,.1f}"
        f" ({len(pm.routes)} routes, {stats.lp_iterations} LP solves)")
    best, best_value = (start, pm.exact(start)) if start is not None else (None, -math.inf)
    rounded = frozenset(p for p, v in root_x.items() if v > 0.5)
    if pm.fits(rounded) and pm.exact(rounded) > best_value:
        best, best_value = rounded, pm.exact(rounded)
    for _ in range(3):  # MIP over the routes; add the exact routes of what it picks
        left = deadline - time.perf_counter()
        status, chosen, _, _ = pm.solve_mip(time_limit=max(0.5, 0.5 * left),
                                            mip_gap=mip_gap / 10, start=best)
        if status == "infeasible":
            return PathResult("infeasible", frozenset(), None, None, stats)
        if status == "failed":
            break
        value = pm.exact(chosen)
        if value > best_value:
            best, best_value = chosen, value
        n = len(pm.routes)
        pm._routes_of(chosen)
        if len(pm.routes) == n:
            break
    stats.times["incumbent"] = time.perf_counter() - t0
    if best is None:
        return PathResult("failed", frozenset(), None, bound, stats)
    say(f"progress: {time.perf_counter() - t0:.1f} s: best portfolio {best_value:,.1f},"
        f" bound {bound:,.1f}")
    best, best_value, bound = _branch(pm, bound, root_x, best, best_value, mip_gap, deadline,
                                      say, t0)
    pm.fix({})
    proven = bound - best_value <= mip_gap * abs(best_value) + 1e-9 * abs(best_value)
    stats.proven = proven
    stats.times["total"] = time.perf_counter() - t0
    return PathResult("optimal" if proven else "time_limit", best, best_value,
                      max(bound, best_value), stats)


def _branch(pm: PathModel, root_bound: float, root_x: dict[str, float],
            best: frozenset[str], best_value: float, mip_gap: float, deadline: float,
            say: Callable[[str], None], t0: float) -> tuple[frozenset[str], float, float]:
    """Best-first branch-and-bound on x with column generation at every node.
    Returns the incumbent and a valid bound (the best open node's bound)."""
    inst = pm.prep.instance

    def closed(b: float) -> bool:
        return b - best_value <= mip_gap * abs(best_value) + 1e-9 * abs(best_value)

    def children(x: dict[str, float], fixes: dict[str, float], b: float) -> list:
        frac = [p for p, v in x.items() if 1e-6 < v < 1 - 1e-6 and p not in fixes]
        if not frac:
            return []
        p = max(frac, key=lambda q: (min(x[q], 1 - x[q]) * inst.project(q).capex_musd, q))
        return [(-b, next(tick), {**fixes, p: 1.0}), (-b, next(tick), {**fixes, p: 0.0})]

    tick = iter(range(1, 1 << 62))
    heap = children(root_x, {}, root_bound)
    if not heap or closed(root_bound):
        return best, best_value, root_bound
    dropped = -math.inf  # the largest bound of a node left unexplored within mip_gap
    last = time.perf_counter()
    while heap and time.perf_counter() < deadline:
        negb, _, fixes = heapq.heappop(heap)
        if closed(-negb):
            heapq.heappush(heap, (negb, 0, fixes))
            break
        pm.fix(fixes)
        pm.stats.nodes += 1
        pm.log(f"node {pm.stats.nodes}: fixed {fixes}, parent bound {-negb:,.4f}")
        try:
            b = pm.price(deadline=deadline)
        except Infeasible:
            continue
        b = min(b, -negb)
        if not pm.converged:  # out of time: the node stays open with what is known
            heapq.heappush(heap, (-b, next(tick), fixes))
            break
        x = pm.x_values()
        rounded = frozenset(p for p, v in x.items() if v > 0.5)
        kids = children(x, fixes, b)
        if not kids or b > best_value:
            value = pm.exact(rounded) if pm.fits(rounded) else -math.inf
            if value > best_value:
                best, best_value = rounded, value
        if kids and not closed(b):
            for kid in kids:
                heapq.heappush(heap, kid)
        elif kids:
            dropped = max(dropped, b)
        if time.perf_counter() - last > 5:
            last = time.perf_counter()
            top = -heap[0][0] if heap else best_value
            say(f"progress: {last - t0:.1f} s: branch-and-bound, {pm.stats.nodes} nodes,"
                f" best portfolio {best_value:,.1f}, bound {top:,.1f}")
    bound = max([-h[0] for h in heap] + [best_value, dropped])
    return best, best_value, bound
