"""Reproducible network-scale instances for the benchmark (issue 5).

A geometric network of towns in a rectangle split by x coordinate into 4-6
"country bands":

- road layer over every town: each town joined to its k nearest neighbours
  (k = 2 or 3, drawn per town), components joined by their shortest edges;
- rail layer over ~40% of the towns: separate rail nodes joined to their town
  by a zero-length ``transfer`` segment (fixed time and cost), rail towns
  joined to their 2 nearest rail towns, kept connected the same way;
- every road/rail edge whose ends lie in different bands is split at each
  band boundary it crosses by a zero-length ``border`` segment (dwell 6-60 h
  and a fee) between two border nodes;
- projects: upgrades of chains of 1-4 consecutive road or rail segments
  (faster, cheaper per t-km), border modernisation (less dwell, lower fee),
  missing links (planned segments between towns 1.5-3 nearest-neighbour
  distances apart, with a planned border post when they cross a band
  boundary); capex proportional to length times a smooth terrain factor; a
  few groups of alternatives (a premium variant of an upgrade, a second
  alignment of a missing link) and some ``requires``;
- flows between towns at least 40% of the map diameter apart, lognormal base
  volumes, elasticity 0.8-2.0, a quarter with an alternative outside the
  network at 1.0-1.3 x today's cost.

Everything is drawn from ``random.Random(seed)``, so an instance depends only
on (nodes, projects, flows, seed, budget_share).

    from benchmarks.generator import generate
    instance, budget = generate(120, 80, 120, seed=1)

``nodes`` is the number of towns; the network has more nodes (rail and border
nodes), reported by the benchmark as network nodes.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from model.instance import (Attributes, Effect, Flow, Instance, Node, Parameters, Project,
                            Segment)
from model.network import build_network, flow_costs

WIDTH_KM = 2400.0
HEIGHT_KM = 1600.0
VALUE_OF_TIME = 1.0  # USD per tonne-hour
ROAD_COST = (0.05, 0.15)  # USD per t-km
ROAD_SPEED = (25.0, 55.0)  # km/h
RAIL_COST = (0.03, 0.08)
RAIL_SPEED = (15.0, 50.0)
BORDER_DWELL = (6.0, 60.0)  # hours
COMMODITIES = ("general", "grain", "minerals", "textiles", "fuel", "machinery")


# --- geometry -------------------------------------------------------------------------------

class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def _knn_edges(dist: np.ndarray, members: list[int], ks: list[int]) -> set[tuple[int, int]]:
    """Undirected edges (i < j, indices into ``members``' global ids) joining
    each member to its ks[i] nearest other members, then the shortest edges
    between components until the layer is connected."""
    sub = dist[np.ix_(members, members)].copy()
    np.fill_diagonal(sub, np.inf)
    n = len(members)
    edges: set[tuple[int, int]] = set()
    for i in range(n):
        for j in np.argsort(sub[i], kind="stable")[: ks[i]]:
            edges.add((min(i, int(j)), max(i, int(j))))
    uf = _UnionFind(n)
    for i, j in edges:
        uf.union(i, j)
    while True:
        comp = np.array([uf.find(i) for i in range(n)])
        if len(set(comp.tolist())) == 1:
            break
        masked = np.where(comp[:, None] != comp[None, :], sub, np.inf)
        i, j = np.unravel_index(int(np.argmin(masked)), masked.shape)
        edges.add((min(int(i), int(j)), max(int(i), int(j))))
        uf.union(int(i), int(j))
    return {(members[i], members[j]) for i, j in edges}


# --- the builder ----------------------------------------------------------------------------

@dataclass
class _Builder:
    rng: random.Random
    pos: np.ndarray  # town -> (x, y) km
    cuts: list[float]  # band boundaries (x), ascending
    bumps: list[tuple[float, float, float, float]]  # terrain: (x, y, height, radius)
    nodes: list[Node] = field(default_factory=list)
    node_xy: dict[str, tuple[float, float]] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    adjacency: dict[str, list[int]] = field(default_factory=dict)  # node -> segment indices
    corridor_of: list[str] = field(default_factory=list)

    def band(self, x: float) -> int:
        return sum(1 for c in self.cuts if x >= c)

    def country(self, x: float) -> str:
        return f"C{self.band(x) + 1}"

    def terrain(self, x: float, y: float) -> float:
        """1 on the plain, up to ~3 in the mountains."""
        return 1.0 + sum(h * math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * r * r))
                         for bx, by, h, r in self.bumps)

    def add_node(self, node_id: str, kind: str, x: float, y: float) -> None:
        self.nodes.append(Node(node_id, f"{kind.title()} {node_id}", self.country(x), kind,
                               lat=round(y / 111.0, 4), lon=round(x / 111.0, 4)))
        self.node_xy[node_id] = (x, y)
        self.adjacency[node_id] = []

    def add_segment(self, a: str, b: str, mode: str, attrs: Attributes, status: str,
                    corridor: str) -> int:
        i = len(self.segments)
        prefix = {"road": "R", "rail": "L", "border": "B", "transfer": "T"}[mode]
        sid = f"{prefix}{i:05d}" if status == "open" else f"N{prefix}{i:05d}"
        self.segments.append(Segment(sid, a, b, mode, attrs, status, corridor))
        self.adjacency[a].append(i)
        self.adjacency[b].append(i)
        return i

    def border_attrs(self, mode: str, modern: bool = False) -> Attributes:
        dwell = self.rng.uniform(6.0, 30.0) if modern else self.rng.uniform(*BORDER_DWELL)
        fee = self.rng.uniform(3.0, 15.0) if modern else self.rng.uniform(5.0, 40.0)
        if mode == "rail":  # gauge change and inspection, cheaper per tonne
            fee *= 0.7
        return Attributes(0.0, None, 0.0, round(dwell, 1), round(fee, 2))

    def link(self, a: str, b: str, mode: str, length_factor: float, cost: float, speed: float,
             status: str, corridor: str, modern_border: bool = False) -> list[int]:
        """Join a and b by one segment, or by pieces split at each band
        boundary crossed, with a border segment between two border nodes."""
        (xa, ya), (xb, yb) = self.node_xy[a], self.node_xy[b]
        lo, hi = sorted((xa, xb))
        crossings = [c for c in self.cuts if lo < c <= hi]
        if xa > xb:
            crossings.reverse()
        points: list[str] = [a]
        made: list[int] = []
        pieces: list[tuple[str, str, str]] = []  # (from, to, mode)
        for c in crossings:
            t = (c - xa) / (xb - xa)
            x, y = c, ya + t * (yb - ya)
            n = len(self.nodes)
            near, far = f"X{n:04d}", f"X{n + 1:04d}"
            eps = 1e-6 if xb > xa else -1e-6
            self.add_node(near, "border", x - eps, y)
            self.add_node(far, "border", x + eps, y)
            pieces.append((points[-1], near, mode))
            pieces.append((near, far, "border"))
            points.append(far)
        pieces.append((points[-1], b, mode))
        for u, v, m in pieces:
            if m == "border":
                attrs = self.border_attrs(mode, modern_border)
            else:
                (xu, yu), (xv, yv) = self.node_xy[u], self.node_xy[v]
                length = max(1.0, math.hypot(xu - xv, yu - yv) * length_factor)
                attrs = Attributes(round(length, 1), round(speed, 1), round(cost, 4), 0.0, 0.0)
            made.append(self.add_segment(u, v, m, attrs, status, corridor))
        return made

    def midpoint(self, seg: int) -> tuple[float, float]:
        s = self.segments[seg]
        (xa, ya), (xb, yb) = self.node_xy[s.from_node], self.node_xy[s.to_node]
        return (xa + xb) / 2.0, (ya + yb) / 2.0


def _layer_attrs(b: _Builder, mode: str, x: float, y: float) -> tuple[float, float, float]:
    """(length factor, cost per t-km, speed) of an existing road or rail edge:
    slower and more winding in the mountains."""
    rng = b.rng
    rough = b.terrain(x, y)
    if mode == "road":
        cost = rng.uniform(*ROAD_COST)
        speed = max(ROAD_SPEED[0], rng.uniform(*ROAD_SPEED) / rough ** 0.4)
        factor = rng.uniform(1.15, 1.4) * (1.0 + 0.1 * (rough - 1.0))
    else:
        cost = rng.uniform(*RAIL_COST)
        speed = max(RAIL_SPEED[0], rng.uniform(*RAIL_SPEED) / rough ** 0.4)
        factor = rng.uniform(1.1, 1.3) * (1.0 + 0.1 * (rough - 1.0))
    return factor, cost, speed


def _chain(b: _Builder, start: int, want: int, used: set[int]) -> list[int]:
    """Up to ``want`` consecutive unused segments of start's mode, extended at
    either end through nodes where the road (or rail) line continues."""
    mode = b.segments[start].mode
    chain = [start]
    ends = [b.segments[start].from_node, b.segments[start].to_node]
    while len(chain) < want:
        grown = False
        for side in b.rng.sample((0, 1), 2):
            node = ends[side]
            options = [i for i in b.adjacency[node]
                       if i not in chain and i not in used and b.segments[i].mode == mode
                       and b.segments[i].status == "open"]
            if options:
                nxt = b.rng.choice(sorted(options))
                s = b.segments[nxt]
                ends[side] = s.to_node if s.from_node == node else s.from_node
                chain.append(nxt)
                grown = True
                break
        if not grown:
            break
    return chain


def _upgrade(b: _Builder, chain: list[int], premium: bool) -> tuple[list[Effect], float]:
    """Effects (faster, cheaper per t-km; never a higher generalized cost) and capex."""
    rng = b.rng
    mode = b.segments[chain[0]].mode
    gain = rng.uniform(1.6, 2.2) if premium else rng.uniform(1.3, 1.8)
    cut = rng.uniform(0.5, 0.7) if premium else rng.uniform(0.65, 0.9)
    top = 100.0 if mode == "road" else 90.0
    unit = rng.uniform(0.6, 1.2) if mode == "road" else rng.uniform(1.0, 2.5)  # USD M / km
    if premium:
        unit *= rng.uniform(1.6, 2.2)
    effects, capex = [], 0.0
    for i in chain:
        a = b.segments[i].attributes
        speed = round(min(top, max(a.speed_kmh or 0.0, (a.speed_kmh or 0.0) * gain)), 1)
        cost = round(a.cost_usd_per_tkm * cut, 4)
        effects.append(Effect("", b.segments[i].segment_id,
                              Attributes(a.length_km, speed, cost, a.fixed_time_h,
                                         a.fixed_cost_usd_per_t)))
        x, y = b.midpoint(i)
        capex += a.length_km * unit * b.terrain(x, y)
    return effects, capex


def _modernise(b: _Builder, seg: int) -> tuple[list[Effect], float]:
    rng = b.rng
    a = b.segments[seg].attributes
    new = Attributes(0.0, None, 0.0, round(a.fixed_time_h * rng.uniform(0.15, 0.5), 1),
                     round(a.fixed_cost_usd_per_t * rng.uniform(0.4, 0.8), 2))
    rail = any(b.segments[i].mode == "rail" for n in (b.segments[seg].from_node,
                                                          b.segments[seg].to_node)
               for i in b.adjacency[n])
    capex = rng.uniform(20.0, 150.0) * (1.5 if rail else 1.0)
    return [Effect("", b.segments[seg].segment_id, new)], capex


def _missing_link(b: _Builder, a: int, c: int, rail_node: dict[int, str],
                  corridor: str) -> tuple[list[Effect], float]:
    """Planned segments joining towns a and c (rail if both have rail and the
    draw says so), built by the project; crossings get a modern border post."""
    rng = b.rng
    use_rail = a in rail_node and c in rail_node and rng.random() < 0.5
    if use_rail:
        u, v, mode = rail_node[a], rail_node[c], "rail"
        cost, speed = rng.uniform(0.025, 0.05), rng.uniform(50.0, 80.0)
        unit = rng.uniform(2.0, 4.0)
    else:
        u, v, mode = f"T{a:03d}", f"T{c:03d}", "road"
        cost, speed = rng.uniform(0.04, 0.08), rng.uniform(60.0, 90.0)
        unit = rng.uniform(1.0, 2.0)
    made = b.link(u, v, mode, rng.uniform(1.05, 1.2), cost, speed, "planned", corridor,
                  modern_border=True)
    effects, capex = [], 0.0
    for i in made:
        s = b.segments[i]
        effects.append(Effect("", s.segment_id, s.attributes))
        if s.mode == "border":
            capex += rng.uniform(30.0, 100.0)
        else:
            x, y = b.midpoint(i)
            capex += s.attributes.length_km * unit * b.terrain(x, y)
    return effects, capex


def generate(nodes: int, projects: int, flows: int, seed: int,
             budget_share: float = 0.3) -> tuple[Instance, float]:
    """An Instance with ``nodes`` towns, ``projects`` candidate projects and
    ``flows`` directed trade flows, and a budget of ``budget_share`` of the
    total candidate capex (also set as the instance's budget_musd)."""
    if nodes < 8:
        raise ValueError("need at least 8 towns")
    rng = random.Random(seed)

    # towns, spread out a little (rejection of near-duplicates)
    spacing = math.sqrt(WIDTH_KM * HEIGHT_KM / nodes)
    pts: list[tuple[float, float]] = []
    while len(pts) < nodes:
        x, y = rng.uniform(0, WIDTH_KM), rng.uniform(0, HEIGHT_KM)
        if all(math.hypot(x - px, y - py) > 0.3 * spacing for px, py in pts) or rng.random() < 0.02:
            pts.append((x, y))
    pos = np.array(pts)
    n_bands = rng.randint(4, 6)
    width = WIDTH_KM / n_bands
    cuts = [width * i + rng.uniform(-0.15, 0.15) * width for i in range(1, n_bands)]
    bumps = [(rng.uniform(0, WIDTH_KM), rng.uniform(0, HEIGHT_KM), rng.uniform(0.5, 1.5),
              rng.uniform(150.0, 400.0)) for _ in range(3)]
    b = _Builder(rng, pos, cuts, bumps)
    dist = np.hypot(pos[:, None, 0] - pos[None, :, 0], pos[:, None, 1] - pos[None, :, 1])

    for t in range(nodes):
        b.add_node(f"T{t:03d}", "city", float(pos[t, 0]), float(pos[t, 1]))
    road_edges = _knn_edges(dist, list(range(nodes)), [rng.randint(2, 3) for _ in range(nodes)])
    n_rail = max(3, round(0.4 * nodes))
    rail_towns = sorted(rng.sample(range(nodes), n_rail))
    rail_node = {t: f"RT{t:03d}" for t in rail_towns}
    for t in rail_towns:
        b.add_node(rail_node[t], "terminal", float(pos[t, 0]), float(pos[t, 1]))
    rail_edges = _knn_edges(dist, rail_towns, [2] * len(rail_towns))

    for i, j in sorted(road_edges):
        x, y = (pos[i] + pos[j]) / 2.0
        factor, cost, speed = _layer_attrs(b, "road", float(x), float(y))
        b.link(f"T{i:03d}", f"T{j:03d}", "road", factor, cost, speed, "open",
               f"road {b.country(float(x))}")
    for i, j in sorted(rail_edges):
        x, y = (pos[i] + pos[j]) / 2.0
        factor, cost, speed = _layer_attrs(b, "rail", float(x), float(y))
        b.link(rail_node[i], rail_node[j], "rail", factor, cost, speed, "open",
               f"rail {b.country(float(x))}")
    for t in rail_towns:
        b.add_segment(f"T{t:03d}", rail_node[t], "transfer",
                      Attributes(0.0, None, 0.0, round(rng.uniform(4.0, 12.0), 1),
                                 round(rng.uniform(2.0, 6.0), 2)), "open", "transfer")
    n_open = len(b.segments)

    # projects
    # kind, effects, capex, country, group
    plan: list[tuple[str, list[Effect], float, str, str]] = []
    groups = 0
    n_border_target = round(0.2 * projects)
    n_link_target = round(0.25 * projects)
    used: set[int] = set()

    borders = [i for i in range(n_open) if b.segments[i].mode == "border"]
    for i in rng.sample(borders, min(len(borders), n_border_target)):
        eff, capex = _modernise(b, i)
        used.add(i)
        x, _ = b.midpoint(i)
        plan.append(("border", eff, capex, b.country(x), ""))

    nn = np.sort(np.where(np.eye(nodes, dtype=bool), np.inf, dist), axis=1)[:, 0]
    linked = set(road_edges)
    pairs = [(i, j) for i in range(nodes) for j in range(nodes) if i != j
             and (min(i, j), max(i, j)) not in linked and 1.5 * nn[i] <= dist[i, j] <= 3.0 * nn[i]]
    rng.shuffle(pairs)
    taken: set[tuple[int, int]] = set()
    links_made = 0
    for i, j in pairs:
        if links_made >= n_link_target:
            break
        if (min(i, j), max(i, j)) in taken:
            continue
        taken.add((min(i, j), max(i, j)))
        group = ""
        if rng.random() < 0.25 and links_made + 2 <= n_link_target:
            # a second alignment from the same town: at most one of the two
            others = [(p, q) for p, q in pairs if p == i and q != j
                      and (min(p, q), max(p, q)) not in taken]
            if others:
                groups += 1
                group = f"G{groups:02d}"
                p, q = others[0]
                taken.add((min(p, q), max(p, q)))
                x, _ = (pos[p] + pos[q]) / 2.0
                eff, capex = _missing_link(b, p, q, rail_node, "missing link")
                plan.append(("link", eff, capex, b.country(float(x)), group))
                links_made += 1
        x, _ = (pos[i] + pos[j]) / 2.0
        eff, capex = _missing_link(b, i, j, rail_node, "missing link")
        plan.append(("link", eff, capex, b.country(float(x)), group))
        links_made += 1

    candidates = [i for i in range(n_open) if b.segments[i].mode in ("road", "rail")]
    rng.shuffle(candidates)
    while len(plan) < projects:
        free = [i for i in candidates if i not in used]
        start = free[0] if free else rng.choice(candidates)  # overlap once all are taken
        chain = _chain(b, start, rng.randint(1, 4), used)
        used.update(chain)
        x, _ = b.midpoint(chain[0])
        group = ""
        if rng.random() < 0.12 and len(plan) + 2 <= projects:
            groups += 1
            group = f"G{groups:02d}"
            eff, capex = _upgrade(b, chain, premium=True)
            plan.append(("premium upgrade", eff, capex, b.country(x), group))
        eff, capex = _upgrade(b, chain, premium=False)
        plan.append(("upgrade", eff, capex, b.country(x), group))

    # project records, in a shuffled order so kinds are mixed
    order = list(range(len(plan)))
    rng.shuffle(order)
    plan = [plan[i] for i in order]
    effects: list[Effect] = []
    seg_of: list[set[str]] = []
    centre: list[tuple[float, float]] = []
    seg_index = {s.segment_id: i for i, s in enumerate(b.segments)}
    for j, (kind, eff, capex, country, group) in enumerate(plan):
        pid = f"P{j:03d}"
        effects += [Effect(pid, e.segment_id, e.attributes) for e in eff]
        seg_of.append({e.segment_id for e in eff})
        mids = [b.midpoint(seg_index[e.segment_id]) for e in eff]
        centre.append((sum(m[0] for m in mids) / len(mids), sum(m[1] for m in mids) / len(mids)))
    requires: list[tuple[str, ...]] = [() for _ in plan]
    n_requires = max(1, projects // 12)
    for j in rng.sample(range(1, len(plan)), min(n_requires, len(plan) - 1)):
        # the nearest earlier project that is not an alternative of j (acyclic)
        options = [q for q in range(j) if not (seg_of[q] & seg_of[j])
                   and not (plan[q][4] and plan[q][4] == plan[j][4])]
        if options:
            q = min(options, key=lambda q: math.dist(centre[q], centre[j]))
            requires[j] = (f"P{q:03d}",)
    project_records = tuple(
        Project(f"P{j:03d}", f"{kind.title()} {j}", round(capex, 1), "candidate", group,
                requires[j], country, kind)
        for j, (kind, _, capex, country, group) in enumerate(plan))

    # flows between distant towns
    diameter = float(dist.max())
    far = [(i, j) for i in range(nodes) for j in range(nodes)
           if i != j and dist[i, j] >= 0.4 * diameter]
    rng.shuffle(far)
    chosen = far[:flows]
    while len(chosen) < flows:  # tiny maps: repeat pairs with another commodity
        chosen.append(far[len(chosen) % len(far)])
    total = sum(p.capex_musd for p in project_records)
    budget = round(budget_share * total, 1)
    params = Parameters(2025, 2035, VALUE_OF_TIME, 1.2)
    draft = [Flow(f"T{i:03d}", f"T{j:03d}", COMMODITIES[k % len(COMMODITIES)],
                  round(max(1.0, rng.lognormvariate(math.log(80.0), 1.0)), 1),
                  round(rng.uniform(0.0, 6.0), 1), round(rng.uniform(0.8, 2.0), 2), None,
                  round(rng.uniform(200.0, 3000.0)))
             for k, (i, j) in enumerate(chosen)]
    base = Instance(params, tuple(b.nodes), tuple(b.segments), (), (), tuple(draft))
    today, _ = flow_costs(build_network(base.nodes, base.segments, ()), base.flows,
                          base.values_of_time, frozenset())
    final = []
    for f, c in zip(draft, today):
        if not math.isfinite(c):
            raise AssertionError(f"flow {f.label} has no route today")
        alt = round(c * rng.uniform(1.0, 1.3), 2) if rng.random() < 0.25 else None
        final.append(Flow(f.origin, f.destination, f.commodity, f.base_volume_kt,
                          f.growth_pct, f.elasticity, alt, f.value_usd_per_t))
    inst = Instance(params, tuple(b.nodes), tuple(b.segments), project_records,
                    tuple(effects), tuple(final))
    check(inst)
    return inst, budget


def check(inst: Instance) -> None:
    """Invariants every generated instance must meet (raises AssertionError)."""
    vot = inst.parameters.value_of_time
    segs = {s.segment_id: s for s in inst.segments}
    assert len(segs) == len(inst.segments), "duplicate segment ids"
    assert len({n.node_id for n in inst.nodes}) == len(inst.nodes), "duplicate node ids"
    for s in inst.segments:
        assert s.attributes.generalized_cost(vot) > 0, s
        assert s.from_node != s.to_node, s
    for e in inst.effects:
        seg = segs[e.segment_id]
        after = e.attributes.generalized_cost(vot)
        assert after > 0, e
        if seg.status == "open":
            before = seg.attributes.generalized_cost(vot)
            assert after <= before * (1 + 1e-12), (e, before, after)
    ids = {p.project_id for p in inst.projects}
    for p in inst.projects:
        assert all(q in ids and q != p.project_id for q in p.requires), p
    builders = {e.segment_id for e in inst.effects}
    assert all(s.segment_id in builders for s in inst.segments if s.status == "planned")
    costs, _ = flow_costs(build_network(inst.nodes, inst.segments, inst.effects), inst.flows,
                          inst.values_of_time, frozenset())
    assert np.all(np.isfinite(costs)) and np.all(costs > 0), "a flow has no route today"


def describe(inst: Instance) -> dict[str, int]:
    """Counts for a table row."""
    modes: dict[str, int] = {}
    for s in inst.segments:
        modes[s.mode] = modes.get(s.mode, 0) + 1
    return {"towns": sum(1 for n in inst.nodes if n.kind == "city"),
            "network_nodes": len(inst.nodes), "segments": len(inst.segments),
            "planned": sum(1 for s in inst.segments if s.status == "planned"),
            "projects": len(inst.projects), "flows": len(inst.flows),
            "groups": len({p.group for p in inst.projects if p.group}),
            "requires": sum(1 for p in inst.projects if p.requires),
            **{f"seg_{m}": c for m, c in sorted(modes.items())}}


if __name__ == "__main__":
    import sys

    args = [int(a) for a in sys.argv[1:5]] if len(sys.argv) >= 5 else [40, 20, 30, 1]
    inst, budget = generate(*args)
    print(describe(inst), "budget", budget)
