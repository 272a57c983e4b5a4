"""Random small instances: the returned portfolio's exact volume is within
mip_gap (route formulation, exact volumes) or pwl_tolerance + mip_gap (arc
formulation) of the best found by enumerating every feasible portfolio
(tests/reference.py, independent of model/); when enumeration finds none,
the CLI exits 3."""
import pytest

from model.cli import main
from model.evaluate import evaluate
from model.pipeline import optimise
from tests import reference
from tests.workbooks import from_instance, write

SEEDS = range(36)


@pytest.mark.parametrize("formulation", ["paths", "arc"])
@pytest.mark.parametrize("seed", SEEDS)
def test_returned_portfolio_is_near_the_enumerated_best(seed, formulation, tmp_path):
    gen = reference.random_instance(seed)
    inst, budget = gen.instance, gen.budget
    best = reference.best_portfolio(inst, budget)
    out = optimise(inst, budget, formulation=formulation)
    if best is None:
        assert out.solution.status == "infeasible"
        path = write(tmp_path / "in.xlsx", from_instance(inst, budget))
        assert main(["--input", str(path), "--output", str(tmp_path / "o.xlsx"),
                     "--formulation", formulation, "--quiet"]) == 3
        return
    assert out.solution.status == "optimal"
    assert reference.feasible(inst, set(out.selected), budget)
    exact = reference.volume(inst, set(out.selected))
    # the model's own exact evaluation agrees with the independent one
    assert evaluate(out.prep, out.selected).volume_kt == pytest.approx(exact, rel=1e-9)
    slack = inst.parameters.mip_gap + (inst.parameters.pwl_tolerance
                                       if formulation == "arc" else 0.0)
    assert exact >= (1 - slack) * best[0] - 1e-9
    # the solver's bound is a true upper bound on the exact optimum
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
