"""model/network.py on hand-made graphs: segment states, shortest paths,
route reconstruction and per-flow pruning (spec §3-§5).

With road(L, speed, cost): money = L*cost, hours = L/speed (tests/builders.py).
"""
import itertools
import math

import numpy as np
import pytest

from model.instance import Attributes
from model.network import Pruning, State, build_network, flow_costs, route, shortest_paths
from model.preprocess import prepare
from tests import reference
from tests.builders import flow, instance, proj, road, seg

# Two routes A-D: slow and cheap via B, fast and dear via C.
#   ab, bd = road(100, 25, 0.05): money 5, hours 4 each -> route ABD money 10, hours 8
#   ac, cd = road(100, 100, 0.2): money 20, hours 1 each -> route ACD money 40, hours 2
# At 1 USD/t-h:  ABD 10 + 8 = 18,  ACD 40 + 2 = 42  -> ABD
# At 10 USD/t-h: ABD 10 + 80 = 90, ACD 40 + 20 = 60 -> ACD
# p1 upgrades ab to road(100, 50, 0.05) (money 5, hours 2): ABD at 1 = 7 + 9 = 16,
#   at 10 = 25 + 45 = 70 (ACD still cheaper).
# de is planned (D-E), built by p2 as road(100) (money 10, hours 2: gc 12 at 1).
SLOW, DEAR = road(100, 25, 0.05), road(100, 100, 0.2)


def two_route_instance():
    segs = [seg("ab", "A", "B", SLOW), seg("bd", "B", "D", SLOW), seg("ac", "A", "C", DEAR),
            seg("cd", "C", "D", DEAR), seg("de", "D", "E", road(100), status="planned")]
    projs = [proj("p1", 1), proj("p2", 1)]
    effects = [("p1", "ab", road(100, 50, 0.05)), ("p2", "de", road(100))]
    flows = [flow("A", "D", 10), flow("A", "D", 10, vot=10.0), flow("A", "E", 10, alt=50.0)]
    return instance(segs, projs, effects, flows)


def net_of(inst):
    return build_network(inst.nodes, inst.segments, inst.effects)


def net_segment(inst, sid):
    return [s.segment_id for s in inst.segments].index(sid)


def test_state_gc_is_money_plus_value_of_time_times_hours():
    s = State(0, None, 10.0, 2.5)
    assert s.gc(0.0) == 10.0
    assert s.gc(1.0) == pytest.approx(12.5)
    assert s.gc(4.0) == pytest.approx(20.0)  # 10 + 4 * 2.5


def test_build_network_states():
    # s1 open with two projects on it -> base + 2 states; s2 planned with one
    # project -> only that state; s3 open untouched -> base only; s4 planned
    # with nothing -> no state at all.
    segs = [seg("s1", "A", "B", road(100)), seg("s2", "B", "C", road(300), status="planned"),
            seg("s3", "C", "D", road(50)), seg("s4", "A", "D", road(10), status="planned")]
    eff = [("p", "s1", road(100, 100, 0.05)),  # money 5, hours 1
           ("q", "s2", road(200, 100, 0.02)),  # money 4, hours 2
           ("r", "s1", road(80, 40, 0.1, fixed_h=3, fixed_usd=7))]  # money 8+7, hours 2+3
    inst = instance(segs, [proj("p", 1), proj("q", 1), proj("r", 1)], eff, [])
    net = net_of(inst)
    assert net.n_nodes == 4
    assert net.ends[net_segment(inst, "s2")] == (net.index["B"], net.index["C"])
    s1, s2, s3, s4 = net.states
    assert [(s.project, s.money, s.hours) for s in s1] == [
        (None, pytest.approx(10.0), pytest.approx(2.0)),  # road(100): 100*0.1, 100/50
        ("p", pytest.approx(5.0), pytest.approx(1.0)),
        ("r", pytest.approx(15.0), pytest.approx(5.0))]
    assert [(s.project, s.money, s.hours) for s in s2] == [
        ("q", pytest.approx(4.0), pytest.approx(2.0))]
    assert [s.project for s in s3] == [None]
    assert s4 == ()
    assert all(s.segment == i for i, own in enumerate(net.states) for s in own)


def test_zero_length_segment_has_only_its_fixed_time():
    # A border post: length 0, speed None; hours = fixed_time_h only.
    border = Attributes(0.0, None, 0.0, 12.0, 30.0)
    inst = instance([seg("b", "X", "Y", border)], [], [], [])
    (state,) = net_of(inst).states[0]
    assert (state.money, state.hours) == (30.0, 12.0)


def test_shortest_paths_depend_on_value_of_time_and_portfolio():
    inst = two_route_instance()
    net = net_of(inst)
    a, d, e = (net.index[n] for n in "ADE")
    low = shortest_paths(net, frozenset(), [a], 1.0)
    high = shortest_paths(net, frozenset(), [a], 10.0)
    assert low.cost[0, d] == pytest.approx(18.0)
    assert high.cost[0, d] == pytest.approx(60.0)
    assert math.isinf(low.cost[0, e])  # de is planned and p2 not applied
    up = shortest_paths(net, frozenset({"p1", "p2"}), [a, d], 1.0)
    assert up.cost[0, d] == pytest.approx(16.0)
    assert up.cost[0, e] == pytest.approx(28.0)  # 16 + 12
    assert up.cost[1, a] == pytest.approx(16.0)  # undirected: D back to A
    assert up.cost[1, e] == pytest.approx(12.0)
    assert shortest_paths(net, frozenset({"p1"}), [a], 10.0).cost[0, d] == pytest.approx(60.0)


def test_route_follows_the_cheapest_states():
    inst = two_route_instance()
    net = net_of(inst)
    a, d, e = (net.index[n] for n in "ADE")
    ids = [s.segment_id for s in inst.segments]

    def names(paths, dest):
        return [(ids[s.segment], s.project) for s in route(paths, a, dest)]

    assert names(shortest_paths(net, frozenset(), [a], 1.0), d) == [("ab", None), ("bd", None)]
    assert names(shortest_paths(net, frozenset(), [a], 10.0), d) == [("ac", None), ("cd", None)]
    with_p = shortest_paths(net, frozenset({"p1", "p2"}), [a], 1.0)
    assert names(with_p, e) == [("ab", "p1"), ("bd", None), ("de", "p2")]
    assert route(shortest_paths(net, frozenset(), [a], 1.0), a, e) == []  # unreachable
    assert route(with_p, a, a) == []  # trivial


def test_route_takes_the_cheaper_of_parallel_segments_per_value_of_time():
    # Two parallel A-B segments: slow (money 5, hours 4) and fast (money 20,
    # hours 1). At 1: 9 vs 21 -> slow; at 10: 45 vs 30 -> fast.
    inst = instance([seg("slow", "A", "B", SLOW), seg("fast", "A", "B", DEAR)], [], [], [])
    net = net_of(inst)
    a, b = net.index["A"], net.index["B"]
    for vot, expected, cost in ((1.0, 0, 9.0), (10.0, 1, 30.0)):
        p = shortest_paths(net, frozenset(), [b], vot)
        (state,) = route(p, b, a)
        assert state.segment == expected
        assert p.cost[0, a] == pytest.approx(cost)


def test_of_equally_cheap_states_the_first_in_the_network_counts():
    # Two identical parallel A-B segments, the second with a project state as
    # cheap as its base one: with or without the project, in either direction,
    # the route is the first segment's base state (segment order, then state order).
    inst = instance([seg("one", "A", "B", SLOW), seg("two", "A", "B", SLOW)], [proj("p", 1)],
                    [("p", "two", SLOW), ("p", "one", SLOW)], [])
    net = net_of(inst)
    a, b = net.index["A"], net.index["B"]
    for portfolio in (frozenset(), frozenset({"p"})):
        p = shortest_paths(net, portfolio, [a, b], 1.0)
        assert [(s.segment, s.project) for s in route(p, a, b)] == [(0, None)]
        assert [(s.segment, s.project) for s in route(p, b, a)] == [(0, None)]


def test_flow_costs_own_value_of_time_alt_cost_and_unreachable():
    inst = two_route_instance()
    net = net_of(inst)
    vots = inst.values_of_time
    assert vots == (1.0, 10.0, 1.0)
    costs, paths = flow_costs(net, inst.flows, vots, frozenset())
    # flow 0 at 1 USD/t-h: 18; flow 1 at 10: 60; flow 2: E unreachable, alt 50
    assert list(costs) == pytest.approx([18.0, 60.0, 50.0])
    assert set(paths) == {1.0, 10.0}
    costs, _ = flow_costs(net, inst.flows, vots, frozenset({"p1", "p2"}))
    # flow 2: 16 + 12 = 28 < 50
    assert list(costs) == pytest.approx([16.0, 60.0, 28.0])
    # alt_cost caps: an alternative at 15 beats the network's 18; one at 30 does not
    capped = [flow("A", "D", 1, alt=15.0), flow("A", "D", 1, alt=30.0), flow("A", "E", 1)]
    costs, _ = flow_costs(net, capped, (1.0, 1.0, 1.0), frozenset())
    assert costs[0] == pytest.approx(15.0)
    assert costs[1] == pytest.approx(18.0)
    assert math.isinf(costs[2])  # no route, no alternative


# Pruning, hand case (VOT 1, gc given directly as fixed_usd on zero-time roads):
#   ab 6, bd 6, ac 5, cd 10, bc 1, af 20; projects on them:
#   q (candidate) makes cd 4; r (candidate) makes ab 7 (worse than base 6);
#   e (excluded: not a decision project) makes bd 1.
# Flow A->D: Cdn = min(ABD 12, ACD 15, ABCD 6+1+10=17, ACBD 5+1+6=12) = 12.
# Lower bounds (every decision project applied: cd = 4):
#   from A: A0 B6 C5 D9 F20;  to D: D0 C4 B5 (B-C-D) A9 F29.
# An arc (t, h) stays iff from_A[t] + gc + to_D[h] <= 12, h != A and t != D:
#   A->B base 6: 0+6+5 = 11 keep          B->D base 6: 6+6+0 = 12 keep
#   A->C base 5: 0+5+4 = 9 keep           C->D base 10: 5+10+0 = 15 DROP
#   C->D q 4: 5+4+0 = 9 keep              B->C 1: 6+1+4 = 11 keep
#   C->B 1: 5+1+5 = 11 keep               A->F 20: 20+29 DROP
#   r on ab: 7 >= base 6, never worth it: DROP; e on bd: not selectable: DROP
#   anything into A or out of D: DROP.
def cost_road(gc):
    return road(0, 50, 0.1, fixed_usd=gc)


def prune_instance(committed_on_bc=False):
    segs = [seg(s, s[0].upper(), s[1].upper(), cost_road(g)) for s, g in
            (("ab", 6), ("bd", 6), ("ac", 5), ("cd", 10), ("bc", 1), ("af", 20))]
    projs = [proj("q", 1), proj("r", 1), proj("e", 1, "excluded")]
    effects = [("q", "cd", cost_road(4)), ("r", "ab", cost_road(7)), ("e", "bd", cost_road(1))]
    if committed_on_bc:
        projs.append(proj("c", 1, "committed"))
        effects.append(("c", "bc", cost_road(0.5)))
    return instance(segs, projs, effects, [flow("A", "D", 10)])


def arcs_named(inst, net, arcs):
    ids = [s.segment_id for s in inst.segments]
    return {(net.node_ids[t], net.node_ids[h], ids[s.segment], s.project) for t, h, s in arcs}


def test_prune_arcs_hand_case():
    inst = prune_instance()
    net = net_of(inst)
    a, d = net.index["A"], net.index["D"]
    lower = shortest_paths(net, frozenset({"q", "r"}), [a, d], 1.0)
    fa = Pruning(net, 1.0, frozenset(), frozenset({"q", "r"})).arcs(0, inst.flows[0], lower, 12.0)
    assert (fa.flow, fa.origin, fa.destination) == (0, a, d)
    assert arcs_named(inst, net, fa.arcs) == {
        ("A", "B", "ab", None), ("B", "D", "bd", None), ("A", "C", "ac", None),
        ("C", "D", "cd", "q"), ("B", "C", "bc", None), ("C", "B", "bc", None)}


def test_prune_arcs_committed_state_replaces_the_base_one():
    # Committed c makes bc 0.5: it is always usable, so bc's base state (1) is
    # never the cheaper one and is dropped; Cdn = ABD 12 = ACBD 5+0.5+6 = 11.5
    # -> 11.5. Lower: from A: B 5.5 (A-C-B), C 5, D 9; to D: C 4, B 4.5, A 9.
    #   A->B 6: 0+6+4.5 = 10.5 keep        B->D 6: 5.5+6 = 11.5 keep
    #   A->C 5: 0+5+4 = 9 keep             C->D q 4: 9 keep; C->D base 10: 15 DROP
    #   B->C c 0.5: 5.5+0.5+4 = 10 keep    C->B c 0.5: 5+0.5+4.5 = 10 keep
    inst = prune_instance(committed_on_bc=True)
    prep = prepare(inst)
    assert prep.cdn[0] == pytest.approx(11.5)
    (fa,) = prep.variable
    assert arcs_named(inst, prep.network, fa.arcs) == {
        ("A", "B", "ab", None), ("B", "D", "bd", None), ("A", "C", "ac", None),
        ("C", "D", "cd", "q"), ("B", "C", "bc", "c"), ("C", "B", "bc", "c")}


def _sp_on_arcs(arcs, origin, destination, usable, vot):
    """Plain Bellman-Ford on the kept arc states usable under a portfolio."""
    dist = {origin: 0.0}
    for _ in range(len(arcs) + 1):
        changed = False
        for t, h, s in arcs:
            if t in dist and (s.project is None or s.project in usable):
                c = dist[t] + s.gc(vot)
                if c < dist.get(h, math.inf) - 1e-12:
                    dist[h], changed = c, True
        if not changed:
            break
    return dist.get(destination, math.inf)


@pytest.mark.parametrize("seed", [1, 5, 10, 22])
def test_pruned_arcs_keep_every_route_cheaper_than_doing_nothing(seed):
    # Property: for every portfolio of decision projects, the least cost on
    # the kept arcs equals the independent shortest path (tests/reference.py)
    # whenever that is below the do-nothing cost, and is never below it.
    gen = reference.random_instance(seed, own_time_values=True)
    inst = gen.instance
    prep = prepare(inst)
    committed = {p.project_id for p in inst.projects if p.decision == "committed"}
    decision = list(prep.decision)
    checked = 0
    for fa in prep.variable:
        f = inst.flows[fa.flow]
        vot = inst.value_of_time(f)
        for r in range(len(decision) + 1):
            for combo in itertools.combinations(decision, r):
                applied = set(combo) | committed
                true = reference.sp(inst, applied, f.origin, f.destination, vot)
                kept = _sp_on_arcs(fa.arcs, fa.origin, fa.destination, applied, vot)
                assert kept >= true - 1e-9
                if true < prep.cdn[fa.flow] * (1 - 1e-9):
                    assert kept == pytest.approx(true, rel=1e-9)
                    checked += 1
    assert checked > 0 or not prep.variable
    assert np.all(prep.cmin <= prep.cdn + 1e-9)
