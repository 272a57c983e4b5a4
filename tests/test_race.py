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


class _Partner:
    """An arc partner that has found nothing and holds a loose bound."""

    def __init__(self, bound):
        self.bound = bound

    def poll(self):
        return []

    def stop(self):
        pass


def test_a_nodes_own_bound_does_not_end_the_race():
    """In branch-and-bound, a node whose bound falls below the best portfolio
    says nothing about the other open nodes: the solve must go on (before, a
    raced solve stopped there, at a few seconds, as if the gap were closed)."""
    from model.clock import Deadline
    from model.preprocess import prepare
    from model.problem import PortfolioProblem, Plan

    gen = reference.random_instance(3)
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    solver = route_solver.RouteSolver(problem)
    deadline = Deadline(60.0)
    state = solver._solve = route_solver._SolveState(problem, deadline, 0.001, Plan(), 0.0)
    solver.partner = _Partner(state.value + 1000.0)
    solver._elsewhere = state.value + 100.0  # an open node elsewhere, far above
    solver._absorb(state.value - 1.0)  # the node being priced: below the best portfolio
    assert not deadline.cancelled
    solver._elsewhere = -float("inf")  # no other node open: now it is settled
    solver._absorb(state.value - 1.0)
    assert deadline.cancelled


@pytest.mark.parametrize("program", ["/nonexistent/python", "false"])
def test_a_partner_that_cannot_start_or_dies_leaves_the_solve_alone(program, monkeypatch,
                                                                    caplog):
    """The partner only helps: when its process cannot start (an interpreter
    that is not there) or ends at once without a word, the route solver goes
    on alone to the enumerated optimum (before, a partner that died at once
    turned the whole solve into 'the solver failed: Broken pipe')."""
    import shutil
    import sys

    import model.race as race

    exe = shutil.which(program) or program
    monkeypatch.setattr(route_solver, "RACE_AFTER_S", 0.0)
    monkeypatch.setattr(route_solver, "RACE_MIN_LEFT_S", 0.0)
    monkeypatch.setattr(race.sys, "executable", exe)
    gen = reference.random_instance(3)
    best = reference.best_portfolio(gen.instance, gen.budget)
    assert best is not None
    out = optimise(gen.instance, gen.config.with_overrides(formulation="auto"))
    assert sys.executable == exe  # the patch was in force for the solve
    assert out.solution.has_portfolio
    exact = reference.volume(gen.instance, set(out.selected))
    assert exact >= (1 - gen.config.mip_gap) * best[0] - 1e-9
    assert out.solution.bound >= best[0] * (1 - 1e-9)
    if program.startswith("/nonexistent"):
        assert not out.solver.stats.raced
        assert "could not start" in caplog.text


class _Quiet(_Partner):
    """A partner that has sent nothing, and remembers being stopped."""

    def __init__(self, bound=float("inf")):
        super().__init__(bound)
        self.stopped = False

    def stop(self):
        self.stopped = True
        return []


@pytest.mark.parametrize("bound, threads, limit, running, kept", [
    (float("inf"), 2, 300.0, 31.0, False),  # no bound a tenth of the time after it started:
    (float("inf"), 2, 300.0, 29.0, True),  # its core goes, not before
    (float("inf"), 2, 60.0, 9.0, True),  # ... and never before PARTNER_MIN_S
    (float("inf"), 2, 60.0, 11.0, False),
    (float("inf"), 1, 300.0, 31.0, True),  # ... and only to searches that can use it
    (1e12, 2, 300.0, 31.0, True),  # a partner with a bound stays
])
def test_a_partner_with_no_bound_after_its_grace_gives_its_core_to_pricing(
        bound, threads, limit, running, kept):
    import time

    from model.clock import Deadline
    from model.preprocess import prepare
    from model.problem import PortfolioProblem, Plan

    gen = reference.random_instance(3)
    problem = PortfolioProblem(prepare(gen.instance), gen.budget, {})
    solver = route_solver.RouteSolver(problem)
    solver.threads = threads
    deadline = Deadline(limit, start=time.perf_counter() - running - 2.0)
    state = solver._solve = route_solver._SolveState(problem, deadline, 0.001, Plan(), 0.0)
    partner = solver.partner = _Quiet(bound)
    solver._partner_since = time.perf_counter() - running
    solver.partner_factory = lambda *args: pytest.fail("a stopped partner is not restarted")
    solver._absorb(state.value + 1e9)  # far from settled
    assert (solver.partner is partner) == kept
    assert partner.stopped == (not kept)
    assert not deadline.cancelled
    solver._absorb(state.value + 1e9)
