"""Stage 6: exact evaluation of a portfolio by shortest paths (spec §4).

Every reported volume comes from here, never from the solver's linearised
objective.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Paths, State, flow_costs, network_cost, route
from .preprocess import Prepared, required_closure


@dataclass(frozen=True)
class Evaluation:
    applied: frozenset[str]  # selected projects plus the committed ones
    costs: np.ndarray  # SP_k(x)
    volumes: np.ndarray  # V_k(x), kt/yr
    objective: float  # sum of weighted volumes (kt/yr, or USD million/yr for value)
    paths: dict[float, Paths]  # shortest paths per value of time

    @property
    def volume_kt(self) -> float:
        return float(self.volumes.sum())

    def route(self, prep: Prepared, k: int) -> list[State]:
        """States of flow k's route; empty when it takes its alternative."""
        flow = prep.instance.flows[k]
        net = prep.network
        vot = prep.instance.value_of_time(flow)
        if flow.alt_cost is not None and flow.alt_cost < network_cost(self.paths, net, flow, vot):
            return []
        return route(self.paths[vot], net.index[flow.origin], net.index[flow.destination])


def volumes(prep: Prepared, costs: np.ndarray) -> np.ndarray:
    """V_k = P_k (SP_k / C0_k)^-elasticity."""
    elasticity = np.array([f.elasticity for f in prep.instance.flows])
    return prep.potential * (costs / prep.c0) ** (-elasticity)


def weights(prep: Prepared) -> np.ndarray:
    return np.array([prep.instance.weight(f) for f in prep.instance.flows])


def evaluate(prep: Prepared, selected: frozenset[str] | set[str]) -> Evaluation:
    """Exact volumes with the selected projects and the committed ones applied."""
    applied = frozenset(selected) | prep.committed
    costs, paths = flow_costs(prep.network, prep.instance.flows, prep.instance.values_of_time,
                              applied)
    vols = volumes(prep, costs)
    return Evaluation(applied, costs, vols, float(vols @ weights(prep)), paths)


def today(prep: Prepared) -> Evaluation:
    """Today's network: no projects at all, not even committed ones."""
    costs, paths = flow_costs(prep.network, prep.instance.flows, prep.instance.values_of_time,
                              frozenset())
    vols = volumes(prep, costs)
    return Evaluation(frozenset(), costs, vols, float(vols @ weights(prep)), paths)


def drop_idle(prep: Prepared, selected: frozenset[str]) -> frozenset[str]:
    """Drop selected candidates whose removal (with the selected projects that
    require them) loses no exact objective: the solver may pick such projects
    on a tie, and an official should not be asked to fund them. Most
    expensive first; must_do projects stay."""
    inst = prep.instance
    keep = set(selected)
    base = evaluate(prep, frozenset(keep)).objective
    tolerance = 1e-9 * max(1.0, abs(base))
    for p in sorted(selected, key=lambda q: (-inst.project(q).capex_musd, q)):
        if p not in keep or inst.project(p).decision == "must_do":
            continue
        dependants = {q for q in keep if p in required_closure(inst, q)}
        if any(inst.project(q).decision == "must_do" for q in dependants):
            continue
        trial = frozenset(keep - dependants)
        value = evaluate(prep, trial).objective
        if value >= base - tolerance:
            keep, base = set(trial), max(base, value)
    return frozenset(keep)
