"""Stage 3b: what the model needs beyond the raw network.

Which projects can be chosen at all, the cost levels of every flow (today,
do-nothing, best possible) and the pruned arc states of the flows a project
can change. Flows no project can change become constants (spec §5). The
demand (potentials, elasticities, weights) rides along apart, so a scenario
can swap it without new shortest paths (``with_demand``).
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np

from .demand import Demand, demand_of
from .instance import Decision, Effect, Instance, Project
from .network import (FlowArcs, Network, Pruning, build_network, flow_costs,
                      paths_by_time_value)
from .numerics import TINY
from .timeline import Timeline, timeline_of


@dataclass(frozen=True)
class Prepared:
    instance: Instance
    network: Network
    committed: frozenset[str]
    decision: tuple[str, ...]  # candidate and must_do projects that can be selected
    blocked: dict[str, str]  # project -> why it can never be selected
    c0: np.ndarray  # today's cost per flow (no projects at all)
    cdn: np.ndarray  # do-nothing cost (every committed project open)
    cmin: np.ndarray  # least cost with every selectable project applied
    variable: tuple[FlowArcs, ...]  # flows some project can change
    demand: Demand
    timeline: Timeline
    timed: frozenset[str] = frozenset()  # committed projects that open during a programme
    # The objective as a weighted sum over prepared variants of this network
    # (closure states of one draw, spec §11; or every draw's states in a
    # robust model): (weight, variant) with weights summing to 1. Empty: this
    # network alone. Variants keep today's cost c0 of the open base network.
    mixture: tuple[tuple[float, Prepared], ...] = ()

    def __getstate__(self) -> dict:
        """Pickled without what is kept with it on the way (``_objectives``):
        a scenario's workers are shipped the network, not the main run's
        evaluations."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @property
    def always_open(self) -> frozenset[str]:
        """Committed projects open in every objective year."""
        return self.committed - self.timed

    @cached_property
    def epoch_scale(self) -> np.ndarray:
        """[epoch, flow] weights of the objective (Demand.epoch_scale)."""
        return self.demand.epoch_scale(self.timeline.epochs)

    @property
    def must_do(self) -> tuple[str, ...]:
        return tuple(p for p in self.decision
                     if self.instance.project(p).decision is Decision.MUST_DO)

    @property
    def potential(self) -> np.ndarray:
        """P_k in the horizon year (what the volumes report)."""
        return self.demand.horizon_potential

    def with_demand(self, demand: Demand) -> Prepared:
        """The same network and paths under another demand (a scenario); the
        closure states of a mixture share it."""
        return dataclasses.replace(self, demand=demand, mixture=tuple(
            (w, m.with_demand(demand)) for w, m in self.mixture))

    @property
    def members(self) -> tuple[tuple[float, Prepared], ...]:
        """What the objective weighs: the mixture, or this network with weight 1."""
        return self.mixture or ((1.0, self),)

    def open_in(self, year: int) -> frozenset[str]:
        """Committed projects open in an objective year."""
        return frozenset(p for p in self.committed
                         if self.timeline.committed_open(self.instance.project(p), year))


def live_projects(projects: Iterable[Project]) -> frozenset[str]:
    return frozenset(p.project_id for p in projects if p.decision is not Decision.EXCLUDED)


def segment_projects(projects: Sequence[Project], effects: Sequence[Effect]
                     ) -> dict[str, list[str]]:
    """segment_id -> non-excluded projects that change it, in input order."""
    live = live_projects(projects)
    out: dict[str, list[str]] = defaultdict(list)
    for e in effects:
        if e.project_id in live and e.project_id not in out[e.segment_id]:
            out[e.segment_id].append(e.project_id)
    return out


def group_members(projects: Sequence[Project]) -> dict[str, list[str]]:
    """group label -> non-excluded projects in it."""
    out: dict[str, list[str]] = defaultdict(list)
    for p in projects:
        if p.group and p.decision is not Decision.EXCLUDED:
            out[p.group].append(p.project_id)
    return out


def blocked_projects(projects: Sequence[Project], effects: Sequence[Effect]
                     ) -> dict[str, str]:
    """Candidates and must_do projects that no portfolio can hold, with why."""
    committed = {p.project_id for p in projects if p.decision is Decision.COMMITTED}
    blocked: dict[str, str] = {}
    for members in group_members(projects).values():
        for c in (m for m in members if m in committed):
            for p in members:
                if p not in committed:
                    blocked.setdefault(p, f"alternative to {c} (same group), which is committed")
    for seg, members in segment_projects(projects, effects).items():
        for c in (m for m in members if m in committed):
            for p in members:
                if p not in committed:
                    blocked.setdefault(
                        p, f"changes segment {seg}, which committed project {c} also changes")
    by_id = {p.project_id: p for p in projects}
    changed = True
    while changed:  # requires propagate: a project needing a blocked one is blocked
        changed = False
        for p in projects:
            if not p.decision.selectable or p.project_id in blocked:
                continue
            for q in p.requires:
                other = by_id.get(q)
                if other is not None and other.decision is Decision.EXCLUDED:
                    blocked[p.project_id] = f"requires {q}, which is excluded"
                elif q in blocked:
                    blocked[p.project_id] = f"requires {q}, which cannot be selected"
                else:
                    continue
                changed = True
                break
    return blocked


def required_closure(instance: Instance, project_id: str) -> frozenset[str]:
    """The project and everything it requires, transitively (committed left out)."""
    seen: set[str] = set()
    todo = [project_id]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(instance.project(p).requires)
    return frozenset(seen) - instance.committed


def prepare(instance: Instance, demand: Demand | None = None, *,
            closed: frozenset[str] = frozenset(), today: np.ndarray | None = None) -> Prepared:
    """Network states, cost levels and pruned arcs; the instance's demand
    unless another is given. In a programme, committed projects that open
    later are treated like decisions when pruning (a route may use them only
    once open), and routes are kept up to the dearest do-nothing cost.

    ``closed`` segments are removed after today's cost is taken on the open
    network; ``today`` gives today's costs C0 instead (a scenario keeps the
    base instance's: today's volumes were observed at today's costs)."""
    timeline = timeline_of(instance)
    live = live_projects(instance.projects)
    network = build_network(instance.nodes, instance.segments,
                            [e for e in instance.effects if e.project_id in live])
    flows, vots = instance.flows, instance.values_of_time
    c0 = today if today is not None else flow_costs(network, flows, vots, frozenset())[0]
    seg_index = {s.segment_id: i for i, s in enumerate(instance.segments)}
    network = network.closing(seg_index[s] for s in closed)
    committed = instance.committed
    blocked = blocked_projects(instance.projects, instance.effects)
    decision = tuple(p.project_id for p in instance.projects
                     if p.decision.selectable and p.project_id not in blocked)
    timed = frozenset(p for p in committed
                      if not timeline.committed_open(instance.project(p), timeline.first))
    cdn, _ = flow_costs(network, flows, vots, committed)
    dearest, _ = (cdn, None) if not timed else flow_costs(network, flows, vots,
                                                           committed - timed)
    everything = committed | frozenset(decision)
    cmin, _ = flow_costs(network, flows, vots, everything)

    changeable = [k for k in range(len(flows)) if cmin[k] < dearest[k] * (1.0 - TINY)]
    ends: dict[float, set[int]] = {}
    for k in changeable:
        ends.setdefault(vots[k], set()).update(
            (network.index[flows[k].origin], network.index[flows[k].destination]))
    lower = paths_by_time_value(network, everything, ends)
    pruning = {v: Pruning(network, v, committed - timed, frozenset(decision) | timed)
               for v in ends}
    variable = tuple(pruning[vots[k]].arcs(k, flows[k], lower[vots[k]], float(dearest[k]))
                     for k in changeable)
    return Prepared(instance, network, committed, decision, blocked, c0, cdn, cmin, variable,
                    demand if demand is not None else demand_of(instance, timeline), timeline,
                    timed)


def with_closures(prep: Prepared, closures: Sequence[tuple[str, float]]) -> Prepared:
    """Spec §11: each segment closed a share q of the year, independently. The
    objective becomes the expectation over every subset of closed segments,
    each a network variant weighted by its probability; the all-open state is
    the first."""
    index = {s.segment_id: i for i, s in enumerate(prep.instance.segments)}
    by_closed: dict[frozenset[str], Prepared] = {}
    states = []
    for closed_bits in sorted(itertools.product((False, True), repeat=len(closures)), key=sum):
        weight = math.prod(q if c else 1.0 - q for (_, q), c in zip(closures, closed_bits))
        if weight <= 0:
            continue
        closed = frozenset(s for (s, _), c in zip(closures, closed_bits) if c)
        state = dataclasses.replace(prep, mixture=()) if not closed else \
            prepare(prep.instance, prep.demand, closed=closed, today=prep.c0)
        for s in sorted(closed):
            if closed - {s} in by_closed:
                state = _unaffected(state, by_closed[closed - {s}], index[s])
        by_closed[closed] = state
        states.append((weight, state))
    if len(states) == 1 and states[0][1].network is prep.network:
        return prep  # nothing ever closes
    return dataclasses.replace(prep, mixture=tuple(states))


def _unaffected(state: Prepared, fewer: Prepared, segment: int) -> Prepared:
    """A closure state whose flows keep the pruned arcs of the state with one
    closure fewer wherever those arcs avoid the extra closed segment: every
    route cheaper than that state's do-nothing route avoids it, so the flow's
    cost is the same in both states for every portfolio, and the route master
    gives both one block (exact merging)."""
    before = {fa.flow: fa for fa in fewer.variable}
    return dataclasses.replace(state, variable=tuple(
        before[fa.flow] if fa.flow in before
        and not (before[fa.flow].segments == segment).any() else fa
        for fa in state.variable))


def constant_objective(prep: Prepared) -> float:
    """Objective value of the flows no project can change (their cost is the
    do-nothing cost in every epoch); weighted over a mixture's variants."""
    if prep.mixture:
        return sum(w * constant_objective(m) for w, m in prep.mixture)
    changeable = {fa.flow for fa in prep.variable}
    fixed = np.array([k not in changeable for k in range(len(prep.instance.flows))], dtype=bool)
    if not fixed.any():
        return 0.0
    ratio = (prep.cdn[fixed] / prep.c0[fixed]) ** -prep.demand.elasticity[fixed]
    value = prep.epoch_scale[:, fixed].sum(axis=0) if len(prep.epoch_scale) > 1 \
        else prep.epoch_scale[0, fixed]
    return float(sum(value * ratio))  # in flow order, as the solvers' offsets always were


def all_open_bound(prep: Prepared) -> float:
    """A valid upper bound on any plan's objective, known before any solve:
    every flow at its least cost (every selectable project open) in every
    epoch (each variant of a mixture at its own); a solver cut short before
    its first bound reports this one."""
    if prep.mixture:
        return sum(w * all_open_bound(m) for w, m in prep.mixture)
    ratio = (prep.cmin / prep.c0) ** -prep.demand.elasticity
    return float((prep.epoch_scale @ ratio).sum())
