"""Economic appraisal (spec §10): what the money buys, beside the objective.

User benefit by the rule of half on the exact costs and volumes of each year,
capex as disbursed, NPV at the appraisal discount rate, BCR and EIRR. Every
figure comes from exact shortest-path evaluations (evaluate.py), never from a
solver's objective.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from .evaluate import applied, open_set
from .preprocess import Prepared

if TYPE_CHECKING:
    from .problem import Plan

# EIRR search range (fractions a year): a root outside it is reported as none.
EIRR_LOW, EIRR_HIGH = -0.99, 100.0


@dataclass(frozen=True)
class Stream:
    """Benefits and capex by year, USD million, from base_year + 1 to the
    appraisal end year; year 0 of discounting is the first of them."""

    years: tuple[int, ...]
    benefits: np.ndarray
    capex: np.ndarray

    def present_value(self, values: np.ndarray, rate: float) -> float:
        factors = (1.0 + rate) ** -np.arange(len(self.years), dtype=float)
        return float(values @ factors)

    def npv(self, rate: float) -> float:
        return self.present_value(self.benefits - self.capex, rate)


@dataclass(frozen=True)
class Appraisal:
    discount_pct: float
    pv_benefits_musd: float
    pv_capex_musd: float
    npv_musd: float
    bcr: float | None  # None when there is no capex
    eirr_pct: float | None  # None when NPV(r) has no root in the search range
    stream: Stream

    @property
    def benefit_per_year_musd(self) -> float:
        """Undiscounted benefit in the last year (the horizon's, held)."""
        return float(self.stream.benefits[-1]) if len(self.stream.years) else 0.0


def rule_of_half(potential: np.ndarray, c0: np.ndarray, elasticity: np.ndarray,
                 done: np.ndarray, nothing: np.ndarray) -> np.ndarray:
    """b_k = 0.5 (V_k(X) + V_k(D)) (SP_k(D) - SP_k(X)) / 1000 per flow, USD
    million a year, for potentials P_k of that year and the costs SP_k of the
    projects done (X) and of doing nothing (D) (spec §10)."""
    v_x = potential * (done / c0) ** (-elasticity)
    v_d = potential * (nothing / c0) ** (-elasticity)
    return 0.5 * (v_x + v_d) * (nothing - done) / 1000.0


def eirr(stream: Stream) -> float | None:
    """The discount rate at which NPV = 0, as a fraction; None when there is
    none in (-99%, 10,000%). With several roots (capex after benefits) the
    lowest is returned."""
    npv = stream.npv
    grid = np.concatenate([np.linspace(EIRR_LOW, 1.0, 400), np.geomspace(1.0, EIRR_HIGH, 200)])
    values = ((1.0 + grid[:, None]) ** -np.arange(len(stream.years), dtype=float)) \
        @ (stream.benefits - stream.capex)  # npv at every grid rate at once
    for i in range(len(grid) - 1):
        a, b = values[i], values[i + 1]
        if a == 0.0:
            return float(grid[i])
        if a * b < 0.0:
            return _bisect(npv, float(grid[i]), float(grid[i + 1]))
    return None


def _bisect(f: Callable[[float], float], low: float, high: float) -> float:
    """The root of f in [low, high], where f changes sign, to 1e-12."""
    f_low = f(low)
    while high - low > 1e-12:
        mid = (low + high) / 2
        f_mid = f(mid)
        if (f_mid < 0) == (f_low < 0):
            low, f_low = mid, f_mid
        else:
            high = mid
    return (low + high) / 2


def appraise(stream: Stream, discount_pct: float) -> Appraisal:
    rate = discount_pct / 100.0
    pv_b = stream.present_value(stream.benefits, rate)
    pv_k = stream.present_value(stream.capex, rate)
    root = eirr(stream) if stream.capex.any() and stream.benefits.any() else None
    return Appraisal(discount_pct, pv_b, pv_k, pv_b - pv_k,
                     pv_b / pv_k if pv_k > 0 else None,
                     100.0 * root if root is not None else None, stream)


def appraise_plan(prep: Prepared, plan: Plan,
                  costs_of: Callable[[frozenset[str]], np.ndarray] | None = None) -> Appraisal:
    """Spec §10 for a plan: each year from base_year + 1 to the appraisal end,
    the rule-of-half benefit of the projects open that year against that
    year's do-nothing (committed projects open by then), and the total capex
    (financed and partners') as disbursed: spread over the construction years
    in a programme, all in base_year + 1 in a one-shot run (where the selected
    and committed projects are open from base_year + 1). ``costs_of`` gives the
    exact costs SP_k of an applied set (default: a full evaluation of each set
    met, once)."""
    inst, timeline = prep.instance, prep.timeline
    params = inst.parameters
    first = params.base_year + 1
    years = list(range(first, params.appraisal_end(first) + 1))
    elasticity = prep.demand.elasticity
    base = np.array([f.base_volume_kt for f in inst.flows])
    growth = np.array([f.growth_pct for f in inst.flows]) / 100.0
    starts = dict(plan.starts)
    costs = costs_of if costs_of is not None else functools.cache(
        lambda done: applied(prep, done).costs)  # the do-nothing set recurs every year
    benefits = np.empty(len(years))
    capex = np.zeros(len(years))
    for i, t in enumerate(years):
        potential = base * (1.0 + growth) ** (min(t, params.horizon_year) - params.base_year)
        done = costs(open_set(prep, starts, t))
        nothing = costs(prep.open_in(t))
        benefits[i] = float(rule_of_half(potential, prep.c0, elasticity, done, nothing).sum())
        for p, s in starts.items():
            project = inst.project(p)
            if not timeline.programme:
                capex[i] += project.capex_musd if t == first else 0.0
            elif timeline.disbursing(project, s, t):
                capex[i] += project.capex_musd / project.duration_years
    return appraise(Stream(tuple(years), benefits, capex), params.appraisal_discount_pct)


@dataclass(frozen=True)
class Marginal:
    """A selected project's share of the portfolio's appraisal: the portfolio
    against the portfolio without it and what requires it (spec §10)."""

    npv_musd: float
    bcr: float | None


def marginal(whole: Appraisal, without: Appraisal) -> Marginal:
    d_capex = whole.pv_capex_musd - without.pv_capex_musd
    d_benefit = whole.pv_benefits_musd - without.pv_benefits_musd
    return Marginal(whole.npv_musd - without.npv_musd,
                    d_benefit / d_capex if d_capex > 0 else None)
