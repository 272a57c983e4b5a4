"""Numbers valid one by one but beyond anything real once combined.

A growth of 500 % a year meant as 5, or tonnes typed into a kt column, make
a flow whose horizon volume no trade has: the solver then meets coefficients
it cannot handle (HiGHS takes 1e20 as infinity; Python overflows past
1e308) and fails or stops with an internal error. Such a flow is an input
error on its Demand row instead.
"""
from __future__ import annotations

import math

from .instance import Flow, Parameters, Problem

MAX_FLOW_KT = 1e9  # a hundred times the world's merchandise trade (~1.2e7 kt a year)


def check_flow_volumes(flows: list[tuple[int, Flow]], parameters: Parameters) -> list[Problem]:
    """Each flow's volume in the horizon year (base volume grown) must be finite
    and at most MAX_FLOW_KT."""
    years = parameters.horizon_year - parameters.base_year
    problems = []
    for row, f in flows:
        try:
            volume = f.base_volume_kt * (1.0 + f.growth_pct / 100.0) ** years
        except OverflowError:
            volume = math.inf
        if volume <= MAX_FLOW_KT:
            continue
        column, value = ("base_volume_kt", f.base_volume_kt) if f.base_volume_kt > MAX_FLOW_KT \
            else ("growth_pct", f.growth_pct)
        amount = f"{volume:,.3g} kt" if math.isfinite(volume) else "more than 1e308 kt"
        problems.append(Problem(
            "Demand", row, column, value,
            f"this flow would carry {amount} a year in {parameters.horizon_year}"
            f" ({f.base_volume_kt:,.6g} kt in {parameters.base_year}, growing"
            f" {f.growth_pct:,.6g} % a year), more than a hundred times the world's trade;"
            " check base_volume_kt (thousand tonnes a year) and growth_pct (% a year)"))
    return problems
