"""Pricing for the route formulation: each changeable flow's pruned network as
a label-search graph, and the label-setting search for its best routes.

A route's score is V(cost) - (penalties of the selectable projects it uses):
its reduced cost in the route master when the penalties are the master's
link duals. Projects are numbered per flow so that sets of them are bit masks.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from .numerics import TINY
from .preprocess import Prepared


@dataclass
class FlowNet:
    """One changeable flow's pruned network, ready for label searches."""

    k: int
    origin: int
    destination: int
    out: dict[int, list[tuple[int, float, int]]]  # node -> (head, gc, project bit or 0)
    to_dest: dict[int, float]  # least cost to the destination (all states usable)
    scale: float  # V(c) = scale * c ** -elasticity
    elasticity: float
    alt: float | None
    projects: tuple[str, ...]  # bit i stands for projects[i]

    def value(self, cost: float) -> float:
        return self.scale * cost ** -self.elasticity

    def names(self, mask: int) -> frozenset[str]:
        return frozenset(p for i, p in enumerate(self.projects) if mask >> i & 1)


def flow_nets(prep: Prepared) -> list[FlowNet]:
    """A FlowNet for every flow some project can change, each at its own value
    of time, valued over every epoch (a block of the route master passes its
    own epoch's scale). Committed projects that open during a programme get
    bits too, so that a route can be kept out of the epochs before they open."""
    inst = prep.instance
    decision = set(prep.decision) | prep.timed
    scale_of = prep.epoch_scale.sum(axis=0) if len(prep.epoch_scale) > 1 else prep.epoch_scale[0]
    nets = []
    for fa in prep.variable:
        f = inst.flows[fa.flow]
        vot = inst.value_of_time(f)
        names = tuple(sorted({s.project for _, _, s in fa.arcs if s.project in decision}))
        bit = {p: 1 << i for i, p in enumerate(names)}
        out: dict[int, list[tuple[int, float, int]]] = {}
        back: dict[int, list[tuple[int, float]]] = {}
        for tail, head, state in fa.arcs:
            gc = state.gc(vot)
            out.setdefault(tail, []).append((head, gc, bit.get(state.project, 0)))
            back.setdefault(head, []).append((tail, gc))
        elasticity = float(prep.demand.elasticity[fa.flow])
        scale = float(scale_of[fa.flow] * prep.c0[fa.flow] ** elasticity)
        alt = f.alt_cost if f.alt_cost is not None and f.alt_cost <= prep.cdn[fa.flow] else None
        nets.append(FlowNet(fa.flow, fa.origin, fa.destination, out,
                            _distances_to(fa.destination, back), scale, elasticity, alt, names))
    return nets


def _distances_to(destination: int, back: dict[int, list[tuple[int, float]]]
                  ) -> dict[int, float]:
    """Least cost from every node to the destination (Dijkstra on reversed arcs)."""
    dist = {destination: 0.0}
    heap = [(0.0, destination)]
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist.get(v, math.inf):
            continue
        for u, g in back.get(v, ()):
            if d + g < dist.get(u, math.inf):
                dist[u] = d + g
                heapq.heappush(heap, (d + g, u))
    return dist


def search_routes(fd: FlowNet, penalty: dict[str, float], floor: float,
                  keep: int = 1, *, scale: float | None = None
                  ) -> list[tuple[float, float, frozenset[str]]]:
    """The ``keep`` best routes of flow fd by score V(cost) - penalty(projects),
    among those scoring above ``floor``, as (score, cost, projects); V is
    scale * cost^-elasticity (the net's own scale by default). An infinite
    penalty keeps a project's states out of every route.

    Labels (cost, penalised projects) are Pareto-pruned per node: a label is
    dropped when another reached the node no dearer with a subset of its
    penalised projects, and when even its cheapest completion cannot beat the
    bar (``floor``, then the keep-th best route found).
    """
    weight = [penalty.get(p, 0.0) for p in fd.projects]
    watched = sum(1 << i for i, w in enumerate(weight) if w > 0)
    best: list[tuple[float, float, int]] = []
    labels: dict[int, list[tuple[float, int]]] = {}
    heap: list[tuple[float, int, int, int, float]] = [(0.0, 0, fd.origin, 0, 0.0)]
    counter = 1
    bar = floor
    to_dest, out = fd.to_dest, fd.out
    factor, elasticity = (fd.scale if scale is None else scale), fd.elasticity

    def value(cost: float) -> float:
        return factor * cost ** -elasticity

    def dominated(node: int, cost: float, key: int) -> bool:
        return any(c <= cost + TINY and s & ~key == 0 for c, s in labels.get(node, ()))

    while heap:
        cost, _, v, used, pen = heapq.heappop(heap)
        if value(cost + to_dest.get(v, math.inf)) - pen <= bar:
            continue
        key = used & watched
        if dominated(v, cost, key):
            continue
        here = labels.setdefault(v, [])
        here[:] = [(c, s) for c, s in here if not (cost <= c and key & ~s == 0)]
        here.append((cost, key))
        if v == fd.destination:
            best.append((value(cost) - pen, cost, used))
            best.sort(key=lambda t: -t[0])
            del best[keep:]
            if len(best) == keep:
                bar = max(bar, best[-1][0])
            continue
        for head, gc, b in out.get(v, ()):
            nused, npen = used, pen
            if b and not used & b:
                nused = used | b
                npen = pen + weight[b.bit_length() - 1]
            ncost = cost + gc
            if value(ncost + to_dest.get(head, math.inf)) - npen <= bar:
                continue
            if dominated(head, ncost, nused & watched):
                continue
            heapq.heappush(heap, (ncost, counter, head, nused, npen))
            counter += 1
    return [(score, cost, fd.names(used)) for score, cost, used in best]
