"""Demand apart from the network: what the objective weighs, per year and flow.

Shortest paths depend only on the network and the values of time; potentials,
elasticities and weights depend only on the demand. A scenario that changes
growth, volumes or elasticities swaps the Demand and keeps every path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .instance import Instance
from .timeline import Timeline


@dataclass(frozen=True)
class Demand:
    years: tuple[int, ...]  # the objective years (one-shot: the horizon)
    year_weight: np.ndarray  # w_t per objective year
    potential: np.ndarray  # P_t,k, kt/yr: [year, flow]
    elasticity: np.ndarray  # per flow
    weight: np.ndarray  # objective weight per flow: 1 (volume) or USD million per kt (value)

    @property
    def horizon_potential(self) -> np.ndarray:
        """P_k in the horizon year, the last objective year: what 'volume' reports."""
        return self.potential[-1]

    def epoch_scale(self, epochs: Sequence[Sequence[int]]) -> np.ndarray:
        """[epoch, flow]: what one unit of (cost / today's cost)^-elasticity is
        worth in the objective over an epoch's years: sum of w_t P_t,k, times
        the flow's weight."""
        row = {t: i for i, t in enumerate(self.years)}
        out = np.empty((len(epochs), self.potential.shape[1]))
        for e, years in enumerate(epochs):
            idx = [row[t] for t in years]
            out[e] = (self.year_weight[idx] @ self.potential[idx]) * self.weight
        return out

    def volumes(self, ratio: np.ndarray, year: int | None = None) -> np.ndarray:
        """V_k,t = P_k,t * ratio_k, ratio = (SP_k / C0_k)^-elasticity_k; the horizon by default."""
        if year is None:
            return self.horizon_potential * ratio
        return self.potential[self.years.index(year)] * ratio


def demand_of(instance: Instance, timeline: Timeline) -> Demand:
    """Spec §4 and §9.2: potentials in every objective year, each flow weighted
    by the objective (1, or value_usd_per_t / 1000)."""
    flows = instance.flows
    potential = np.array([[instance.potential(f, t) for f in flows] for t in timeline.years],
                         dtype=float).reshape(len(timeline.years), len(flows))
    return Demand(timeline.years, np.array(timeline.year_weight, dtype=float), potential,
                  np.array([f.elasticity for f in flows], dtype=float),
                  np.array([instance.weight(f) for f in flows], dtype=float))
