"""The arc formulation of spec §5 in Pyomo (the reference formulation).

Per changeable flow, a unit route flow over directed arc states (a project's
state usable only if the project is selected); the route cost bounds the
argument of a piecewise-linear volume curve in incremental form (binaries
order the pieces, no SOS2, so HiGHS accepts it). Flows no project can change
enter the objective as a constant. The rule rows on x come from the PortfolioProblem
(problem.py), as for every solver.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import pyomo.environ as pyo

from .clock import Deadline
from .numerics import TINY
from .preprocess import Prepared, constant_objective
from .problem import PortfolioProblem, RuleRow

BUILD_CHECK_EVERY = 4096  # model rows or terms between reads of the clock while building


class NotBuilt(Exception):
    """The deadline passed while the arc model was being built."""


@dataclass(frozen=True)
class Curve:
    """Breakpoints of one flow's volume curve, from do-nothing cost downwards."""

    flow: int
    costs: tuple[float, ...]  # c_0 = Cdn > c_1 > ... > c_n = Cmin
    values: tuple[float, ...]  # weighted volume at each breakpoint


def chord_error(ratio: float, elasticity: float) -> float:
    """Largest relative over-estimate of the chord of t^-e on [1, ratio]."""
    f_end = ratio ** -elasticity

    def excess(t: float) -> float:
        chord = 1.0 + (f_end - 1.0) * (t - 1.0) / (ratio - 1.0)
        return chord * t ** elasticity - 1.0

    lo, hi = 1.0, ratio  # the excess is unimodal on the interval: golden section
    g = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    for _ in range(80):
        if excess(a) > excess(b):
            hi = b
        else:
            lo = a
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    return excess((lo + hi) / 2.0)


@lru_cache(maxsize=None)
def max_ratio(elasticity: float, tolerance: float) -> float:
    """Largest cost ratio of one piece whose chord error stays within tolerance."""
    lo, hi = 1.0, 2.0
    while chord_error(hi, elasticity) <= tolerance and hi < 1e6:
        lo, hi = hi, hi * 2.0
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if chord_error(mid, elasticity) <= tolerance:
            lo = mid
        else:
            hi = mid
    return lo


def volume_curve(prep: Prepared, k: int, tolerance: float) -> Curve:
    """Breakpoints evenly spaced in log-cost so each chord's relative error
    stays within ``tolerance`` (pwl_tolerance)."""
    cdn, cmin, c0 = float(prep.cdn[k]), float(prep.cmin[k]), float(prep.c0[k])
    elasticity = float(prep.demand.elasticity[k])
    ratio = max_ratio(elasticity, tolerance)
    pieces = max(1, math.ceil(math.log(cdn / cmin) / math.log(ratio) - TINY))
    step = (cdn / cmin) ** (1.0 / pieces)
    costs = [cdn / step ** i for i in range(pieces)] + [cmin]
    scale = prep.epoch_scale[0, k]  # one-shot only: one epoch
    values = [scale * (c / c0) ** -elasticity for c in costs]
    return Curve(k, tuple(costs), tuple(values))


def add_project_choices(m: pyo.ConcreteModel, prep: Prepared) -> None:
    """x[p]: 1 if project p is selected."""
    m.P = pyo.Set(initialize=prep.decision, ordered=True)
    m.x = pyo.Var(m.P, domain=pyo.Binary)


def add_rules(m: pyo.ConcreteModel, problem: PortfolioProblem) -> None:
    """The problem's rule rows on x (budget, alternatives, requires,
    exclusions), each with a mutable right-hand side, and its bounds on x."""
    m.rules = pyo.ConstraintList()
    m.rule_rows = {}
    sync_rules(m, problem)


def sync_rules(m: pyo.ConcreteModel, problem: PortfolioProblem) -> None:
    """Bring the rule rows and bounds in line with the problem: a new
    right-hand side changes a parameter; changed coefficients replace the
    row; a row no longer wanted is deactivated. Must_do and forced projects
    are fixed in; a project that cannot fit the budget gets upper bound 0."""
    wanted = {r.key: r for r in problem.rows}
    for key, row in wanted.items():
        held = m.rule_rows.get(key)
        if held is not None and held[1].terms == row.terms:
            held[2].set_value(row.upper)
            held[0].activate()
            m.rule_rows[key] = (held[0], row, held[2])
            continue
        if held is not None:
            held[0].deactivate()
        upper = pyo.Param(initialize=row.upper, mutable=True)
        m.add_component(f"rule_upper_{len(m.rules) + 1}", upper)
        m.rule_rows[key] = (m.rules.add(_row_expression(m, row) <= upper), row, upper)
    for key, (con, _, _) in m.rule_rows.items():
        if key not in wanted:
            con.deactivate()
    for (p, _), (low, high) in problem.bounds.items():  # one-shot: one period
        if low == high == 1.0:
            m.x[p].fix(1)
            continue
        m.x[p].unfix()
        m.x[p].setlb(low)
        m.x[p].setub(high)


def _row_expression(m: pyo.ConcreteModel, row: RuleRow) -> pyo.Expression:
    return sum(c * m.x[p] for (p, _), c in row.terms if c)


def add_route_flows(m: pyo.ConcreteModel, prep: Prepared, deadline: Deadline | None = None
                    ) -> None:
    """u[j]: share of flow k's unit route on arc state j; w[k]: share on the
    alternative outside the network. Conservation sends one unit from origin
    to destination; a project's state is usable only when it is selected.
    Most of the model's build (5.2 of 5.4 s on longhaul 200): the deadline
    is read as it goes (``NotBuilt``)."""
    arcs = [(fa.flow, tail, head, state) for fa in prep.variable for tail, head, state in fa.arcs]
    m.arc_list = arcs
    m.A = pyo.RangeSet(0, len(arcs) - 1) if arcs else pyo.Set(initialize=[])
    m.u = pyo.Var(m.A, bounds=(0, 1))
    flows = prep.instance.flows
    with_alt = [fa.flow for fa in prep.variable
                if flows[fa.flow].alt_cost is not None
                and flows[fa.flow].alt_cost <= prep.cdn[fa.flow]]
    m.K_alt = pyo.Set(initialize=with_alt)
    m.w = pyo.Var(m.K_alt, bounds=(0, 1))

    decision = set(prep.decision)
    m.state_use = pyo.ConstraintList()
    for j, (_, _, _, state) in enumerate(arcs):
        _in_time(deadline, j)
        if state.project in decision:
            m.state_use.add(m.u[j] <= m.x[state.project])

    balance: dict[tuple[int, int], list] = {}
    for j, (k, tail, head, _) in enumerate(arcs):
        balance.setdefault((k, tail), []).append((1, j))
        balance.setdefault((k, head), []).append((-1, j))
    m.conservation = pyo.ConstraintList()
    ends = {fa.flow: (fa.origin, fa.destination) for fa in prep.variable}
    for k, (o, d) in ends.items():
        balance.setdefault((k, o), [])
        balance.setdefault((k, d), [])
    for i, ((k, node), terms) in enumerate(balance.items()):
        _in_time(deadline, i)
        o, d = ends[k]
        net_out = sum(sign * m.u[j] for sign, j in terms)
        share = (1 - m.w[k]) if k in m.K_alt else 1
        if node == o:
            m.conservation.add(net_out == share)
        elif node == d:
            m.conservation.add(net_out == -share)
        else:
            m.conservation.add(net_out == 0)
    cost_terms: dict[int, list] = {fa.flow: [] for fa in prep.variable}
    vots = prep.instance.values_of_time
    for j, (k, _, _, state) in enumerate(arcs):
        _in_time(deadline, j)
        cost_terms[k].append(state.gc(vots[k]) * m.u[j])
    route_cost = {k: sum(terms) + (flows[k].alt_cost * m.w[k] if k in m.K_alt else 0)
                  for k, terms in cost_terms.items()}
    m.route_cost = pyo.Expression(list(route_cost), initialize=route_cost)


def add_volume_curves(m: pyo.ConcreteModel, prep: Prepared, tolerance: float) -> None:
    """Incremental piecewise-linear volume: delta[k,i] fills piece i (from the
    do-nothing cost downwards); z[k,i] forces the pieces to fill in order, since
    the curve is convex and the later pieces pay more. The route cost must not
    exceed the curve's cost argument."""
    m.curves = {fa.flow: volume_curve(prep, fa.flow, tolerance) for fa in prep.variable}
    pieces = [(k, i) for k, c in m.curves.items() for i in range(len(c.costs) - 1)]
    m.D = pyo.Set(initialize=pieces, dimen=2)
    m.delta = pyo.Var(m.D, bounds=(0, 1))
    m.Z = pyo.Set(initialize=[(k, i) for k, i in pieces if i > 0], dimen=2)
    m.z = pyo.Var(m.Z, domain=pyo.Binary)
    m.order = pyo.ConstraintList()
    for k, i in m.Z:
        m.order.add(m.delta[k, i] <= m.z[k, i])
        m.order.add(m.z[k, i] <= m.delta[k, i - 1])

    def cost_rule(m: pyo.ConcreteModel, k: int) -> pyo.Expression:
        c = m.curves[k].costs
        drop = sum((c[i] - c[i + 1]) * m.delta[k, i] for i in range(len(c) - 1))
        return m.route_cost[k] <= c[0] - drop

    m.curve_cost = pyo.Constraint(list(m.curves), rule=cost_rule)


def add_objective(m: pyo.ConcreteModel, prep: Prepared) -> None:
    """Maximise weighted volume; the constant (unchangeable flows and every
    curve's do-nothing value) stays in the expression so HiGHS gets it as an
    objective offset and its gap is on the whole objective."""
    constant = constant_objective(prep) + sum(c.values[0] for c in m.curves.values())
    gain = sum((c.values[i + 1] - c.values[i]) * m.delta[k, i]
               for k, c in m.curves.items() for i in range(len(c.costs) - 1))
    m.objective = pyo.Objective(expr=constant + gain, sense=pyo.maximize)


def build_model(problem: PortfolioProblem, pwl_tolerance: float,
                deadline: Deadline | None = None) -> pyo.ConcreteModel:
    """The arc MIP; raises NotBuilt when the deadline passes first."""
    prep = problem.prep
    m = pyo.ConcreteModel(name="corridor_invest")
    add_project_choices(m, prep)
    add_rules(m, problem)
    add_route_flows(m, prep, deadline)
    add_volume_curves(m, prep, pwl_tolerance)
    add_objective(m, prep)
    return m


def _in_time(deadline: Deadline | None, i: int) -> None:
    if deadline is not None and i % BUILD_CHECK_EVERY == 0 and deadline.expired():
        raise NotBuilt
