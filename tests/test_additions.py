"""Stage 6, evaluation with more projects (``evaluate.Additions``): searching
again only the flows a new state could make cheaper must give exactly what a
full evaluation gives and what the independent reading of the spec gives;
and the report's reasons and appraisal shares, which use it and
``Removals``, must equal what full evaluations give."""
from __future__ import annotations

import random

import numpy as np
import pytest

from model.appraisal import appraise_plan, marginal
from model.clock import Deadline
from model.evaluate import Additions, evaluate, evaluate_plan
from model import explain as explain_stage
from model.config import RunConfig
from model.explain import explain, reasons, without
from model.preprocess import prepare, required_closure
from model.polish import improve
from model.problem import Plan, PortfolioProblem
from model.ranking import benefit_cost_ranking, rank_projects
from model.sequencer import optimise
from tests import reference
from tests.builders import flow, instance, proj, road, seg
from tests.networks import grid_corridors
from tests.test_removals import assert_exact, cases


@pytest.mark.parametrize("seed", range(40))
def test_plus_matches_a_full_evaluation_and_the_reference(seed):
    """Along test_removals' chains of subsets, taken the other way."""
    inst, prep, chain = cases(seed)
    chain = chain[::-1]
    start = Additions.of(prep, frozenset(chain[0]) | prep.committed)
    for selected in chain[1:]:
        assert_exact(start.plus(frozenset(selected) | prep.committed), inst, prep, selected)


@pytest.mark.parametrize("seed", range(6))
def test_plus_on_a_grid_searches_again_only_where_needed(seed):
    """On a 40-town grid each project alone, added to nothing and to a random
    portfolio: the costs a full evaluation gives; and at least one project
    leaves every flow's cost as it was without searching at all (the same
    array back), so the screen is not searching every flow."""
    inst, _ = grid_corridors(seed, projects=30, flows=12)
    prep = prepare(inst)
    rng = random.Random(seed)
    portfolio = frozenset(p for p in prep.decision if rng.random() < 0.3)
    unsearched = 0
    for base in (frozenset(), portfolio):
        start = Additions.of(prep, base | prep.committed)
        for p in sorted(set(prep.decision) - base):
            got = start.plus(start.applied | {p})
            np.testing.assert_array_equal(got.costs, evaluate(prep, base | {p}).costs)
            unsearched += got.costs is start.costs
    assert unsearched > 0


def test_plus_finds_a_route_through_two_new_states():
    """A to D: the old road costs a lot; the new way is two planned links, each
    a project's, one after the other (the route's first and last new states
    differ). With both it is cheaper; with either alone there is no new way."""
    inst = instance(
        [seg("old", "A", "D", road(900, 40)), seg("ab", "A", "B", road(50, 80)),
         seg("bc", "B", "C", road(100, 80), "planned"),
         seg("cd", "C", "D", road(100, 80), "planned")],
        [proj("P", 10), proj("Q", 10)],
        [("P", "bc", road(100, 80)), ("Q", "cd", road(100, 80))],
        [flow("A", "D", 100.0)])
    prep = prepare(inst)
    start = Additions.of(prep, frozenset())
    assert start.plus(frozenset({"P"})).costs[0] == start.costs[0]
    both = start.plus(frozenset({"P", "Q"}))
    assert both.costs[0] < start.costs[0]
    np.testing.assert_array_equal(both.costs, evaluate(prep, {"P", "Q"}).costs)


def test_plus_refuses_to_remove_projects():
    inst, _ = grid_corridors(0, projects=10, flows=5)
    prep = prepare(inst)
    some = next(iter(prep.decision))
    start = Additions.of(prep, prep.committed | {some})
    with pytest.raises(ValueError):
        start.plus(prep.committed)


@pytest.mark.parametrize("seed", range(8))
def test_reasons_and_appraisal_shares_equal_full_evaluations(seed, monkeypatch):
    """One-shot grids and programmes, solved: every reason and every selected
    project's appraisal share as full evaluations of each set give them."""
    if seed % 2:
        gen = reference.random_programme(seed)
        inst, budget = gen.instance, gen.budget
    else:
        inst, budget = grid_corridors(seed, projects=30, flows=12)
    outcome = optimise(inst, RunConfig(budget, time_limit_s=60))
    prep, plan = outcome.prep, outcome.plan
    assert plan.selected and set(prep.decision) - plan.selected
    got = explain(outcome)
    whole = appraise_plan(prep, plan)
    assert (got.appraisal.npv_musd, got.appraisal.bcr, got.appraisal.eirr_pct) == (
        whole.npv_musd, whole.bcr, whole.eirr_pct)
    for p in plan.selected:
        assert got.project_appraisal[p] == marginal(whole, appraise_plan(
            prep, without(prep, plan, p)))
    monkeypatch.setattr(explain_stage, "adding", lambda prep, selected: (
        lambda extra: evaluate(prep, selected | extra)))
    assert got.reasons == reasons(outcome.problem, plan)


@pytest.mark.parametrize("seed", range(16))
def test_ranking_gains_match_the_reference(seed):
    """The ranking's standalone gains (rank_projects, by ``Additions``) are
    the reference's V(S + B_p) - V(S), and every project with a gain is
    ranked."""
    inst, prep, _ = cases(seed)
    weighted = inst.parameters.objective == "value"
    ranked = rank_projects(PortfolioProblem(prep, 1e9))
    start = set(ranked.start)
    base = reference.volume(inst, start, weighted=weighted)
    got = {c.project_id: c for c in ranked.order}
    for p in prep.decision:
        if p in start:
            continue
        bundle = set(required_closure(inst, p)) - start
        gain = reference.volume(inst, start | bundle, weighted=weighted) - base
        if gain > 1e-6 * max(1.0, base):
            assert got[p].gain == pytest.approx(gain, rel=1e-9, abs=1e-9)
        elif p in got:
            assert got[p].gain == pytest.approx(gain, abs=1e-6 * max(1.0, base))


@pytest.mark.parametrize("seed", range(4))
def test_every_value_the_local_search_met_is_a_full_evaluations(seed):
    """polish.improve judges its trials by ``Additions`` over the plan they add
    to: on 40-town grids from the ranking's portfolio, every trial's value it
    kept equals a full evaluation's, and it met many (the check is not empty)."""
    inst, budget = grid_corridors(seed, projects=30, flows=12)
    prep = prepare(inst)
    problem = PortfolioProblem(prep, budget)
    improve(problem, benefit_cost_ranking(problem).plan, Deadline(60.0))
    met = prep.__dict__["_objectives"]
    assert len(met) > 50
    for starts, value in met.items():
        assert value == evaluate_plan(prep, Plan(starts)).objective
