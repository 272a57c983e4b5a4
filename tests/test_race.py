"""The auto formulation's race (model/race.py): the arc formulation in a second
process beside the route solver. Forced to start at once, the raced solve must
still match the enumerated optimum, with a bound no lower than it."""
import pytest

import model.route_solver as route_solver
from model.sequencer import optimise
from tests import reference


@pytest.mark.parametrize("seed", [3, 8])
def test_a_raced_solve_matches_enumeration(seed, monkeypatch):
    monkeypatch.setattr(route_solver, "RACE_AFTER_S", 0.0)
    monkeypatch.setattr(route_solver, "RACE_MIN_LEFT_S", 0.0)
    gen = reference.random_instance(seed)
    best = reference.best_portfolio(gen.instance, gen.budget)
    assert best is not None
    out = optimise(gen.instance, gen.config.with_overrides(formulation="auto"))
    assert out.solver.stats.raced  # the partner was started
    assert out.solver.partner is None  # ... and stopped when the solve ended
    exact = reference.volume(gen.instance, set(out.selected))
    assert exact >= (1 - gen.config.mip_gap) * best[0] - 1e-9
    assert out.solution.bound >= best[0] * (1 - 1e-9)
