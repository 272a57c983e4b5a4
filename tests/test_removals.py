"""Stage 6, evaluation less some projects (``evaluate.Removals``): re-searching
only the flows whose route uses a removed project must give exactly what a
full evaluation gives, and what the independent reading of the spec gives."""
from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from model.evaluate import Removals, evaluate, evaluate_plan
from model.explain import marginal_gains, without
from model.instance import Decision
from model.polish import drop_idle
from model.preprocess import prepare, required_closure
from model.problem import Plan, PortfolioProblem
from model.ranking import benefit_cost_ranking
from tests import reference
from tests.builders import flow, instance, proj, road, seg
from tests.networks import grid_corridors


def cases(seed: int):
    """An instance (with committed projects, alternatives, own values of time)
    and a random chain of applied sets, each a subset of the one before."""
    gen = reference.random_instance(seed, own_time_values=seed % 2 == 1)
    inst = gen.instance
    if seed % 3 == 0:
        inst = dataclasses.replace(inst, parameters=dataclasses.replace(
            inst.parameters, objective="value"))
    rng = random.Random(seed)
    prep = prepare(inst)
    chosen = {p for p in prep.decision if rng.random() < 0.7}
    chain = [chosen]
    while chain[-1]:
        chain.append({p for p in chain[-1] if rng.random() < 0.6})
    return inst, prep, chain


@pytest.mark.parametrize("seed", range(40))
def test_less_matches_a_full_evaluation_and_the_reference(seed):
    inst, prep, chain = cases(seed)
    kept = Removals.of(prep, frozenset(chain[0]) | prep.committed)
    for selected in chain[1:]:
        kept = kept.less(frozenset(selected) | prep.committed)
        assert_exact(kept, inst, prep, selected)


def assert_exact(got, inst, prep, selected) -> None:
    """``got`` (costs, volumes, objective) as a full evaluation gives them,
    and its objective as the reference's."""
    full = evaluate(prep, selected)
    np.testing.assert_array_equal(got.costs, full.costs)
    assert got.objective == full.objective
    assert got.volume_kt == pytest.approx(full.volume_kt, rel=1e-12)
    weighted = inst.parameters.objective == "value"
    oracle = reference.volume(inst, set(selected), weighted=weighted)
    assert got.objective == pytest.approx(oracle, rel=1e-9, abs=1e-9)


def test_less_re_searches_a_flow_whose_route_loses_its_project():
    """Two ways from A to B: the fast one only with project P. Without P the
    flow's cost rises, though nothing else changed."""
    inst = instance(
        [seg("slow", "A", "B", road(300, 40)), seg("new", "A", "B", road(200, 80), "planned")],
        [proj("P", 10)], [("P", "new", road(200, 80))], [flow("A", "B", 100.0)])
    prep = prepare(inst)
    with_p = Removals.of(prep, frozenset({"P"}))
    without = with_p.less(frozenset())
    assert without.costs[0] > with_p.costs[0]
    assert without.objective == evaluate(prep, frozenset()).objective
    assert without.objective < with_p.objective


def test_less_refuses_to_add_projects():
    inst, prep, chain = cases(1)
    kept = Removals.of(prep, prep.committed)
    extra = next(iter(prep.decision))
    with pytest.raises(ValueError):
        kept.less(prep.committed | {extra})


@pytest.mark.parametrize("seed", range(4))
def test_drop_idle_keeps_only_projects_that_move_trade(seed):
    """On a 40-town grid with few flows, a random portfolio with money to spare: what
    drop_idle returns moves as much trade by the reference's own Dijkstra,
    and every project it keeps loses trade when it (and what requires it)
    goes, unless the rules need it."""
    inst, _ = grid_corridors(seed, projects=30, flows=12)
    prep = prepare(inst)
    problem = PortfolioProblem(prep, sum(p.capex_musd for p in inst.projects))
    rng = random.Random(seed)
    plan = Plan()
    for p in sorted(prep.decision):
        if rng.random() < 0.9:
            plan = problem.place(plan, required_closure(inst, p)) or plan
    kept = drop_idle(problem, plan)
    volume = reference.volume(inst, set(kept.selected))
    assert volume >= reference.volume(inst, set(plan.selected)) * (1 - 1e-9)
    dropped = plan.selected - kept.selected
    assert dropped  # the grid has idle projects: the check below is not empty
    for p in kept.selected:
        rest = Plan.of(q for q in kept.selected if q != p and p not in _requires(inst, q))
        if inst.project(p).decision is Decision.MUST_DO or not problem.fits(rest):
            continue
        assert reference.volume(inst, set(rest.selected)) < volume * (1 - 1e-12)


def _requires(inst, q: str) -> set[str]:
    out, todo = set(), [q]
    while todo:
        for r in inst.project(todo.pop()).requires:
            if r not in out:
                out.add(r)
                todo.append(r)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_marginal_gains_match_the_reference(seed):
    """Each selected project's marginal gain (explain.py, by ``Removals``) is
    the trade the reference loses without it and what requires it."""
    inst, prep, chain = cases(seed)
    plan = Plan.of(chain[0])
    gains = marginal_gains(prep, plan)
    whole = reference.volume(inst, set(chain[0]))
    for p in chain[0]:
        rest = {q for q in chain[0] if q != p and p not in _requires(inst, q)}
        assert gains[p] == pytest.approx(whole - reference.volume(inst, rest), rel=1e-9,
                                         abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_marginal_gains_in_a_programme_match_full_evaluations(seed):
    """In a programme the horizon's open set is what ``Removals`` works on."""
    gen = reference.random_programme(seed)
    prep = prepare(gen.instance)
    problem = PortfolioProblem(prep, gen.budget)
    plan = benefit_cost_ranking(problem).plan
    whole = evaluate_plan(prep, plan).horizon.volume_kt
    gains = marginal_gains(prep, plan)
    assert set(gains) == set(plan.selected)
    for p in plan.selected:
        assert gains[p] == whole - evaluate_plan(prep, without(prep, plan, p)).horizon.volume_kt
