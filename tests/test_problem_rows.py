"""model/problem.py: the rule rows every solver shares (spec §4), the
problem's bounds and checks, and a property test against the independent
rules of tests/reference.py.

A one-shot run has one start period, so a row's terms name each project
once. The helpers below read a term's or a bound's key as the project it is
about (a project id, or a (project, period) pair) and pass a portfolio to
fits/violated as a Plan when they take one.
"""
import inspect
import itertools

import pytest

from model.instance import Decision
from model.preprocess import prepare
from model.problem import (Plan, PortfolioProblem, RowKind, check_feasibility,
                           define_alternative_rows, define_budget_rows, define_exclusion_rows,
                           define_requires_rows)
from tests import reference
from tests.builders import flow, instance, proj, road, seg

FAST = road(100, 100, 0.05)
TAKES_PLAN = "plan" in inspect.signature(PortfolioProblem.fits).parameters


def project_of(key):
    return key if isinstance(key, str) else key[0]


def coefficients(row):
    return {project_of(v): c for v, c in row.terms}


def bounds(problem):
    return {project_of(k): v for k, v in problem.bounds.items()}


def fits(problem, selected):
    return problem.fits(Plan.of(selected) if TAKES_PLAN else set(selected))


def violated(problem, selected):
    return problem.violated(Plan.of(selected) if TAKES_PLAN else set(selected))


def rows_of(problem, kind):
    return [r for r in problem.rows if r.kind is kind]


def call(define, problem, *old_args):
    """define_<family>_rows of either signature: (problem) or (prep, ...)."""
    first = next(iter(inspect.signature(define).parameters))
    return define(problem) if first == "problem" else define(problem.prep, *old_args)


# Projects (capex):
#   a (10) and b (20) in group G; both also change segment s2: one set {a, b},
#     so one row, labelled by the group (groups come first)
#   x excluded, in group G: in no row
#   e (7) and f (8) both change s1: a row 'segment s1'
#   c committed, group H; d (5) in H: blocked, no row
#   k, k2 (3 each) change s3 with the committed c: both blocked, no row
#   g must_do (3) requires c (committed): no requires row
#   h (4) requires g; i (6) requires e: two rows
def rules_instance():
    segs = [seg(s, s + "a", s + "b", road(100)) for s in ("s1", "s2", "s3", "s4")]
    projs = [proj("a", 10, group="G"), proj("b", 20, group="G"), proj("x", 1, "excluded",
                                                                          group="G"),
             proj("e", 7), proj("f", 8), proj("c", 50, "committed", group="H"),
             proj("d", 5, group="H"), proj("k", 3), proj("k2", 3),
             proj("g", 3, "must_do", requires=("c",)), proj("h", 4, requires=("g",)),
             proj("i", 6, requires=("e",))]
    effects = [("a", "s2", FAST), ("b", "s2", FAST), ("e", "s1", FAST), ("f", "s1", FAST),
               ("c", "s3", FAST), ("k", "s3", FAST), ("k2", "s3", FAST), ("g", "s4", FAST),
               ("x", "s2", FAST)]
    flows = [flow(s + "a", s + "b", 10) for s in ("s1", "s2", "s3", "s4")]
    return instance(segs, projs, effects, flows)


DECISION = ("a", "b", "e", "f", "g", "h", "i")


def problem_of(budget=30.0, inst=None):
    return PortfolioProblem(prepare(inst or rules_instance()), budget)


def test_decision_projects():
    prep = prepare(rules_instance())
    assert prep.decision == DECISION
    assert set(prep.blocked) == {"d", "k", "k2"}


def test_budget_row():
    problem = problem_of(30.0)
    capex = {p: problem.prep.instance.project(p).capex_musd for p in DECISION}
    (row,) = call(define_budget_rows, problem, capex, 30.0)
    assert row.kind is RowKind.BUDGET and row.upper == 30.0
    assert coefficients(row) == {"a": 10, "b": 20, "e": 7, "f": 8, "g": 3, "h": 4, "i": 6}
    assert rows_of(problem, RowKind.BUDGET) == [row]
    # b + f + g = 31 > 30; a + e + g = 20 and b + e + g = 30 are within
    assert [r.label for r in violated(problem, {"b", "f", "g"})] == ["budget"]
    assert violated(problem, {"a", "e", "g"}) == violated(problem, {"b", "e", "g"}) == []


def test_no_budget_row_when_nothing_costs_money():
    segs = [seg("s", "A", "B", road(100))]
    inst = instance(segs, [proj("p", 0)], [("p", "s", FAST)], [flow("A", "B", 1)])
    problem = problem_of(5.0, inst)
    assert call(define_budget_rows, problem, {"p": 0.0}, 5.0) == []
    assert fits(problem, {"p"}) and fits(problem, set())


def test_alternative_rows_one_per_distinct_member_set():
    problem = problem_of()
    rows = call(define_alternative_rows, problem)
    assert sorted((r.label, r.members, r.upper) for r in rows) == [
        ("group G", ("a", "b"), 1.0), ("segment s1", ("e", "f"), 1.0)]
    assert all(set(coefficients(r).values()) == {1.0} for r in rows)
    assert sorted(r.label for r in rows_of(problem, RowKind.ALTERNATIVES)) == [
        "group G", "segment s1"]


def test_requires_rows_leave_committed_prerequisites_out():
    problem = problem_of()
    rows = call(define_requires_rows, problem)
    assert sorted(r.label for r in rows) == ["h requires g", "i requires e"]
    by_label = {r.label: r for r in rows}
    assert coefficients(by_label["h requires g"]) == {"h": 1.0, "g": -1.0}
    assert by_label["i requires e"].upper == 0.0


def test_exclusion_rows_leave_must_do_out():
    # {a, e, g} found: g is must_do, so the row reads a + e <= 1.
    problem = problem_of().excluding(frozenset({"a", "e", "g"}))
    rows = call(define_exclusion_rows, problem, [frozenset({"a", "e", "g"})])
    (row,) = rows
    assert row.kind is RowKind.EXCLUSION
    assert coefficients(row) == {"a": 1.0, "e": 1.0} and row.upper == 1.0
    assert rows_of(problem, RowKind.EXCLUSION) == rows
    assert not fits(problem, {"a", "e", "g"})
    assert not fits(problem, {"a", "e", "g", "h"})  # supersets too
    assert fits(problem, {"a", "g"}) and fits(problem, {"e", "g", "h"})


def test_bounds_must_do_in_and_too_dear_out():
    # Budget 12: g (must_do) fixed in; b (20) alone exceeds it; i + e = 13 > 12
    # (its bundle); h + g = 7 fits.
    problem = problem_of(12.0)
    b = bounds(problem)
    assert b["g"] == (1.0, 1.0)
    assert b["b"] == (0.0, 0.0) and b["i"] == (0.0, 0.0)
    assert b["a"] == b["e"] == b["h"] == b["f"] == (0.0, 1.0)
    assert set(b) == set(DECISION)


def test_fits_and_violated():
    problem = problem_of(30.0)
    assert fits(problem, {"g"})
    assert fits(problem, {"a", "e", "g", "h", "i"})  # 10+7+3+4+6 = 30
    assert not fits(problem, set())  # must_do g missing
    assert not fits(problem, {"a", "b", "g"})  # group G
    assert not fits(problem, {"e", "f", "g"})  # segment s1
    assert not fits(problem, {"i", "g"})  # i requires e
    assert not fits(problem, {"b", "f", "g"})  # 31 > 30
    assert not fits(problem, {"g", "d"})  # d is blocked: not a decision project
    assert not fits(problem, {"g", "c"})  # committed: not a decision project
    labels = {r.label for r in violated(problem, {"a", "b", "i", "g"})}
    assert labels == {"group G", "i requires e", "budget"}  # 10+20+6+3 = 39
    assert violated(problem, {"a", "e", "g"}) == []


def test_with_budget_capex_and_forcing():
    problem = problem_of(30.0)
    assert not fits(problem.with_budget(29.0), {"a", "e", "g", "h", "i"})
    assert fits(problem.with_budget(29.0), {"a", "e", "g", "h"})
    cheap = problem.with_capex("b", 1.0)
    assert cheap.cost("b") == 1.0 and problem.cost("b") == 20.0
    assert coefficients(rows_of(cheap, RowKind.BUDGET)[0])["b"] == 1.0
    assert fits(cheap, {"b", "e", "g", "h", "i"})  # 1+7+3+4+6 = 21
    assert cheap.spent({"b", "e"}) == 8.0
    forced = problem.forcing("f")
    assert bounds(forced)["f"] == (1.0, 1.0)
    assert not fits(forced, {"g"}) and fits(forced, {"f", "g"})
    assert problem.excluding(frozenset({"a", "g"})).exclusions == (frozenset({"a", "g"}),)
    assert problem.exclusions == ()  # the original is untouched


def test_plan_of():
    plan = Plan.of(["b", "a", "a"])
    assert plan.selected == {"a", "b"}
    assert len(plan) == 2
    assert [p for p, _ in plan.starts] == ["a", "b"]
    assert Plan.of([]).selected == frozenset()


def feasibility_instance(projects, effects=()):
    segs = [seg("s", "A", "B", road(100)), seg("t", "C", "D", road(100))]
    return instance(segs, projects, list(effects), [flow("A", "B", 1)])


def test_check_feasibility_must_do_over_budget():
    # m1 (8) and m2 (5) are must_do; m2 requires r (4): 8 + 5 + 4 = 17 > 10.
    inst = feasibility_instance([proj("m1", 8, "must_do"), proj("m2", 5, "must_do",
                                                               requires=("r",)),
                                 proj("r", 4), proj("p", 1)])
    (msg,) = check_feasibility(problem_of(10.0, inst))
    for part in ("m1", "m2", "r", "17.0", "10.0"):
        assert part in msg
    assert check_feasibility(problem_of(17.0, inst)) == []


def test_check_feasibility_two_must_do_alternatives():
    inst = feasibility_instance([proj("m1", 1, "must_do", group="G"),
                                 proj("m2", 1, "must_do", group="G")])
    (msg,) = check_feasibility(problem_of(10.0, inst))
    assert "m1 and m2" in msg and "G" in msg and "alternatives" in msg
    # sharing a segment is the same rule
    inst = feasibility_instance([proj("m1", 1, "must_do"), proj("m2", 1, "must_do")],
                                [("m1", "t", FAST), ("m2", "t", FAST)])
    (msg,) = check_feasibility(problem_of(10.0, inst))
    assert "m1 and m2" in msg and "segment t" in msg


def test_check_feasibility_must_do_blocked_by_a_committed_rival():
    inst = feasibility_instance([proj("c", 1, "committed", group="G"),
                                 proj("m", 1, "must_do", group="G")])
    (msg,) = check_feasibility(problem_of(10.0, inst))
    assert "m" in msg.split() and "c" in msg.split() and "never" in msg


@pytest.mark.parametrize("seed", range(30))
def test_fits_agrees_with_the_reference_rules(seed):
    gen = reference.random_instance(seed)
    inst, budget = gen.instance, gen.budget
    prep = prepare(inst)
    problem = PortfolioProblem(prep, budget)
    decision = list(prep.decision)
    assert all(inst.project(p).decision in (Decision.CANDIDATE, Decision.MUST_DO)
               for p in decision)
    agree = feasible = 0
    for r in range(len(decision) + 1):
        for combo in itertools.combinations(decision, r):
            s = set(combo)
            expected = reference.feasible(inst, s, budget)
            assert fits(problem, s) == expected, sorted(s)
            agree += 1
            feasible += expected
    assert agree == 2 ** len(decision)
    assert feasible < agree  # the budget always leaves some portfolio out
    # projects outside prep.decision (blocked ones) are in no feasible portfolio
    for p in prep.blocked:
        assert not any(reference.feasible(inst, set(c) | {p}, budget)
                       for r in range(3) for c in itertools.combinations(decision, r))
