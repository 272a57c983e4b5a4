"""Random small instances: the returned portfolio's exact volume is within
mip_gap (route formulation, exact volumes) or pwl_tolerance + mip_gap (arc
formulation) of the best found by enumerating every feasible portfolio
(tests/reference.py, independent of model/); when enumeration finds none,
the CLI exits 3."""
import dataclasses

import pytest

from model.cli import main
from model.config import RunConfig
from model.evaluate import evaluate
from model.sequencer import optimise
from tests import reference
from tests.networks import grid_corridors
from tests.workbooks import from_instance, write

SEEDS = range(36)


@pytest.mark.parametrize("formulation", ["paths", "arc"])
@pytest.mark.parametrize("seed", SEEDS)
def test_returned_portfolio_is_near_the_enumerated_best(seed, formulation, tmp_path):
    gen = reference.random_instance(seed)
    inst, budget = gen.instance, gen.budget
    best = reference.best_portfolio(inst, budget)
    out = optimise(inst, gen.config.with_overrides(formulation=formulation))
    if best is None:
        assert out.solution.status == "infeasible"
        path = write(tmp_path / "in.xlsx", from_instance(inst, gen.config))
        assert main(["--input", str(path), "--output", str(tmp_path / "o.xlsx"),
                     "--formulation", formulation, "--quiet"]) == 3
        return
    assert out.solution.status == "optimal"
    assert reference.feasible(inst, set(out.selected), budget)
    exact = reference.volume(inst, set(out.selected))
    # the model's own exact evaluation agrees with the independent one
    assert evaluate(out.prep, out.selected).volume_kt == pytest.approx(exact, rel=1e-9)
    slack = gen.config.mip_gap + (gen.config.pwl_tolerance if formulation == "arc" else 0.0)
    assert exact >= (1 - slack) * best[0] - 1e-9
    # the solver's bound is a true upper bound on the exact optimum
    assert out.solution.bound >= best[0] * (1 - 1e-9)


@pytest.mark.parametrize("formulation", ["paths", "arc"])
@pytest.mark.parametrize("seed", range(50, 62))
def test_flows_with_their_own_value_of_time(seed, formulation, tmp_path):
    """Spec §3: each flow's costs at its own value of time; the optimum
    against enumeration, and the workbook column read back to the same answer."""
    gen = reference.random_instance(seed, own_time_values=True)
    inst, budget = gen.instance, gen.budget
    assert len({f.value_of_time for f in inst.flows}) > 2  # the test must mix values
    best = reference.best_portfolio(inst, budget)
    out = optimise(inst, gen.config.with_overrides(formulation=formulation))
    if best is None:
        assert out.solution.status == "infeasible"
        return
    exact = reference.volume(inst, set(out.selected))
    assert evaluate(out.prep, out.selected).volume_kt == pytest.approx(exact, rel=1e-9)
    slack = gen.config.mip_gap + (gen.config.pwl_tolerance if formulation == "arc" else 0.0)
    assert exact >= (1 - slack) * best[0] - 1e-9
    assert out.solution.bound >= best[0] * (1 - 1e-9)


def test_enough_instances_are_interesting():
    """Guard the generator: most instances must have a real choice to make."""
    gains = 0
    for seed in SEEDS:
        gen = reference.random_instance(seed)
        best = reference.best_portfolio(gen.instance, gen.budget)
        if best and best[0] > reference.volume(gen.instance, set()) * 1.001:
            gains += 1
    assert gains >= 25


@pytest.mark.parametrize("formulation", ["paths", "arc"])
@pytest.mark.parametrize("seed", range(100, 108))
def test_value_objective_against_enumeration(seed, formulation):
    gen = reference.random_instance(seed)
    inst = dataclasses.replace(gen.instance, parameters=dataclasses.replace(
        gen.instance.parameters, objective="value"))
    best = reference.best_portfolio(inst, gen.budget, weighted=True)
    out = optimise(inst, gen.config.with_overrides(formulation=formulation))
    if best is None:
        assert out.solution.status == "infeasible"
        return
    exact = reference.volume(inst, set(out.selected), weighted=True)
    slack = gen.config.mip_gap + (gen.config.pwl_tolerance if formulation == "arc" else 0.0)
    assert exact >= (1 - slack) * best[0] - 1e-9
    assert out.solution.bound >= best[0] * (1 - 1e-9)


@pytest.mark.parametrize("formulation", ["paths", "arc"])
def test_time_limit_keeps_the_incumbent_and_a_valid_bound(formulation):
    """A generated 40-town network with a tiny time limit: a portfolio is still
    returned (the ranking's at worst), feasible, with a bound no lower than
    the optimum found without a limit."""
    inst, budget = grid_corridors(seed=4)  # the route solver needs ~0.8 s: the limit bites
    full = optimise(inst, RunConfig(budget, time_limit_s=60.0))
    out = optimise(inst, RunConfig(budget, time_limit_s=0.05, mip_gap=1e-9, gain_gap=1e-9,
                                   formulation=formulation))
    assert out.solution.status in ("time_limit", "optimal")
    assert reference.feasible(inst, set(out.selected), budget)
    optimum = evaluate(full.prep, full.selected).objective
    assert out.solution.bound >= optimum * (1 - 1e-9)
    assert evaluate(out.prep, out.selected).objective >= out.ranking.objective - 1e-9


@pytest.mark.parametrize("formulation", ["paths", "arc"])
def test_a_bound_cut_short_is_never_above_every_project_open(formulation):
    """Cut short after 0.1 s, the route solver's Lagrangian bound (3,187) and
    the arc MIP's (none yet) were looser than the trade with every project
    open (2,978, computed by the reference), itself a valid bound: the
    solution reports the smallest, and still no less than the optimum."""
    inst, budget = grid_corridors(seed=4)
    every = reference.volume(inst, {p.project_id for p in inst.projects
                                    if p.decision != "committed"})
    full = optimise(inst, RunConfig(budget, time_limit_s=60.0))
    out = optimise(inst, RunConfig(budget, time_limit_s=0.1, mip_gap=1e-9, gain_gap=1e-9,
                                   formulation=formulation))
    optimum = evaluate(full.prep, full.selected).objective
    assert optimum * (1 - 1e-9) <= out.solution.bound <= every * (1 + 1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("formulation", ["paths", "arc"])
@pytest.mark.parametrize("seed", range(200, 400))
def test_many_more_random_instances(seed, formulation):
    gen = reference.random_instance(seed)
    best = reference.best_portfolio(gen.instance, gen.budget)
    out = optimise(gen.instance, gen.config.with_overrides(formulation=formulation))
    if best is None:
        assert out.solution.status == "infeasible"
        return
    slack = gen.config.mip_gap + (gen.config.pwl_tolerance if formulation == "arc" else 0.0)
    assert reference.volume(gen.instance, set(out.selected)) >= (1 - slack) * best[0] - 1e-9
    assert out.solution.bound >= best[0] * (1 - 1e-9)
