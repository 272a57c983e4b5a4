"""Scenario draws (spec §11) against the independent oracle: sampling, a draw
applied to the instance, the returned portfolio evaluated as it is, the
draw's own optimum and the robust portfolio against enumeration of every
portfolio (tests/reference.py applies draws with its own code)."""
import dataclasses
import random

import numpy as np
import pytest

from model.ensemble import Shipment, figures, mixture_of, robust, solve_draw
from model.instance import Instance, Uncertain
from model.preprocess import prepare
from model.problem import Plan
from model.scenario import apply, sample
from model.sequencer import optimise
from tests import reference
from tests.reference import Generated

EXACT = dict(mip_gap=1e-9, gain_gap=1e-9)


def uncertain_instance(seed: int, closures: int = 2) -> tuple[Instance, Generated]:
    """A random small instance (reference.random_instance) with a third of its
    open segments made border crossings, commodities on its flows, countries
    on its projects, and an Uncertainty sheet reaching all of them."""
    gen = reference.random_instance(seed)
    rng = random.Random(seed + 31)
    inst = gen.instance
    opened = [s for s in inst.segments if s.status == "open"]
    borders = {s.segment_id for s in rng.sample(opened, max(1, len(opened) // 3))}
    segments = tuple(dataclasses.replace(s, mode="border") if s.segment_id in borders else s
                     for s in inst.segments)
    flows = tuple(dataclasses.replace(f, commodity=rng.choice(["grain", "goods"]))
                  for f in inst.flows)
    projects = tuple(dataclasses.replace(p, country=rng.choice(["A", "B"]))
                     for p in inst.projects)
    border = sorted(borders)[0]
    rows = [Uncertain("growth_pct", "", -2.0, 0.0, 1.5),
            Uncertain("base_volume", "grain", 0.6, 1.0, 1.5),
            Uncertain("elasticity", "", 0.7, 1.0, 1.4),
            Uncertain("elasticity", "goods", 0.9, 1.0, 1.1),
            Uncertain("capex", "", 0.9, 1.1, 1.8),
            Uncertain("capex", "A", 1.0, 1.0, 1.3),
            Uncertain("border_time", "", 0.5, 1.0, 2.0),
            Uncertain("border_time", border, 1.0, 1.5, 3.0)]
    rows += [Uncertain("closure_days", s.segment_id, 0.0, 60.0, 250.0)
             for s in rng.sample(opened, closures)]
    inst = dataclasses.replace(inst, segments=segments, flows=flows, projects=projects,
                               uncertainty=tuple(rows))
    return inst, dataclasses.replace(gen, instance=inst,
                                     config=gen.config.with_overrides(**EXACT))


def test_draws_come_from_the_seed_and_their_number_only():
    rows = (Uncertain("capex", "", 0.9, 1.1, 1.6), Uncertain("growth_pct", "", -1, -1, -1))
    few, many = sample(rows, 7, 3), sample(rows, 7, 50)
    assert few == many[:3]
    children = np.random.SeedSequence(7).spawn(50)
    for d in many:
        rng = np.random.default_rng(children[d.index])
        assert d.values == (rng.triangular(0.9, 1.1, 1.6), -1)
        assert 0.9 <= d.values[0] <= 1.6
    assert sample(rows, 8, 3) != few


@pytest.mark.parametrize("seed", range(6))
def test_a_draw_evaluates_the_returned_portfolio_as_the_oracle(seed):
    """Trade and cost of portfolios in a draw: demand, capex, border times and
    closures applied by the model (scenario.apply) and by the oracle."""
    inst, gen = uncertain_instance(seed)
    base = prepare(inst)
    rng = random.Random(seed)
    free = [p.project_id for p in inst.projects if p.decision in ("candidate", "must_do")]
    for d in sample(inst.uncertainty, seed, 3):
        scenario = apply(base, inst.uncertainty, d)
        drawn, closures = reference.apply_draw(inst, inst.uncertainty, d.values)
        for selected in (set(), set(rng.sample(free, min(3, len(free)))), set(free)):
            got = figures(scenario, gen.budget, Plan.of(selected))
            want = reference.expected_volume(drawn, selected, closures, today=inst)
            assert got.trade_kt == pytest.approx(want, rel=1e-9)
            assert got.cost_musd == pytest.approx(sum(
                p.capex_musd * p.financed_share for p in drawn.projects
                if p.project_id in selected))


@pytest.mark.parametrize("seed", range(8))
def test_a_draws_own_optimum_is_the_enumerated_best(seed):
    """The draw's own optimum (within the budget at the draw's capex) against
    every portfolio; the returned portfolio's regret is never negative when it
    fits the draw's budget."""
    inst, gen = uncertain_instance(seed)
    returned = optimise(inst, gen.config)
    ship = Shipment(returned.prep, gen.config, returned.plan)
    for d in sample(inst.uncertainty, 100 + seed, 2):
        result = solve_draw(ship, d)
        best = reference.best_in_draw(inst, inst.uncertainty, d.values, gen.budget)
        if best is None:
            assert result.own is None and result.own_status == "infeasible"
            continue
        assert result.own is not None
        assert result.own.objective == pytest.approx(best[0], rel=1e-7)
        assert result.own.cost_musd <= gen.budget + 1e-6
        if result.returned.cost_musd <= gen.budget:
            assert result.regret >= -1e-7 * best[0]


@pytest.mark.parametrize("seed", range(6))
def test_robust_portfolio_is_the_enumerated_best_mean(seed):
    """Sample-average model over a handful of draws (closures included),
    budget at the base capex, against enumeration of every portfolio."""
    inst, gen = uncertain_instance(seed, closures=1 + seed % 2)
    returned = optimise(inst, gen.config)
    draws = sample(inst.uncertainty, seed, 3)
    scenarios = [apply(returned.prep, inst.uncertainty, d) for d in draws]
    best = robust(returned.prep, gen.config, scenarios, returned.plan)
    oracle = reference.best_robust(inst, inst.uncertainty, [d.values for d in draws],
                                   gen.budget)
    assert oracle is not None
    assert best.objective == pytest.approx(oracle[0], rel=1e-7)
    drawn = [reference.apply_draw(inst, inst.uncertainty, d.values) for d in draws]
    mean = sum(reference.expected_volume(d, set(best.plan.selected), c, today=inst)
               for d, c in drawn) / len(draws)
    assert best.objective == pytest.approx(mean, rel=1e-9)
    assert best.objective >= best.deterministic - 1e-7 * abs(best.objective)


def test_a_mixture_weighs_every_draws_states():
    inst, _ = uncertain_instance(3)
    base = prepare(inst)
    scenarios = [apply(base, inst.uncertainty, d) for d in sample(inst.uncertainty, 1, 4)]
    prep = mixture_of(base, scenarios)
    assert sum(w for w, _ in prep.mixture) == pytest.approx(1.0)
    assert len(prep.mixture) == sum(len(s.prep.members) for s in scenarios)


@pytest.mark.parametrize("seed", range(3))
def test_a_draw_on_the_arc_formulation(seed):
    """Draws without closures run on the arc formulation too: each draw's own
    optimum within the curve tolerance of the enumerated best."""
    inst, gen = uncertain_instance(seed, closures=0)
    config = gen.config.with_overrides(formulation="arc")
    returned = optimise(inst, config)
    ship = Shipment(returned.prep, config, returned.plan)
    d = sample(inst.uncertainty, seed, 1)[0]
    result = solve_draw(ship, d)
    best = reference.best_in_draw(inst, inst.uncertainty, d.values, gen.budget)
    assert best is not None and result.own is not None
    assert best[0] * (1 - config.pwl_tolerance) - 1e-7 <= result.own.objective <= best[0] + 1e-7


def test_robustness_shares_first_most_chosen_first():
    """Per project the share of the draws whose optimum selects it; projects
    without a share (committed) last, so the chart reads the first rows."""
    from model.ensemble import DrawResult, Ensemble, Figures
    from model.ensemble_results import robustness_rows
    from model.scenario import Draw
    from model.solution import Status
    from tests.builders import flow, instance, proj, road, seg

    inst = instance([seg("s1", "A", "B", road(100))],
                    [proj("p1", 10), proj("p2", 10, "committed"), proj("p3", 10)],
                    [], [flow("A", "B", 10)])
    some = Figures(1.0, 1.0, 1.0)
    results = tuple(DrawResult(Draw(i, ()), some, some, some, Plan.of(chosen), Status.OPTIMAL,
                               0.0) for i, chosen in enumerate([{"p3"}, {"p1", "p3"}]))
    e = Ensemble(2, 0, tuple(r.draw for r in results), results)
    rows = robustness_rows(e, inst, Plan.of({"p1"}))
    assert [(r["project_id"], r["selected_share"]) for r in rows] == [
        ("p3", 1.0), ("p1", 0.5), ("p2", None)]
    assert [r["in_returned"] for r in rows] == ["no", "yes", "no"]


@pytest.mark.parametrize("seed", range(4))
def test_the_robust_master_is_exact_for_fixed_portfolios(seed):
    """Every project fixed: column generation over every draw's blocks ends at
    the oracle's mean over the draws of the expected objective."""
    import itertools

    from model.clock import Deadline
    from model.problem import PortfolioProblem
    from model.route_solver import RouteSolver

    inst, gen = uncertain_instance(seed, closures=1)
    base = prepare(inst)
    draws = sample(inst.uncertainty, seed, 2)
    prep = mixture_of(base, [apply(base, inst.uncertainty, d) for d in draws])
    problem = PortfolioProblem(prep, gen.budget)
    solver = RouteSolver(problem)
    drawn = [reference.apply_draw(inst, inst.uncertainty, d.values) for d in draws]
    tried = 0
    for r in range(len(problem.projects) + 1):
        for chosen in itertools.combinations(problem.projects, r):
            if tried >= 5 or not problem.fits(Plan.of(chosen)):
                continue
            tried += 1
            solver.master.fix({v: float(v[0] in chosen) for v in problem.variables})
            value = solver.price(Deadline(60))
            mean = sum(reference.expected_volume(d, set(chosen), c, today=inst)
                       for d, c in drawn) / len(drawn)
            assert value == pytest.approx(mean, rel=1e-7), chosen
