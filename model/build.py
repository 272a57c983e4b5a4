"""Stage 4: the Pyomo model of spec §5.

Per changeable flow, a unit route flow over directed arc states (a project's
state usable only if the project is selected); the route cost bounds the
argument of a piecewise-linear volume curve in incremental form (binaries
order the pieces, no SOS2, so HiGHS accepts it). Flows no project can change
enter the objective as a constant.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import pyomo.environ as pyo

from .preprocess import Prepared, constant_objective, group_members, segment_projects


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


def volume_curve(prep: Prepared, k: int) -> Curve:
    """Breakpoints evenly spaced in log-cost so each chord meets pwl_tolerance."""
    flow = prep.instance.flows[k]
    cdn, cmin, c0 = float(prep.cdn[k]), float(prep.cmin[k]), float(prep.c0[k])
    ratio = max_ratio(flow.elasticity, prep.instance.parameters.pwl_tolerance)
    pieces = max(1, math.ceil(math.log(cdn / cmin) / math.log(ratio) - 1e-12))
    step = (cdn / cmin) ** (1.0 / pieces)
    costs = [cdn / step ** i for i in range(pieces)] + [cmin]
    scale = prep.potential[k] * prep.instance.weight(flow)
    values = [scale * (c / c0) ** -flow.elasticity for c in costs]
    return Curve(k, tuple(costs), tuple(values))


def add_project_choices(m: pyo.ConcreteModel, prep: Prepared) -> None:
    """x[p]: 1 if project p is selected; must_do projects are fixed in."""
    m.P = pyo.Set(initialize=prep.decision, ordered=True)
    m.x = pyo.Var(m.P, domain=pyo.Binary)
    for p in prep.must_do:
        m.x[p].fix(1)


def add_budget(m: pyo.ConcreteModel, prep: Prepared, budget: float) -> None:
    """Capex of selected candidate and must_do projects within the budget (a
    mutable parameter, so a sweep changes it without rebuilding)."""
    m.budget = pyo.Param(initialize=budget, mutable=True)
    capex = {p: prep.instance.project(p).capex_musd for p in prep.decision}
    m.budget_limit = pyo.ConstraintList()
    costly = [p for p in m.P if capex[p] > 0]
    if costly:
        m.budget_limit.add(sum(capex[p] * m.x[p] for p in costly) <= m.budget)


def add_alternatives(m: pyo.ConcreteModel, prep: Prepared) -> None:
    """At most one project per group and per segment."""
    chosen = set(prep.decision)
    sets = [members for members in group_members(prep.instance).values()]
    sets += [members for members in segment_projects(prep.instance).values()]
    rows = sorted({tuple(sorted(p for p in s if p in chosen)) for s in sets})
    m.alternatives = pyo.ConstraintList()
    for row in rows:
        if len(row) > 1:
            m.alternatives.add(sum(m.x[p] for p in row) <= 1)


def add_requirements(m: pyo.ConcreteModel, prep: Prepared) -> None:
    """A selected project's required projects are selected (or committed)."""
    m.requirements = pyo.ConstraintList()
    for p in prep.decision:
        for q in prep.instance.project(p).requires:
            if q not in prep.committed:
                m.requirements.add(m.x[p] <= m.x[q])


def add_route_flows(m: pyo.ConcreteModel, prep: Prepared) -> None:
    """u[j]: share of flow k's unit route on arc state j; w[k]: share on the
    alternative outside the network. Conservation sends one unit from origin
    to destination; a project's state is usable only when it is selected."""
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
    for (k, node), terms in balance.items():
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
        cost_terms[k].append(state.gc(vots[k]) * m.u[j])
    route_cost = {k: sum(terms) + (flows[k].alt_cost * m.w[k] if k in m.K_alt else 0)
                  for k, terms in cost_terms.items()}
    m.route_cost = pyo.Expression(list(route_cost), initialize=route_cost)


def add_volume_curves(m: pyo.ConcreteModel, prep: Prepared) -> None:
    """Incremental piecewise-linear volume: delta[k,i] fills piece i (from the
    do-nothing cost downwards); z[k,i] forces the pieces to fill in order, since
    the curve is convex and the later pieces pay more. The route cost must not
    exceed the curve's cost argument."""
    m.curves = {fa.flow: volume_curve(prep, fa.flow) for fa in prep.variable}
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


def build_model(prep: Prepared, budget: float) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel(name="corridor_invest")
    add_project_choices(m, prep)
    add_budget(m, prep, budget)
    add_alternatives(m, prep)
    add_requirements(m, prep)
    add_route_flows(m, prep)
    add_volume_curves(m, prep)
    add_objective(m, prep)
    return m
