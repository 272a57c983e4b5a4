"""Stage 6: exact evaluation of a portfolio by shortest paths (spec §4).

Every reported volume comes from here, never from the solver's linearised
objective.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Paths, State, flow_costs, network_cost, route
from .preprocess import Prepared


@dataclass(frozen=True)
class Evaluation:
    applied: frozenset[str]  # selected projects plus the committed ones
    costs: np.ndarray  # SP_k(x)
    volumes: np.ndarray  # V_k(x) in the horizon year, kt/yr
    objective: float  # the objective (kt/yr, or USD million/yr for value)
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


def _evaluation(prep: Prepared, applied: frozenset[str]) -> Evaluation:
    inst = prep.instance
    costs, paths = flow_costs(prep.network, inst.flows, inst.values_of_time, applied)
    d = prep.demand
    ratio = (costs / prep.c0) ** (-d.elasticity)
    objective = float((d.year_weight @ (d.potential * ratio)) @ d.weight)
    return Evaluation(applied, costs, d.potential[-1] * ratio, objective, paths)


def evaluate(prep: Prepared, selected: frozenset[str] | set[str]) -> Evaluation:
    """Exact volumes with the selected projects and the committed ones applied."""
    return _evaluation(prep, frozenset(selected) | prep.committed)


def today(prep: Prepared) -> Evaluation:
    """Today's network: no projects at all, not even committed ones."""
    return _evaluation(prep, frozenset())
