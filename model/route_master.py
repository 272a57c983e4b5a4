"""The route-option master programme on one highspy instance, kept across solves.

    max  constant + sum_r V_r z_r
    s.t. sum_{r of k} z_r = 1                         for each changeable flow k
         sum_{r of k, p in S_r} z_r <= x_p            for each flow k, project p
         the problem's rule rows on x (problem.py);   bounds on x;  z >= 0

Columns are routes (a flow, the selectable projects whose states it uses, its
exact cost and weighted volume). The rule rows come from the PortfolioProblem and are
kept in line with it (``sync``): another budget changes a bound, an exclusion
adds a row, a changed capex changes coefficients. The master lives in highspy
directly: column generation adds routes to existing rows, which Pyomo's
persistent interface can only do by rebuilding constraints
(docs/performance.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import highspy
import numpy as np

from .highs_util import quiet_highs
from .network import origins_by_time_value, paths_by_time_value, route
from .preprocess import Prepared, constant_objective
from .pricing import FlowNet
from .problem import PortfolioProblem, RowKind, RuleRow
from .solution import Status

INF = highspy.kHighsInf


@dataclass(frozen=True)
class Route:
    flow: int
    projects: frozenset[str]  # selectable projects whose states the route uses
    cost: float
    value: float  # weighted exact volume at this cost


class Infeasible(Exception):
    """The route LP has no solution: no portfolio satisfies the rules."""


class RouteMaster:
    def __init__(self, prep: Prepared, nets: list[FlowNet], problem: PortfolioProblem,
                 log: Callable[[str], None] = lambda _: None):
        self.prep = prep
        self.log = log
        self.nets = nets
        self.by_flow = {fd.k: fd for fd in nets}
        h = self.h = quiet_highs()
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.x_index = {p: i for i, p in enumerate(prep.decision)}
        n = len(prep.decision)
        if n:
            h.addVars(n, np.zeros(n), np.ones(n))
        self.rows: dict[tuple[RowKind, str], tuple[int, RuleRow | None]] = {}
        self.bounds: dict[str, tuple[float, float]] = {}
        self.sync(problem)
        self.convexity = {fd.k: self._row(1.0, 1.0, [], []) for fd in nets}
        self.link: dict[tuple[int, str], int] = {}
        self.routes: list[Route] = []
        self._seen: set[tuple[int, frozenset[str], float]] = set()
        h.changeObjectiveOffset(constant_objective(prep))
        self.routes_of(frozenset())  # do-nothing routes: always feasible
        self.routes_of(frozenset(prep.decision))  # the routes with everything built

    # -- rows and bounds from the problem -------------------------------------------
    def sync(self, problem: PortfolioProblem) -> None:
        """Bring the rule rows and the bounds on x in line with the problem."""
        wanted = {r.key: r for r in problem.rows}
        for key, row in wanted.items():
            index, old = self.rows.get(key, (None, None))
            if index is None:
                cols = [self.x_index[p] for p, _ in row.terms]
                index = self._row(-INF, row.upper, cols, [c for _, c in row.terms])
            else:
                before = dict(old.terms) if old is not None else {}
                after = dict(row.terms)
                for p in set(before) | set(after):
                    if before.get(p, 0.0) != after.get(p, 0.0):
                        self.h.changeCoeff(index, self.x_index[p], after.get(p, 0.0))
                if old is None or old.upper != row.upper:
                    self.h.changeRowBounds(index, -INF, row.upper)
            self.rows[key] = (index, row)
        for key, (index, old) in list(self.rows.items()):
            if key not in wanted and old is not None:  # dropped: relax, keep the index
                self.h.changeRowBounds(index, -INF, INF)
                self.rows[key] = (index, None)
        self.bounds = dict(problem.bounds)
        self.fix({})

    def fix(self, fixes: dict[str, float]) -> None:
        """Branching: the problem's bounds on x, with some projects fixed (always
        within those bounds: only fractional variables are branched on)."""
        for p, (low, high) in self.bounds.items():
            value = fixes.get(p)
            if value is not None:
                low = high = value
            self.h.changeColBounds(self.x_index[p], low, high)

    def _row(self, lo: float, hi: float, idx: list[int], val: list[float]) -> int:
        self.h.addRow(lo, hi, len(idx), np.array(idx, dtype=np.int32),
                      np.array(val, dtype=float))
        return self.h.getNumRow() - 1

    # -- columns ----------------------------------------------------------------------
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

    def routes_of(self, portfolio: frozenset[str]) -> None:
        """Add each changeable flow's best route under a portfolio."""
        prep = self.prep
        inst = prep.instance
        applied = portfolio | prep.committed
        flows = [inst.flows[fd.k] for fd in self.nets]
        vots = [inst.value_of_time(f) for f in flows]
        paths = paths_by_time_value(prep.network, applied,
                                    origins_by_time_value(prep.network, flows, vots))
        decision = set(prep.decision)
        for fd, vot in zip(self.nets, vots):
            p = paths[vot]
            c = p.cost[p.origins.index(fd.origin), fd.destination]
            if fd.alt is not None and fd.alt <= c:
                self.add_route(fd.k, fd.alt, frozenset())
                continue
            states = route(p, fd.origin, fd.destination)
            used = frozenset(s.project for s in states if s.project in decision)
            self.add_route(fd.k, float(c), used)

    # -- solving ----------------------------------------------------------------------
    def _set_integer(self, integer: bool) -> None:
        n = len(self.x_index)
        if n:
            kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
            self.h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                         np.array([kind] * n))

    def solve_lp(self) -> tuple[float, np.ndarray, dict[str, float]]:
        """The route LP: (value, row duals, x). Raises Infeasible."""
        self._set_integer(False)
        self.h.run()
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise Infeasible
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the route LP stopped with status {status}")
        sol = self.h.getSolution()
        x = {p: sol.col_value[i] for p, i in self.x_index.items()}
        return self.h.getInfo().objective_function_value, np.array(sol.row_dual), x

    def solve_mip(self, *, time_limit: float, gap: float, start: frozenset[str] | None = None
                  ) -> tuple[Status, frozenset[str], float | None, float | None]:
        """MIP over the generated routes: (status, portfolio, objective, bound)."""
        h = self.h
        self._set_integer(True)
        h.setOptionValue("time_limit", max(0.1, time_limit))
        h.setOptionValue("mip_rel_gap", gap)
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
            return Status.INFEASIBLE, frozenset(), None, None
        if not has:
            return Status.FAILED, frozenset(), None, None
        chosen = frozenset(p for p, i in self.x_index.items() if x[i] > 0.5)
        state = Status.OPTIMAL if status == highspy.HighsModelStatus.kOptimal \
            else Status.TIME_LIMIT
        return state, chosen, info.objective_function_value, info.mip_dual_bound
