"""The route master's Lagrangian (RouteMaster.lagrangian), which the route
solver's bound, its dual smoothing and its reduced-cost fixing rest on.

At the route LP's own duals it must give the LP value and HiGHS' reduced
costs (strong duality); at any other multipliers >= 0, with each block's
best route score found by brute force over its routes, a bound no lower than
the best portfolio found by enumeration (tests/reference.py), on one-shot
instances and programmes over years."""
import math
import random

import numpy as np
import pytest

from model.clock import Deadline
from model.preprocess import prepare
from model.problem import PortfolioProblem, check_feasibility
from model.route_master import Infeasible, RouteMaster
from tests import reference
from tests.test_pricing_compiled import enumerate_routes


def master_and_lp(gen):
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    if check_feasibility(problem):
        return None, None
    master = RouteMaster(problem.prep, problem)
    if not master.blocks:
        return None, None
    try:
        return master, master.solve_lp(Deadline(30.0))
    except Infeasible:
        return None, None


@pytest.mark.parametrize("make", [reference.random_instance, reference.random_programme])
def test_at_the_lp_duals_it_is_the_lp_value(make):
    checked = 0
    for seed in range(30):
        master, lp = master_and_lp(make(seed))
        if master is None:
            continue
        value, reduced = master.lagrangian(lp.duals)
        convexity = sum(lp.duals[master.convexity[b.index]] for b in master.blocks)
        assert value + convexity == pytest.approx(lp.value, rel=1e-9, abs=1e-9)
        for v, d in lp.reduced.items():
            assert reduced[v] == pytest.approx(d, rel=1e-9, abs=1e-9), v
        checked += 1
    assert checked >= 20


def best_score(master, block, multipliers) -> float:
    """A block's best route score at the multipliers, by brute force over every
    simple route of its network (and the alternative) and over its route
    columns, which may leave that network (a programme's epochs before a
    committed project opens)."""
    penalty = master.penalties(block, multipliers)
    scores = [s for s, _, _ in enumerate_routes(block.net, penalty, block.scale)]
    if block.net.alt is not None:
        scores.append(block.scale * block.net.alt ** -block.net.elasticity)
    for r in master.routes:
        if r.family == block.family and master.usable(block, r.projects):
            scores.append(block.scale * r.cost ** -block.net.elasticity
                          - sum(penalty.get(p, 0.0) for p in r.projects))
    return max(scores)


@pytest.mark.parametrize("make,best", [
    (reference.random_instance, lambda g: reference.best_portfolio(g.instance, g.budget)),
    (reference.random_programme, lambda g: reference.best_schedule(g.instance, g.budget)),
])
def test_any_multipliers_give_a_bound(make, best):
    """Multipliers from the LP's duals scaled at random, some rows' zeroed,
    some raised: the Lagrangian value plus the blocks' best scores is never
    below the enumerated optimum; at the LP's duals it is at least the LP."""
    rng = random.Random(7)
    checked = 0
    for seed in range(30):
        gen = make(seed)
        master, lp = master_and_lp(gen)
        optimum = best(gen)
        if master is None or optimum is None:
            continue
        for trial in range(4):
            y = lp.duals * (1.0 if trial == 0 else
                            np.array([rng.choice([0.0, rng.uniform(0.0, 3.0)])
                                      for _ in lp.duals]))
            value, _ = master.lagrangian(y)
            bound = value + sum(best_score(master, b, y) for b in master.blocks)
            assert bound >= optimum[0] * (1 - 1e-9), (seed, trial)
            if trial == 0:
                assert bound >= lp.value * (1 - 1e-9)
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize("make", [reference.random_instance, reference.random_programme])
def test_best_columns_are_the_best_route_columns(make):
    rng = random.Random(3)
    checked = 0
    for seed in range(20):
        master, lp = master_and_lp(make(seed))
        if master is None:
            continue
        y = lp.duals * np.array([rng.uniform(0.0, 3.0) for _ in lp.duals])
        got = master.best_columns(y)
        for b in master.blocks:
            link = {p: y[row] for p, row in master._links_of[b.index]}
            want = max((b.scale * r.cost ** -b.net.elasticity
                        - sum(link.get(p, 0.0) for p in r.projects)
                        for r in master.routes
                        if r.family == b.family and master.usable(b, r.projects)),
                       default=-math.inf)
            assert got[b.index] == pytest.approx(want, rel=1e-12, abs=1e-9)
        checked += 1
    assert checked >= 12
