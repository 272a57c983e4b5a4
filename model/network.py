"""Stage 3: network preprocessing.

Turns the instance into segment states (the ways a segment can be
traversed: as it is today, or as a project leaves it), computes shortest
paths for any portfolio, and prunes, per flow, the states that cannot lie on
a route cheaper than doing nothing (spec §5).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
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
    pair_state: dict[tuple[int, int], State]  # (a, b) -> cheapest state joining them


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


def usable_states(network: Network, portfolio: frozenset[str],
                  value_of_time: float) -> list[State]:
    """The cheapest usable state of every segment under a portfolio."""
    best: list[State] = []
    for own in network.states:
        usable = [s for s in own if s.project is None or s.project in portfolio]
        if usable:
            best.append(min(usable, key=lambda s: s.gc(value_of_time)))
    return best


def shortest_paths(network: Network, portfolio: frozenset[str],
                   origins: list[int] | tuple[int, ...], value_of_time: float) -> Paths:
    """Least generalized cost from each origin with the portfolio applied."""
    pair_state: dict[tuple[int, int], State] = {}
    pair_cost: dict[tuple[int, int], float] = {}
    for state in usable_states(network, portfolio, value_of_time):
        a, b = network.ends[state.segment]
        cost = state.gc(value_of_time)
        for key in ((a, b), (b, a)):
            if key not in pair_cost or cost < pair_cost[key]:
                pair_state[key], pair_cost[key] = state, cost
    n = network.n_nodes
    if pair_state:
        rows, cols = zip(*pair_state)
        data = list(pair_cost.values())
    else:
        rows, cols, data = (), (), []
    graph = csr_matrix((data, (rows, cols)), shape=(n, n))
    origins = tuple(origins)
    if not origins:
        return Paths(value_of_time, origins, np.zeros((0, n)), np.zeros((0, n), dtype=int),
                     pair_state)
    cost, pred = dijkstra(graph, directed=True, indices=list(origins),
                          return_predecessors=True)
    return Paths(value_of_time, origins, np.atleast_2d(cost), np.atleast_2d(pred), pair_state)


def route(paths: Paths, origin: int, destination: int) -> list[State]:
    """The states along the least-cost route (empty if none or trivial)."""
    row = paths.origins.index(origin)
    if not np.isfinite(paths.cost[row, destination]):
        return []
    nodes = [destination]
    while nodes[-1] != origin:
        nodes.append(int(paths.predecessor[row, nodes[-1]]))
    nodes.reverse()
    return [paths.pair_state[(a, b)] for a, b in zip(nodes, nodes[1:])]


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


@dataclass(frozen=True)
class FlowArcs:
    """What the model needs of one flow: its candidate directed arc states."""

    flow: int
    origin: int
    destination: int
    arcs: tuple[tuple[int, int, State], ...]  # (tail, head, state)


def prune_arcs(network: Network, flow_index: int, flow: Flow, vot: float, lower: Paths,
               cdn: float, committed: frozenset[str], decision: frozenset[str]) -> FlowArcs:
    """Directed arc states that can lie on a route cheaper than doing nothing.

    ``lower`` holds least costs with every selectable project's best effect
    applied (a lower bound for any portfolio) at the flow's value of time
    ``vot``, from origins and destinations alike (segments are undirected).
    Base and committed states are always usable; a state of a project in
    ``decision`` only if it is selected, and only worth keeping if cheaper than
    the segment's always-usable state; states of any other project can never
    be used.
    """
    o, d = network.index[flow.origin], network.index[flow.destination]
    from_o = lower.cost[lower.origins.index(o)]
    to_d = lower.cost[lower.origins.index(d)]
    limit = cdn * (1.0 + PRUNE_SLACK)
    arcs: list[tuple[int, int, State]] = []
    for seg, own in enumerate(network.states):
        fixed = [s.gc(vot) for s in own if s.project is None or s.project in committed]
        floor = min(fixed) if fixed else np.inf
        a, b = network.ends[seg]
        for s in own:
            gc = s.gc(vot)
            conditional = s.project is not None and s.project not in committed
            if conditional and (s.project not in decision or gc >= floor):
                continue
            if not conditional and gc > floor:
                continue
            for tail, head in ((a, b), (b, a)):
                if head == o or tail == d:
                    continue
                if from_o[tail] + gc + to_d[head] <= limit:
                    arcs.append((tail, head, s))
    return FlowArcs(flow_index, o, d, tuple(arcs))
