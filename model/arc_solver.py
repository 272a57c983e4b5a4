"""The arc formulation (arc_model.py) solved by HiGHS through Pyomo's ``highs``
interface.

The status is a value the caller branches on; no solver exception leaves
this module. On a time limit the incumbent is kept and the gap reported.
"""
from __future__ import annotations

import io
import logging
import math
import time
from typing import Any, Callable, Protocol, TextIO

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.common.timing import HierarchicalTimer
from pyomo.contrib.solver.solvers.highs import Highs

from .arc_model import NotBuilt, build_model, sync_rules
from .clock import Deadline
from .evaluate import evaluate
from .numerics import REL, TINY
from .preprocess import all_open_bound
from .problem import Plan, PortfolioProblem
from .solution import Solution, Status

log = logging.getLogger(__name__)

# Handing a built model to HiGHS (Pyomo's set_instance) cannot be stopped and
# takes about 1.4 times the build (longhaul 200: 8.8 s after 6.3 s): a first
# solve with less time left than this many builds returns its start instead.
HANDOFF_PER_BUILD = 2.0


class _LineTap(io.TextIOBase):
    """A text stream that hands each complete solver log line to a callback."""

    def __init__(self, on_line: Callable[[str], None]):
        self._on_line = on_line
        self._buffer = ""

    def write(self, text: str) -> int:
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._on_line(line)
        return len(text)


class ArcWatcher(Protocol):
    """What a race (model/race.py) wants to hear from a running arc solve."""

    def on_incumbent(self, selected: frozenset[str]) -> None: ...

    def on_bound(self, bound: float) -> None: ...

    def stop_requested(self) -> bool: ...


class ArcSolver:
    """PortfolioSolver for the spec's arc formulation on a persistent HiGHS:
    re-solves after the problem changes (budget, exclusions, capex) without
    rebuilding the flows and curves."""

    name = "arc"

    def __init__(self, problem: PortfolioProblem, *, pwl_tolerance: float,
                 threads: int | None = None, on_log_line: Callable[[str], None] | None = None):
        self.prep = problem.prep
        self._tolerance = pwl_tolerance
        self.model: pyo.ConcreteModel | None = None  # built by the first solve with time for it
        self._build_s = 0.0
        self._highs = Highs()
        self._threads = threads
        self._on_log_line = on_log_line
        self.watcher: ArcWatcher | None = None  # set by a race (model/race.py)
        self._deadline: Deadline | None = None
        self._subscribed: object | None = None  # the HiGHS object the callbacks are on

    def solve(self, problem: PortfolioProblem, *, deadline: Deadline, gap: float,
              start: Plan | None = None) -> Solution:
        """Solve (or re-solve after the problem changed); ``start`` is a
        feasible portfolio HiGHS may start from."""
        return self._solve(problem, deadline, gap, start).capped(all_open_bound(self.prep))

    def _solve(self, problem: PortfolioProblem, deadline: Deadline, gap: float,
               start: Plan | None) -> Solution:
        begun = time.perf_counter()
        m = self._built(problem, deadline)
        if m is None or (not self._handed_over(m)
                         and deadline.remaining() < HANDOFF_PER_BUILD * self._build_s):
            return self._no_time(m is None, start, time.perf_counter() - begun)
        sync_rules(m, problem)
        if not m.curves:
            return self._trivial()
        warm_start = start.selected if start is not None else None
        tee: list[TextIO] = [_LineTap(self._on_log_line)] if self._on_log_line else []
        self._deadline = deadline
        try:
            options = dict(time_limit=max(deadline.remaining(), 0.01), rel_gap=gap,
                           threads=self._threads, load_solutions=False,
                           raise_exception_on_nonoptimal_result=False, tee=tee)
            res = self._run(warm_start, options)
        except Exception as exc:  # a solver failure must become a status, not a traceback
            log.exception("HiGHS failed")
            return Solution(Status.FAILED, solve_s=time.perf_counter() - begun,
                            message=f"the solver failed: {exc}")
        elapsed = time.perf_counter() - begun
        term = res.termination_condition
        nodes = getattr(res.extra_info, "mip_node_count", None)
        if term in (TerminationCondition.provenInfeasible,
                    TerminationCondition.infeasibleOrUnbounded):
            return Solution(Status.INFEASIBLE, solve_s=elapsed, nodes=nodes,
                            message="no portfolio satisfies the budget and project rules")
        if res.solution_status not in (SolutionStatus.optimal, SolutionStatus.feasible):
            if term == TerminationCondition.maxTimeLimit and warm_start is not None:
                return Solution(Status.TIME_LIMIT, Plan.of(warm_start), None,
                                res.objective_bound, elapsed,
                                "the time limit was reached before the solver improved on"
                                " its starting portfolio", nodes)
            reason = ("the time limit was reached before any portfolio was found"
                      if term == TerminationCondition.maxTimeLimit
                      else f"the solver stopped without a portfolio ({term.name})")
            return Solution(Status.FAILED, solve_s=elapsed, nodes=nodes, message=reason)
        res.solution_loader.load_vars()
        selected = frozenset(p for p in m.P if pyo.value(m.x[p]) > 0.5)
        status = (Status.OPTIMAL if term == TerminationCondition.convergenceCriteriaSatisfied
                  else Status.TIME_LIMIT)
        bound = res.objective_bound
        return Solution(status, Plan.of(selected), res.incumbent_objective,
                        bound if bound is not None else res.incumbent_objective,
                        elapsed, "" if status is Status.OPTIMAL else
                        f"stopped at the time limit ({term.name}); best portfolio found kept",
                        nodes)

    def _built(self, problem: PortfolioProblem, deadline: Deadline) -> pyo.ConcreteModel | None:
        """The model, built now if need be; None when the deadline passes first
        (the next solve tries again)."""
        if self.model is None:
            began = time.perf_counter()
            try:
                self.model = build_model(problem, self._tolerance, deadline)
            except NotBuilt:
                return None
            self._build_s = time.perf_counter() - began
        return self.model

    def _handed_over(self, m: pyo.ConcreteModel) -> bool:
        """Has HiGHS (Pyomo's persistent interface) been given this model?"""
        return getattr(self._highs, "_model", None) is m

    def _no_time(self, building: bool, start: Plan | None, elapsed: float) -> Solution:
        """The time limit came before HiGHS could start: the starting portfolio
        with the bound every open project gives (``solve`` caps inf to it)."""
        arcs = sum(len(fa.kept) for fa in self.prep.variable)
        when = ("while the arc model was being built" if building else
                "before the arc model could be handed to HiGHS")
        message = (f"the time limit was reached {when} ({arcs:,} arc states); the"
                   " starting portfolio is kept, bounded by every project open")
        if start is None:
            return Solution(Status.FAILED, solve_s=elapsed, message=message)
        return Solution(Status.TIME_LIMIT, start, None, math.inf, elapsed, message)

    def _run(self, portfolio: frozenset[str] | None, options: dict) -> Any:
        """Solve, from the portfolio as a complete start when given (its exact
        routes and curve positions; x alone when a route cannot be expressed,
        which HiGHS then completes outside its time limit), with callbacks that
        stop HiGHS when the deadline is cancelled and tell a race's watcher of
        each improving portfolio and the bound. Pyomo's solve() re-applies
        model updates through calls that make HiGHS drop a stored start, so
        apply them first, set the start, then run: this uses the interface's
        internals (pyomo is pinned to 6.10)."""
        m, highs = self.model, self._highs
        config = highs.config(value=options, preserve_implicit=True)
        config.timer = HierarchicalTimer()
        highs._active_config = config
        try:
            if not self._handed_over(m):
                highs.set_instance(m)
            else:
                highs.update()
            self._subscribe(highs._solver_model)
            if portfolio is not None:
                columns = highs._pyomo_var_to_solver_var_map
                start = self._complete_start(portfolio) or {
                    id(m.x[p]): 1.0 if p in portfolio else 0.0 for p in m.P
                    if not m.x[p].fixed}
                pairs = [(columns[key], value) for key, value in start.items()
                         if key in columns]
                index = np.array([c for c, _ in pairs], dtype=np.int32)
                values = np.array([value for _, value in pairs])
                highs._solver_model.setSolution(len(pairs), index, values)
            if self._deadline is not None:  # the hand-off to HiGHS took time of the limit
                config.time_limit = max(self._deadline.remaining(), 0.01)
            return highs._solve()
        finally:
            highs._active_config = highs.config

    def _subscribe(self, h: Any) -> None:
        """Once per HiGHS object: stop on a cancelled deadline or a race's
        request; hand improving portfolios and bounds to the watcher."""
        if self._subscribed is h:
            return
        self._subscribed = h
        m = self.model
        columns = {p: h_index for p in m.P if not m.x[p].fixed
                   for h_index in [self._highs._pyomo_var_to_solver_var_map.get(id(m.x[p]))]
                   if h_index is not None}
        fixed = frozenset(p for p in m.P if m.x[p].fixed and pyo.value(m.x[p]) > 0.5)

        def interrupt(event: Any) -> None:
            watcher = self.watcher
            if watcher is not None:
                watcher.on_bound(event.data_out.mip_dual_bound)
            cancelled = self._deadline is not None and self._deadline.cancelled
            if cancelled or (watcher is not None and watcher.stop_requested()):
                event.interrupt()

        def improving(event: Any) -> None:
            if self.watcher is not None:
                x = event.data_out.mip_solution
                self.watcher.on_incumbent(
                    fixed | frozenset(p for p, c in columns.items() if x[c] > 0.5))

        h.cbMipInterrupt.subscribe(interrupt)
        h.cbMipImprovingSolution.subscribe(improving)

    def _complete_start(self, portfolio: frozenset[str]) -> dict[int, float] | None:
        """Every variable's value for a portfolio, keyed by id(var): x, each
        flow's exact route on the kept arc states, the alternative share, the
        curve's fill. None when a route uses an arc state the model pruned."""
        m, prep = self.model, self.prep
        ev = evaluate(prep, portfolio)
        applied = portfolio | prep.committed
        arcs: dict[tuple[int, int, int, int], list[tuple[float, int]]] = {}
        vots = prep.instance.values_of_time
        for j, (k, tail, head, state) in enumerate(m.arc_list):
            if state.project is None or state.project in applied:
                arcs.setdefault((k, tail, head, state.segment), []).append(
                    (state.gc(vots[k]), j))
        values = {id(v): 0.0 for v in m.component_data_objects(pyo.Var) if not v.fixed}
        for p in m.P:
            if not m.x[p].fixed:
                values[id(m.x[p])] = 1.0 if p in portfolio else 0.0
        for k, curve in m.curves.items():
            flow = prep.instance.flows[k]
            node = prep.network.index[flow.origin]
            states = ev.route(prep, k)
            for state in states:
                a, b = prep.network.ends[state.segment]
                head = b if node == a else a
                kept = arcs.get((k, node, head, state.segment))
                if not kept:
                    return None
                values[id(m.u[min(kept)[1]])] = 1.0
                node = head
            if k in m.K_alt:
                values[id(m.w[k])] = 0.0 if states else 1.0
            elif not states:
                return None
            drop = curve.costs[0] - float(ev.costs[k])
            for i in range(len(curve.costs) - 1):
                piece = curve.costs[i] - curve.costs[i + 1]
                fill = min(1.0, max(0.0, drop / piece))
                values[id(m.delta[k, i])] = fill
                drop -= fill * piece
                if i > 0:
                    values[id(m.z[k, i])] = (1.0 if values[id(m.delta[k, i - 1])] >= 1.0 - TINY
                                               else 0.0)
        return values

    def _trivial(self) -> Solution:
        """No project can change any flow's cost: the objective is a constant and
        the portfolio is the fixed (must_do, forced) projects, if they keep the rules."""
        m = self.model
        fixed = frozenset(p for p in m.P if m.x[p].fixed and pyo.value(m.x[p]) > 0.5)
        for p in m.P:
            if not m.x[p].fixed:
                m.x[p].set_value(0)
        for con in m.rules.values():
            if con.active and pyo.value(con.body) > pyo.value(con.upper) + REL:
                return Solution(Status.INFEASIBLE,
                                message="the must_do projects break the budget or a project"
                                        " rule")
        value = float(pyo.value(m.objective.expr))
        return Solution(Status.OPTIMAL, Plan.of(fixed), value, value, 0.0,
                        "no project can change any flow's route")
