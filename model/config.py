"""How a run is solved, kept apart from what the model means (the Instance).

The Parameters sheet gives the defaults; the command line overrides them; the
result is the one RunConfig every stage reads, and the one place the budget
comes from.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum


class Formulation(str, Enum):
    AUTO = "auto"  # paths, raced by arc on the second core when not settled quickly (default)
    PATHS = "paths"  # route options by branch-and-price, exact volumes
    ARC = "arc"  # the spec's arc flows with a piecewise-linear volume curve

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class RunConfig:
    budget_musd: float
    budget_source: str = "Parameters sheet"  # or "--budget"
    time_limit_s: float = 300.0
    mip_gap: float = 0.001
    gain_gap: float = 0.005
    pwl_tolerance: float = 0.002  # the arc formulation's volume curve
    formulation: Formulation = Formulation.AUTO

    def __post_init__(self) -> None:
        object.__setattr__(self, "formulation", Formulation(self.formulation))

    def with_overrides(self, **changes: object) -> RunConfig:
        """A copy with the given settings; None means 'keep'."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
