"""Named tolerances: one meaning each, used by every stage that compares numbers.

Budgets and capex are sums of a few decimals; objective values are sums of
powers; a relative tolerance of 1e-9 separates a real difference from
floating-point noise in both. Costs and duals need a tighter, absolute guard.
"""
from __future__ import annotations

# Relative slack when comparing sums of money or objective values
# (a <= b + REL * scale): budget checks, zero-gain tests, proven gaps.
REL = 1e-9

# Smallest cost, dual or gain treated as positive, and the slack when two
# costs are compared for "strictly cheaper".
TINY = 1e-12

# A project variable within this of 0 or 1 counts as integral in branching.
INTEGRAL = 1e-6


def within(a: float, b: float, scale: float = 1.0) -> bool:
    """a <= b up to the relative tolerance REL of max(1, |scale|)."""
    return a <= b + REL * max(1.0, abs(scale))
