"""Pricing for the route formulation: each changeable flow's pruned network as
a label-search graph, the label-setting search for its best routes, and a
cheap valid bound on the best score.

A route's score is V(cost) - (penalties of the distinct selectable projects
it uses), V(c) = scale * c ** -elasticity: its reduced cost in the route
master when the penalties are the master's link duals (>= 0) and the floor
its convexity dual. Projects are numbered per flow so that sets of them are
bit masks.

``search_routes`` is exact. It runs compiled (numba, ``label_kernel.py``)
when that pays for the compile (``_use_compiled``), else in Python
(``_search_python``); both make the same steps and find the same routes. It
reads the clock as it goes: stopped by the deadline, it returns the routes
found so far with ``complete=False`` and an ``upper`` bound that is still
valid (the open labels' bound, capped by ``score_upper_bound``).
"""
from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .clock import Deadline
from .numerics import TINY
from .preprocess import Prepared

PY_CHECK_EVERY = 64  # pops between deadline checks, Python search
REACH_MIN_ARCS = 300  # smaller flow nets leave every project in reach (FlowNet.reach)
CHECK_EVERY = 1024  # pops between clock reads, compiled search
# the slopes of the completion bounds (``tolls``), as multiples of the origin's chord slope:
# four (0, 0.5, 1, 2) pruned no more on longhaul 200/3 and cost chains 200/2 more per label
TOLL_SLOPES = (1.0,)
SAFE = 1e-9  # relative margin by which tolls are rounded down (``tolls``)
TOLL_AFTER_POPS = 1024  # a search uses tolls from this many pops on (``tolls``)


class FlowNet:
    """One changeable flow's pruned network, ready for label searches: the
    compiled search reads ``graph``, the Python one ``out`` and ``to_dest``,
    which are made from the graph only if it asks (building them for every
    flow of every scenario draw was a tenth of a draw)."""

    def __init__(self, k: int, origin: int, destination: int, graph: Graph, scale: float,
                 elasticity: float, alt: float | None, projects: tuple[str, ...]):
        self.k, self.origin, self.destination, self.graph = k, origin, destination, graph
        self.scale = scale  # V(c) = scale * c ** -elasticity
        self.elasticity = elasticity
        self.alt = alt
        self.projects = projects  # bit i stands for projects[i]
        self._out: dict[int, list[tuple[int, float, int]]] | None = None
        self._to_dest: dict[int, float] | None = None
        self._reach: dict[int, np.ndarray] = {}  # project index -> FlowNet.reach's column

    @property
    def out(self) -> dict[int, list[tuple[int, float, int]]]:
        """node -> (head, gc, project bit or 0), each node's arcs in pruning order."""
        if self._out is None:
            g = self.graph
            ids, head, gc = g.nodes.tolist(), g.head.tolist(), g.gc.tolist()
            bits = [0 if j < 0 else 1 << j for j in g.proj.tolist()]
            first = g.first.tolist()
            self._out = {ids[v]: [(ids[head[a]], gc[a], bits[a]) for a in range(lo, hi)]
                         for v, (lo, hi) in enumerate(zip(first, first[1:])) if hi > lo}
        return self._out

    @property
    def to_dest(self) -> dict[int, float]:
        """Least cost from each node that reaches the destination (all states usable)."""
        if self._to_dest is None:
            g = self.graph
            self._to_dest = {v: d for v, d in zip(g.nodes.tolist(), g.to_dest.tolist())
                             if math.isfinite(d)}
        return self._to_dest

    def reach(self, projects: list[int]) -> np.ndarray | None:
        """[node index, i]: the least cost from a node to the destination
        through an arc of project ``projects[i]`` (inf where none), all states
        usable. A label search uses it to tell which of a label's projects a
        completion could still use (``search_routes``). Worked out for a
        project the first time a search penalises it: a 400-town flow net
        has hundreds of projects, of which a run penalises a few dozen.
        None below REACH_MIN_ARCS arcs: every project then counts as in reach
        (the search's dominance is the subset rule). On such nets the labels
        do not explode, and a scenario draw of the default workbook (flow
        nets of at most 257 arcs) spent a fifth of its time working reach
        out; 38 of longhaul 40/2's 40 nets have 300 or more."""
        if self.graph.arcs < REACH_MIN_ARCS:
            return None
        missing = [j for j in projects if j not in self._reach]
        if missing:
            for j, column in zip(missing, _costs_through(self.graph, missing).T):
                self._reach[j] = column
        if not projects:
            return np.zeros((len(self.graph.nodes), 1))
        return np.stack([self._reach[j] for j in projects], axis=1)

    def value(self, cost: float) -> float:
        return self.scale * cost ** -self.elasticity

    def names(self, mask: int) -> frozenset[str]:
        return frozenset(p for i, p in enumerate(self.projects) if mask >> i & 1)


@dataclass(frozen=True)
class Graph:
    """A FlowNet as arrays: nodes numbered 0..n-1 (``nodes`` their network
    ids, ascending), arcs in CSR order (each node's arcs in ``FlowNet.out``
    order), ``proj`` the project index of an arc (-1: none), ``pairs[j]`` the
    node pairs {u, v} that project j's arcs join (a simple route crosses
    each pair at most once)."""

    first: np.ndarray
    head: np.ndarray
    gc: np.ndarray
    proj: np.ndarray
    to_dest: np.ndarray
    pairs: np.ndarray
    origin: int
    destination: int
    nodes: np.ndarray

    @property
    def arcs(self) -> int:
        return int(self.head.shape[0])

    @staticmethod
    def from_arcs(origin: int, destination: int, tails: np.ndarray, heads: np.ndarray,
                  gc: np.ndarray, proj: np.ndarray, n_projects: int) -> Graph:
        """The graph of a flow's pruned arcs (tail, head, cost, project index
        or -1, in pruning order), with array operations."""
        nodes = np.unique(np.concatenate([[origin, destination], tails, heads]))
        n = len(nodes)
        tail, head = np.searchsorted(nodes, tails), np.searchsorted(nodes, heads)
        order = np.argsort(tail, kind="stable")  # by tail, pruning order within a node
        first = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(tail, minlength=n), out=first[1:])
        charged = proj >= 0
        low = np.minimum(tails[charged], heads[charged])
        high = np.maximum(tails[charged], heads[charged])
        joined = np.unique(np.stack([proj[charged], low, high]), axis=1)[0]
        pairs = np.maximum(1, np.bincount(joined, minlength=n_projects))
        o, d = int(np.searchsorted(nodes, origin)), int(np.searchsorted(nodes, destination))
        return Graph(first, head[order].astype(np.int64), gc[order].astype(np.float64),
                     proj[order].astype(np.int64), _costs_to(d, tail, head, gc, n),
                     pairs.astype(np.int64), o, d, nodes.astype(np.int64))


def _cheapest(rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, size: int) -> csr_matrix:
    """A sparse graph of these arcs keeping the cheapest of parallel ones
    (csr_matrix would add them up)."""
    order = np.lexsort((cost, cols, rows))
    rows, cols, cost = rows[order], cols[order], cost[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return csr_matrix((cost[first], (rows[first], cols[first])), shape=(size, size))


def _costs_to(destination: int, tail: np.ndarray, head: np.ndarray, gc: np.ndarray,
              n: int) -> np.ndarray:
    """Least cost from every node to the destination over the arcs (inf where
    none): Dijkstra on the reversed arcs."""
    return dijkstra(_cheapest(head, tail, gc, n), directed=True, indices=destination)


def _costs_through(g: Graph, projects: list[int]) -> np.ndarray:
    """``FlowNet.reach`` for these projects: one Dijkstra each on the reversed
    arcs, from an extra node joined to the tail of each of the project's arcs
    at that arc's cost plus the least cost from its head to the destination."""
    n, n_projects = len(g.nodes), len(projects)
    tail = np.repeat(np.arange(n), np.diff(g.first))
    extra = np.full(max(len(g.pairs), 1), -1, np.int64)
    extra[projects] = np.arange(n_projects)
    charged = (g.proj >= 0) & np.isfinite(g.to_dest[g.head])
    charged[charged] = extra[g.proj[charged]] >= 0
    rows = np.concatenate([g.head, n + extra[g.proj[charged]]])
    cols = np.concatenate([tail, tail[charged]])
    cost = np.concatenate([g.gc, g.gc[charged] + g.to_dest[g.head[charged]]])
    size = n + n_projects
    dist = dijkstra(_cheapest(rows, cols, cost, size), directed=True,
                    indices=np.arange(n, size))
    return np.ascontiguousarray(dist[:, :n].T)


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
        names = tuple(sorted({p for p in fa.projects if p in decision}))
        index = {p: i for i, p in enumerate(names)}
        graph = Graph.from_arcs(fa.origin, fa.destination, fa.tails, fa.heads,
                                fa.gc(inst.value_of_time(f)),
                                np.array([index.get(p, -1) for p in fa.projects], np.int64),
                                len(names))
        elasticity = float(prep.demand.elasticity[fa.flow])
        scale = float(scale_of[fa.flow] * prep.c0[fa.flow] ** elasticity)
        alt = f.alt_cost if f.alt_cost is not None and f.alt_cost <= prep.cdn[fa.flow] else None
        nets.append(FlowNet(fa.flow, fa.origin, fa.destination, graph, scale, elasticity,
                            alt, names))
    return nets


# -- the result ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Priced:
    """What a search found. ``upper`` is a valid upper bound on the best score
    of any route of the flow, the do-nothing route and ``alt`` included: the
    exact best when the search was complete and found a route above the
    floor; at most ``max(floor, value(alt))`` when it was complete and found
    none."""

    routes: list[tuple[float, float, frozenset[str]]]  # (score, cost, projects), best first
    complete: bool  # False when the deadline stopped the search early
    upper: float


def _weights(net: FlowNet, penalty: Mapping[str, float]) -> list[float]:
    """Each project's penalty (penalties below zero count as zero)."""
    return [max(0.0, float(penalty.get(p, 0.0))) for p in net.projects]


# -- the cheap valid relaxation (notes §2) -----------------------------------------------

def score_upper_bound(net: FlowNet, penalty: Mapping[str, float],
                      scale: float | None = None) -> float:
    """An upper bound on the best score of any route, from one Dijkstra.

    - Each project's penalty is spread over the node pairs its arcs join
      (``Graph.pairs``): a simple route crosses a pair at most once, so the
      spread penalties on its arcs never exceed the penalties it pays.
    - c_free is the least cost of a route that pays no penalty, and its score
      V(c_free) is achieved; a dearer route scores less. On [C_min, c_free]
      the convex, decreasing V lies below its chord alpha - beta * c.
    - So no route scores more than max(V(c_free), alpha - min over routes of
      sum(beta * gc_a + spread_a)), nor than V(alt) when the flow has an
      alternative. (The best route is simple: a cycle adds cost and projects.)
    """
    scale = net.scale if scale is None else scale
    g = net.graph
    eps = net.elasticity
    alt = scale * net.alt ** -eps if net.alt is not None else -math.inf
    c_min = float(g.to_dest[g.origin])
    if not math.isfinite(c_min):
        return alt
    v_min = scale * c_min ** -eps
    spread = _on_arcs(g, np.array(_weights(net, penalty)) / g.pairs)
    free = np.where(spread > 0, math.inf, g.gc)
    c_free = _dijkstra(g, free)
    if c_free <= c_min:
        return max(v_min, alt)
    if math.isfinite(c_free):
        v_free = scale * c_free ** -eps
        beta = (v_min - v_free) / (c_free - c_min)
        alpha = v_min + beta * c_min
        ub = max(v_free, alpha - _dijkstra(g, beta * g.gc + spread))
        margin = 1e-12 * (abs(alpha) + abs(v_min))
    else:
        ub = v_min - _dijkstra(g, spread)
        margin = 1e-12 * abs(v_min)
    return max(ub + margin, alt)


@dataclass(frozen=True)
class Tolls:
    """Bounds on what a completion still costs a label, for both searches
    (``tolls``): a label's toll at a node is the least sum of ``slope[i]``
    * cost + spread penalty (``share`` of its project: its penalty over its
    node pairs) on the arcs of a path to the destination (``toll_rows``);
    ``spill[j]`` the most spread penalty project j's arcs can carry on a
    simple completion of a label that has paid for j."""

    slope: np.ndarray
    share: np.ndarray
    spill: np.ndarray


def tolls(net: FlowNet, weight: list[float], scale: float, floor: float) -> Tolls:
    """Completion bounds for a search at these penalties (one Dijkstra each).

    A label at node v, cost c, penalties pen, the projects S paid for, can
    only be completed above the bar by a path of cost x in [d0, top - c)
    (d0 = to_dest[v], top the cost at which V = bar + pen) that pays at least
    its spread penalty (``score_upper_bound``: a simple route crosses each of
    project j's node pairs once) less the part on S's arcs: at most spill[j]
    = w_j (pairs_j - 1) / pairs_j, one pair being crossed already. For any
    slope s >= 0 the convex V(c + x) + s x is largest at an end of that range,
    so the score is at most max(V(c + d0) + s d0, bar + pen + s (top - c))
    - pen - toll_s[v] + spill[S] (``promising``). The slopes are multiples
    (TOLL_SLOPES) of the chord of V from the cheapest route to the floor, the
    best single slope for the origin's label; none when the floor is not
    positive (no chord). Rounded the safe way: tolls down, spills up.

    Used where reach is (``FlowNet.reach``: REACH_MIN_ARCS arcs or more), and
    only once a search has made TOLL_AFTER_POPS pops: most searches end
    sooner, and their tolls cost more than they save (gauge 200/1: 3,036
    searches, 0.6 s of tolls against 0.3 s saved; scipy's Dijkstra made it
    3.9 s); on the default workbook's small nets, its sweep 7.5 -> 11.8 s.
    With slope s > 0 the range's far end is finite: bar + pen >= floor > 0."""
    g = net.graph
    d0 = float(g.to_dest[g.origin])
    top = cost_below(scale, net.elasticity, floor)
    chord = (scale * d0 ** -net.elasticity - floor) / (top - d0) \
        if math.isfinite(top) and d0 < top else 0.0
    slope = np.array([f * chord for f in TOLL_SLOPES if chord > 0.0])
    w = np.array(weight, np.float64)
    pairs = g.pairs[:len(w)]
    spill = np.zeros(len(w))  # (none for a one-pair project, also at an infinite penalty)
    many = pairs > 1
    spill[many] = w[many] * (pairs[many] - 1) / pairs[many] * (1.0 + SAFE)
    return Tolls(slope, w / pairs, spill)


def toll_rows(g: Graph, t: Tolls) -> np.ndarray:
    """[i, v]: node v's toll at ``t.slope[i]`` (``Tolls``), rounded down, by
    the kernel's Dijkstra once it is loaded (7x faster than scipy's on these
    nets), else by scipy's; the arcs' weights are made the same way by both."""
    kernel = _COMPILE["kernel"]
    if kernel is not None:
        return kernel.tolls_to(g.first, g.head, g.gc, g.proj, t.share, t.slope, 1.0 - SAFE,
                               g.destination)
    spread = _on_arcs(g, t.share)
    n = len(g.nodes)
    tail = np.repeat(np.arange(n), np.diff(g.first))
    return np.stack([_costs_to(g.destination, tail, g.head, (s * g.gc + spread) * (1.0 - SAFE),
                               n) for s in t.slope]) if len(t.slope) else np.zeros((0, n))


def toll_bound(scale: float, eps: float, bar: float, pen: float, cost: float, top: float,
               d0: float, slope: np.ndarray, toll: np.ndarray, v: int, spilt: float) -> float:
    """The tolls' bound (``tolls``; ``toll`` from ``toll_rows``) on the score
    of any completion above the bar of a label at node index v (cost, pen,
    spill ``spilt`` of its projects); ``top`` is the cost at which V = bar +
    pen; inf without tolls. The compiled search has its copy."""
    out = math.inf
    if not len(slope):
        return out
    near = scale * (cost + d0) ** -eps
    for i in range(slope.shape[0]):
        s = float(slope[i])
        far = bar + pen + s * (top - cost)
        out = min(out, max(near + s * d0, far) - pen - float(toll[i, v]) + spilt)
    return out


def promising(scale: float, eps: float, bar: float, pen: float, cost: float, top: float,
              d0: float, slope: np.ndarray, toll: np.ndarray, v: int, spilt: float) -> bool:
    """Whether the tolls leave the label a completion above the bar."""
    return toll_bound(scale, eps, bar, pen, cost, top, d0, slope, toll, v, spilt) > bar


def _on_arcs(g: Graph, per_project: np.ndarray) -> np.ndarray:
    """Each arc's value of its project (0 on arcs of none): the spread
    penalties of ``score_upper_bound`` and of the tolls."""
    out = np.zeros(g.arcs)
    charged = g.proj >= 0
    out[charged] = per_project[g.proj[charged]]
    return out


def _dijkstra(g: Graph, w: np.ndarray) -> float:
    """Least total weight from the origin to the destination (weights >= 0)."""
    first, head, wl = g.first.tolist(), g.head.tolist(), w.tolist()
    dist = [math.inf] * (len(first) - 1)
    dist[g.origin] = 0.0
    heap = [(0.0, g.origin)]
    while heap:
        d, v = heapq.heappop(heap)
        if v == g.destination:
            return d
        if d > dist[v]:
            continue
        for a in range(first[v], first[v + 1]):
            nd = d + wl[a]
            h = head[a]
            if nd < dist[h]:
                dist[h] = nd
                heapq.heappush(heap, (nd, h))
    return math.inf


# -- the exact search ---------------------------------------------------------------------

def cost_below(scale: float, eps: float, level: float) -> float:
    """The cost c below which scale * c^-eps > level (eps > 0): every cost when
    the level is below zero. Both searches prune with it (one power a label
    instead of one per arc and per project in reach)."""
    if level <= 0.0 or eps <= 0.0:
        return math.inf
    return (level / scale) ** (-1.0 / eps)


def search_routes(net: FlowNet, penalty: Mapping[str, float], floor: float, keep: int = 1,
                  *, scale: float | None = None, deadline: Deadline | None = None) -> Priced:
    """The ``keep`` best routes of the flow by score V(cost) - penalty(projects),
    among those scoring above ``floor``, best first; V is scale * cost^-elasticity
    (the net's own scale by default). An infinite penalty keeps a project's
    states out of every route.

    Labels (cost, penalty paid, penalised projects) are pruned per node: a
    label is dropped when even its cheapest completion cannot beat the bar
    (``floor``, then the keep-th best route found), or no completion can once
    the penalties it must still pay are counted (``tolls``), and when another label
    reached the node no dearer and pays no more, counting in what it may still
    have to pay for the projects this label has paid for and a completion
    beating the bar could still reach (``FlowNet.reach``; projects left behind
    a long route are out of reach, which keeps the number of labels down).
    A label with a subset of this one's projects always qualifies. The best
    route is exact; with keep > 1 the others are the best of the routes the
    pruning leaves. The deadline is read every few pops; stopped by it, the
    search returns what it found, ``complete=False`` and a bound that still
    holds.
    """
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    scale = net.scale if scale is None else float(scale)
    weight = _weights(net, penalty)
    if _use_compiled(net, deadline):
        found, complete, open_upper = _search_compiled(net, weight, floor, keep, scale,
                                                       deadline)
    else:
        started = time.perf_counter()
        found, complete, open_upper = _search_python(net, weight, floor, keep, scale, deadline)
        _COMPILE["python_s"] += time.perf_counter() - started
    routes = [(score, cost, net.names(used)) for score, cost, used in found]
    alt = scale * net.alt ** -net.elasticity if net.alt is not None else -math.inf
    upper = max(routes[0][0] if routes else floor, alt)
    if not complete:
        upper = min(max(upper, open_upper), score_upper_bound(net, penalty, scale))
    return Priced(routes, complete, upper)


def _search_python(net: FlowNet, weight: list[float], floor: float, keep: int, scale: float,
                   deadline: Deadline | None
                   ) -> tuple[list[tuple[float, float, int]], bool, float]:
    """The label search in plain Python (the reference of the compiled one):
    (score, cost, used-project mask) of the best routes, best first; whether it
    ran to the end; a bound on every completion of the labels left open
    (-inf when complete)."""
    eps = net.elasticity
    watched = sum(1 << i for i, w in enumerate(weight) if w > 0)
    best: list[tuple[float, float, int]] = []
    labels: dict[int, list[tuple[float, float, int, int]]] = {}  # (cost, pen, key, live)
    heap: list[tuple[float, int, int, int, float, int, float]] = [
        (0.0, 0, net.origin, 0, 0.0, 0, 0.0)]  # (cost, order, node, used, pen, live, spill)
    counter = 1
    bar = floor
    to_dest, out = net.to_dest, net.out
    penalised = [j for j, w in enumerate(weight) if w > 0]
    column = {j: i for i, j in enumerate(penalised)}
    found = net.reach(penalised) if penalised else None
    reach = found.tolist() if found is not None else []
    row = {v: i for i, v in enumerate(net.graph.nodes.tolist())}
    t = tolls(net, weight, scale, floor) if found is not None else None
    spill = t.spill.tolist() if t is not None else weight
    slope, toll = np.zeros(0), np.zeros((0, 0))  # no tolls before TOLL_AFTER_POPS pops
    pops = 0

    def value(cost: float) -> float:
        return scale * cost ** -eps

    def hopeful(node: int, cost: float, pen: float, top: float, sp: float) -> bool:
        """``promising``, after the cheap test (the cheapest completion with no
        more penalty)."""
        d0 = to_dest.get(node, math.inf)
        return cost + d0 < top and promising(scale, eps, bar, pen, cost, top, d0, slope, toll,
                                             row[node], sp)

    def dearest(pen: float) -> float:
        """The cost below which a route paying ``pen`` scores above the bar."""
        return cost_below(scale, eps, bar + pen)

    def bits(mask: int) -> list[int]:
        return [j for j in range(mask.bit_length()) if mask >> j & 1]

    def paid(mask: int) -> float:
        total = 0.0
        for j in bits(mask):
            total += weight[j]
        return total

    def live(node: int, cost: float, top: float, key: int) -> int:
        """The projects of ``key`` that a completion beating the bar (costing
        less than ``top``) could reach."""
        if not reach or not key:
            return key
        r = reach[row[node]]
        return sum(1 << j for j in bits(key) if cost + r[column[j]] < top)

    def covers(c: float, p: float, s: int, cost: float, pen: float, key: int,
               alive: int) -> bool:
        """Label (c, p, s) is at least as good as (cost, pen, key, alive) for
        every completion that can beat the bar."""
        return s & ~key == 0 or (bool(reach) and p <= pen and p + paid(key & ~s & alive) <= pen)

    def opened(cost: float, node: int, pen: float, sp: float) -> float:
        """A bound on every completion of an open label: the best of
        ``promising``'s bounds, or the bar."""
        d0 = to_dest.get(node, math.inf)
        return max(min(value(cost + d0) - pen,
                       toll_bound(scale, eps, bar, pen, cost, dearest(pen), d0, slope, toll,
                                  row[node], sp)), bar)

    def dominated(node: int, cost: float, pen: float, key: int, alive: int) -> bool:
        return any(c <= cost + TINY and covers(c, p, s, cost, pen, key, alive)
                   for c, p, s, _ in labels.get(node, ()))

    while heap:
        if deadline is not None and pops % PY_CHECK_EVERY == 0 and deadline.expired():
            open_upper = max(opened(c, v, p, sp) for c, _, v, _, p, _, sp in heap)
            return best, False, open_upper
        if pops == TOLL_AFTER_POPS and t is not None:
            slope, toll = t.slope, toll_rows(net.graph, t)
        pops += 1
        cost, _, v, used, pen, alive, sp = heapq.heappop(heap)
        top = dearest(pen)
        if not hopeful(v, cost, pen, top, sp):
            continue
        key = used & watched
        if dominated(v, cost, pen, key, alive):
            continue
        here = labels.setdefault(v, [])
        here[:] = [(c, p, s, a) for c, p, s, a in here
                   if not (cost <= c and covers(cost, pen, key, c, p, s, a))]
        here.append((cost, pen, key, alive))
        if v == net.destination:
            best.append((value(cost) - pen, cost, used))
            best.sort(key=lambda t: -t[0])
            del best[keep:]
            if len(best) == keep:
                bar = max(bar, best[-1][0])
            continue
        for head, gc, b in out.get(v, ()):
            nused, npen, ntop, nsp = used, pen, top, sp
            if b and not used & b:
                nused = used | b
                npen = pen + weight[b.bit_length() - 1]
                nsp = sp + spill[b.bit_length() - 1]
                if npen != pen:
                    ntop = dearest(npen)
            ncost = cost + gc
            if not hopeful(head, ncost, npen, ntop, nsp):
                continue
            nkey = nused & watched
            nalive = live(head, ncost, ntop, nkey)
            if dominated(head, ncost, npen, nkey, nalive):
                continue
            heapq.heappush(heap, (ncost, counter, head, nused, npen, nalive, nsp))
            counter += 1
    return best, True, -math.inf


# -- the compiled search and when to use it -----------------------------------------------
#
# Loading the kernel (docs/pricing.md, measured on the 2 shared cores) costs 0.3 s CPU
# (0.7 s wall) with numba's cache on disk and 2.6 s CPU (5 s wall) without it, as in a
# fresh clone. The Python search costs the default workbook 0.56 s a solve (0.1 s
# compiled), so a one-shot default run stays in Python; generated 120-town instances
# spend 4 to 10 s in it (0.6 s compiled), 200 towns 46 s (2.8 s). Rule: compile for a
# flow net of COMPILED_MIN_ARCS arcs or more (the default workbook's largest has 257,
# the 40-town benchmark's 241, every 120-town instance has dozens above), or once the
# Python search has cost this process PYTHON_BEFORE_COMPILE_S (about one cold compile:
# a sweep of the default workbook); never with less than COMPILE_ROOM_S left before the
# deadline, as a compile cannot be interrupted.
COMPILED_MIN_ARCS = 400
PYTHON_BEFORE_COMPILE_S = 2.0
COMPILE_ROOM_S = 10.0

_NO_REACH = np.zeros((1, 1))  # the kernel's reach when it is not used
_NO_TOLLS = Tolls(np.zeros(0), np.zeros(1), np.zeros(1))  # ... and its tolls

_COMPILE: dict = {"kernel": None, "failed": False, "python_s": 0.0, "compile_s": 0.0}


def _use_compiled(net: FlowNet, deadline: Deadline | None) -> bool:
    """The compiled search once it is loaded. Before that, load it (import
    numba, compile or read numba's cache) for a big flow net, or once the
    Python search has taken PYTHON_BEFORE_COMPILE_S in this process, and only
    with time for a cold compile left before the deadline."""
    if _COMPILE["kernel"] is not None:
        return True
    if _COMPILE["failed"]:
        return False
    if net.graph.arcs < COMPILED_MIN_ARCS and _COMPILE["python_s"] < PYTHON_BEFORE_COMPILE_S:
        return False
    if deadline is not None and deadline.remaining() < COMPILE_ROOM_S:
        return False
    return _load_kernel()


def compiled() -> bool:
    """Whether searches now run compiled: the kernel releases the GIL, so
    searches on several threads run at once; the Python search does not."""
    return _COMPILE["kernel"] is not None


def compile_now() -> bool:
    """Load the compiled search now, whatever the size of the flow nets: a
    process that will price many solves (a worker running scenario draws)
    gains from the first one. The one-shot rule (``_use_compiled``) waits for
    2 s of Python search, which a worker reaches only after several draws.
    True when the compiled search is in use."""
    if _COMPILE["kernel"] is not None:
        return True
    return not _COMPILE["failed"] and _load_kernel()


def _load_kernel() -> bool:
    started = time.perf_counter()
    try:
        from . import label_kernel
        g = _tiny_graph()
        label_kernel.label_search(g.first, g.head, g.gc, g.proj, g.to_dest, np.zeros(1),
                                  np.zeros(1, np.int64), np.zeros(1, np.uint64), 1,
                                  _NO_REACH, np.zeros(1), False, _NO_TOLLS.slope,
                                  _NO_TOLLS.share, _NO_TOLLS.spill, 1.0, 0, 0, 1,
                                  1.0, 1.0, -math.inf, 1, math.inf, CHECK_EVERY, TINY)
        label_kernel.tolls_to(g.first, g.head, g.gc, g.proj, np.ones(1), np.ones(1), 1.0,
                              g.destination)
    except Exception:  # no numba, or it cannot compile here: stay in Python
        _COMPILE["failed"] = True
        return False
    _COMPILE["kernel"] = label_kernel
    _COMPILE["compile_s"] = time.perf_counter() - started
    return True


def _tiny_graph() -> Graph:
    return Graph(np.array([0, 1, 1], np.int64), np.array([1], np.int64),
                 np.array([1.0]), np.array([0], np.int64), np.array([1.0, 0.0]),
                 np.array([1], np.int64), 0, 1, np.array([0, 1], np.int64))


def _search_compiled(net: FlowNet, weight: list[float], floor: float, keep: int,
                     scale: float, deadline: Deadline | None
                     ) -> tuple[list[tuple[float, float, int]], bool, float]:
    """``_search_python`` through the compiled kernel; the used-project masks
    are read back along each route's arcs."""
    kernel = _COMPILE["kernel"]
    g = net.graph
    w = np.array(weight, np.float64) if weight else np.zeros(1)
    word = np.full(max(1, len(weight)), -1, np.int64)
    bit = np.zeros(max(1, len(weight)), np.uint64)
    penalised = [j for j, x in enumerate(weight) if x > 0]
    for i, j in enumerate(penalised):
        word[j] = i >> 6
        bit[j] = np.uint64(1) << np.uint64(i & 63)
    n_watched = len(penalised)
    paid = np.array([weight[j] for j in penalised] or [0.0])  # by watched bit
    reach = net.reach(penalised) if penalised else None
    t = tolls(net, weight, scale, floor) if reach is not None else _NO_TOLLS
    stop_at = deadline.at if deadline is not None else math.inf
    kernel.CANCELLED.check = (lambda: deadline.cancelled) if deadline is not None else None
    try:
        nb, scores, costs, entries, complete, open_upper, pred, arc = kernel.label_search(
            g.first, g.head, g.gc, g.proj, g.to_dest, w, word, bit, (n_watched + 63) // 64,
            reach if reach is not None else _NO_REACH, paid, reach is not None, t.slope,
            t.share if len(t.share) else np.zeros(1), t.spill if len(t.spill) else np.zeros(1),
            1.0 - SAFE, TOLL_AFTER_POPS, g.origin,
            g.destination, scale, net.elasticity, float(floor), int(keep), stop_at,
            CHECK_EVERY, TINY)
    finally:
        kernel.CANCELLED.check = None
    proj = g.proj
    found = []
    for i in range(nb):
        used = 0
        e = int(entries[i])
        while e > 0:
            j = int(proj[arc[e]])
            if j >= 0:
                used |= 1 << j
            e = int(pred[e])
        found.append((float(scores[i]), float(costs[i]), used))
    return found, bool(complete), float(open_upper)
