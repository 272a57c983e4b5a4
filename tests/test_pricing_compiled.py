"""Pricing (model/pricing.py): the label search, compiled and in Python,
against every simple route enumerated; the cheap relaxation never below the
best score; searches and route-LP rounds cut short by the deadline keep a
valid bound.

Instances: tests/reference.py random_instance(seed), prepared, each flow's
FlowNet with random penalties (some zero) and value scales.
"""
from __future__ import annotations

import math
import random
import time

import numpy as np
import pytest

from model import pricing
from model.clock import Deadline
from model.preprocess import prepare
from model.pricing import FlowNet, Graph, Priced, flow_nets, score_upper_bound, search_routes
from model.problem import Plan, PortfolioProblem, objective
from model.route_solver import RouteSolver
from tests import reference

SEEDS = range(60)
KEEPS = (1, 3, 5)


def enumerate_routes(net: FlowNet, penalty: dict[str, float], scale: float
                     ) -> list[tuple[float, float, frozenset[str]]]:
    """Every simple route of the net, scored, by depth-first search."""
    routes = []

    def walk(v: int, cost: float, seen: set[int], used: int) -> None:
        if v == net.destination:
            names = net.names(used)
            score = scale * cost ** -net.elasticity - sum(max(0.0, penalty.get(p, 0.0))
                                                          for p in names)
            routes.append((score, cost, names))
            return
        for h, g, b in net.out.get(v, ()):
            if h not in seen:
                seen.add(h)
                walk(h, cost + g, seen, used | b)
                seen.remove(h)

    walk(net.origin, 0.0, {net.origin}, 0)
    return routes


def cases(seeds=SEEDS, trials: int = 3):
    """(seed, net, penalty, scale) over random instances, flows and penalties."""
    for seed in seeds:
        prep = prepare(reference.random_instance(seed).instance)
        rng = random.Random(seed)
        for net in flow_nets(prep):
            for trial in range(trials):
                scale = net.scale * (1.0 if trial == 0 else rng.uniform(0.2, 5.0))
                top = scale * net.to_dest[net.origin] ** -net.elasticity
                penalty = {p: rng.uniform(0.0, 0.6 * top) if rng.random() < 0.7 else 0.0
                           for p in net.projects}
                yield seed, net, penalty, scale


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@pytest.fixture(autouse=True)
def reach_everywhere(monkeypatch):
    """Work reach out on every net, however small (pricing.REACH_MIN_ARCS),
    and use tolls from a search's first pop (pricing.TOLL_AFTER_POPS), so
    that these small instances test the search's rules in full."""
    monkeypatch.setattr(pricing, "REACH_MIN_ARCS", 0)
    monkeypatch.setattr(pricing, "TOLL_AFTER_POPS", 0)


@pytest.fixture(scope="module")
def compiled():
    """The compiled kernel (the first load compiles it: seconds)."""
    if not pricing._load_kernel():
        pytest.skip("numba is not available")
    return pricing._search_compiled


def test_the_relaxation_is_never_below_the_best_route():
    n = 0
    for seed, net, penalty, scale in cases():
        routes = enumerate_routes(net, penalty, scale)
        best = max(s for s, _, _ in routes)
        if net.alt is not None:
            best = max(best, scale * net.alt ** -net.elasticity)
        ub = score_upper_bound(net, penalty, scale)
        assert ub >= best - 1e-9 * max(1.0, abs(best)), (seed, net.k)
        n += 1
    assert n > 500


def test_the_relaxation_is_exact_without_penalties():
    """No penalty: the cheapest route, which V values most, is the best."""
    for _, net, _, scale in cases(range(10), trials=1):
        best = scale * net.to_dest[net.origin] ** -net.elasticity
        if net.alt is not None:
            best = max(best, scale * net.alt ** -net.elasticity)
        assert close(score_upper_bound(net, {}, scale), best)


@pytest.mark.parametrize("engine", ["python", "compiled"])
def test_the_search_finds_the_best_routes(engine, request):
    search = (pricing._search_python if engine == "python"
              else request.getfixturevalue("compiled"))
    rng = random.Random(1)
    n = 0
    for seed, net, penalty, scale in cases():
        routes = enumerate_routes(net, penalty, scale)
        best = max(s for s, _, _ in routes)
        floor = rng.choice([-math.inf, best - abs(best) * rng.uniform(0, 0.5), best + 1.0])
        keep = rng.choice(KEEPS)
        weight = pricing._weights(net, penalty)
        found, complete, _ = search(net, weight, floor, keep, scale, None)
        assert complete
        if best <= floor:
            assert found == []
            continue
        assert close(found[0][0], best), (seed, net.k)
        assert len(found) <= keep
        known = {(names, round(c, 6)) for _, c, names in routes}
        for (score, cost, used), nxt in zip(found, found[1:] + [None]):
            names = net.names(used)
            assert score > floor
            assert (names, round(cost, 6)) in known
            assert close(score, scale * cost ** -net.elasticity
                         - sum(max(0.0, penalty.get(p, 0.0)) for p in names))
            assert nxt is None or nxt[0] <= score
        n += 1
    assert n > 300


def test_compiled_and_python_searches_agree_step_for_step(compiled):
    """Same routes, scores and costs, bit for bit, on every case and keep."""
    rng = random.Random(2)
    for seed, net, penalty, scale in cases():
        weight = pricing._weights(net, penalty)
        for keep in KEEPS:
            floor = rng.choice([-math.inf, 0.0, scale * 0.5])
            assert (pricing._search_python(net, weight, floor, keep, scale, None)
                    == compiled(net, weight, floor, keep, scale, None)), (seed, net.k, keep)


def labelled_routes(net: FlowNet, weight: list[float], scale: float):
    """Every simple route of the net's graph, scored, with the label each of
    its prefixes makes: (score, [(node index, cost, pen, projects paid)])."""
    g = net.graph
    out = []

    def walk(v: int, cost: float, pen: float, paid: frozenset[int], seen: set[int],
             prefix: list) -> None:
        prefix = prefix + [(v, cost, pen, paid)]
        if v == g.destination:
            out.append((scale * cost ** -net.elasticity - pen, prefix))
            return
        for a in range(g.first[v], g.first[v + 1]):
            h, j = int(g.head[a]), int(g.proj[a])
            if h in seen:
                continue
            new = j >= 0 and j not in paid
            walk(h, cost + float(g.gc[a]), pen + (weight[j] if new else 0.0),
                 paid | {j} if new else paid, seen | {h}, prefix)

    walk(g.origin, 0.0, 0.0, frozenset(), {g.origin}, [])
    return out


def multi_pair_net(seed: int) -> FlowNet:
    """Two parallel lines joined at every node: upgrade projects along runs of
    one to four links of each line (several node pairs each), so that a route
    can cross a project's pairs, leave it and come back."""
    rng = random.Random(seed)
    arcs: list[tuple[int, int, float, int]] = []
    names: list[str] = []
    length = 5  # 1,024 simple routes (7: 16,384, and the tests took 45 s)
    for line in (0, 1):
        i = 0
        while i < length:
            run = rng.randint(1, 4)
            names.append(f"U{line}{i}")
            for k in range(i, min(length, i + run)):
                u, v = line * (length + 1) + k, line * (length + 1) + k + 1
                g = rng.uniform(1.0, 3.0)
                arcs.append((u, v, g * 1.4, -1))  # the link as it is
                arcs.append((u, v, g, len(names) - 1))  # upgraded
                arcs.append((v, u, g, len(names) - 1))
            i += run
    for k in range(length + 1):  # cross links
        g = rng.uniform(0.5, 2.0)
        arcs.append((k, length + 1 + k, g, -1))
        arcs.append((length + 1 + k, k, g, -1))
    return net_of(arcs, 0, 2 * length + 1, names)


@pytest.mark.parametrize("slopes", [pricing.TOLL_SLOPES, (0.25, 0.5, 2.0, 4.0)])
def test_tolls_never_drop_a_label_that_leads_above_the_bar(slopes, monkeypatch):
    """``promising`` holds for every prefix of every simple route scoring above
    the bar, at any bar and slope: random instances, and nets whose projects
    span several node pairs (where a label's spill counts)."""
    monkeypatch.setattr(pricing, "TOLL_SLOPES", slopes)
    rng = random.Random(5)
    nets = [(net, penalty, scale) for _, net, penalty, scale in cases(range(25), trials=2)]
    for seed in range(12):
        net = multi_pair_net(seed)
        top = net.value(net.to_dest[net.origin])
        nets += [(net, {p: rng.uniform(0.0, 0.3 * top) for p in net.projects}, net.scale)
                 for _ in range(4)]
    checked = 0
    for net, penalty, scale in nets:
        weight = pricing._weights(net, penalty)
        routes = labelled_routes(net, weight, scale)
        best = max(score for score, _ in routes)
        for bar in (best - abs(best) * rng.uniform(0.0, 0.5), best - abs(best) * 0.01):
            t = pricing.tolls(net, weight, scale, bar)
            assert len(t.slope) == len(slopes) or bar <= 0
            toll = pricing.toll_rows(net.graph, t)
            for score, prefix in routes:
                if score <= bar:
                    continue
                for v, cost, pen, paid in prefix:
                    top = pricing.cost_below(scale, net.elasticity, bar + pen)
                    spilt = sum(float(t.spill[j]) for j in paid)
                    assert pricing.promising(scale, net.elasticity, bar, pen, cost, top,
                                             float(net.graph.to_dest[v]), t.slope, toll, v,
                                             spilt), \
                        (net.k, bar, score, v)
                    checked += 1
    assert checked > 5000


@pytest.mark.parametrize("after", [0, 7])
@pytest.mark.parametrize("engine", ["python", "compiled"])
def test_the_search_finds_the_best_route_on_projects_of_several_pairs(engine, after,
                                                                      monkeypatch, request):
    """Both searches, tolls and all (from the first pop, or the 8th), against
    every simple route of nets whose projects span several node pairs, at
    bars below and near the best."""
    search = (pricing._search_python if engine == "python"
              else request.getfixturevalue("compiled"))
    monkeypatch.setattr(pricing, "TOLL_AFTER_POPS", after)
    rng = random.Random(6)
    for seed in range(12):
        net = multi_pair_net(seed)
        top = net.value(net.to_dest[net.origin])
        for _ in range(4):
            penalty = {p: rng.uniform(0.0, 0.3 * top) for p in net.projects}
            weight = pricing._weights(net, penalty)
            best = max(score for score, _ in labelled_routes(net, weight, net.scale))
            for floor in (best - abs(best) * rng.uniform(0.0, 0.5), best - 1e-6 * abs(best)):
                for keep in (1, 3):
                    found, complete, _ = search(net, weight, floor, keep, net.scale, None)
                    assert complete and close(found[0][0], best), (seed, floor, keep)


def test_the_compiled_tolls_agree_with_scipys(compiled, monkeypatch):
    """``toll_rows``: the kernel's tolls equal those of scipy's Dijkstra, inf
    where the destination is out of reach (an infinite penalty included)."""
    rng = random.Random(3)
    n = 0
    for _, net, penalty, scale in cases(range(20), trials=2):
        weight = pricing._weights(net, penalty)
        if weight and rng.random() < 0.3:
            weight[rng.randrange(len(weight))] = math.inf
        t = pricing.tolls(net, weight, scale, 0.5 * net.value(net.to_dest[net.origin]))
        ours = pricing.toll_rows(net.graph, t)
        with monkeypatch.context() as m:
            m.setitem(pricing._COMPILE, "kernel", None)
            theirs = pricing.toll_rows(net.graph, t)
        assert ours.shape == theirs.shape == (len(t.slope), len(net.graph.nodes))
        assert np.array_equal(np.isinf(ours), np.isinf(theirs))
        assert np.allclose(ours, theirs, rtol=1e-12, atol=0.0)
        n += len(t.slope) > 0
    assert n > 50


def net_of(arcs: list[tuple[int, int, float, int]], origin: int, destination: int,
           names: list[str]) -> FlowNet:
    """A FlowNet from (tail, head, cost, project index or -1) arcs."""
    tails, heads, gcs, proj = (np.array(c) for c in zip(*arcs))
    graph = Graph.from_arcs(origin, destination, tails.astype(np.int64),
                            heads.astype(np.int64), gcs.astype(float),
                            proj.astype(np.int64), len(names))
    return FlowNet(0, origin, destination, graph, 1e4, 1.2, None, tuple(names))


def chain(links: int, seed: int) -> FlowNet:
    """A line of ``links`` links, each a project of its own (more projects than
    one 64-bit word holds), every 20th also with a bypass of no project and
    every 16th with a second project's arc: a few hundred routes."""
    rng = random.Random(seed)
    arcs: list[tuple[int, int, float, int]] = []
    names: list[str] = []

    def arc(u: int, v: int, g: float, project: bool) -> None:
        j = -1
        if project:
            names.append(f"A{len(names):03d}")
            j = len(names) - 1
        arcs.append((u, v, g, j))

    for i in range(links):
        g = rng.uniform(1.0, 3.0)
        arc(i, i + 1, g, True)
        if i % 20 == 3:
            arc(i, i + 1, g * rng.uniform(1.05, 1.5), False)
        if i % 16 == 1:
            arc(i, i + 1, g * rng.uniform(0.9, 1.2), True)
    return net_of(arcs, 0, links, names)


@pytest.mark.parametrize("seed", range(2))
def test_more_than_64_penalised_projects(compiled, seed):
    net = chain(80, seed)
    assert len(net.projects) > 64
    rng = random.Random(seed)
    top = net.value(net.to_dest[net.origin])
    penalty = {p: rng.uniform(0, 0.002 * top) for p in net.projects}
    weight = pricing._weights(net, penalty)
    for keep in (1, 5):
        found = compiled(net, weight, -math.inf, keep, net.scale, None)
        assert found == pricing._search_python(net, weight, -math.inf, keep, net.scale, None)
        assert found[0][0][0] <= score_upper_bound(net, penalty)


class CountDown(Deadline):
    """A deadline that passes after ``checks`` looks at it: the Python search
    asks ``expired()``, the compiled one reads ``cancelled`` with the clock."""

    def __init__(self, checks: int):
        super().__init__(1e9)
        self.checks = checks

    @property
    def cancelled(self) -> bool:
        self.checks -= 1
        return self.checks < 0


@pytest.mark.parametrize("engine", ["python", "compiled"])
def test_a_search_cut_short_keeps_a_valid_bound(engine, monkeypatch, request):
    if engine == "compiled":
        request.getfixturevalue("compiled")
        monkeypatch.setattr(pricing, "CHECK_EVERY", 2)
    else:
        monkeypatch.setattr(pricing, "_use_compiled", lambda net, deadline: False)
        monkeypatch.setattr(pricing, "PY_CHECK_EVERY", 2)
    cut = 0
    for seed, net, penalty, scale in cases(range(30), trials=2):
        routes = enumerate_routes(net, penalty, scale)
        best = max(s for s, _, _ in routes)
        if net.alt is not None:
            best = max(best, scale * net.alt ** -net.elasticity)
        full = search_routes(net, penalty, -math.inf, 3, scale=scale)
        assert full.complete and close(full.upper, best)
        for checks in (0, 1, 3, 8):
            priced = search_routes(net, penalty, -math.inf, 3, scale=scale,
                                   deadline=CountDown(checks))
            assert isinstance(priced, Priced)
            assert priced.upper >= best - 1e-9 * max(1.0, abs(best))
            assert priced.upper <= score_upper_bound(net, penalty, scale)
            known = {(names, round(c, 6)) for _, c, names in routes}
            assert all((names, round(c, 6)) in known for _, c, names in priced.routes)
            cut += not priced.complete
    assert cut > 100


def hard_chain(links: int) -> FlowNet:
    """A line whose every third link has two project arcs, each project met
    again half the line further on (so still within reach, and the reach rule
    cannot drop labels by the projects left behind): 2^(links/6) incomparable
    labels, a search no machine finishes."""
    rng = random.Random(links)
    stages = links // 3
    names = [f"A{i:03d}" for i in range(stages)]  # stage s's arcs: s % half and half + s % half
    half = stages // 2
    arcs: list[tuple[int, int, float, int]] = []
    for i in range(links):
        g = rng.uniform(1.0, 3.0)
        if i % 3:
            arcs.append((i, i + 1, g, -1))
            continue
        s = i // 3
        arcs.append((i, i + 1, g, s % half))
        arcs.append((i, i + 1, g * rng.uniform(0.9, 1.2), half + s % half))
    return net_of(arcs, 0, links, names)


@pytest.mark.parametrize("engine", ["python", "compiled"])
def test_a_hard_search_returns_at_its_deadline(engine, monkeypatch, request):
    if engine == "compiled":
        request.getfixturevalue("compiled")
    else:
        monkeypatch.setattr(pricing, "_use_compiled", lambda net, deadline: False)
    net = hard_chain(120)
    penalty = {p: 1e-6 for p in net.projects}
    started = time.perf_counter()
    priced = search_routes(net, penalty, -math.inf, 5, deadline=Deadline(0.3))
    assert time.perf_counter() - started < 0.3 + 0.5
    assert not priced.complete
    # the cheapest route pays at most 1e-6 a link, and none beats its cost unpaid
    top = net.value(net.to_dest[net.origin])
    assert top - 120e-6 <= priced.upper <= top + 1e-9
    assert priced.upper >= max([s for s, _, _ in priced.routes], default=-math.inf)


def test_an_expired_deadline_stops_at_once():
    seed, net, penalty, scale = next(cases(range(1), trials=1))
    priced = search_routes(net, penalty, -math.inf, deadline=Deadline(0.0))
    assert not priced.complete and priced.routes == []
    assert priced.upper == pytest.approx(score_upper_bound(net, penalty))


def test_the_choice_of_engine(monkeypatch):
    """Small nets stay in Python (no compile for the default workbook); a big
    one, or a long Python search, loads the kernel unless the deadline is
    too close for a cold compile."""
    monkeypatch.setitem(pricing._COMPILE, "kernel", None)
    monkeypatch.setitem(pricing._COMPILE, "failed", False)
    monkeypatch.setitem(pricing._COMPILE, "python_s", 0.0)
    monkeypatch.setattr(pricing, "_load_kernel", lambda: True)
    small, big = chain(10, 0), chain(400, 0)
    assert small.graph.arcs < pricing.COMPILED_MIN_ARCS <= big.graph.arcs
    assert not pricing._use_compiled(small, None)
    assert pricing._use_compiled(big, None)
    assert not pricing._use_compiled(big, Deadline(pricing.COMPILE_ROOM_S / 2))
    monkeypatch.setitem(pricing._COMPILE, "python_s", pricing.PYTHON_BEFORE_COMPILE_S)
    assert pricing._use_compiled(small, None)


@pytest.mark.parametrize("seed", range(0, 36, 3))
def test_a_pricing_round_cut_short_bounds_the_optimum(seed):
    """The route LP's bound from a round stopped at once (every flow from the
    relaxation) or part-way is at least the enumerated optimum."""
    gen = reference.random_instance(seed)
    best = reference.best_portfolio(gen.instance, gen.budget)
    if best is None:
        return
    prep = prepare(gen.instance)
    optimum = objective(prep, Plan.of(best[1]))
    for checks in (0, 2, 5):
        solver = RouteSolver(PortfolioProblem(prep, gen.budget))
        if not solver.master.nets:
            return
        bound = solver.price(CountDown(checks) if checks else Deadline(0.0))
        assert math.isfinite(bound)
        assert bound >= optimum - 1e-9 * abs(optimum)


def test_graph_arrays_follow_the_net():
    _, net, _, _ = next(cases(range(1), trials=1))
    g = net.graph
    assert g.first[-1] == g.arcs == sum(len(a) for a in net.out.values())
    assert np.all(g.to_dest[g.destination] == 0.0)
    assert np.all(g.pairs >= 1)


def spelled_out(arcs: list[tuple[int, int, float, int]], origin: int, destination: int,
                n_projects: int) -> dict:
    """The graph a FlowNet must hold, worked out arc by arc (no model code):
    nodes ascending, each node's arcs in the given order, the distinct node
    pairs of each project, least costs to the destination (Bellman-Ford)."""
    nodes = sorted({origin, destination} | {u for u, *_ in arcs} | {v for _, v, *_ in arcs})
    index = {v: i for i, v in enumerate(nodes)}
    first, head, gc, proj = [0], [], [], []
    for v in nodes:
        for u, h, g, j in arcs:
            if u == v:
                head.append(index[h])
                gc.append(g)
                proj.append(j)
        first.append(len(head))
    pairs = [max(1, len({(min(u, h), max(u, h)) for u, h, _, k in arcs if k == j}))
             for j in range(n_projects)]
    to_dest = {destination: 0.0}
    for _ in nodes:
        for u, h, g, _ in arcs:
            if h in to_dest and to_dest[h] + g < to_dest.get(u, math.inf):
                to_dest[u] = to_dest[h] + g
    return {"nodes": nodes, "first": first, "head": head, "gc": gc, "proj": proj,
            "pairs": pairs, "to_dest": [to_dest.get(v, math.inf) for v in nodes],
            "origin": index[origin], "destination": index[destination]}


@pytest.mark.parametrize("seed", range(12))
def test_nets_from_the_pruned_arrays_match_nets_from_the_arcs(seed):
    """flow_nets builds each graph with array operations; worked out arc by
    arc from the pruned states (State.gc) it must be the same: arcs in the
    same order, costs, projects, pairs and least costs to the destination,
    and the Python search's dictionaries read back from it."""
    gen = reference.random_instance(seed, own_time_values=seed % 2 == 1)
    prep = prepare(gen.instance)
    nets = flow_nets(prep)
    assert len(nets) == len(prep.variable)
    for fa, net in zip(prep.variable, nets):
        vot = gen.instance.value_of_time(gen.instance.flows[fa.flow])
        index = {p: i for i, p in enumerate(net.projects)}
        arcs = [(u, h, state.gc(vot), index.get(state.project, -1)) for u, h, state in fa.arcs]
        want = spelled_out(arcs, fa.origin, fa.destination, len(net.projects))
        g = net.graph
        for name in ("nodes", "first", "head", "gc", "proj", "pairs"):
            assert getattr(g, name).tolist() == want[name], name
        assert (g.origin, g.destination) == (want["origin"], want["destination"])
        assert g.to_dest.tolist() == pytest.approx(want["to_dest"], rel=1e-12)
        out: dict[int, list] = {}
        for u, h, c, j in arcs:
            out.setdefault(u, []).append((h, c, 0 if j < 0 else 1 << j))
        assert net.out == out


@pytest.mark.parametrize("seed", range(6))
def test_reach_is_the_least_cost_through_each_project(seed):
    """FlowNet.reach against Floyd-Warshall worked out in the test: from each
    node, the least cost to the destination over a route using an arc of the
    project."""
    nets = flow_nets(prepare(reference.random_instance(seed).instance))
    for net in nets:
        g = net.graph
        n = len(g.nodes)
        d = [[0.0 if u == v else math.inf for v in range(n)] for u in range(n)]
        arcs = [(u, int(g.head[a]), float(g.gc[a]), int(g.proj[a]))
                for u in range(n) for a in range(g.first[u], g.first[u + 1])]
        for u, h, c, _ in arcs:
            d[u][h] = min(d[u][h], c)
        for k in range(n):
            for u in range(n):
                for v in range(n):
                    if d[u][k] + d[k][v] < d[u][v]:
                        d[u][v] = d[u][k] + d[k][v]
        want = [[min((d[v][u] + c + d[h][g.destination] for u, h, c, j in arcs if j == p),
                     default=math.inf) for p in range(len(net.projects))] for v in range(n)]
        every = list(range(len(net.projects)))
        assert net.reach(every).shape == (n, max(1, len(every)))
        for got, row in zip(net.reach(every).tolist(), want):
            assert got[:len(row)] == pytest.approx(row, rel=1e-12)
        odd = every[1::2]  # worked out for a few first, in any order
        fresh = flow_nets(prepare(reference.random_instance(seed).instance))[nets.index(net)]
        assert fresh.reach(odd[::-1]).tolist() == net.reach(odd[::-1]).tolist()


def fork(second_q_arc: bool) -> FlowNet:
    """Node 0 to 1 by project p's arc (cost 6) or project q's (cost 6), then
    1 to 2 by a plain arc (cost 10) and, if asked, by a second arc of q (9)."""
    arcs = [(0, 1, 6.0, 0), (0, 1, 6.0, 1), (1, 2, 10.0, -1)]
    if second_q_arc:
        arcs.append((1, 2, 9.0, 1))
    return net_of(arcs, 0, 2, ["p", "q"])


@pytest.mark.parametrize("engine", ["python", "compiled"])
def test_a_project_out_of_reach_no_longer_keeps_a_label(engine, request):
    """At node 1 the label through p (paid 1) and the one through q (paid 2)
    cost the same. When no completion can use q again, the q label can only
    do worse and is dropped: one route instead of two, the best one, whatever
    the floor. When q's second arc lies ahead, the q label is kept and its
    route (paying q once) is the best: 10^4 * 15^-1.2 - 2, against
    10^4 * 16^-1.2 - 1 by p."""
    search = (pricing._search_python if engine == "python"
              else request.getfixturevalue("compiled"))
    weight = [1.0, 2.0]
    v = 1e4 * 16.0 ** -1.2
    net = fork(second_q_arc=False)
    found, complete, _ = search(net, weight, 0.0, 2, net.scale, None)
    assert complete and [(round(s, 9), c) for s, c, _ in found] == [(round(v - 1, 9), 16.0)]
    # below a floor of -inf every completion beats the bar, but none can use q again
    anything, _, _ = search(net, weight, -math.inf, 2, net.scale, None)
    assert [(round(s, 9), c) for s, c, _ in anything] == [(round(v - 1, 9), 16.0)]
    net = fork(second_q_arc=True)
    found, _, _ = search(net, weight, 0.0, 1, net.scale, None)
    assert found[0][0] == pytest.approx(1e4 * 15.0 ** -1.2 - 2.0, rel=1e-12)
    assert net.names(found[0][2]) == {"q"}


def ladder(seed: int) -> FlowNet:
    """Eight stages, each crossed by two or three parallel arcs of close cost,
    most of them an arc of one of four projects: a route meets a project on
    several stages and pays for it once, so whether a project lies ahead
    decides which labels may be dropped. A few arcs go back a stage."""
    rng = random.Random(seed)
    arcs = []
    for i in range(8):
        for _ in range(rng.choice((2, 3))):
            arcs.append((i, i + 1, rng.uniform(2.0, 3.0),
                         rng.randrange(4) if rng.random() < 0.8 else -1))
        if i and rng.random() < 0.3:
            arcs.append((i, i - 1, rng.uniform(0.5, 2.0), rng.randrange(4)))
    return net_of(arcs, 0, 8, ["a", "b", "c", "d"])


@pytest.mark.parametrize("engine", ["python", "compiled"])
def test_pruning_by_reach_keeps_the_best_route(engine, request):
    """Against every simple route, with floors near the best score (so that
    projects fall out of reach) and the penalties large enough to matter."""
    search = (pricing._search_python if engine == "python"
              else request.getfixturevalue("compiled"))
    rng = random.Random(3)
    checked = 0
    for seed in range(150):
        net = ladder(seed)
        top = net.value(net.to_dest[net.origin])
        penalty = {p: rng.uniform(0.0, 0.05 * top) for p in net.projects}
        routes = enumerate_routes(net, penalty, net.scale)
        scores = sorted(s for s, _, _ in routes)
        weight = pricing._weights(net, penalty)
        for floor in (scores[-1] - rng.uniform(0.0, 0.1) * abs(scores[-1]),
                      scores[len(scores) // 2], -math.inf):
            for keep in (1, 3):
                found, complete, _ = search(net, weight, floor, keep, net.scale, None)
                assert complete and close(found[0][0], scores[-1]), (seed, floor, keep)
                if engine == "compiled":  # and step for step the Python search
                    assert (found, complete) == pricing._search_python(
                        net, weight, floor, keep, net.scale, None)[:2]
                checked += 1
    assert checked == 150 * 6
