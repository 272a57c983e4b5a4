"""Decision support (spec §7) on crafted instances with hand-computed answers."""
import pandas as pd
import pytest

from model.cli import main

from model.evaluate import evaluate
from model.explain import marginal_gains, reasons
from model.problem import Plan, PortfolioProblem
from model.ranking import benefit_cost_ranking
from model.sequencer import alternatives, optimise, sweep, switching_values
from tests import reference
from tests.builders import flow, instance, proj, road, seg, settings, solve
from tests.workbooks import tiny

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
    why = reasons(out.problem, out.plan, points)
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
    assert marginal_gains(out.prep, out.plan)["sel"] == pytest.approx(50)
    assert out.problem.fits(Plan.of({"sel"}))
    assert not out.problem.fits(Plan.of({"sel", "alt"}))


@pytest.mark.parametrize("formulation", ["paths", "arc"])
def test_switching_values_by_hand(formulation):
    # Corridors s0 (30 kt) and s1 (50 kt); FAST doubles a corridor's volume.
    # p0 (capex 10) gains 30, p1 (capex 20) gains 50; p2 also changes s1,
    # to gc 10: 50 * 12 / 10 = 60, a gain of 10, and cannot join p1.
    # Budget 25: the optimum is {p1} (50). p0 enters once p0 + p1 fit,
    # capex <= 5 (gain 80); p2 never does: forced in, p1 must go, and
    # p0 + p2 = 40 < 50 even at zero capex.
    segs = [seg("s0", "O0", "D0", road(100)), seg("s1", "O1", "D1", road(100))]
    projs = [proj("p0", 10), proj("p1", 20), proj("p2", 1)]
    effects = [("p0", "s0", FAST), ("p1", "s1", FAST), ("p2", "s1", road(100, 100, 0.09))]
    flows = [flow("O0", "D0", 30), flow("O1", "D1", 50)]
    config = settings(25, formulation)
    out = optimise(instance(segs, projs, effects, flows), config)
    assert out.selected == {"p1"}
    found = switching_values(out, config)
    assert set(found) == {"p0", "p2"}
    assert found["p0"].capex_musd == pytest.approx(5.0, abs=10 / 2 ** 11)
    assert found["p0"].capex_musd <= 5.0 and found["p0"].solves == 12
    assert found["p2"].capex_musd is None and found["p2"].solves == 1


def test_switching_values_reach_the_projects_sheet(tmp_path):
    inp = tiny(tmp_path / "in.xlsx", budget_musd=40)
    out = tmp_path / "out.xlsx"
    assert main(["--input", str(inp), "--output", str(out), "--switching-values", "--quiet"]) == 0
    projects = pd.read_excel(out, sheet_name="Projects")
    left_out = projects[projects.selected == "no"]
    assert len(left_out) and left_out.switching_note.notna().all()
    assert projects[projects.selected == "yes"].switching_note.isna().all()
