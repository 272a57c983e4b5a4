"""The swap local search (polish.improve) against the reference: from the
benefit/cost ranking's portfolio it ends on a portfolio that keeps the rules,
is no worse, and that no single add, drop or one-for-one swap improves, each
neighbour judged by the reference's own rules check and Dijkstra."""
import random

import pytest

from model.clock import Deadline
from model.preprocess import prepare
from model.problem import PortfolioProblem
from model.ranking import benefit_cost_ranking
from model.polish import improve, kicked, repair, rounded
from model.preprocess import required_closure
from model.problem import Plan
from model.sequencer import optimise
from tests import reference


def neighbours(free: list[str], chosen: frozenset[str]) -> list[set[str]]:
    adds = [set(chosen) | {a} for a in free if a not in chosen]
    drops = [set(chosen) - {d} for d in chosen]
    swaps = [set(chosen) - {d} | {a} for d in chosen for a in free if a not in chosen]
    return adds + drops + swaps


@pytest.mark.parametrize("seed", range(24))
def test_improve_ends_on_a_local_optimum_of_the_reference(seed):
    gen = reference.random_instance(seed)
    inst, budget = gen.instance, gen.budget
    if reference.best_portfolio(inst, budget) is None:
        return
    problem = PortfolioProblem(prepare(inst), budget)
    start = benefit_cost_ranking(problem).plan
    out = improve(problem, start, Deadline(60.0))
    chosen = out.selected
    assert reference.feasible(inst, set(chosen), budget)
    value = reference.volume(inst, set(chosen))
    assert value >= reference.volume(inst, set(start.selected)) * (1 - 1e-12)
    free = [p.project_id for p in inst.projects if p.decision in ("candidate", "must_do")]
    for other in neighbours(free, chosen):
        if reference.feasible(inst, other, budget):
            assert reference.volume(inst, other) <= value * (1 + 1e-9), (seed, other)


def test_enough_starts_are_improved():
    """The test above must see the search move: on several seeds the
    ranking's portfolio is not a local optimum."""
    moved = 0
    for seed in range(24):
        gen = reference.random_instance(seed)
        if reference.best_portfolio(gen.instance, gen.budget) is None:
            continue
        problem = PortfolioProblem(prepare(gen.instance), gen.budget)
        start = benefit_cost_ranking(problem).plan
        moved += improve(problem, start, Deadline(60.0)).selected != start.selected
    assert moved >= 3


def over_budget_hint(gen: reference.Generated) -> Plan | None:
    """A portfolio as a draw's capex overrun leaves the returned one: the
    enumerated best at 1.6 times the budget."""
    big = reference.best_portfolio(gen.instance, gen.budget * 1.6)
    return None if big is None else Plan.of(frozenset(big[1]))


@pytest.mark.parametrize("seed", range(24))
def test_an_over_budget_hint_is_cut_back_and_the_optimum_still_found(seed):
    """The solve starts from the hint cut back (polish.repair), not from the
    ranking, and still ends on the enumerated optimum."""
    gen = reference.random_instance(seed)
    inst, budget = gen.instance, gen.budget
    best = reference.best_portfolio(inst, budget)
    hint = over_budget_hint(gen)
    if best is None or hint is None:
        return
    problem = PortfolioProblem(prepare(inst), budget)
    cut = repair(problem, hint)
    if cut is not None:
        assert cut.selected <= hint.selected
        assert reference.feasible(inst, set(cut.selected), budget)
    out = optimise(inst, gen.config, hint=hint, rank=False)
    assert out.ranking is None or cut is None  # the ranking only when nothing fits
    assert reference.feasible(inst, set(out.selected), budget)
    assert reference.volume(inst, set(out.selected)) >= (1 - gen.config.mip_gap) * best[0] - 1e-9
    assert out.solution.bound >= best[0] * (1 - 1e-9)


def test_enough_hints_are_over_budget_and_cut_back():
    """The test above must see hints cut back, not only hints that fit."""
    cut = 0
    for seed in range(24):
        gen = reference.random_instance(seed)
        hint = over_budget_hint(gen)
        problem = PortfolioProblem(prepare(gen.instance), gen.budget)
        if hint is not None and not problem.fits(hint):
            fixed = repair(problem, hint)
            cut += fixed is not None and fixed.selected < hint.selected
    assert cut >= 8


@pytest.mark.parametrize("seed", range(24))
def test_an_lp_solution_rounds_to_a_plan_no_project_can_join(seed):
    """``rounded`` takes the projects in order of their LP level: the plan
    keeps the rules, holds the highest-level project that fits alone, and no
    project with a positive level left out can still be placed."""
    gen = reference.random_instance(seed)
    if reference.best_portfolio(gen.instance, gen.budget) is None:
        return  # no plan keeps the rules
    problem = PortfolioProblem(prepare(gen.instance), gen.budget)
    rng = random.Random(seed)
    must = {p.project_id for p in gen.instance.projects if p.decision == "must_do"}
    values = {(p, problem.windows[p][0]): 1.0 if p in must else rng.choice(
        [0.0, 1.0, rng.random()]) for p in problem.projects}
    plan = rounded(problem, values)
    assert plan is not None and problem.fits(plan)
    inst = problem.prep.instance
    level = {p: x for (p, _), x in values.items()}
    alone = [p for p in problem.projects if level[p] > 0
             and problem.place(Plan(), required_closure(inst, p)) is not None]
    if alone:  # everything before it fails alone, so it goes in first
        top = min(alone, key=lambda p: (-level[p], p))
        assert top in plan.selected, (top, plan.selected)
    for p in problem.projects:
        if level[p] > 0 and p not in plan.selected:
            assert problem.place(plan, required_closure(inst, p)) is None, p


def test_a_kick_drops_projects_with_what_requires_them():
    """``kicked`` drops projects at random, each with every project that
    requires it, never a must_do: what is left keeps the reference's rules,
    and a plan with a project that may go loses at least one."""
    dropped = 0
    for seed in range(40):
        gen = reference.random_instance(seed)
        inst, budget = gen.instance, gen.budget
        if reference.best_portfolio(inst, budget) is None:
            continue
        problem = PortfolioProblem(prepare(inst), budget)
        plan = improve(problem, benefit_cost_ranking(problem).plan, Deadline(60.0))
        must = {p.project_id for p in inst.projects if p.decision == "must_do"}
        needed = set().union(*(required_closure(inst, p) for p in must))
        rng = random.Random(seed)
        for kicks in (1, 2, 3):
            out = kicked(problem, plan, rng, kicks)
            assert out.selected <= plan.selected
            assert reference.feasible(inst, set(out.selected), budget), (seed, kicks)
            gone = plan.selected - out.selected
            assert bool(gone) == bool(plan.selected - needed), (seed, kicks)
            dropped += any(required_closure(inst, q) - {q} for q in gone)
    assert dropped >= 5  # kicks that took a project's dependants with it
