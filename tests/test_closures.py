"""Exact evaluation under closures (spec §11), against hand-worked cases and
the independent oracle (tests/reference.py: its own Dijkstra over every
subset of closed segments).

With VOT = 1 and road(L, speed, cost): gc = L*cost + L/speed; road(100) = 12,
road(200) = 24. Horizon = base year and elasticity 1: V = P * C0 / C.
"""
import itertools
import random

import pytest

from model.evaluate import evaluate, evaluate_plan
from model.preprocess import prepare, with_closures
from model.problem import Plan
from model.sequencer import optimise
from tests import reference
from tests.builders import flow, instance, proj, road, seg


def two_roads(alt: float | None = None):
    # A-B by s1 (gc 12) or by the long s2 (gc 24); p1 upgrades s1 to gc 6.
    return instance([seg("s1", "A", "B", road(100)), seg("s2", "A", "B", road(200))],
                    [proj("p1", 10)], [("p1", "s1", road(100, 100, 0.05))],
                    [flow("A", "B", 120, alt=alt)])


def test_one_closure_weighs_open_and_removed():
    # Closed q = 73/365 = 0.2 of the year: 0.8 * V(open) + 0.2 * V(s1 removed).
    # Do nothing: 0.8 * 120 + 0.2 * 120 * 12/24 = 96 + 12 = 108.
    # With p1 (s1 at 6): 0.8 * 240 + 0.2 * 60 = 204: closing s1 also takes p1 away.
    prep = with_closures(prepare(two_roads()), [("s1", 73 / 365)])
    assert evaluate(prep, set()).volume_kt == pytest.approx(108.0)
    assert evaluate(prep, {"p1"}).volume_kt == pytest.approx(204.0)
    assert evaluate_plan(prep, Plan.of({"p1"})).objective == pytest.approx(204.0)


def test_closing_the_only_route_stops_the_trade_or_sends_it_outside():
    # Only s1 joins A and B: closed half the year, half the volume moves; with
    # an outside route at 30, the closed half moves 120 * 12/30 = 48.
    only = instance([seg("s1", "A", "B", road(100))], [], [], [flow("A", "B", 120)])
    assert evaluate(with_closures(prepare(only), [("s1", 0.5)]), set()).volume_kt \
        == pytest.approx(60.0)
    outside = instance([seg("s1", "A", "B", road(100))], [], [],
                       [flow("A", "B", 120, alt=30.0)])
    assert evaluate(with_closures(prepare(outside), [("s1", 0.5)]), set()).volume_kt \
        == pytest.approx(60.0 + 24.0)


def test_two_independent_closures_weigh_four_states():
    # s1 closed 0.5, s2 closed 0.25: both open 0.5 * 0.75 = 0.375 (120), only s1
    # closed 0.375 (via s2: 60), only s2 closed 0.125 (120), both closed 0.125
    # (nothing moves): 45 + 22.5 + 15 + 0 = 82.5.
    prep = with_closures(prepare(two_roads()), [("s1", 0.5), ("s2", 0.25)])
    assert len(prep.mixture) == 4
    assert evaluate(prep, set()).volume_kt == pytest.approx(82.5)


def test_no_closure_leaves_the_network_alone():
    prep = prepare(two_roads())
    assert with_closures(prep, [("s1", 0.0)]) is prep
    always = with_closures(prep, [("s1", 1.0)])
    assert evaluate(always, set()).volume_kt == pytest.approx(60.0)


@pytest.mark.parametrize("seed", range(12))
def test_random_closures_match_the_oracle(seed):
    """Random instances, 1 to 3 closed segments with random shares, random
    portfolios: the model's expectation equals the oracle's enumeration."""
    gen = reference.random_instance(seed, own_time_values=seed % 2 == 1)
    inst = gen.instance
    rng = random.Random(seed)
    picked = rng.sample([s.segment_id for s in inst.segments], rng.randint(1, 3))
    closures = {s: rng.choice([0.1, 0.3, 0.5, 1.0]) for s in picked}
    prep = with_closures(prepare(inst), sorted(closures.items()))
    free = [p.project_id for p in inst.projects if p.decision in ("candidate", "must_do")]
    subsets = [set(c) for r in (0, 1, 2, len(free)) for c in itertools.combinations(free, r)]
    for selected in rng.sample(subsets, min(6, len(subsets))):
        model = evaluate(prep, selected).volume_kt
        oracle = reference.expected_volume(inst, selected, closures)
        assert model == pytest.approx(oracle, rel=1e-9), (selected, closures)


@pytest.mark.parametrize("seed", range(4))
def test_a_programme_under_closures_matches_the_oracle(seed):
    """Spec §9.2 over years with closures (spec §11): every epoch's expected
    ratio weighted by its potentials, against the oracle's W over every subset
    of closed segments; and the optimum schedule against enumeration."""
    gen = reference.random_programme(seed)
    inst = gen.instance
    rng = random.Random(seed)
    picked = rng.sample([s.segment_id for s in inst.segments if s.status == "open"], 2)
    closures = {s: rng.choice([0.2, 0.5]) for s in picked}
    prep = with_closures(prepare(inst), sorted(closures.items()))
    years = [y.year for y in inst.years]
    window = {p.project_id: [s for s in years if (p.earliest_start or years[0]) <= s
                             and s + p.duration_years - 1 <= years[-1]]
              for p in inst.projects if p.decision in ("candidate", "must_do")}
    free = [p for p, starts in window.items() if starts]
    for _ in range(4):
        starts = {p: rng.choice(window[p]) for p in rng.sample(free, min(2, len(free)))}
        plan = Plan.scheduled(starts)
        assert evaluate_plan(prep, plan).objective == pytest.approx(
            reference.expected_cumulative(inst, starts, closures), rel=1e-9)
    best = reference.best_schedule(inst, gen.budget, closures=closures)
    out = optimise(inst, gen.config, prep=prep)
    if best is None:
        assert out.solution.status == "infeasible"
    else:
        assert evaluate_plan(prep, out.plan).objective == pytest.approx(best[0], rel=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_the_route_master_is_exact_for_fixed_portfolios_under_closures(seed):
    """With every project variable fixed, column generation over the closure
    states' blocks ends at the exact expected objective (the master is exact
    for binary x): a block that merged states a closure does change, or lost
    one, would show here. The oracle gives the expectation."""
    from model.clock import Deadline
    from model.problem import PortfolioProblem
    from model.route_solver import RouteSolver

    gen = reference.random_instance(seed)
    inst = gen.instance
    rng = random.Random(seed)
    picked = rng.sample([s.segment_id for s in inst.segments], rng.randint(1, 3))
    closures = {s: rng.choice([0.3, 0.6]) for s in picked}
    prep = with_closures(prepare(inst), sorted(closures.items()))
    problem = PortfolioProblem(prep, gen.budget)
    solver = RouteSolver(problem)
    if not solver.master.nets:
        return
    tried = 0
    for r in range(len(problem.projects) + 1):
        for chosen in itertools.combinations(problem.projects, r):
            plan = Plan.of(chosen)
            if not problem.fits(plan) or tried >= 6:
                continue
            tried += 1
            solver.master.fix({v: float(v[0] in chosen) for v in problem.variables})
            value = solver.price(Deadline(60))
            assert solver.converged
            assert value == pytest.approx(
                reference.expected_volume(inst, set(chosen), closures), rel=1e-7), chosen
