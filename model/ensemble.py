"""Scenario ensembles (spec §11): what each draw computes, what the draws add
up to, and the robust portfolio over all of them.

A draw (``solve_draw``, run by the executor on any worker) applies its sampled
values to a copy of the base prepared network (scenario.py), evaluates the
returned portfolio there exactly, as it is, whatever it costs at the draw's
prices, and re-optimises the portfolio for the draw within the budget at the
draw's capex. ``Ensemble`` holds what the draws add up to (the report's
tables are in ensemble_results.py); ``robust`` solves one model over all
draws with the projects shared, in the calling process.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from .config import RunConfig
from .evaluate import evaluate_plan
from .numerics import REL
from .preprocess import Prepared
from .pricing import compile_now
from .problem import Plan, PortfolioProblem
from .scenario import Draw, Scenario, apply, sample
from .sequencer import Outcome, optimise
from .solution import Status, gain_gap

PERCENTILES = (10, 50, 90)


class Executor(Protocol):
    """Runs ``task(shared, item)`` for every item (executor.Engine on Dask)."""

    description: str

    def map(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any],
            progress: Callable[[int, int], None]) -> Any: ...


@dataclass(frozen=True)
class Shipment:
    """What every worker is given once: the base prepared network (its
    instance carries the Uncertainty rows), the run settings and the returned
    portfolio."""

    prep: Prepared
    config: RunConfig
    returned: Plan


@dataclass(frozen=True)
class Figures:
    """A portfolio in one draw, exact: trade in the horizon year (kt/yr), the
    objective (kt/yr, USD million/yr, or W of a programme) and its financed
    cost at the draw's capex."""

    trade_kt: float
    objective: float
    cost_musd: float


@dataclass(frozen=True)
class DrawResult:
    draw: Draw
    nothing: Figures  # do-nothing in the draw
    returned: Figures  # the deterministic portfolio, as it is
    own: Figures | None  # the draw's own optimum (None: none within the budget)
    own_plan: Plan
    own_status: Status
    own_gain_gap: float | None

    @property
    def regret(self) -> float | None:
        """What the draw's own optimum adds to the returned portfolio (objective)."""
        return None if self.own is None else self.own.objective - self.returned.objective


def figures(scenario: Scenario, budget: float, plan: Plan) -> Figures:
    problem = PortfolioProblem(scenario.prep, budget, scenario.capex)
    ev = evaluate_plan(scenario.prep, plan)
    return Figures(ev.horizon.volume_kt, ev.objective, problem.spent(plan.selected))


def solve_draw(ship: Shipment, drawn: Draw) -> DrawResult:
    """One draw: the returned portfolio evaluated in it, and its own optimum."""
    compile_now()
    scenario = apply(ship.prep, ship.prep.instance.uncertainty, drawn)
    config = ship.config
    budget = config.budget_musd
    outcome = optimise(ship.prep.instance, config, prep=scenario.prep, capex=scenario.capex,
                       hint=ship.returned, rank=False)
    sol = outcome.solution
    own = figures(scenario, budget, outcome.plan) if sol.has_portfolio else None
    nothing = figures(scenario, budget, Plan())
    return DrawResult(drawn, nothing, figures(scenario, budget, ship.returned), own,
                      outcome.plan, sol.status,
                      gain_gap(sol.bound, own.objective, nothing.objective) if own else None)


# --- what the draws add up to ------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """Mean and percentiles of a portfolio's gain over the draws (numpy's
    linear interpolation between order statistics)."""

    mean: float
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread | None:
        if not values:
            return None
        p10, p50, p90 = (float(v) for v in np.percentile(values, PERCENTILES))
        return cls(float(np.mean(values)), p10, p50, p90)


@dataclass(frozen=True)
class Robust:
    """The portfolio that maximises the mean objective over the draws."""

    outcome: Outcome
    gains: tuple[float, ...]  # its gain over do-nothing in every draw, by draw (kt/yr)
    trades: tuple[float, ...]  # its trade in every draw (kt/yr)
    objective: float  # mean exact objective over the draws
    nothing: float  # mean do-nothing objective
    deterministic: float  # the returned portfolio's mean objective

    @property
    def plan(self) -> Plan:
        return self.outcome.plan

    @property
    def gain_gap(self) -> float | None:
        return gain_gap(self.outcome.solution.bound, self.objective, self.nothing)


@dataclass(frozen=True)
class Ensemble:
    requested: int
    seed: int
    draws: tuple[Draw, ...]  # every draw sampled, done or not
    results: tuple[DrawResult, ...]  # the draws done, in draw order
    failed: dict[int, str] = field(default_factory=dict)  # draw index -> why
    robust: Robust | None = None
    engine: str = ""  # where the draws ran
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return len(self.results)

    def gains(self) -> list[float]:
        """The returned portfolio's gain over do-nothing in each draw (kt/yr)."""
        return [r.returned.trade_kt - r.nothing.trade_kt for r in self.results]

    def spread(self) -> Spread | None:
        return Spread.of(self.gains())

    def selection_share(self, project: str) -> float | None:
        """Share of the draws with an optimum whose optimum selects the project."""
        solved = [r for r in self.results if r.own is not None]
        if not solved:
            return None
        return sum(project in r.own_plan.selected for r in solved) / len(solved)


def over_budget(result: DrawResult, budget: float) -> bool:
    return result.returned.cost_musd > budget + REL * max(1.0, budget)


# --- the robust portfolio ---------------------------------------------------------------

def mixture_of(base: Prepared, scenarios: Sequence[Scenario]) -> Prepared:
    """One prepared network whose objective is the mean over the draws: every
    draw's network variants (its closure states) weighted by 1/N times their
    probability. The rules, and the capex the budget counts, are the base's."""
    n = len(scenarios)
    members = tuple((w / n, m) for s in scenarios for w, m in s.prep.members)
    return dataclasses.replace(base, mixture=members)


def robust(base: Prepared, config: RunConfig, scenarios: Sequence[Scenario],
           returned: Plan) -> Robust:
    """Sample-average model: the projects shared, every draw's blocks in one
    route master, the budget at the base capex."""
    prep = mixture_of(base, scenarios)
    compile_now()
    outcome = optimise(base.instance, config, prep=prep, hint=returned)
    plan = outcome.plan
    trades, gains = [], []
    for s in scenarios:
        trade = evaluate_plan(s.prep, plan).horizon.volume_kt
        trades.append(trade)
        gains.append(trade - evaluate_plan(s.prep, Plan()).horizon.volume_kt)
    mean = evaluate_plan(prep, plan).objective if outcome.solution.has_portfolio else math.nan
    return Robust(outcome, tuple(gains), tuple(trades), mean,
                  evaluate_plan(prep, Plan()).objective, evaluate_plan(prep, returned).objective)


# --- the whole ensemble ------------------------------------------------------------------

def run_ensemble(outcome: Outcome, config: RunConfig, count: int, seed: int,
                 engine: Executor, *, with_robust: bool = False,
                 progress: Callable[[int, int], None] = lambda done, failed: None,
                 say: Callable[[str], None] = lambda _: None) -> Ensemble:
    """``count`` draws of the returned portfolio's run on the engine, and the
    robust portfolio over the same draws when asked (solved here, once)."""
    t = time.perf_counter()
    prep = outcome.prep
    rows = prep.instance.uncertainty
    draws = sample(rows, seed, count)
    ran = engine.map(solve_draw, Shipment(prep, config, outcome.plan), draws, progress)
    results = tuple(ran.results[i] for i in sorted(ran.results))
    failed = {draws[i].index: why for i, why in sorted(ran.failed.items())}
    best = None
    if with_robust:
        say(f"Robust portfolio: one model over the {count} draws ...")
        best = robust(prep, config, [apply(prep, rows, d) for d in draws], outcome.plan)
    return Ensemble(count, seed, draws, results, failed, best, engine.description,
                    time.perf_counter() - t)
