"""Demand apart from the network: what the objective weighs, per year and flow.

Shortest paths depend only on the network and the values of time; potentials,
elasticities and weights depend only on the demand. A scenario that changes
growth, volumes or elasticities swaps the Demand and keeps every path.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instance import Instance


@dataclass(frozen=True)
class Demand:
    years: tuple[int, ...]  # the years the objective counts
    year_weight: np.ndarray  # w_t per year
    potential: np.ndarray  # P_t,k, kt/yr: [year, flow]
    elasticity: np.ndarray  # per flow
    weight: np.ndarray  # objective weight per flow: 1 (volume) or USD million per kt (value)

    @property
    def horizon_potential(self) -> np.ndarray:
        """P_k in the last objective year: what 'volume' reports."""
        return self.potential[-1]

    @property
    def value_scale(self) -> np.ndarray:
        """Per flow, what one unit of (cost / today's cost)^-elasticity is worth
        in the objective: sum over years of w_t P_t,k, times the flow's weight."""
        return (self.year_weight @ self.potential) * self.weight

    def volumes(self, costs: np.ndarray, c0: np.ndarray, year: int = -1) -> np.ndarray:
        """V_k = P_k (SP_k / C0_k)^-elasticity_k in one objective year (spec §4)."""
        return self.potential[year] * (costs / c0) ** (-self.elasticity)


def horizon_demand(instance: Instance) -> Demand:
    """Spec §4: the horizon year's volumes, each flow weighted by the objective."""
    flows = instance.flows
    horizon = instance.parameters.horizon_year
    return Demand((horizon,), np.ones(1),
                  np.array([[instance.potential(f, horizon) for f in flows]]).reshape(1, -1),
                  np.array([f.elasticity for f in flows], dtype=float),
                  np.array([instance.weight(f) for f in flows], dtype=float))
