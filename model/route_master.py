"""The route-option master programme on one highspy instance, kept across solves.

A block is a changeable flow's network in one objective epoch (one-shot runs
have one epoch; a programme one per year in which projects may open). Per
block b of flow k and epoch e, with W_b = sum of w_t P_t,k over the epoch's
years:

    max  constant + sum_b sum_{r of b} W_b v_r z_r        (v_r = (c_r/C0_k)^-e_k)
    s.t. sum_{r of b} z_r = 1                              for each block
         sum_{r of b, p in S_r} z_r <= w[gate(p, e)]       for each block, project p
         the problem's rule rows on w (problem.py);  bounds on w;  z >= 0

where gate(p, e) is the variable "p started early enough to be open in
epoch e" (w[p, 0] = x_p in a one-shot run). When the objective is a mixture
of network variants (spec §11: a draw's closure states, or every draw of a
robust model), a flow has one *family* per distinct variant of its pruned
network and elasticity, and its blocks are (family, epoch) with W_b summed
over the variants (weight times their potential) that share it: variants
with the same network and elasticity pick the same route for any x, so
merging them is exact. A route (a path of a family, the projects whose
states it uses, its exact cost) is a column in every block of its family
where those projects can be open. The rule rows come from the problem and
are kept in line with it (``sync``). The master lives in highspy directly:
column generation adds routes to existing rows, which Pyomo's persistent
interface can only do by rebuilding constraints (docs/performance.md).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable

import highspy
import numpy as np

from .clock import Deadline
from .highs_util import quiet_highs
from .network import origins_by_time_value, paths_by_time_value, route
from .preprocess import Prepared, constant_objective
from .pricing import FlowNet, flow_nets
from .numerics import TINY
from .problem import Plan, PortfolioProblem, RowKind, RuleRow, Var
from .solution import Status

INF = highspy.kHighsInf


RouteKey = tuple[int, frozenset[str], float]


def route_key(family: int, cost: float, projects: frozenset[str]) -> RouteKey:
    """What makes two routes the same column."""
    return family, projects, round(cost, 9)


@dataclass(frozen=True)
class Route:
    flow: int
    projects: frozenset[str]  # projects whose states the route uses (decisions, timed committed)
    cost: float
    family: int  # the flow network it is a path of


@dataclass(frozen=True)
class Block:
    """A changeable flow's network (a family) in one epoch."""

    index: int
    net: FlowNet
    epoch: int
    scale: float  # W_b * C0^elasticity: a route's objective is scale * cost^-elasticity
    banned: frozenset[str]  # committed projects not yet open in the epoch
    family: int

    @property
    def k(self) -> int:
        return self.net.k


@dataclass(frozen=True)
class LpSolution:
    """A route LP's optimum: its value, the row duals, and per project variable
    its value and reduced cost (HiGHS' sign for a maximum: <= 0 at the lower
    bound, >= 0 at the upper)."""

    value: float
    duals: np.ndarray
    w: dict[Var, float]
    reduced: dict[Var, float]
    # solved by the interior point method without crossover (``solve_lp``): duals near the
    # centre of the optimal face, not a vertex, so the LP value and the reduced costs
    # are those of a tolerance, not of an exact basis
    central: bool = False


class Infeasible(Exception):
    """The route LP has no solution: no portfolio satisfies the rules."""


class OutOfTime(Exception):
    """The deadline stopped the route LP before it was solved: no duals."""


MIN_RUN_S = 0.01  # HiGHS wants a positive time limit
# HiGHS' simplex_strategy: the primal simplex re-solves an LP that has only gained columns
# since its last optimum (its basis stays primal feasible; longhaul 120/2's root: LP time
# 16.8 -> 8.2 s); the dual simplex one whose bounds or rows changed (branching, the rules)
PRIMAL, DUAL = 4, 1
LP_LEAST_S = 0.5  # a route LP may finish this long past the deadline: a bound needs one


class RouteMaster:
    def __init__(self, prep: Prepared, problem: PortfolioProblem,
                 log: Callable[[str], None] = lambda _: None):
        self.prep = prep
        self.log = log
        self.problem = problem
        timeline = prep.timeline
        self.nets: list[FlowNet] = []  # one per family
        self.family: dict[tuple[int, int], int] = {}  # (mixture member, flow) -> family
        scales = self._families(prep)
        self.blocks: list[Block] = []
        for (f, e), scale in scales.items():
            banned = prep.timed - prep.open_in(timeline.epochs[e][0])
            self.blocks.append(Block(len(self.blocks), self.nets[f], e, scale, banned, f))
        self.blocks_of: dict[int, list[Block]] = {}
        for b in self.blocks:
            self.blocks_of.setdefault(b.family, []).append(b)
        self.gates = {(b.index, p): problem.gate(p, timeline.epoch_start(b.epoch))
                      for b in self.blocks for p in b.net.projects if p not in prep.timed}
        self._kept_out = {b.index: {p: math.inf for p in b.net.projects if p in b.banned or (
            p not in prep.timed and self.gates[(b.index, p)] is None)} for b in self.blocks}
        self._gates_of = {b.index: [(p, self.gates[(b.index, p)]) for p in b.net.projects
                                    if self.gates.get((b.index, p)) is not None]
                          for b in self.blocks}
        self._shut = self._kept_out  # and the projects whose gate is now fixed at 0 (``fix``)
        self._links_of: dict[int, list[tuple[str, int]]] = {b.index: [] for b in self.blocks}
        h = self.h = quiet_highs()
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self._deadline: Deadline | None = None
        self._subscribed: highspy.Highs | None = None
        self.var_index = {v: i for i, v in enumerate(problem.variables)}
        n = len(self.var_index)
        if n:
            h.addVars(n, np.zeros(n), np.ones(n))
        self.rows: dict[tuple[RowKind, str], tuple[int, RuleRow | None]] = {}
        self.bounds: dict[Var, tuple[float, float]] = {}
        self._primal_feasible = False  # the last LP's optimum, as far as only columns came
        self.sync(problem)
        self.convexity = [self._row(1.0, 1.0, [], []) for _ in self.blocks]
        self.link: dict[tuple[int, str], int] = {}
        self.routes: list[Route] = []
        self._applied: set[frozenset[str]] = set()  # the open sets ``routes_of`` has done
        self._seen: set[tuple[int, frozenset[str], float]] = set()
        # every route column: its block, objective and link rows (``best_columns``)
        self._col_block: list[int] = []
        self._col_value: list[float] = []
        self._col_links: list[int] = []
        self._col_start: list[int] = [0]
        self._offset = constant_objective(prep)
        h.changeObjectiveOffset(self._offset)
        self.routes_of(prep.committed - prep.timed)  # do-nothing routes: always feasible
        if prep.timed:
            self.routes_of(prep.committed)
        self.routes_of(prep.committed | frozenset(prep.decision))  # everything built

    def _families(self, prep: Prepared) -> dict[tuple[int, int], float]:
        """Number each distinct (flow, pruned arcs, elasticity, alternative) of
        the mixture's members as a family with its FlowNet; return the scale
        of each (family, epoch) block, summed over the members sharing it."""
        index: dict[tuple, int] = {}
        scales: dict[tuple[int, int], float] = {}
        for m, (weight, member) in enumerate(prep.members):
            fresh = []
            for fa in member.variable:
                k = fa.flow
                alt = member.instance.flows[k].alt_cost
                key = (k, fa.signature, float(member.demand.elasticity[k]),
                       alt if alt is not None and alt <= member.cdn[k] else None)
                if key not in index:
                    index[key] = len(index)
                    fresh.append(fa)
                self.family[(m, k)] = index[key]
            if fresh:  # FlowNets only for the new families
                self.nets += flow_nets(dataclasses.replace(member, variable=tuple(fresh)))
            for fa in member.variable:
                k, f = fa.flow, self.family[(m, fa.flow)]
                c0e = float(prep.c0[k] ** self.nets[f].elasticity)
                for e in range(len(prep.timeline.epochs)):
                    scales[(f, e)] = scales.get((f, e), 0.0) + \
                        weight * float(member.epoch_scale[e, k]) * c0e
        return scales

    # -- rows and bounds from the problem -------------------------------------------
    def sync(self, problem: PortfolioProblem) -> None:
        """Bring the rule rows and the bounds on w in line with the problem."""
        self.problem = problem
        wanted = {r.key: r for r in problem.rows}
        for key, row in wanted.items():
            index, old = self.rows.get(key, (None, None))
            if index is None:
                cols = [self.var_index[v] for v, _ in row.terms]
                index = self._row(-INF, row.upper, cols, [c for _, c in row.terms])
            else:
                before = dict(old.terms) if old is not None else {}
                after = dict(row.terms)
                for v in set(before) | set(after):
                    if before.get(v, 0.0) != after.get(v, 0.0):
                        self.h.changeCoeff(index, self.var_index[v], after.get(v, 0.0))
                if old is None or old.upper != row.upper:
                    self.h.changeRowBounds(index, -INF, row.upper)
            self.rows[key] = (index, row)
        for key, (index, old) in list(self.rows.items()):
            if key not in wanted and old is not None:  # dropped: relax, keep the index
                self.h.changeRowBounds(index, -INF, INF)
                self.rows[key] = (index, None)
        self.bounds = dict(problem.bounds)
        self.fix({})

    def fix(self, fixes: dict[Var, float]) -> None:
        """Branching: the problem's bounds on w, with some variables fixed (always
        within those bounds: only fractional variables are branched on)."""
        box = {}
        self._primal_feasible = False
        for v, (low, high) in self.bounds.items():
            value = fixes.get(v)
            if value is not None:
                low = high = value
            self.h.changeColBounds(self.var_index[v], low, high)
            box[v] = (low, high)
        self.box = box
        closed = {v for v, (_, high) in self.bounds.items() if fixes.get(v, high) <= 0.0}
        self._shut = {i: {**out, **{p: math.inf for p, gate in self._gates_of[i]
                                   if gate in closed}} for i, out in self._kept_out.items()}

    def _row(self, lo: float, hi: float, idx: list[int], val: list[float]) -> int:
        self.h.addRow(lo, hi, len(idx), np.array(idx, dtype=np.int32),
                      np.array(val, dtype=float))
        return self.h.getNumRow() - 1

    def lagrangian(self, duals: np.ndarray) -> tuple[float, dict[Var, float]]:
        """At any multipliers ``duals`` (>= 0 on the link and rule rows; rows
        added since they were taken count 0): the Lagrangian value of every
        row but the convexity ones, and each project variable's reduced cost.
        The variables take the best end of their box (``fix``), so adding each
        block's best route score (its convexity multiplier raised to it) gives
        a valid upper bound on the master, at the LP's duals the LP value plus
        the pricing excess. The routes' own terms are in those scores."""
        n = len(duals)

        def y(row: int) -> float:
            return max(0.0, float(duals[row])) if row < n else 0.0

        reduced = dict.fromkeys(self.var_index, 0.0)
        value = self._offset
        for index, row in self.rows.values():
            if row is not None and (d := y(index)) > 0.0:
                value += d * row.upper
                for v, c in row.terms:
                    reduced[v] -= d * c
        for (b, p), index in self.link.items():
            if (d := y(index)) > 0.0:
                reduced[self.gates[(b, p)]] += d
        for v, rc in reduced.items():
            low, high = self.box[v]
            value += rc * (high if rc > 0.0 else low)
        return value, reduced

    def best_columns(self, duals: np.ndarray) -> np.ndarray:
        """Each block's best route column's score at multipliers ``duals`` (its
        objective less the multipliers of its link rows; rows added since they
        were taken count 0), -inf for a block without columns. A Lagrangian
        bound needs it beside the label search's best: a column made from a
        shortest path on the whole network (``routes_of``) may leave a flow's
        pruned network, where the epoch's committed projects are not yet open."""
        y = np.zeros(self.h.getNumRow())
        y[:len(duals)] = np.maximum(duals[:len(y)], 0.0)
        links = np.array(self._col_links, dtype=np.int64)
        start = np.array(self._col_start, dtype=np.int64)
        paid = np.add.reduceat(np.append(y[links], 0.0), start[:-1]) if len(links) else \
            np.zeros(len(self._col_value))
        paid[start[:-1] == start[1:]] = 0.0  # reduceat reads the next entry for an empty run
        best = np.full(len(self.blocks), -math.inf)
        np.maximum.at(best, np.array(self._col_block, dtype=np.int64),
                      np.array(self._col_value) - paid)
        return best

    # -- columns ----------------------------------------------------------------------
    def usable(self, block: Block, projects: frozenset[str]) -> bool:
        """Can a route using these projects be taken in the block at all?"""
        return not (projects & block.banned) and all(
            self.gates[(block.index, p)] is not None for p in projects - self.prep.timed)

    def penalties(self, block: Block, duals: np.ndarray) -> dict[str, float]:
        """Link duals of the block's projects; an infinite penalty keeps out the
        projects that cannot be open in its epoch, or whose variable is now
        fixed at 0 (a bound or a branch: the node's routes cannot use them, so
        the search need not look at them)."""
        out = dict(self._shut[block.index])
        n = len(duals)  # rows added since the LP have no dual
        for p, row in self._links_of[block.index]:
            if row < n and duals[row] > TINY and p not in out:
                out[p] = float(duals[row])
        return out

    def add_route(self, family: int, cost: float, projects: frozenset[str]) -> bool:
        """Add a route column to every block of its family that can take it,
        unless it is already there; True when new."""
        key = route_key(family, cost, projects)
        if key in self._seen:
            return False
        self._seen.add(key)
        decisions = sorted(projects - self.prep.timed)
        for block in self.blocks_of[family]:
            if not self.usable(block, projects):
                continue
            rows = [self.convexity[block.index]]
            for p in decisions:
                link = self.link.get((block.index, p))
                if link is None:
                    gate = self.var_index[self.gates[(block.index, p)]]
                    link = self.link[(block.index, p)] = self._row(-INF, 0.0, [gate], [-1.0])
                    self._links_of[block.index].append((p, link))
                rows.append(link)
            value = block.scale * cost ** -block.net.elasticity
            self.h.addCol(value, 0.0, INF, len(rows), np.array(rows, dtype=np.int32),
                          np.ones(len(rows)))
            self._col_block.append(block.index)
            self._col_value.append(value)
            self._col_links += rows[1:]
            self._col_start.append(len(self._col_links))
        self.routes.append(Route(self.nets[family].k, projects, cost, family))
        return True

    def keys_since(self, n: int) -> set[RouteKey]:
        """The keys (``route_key``) of the routes added after the first n."""
        return {route_key(r.family, r.cost, r.projects) for r in self.routes[n:]}

    def routes_of(self, applied: frozenset[str]) -> None:
        """Add each changeable flow's best route with exactly these projects
        applied, on every network variant of the mixture. Once per set: the
        routes depend on the set alone and stay in the master (a stuck root
        asks for the same sets one project away round after round: longhaul
        200/1, 1.0-1.4 s a round for no new route)."""
        if applied in self._applied:
            return
        self._applied.add(applied)
        tracked = set(self.prep.decision) | self.prep.timed
        done: set[tuple[int, int]] = set()
        known: dict[int, dict] = {}  # network -> shortest paths, shared by its variants
        for m, (_, member) in enumerate(self.prep.members):
            todo = [(fa, self.family[(m, fa.flow)]) for fa in member.variable
                    if (fa.flow, self.family[(m, fa.flow)]) not in done]
            if not todo:
                continue
            inst = member.instance
            flows = [inst.flows[fa.flow] for fa, _ in todo]
            vots = [inst.value_of_time(f) for f in flows]
            paths = known.setdefault(id(member.network), {})
            ends = origins_by_time_value(member.network, flows, vots)
            missing = {v: o for v, o in ends.items()
                       if v not in paths or not o <= set(paths[v].origins)}
            paths.update(paths_by_time_value(member.network, applied, missing))
            for (fa, family), vot in zip(todo, vots):
                done.add((fa.flow, family))
                fd = self.nets[family]
                p = paths[vot]
                c = p.cost[p.origins.index(fd.origin), fd.destination]
                if fd.alt is not None and fd.alt <= c:
                    self.add_route(family, fd.alt, frozenset())
                    continue
                states = route(p, fd.origin, fd.destination)
                used = frozenset(s.project for s in states if s.project in tracked)
                self.add_route(family, float(c), used)

    # -- solving ----------------------------------------------------------------------
    def _set_integer(self, integer: bool) -> None:
        n = len(self.var_index)
        if n:
            kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
            self.h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                         np.array([kind] * n))

    def _run(self, deadline: Deadline, least: float = MIN_RUN_S, *, mip: bool = False
             ) -> highspy.HighsModelStatus:
        """One HiGHS run within the deadline (but at least ``least`` seconds):
        its time limit, and an interrupt when the deadline is cancelled
        (Ctrl-C, or a race settled). HiGHS 1.16 keeps two clocks: the simplex
        reads the instance's run time, summed over every run so far, while the
        MIP solver times its own run (measured: after 1 s of LPs, a MIP with a
        limit of 3 s ran 3.0 s). So an LP gets the run time so far plus what
        is left, a MIP what is left (before, a MIP after 60 s of LPs got 60 s
        more than its share: longhaul 200/3 ended 29.8 s late)."""
        self._deadline = deadline
        if self._subscribed is not self.h:
            self._subscribed = self.h

            def interrupt(event: Any) -> None:
                if self._deadline is not None and self._deadline.cancelled:
                    event.interrupt()

            self.h.cbSimplexInterrupt.subscribe(interrupt)
            self.h.cbIpmInterrupt.subscribe(interrupt)
            self.h.cbMipInterrupt.subscribe(interrupt)
        allowed = max(least, deadline.remaining())
        self.h.setOptionValue("time_limit", allowed if mip else self.h.getRunTime() + allowed)
        self.h.run()
        return self.h.getModelStatus()

    def solve_lp(self, deadline: Deadline, *, central: bool = False) -> LpSolution:
        """The route LP. Raises Infeasible, or OutOfTime
        when the deadline stops it. A re-solve that HiGHS cannot finish from
        the previous basis (status unknown, seen on scenario draws whose costs
        span 1e-3 to 1e4) is solved again from scratch.

        ``central``: by the interior point method without crossover, whose
        duals lie near the centre of the optimal face. A degenerate master
        has many optimal duals, and the simplex hands pricing an extreme one
        that swings from round to round; central duals stop that tailing off
        (Rousseau, Gendreau and Feillet 2007; longhaul 120/2's root: bound
        36,831 -> 36,792 against an LP value of 36,791.6). The next simplex
        solve starts without a basis. Where the interior point method does not
        finish, the simplex solves the LP."""
        self._set_integer(False)
        status = None
        if central:
            self.h.setOptionValue("solver", "ipm")
            self.h.setOptionValue("run_crossover", "off")
            try:
                status = self._run(deadline, LP_LEAST_S)
            finally:
                self.h.setOptionValue("solver", "choose")
                self.h.setOptionValue("run_crossover", "on")
            self._primal_feasible = False
            if status != highspy.HighsModelStatus.kOptimal and not deadline.expired():
                self.h.clearSolver()
                status, central = None, False
        if status is None:
            self.h.setOptionValue("simplex_strategy",
                                  PRIMAL if self._primal_feasible else DUAL)
            self._primal_feasible = False
            status = self._run(deadline, LP_LEAST_S)
            if status not in (highspy.HighsModelStatus.kOptimal,
                              highspy.HighsModelStatus.kInfeasible) and not deadline.expired():
                self.h.clearSolver()
                status = self._run(deadline, LP_LEAST_S)
        if status == highspy.HighsModelStatus.kInfeasible:
            raise Infeasible
        if status != highspy.HighsModelStatus.kOptimal and (
                deadline.expired() or status == highspy.HighsModelStatus.kTimeLimit):
            raise OutOfTime
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the route LP stopped with status {status}")
        self._primal_feasible = not central
        sol = self.h.getSolution()
        col = sol.col_value  # a new list at every read: read once
        reduced = sol.col_dual
        return LpSolution(self.h.getInfo().objective_function_value, np.array(sol.row_dual),
                          {v: col[i] for v, i in self.var_index.items()},
                          {v: reduced[i] for v, i in self.var_index.items()}, central)

    def solve_mip(self, *, time_limit: float, gap: float, deadline: Deadline,
                  start: Plan | None = None) -> tuple[Status, Plan, float | None, float | None]:
        """MIP over the generated routes: (status, plan, objective, bound),
        within ``time_limit`` and the deadline."""
        h = self.h
        self._set_integer(True)
        self._primal_feasible = False
        h.setOptionValue("simplex_strategy", DUAL)
        h.setOptionValue("mip_rel_gap", gap)
        if start is not None and self.var_index:
            values = self.problem.values(start)
            idx = np.array(list(self.var_index.values()), dtype=np.int32)
            vals = np.array([values.get(v, 0.0) for v in self.var_index])
            h.setSolution(len(idx), idx, vals)
        status = self._run(Deadline(time_limit, parent=deadline), mip=True)
        info = h.getInfo()
        has = info.primal_solution_status == 2
        # read the solution before integrality changes back: HiGHS then drops it
        col = np.array(h.getSolution().col_value[: len(self.var_index)])
        self._set_integer(False)
        if status == highspy.HighsModelStatus.kInfeasible:
            return Status.INFEASIBLE, Plan(), None, None
        if not has:
            return Status.FAILED, Plan(), None, None
        plan = self.problem.plan_of({v: col[i] for v, i in self.var_index.items()})
        state = Status.OPTIMAL if status == highspy.HighsModelStatus.kOptimal \
            else Status.TIME_LIMIT
        return state, plan, info.objective_function_value, info.mip_dual_bound
