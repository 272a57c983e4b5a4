"""model/pricing.py: the label-setting route search against brute force.

Every simple path of a flow's pruned network is enumerated by DFS; its score
is V(cost) minus the penalties of the distinct projects it uses (a project
with states on several segments of the path pays once). The search must find
the best score exactly (the route solver's bound rests on it). With keep > 1
it returns the best route first, then other real routes above the floor.
"""
import math
import random

import pytest

from model.preprocess import prepare
from model import pricing
from model.pricing import flow_nets, search_routes
from tests import reference
from tests.builders import flow, instance, proj, road, seg

SEEDS = range(20)


@pytest.fixture(autouse=True, params=["reach", "subset rule"])
def reach(request, monkeypatch):
    """Each test with reach worked out on every net, and with none, as on
    small nets (pricing.REACH_MIN_ARCS)."""
    monkeypatch.setattr(pricing, "REACH_MIN_ARCS", 0 if request.param == "reach" else 10**9)


def all_paths(net):
    """(cost, projects used) of every simple origin-destination path."""
    out = []

    def dfs(v, cost, used, seen):
        if v == net.destination:
            out.append((cost, used))
            return
        for head, gc, bit in net.out.get(v, ()):
            if head not in seen:
                dfs(head, cost + gc, used | bit, seen | {head})

    dfs(net.origin, 0.0, 0, {net.origin})
    return [(c, net.names(m)) for c, m in out]


def score(net, penalty, cost, used):
    return net.value(cost) - sum(penalty.get(p, 0.0) for p in used)


def nets_of(seed):
    gen = reference.random_instance(seed, own_time_values=seed % 2 == 1)
    return flow_nets(prepare(gen.instance))


def draw_penalties(net, rng):
    pen = {}
    top = net.value(min(net.to_dest.get(net.origin, math.inf), 1e300))
    for p in net.projects:
        if rng.random() < 0.7:
            pen[p] = rng.uniform(0, 0.3) * top
    pen["not-a-project-of-this-flow"] = 1e9  # ignored
    return pen


@pytest.mark.parametrize("seed", SEEDS)
def test_best_route_equals_the_brute_force_best(seed):
    rng = random.Random(seed)
    nets = nets_of(seed)
    for net in nets:
        paths = all_paths(net)
        assert paths, "a changeable flow has a route on its pruned network"
        for _ in range(4):
            pen = draw_penalties(net, rng) if rng.random() < 0.8 else {}
            best = max(score(net, pen, c, u) for c, u in paths)
            found = search_routes(net, pen, -math.inf, keep=1).routes
            assert len(found) == 1
            s, cost, used = found[0]
            assert s == pytest.approx(best, rel=1e-9, abs=1e-9)
            assert s == pytest.approx(score(net, pen, cost, used), rel=1e-12)
            assert any(abs(c - cost) <= 1e-9 * cost and u == used for c, u in paths)
            # a floor just above the best leaves nothing; just below keeps it
            assert search_routes(net, pen, best + 1e-6 * abs(best) + 1e-9, keep=1).routes == []
            below = search_routes(net, pen, best - 1e-6 * abs(best) - 1e-9, keep=1).routes
            assert [t[0] for t in below] == pytest.approx([best], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_top_routes_are_real_routes_led_by_the_brute_force_best(seed):
    """With keep > 1 the search returns the best route and then the best of
    the routes its pruning leaves: real, distinct, above the floor, best first."""
    rng = random.Random(1000 + seed)
    for net in nets_of(seed):
        paths = all_paths(net)
        for keep in (2, 3, 5):
            pen = draw_penalties(net, rng)
            scores = sorted({score(net, pen, c, u) for c, u in paths}, reverse=True)
            floors = [-math.inf]
            if len(scores) > 1:  # between two scores, so no route ties with it
                i = rng.randrange(len(scores) - 1)
                floors.append((scores[i] + scores[i + 1]) / 2)
            for floor in floors:
                found = search_routes(net, pen, floor, keep=keep).routes
                assert 1 <= len(found) <= keep
                assert found[0][0] == pytest.approx(scores[0], rel=1e-9, abs=1e-9)
                assert len({(round(c, 9), u) for _, c, u in found}) == len(found)
                assert [t[0] for t in found] == sorted((t[0] for t in found), reverse=True)
                for s, cost, used in found:
                    assert s > floor
                    assert s == pytest.approx(score(net, pen, cost, used), rel=1e-12)
                    assert any(abs(c - cost) <= 1e-9 * cost and u == used for c, u in paths)


def test_penalty_counts_once_per_project_on_several_segments():
    # A-B-C by road(100) twice (gc 12 each, 24 in all); p upgrades both halves
    # to road(100, 100, 0.05) (gc 6 each, 12 in all); a direct A-C road(150)
    # = 15 + 3 = 18 has no project. P 100, e 1, C0 = 18:
    #   V(12) = 100 * 18/12 = 150, V(18) = 100.
    # Penalty 40 on p: the route through p scores 150 - 40 = 110 (paid once,
    # not 150 - 80 = 70), the direct road 100 -> the p route wins.
    # Penalty 60: 150 - 60 = 90 < 100 -> the direct road.
    fast = road(100, 100, 0.05)
    segs = [seg("ab", "A", "B", road(100)), seg("bc", "B", "C", road(100)),
            seg("ac", "A", "C", road(150))]
    inst = instance(segs, [proj("p", 1)], [("p", "ab", fast), ("p", "bc", fast)],
                    [flow("A", "C", 100)])
    (net,) = flow_nets(prepare(inst))
    assert net.projects == ("p",)
    assert net.value(12.0) == pytest.approx(150.0)
    (s, cost, used), = search_routes(net, {"p": 40.0}, -math.inf).routes
    assert (s, cost, used) == (pytest.approx(110.0), pytest.approx(12.0), {"p"})
    (s, cost, used), = search_routes(net, {"p": 60.0}, -math.inf).routes
    assert (s, cost, used) == (pytest.approx(100.0), pytest.approx(18.0), frozenset())
    both = search_routes(net, {"p": 40.0}, -math.inf, keep=2).routes
    assert [t[0] for t in both] == pytest.approx([110.0, 100.0])
    # no penalty: the p route dominates (cheaper, no penalised project): only it
    routes = search_routes(net, {}, -math.inf, keep=3).routes
    assert [t[0] for t in routes] == pytest.approx([150.0])
