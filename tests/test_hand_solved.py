"""Tiny instances whose optimum is worked out by hand in each test's comment.

With VOT = 1 and road(L, speed, cost): gc = L*cost + L/speed + fixed terms.
road(100) = 100*0.1 + 100/50 = 12; road(100, 100, 0.05) = 5 + 1 = 6.
Horizon = base year, so P = base volume; elasticity 1 means V = P * C0 / C.
"""
import pytest

from model.evaluate import evaluate
from tests.builders import flow, instance, proj, road, seg, solve

FAST = road(100, 100, 0.05)  # gc 6


@pytest.fixture(params=["paths", "arc"])
def formulation(request):
    return request.param


def run(formulation, inst, budget=100.0):
    out = solve(inst, budget, formulation)
    return out, evaluate(out.prep, out.selected)


def test_plain_knapsack(formulation):
    # Four independent corridors; upgrading one halves its cost (12 -> 6), so
    # its volume doubles: gain = P. P = 10, 22, 30, 40; capex 5, 8, 12, 15;
    # budget 20. Affordable gains: {p4,p1} 50, {p3,p2} 52, {p4} 40 -> {p2,p3}.
    vols, capex = [10, 22, 30, 40], [5, 8, 12, 15]
    segs = [seg(f"s{i}", f"O{i}", f"D{i}", road(100)) for i in range(1, 5)]
    projs = [proj(f"p{i}", capex[i - 1]) for i in range(1, 5)]
    effects = [(f"p{i}", f"s{i}", FAST) for i in range(1, 5)]
    flows = [flow(f"O{i}", f"D{i}", vols[i - 1]) for i in range(1, 5)]
    out, ev = run(formulation, instance(segs, projs, effects, flows), 20)
    assert out.solution.status == "optimal"
    assert out.selected == {"p2", "p3"}
    assert ev.volume_kt == pytest.approx(sum(vols) + 52)


def test_two_projects_in_series_only_pay_together(formulation):
    # A-B-C by road: 12 + 12 = 24; direct A-C road(125) = 12.5 + 2.5 = 15.
    # p1 alone: 6 + 12 = 18 > 15 (no gain); p1+p2: 12 -> V = 100*15/12 = 125.
    # p3 upgrades A-C to road(125, 100, 0.0868) = 10.85 + 1.25 = 12.1 -> 123.97.
    # Budget 20 buys p1+p2 (20) or p3 (12): the pair wins though each alone is worthless.
    segs = [seg("ab", "A", "B", road(100)), seg("bc", "B", "C", road(100)),
            seg("ac", "A", "C", road(125))]
    projs = [proj("p1", 10), proj("p2", 10), proj("p3", 12)]
    effects = [("p1", "ab", FAST), ("p2", "bc", FAST), ("p3", "ac", road(125, 100, 0.0868))]
    out, ev = run(formulation, instance(segs, projs, effects, [flow("A", "C", 100)]), 20)
    assert out.selected == {"p1", "p2"}
    assert ev.volume_kt == pytest.approx(125.0)


def test_alternatives_by_group_and_by_segment(formulation):
    # Three corridors, P = 10, 8, 5, gain = P when upgraded. p1, p2 share a group;
    # q1, q2 both change corridor 3 (q1 to gc 6: gain 5; q2 to gc 4: gain 10).
    # Budget fits everything, but at most one of p1/p2 and one of q1/q2:
    # best = p1 (10) + q2 (10) + nothing else = 23 + 20 = 43.
    segs = [seg("s1", "A1", "B1", road(100)), seg("s2", "A2", "B2", road(100)),
            seg("s3", "A3", "B3", road(100))]
    projs = [proj("p1", 1, group="G"), proj("p2", 1, group="G"), proj("q1", 1), proj("q2", 1)]
    effects = [("p1", "s1", FAST), ("p2", "s2", FAST), ("q1", "s3", FAST),
               ("q2", "s3", road(100, 100, 0.03))]  # 3 + 1 = 4
    flows = [flow("A1", "B1", 10), flow("A2", "B2", 8), flow("A3", "B3", 5)]
    out, ev = run(formulation, instance(segs, projs, effects, flows), 100)
    assert out.selected == {"p1", "q2"}
    assert ev.volume_kt == pytest.approx(10 * 2 + 8 + 5 * 12 / 4)


def test_requires(formulation):
    # p2 (gain 50 on its corridor) requires p1 (gain 1 on another); p3 gains 20.
    # Capex p1 6, p2 6, p3 6. Budget 12: {p1,p2} = 51 beats {p1,p3} = 21 and
    # {p3} = 20; p2 alone is not allowed. Budget 6: only one project: p3 (20).
    segs = [seg(f"s{i}", f"O{i}", f"D{i}", road(100)) for i in (1, 2, 3)]
    projs = [proj("p1", 6), proj("p2", 6, requires=("p1",)), proj("p3", 6)]
    effects = [(f"p{i}", f"s{i}", FAST) for i in (1, 2, 3)]
    flows = [flow("O1", "D1", 1), flow("O2", "D2", 50), flow("O3", "D3", 20)]
    inst = instance(segs, projs, effects, flows)
    out, ev = run(formulation, inst, 12)
    assert out.selected == {"p1", "p2"}
    assert ev.volume_kt == pytest.approx(2 + 100 + 20)
    out, ev = run(formulation, inst, 6)
    assert out.selected == {"p3"}


def test_committed_applies_without_budget_and_blocks_its_alternatives(formulation):
    # c1 is committed (capex 1000, does not count) and upgrades s1: do-nothing
    # volume on corridor 1 is already 2*P1. p1 is in c1's group: never selectable.
    # p2 (capex 10) upgrades s2. Budget 10: p2 only.
    segs = [seg("s1", "A", "B", road(100)), seg("s2", "C", "D", road(100))]
    projs = [proj("c1", 1000, "committed", group="G"), proj("p1", 1, group="G"),
             proj("p2", 10)]
    effects = [("c1", "s1", FAST), ("p1", "s1", road(100, 200, 0.01)), ("p2", "s2", FAST)]
    flows = [flow("A", "B", 40), flow("C", "D", 30)]
    out, ev = run(formulation, instance(segs, projs, effects, flows), 10)
    assert out.selected == {"p2"}
    assert "c1" in ev.applied
    assert evaluate(out.prep, frozenset()).volume_kt == pytest.approx(80 + 30)
    assert ev.volume_kt == pytest.approx(80 + 60)


def test_must_do_counts_against_the_budget(formulation):
    # m1 is must_do (capex 8) though it is worthless (its corridor carries no
    # flow); budget 15 leaves 7: p1 (capex 5, gain 10) fits, p2 (capex 9, gain 30) does not.
    segs = [seg("s0", "X", "Y", road(100)), seg("s1", "A", "B", road(100)),
            seg("s2", "C", "D", road(100))]
    projs = [proj("m1", 8, "must_do"), proj("p1", 5), proj("p2", 9)]
    effects = [("m1", "s0", FAST), ("p1", "s1", FAST), ("p2", "s2", FAST)]
    flows = [flow("A", "B", 10), flow("C", "D", 30)]
    inst = instance(segs, projs, effects, flows)
    out, ev = run(formulation, inst, 15)
    assert out.selected == {"m1", "p1"}
    assert ev.volume_kt == pytest.approx(20 + 30)
    out, _ = run(formulation, inst, 7)
    assert out.solution.status == "infeasible"
    assert "m1" in out.solution.message and "8.0" in out.solution.message


def test_alt_cost_caps_the_cost_and_sets_today(formulation):
    # Network A-B costs 12; alternative outside the network costs 9: C0 = 9.
    # p1 brings the road to 6: V = 100 * 9/6 = 150. p2 brings it to 10: no gain
    # (still above 9), so with budget for one, p1 is chosen; p2 never is.
    segs = [seg("s1", "A", "B", road(100))]
    projs = [proj("p1", 10), proj("p2", 1)]
    effects = [("p1", "s1", FAST), ("p2", "s1", road(100, 100, 0.09))]  # 9 + 1 = 10
    inst = instance(segs, projs, effects, [flow("A", "B", 100, alt=9.0)])
    out, ev = run(formulation, inst, 10)
    assert out.selected == {"p1"}
    assert ev.volume_kt == pytest.approx(150)
    out, ev = run(formulation, inst, 5)
    assert out.selected == frozenset()  # p2 fits but adds nothing: not funded
    assert ev.volume_kt == pytest.approx(100)


def test_planned_link_exists_only_when_built(formulation):
    # A-B today: road(200) = 20 + 4 = 24. Planned rail A-B (status planned)
    # road(200, 100, 0.03) = 6 + 2 = 8, built by p1. Elasticity 0.5:
    # V = 100 * (8/24)^-0.5 = 100 * sqrt(3).
    segs = [seg("s1", "A", "B", road(200)), seg("rail", "A", "B", road(200, 100, 0.03),
                                                 status="planned")]
    projs = [proj("p1", 50)]
    effects = [("p1", "rail", road(200, 100, 0.03))]
    flows = [flow("A", "B", 100, elasticity=0.5)]
    inst = instance(segs, projs, effects, flows)
    assert evaluate(solve(inst, 0).prep, frozenset()).volume_kt == pytest.approx(100)
    out, ev = run(formulation, inst, 50)
    assert out.selected == {"p1"}
    assert ev.volume_kt == pytest.approx(100 * 3 ** 0.5)


def test_growth_and_value_objective(formulation):
    # Growth 10%/yr over 2 years: P1 = 121 kt at 500 USD/t; P2 = 50 kt at
    # 2000 USD/t. Upgrading a corridor doubles its volume; budget buys one.
    # By volume: p1 gains 121 kt > 50 kt. By value (USD m = kt * USD/t / 1000):
    # p1 gains 60.5, p2 gains 100 -> p2; objective 121*0.5 + 100*2.
    segs = [seg("s1", "A", "B", road(100)), seg("s2", "C", "D", road(100))]
    projs = [proj("p1", 10), proj("p2", 10)]
    effects = [("p1", "s1", FAST), ("p2", "s2", FAST)]
    flows = [flow("A", "B", 100, growth=10, value=500), flow("C", "D", 50, value=2000)]
    by_volume, _ = run(formulation, instance(segs, projs, effects, flows, horizon=2027), 10)
    assert by_volume.selected == {"p1"}
    by_value, ev = run(formulation, instance(segs, projs, effects, flows, horizon=2027,
                                             objective="value"), 10)
    assert by_value.selected == {"p2"}
    assert ev.objective == pytest.approx(121 * 0.5 + 100 * 2.0)


def test_each_flow_weighs_time_at_its_own_value(formulation):
    # Two roads A-B: slow s (100 km, 25 km/h, 0.05 USD/t-km: money 5, 4 h) and
    # fast f (100 km, 100 km/h, 0.2: money 20, 1 h). Grain at 1 USD/t-h takes
    # s (9 < 21); electronics at 10 USD/t-h take f (30 < 45). p1 halves s's
    # time (50 km/h): grain 7, electronics 25 (now cheaper than f's 30);
    # p2 makes f cost 0.1 (money 10): grain 11 (keeps s), electronics 20.
    # P = 100 each, elasticity 1: p1 gains grain 100*9/7 - 100 = 28.57 and
    # electronics 100*30/25 - 100 = 20 (48.57 in all); p2 gains electronics
    # 100*30/20 - 100 = 50 only. Budget for one: p2 (50 > 48.57). At one
    # value of time for all (1 USD/t-h) p1 would win: 28.57 against nothing.
    segs = [seg("s", "A", "B", road(100, 25, 0.05)), seg("f", "A", "B", road(100, 100, 0.2))]
    projs = [proj("p1", 10), proj("p2", 10)]
    effects = [("p1", "s", road(100, 50, 0.05)), ("p2", "f", road(100, 100, 0.1))]
    flows = [flow("A", "B", 100, commodity="grain"),
             flow("A", "B", 100, vot=10.0, commodity="electronics")]
    out, ev = run(formulation, instance(segs, projs, effects, flows), 10)
    assert out.selected == {"p2"}
    assert ev.volume_kt == pytest.approx(200 + 50)
    assert list(ev.costs) == pytest.approx([9.0, 20.0])
    same = instance(segs, projs, effects, [flow("A", "B", 100, commodity="grain"),
                                           flow("A", "B", 100, commodity="electronics")])
    out, _ = run(formulation, same, 10)
    assert out.selected == {"p1"}
