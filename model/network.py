"""Stage 3: network preprocessing.

Turns the instance into segment states (the ways a segment can be
traversed: as it is today, or as a project leaves it), computes shortest
paths for any portfolio, and prunes, per flow, the states that cannot lie on
a route cheaper than doing nothing (spec §5).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .instance import Effect, Flow, Node, Segment

# Pruning keeps states whose best route is within this relative slack of the
# do-nothing cost, so rounding can never drop the do-nothing route itself.
PRUNE_SLACK = 1e-9


@dataclass(frozen=True)
class State:
    """One way of traversing a segment: its base state (project None) or the
    segment as a project leaves it. Its generalized cost depends on the value
    of time of the flow that uses it (spec §3), so the state keeps money and
    hours apart."""

    segment: int
    project: str | None
    money: float  # USD per tonne: running cost and fees
    hours: float

    def gc(self, value_of_time: float) -> float:
        """Generalized cost, USD per tonne, at a flow's value of time."""
        return self.money + value_of_time * self.hours


@dataclass(frozen=True)
class Network:
    node_ids: tuple[str, ...]
    index: dict[str, int]
    ends: tuple[tuple[int, int], ...]  # segment -> (from node, to node)
    states: tuple[tuple[State, ...], ...]  # segment -> its states

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    def __getstate__(self) -> dict:
        """Pickled without the arrays derived from it (``_table``, ``_by_pair``):
        they are made again on first use, and a scenario's workers would
        otherwise be shipped them (186 kB became 280 kB on the default
        workbook)."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def closing(self, segments: Iterable[int]) -> Network:
        """The network with these segments removed: no state of theirs is
        usable (a closed border or a washed-out road, spec §11)."""
        gone = set(segments)
        if not gone:
            return self
        return dataclasses.replace(self, states=tuple(() if i in gone else own
                                                      for i, own in enumerate(self.states)))


@dataclass(frozen=True)
class Paths:
    """Least costs from a set of origins on one portfolio's network, at one
    value of time."""

    value_of_time: float
    origins: tuple[int, ...]
    cost: np.ndarray  # [len(origins), n_nodes]
    predecessor: np.ndarray
    tails: np.ndarray  # the graph's arcs: tail, head and the state used (index in
    heads: np.ndarray  # ``states``), for following a route
    used: np.ndarray
    states: tuple[State, ...]

    @property
    def pair_state(self) -> dict[tuple[int, int], State]:
        """(a, b) -> the cheapest usable state joining them; made when a route
        is first followed (most runs only need the costs)."""
        known = self.__dict__.get("_pair_state")
        if known is None:
            known = dict(zip(zip(self.tails.tolist(), self.heads.tolist()),
                             (self.states[i] for i in self.used.tolist())))
            object.__setattr__(self, "_pair_state", known)
        return known


def build_network(nodes: Sequence[Node], segments: Sequence[Segment],
                  effects: Sequence[Effect]) -> Network:
    """States for every segment: base if open, one per effect given (the
    caller leaves out excluded projects)."""
    node_ids = tuple(n.node_id for n in nodes)
    index = {n: i for i, n in enumerate(node_ids)}
    seg_index = {s.segment_id: i for i, s in enumerate(segments)}
    states: list[list[State]] = []
    for i, seg in enumerate(segments):
        own = []
        if seg.status == "open":
            own.append(State(i, None, seg.attributes.money(), seg.attributes.hours()))
        states.append(own)
    for eff in effects:
        i = seg_index[eff.segment_id]
        states[i].append(State(i, eff.project_id, eff.attributes.money(),
                               eff.attributes.hours()))
    ends = tuple((index[s.from_node], index[s.to_node]) for s in segments)
    return Network(node_ids, index, ends, tuple(tuple(s) for s in states))


@dataclass(frozen=True)
class _Table:
    """Every state of a network as arrays, both directions of each (a state
    is usable either way): what a shortest-path run needs, built once per
    network so that each run is a few vector operations."""

    states: tuple[State, ...]  # segment-major, as in Network.states
    segment: np.ndarray  # per directed state (two per state: a->b, then b->a)
    tail: np.ndarray
    head: np.ndarray
    money: np.ndarray
    hours: np.ndarray
    project: np.ndarray  # code of the state's project, -1 for a base state
    codes: dict[str, int]

    @classmethod
    def of(cls, network: Network) -> _Table:
        flat = tuple(s for own in network.states for s in own)
        codes: dict[str, int] = {}
        for s in flat:
            if s.project is not None:
                codes.setdefault(s.project, len(codes))
        ends = np.array([network.ends[s.segment] for s in flat], dtype=np.int64).reshape(-1, 2)
        twice = np.repeat  # each state once per direction, side by side
        return cls(flat, twice(np.array([s.segment for s in flat], dtype=np.int64), 2),
                   ends[:, [0, 1]].ravel(), ends[:, [1, 0]].ravel(),
                   twice(np.array([s.money for s in flat], dtype=float), 2),
                   twice(np.array([s.hours for s in flat], dtype=float), 2),
                   twice(np.array([-1 if s.project is None else codes[s.project]
                                   for s in flat], dtype=np.int64), 2), codes)


def _table(network: Network) -> _Table:
    """The network's arrays, made on first use and kept with it (the network
    is immutable; ``closing`` makes a new one)."""
    table = network.__dict__.get("_table")
    if table is None:
        table = _Table.of(network)
        object.__setattr__(network, "_table", table)
    return table


def project_arcs(network: Network, projects: Iterable[str]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tail, head, money and hours of every directed state of these projects."""
    t = _table(network)
    mine = np.isin(t.project, [t.codes[p] for p in projects if p in t.codes])
    return t.tail[mine], t.head[mine], t.money[mine], t.hours[mine]


def _by_pair(network: Network, value_of_time: float) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray, np.ndarray]:
    """Every directed state sorted by node pair, cheapest first at this value
    of time, then in the network's order: (order, pair, cost, project code + 1),
    each in that order. Made once per network and value of time and kept with
    the network: a portfolio only masks it (sorting at every run was half of
    a run on a 120-town network)."""
    known = network.__dict__.setdefault("_by_pair", {})
    hit = known.get(value_of_time)
    if hit is None:
        t = _table(network)
        cost = t.money + value_of_time * t.hours
        pair = t.tail * network.n_nodes + t.head
        order = np.lexsort((np.arange(len(pair)), cost, pair))
        hit = known[value_of_time] = (order, pair[order], cost[order], t.project[order] + 1)
    return hit


def shortest_paths(network: Network, portfolio: frozenset[str],
                   origins: list[int] | tuple[int, ...], value_of_time: float) -> Paths:
    """Least generalized cost from each origin with the portfolio applied.
    Between two nodes the cheapest usable state counts; of equal ones, the
    first in the network's order."""
    t = _table(network)
    n = network.n_nodes
    order, pair, cost, code = _by_pair(network, value_of_time)
    is_open = np.zeros(len(t.codes) + 1, dtype=bool)  # by project code + 1; 0: base states
    is_open[0] = True
    is_open[[t.codes[p] + 1 for p in portfolio if p in t.codes]] = True
    usable = np.flatnonzero(is_open[code])
    first = np.ones(len(usable), dtype=bool)
    first[1:] = pair[usable[1:]] != pair[usable[:-1]]
    chosen = usable[first]
    pick, data = order[chosen], cost[chosen]
    tails, heads = t.tail[pick], t.head[pick]  # sorted by (tail, head): CSR order
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    graph = csr_matrix((data, heads, indptr), shape=(n, n))
    arcs = (tails, heads, pick // 2, t.states)
    origins = tuple(origins)
    if not origins:
        return Paths(value_of_time, origins, np.zeros((0, n)), np.zeros((0, n), dtype=int),
                     *arcs)
    dist, pred = dijkstra(graph, directed=True, indices=list(origins), return_predecessors=True)
    return Paths(value_of_time, origins, np.atleast_2d(dist), np.atleast_2d(pred), *arcs)


def route(paths: Paths, origin: int, destination: int) -> list[State]:
    """The states along the least-cost route (empty if none or trivial)."""
    row = paths.origins.index(origin)
    if not np.isfinite(paths.cost[row, destination]):
        return []
    nodes = [destination]
    while nodes[-1] != origin:
        nodes.append(int(paths.predecessor[row, nodes[-1]]))
    nodes.reverse()
    pair_state = paths.pair_state
    return [pair_state[(a, b)] for a, b in zip(nodes, nodes[1:])]


def paths_by_time_value(network: Network, portfolio: frozenset[str],
                        ends: dict[float, set[int]]) -> dict[float, Paths]:
    """Shortest paths from the given nodes, one Dijkstra run per value of time."""
    return {vot: shortest_paths(network, portfolio, sorted(nodes), vot)
            for vot, nodes in ends.items()}


def origins_by_time_value(network: Network, flows: Sequence[Flow],
                          values_of_time: Sequence[float]) -> dict[float, set[int]]:
    out: dict[float, set[int]] = {}
    for f, vot in zip(flows, values_of_time):
        out.setdefault(vot, set()).add(network.index[f.origin])
    return out


def network_cost(paths: dict[float, Paths], network: Network, flow: Flow, vot: float) -> float:
    """Least cost of a flow's route on the network (inf if none)."""
    p = paths[vot]
    return float(p.cost[p.origins.index(network.index[flow.origin]),
                        network.index[flow.destination]])


def flow_costs(network: Network, flows: Sequence[Flow], values_of_time: Sequence[float],
               portfolio: frozenset[str]) -> tuple[np.ndarray, dict[float, Paths]]:
    """SP_k(x) for every flow: min(network route, alt_cost) (spec §4), each at
    its own value of time; with the shortest paths per value of time."""
    paths = paths_by_time_value(network, portfolio,
                                origins_by_time_value(network, flows, values_of_time))
    costs = np.empty(len(flows))
    for k, (f, vot) in enumerate(zip(flows, values_of_time)):
        c = network_cost(paths, network, f, vot)
        costs[k] = min(c, f.alt_cost) if f.alt_cost is not None else c
    return costs, paths


@dataclass(frozen=True, eq=False)
class FlowArcs:
    """What the model needs of one flow: its candidate directed arc states,
    kept as their positions in the state table of the network it was pruned
    on. A scenario draw prunes some 400 flows and its route master reads the
    arrays; ``arcs`` spells the states out for the arc formulation (spelling
    them out at every pruning was a tenth of a draw)."""

    flow: int
    origin: int
    destination: int
    table: _Table
    kept: np.ndarray  # positions of the directed states in ``table``, ascending

    @cached_property
    def arcs(self) -> tuple[tuple[int, int, State], ...]:
        """(tail, head, state) of each candidate arc state."""
        t, kept = self.table, self.kept
        return tuple(zip(t.tail[kept].tolist(), t.head[kept].tolist(),
                         map(t.states.__getitem__, (kept // 2).tolist())))

    @property
    def tails(self) -> np.ndarray:
        return self.table.tail[self.kept]

    @property
    def heads(self) -> np.ndarray:
        return self.table.head[self.kept]

    @property
    def segments(self) -> np.ndarray:
        return self.table.segment[self.kept]

    def gc(self, value_of_time: float) -> np.ndarray:
        """Each arc state's generalized cost (as ``State.gc``)."""
        return self.table.money[self.kept] + value_of_time * self.table.hours[self.kept]

    @cached_property
    def projects(self) -> tuple[str | None, ...]:
        """Each arc state's project (None: a base state)."""
        names = (None, *self.table.codes)  # by project code + 1
        return tuple(names[c] for c in (self.table.project[self.kept] + 1).tolist())

    @cached_property
    def signature(self) -> tuple[bytes, tuple[str | None, ...]]:
        """Equal exactly when ``arcs`` are (same ends, segments, projects,
        money and hours), without making them."""
        t, kept = self.table, self.kept
        return (np.concatenate([t.tail[kept], t.head[kept], t.segment[kept]]).tobytes()
                + np.concatenate([t.money[kept], t.hours[kept]]).tobytes(), self.projects)

    def __getstate__(self) -> dict:
        """Pickled without what is made from the arrays on first use."""
        return {k: v for k, v in self.__dict__.items()
                if k not in ("arcs", "projects", "signature")}


class Pruning:
    """Spec §5's pruning at one value of time: which directed arc states a
    route cheaper than doing nothing may use.

    Base and committed states are always usable; a state of a project in
    ``decision`` only if it is selected, and only worth keeping if cheaper than
    the segment's always-usable state; states of any other project can never
    be used. What does not depend on the flow is worked out once here."""

    def __init__(self, network: Network, vot: float, committed: frozenset[str],
                 decision: frozenset[str]):
        t = self._t = _table(network)
        self.gc = t.money + vot * t.hours
        fixed = (t.project < 0) | np.isin(t.project,
                                          [t.codes[p] for p in committed if p in t.codes])
        floor = np.full(len(network.states), np.inf)  # per segment: its always-usable cost
        np.minimum.at(floor, t.segment[fixed], self.gc[fixed])
        floor = floor[t.segment]
        selectable = np.isin(t.project, [t.codes[p] for p in decision if p in t.codes])
        self._worth = np.where(fixed, self.gc <= floor, selectable & (self.gc < floor))
        self._index = network.index

    def arcs(self, flow_index: int, flow: Flow, lower: Paths, cdn: float) -> FlowArcs:
        """The flow's arc states that can lie on a route cheaper than ``cdn``.
        ``lower`` holds least costs with every selectable project's best
        effect applied (a lower bound for any portfolio) at this value of
        time, from origins and destinations alike (segments are undirected)."""
        t = self._t
        o, d = self._index[flow.origin], self._index[flow.destination]
        from_o = lower.cost[lower.origins.index(o)]
        to_d = lower.cost[lower.origins.index(d)]
        keep = self._worth & (t.head != o) & (t.tail != d)
        keep &= from_o[t.tail] + self.gc + to_d[t.head] <= cdn * (1.0 + PRUNE_SLACK)
        return FlowArcs(flow_index, o, d, t, np.flatnonzero(keep))

