"""Stage 3b: what the model needs beyond the raw network.

Which projects can be chosen at all, the cost levels of every flow (today,
do-nothing, best possible) and the pruned arc states of the flows a project
can change. Flows no project can change become constants (spec §5).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .instance import Instance
from .network import FlowArcs, Network, build_network, flow_costs, paths_by_time_value, prune_arcs


@dataclass(frozen=True)
class Prepared:
    instance: Instance
    network: Network
    committed: frozenset[str]
    decision: tuple[str, ...]  # candidate and must_do projects that can be selected
    blocked: dict[str, str]  # project -> why it can never be selected
    c0: np.ndarray  # today's cost per flow (no projects at all)
    cdn: np.ndarray  # do-nothing cost (committed only)
    cmin: np.ndarray  # least cost with every selectable project applied
    potential: np.ndarray  # P_k
    variable: tuple[FlowArcs, ...]  # flows some project can change

    @property
    def must_do(self) -> tuple[str, ...]:
        return tuple(p for p in self.decision
                     if self.instance.project(p).decision == "must_do")


def segment_projects(instance: Instance) -> dict[str, list[str]]:
    """segment_id -> non-excluded projects that change it, in input order."""
    live = {p.project_id for p in instance.projects if p.decision != "excluded"}
    out: dict[str, list[str]] = defaultdict(list)
    for e in instance.effects:
        if e.project_id in live and e.project_id not in out[e.segment_id]:
            out[e.segment_id].append(e.project_id)
    return out


def group_members(instance: Instance) -> dict[str, list[str]]:
    """group label -> non-excluded projects in it."""
    out: dict[str, list[str]] = defaultdict(list)
    for p in instance.projects:
        if p.group and p.decision != "excluded":
            out[p.group].append(p.project_id)
    return out


def blocked_projects(instance: Instance) -> dict[str, str]:
    """Candidates and must_do projects that no portfolio can hold, with why."""
    committed = instance.committed
    blocked: dict[str, str] = {}
    for members in group_members(instance).values():
        for c in (m for m in members if m in committed):
            for p in members:
                if p not in committed:
                    blocked.setdefault(p, f"alternative to {c} (same group), which is committed")
    for seg, members in segment_projects(instance).items():
        for c in (m for m in members if m in committed):
            for p in members:
                if p not in committed:
                    blocked.setdefault(
                        p, f"changes segment {seg}, which committed project {c} also changes")
    decision = {p.project_id: p for p in instance.projects}
    changed = True
    while changed:  # requires propagate: a project needing a blocked one is blocked
        changed = False
        for p in instance.projects:
            if p.decision in ("committed", "excluded") or p.project_id in blocked:
                continue
            for q in p.requires:
                other = decision.get(q)
                if other is not None and other.decision == "excluded":
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


def prepare(instance: Instance) -> Prepared:
    network = build_network(instance)
    committed = instance.committed
    blocked = blocked_projects(instance)
    decision = tuple(p.project_id for p in instance.projects
                     if p.decision in ("candidate", "must_do") and p.project_id not in blocked)
    flows, vots = instance.flows, instance.values_of_time
    c0, _ = flow_costs(network, flows, vots, frozenset())
    cdn, _ = flow_costs(network, flows, vots, committed)
    everything = committed | frozenset(decision)
    cmin, _ = flow_costs(network, flows, vots, everything)
    potential = np.array([instance.potential(f) for f in flows])

    changeable = [k for k in range(len(flows)) if cmin[k] < cdn[k] * (1.0 - 1e-12)]
    ends: dict[float, set[int]] = {}
    for k in changeable:
        ends.setdefault(vots[k], set()).update(
            (network.index[flows[k].origin], network.index[flows[k].destination]))
    lower = paths_by_time_value(network, everything, ends)
    variable = tuple(prune_arcs(network, k, flows[k], vots[k], lower[vots[k]], float(cdn[k]),
                                committed, frozenset(decision)) for k in changeable)
    return Prepared(instance, network, committed, decision, blocked, c0, cdn, cmin,
                    potential, variable)


def affordable(prep: Prepared, budget: float) -> dict[str, bool]:
    """For each selectable project: can it and what it requires fit the budget?
    Solvers bound the others to 0, which tightens the LP bound at no cost."""
    inst = prep.instance
    return {p: sum(inst.project(q).capex_musd for q in required_closure(inst, p))
            <= budget + 1e-9 for p in prep.decision}


def check_feasibility(prep: Prepared, budget: float) -> list[str]:
    """Why no portfolio can exist, found before solving (exit 3); empty if none."""
    inst = prep.instance
    must = [p.project_id for p in inst.projects if p.decision == "must_do"]
    reasons = [f"must_do project {p} can never be selected: {prep.blocked[p]}"
               for p in must if p in prep.blocked]
    if reasons:
        return reasons
    needed: set[str] = set()
    for p in must:
        needed |= required_closure(inst, p)
    cost = sum(inst.project(p).capex_musd for p in needed)
    if cost > budget + 1e-9:
        extra = sorted(needed - set(must))
        with_req = f" (with what they require: {', '.join(extra)})" if extra else ""
        reasons.append(f"the must_do projects {', '.join(must)}{with_req} cost {cost:,.1f}"
                       f" USD million, more than the budget of {budget:,.1f} USD million")
    rivals = list(group_members(inst).items()) + [
        (f"segment {s}", m) for s, m in segment_projects(inst).items()]
    for label, members in rivals:
        clash = sorted(set(members) & needed)
        if len(clash) > 1:
            where = label if label.startswith("segment") else f"group '{label}'"
            reasons.append(f"must_do projects (or what they require) {' and '.join(clash)} are"
                           f" alternatives ({where}): at most one of them can be selected")
    return reasons


def constant_objective(prep: Prepared) -> float:
    """Weighted volume of the flows no project can change."""
    changeable = {fa.flow for fa in prep.variable}
    total = 0.0
    for k, flow in enumerate(prep.instance.flows):
        if k not in changeable:
            total += (prep.potential[k] * prep.instance.weight(flow)
                      * (prep.cdn[k] / prep.c0[k]) ** -flow.elasticity)
    return float(total)
