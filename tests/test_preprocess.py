"""model/preprocess.py: which projects can be chosen, the cost levels of every
flow, the constant part of the objective, and swapping the demand (spec §4-§5).

With VOT 1 and road(L, speed, cost): gc = L*cost + L/speed (tests/builders.py).
"""
import dataclasses
import itertools

import numpy as np
import pytest

import model.network
import model.preprocess
from model.evaluate import evaluate
from model.instance import Effect
from model.preprocess import blocked_projects, constant_objective, prepare, required_closure
from tests import reference
from tests.builders import flow, instance, proj, road, seg

FAST = road(100, 100, 0.05)  # 5 + 1 = 6


def test_blocked_projects_with_their_reasons():
    # c committed in group G: a and m (must_do) in G can never be selected.
    # c2 committed changes s1: b, which also changes s1, is blocked.
    # r requires the excluded x. t1 requires the blocked b; t2 requires t1;
    # t3 requires t2 (listed first, so blocking needs several passes).
    # Not blocked: ok1 requires the committed c; ok2 shares group H only with
    # an excluded project; ok3 shares s2 only with the excluded x; ok4 and
    # ok5 are alternatives to each other, but neither is committed.
    projects = [proj("t3", 1, requires=("t2",)), proj("c", 1, "committed", group="G"),
                proj("a", 1, group="G"), proj("m", 1, "must_do", group="G"),
                proj("c2", 1, "committed"), proj("b", 1), proj("x", 1, "excluded"),
                proj("r", 1, requires=("x",)), proj("t2", 1, requires=("t1",)),
                proj("t1", 1, requires=("b",)), proj("ok1", 1, requires=("c",)),
                proj("x2", 1, "excluded", group="H"), proj("ok2", 1, group="H"),
                proj("ok3", 1), proj("ok4", 1, group="K"), proj("ok5", 1, group="K")]
    effects = [Effect("c2", "s1", FAST), Effect("b", "s1", FAST), Effect("x", "s2", FAST),
               Effect("ok3", "s2", FAST), Effect("ok4", "s3", FAST)]
    blocked = blocked_projects(projects, effects)
    assert set(blocked) == {"a", "m", "b", "r", "t1", "t2", "t3"}
    for p in ("a", "m"):
        assert "c" in blocked[p].split()
        assert "committed" in blocked[p] and "group" in blocked[p]
    assert "s1" in blocked["b"] and "c2" in blocked["b"]
    assert "x" in blocked["r"] and "excluded" in blocked["r"]
    assert "requires b" in blocked["t1"]
    assert "requires t1" in blocked["t2"]
    assert "requires t2" in blocked["t3"]


def test_blocked_projects_none_without_committed_or_excluded():
    projects = [proj("a", 1, group="G"), proj("b", 1, group="G"), proj("d", 1, requires=("a",))]
    effects = [Effect("a", "s", FAST), Effect("b", "s", FAST)]
    assert blocked_projects(projects, effects) == {}


def test_required_closure_is_transitive_and_leaves_committed_out():
    # a -> b -> {c (committed), d}; d -> e. closure(a) = {a, b, d, e}.
    projs = [proj("a", 1, requires=("b",)), proj("b", 1, requires=("c", "d")),
             proj("c", 1, "committed"), proj("d", 1, requires=("e",)), proj("e", 1)]
    inst = instance([seg("s", "A", "B", road(100))], projs, [], [])
    assert required_closure(inst, "a") == {"a", "b", "d", "e"}
    assert required_closure(inst, "d") == {"d", "e"}
    assert required_closure(inst, "e") == {"e"}


# A tiny instance, VOT 1, horizon 2027 (two years after the base year):
#   ab, bc, cd = road(100): 12 each; ac planned: road(150, 100, 0.05) = 7.5 + 1.5 = 9.
#   c  committed, group G: ab -> FAST (6)
#   p1 builds ac (9);  p2: cd -> FAST (6)
#   p3 in group G (blocked by c): cd -> road(100, 100, 0.02) = 2 + 1 = 3
#   x  excluded: bc -> road(100, 100, 0.005) = 0.5 + 1 = 1.5
#   m  must_do: bc -> road(100) (no change)
# Flows:
#   f0 A->C P 30 e 1:   C0 = 12+12 = 24, Cdn = 6+12 = 18, Cmin = ac 9      (changeable)
#   f1 A->B P 40*1.1^2 = 48.4, e 1: C0 12, Cdn 6, Cmin 6 (A-C-B 21)      (constant)
#   f2 C->D P 20 e 0.5: C0 12, Cdn 12, Cmin 6 (p3's 3 is blocked)         (changeable)
#   f3 B->D P 10 e 2, alt 10: network 24 / 24 / 18 (B-C-D with p2), all capped at 10
#                                                                          (constant)
# Were x counted, f0's Cmin would be 6 + 1.5 = 7.5; were p3, f2's would be 3.
def tiny():
    segs = [seg("ab", "A", "B", road(100)), seg("bc", "B", "C", road(100)),
            seg("cd", "C", "D", road(100)),
            seg("ac", "A", "C", road(150, 100, 0.05), status="planned")]
    projs = [proj("c", 100, "committed", group="G"), proj("p1", 10), proj("p2", 10),
             proj("p3", 10, group="G"), proj("x", 10, "excluded"), proj("m", 5, "must_do")]
    effects = [("c", "ab", FAST), ("p1", "ac", road(150, 100, 0.05)), ("p2", "cd", FAST),
               ("p3", "cd", road(100, 100, 0.02)), ("x", "bc", road(100, 100, 0.005)),
               ("m", "bc", road(100))]
    flows = [flow("A", "C", 30), flow("A", "B", 40, growth=10), flow("C", "D", 20, 0.5),
             flow("B", "D", 10, 2.0, alt=10.0)]
    return instance(segs, projs, effects, flows, horizon=2027)


def test_prepare_cost_levels_by_hand():
    prep = prepare(tiny())
    assert list(prep.c0) == pytest.approx([24, 12, 12, 10])
    assert list(prep.cdn) == pytest.approx([18, 6, 12, 10])
    assert list(prep.cmin) == pytest.approx([9, 6, 6, 10])
    assert prep.committed == {"c"}
    assert prep.decision == ("p1", "p2", "m")
    assert prep.must_do == ("m",)
    assert set(prep.blocked) == {"p3"}
    assert [fa.flow for fa in prep.variable] == [0, 2]
    assert list(prep.potential) == pytest.approx([30, 48.4, 20, 10])


def test_prepare_leaves_excluded_projects_out_of_the_network():
    prep = prepare(tiny())
    used = {s.project for own in prep.network.states for s in own}
    assert used == {None, "c", "p1", "p2", "p3", "m"}  # p3 has states, but is blocked
    # p3's states never reach a flow's candidate arcs: it is not selectable
    assert all(s.project != "p3" for fa in prep.variable for _, _, s in fa.arcs)


def test_constant_objective_by_hand():
    # Flows 1 and 3 are constant: 48.4 * (6/12)^-1 + 10 * (10/10)^-2 = 96.8 + 10
    assert constant_objective(prepare(tiny())) == pytest.approx(106.8)


def test_constant_objective_is_zero_when_every_flow_can_change():
    segs = [seg("s", "A", "B", road(100))]
    inst = instance(segs, [proj("p", 1)], [("p", "s", FAST)], [flow("A", "B", 10)])
    assert constant_objective(prepare(inst)) == 0.0


def test_evaluate_tiny_by_hand():
    # {p1, p2} (m adds nothing): f0 30*24/9 = 80, f1 96.8, f2 20*(6/12)^-0.5 = 28.284,
    # f3 10.
    ev = evaluate(prepare(tiny()), {"p1", "p2", "m"})
    assert list(ev.costs) == pytest.approx([9, 6, 6, 10])
    assert ev.objective == pytest.approx(80 + 96.8 + 20 * 2 ** 0.5 + 10)


def changed_flows(inst, volume_factor, elasticities):
    flows = tuple(dataclasses.replace(f, base_volume_kt=f.base_volume_kt * volume_factor,
                                      elasticity=e) for f, e in zip(inst.flows, elasticities))
    return dataclasses.replace(inst, flows=flows)


def subsets(items):
    return [set(c) for r in range(len(items) + 1) for c in itertools.combinations(items, r)]


def assert_same_evaluations(prep_a, prep_b):
    for s in subsets(prep_a.decision):
        a, b = evaluate(prep_a, s), evaluate(prep_b, s)
        assert a.objective == pytest.approx(b.objective, rel=1e-12)
        assert list(a.volumes) == pytest.approx(list(b.volumes), rel=1e-12)
        assert list(a.costs) == pytest.approx(list(b.costs), rel=1e-12)
    assert constant_objective(prep_a) == pytest.approx(constant_objective(prep_b), rel=1e-12)


def test_with_demand_doubled_potentials_by_hand(monkeypatch):
    inst = tiny()
    prep = prepare(inst)
    d = prep.demand
    doubled = dataclasses.replace(d, potential=2 * d.potential)

    def no_paths(*args, **kwargs):
        raise AssertionError("with_demand must not recompute shortest paths")

    monkeypatch.setattr(model.preprocess, "flow_costs", no_paths)
    monkeypatch.setattr(model.network, "dijkstra", no_paths)
    swapped = prep.with_demand(doubled)
    monkeypatch.undo()
    assert swapped.network is prep.network
    assert swapped.variable is prep.variable and swapped.cdn is prep.cdn
    assert swapped.demand is doubled and prep.demand is d  # the original is untouched
    # Same elasticities: every volume doubles. {p1, p2}: 2 * (80 + 96.8 + 28.284 + 10).
    hand = 2 * (80 + 96.8 + 20 * 2 ** 0.5 + 10)
    assert evaluate(swapped, {"p1", "p2"}).objective == pytest.approx(hand)
    assert constant_objective(swapped) == pytest.approx(2 * 106.8)
    assert_same_evaluations(swapped, prepare(changed_flows(inst, 2.0, [1.0, 1.0, 0.5, 2.0])))


def test_with_demand_other_elasticities_matches_a_fresh_prepare():
    inst = tiny()
    prep = prepare(inst)
    elasticities = [2.0, 0.3, 1.7, 1.1]
    other = changed_flows(inst, 0.5, elasticities)
    demand = dataclasses.replace(prep.demand, potential=0.5 * prep.demand.potential,
                                 elasticity=np.array(elasticities))
    swapped = prep.with_demand(demand)
    assert swapped.network is prep.network
    assert_same_evaluations(swapped, prepare(other))
    assert_same_evaluations(prep.with_demand(prepare(other).demand), prepare(other))
    # f0 at {p1}: 15 * (9/24)^-2 = 15 * 64/9
    assert evaluate(swapped, {"p1"}).volumes[0] == pytest.approx(15 * 64 / 9)


@pytest.mark.parametrize("seed", [3, 7])
def test_with_demand_on_random_instances(seed):
    inst = reference.random_instance(seed).instance
    prep = prepare(inst)
    rng = np.random.default_rng(seed)
    other = changed_flows(inst, 1.5, [round(float(e), 2)
                                      for e in rng.uniform(0.3, 2.5, len(inst.flows))])
    swapped = prep.with_demand(prepare(other).demand)
    assert swapped.network is prep.network
    assert_same_evaluations(swapped, prepare(other))
    # and against the independent oracle, for every portfolio the rules allow
    for s in subsets(prep.decision):
        if reference.feasible(other, s, 1e9):
            assert evaluate(swapped, s).volume_kt == pytest.approx(
                reference.volume(other, s), rel=1e-9)


def test_a_prepared_network_is_shipped_without_the_objectives_kept_on_it():
    """Exact objectives are kept with the prepared network (a solve asks for
    the same plan's several times); a pickled copy, as shipped to scenario
    workers, leaves them behind and evaluates again to the same values."""
    import pickle

    from model.problem import Plan, objective
    from tests import reference
    gen = reference.random_instance(3)
    prep = prepare(gen.instance)
    plans = [Plan(), Plan.of(prep.decision[:2]), Plan.of(prep.decision)]
    values = [objective(prep, p) for p in plans]
    assert len(prep.__dict__["_objectives"]) == 3
    copy = pickle.loads(pickle.dumps(prep))
    assert "_objectives" not in copy.__dict__
    assert [objective(copy, p) for p in plans] == values
    assert [reference.volume(gen.instance, set(p.selected)) for p in plans] == \
        pytest.approx(values, rel=1e-9)
