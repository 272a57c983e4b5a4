"""Decision support (spec §7) on crafted instances with hand-computed answers."""
import pytest

from model.evaluate import evaluate
from model.explain import marginal_gains, reasons
from model.problem import PortfolioProblem
from model.ranking import benefit_cost_ranking
from model.sequencer import alternatives, optimise, sweep
from tests import reference
from tests.builders import flow, instance, proj, road, seg, settings, solve

FAST = road(100, 100, 0.05)  # gc 12 -> 6: the corridor's volume doubles (elasticity 1)


def knapsack(vols, capex, **kw):
    segs = [seg(f"s{i}", f"O{i}", f"D{i}", road(100)) for i in range(len(vols))]
    projs = [proj(f"p{i}", c) for i, c in enumerate(capex)]
    effects = [(f"p{i}", f"s{i}", FAST) for i in range(len(vols))]
    flows = [flow(f"O{i}", f"D{i}", v) for i, v in enumerate(vols)]
    return instance(segs, projs, effects, flows, **kw)


def test_ranking_by_hand():
    # Gains = volumes 30, 40, 45; capex 10, 20, 30 -> ratios 3, 2, 1.5.
    # Ranking: p0 (10), p1 (30 in all), p2 does not fit 35 -> {p0, p1}: gain 70.
    # Optimum with 35: {p0, p1} 70 vs {p2} 45 vs {p0, p2}? cost 40 > 35. Same here;
    # with budget 50: ranking p0, p1 (30) then p2 (60 > 50) -> 70; optimum {p1, p2} 85.
    inst = knapsack([30, 40, 45], [10, 20, 30])
    out = solve(inst, 50)
    rank = benefit_cost_ranking(PortfolioProblem(out.prep, 50))
    assert [c.project_id for c in rank.order] == ["p0", "p1", "p2"]
    assert [c.gain for c in rank.order] == pytest.approx([30, 40, 45])
    assert rank.selected == {"p0", "p1"}
    assert rank.volume_kt == pytest.approx(115 + 70)
    assert out.selected == {"p1", "p2"}
    assert evaluate(out.prep, out.selected).volume_kt == pytest.approx(115 + 85)


def test_ranking_starts_from_must_do_and_bundles_requires():
    # m is must_do (capex 5, its corridor s0 has no flow); q requires r: bundle
    # {q, r} costs 8 + 4 = 12 and gains 40 + 20 = 60 (ratio 5); p gains 30 for 10
    # (ratio 3). Budget 20: start {m} (5), add {q, r} (17 in all); p does not fit.
    segs = [seg(f"s{i}", f"O{i}", f"D{i}", road(100)) for i in range(4)]
    projs = [proj("m", 5, "must_do"), proj("p", 10), proj("q", 8, requires=("r",)),
             proj("r", 4)]
    effects = [("m", "s0", FAST), ("p", "s1", FAST), ("q", "s2", FAST), ("r", "s3", FAST)]
    flows = [flow("O1", "D1", 30), flow("O2", "D2", 40), flow("O3", "D3", 20)]
    prep = solve(instance(segs, projs, effects, flows), 20).prep
    rank = benefit_cost_ranking(PortfolioProblem(prep, 20))
    assert rank.start == {"m"}
    by_id = {c.project_id: c for c in rank.order}
    assert by_id["q"].bundle == {"q", "r"} and by_id["q"].cost == 12
    assert by_id["q"].gain == pytest.approx(60)
    assert [c.project_id for c in rank.order][:1] == ["q"]
    assert rank.selected == {"m", "q", "r"}


@pytest.mark.parametrize("formulation", ["paths", "arc"])
def test_sweep_matches_single_budget_solves(formulation):
    gen = reference.random_instance(7)
    budgets = [0.0, 40.0, 80.0, 160.0, 320.0]
    out = solve(gen.instance, budgets[0], formulation)
    points = sweep(out, budgets, settings(budgets[0], formulation))
    for pt, b in zip(points, budgets):
        single = solve(gen.instance, b, formulation)
        assert pt.budget == b
        assert pt.volume_kt == pytest.approx(evaluate(single.prep, single.selected).volume_kt,
                                             rel=1e-6)
        assert pt.spent <= b + 1e-9
    assert [p.volume_kt for p in points] == sorted(p.volume_kt for p in points)


def test_sweep_reports_a_dropped_project():
    # Budget 10 buys p0 (gain 30); budget 20 buys p1 (gain 50, capex 20) instead:
    # the larger budget drops p0.
    inst = knapsack([30, 50], [10, 20])
    out = solve(inst, 10)
    points = sweep(out, [10, 20], settings(10))
    assert points[0].selected == {"p0"}
    assert points[1].selected == {"p1"}
    assert points[1].dropped == ("p0",) and points[1].added == ("p1",)


@pytest.mark.parametrize("formulation", ["paths", "arc"])
def test_alternatives_are_distinct_feasible_and_no_better(formulation):
    gen = reference.random_instance(11)
    config = settings(gen.budget, formulation)
    out = optimise(gen.instance, config)
    best = evaluate(out.prep, out.selected).volume_kt
    found = alternatives(out, 4, config)
    assert len(found) == 4
    sets = [out.selected] + [a.selected for a in found]
    assert len(set(sets)) == len(sets)
    for a in found:
        assert reference.feasible(gen.instance, set(a.selected), gen.budget)
        assert a.volume_kt <= best * (1 + config.pwl_tolerance)
        assert a.volume_kt == pytest.approx(reference.volume(gen.instance, set(a.selected)))
    # ranked: each is no better than the one before, up to the curve tolerance
    vols = [a.volume_kt for a in found]
    assert all(b <= a * (1 + 0.002) for a, b in zip(vols, vols[1:]))


def test_each_kind_of_reason():
    # s0..s4 are five corridors; flows on s1, s2, s3 only.
    segs = [seg(f"s{i}", f"O{i}", f"D{i}", road(100)) for i in range(5)]
    projs = [proj("sel", 10, group="G"),        # selected: gain 50
             proj("pre", 1),                     # only useful for "needs", itself no gain
             proj("needs", 200, requires=("pre",)),
             proj("alt", 1, group="G"),          # alternative to sel
             proj("exc", 1, "excluded"),
             proj("dead", 1, requires=("exc",)),  # requires an excluded project
             proj("idle", 1),                    # improves s0: no flow there
             proj("big", 100),                   # gain 40 but does not fit
             proj("com", 0, "committed"),        # committed, on s4
             proj("clash", 1)]                   # changes s4 like com: blocked
    effects = [("sel", "s1", FAST), ("alt", "s1", road(100, 100, 0.08)), ("exc", "s2", FAST),
               ("dead", "s3", FAST), ("idle", "s0", FAST), ("big", "s2", FAST),
               ("com", "s4", FAST), ("clash", "s4", road(100, 200, 0.01)),
               ("pre", "s0", road(100, 60, 0.1)), ("needs", "s3", road(100, 100, 0.04))]
    flows = [flow("O1", "D1", 50), flow("O2", "D2", 40), flow("O3", "D3", 1)]
    inst = instance(segs, projs, effects, flows)
    out = solve(inst, 20)
    assert out.selected == {"sel"}
    points = sweep(out, [20.0, 60.0, 110.0], settings(20))
    assert "big" in points[-1].selected
    why = reasons(out.problem, out.selected, points)
    assert why["alt"] == "alternative to sel, which is selected"
    assert why["exc"] == "excluded"
    assert why["dead"] == "requires exc, which is excluded"
    assert why["idle"] == "no flow's route improves"
    assert why["pre"] == ("no flow's route improves with it alone; it is a prerequisite of"
                          " needs")
    assert why["big"].startswith("does not fit the budget")
    assert "enters the optimal portfolio at a budget of USD 110 million" in why["big"]
    assert why["com"].startswith("committed")
    assert "com" in why["clash"] and "s4" in why["clash"]
    assert marginal_gains(out.prep, out.selected)["sel"] == pytest.approx(50)
    assert out.problem.fits(frozenset({"sel"}))
    assert not out.problem.fits(frozenset({"sel", "alt"}))
