"""Stage 6: exact evaluation of a portfolio by shortest paths (spec §4).

Every reported volume comes from here, never from the solver's linearised
objective.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from .network import (Paths, State, flow_costs, network_cost, paths_by_time_value,
                      project_arcs, route)
from .preprocess import Prepared

if TYPE_CHECKING:
    from .problem import Plan


@dataclass(frozen=True)
class Evaluation:
    """One set of applied projects held open: costs, and volumes in the horizon."""

    applied: frozenset[str]  # the projects applied (selected and committed ones)
    costs: np.ndarray  # SP_k(x)
    ratio: np.ndarray  # (SP_k(x) / C0_k)^-elasticity_k
    volumes: np.ndarray  # V_k(x) in the horizon year, kt/yr
    objective: float  # spec §4 objective in the horizon (kt/yr, or USD million/yr for value)
    paths: dict[float, Paths]  # shortest paths per value of time
    # An expectation over a mixture's variants (closure states, draws): each
    # variant's own evaluation with its weight. Volumes, ratio and objective
    # above are then the weighted sums, costs the certainty equivalents (the
    # cost at which the flow would move its expected volume), paths the first
    # (all-open) variant's.
    members: tuple[tuple[float, Evaluation], ...] = ()

    @property
    def volume_kt(self) -> float:
        return float(self.volumes.sum())

    def route(self, prep: Prepared, k: int) -> list[State]:
        """States of flow k's route; empty when it takes its alternative."""
        return _route(prep, self.paths, k)


def _route(prep: Prepared, paths: dict[float, Paths], k: int) -> list[State]:
    """Flow k's route on these shortest paths; empty when it takes its alternative."""
    flow = prep.instance.flows[k]
    net = prep.network
    vot = prep.instance.value_of_time(flow)
    if flow.alt_cost is not None and flow.alt_cost < network_cost(paths, net, flow, vot):
        return []
    return route(paths[vot], net.index[flow.origin], net.index[flow.destination])


def applied(prep: Prepared, projects: frozenset[str]) -> Evaluation:
    """Exact costs and horizon volumes with exactly these projects applied; over
    a mixture (spec §11), their exact expectation."""
    if prep.mixture:
        known: dict[int, tuple[np.ndarray, dict[float, Paths]]] = {}
        return _expectation(prep, tuple((w, _one(m, projects, known)) for w, m in prep.mixture))
    return _one(prep, projects, {})


def _one(prep: Prepared, projects: frozenset[str],
         known: dict[int, tuple[np.ndarray, dict[float, Paths]]]) -> Evaluation:
    """One network's evaluation; ``known`` holds the costs of networks already
    seen in this call (variants that differ only in demand share them)."""
    inst = prep.instance
    key = id(prep.network)
    if key not in known:
        known[key] = flow_costs(prep.network, inst.flows, inst.values_of_time, projects)
    costs, paths = known[key]
    return Evaluation(projects, costs, *_volumes(prep, costs), paths)


def _volumes(prep: Prepared, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Spec §4 from the costs: (ratio, horizon volumes, objective)."""
    d = prep.demand
    ratio = (costs / prep.c0) ** (-d.elasticity)
    volumes = d.horizon_potential * ratio
    return ratio, volumes, float(volumes @ d.weight)


@dataclass(frozen=True)
class Costs:
    """An applied set's exact costs and horizon volumes, without the routes."""

    applied: frozenset[str]
    costs: np.ndarray  # SP_k(x)
    volumes: np.ndarray
    objective: float

    @property
    def volume_kt(self) -> float:
        return float(self.volumes.sum())


@dataclass(frozen=True)
class Removals(Costs):
    """One network's exact evaluation of an applied set, able to answer "and
    less these projects?" without searching from every origin again: removing
    projects cannot lower a flow's cost, and a flow whose route uses none of
    them still has that route, so only the flows whose route uses one are
    searched again (same Dijkstra per origin, so the same costs as a full
    evaluation). ``drop_idle`` asks this of each selected project: on a
    400-town network 2.3 s of full evaluations after the time limit. One
    network only: a mixture (spec §11) goes through ``applied``."""

    prep: Prepared
    uses: tuple[frozenset[str], ...]  # per flow: the projects its route uses

    @classmethod
    def of(cls, prep: Prepared, projects: frozenset[str]) -> Removals:
        ev = _one(prep, projects, {})
        uses = tuple(_projects(ev.route(prep, k)) for k in range(len(prep.instance.flows)))
        return cls(projects, ev.costs, ev.volumes, ev.objective, prep, uses)

    def less(self, projects: frozenset[str]) -> Removals:
        """The evaluation of ``projects``, a subset of the applied set."""
        if not projects <= self.applied:
            raise ValueError("Removals.less: only projects can be removed, none added")
        removed = self.applied - projects
        touched = [k for k, used in enumerate(self.uses) if used & removed]
        if not touched:
            return dataclasses.replace(self, applied=projects)
        costs, paths = _searched_again(self.prep, self.costs, touched, projects)
        uses = list(self.uses)
        for k in touched:
            uses[k] = _projects(_route(self.prep, paths, k))
        _, volumes, value = _volumes(self.prep, costs)
        return Removals(projects, costs, volumes, value, self.prep, tuple(uses))


# A flow is searched again unless its bound exceeds its cost by this share:
# rounding in the bound's sums can never keep a flow whose route changes.
ADD_SLACK = 1e-9


@dataclass(frozen=True)
class Additions(Costs):
    """One network's exact evaluation of an applied set, able to answer "and
    these projects too?" without searching from every origin again. Adding
    projects cannot raise a flow's cost. A route using a new state costs at
    least the least cost from the origin to the tail of its first new state,
    plus that state's cost, plus the least cost from the head of its last one
    to the destination (on the network without them; a state is usable either
    way, so that is the least cost from the destination). A flow whose cost is
    below that bound keeps it; only the others are searched again (same
    Dijkstra per origin, so the same costs as a full evaluation). The ranking
    asks this of every project, the local search of every trial that adds to a
    plan, the report's reasons of every project left out. One network only: a
    mixture (spec §11) goes through ``applied``."""

    prep: Prepared
    # per value of time: its flows, and their least costs from the origin and
    # from the destination to every node
    near: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, prep: Prepared, projects: frozenset[str]) -> Additions:
        ev = _one(prep, projects, {})
        inst, net = prep.instance, prep.network
        ends: dict[float, set[int]] = {}
        for f, vot in zip(inst.flows, inst.values_of_time):
            ends.setdefault(vot, set()).add(net.index[f.destination])
        back = paths_by_time_value(net, projects, ends)
        near = {}
        for vot in ends:
            ks = np.array([k for k, v in enumerate(inst.values_of_time) if v == vot])
            out, home = ev.paths[vot], back[vot]
            near[vot] = (ks, out.cost[[out.origins.index(net.index[inst.flows[k].origin])
                                       for k in ks]],
                         home.cost[[home.origins.index(net.index[inst.flows[k].destination])
                                    for k in ks]])
        return cls(projects, ev.costs, ev.volumes, ev.objective, prep, near)

    def plus(self, projects: frozenset[str]) -> Costs:
        """The evaluation of ``projects``, a superset of the applied set."""
        if not self.applied <= projects:
            raise ValueError("Additions.plus: only projects can be added, none removed")
        tails, heads, money, hours = project_arcs(self.prep.network, projects - self.applied)
        touched: list[int] = []
        if len(tails):
            for vot, (ks, out, home) in self.near.items():
                bound = ((out[:, tails] + (money + vot * hours)).min(axis=1)
                         + home[:, heads].min(axis=1))
                touched += ks[~(bound > self.costs[ks] * (1.0 + ADD_SLACK))].tolist()
        if not touched:
            return Costs(projects, self.costs, self.volumes, self.objective)
        costs, _ = _searched_again(self.prep, self.costs, sorted(touched), projects)
        _, volumes, value = _volumes(self.prep, costs)
        return Costs(projects, costs, volumes, value)


def _searched_again(prep: Prepared, costs: np.ndarray, touched: list[int],
                    projects: frozenset[str]) -> tuple[np.ndarray, dict[float, Paths]]:
    """The costs with the touched flows searched again on ``projects``' network."""
    inst = prep.instance
    vots = inst.values_of_time  # made at each access: once here
    some, paths = flow_costs(prep.network, [inst.flows[k] for k in touched],
                             [vots[k] for k in touched], projects)
    costs = costs.copy()
    costs[touched] = some
    return costs, paths


def _projects(states: list[State]) -> frozenset[str]:
    return frozenset(s.project for s in states if s.project is not None)


def _expectation(prep: Prepared, members: tuple[tuple[float, Evaluation], ...]) -> Evaluation:
    """The weighted sum of the variants' evaluations (spec §11: each closure
    state with its probability)."""
    first = members[0][1]
    ratio = sum(w * ev.ratio for w, ev in members)
    with np.errstate(divide="ignore"):
        costs = prep.c0 * ratio ** (-1.0 / prep.demand.elasticity)
    return Evaluation(first.applied, costs, ratio, sum(w * ev.volumes for w, ev in members),
                      float(sum(w * ev.objective for w, ev in members)), first.paths, members)


def evaluate(prep: Prepared, selected: frozenset[str] | set[str]) -> Evaluation:
    """Exact volumes with the selected projects and every committed one applied."""
    return applied(prep, frozenset(selected) | prep.committed)


def adding(prep: Prepared, selected: frozenset[str]
           ) -> Callable[[frozenset[str]], Costs | Evaluation]:
    """``evaluate(prep, selected | extra)`` for many ``extra``, the same
    figures: on one network by ``Additions`` (made at the first call), over a
    mixture (spec §11) by full evaluations."""
    if prep.mixture:
        return lambda extra: evaluate(prep, selected | extra)
    start: list[Additions] = []

    def plus(extra: frozenset[str]) -> Costs:
        if not start:
            start.append(Additions.of(prep, frozenset(selected) | prep.committed))
        return start[0].plus(start[0].applied | extra)
    return plus


def today(prep: Prepared) -> Evaluation:
    """Today's network: no projects at all, not even committed ones."""
    return applied(prep, frozenset())


@dataclass(frozen=True)
class PlanEvaluation:
    """A plan over the objective's epochs (spec §9.2; one epoch in a one-shot run)."""

    open_sets: tuple[frozenset[str], ...]  # per epoch: the projects open in it
    evaluations: tuple[Evaluation, ...]  # per epoch
    objective: float  # W = sum over epochs and flows of weight * ratio (one-shot: §4's V)

    def volume_in(self, prep: Prepared, year: int) -> float:
        """kt/yr moving in an objective year."""
        e = next(i for i, years in enumerate(prep.timeline.epochs) if year in years)
        return float(prep.demand.volumes(self.evaluations[e].ratio, year).sum())

    @property
    def horizon(self) -> Evaluation:
        return self.evaluations[-1]


def open_set(prep: Prepared, starts: dict[str, int], year: int) -> frozenset[str]:
    """The projects open in a year: committed ones from their open year,
    selected ones from start + duration (always, in a one-shot run)."""
    inst, timeline = prep.instance, prep.timeline
    return prep.open_in(year) | frozenset(
        p for p, s in starts.items() if timeline.is_open(inst.project(p), s, year))


def evaluate_plan(prep: Prepared, plan: Plan) -> PlanEvaluation:
    """Exact W of a plan: each epoch's open set evaluated by shortest paths,
    weighted by the epoch's sum of w_t P_t,k."""
    starts = dict(plan.starts)
    sets = tuple(open_set(prep, starts, years[0]) for years in prep.timeline.epochs)
    cache: dict[frozenset[str], Evaluation] = {}
    for o in sets:
        if o not in cache:
            cache[o] = applied(prep, o)
    evaluations = tuple(cache[o] for o in sets)
    if len(sets) == 1:
        return PlanEvaluation(sets, evaluations, evaluations[0].objective)
    return PlanEvaluation(sets, evaluations, _over_epochs(prep, evaluations))


def _over_epochs(prep: Prepared, evaluations: tuple[Evaluation, ...]) -> float:
    """W: each epoch's ratios weighted by its sum of w_t P_t,k; over a mixture,
    each variant with its own demand, weighted."""
    if prep.mixture:
        return sum(w * _over_epochs(m, tuple(ev.members[i][1] for ev in evaluations))
                   for i, (w, m) in enumerate(prep.mixture))
    scale = prep.epoch_scale
    return float(sum(scale[e] @ ev.ratio for e, ev in enumerate(evaluations)))
