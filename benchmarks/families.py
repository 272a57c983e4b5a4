"""Instance families for issue 11: networks built in different ways, each
stressing a different part of the solvers.

    from benchmarks.families import make
    instance, budget = make("gauge", 120, seed=1)

Every family gives ``towns`` towns, round(2/3 * towns) candidate projects,
``towns`` flows and a budget of 30% of the total candidate capex (also the
instance's budget_musd). Everything is drawn from ``random.Random`` seeded
with the family name, the size and the seed, so an instance depends on
nothing else. This module is independent of ``benchmarks/generator.py``; it
builds ``model.instance.Instance`` objects directly and uses nothing else of
the model (shortest paths here are its own, with scipy).

Families (details in benchmarks/README.md, "Instance families"):

- chains: long upgrade chains through borders, overlapping; staged chains
  that require the chain they extend;
- overlap: corridors with 4-7 alternative or overlapping projects each;
- longhaul: west-to-east flows on a long map; many projects on one route;
- gauge: two rail gauges joined by gauge-change transfers; rail projects
  that require the transfer upgrade;
- fewmany: trunk projects serving many flows, local ones serving one or two;
- knn3: the issue's networks A/B (3 nearest + spanning tree, 35% rail).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree

from model.instance import (Attributes, Effect, Flow, Instance, Node, Parameters, Project,
                            Segment)

FAMILIES = ("chains", "overlap", "longhaul", "gauge", "fewmany", "knn3")
SIZES = (40, 120, 200, 400)
SEEDS = (1, 2, 3)
BUDGET_SHARE = 0.3
VOT = 1.0  # USD per tonne-hour
ROAD_COST = (0.05, 0.15)  # USD per t-km
ROAD_SPEED = (25.0, 55.0)  # km/h
RAIL_COST = (0.03, 0.08)
RAIL_SPEED = (15.0, 50.0)
COMMODITIES = ("general", "grain", "minerals", "textiles", "fuel", "machinery")


def sizes(towns: int) -> tuple[int, int]:
    """(projects, flows) for a number of towns."""
    return round(2 * towns / 3), towns


# --- the network builder --------------------------------------------------------------------

@dataclass
class _Plan:
    """A project before it gets its id: effects on segment indices."""

    kind: str
    effects: list[tuple[int, Attributes]]
    capex: float
    country: str
    group: str = ""
    requires: list[int] = field(default_factory=list)  # indices into the plan list

    @property
    def segs(self) -> set[int]:
        return {i for i, _ in self.effects}


class _Net:
    def __init__(self, rng: random.Random, cuts: list[float], borders: bool = True):
        self.rng = rng
        self.cuts = cuts
        self.borders = borders
        self.nodes: list[Node] = []
        self.xy: dict[str, tuple[float, float]] = {}
        self.segments: list[Segment] = []
        self.adj: dict[str, list[int]] = {}
        self.plan: list[_Plan] = []
        self.groups = 0

    # nodes and segments
    def country(self, x: float) -> str:
        return f"C{sum(1 for c in self.cuts if x >= c) + 1}"

    def add_node(self, nid: str, kind: str, x: float, y: float) -> None:
        self.nodes.append(Node(nid, f"{kind.title()} {nid}", self.country(x), kind,
                               lat=round(y / 111.0, 4), lon=round(x / 111.0, 4)))
        self.xy[nid] = (x, y)
        self.adj[nid] = []

    def add_segment(self, a: str, b: str, mode: str, attrs: Attributes, status: str = "open",
                    corridor: str = "") -> int:
        i = len(self.segments)
        prefix = {"road": "R", "rail": "L", "border": "B", "transfer": "T"}[mode]
        sid = f"{prefix}{i:05d}" if status == "open" else f"N{prefix}{i:05d}"
        self.segments.append(Segment(sid, a, b, mode, attrs, status, corridor))
        self.adj[a].append(i)
        self.adj[b].append(i)
        return i

    def link(self, a: str, b: str, mode: str, factor: float, cost: float, speed: float,
             status: str = "open", corridor: str = "", modern: bool = False) -> list[int]:
        """a-b as one segment, or split at each band boundary crossed with a
        zero-length border segment between two border nodes."""
        (xa, ya), (xb, yb) = self.xy[a], self.xy[b]
        lo, hi = sorted((xa, xb))
        crossings = [c for c in self.cuts if lo < c <= hi] if self.borders else []
        if xa > xb:
            crossings.reverse()
        points, pieces = [a], []
        for c in crossings:
            y = ya + (c - xa) / (xb - xa) * (yb - ya)
            n = len(self.nodes)
            near, far = f"X{n:04d}", f"X{n + 1:04d}"
            eps = 1e-6 if xb > xa else -1e-6
            self.add_node(near, "border", c - eps, y)
            self.add_node(far, "border", c + eps, y)
            pieces += [(points[-1], near, mode), (near, far, "border")]
            points.append(far)
        pieces.append((points[-1], b, mode))
        made = []
        for u, v, m in pieces:
            if m == "border":
                rng = self.rng
                dwell = rng.uniform(6.0, 30.0) if modern else rng.uniform(6.0, 60.0)
                fee = rng.uniform(3.0, 15.0) if modern else rng.uniform(5.0, 40.0)
                if mode == "rail":
                    fee *= 0.7
                attrs = Attributes(0.0, None, 0.0, round(dwell, 1), round(fee, 2))
            else:
                (xu, yu), (xv, yv) = self.xy[u], self.xy[v]
                length = max(1.0, math.hypot(xu - xv, yu - yv) * factor)
                attrs = Attributes(round(length, 1), round(speed, 1), round(cost, 4), 0.0, 0.0)
            made.append(self.add_segment(u, v, m, attrs, status, corridor))
        return made

    def open_link(self, a: str, b: str, mode: str, corridor: str = "",
                  cost_range: tuple[float, float] | None = None) -> list[int]:
        rng = self.rng
        if mode == "road":
            cost = rng.uniform(*(cost_range or ROAD_COST))
            speed, factor = rng.uniform(*ROAD_SPEED), rng.uniform(1.15, 1.4)
        else:
            cost = rng.uniform(*(cost_range or RAIL_COST))
            speed, factor = rng.uniform(*RAIL_SPEED), rng.uniform(1.1, 1.3)
        return self.link(a, b, mode, factor, cost, speed, "open", corridor or mode)

    def transfer(self, a: str, b: str, dwell: tuple[float, float],
                 fee: tuple[float, float], corridor: str = "transfer") -> int:
        rng = self.rng
        return self.add_segment(a, b, "transfer",
                                Attributes(0.0, None, 0.0, round(rng.uniform(*dwell), 1),
                                           round(rng.uniform(*fee), 2)), "open", corridor)

    def other(self, i: int, node: str) -> str:
        s = self.segments[i]
        return s.to_node if s.from_node == node else s.from_node

    def midpoint(self, i: int) -> tuple[float, float]:
        s = self.segments[i]
        (xa, ya), (xb, yb) = self.xy[s.from_node], self.xy[s.to_node]
        return (xa + xb) / 2.0, (ya + yb) / 2.0

    def gc(self, i: int) -> float:
        return self.segments[i].attributes.generalized_cost(VOT)

    # shortest paths on today's network (open segments, base states)
    def routes(self, pairs: list[tuple[str, str]]) -> tuple[list[float], list[list[int]]]:
        """Today's least cost and route (segment indices in order) per pair."""
        index = {n.node_id: i for i, n in enumerate(self.nodes)}
        best: dict[tuple[int, int], tuple[float, int]] = {}
        for i, s in enumerate(self.segments):
            if s.status != "open":
                continue
            a, b = index[s.from_node], index[s.to_node]
            w = self.gc(i)
            for key in ((a, b), (b, a)):
                if key not in best or w < best[key][0]:
                    best[key] = (w, i)
        n = len(self.nodes)
        keys = list(best)
        mat = csr_matrix(([best[k][0] for k in keys], ([k[0] for k in keys],
                                                        [k[1] for k in keys])), shape=(n, n))
        origins = sorted({index[o] for o, _ in pairs})
        dist, pred = dijkstra(mat, directed=True, indices=origins, return_predecessors=True)
        row = {o: r for r, o in enumerate(origins)}
        costs, paths = [], []
        for o, d in pairs:
            r, t = row[index[o]], index[d]
            costs.append(float(dist[r, t]))
            path: list[int] = []
            if math.isfinite(dist[r, t]):
                while t != index[o]:
                    p = int(pred[r, t])
                    path.append(best[(p, t)][1])
                    t = p
            paths.append(path[::-1])
        return costs, paths

    # project kinds
    def new_group(self) -> str:
        self.groups += 1
        return f"G{self.groups:03d}"

    def chain(self, start: int, want: int, used: set[int], modes: tuple[str, ...],
              through_borders: bool = False) -> list[int]:
        """Up to ``want`` consecutive open road/rail segments of start's mode
        not in ``used``, grown at either end, preferring to go straight on.
        With through_borders the chain passes border segments (and counts
        them in the list, not in ``want``)."""
        mode = self.segments[start].mode
        chain = [start]
        ends = [self.segments[start].from_node, self.segments[start].to_node]
        count = 1
        while count < want:
            grown = False
            for side in self.rng.sample((0, 1), 2):
                node = ends[side]
                options = [i for i in self.adj[node] if i not in chain and i not in used
                           and self.segments[i].status == "open"
                           and (self.segments[i].mode == mode
                                or (through_borders and self.segments[i].mode == "border"))]
                if not options:
                    continue
                nxt = max(sorted(options), key=lambda i: self._straight(node, ends[1 - side], i)
                          + self.rng.uniform(0.0, 0.6))
                if self.segments[nxt].mode == "border":
                    far = self.other(nxt, node)
                    beyond = [i for i in self.adj[far] if i != nxt and i not in chain
                              and i not in used and self.segments[i].mode == mode
                              and self.segments[i].status == "open"]
                    if not beyond:
                        continue
                    chain.append(nxt)
                    nxt_node = far
                    nxt = beyond[0]
                    node = nxt_node
                ends[side] = self.other(nxt, node)
                chain.append(nxt)
                count += 1
                grown = True
                break
            if not grown:
                break
        return chain

    def _straight(self, node: str, back: str, seg: int) -> float:
        """cos of the angle between (back -> node) and (node -> seg's far end)."""
        (xb, yb), (xn, yn) = self.xy[back], self.xy[node]
        xf, yf = self.xy[self.other(seg, node)]
        u, v = (xn - xb, yn - yb), (xf - xn, yf - yn)
        nu, nv = math.hypot(*u), math.hypot(*v)
        if nu < 1e-9 or nv < 1e-9:
            return 0.0
        return (u[0] * v[0] + u[1] * v[1]) / (nu * nv)

    def upgrade(self, chain: list[int], premium: bool = False,
                border_share: float = 0.5) -> tuple[list[tuple[int, Attributes]], float]:
        """Faster and cheaper per t-km on the chain's road/rail segments (never
        a higher generalized cost); border segments on the chain are
        modernised with probability border_share."""
        rng = self.rng
        gain = rng.uniform(1.6, 2.2) if premium else rng.uniform(1.3, 1.8)
        cut = rng.uniform(0.5, 0.7) if premium else rng.uniform(0.65, 0.9)
        effects, capex = [], 0.0
        for i in chain:
            s = self.segments[i]
            a = s.attributes
            if s.mode in ("border", "transfer"):
                if rng.random() < border_share:
                    eff, c = self.modernise(i)
                    effects += eff
                    capex += c
                continue
            top = 100.0 if s.mode == "road" else 90.0
            unit = rng.uniform(0.6, 1.2) if s.mode == "road" else rng.uniform(1.0, 2.5)
            if premium:
                unit *= rng.uniform(1.6, 2.2)
            speed = round(min(top, max(a.speed_kmh or 0.0, (a.speed_kmh or 0.0) * gain)), 1)
            effects.append((i, Attributes(a.length_km, speed, round(a.cost_usd_per_tkm * cut, 4),
                                          a.fixed_time_h, a.fixed_cost_usd_per_t)))
            capex += a.length_km * unit
        return effects, capex

    def upgrade_or_premium(self, chain: list[int], kinds: tuple[str, str], share: float,
                           room: bool) -> None:
        """The chain's upgrade; with probability ``share`` (when there is
        ``room`` for two projects) a premium one first, the two in a group."""
        group = ""
        if self.rng.random() < share and room:
            group = self.new_group()
            eff, capex = self.upgrade(chain, premium=True)
            self.add(kinds[1], eff, capex, group)
        eff, capex = self.upgrade(chain)
        self.add(kinds[0], eff, capex, group)

    def modernise(self, seg: int, strength: float = 1.0) -> tuple[list[tuple[int, Attributes]],
                                                                  float]:
        """Less dwell and a lower fee on a border or transfer segment."""
        rng = self.rng
        a = self.segments[seg].attributes
        lo, hi = (0.15, 0.5) if strength >= 1.0 else (0.5, 0.75)
        new = Attributes(0.0, None, 0.0, max(0.1, round(a.fixed_time_h * rng.uniform(lo, hi), 1)),
                         round(a.fixed_cost_usd_per_t * rng.uniform(0.4, 0.8), 2))
        capex = rng.uniform(20.0, 150.0) * (1.0 if strength >= 1.0 else 0.5)
        return [(seg, new)], capex

    def missing_link(self, a: str, b: str, mode: str,
                     corridor: str = "missing link") -> tuple[list[tuple[int, Attributes]], float]:
        rng = self.rng
        if mode == "rail":
            cost, speed, unit = rng.uniform(0.025, 0.05), rng.uniform(50.0, 80.0), \
                rng.uniform(2.0, 4.0)
        else:
            cost, speed, unit = rng.uniform(0.04, 0.08), rng.uniform(60.0, 90.0), \
                rng.uniform(1.0, 2.0)
        made = self.link(a, b, mode, rng.uniform(1.05, 1.2), cost, speed, "planned", corridor,
                         modern=True)
        effects, capex = [], 0.0
        for i in made:
            s = self.segments[i]
            effects.append((i, s.attributes))
            capex += rng.uniform(30.0, 100.0) if s.mode == "border" \
                else s.attributes.length_km * unit
        return effects, capex

    def add(self, kind: str, effects: list[tuple[int, Attributes]], capex: float,
            group: str = "", requires: list[int] | None = None) -> int:
        mids = [self.midpoint(i) for i, _ in effects]
        x = sum(m[0] for m in mids) / len(mids)
        self.plan.append(_Plan(kind, effects, max(1.0, capex), self.country(x), group,
                               list(requires or [])))
        return len(self.plan) - 1


# --- geometry helpers -----------------------------------------------------------------------

def _towns(rng: random.Random, n: int, width: float, height: float) -> np.ndarray:
    spacing = math.sqrt(width * height / n)
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        if all(math.hypot(x - px, y - py) > 0.3 * spacing for px, py in pts) \
                or rng.random() < 0.02:
            pts.append((x, y))
    return np.array(pts)


def _distances(pos: np.ndarray) -> np.ndarray:
    return np.hypot(pos[:, None, 0] - pos[None, :, 0], pos[:, None, 1] - pos[None, :, 1])


def _knn_tree(dist: np.ndarray, members: list[int], ks: list[int]) -> list[tuple[int, int]]:
    """Each member joined to its ks[i] nearest other members, plus a minimum
    spanning tree of the members (so the layer is connected); global ids,
    i < j, sorted."""
    sub = dist[np.ix_(members, members)].copy()
    np.fill_diagonal(sub, np.inf)
    edges: set[tuple[int, int]] = set()
    for i in range(len(members)):
        for j in np.argsort(sub[i], kind="stable")[: ks[i]]:
            edges.add((min(i, int(j)), max(i, int(j))))
    full = np.where(np.isfinite(sub), sub, 0.0)
    tree = minimum_spanning_tree(csr_matrix(full)).tocoo()
    for i, j in zip(tree.row.tolist(), tree.col.tolist()):
        edges.add((min(i, j), max(i, j)))
    return sorted((min(members[i], members[j]), max(members[i], members[j])) for i, j in edges)


def _bands(rng: random.Random, width: float, n_bands: int) -> list[float]:
    w = width / n_bands
    return [w * i + rng.uniform(-0.15, 0.15) * w for i in range(1, n_bands)]


def _town(t: int) -> str:
    return f"T{t:03d}"


def _base(rng: random.Random, towns: int, width: float, height: float, n_bands: int,
          rail_share: float, road_k: tuple[int, int] = (2, 3), borders: bool = True,
          road_cost: tuple[float, float] | None = None
          ) -> tuple[_Net, np.ndarray, np.ndarray, dict[int, str]]:
    """Towns, a road layer (k nearest + spanning tree), a rail layer over a
    share of the towns with a transfer segment at each rail town."""
    pos = _towns(rng, towns, width, height)
    net = _Net(rng, _bands(rng, width, n_bands), borders)
    dist = _distances(pos)
    for t in range(towns):
        net.add_node(_town(t), "city", float(pos[t, 0]), float(pos[t, 1]))
    for i, j in _knn_tree(dist, list(range(towns)), [rng.randint(*road_k) for _ in range(towns)]):
        net.open_link(_town(i), _town(j), "road", cost_range=road_cost)
    rail_node: dict[int, str] = {}
    if rail_share > 0:
        rail = sorted(rng.sample(range(towns), max(3, round(rail_share * towns))))
        rail_node = {t: f"RT{t:03d}" for t in rail}
        for t in rail:
            net.add_node(rail_node[t], "terminal", float(pos[t, 0]), float(pos[t, 1]))
        for i, j in _knn_tree(dist, rail, [2] * len(rail)):
            net.open_link(rail_node[i], rail_node[j], "rail")
        for t in rail:
            net.transfer(_town(t), rail_node[t], (4.0, 12.0), (2.0, 6.0))
    return net, pos, dist, rail_node


def _flow_pairs(rng: random.Random, candidates: list[tuple[int, int]], n: int,
                taken: set[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """n distinct (origin, destination) town pairs from candidates (shuffled)."""
    taken = set() if taken is None else taken
    pool = [p for p in candidates if p not in taken and p[0] != p[1]]
    rng.shuffle(pool)
    out = []
    for p in pool:
        if len(out) >= n:
            break
        if p not in taken:
            taken.add(p)
            out.append(p)
    return out


def _finish(net: _Net, pairs: list[tuple[int, int]], volume_scale: list[float] | None = None
            ) -> tuple[Instance, float]:
    """Project records, flows (a quarter with an alternative at 1.0-1.3 x
    today's cost), budget and parameters; then the checks."""
    rng = net.rng
    projects, effects = [], []
    for j, pl in enumerate(net.plan):
        pid = f"P{j:03d}"
        effects += [Effect(pid, net.segments[i].segment_id, a) for i, a in pl.effects]
        projects.append(Project(pid, f"{pl.kind.title()} {j}", round(pl.capex, 1), "candidate",
                                pl.group, tuple(f"P{q:03d}" for q in pl.requires), pl.country,
                                pl.kind))
    total = sum(p.capex_musd for p in projects)
    budget = round(BUDGET_SHARE * total, 1)
    names = [(_town(o), _town(d)) for o, d in pairs]
    today, _ = net.routes(names)
    flows = []
    for k, ((o, d), c) in enumerate(zip(names, today)):
        if not math.isfinite(c):
            raise AssertionError(f"flow {o} -> {d} has no route today")
        base = max(1.0, rng.lognormvariate(math.log(80.0), 1.0))
        if volume_scale is not None:
            base *= volume_scale[k]
        alt = round(c * rng.uniform(1.0, 1.3), 2) if rng.random() < 0.25 else None
        flows.append(Flow(o, d, COMMODITIES[k % len(COMMODITIES)], round(max(1.0, base), 1),
                          round(rng.uniform(0.0, 6.0), 1), round(rng.uniform(0.8, 2.0), 2), alt,
                          round(rng.uniform(200.0, 3000.0))))
    params = Parameters(2025, 2035, VOT, 1.2)
    inst = Instance(params, tuple(net.nodes), tuple(net.segments), tuple(projects),
                    tuple(effects), tuple(flows))
    check(inst)
    return inst, budget


def _usage(net: _Net, pairs: list[tuple[int, int]]) -> dict[int, int]:
    """How many of the pairs' routes today use each segment."""
    _, paths = net.routes([(_town(o), _town(d)) for o, d in pairs])
    use: dict[int, int] = {}
    for path in paths:
        for i in path:
            use[i] = use.get(i, 0) + 1
    return use


def _movable(net: _Net, modes: tuple[str, ...] = ("road", "rail")) -> list[int]:
    return [i for i, s in enumerate(net.segments) if s.mode in modes and s.status == "open"]


# --- the families ---------------------------------------------------------------------------

def _chains(rng: random.Random, towns: int, n_proj: int, n_flows: int) -> tuple[Instance, float]:
    net, pos, dist, _ = _base(rng, towns, 2400.0, 1600.0, rng.randint(4, 6), 0.3)
    pool = _movable(net)
    rng.shuffle(pool)
    used: set[int] = set()
    lengths = (1, 2, 3, 4, 5, 6, 8, 10)
    while len(net.plan) < n_proj:
        r = rng.random()
        if r < 0.25 and net.plan:
            # a stage: extend an earlier chain from one of its ends; requires it
            q = rng.randrange(len(net.plan))
            ends = [i for i in net.plan[q].segs if net.segments[i].mode in ("road", "rail")]
            starts = [i for e in ends for n in (net.segments[e].from_node,
                                                 net.segments[e].to_node)
                      for i in net.adj[n] if i not in used and i in set(pool)]
            if starts:
                chain = net.chain(rng.choice(sorted(starts)), rng.randint(2, 5), used, (),
                                  through_borders=True)
                if not set(chain) & net.plan[q].segs:
                    used.update(chain)
                    eff, capex = net.upgrade(chain)
                    net.add("stage", eff, capex, requires=[q])
                    continue
        overlap = r > 0.7 and used
        free = [i for i in pool if i not in used]
        start = rng.choice(sorted(used & set(pool))) if overlap or not free else free[0]
        chain = net.chain(start, rng.choice(lengths), set() if overlap else used, (),
                          through_borders=True)
        used.update(chain)
        net.upgrade_or_premium(chain, ("chain upgrade", "premium chain"), 0.1,
                               len(net.plan) + 2 <= n_proj)
    diameter = float(dist.max())
    far = [(i, j) for i in range(towns) for j in range(towns)
           if i != j and dist[i, j] >= 0.35 * diameter]
    return _finish(net, _flow_pairs(rng, far, n_flows))


def _overlap(rng: random.Random, towns: int, n_proj: int, n_flows: int) -> tuple[Instance, float]:
    net, pos, dist, _ = _base(rng, towns, 2400.0, 1600.0, rng.randint(4, 6), 0.25)
    spacing = math.sqrt(2400.0 * 1600.0 / towns)
    pairs = [(i, j) for i in range(towns) for j in range(towns)
             if i < j and 3.0 * spacing <= dist[i, j] <= 6.0 * spacing]
    rng.shuffle(pairs)
    _, paths = net.routes([(_town(i), _town(j)) for i, j in pairs[: 4 * n_proj]])
    for (i, j), path in zip(pairs, paths):
        if len(net.plan) >= n_proj:
            break
        links = [s for s in path if net.segments[s].mode in ("road", "rail")]
        if len(links) < 3:
            continue
        left = n_proj - len(net.plan)
        group = net.new_group()
        eff, capex = net.upgrade(path, border_share=0.0)
        net.add("corridor upgrade", eff, capex, group)
        if left >= 2:
            eff, capex = net.upgrade(path, premium=True, border_share=0.0)
            net.add("corridor premium", eff, capex, group)
        for _ in range(rng.randint(1, 2)):  # sections sharing the corridor's segments
            if len(net.plan) >= n_proj:
                break
            a = rng.randrange(len(links) - 1)
            b = rng.randint(a + 1, min(len(links), a + 1 + max(2, len(links) // 2)))
            eff, capex = net.upgrade(links[a:b])
            net.add("section upgrade", eff, capex)
        borders = [s for s in path if net.segments[s].mode == "border"]
        if borders and len(net.plan) + 2 <= n_proj:
            b = rng.choice(borders)
            g = net.new_group()
            eff, capex = net.modernise(b, 0.5)
            net.add("border (basic)", eff, capex, g)
            eff, capex = net.modernise(b, 1.0)
            net.add("border (full)", eff, capex, g)
        if len(net.plan) < n_proj and rng.random() < 0.6:  # a bypass of part of the corridor
            nodes = [_town(i)]
            for s in path:
                nodes.append(net.other(s, nodes[-1]))
            towns_on = [n for n in nodes if n.startswith("T")]
            if len(towns_on) >= 3:
                u = rng.randrange(len(towns_on) - 2)
                v = rng.randint(u + 2, len(towns_on) - 1)
                eff, capex = net.missing_link(towns_on[u], towns_on[v], "road")
                net.add("bypass", eff, capex)
    everything = [(i, j) for i in range(towns) for j in range(towns) if i != j]
    return _finish(net, _flow_pairs(rng, everything, n_flows))


def _longhaul(rng: random.Random, towns: int, n_proj: int, n_flows: int) -> tuple[Instance, float]:
    width = 4800.0
    net, pos, dist, rail_node = _base(rng, towns, width, 1200.0, rng.randint(7, 9), 0.35)
    west = [t for t in range(towns) if pos[t, 0] < 0.18 * width]
    east = [t for t in range(towns) if pos[t, 0] > 0.82 * width]
    cand = [(i, j) for i in west for j in east] + [(j, i) for i in west for j in east]
    pairs = _flow_pairs(rng, cand, n_flows)
    if len(pairs) < n_flows:
        wide = [(i, j) for i in range(towns) for j in range(towns)
                if i != j and abs(pos[i, 0] - pos[j, 0]) > 0.5 * width]
        pairs += _flow_pairs(rng, wide, n_flows - len(pairs), set(pairs))
    use = _usage(net, pairs)
    used_borders = sorted((i for i in use if net.segments[i].mode == "border"),
                          key=lambda i: (-use[i], i))
    for i in used_borders[: round(0.3 * n_proj)]:
        eff, capex = net.modernise(i)
        net.add("border post", eff, capex)
    taken: set[int] = set(used_borders[: round(0.3 * n_proj)])
    links = sorted((i for i in use if net.segments[i].mode in ("road", "rail")),
                   key=lambda i: (-use[i] * rng.uniform(0.5, 1.5), i))
    n_links = round(0.1 * n_proj)
    for i in links:
        if len(net.plan) >= n_proj - n_links:
            break
        if i in taken:
            continue
        chain = net.chain(i, rng.randint(1, 2), taken, ())
        taken.update(chain)
        eff, capex = net.upgrade(chain)
        net.add("upgrade", eff, capex)
    free = [i for i in _movable(net) if i not in taken]
    rng.shuffle(free)
    while len(net.plan) < n_proj - n_links and free:
        chain = net.chain(free.pop(), rng.randint(1, 2), taken, ())
        taken.update(chain)
        eff, capex = net.upgrade(chain)
        net.add("upgrade", eff, capex)
    spacing = math.sqrt(width * 1200.0 / towns)
    far = [(i, j) for i in range(towns) for j in range(towns)
           if i < j and 2.0 * spacing <= dist[i, j] <= 3.5 * spacing
           and abs(pos[i, 0] - pos[j, 0]) > 0.8 * dist[i, j]]
    rng.shuffle(far)
    for i, j in far:
        if len(net.plan) >= n_proj:
            break
        mode = "rail" if i in rail_node and j in rail_node and rng.random() < 0.5 else "road"
        a, b = (rail_node[i], rail_node[j]) if mode == "rail" else (_town(i), _town(j))
        eff, capex = net.missing_link(a, b, mode)
        net.add("missing link", eff, capex)
    return _finish(net, pairs)


def _gauge(rng: random.Random, towns: int, n_proj: int, n_flows: int) -> tuple[Instance, float]:
    """Road over every town (dearer than rail per t-km); rail over 60% of the
    towns in two gauges split at the middle band boundary. The gauges meet
    only at gauge-change stations: a western and an eastern rail node joined
    by a zero-length transfer with a long dwell."""
    width = 2400.0
    pos = _towns(rng, towns, width, 1600.0)
    cuts = _bands(rng, width, 4)
    split = cuts[1]
    net = _Net(rng, cuts, True)
    dist = _distances(pos)
    for t in range(towns):
        net.add_node(_town(t), "city", float(pos[t, 0]), float(pos[t, 1]))
    for i, j in _knn_tree(dist, list(range(towns)), [2] * towns):
        net.open_link(_town(i), _town(j), "road", cost_range=(0.08, 0.18))
    rail = sorted(rng.sample(range(towns), max(6, round(0.6 * towns))))
    sides = {"W": [t for t in rail if pos[t, 0] < split],
             "E": [t for t in rail if pos[t, 0] >= split]}
    rail_node = {t: f"R{'W' if pos[t, 0] < split else 'E'}{t:03d}" for t in rail}
    for t in rail:
        net.add_node(rail_node[t], "terminal", float(pos[t, 0]), float(pos[t, 1]))
        net.transfer(_town(t), rail_node[t], (6.0, 16.0), (3.0, 8.0))
    for side, members in sides.items():
        if len(members) >= 2:
            for i, j in _knn_tree(dist, members, [2] * len(members)):
                net.open_link(rail_node[i], rail_node[j], "rail", corridor=f"rail {side}")
    # gauge-change stations at the eastern rail towns nearest the split
    n_st = max(2, min(6, towns // 25))
    east = sorted(sides["E"], key=lambda t: pos[t, 0])[:n_st]
    stations = []
    for t in east:
        w = min(sides["W"], key=lambda u: dist[u, t])
        gw = f"GW{t:03d}"
        net.add_node(gw, "terminal", float(pos[t, 0]) - 1e-3, float(pos[t, 1]))
        net.open_link(rail_node[w], gw, "rail", corridor="rail W")
        seg = net.transfer(gw, rail_node[t], (36.0, 96.0), (10.0, 25.0), "gauge change")
        stations.append(seg)
    station_plan = {}
    for seg in stations:  # one modernisation per station
        eff, capex = net.modernise(seg)
        eff = [(i, Attributes(0.0, None, 0.0, round(net.segments[i].attributes.fixed_time_h
                                                    * rng.uniform(0.08, 0.2), 1),
                              a.fixed_cost_usd_per_t)) for i, a in eff]
        station_plan[seg] = net.add("gauge station", eff, capex * 1.5)
    used: set[int] = set()
    rail_segs = _movable(net, ("rail",))
    road_segs = _movable(net, ("road",))
    rng.shuffle(rail_segs)
    rng.shuffle(road_segs)

    def nearest_station(i: int) -> int:
        x, y = net.midpoint(i)
        return station_plan[min(stations, key=lambda s: math.dist(net.midpoint(s), (x, y)))]

    spacing = math.sqrt(width * 1600.0 / towns)
    links = [(i, j) for i in rail for j in rail if i < j
             and 1.5 * spacing <= dist[i, j] <= 3.0 * spacing
             and (pos[i, 0] < split) == (pos[j, 0] < split)]
    rng.shuffle(links)
    n_rail = round(0.5 * n_proj)
    while len(net.plan) < n_proj:
        r = rng.random()
        free_rail = [i for i in rail_segs if i not in used]
        if len(net.plan) < n_rail and (free_rail or links):
            if r < 0.2 and links:
                i, j = links.pop()
                eff, capex = net.missing_link(rail_node[i], rail_node[j], "rail")
                req = [nearest_station(eff[0][0])]
                net.add("new rail line", eff, capex, requires=req)
                continue
            if not free_rail:
                links_left = links
                if not links_left:
                    n_rail = 0
                continue
            chain = net.chain(free_rail[0], rng.randint(1, 4), used, ())
            used.update(chain)
            eff, capex = net.upgrade(chain)
            req = [nearest_station(chain[0])] if rng.random() < 0.7 else []
            net.add("rail upgrade", eff, capex, requires=req)
            continue
        free_road = [i for i in road_segs if i not in used]
        if r < 0.25:  # a transfer (road-rail) terminal
            transfers = [i for i, s in enumerate(net.segments) if s.mode == "transfer"
                         and i not in used and i not in stations]
            if transfers:
                i = rng.choice(transfers)
                used.add(i)
                eff, capex = net.modernise(i)
                net.add("intermodal terminal", eff, capex)
                continue
        start = free_road[0] if free_road else rng.choice(road_segs)
        chain = net.chain(start, rng.randint(1, 4), used, (), through_borders=True)
        used.update(chain)
        eff, capex = net.upgrade(chain)
        net.add("road upgrade", eff, capex)
    west_t = [t for t in range(towns) if pos[t, 0] < split]
    east_t = [t for t in range(towns) if pos[t, 0] >= split]
    cross = [(i, j) for i in west_t for j in east_t] + [(j, i) for i in west_t for j in east_t]
    pairs = _flow_pairs(rng, cross, round(0.6 * n_flows))
    everything = [(i, j) for i in range(towns) for j in range(towns) if i != j]
    pairs += _flow_pairs(rng, everything, n_flows - len(pairs), set(pairs))
    return _finish(net, pairs)


def _fewmany(rng: random.Random, towns: int, n_proj: int, n_flows: int) -> tuple[Instance, float]:
    net, pos, dist, rail_node = _base(rng, towns, 2400.0, 1600.0, rng.randint(4, 6), 0.3)
    centre = np.array([1200.0, 800.0])
    inner = sorted(range(towns), key=lambda t: float(np.hypot(*(pos[t] - centre))))
    hubs = rng.sample(inner[: max(6, towns // 5)], 3)
    diameter = float(dist.max())
    hub_pairs = [(h, t) for h in hubs for t in range(towns) if t not in hubs
                 and dist[h, t] >= 0.25 * diameter]
    hub_pairs += [(t, h) for h, t in hub_pairs]
    pairs = _flow_pairs(rng, hub_pairs, round(0.6 * n_flows))
    n_hub = len(pairs)
    scale = [2.0] * n_hub
    others = [(i, j) for i in range(towns) for j in range(towns)
              if i != j and i not in hubs and j not in hubs]
    pairs += _flow_pairs(rng, others, n_flows - len(pairs), set(pairs))
    scale += [0.5] * (len(pairs) - len(scale))
    use = _usage(net, pairs)
    links = [i for i in use if net.segments[i].mode in ("road", "rail")]
    trunk = sorted(links, key=lambda i: (-use[i], i))
    local = sorted((i for i in links if use[i] <= 2), key=lambda i: (use[i], i))
    rng.shuffle(local)
    used: set[int] = set()
    n_trunk = round(0.35 * n_proj)
    for i in trunk:
        if len(net.plan) >= n_trunk:
            break
        if i in used:
            continue
        chain = net.chain(i, rng.randint(1, 3), used, ())
        used.update(chain)
        net.upgrade_or_premium(chain, ("trunk upgrade", "trunk premium"), 0.15,
                               len(net.plan) + 2 <= n_trunk)
    borders = sorted((i for i in use if net.segments[i].mode == "border" and use[i] >= 3),
                     key=lambda i: (-use[i], i))
    for i in borders[: round(0.1 * n_proj)]:
        eff, capex = net.modernise(i)
        net.add("trunk border", eff, capex)
        used.add(i)
    free = [i for i in _movable(net) if i not in used]
    rng.shuffle(free)
    spacing = math.sqrt(2400.0 * 1600.0 / towns)
    while len(net.plan) < n_proj:
        if rng.random() < 0.2:
            ends = [t for p in pairs[n_hub:] for t in p] or list(range(towns))
            a = rng.choice(ends)
            near = [t for t in range(towns) if 1.5 * spacing <= dist[a, t] <= 3.0 * spacing]
            if near:
                eff, capex = net.missing_link(_town(a), _town(rng.choice(near)), "road")
                net.add("local link", eff, capex)
                continue
        starts = [i for i in local if i not in used] or free
        while starts and starts[-1] in used:
            starts.pop()
        if not starts:
            starts = [rng.choice(_movable(net))]
        chain = net.chain(starts[-1], rng.randint(1, 3), used, ())
        used.update(chain)
        eff, capex = net.upgrade(chain)
        net.add("local upgrade", eff, capex)
    return _finish(net, pairs, scale)


def _knn3(rng: random.Random, towns: int, n_proj: int, n_flows: int) -> tuple[Instance, float]:
    """Issue 11's networks A/B: towns joined to their 3 nearest neighbours plus
    a spanning tree, about 35% of the links rail (town to town), upgrades
    along chains of 1-5 consecutive segments, a tenth of the projects missing
    links of 250-600 km, every 17th project an alternative (group) of the one
    before, flows between random towns. No border segments."""
    width, height = 2400.0, 1600.0
    pos = _towns(rng, towns, width, height)
    net = _Net(rng, _bands(rng, width, rng.randint(4, 6)), borders=False)
    dist = _distances(pos)
    for t in range(towns):
        net.add_node(_town(t), "city", float(pos[t, 0]), float(pos[t, 1]))
    edges = _knn_tree(dist, list(range(towns)), [3] * towns)
    for i, j in edges:
        net.open_link(_town(i), _town(j), "rail" if rng.random() < 0.35 else "road")
    linked = set(edges)
    missing = [(i, j) for i in range(towns) for j in range(i + 1, towns)
               if (i, j) not in linked and 250.0 <= dist[i, j] <= 600.0]
    rng.shuffle(missing)
    pool = _movable(net)
    rng.shuffle(pool)
    used: set[int] = set()
    n_links = round(0.1 * n_proj)
    slots = list(range(n_proj))
    link_slots = set(rng.sample(slots, n_links))
    for j in slots:
        if j % 17 == 16 and j - 1 not in link_slots and j not in link_slots:
            prev = net.plan[-1]
            if not prev.group:
                prev.group = net.new_group()
            chain = [i for i, _ in prev.effects]
            eff, capex = net.upgrade(chain, premium=True)
            net.add("premium upgrade", eff, capex, prev.group)
            continue
        if j in link_slots and missing:
            a, b = missing.pop()
            eff, capex = net.missing_link(_town(a), _town(b),
                                          "rail" if rng.random() < 0.35 else "road")
            net.add("missing link", eff, capex)
            continue
        free = [i for i in pool if i not in used]
        start = free[0] if free else rng.choice(pool)
        chain = net.chain(start, rng.randint(1, 5), used, ())
        used.update(chain)
        eff, capex = net.upgrade(chain)
        net.add("upgrade", eff, capex)
    everything = [(i, j) for i in range(towns) for j in range(towns) if i != j]
    return _finish(net, _flow_pairs(rng, everything, n_flows))


_MAKERS = {"chains": _chains, "overlap": _overlap, "longhaul": _longhaul, "gauge": _gauge,
           "fewmany": _fewmany, "knn3": _knn3}


def make(family: str, towns: int, seed: int) -> tuple[Instance, float]:
    """The instance of a family, size and seed, and its budget."""
    if family not in _MAKERS:
        raise ValueError(f"unknown family {family!r}; one of {', '.join(FAMILIES)}")
    if towns < 12:
        raise ValueError("need at least 12 towns")
    rng = random.Random(f"{family}/{towns}/{seed}")
    n_proj, n_flows = sizes(towns)
    return _MAKERS[family](rng, towns, n_proj, n_flows)


# --- checks ---------------------------------------------------------------------------------

def check(inst: Instance) -> None:
    """Invariants every instance must meet (raises AssertionError): unique
    ids, generalized costs > 0, no project raising a cost, every planned
    segment built by some project, requires acyclic and not between
    alternatives, every flow with a route today, distinct flows."""
    vot = inst.parameters.value_of_time
    segs = {s.segment_id: s for s in inst.segments}
    assert len(segs) == len(inst.segments), "duplicate segment ids"
    assert len({n.node_id for n in inst.nodes}) == len(inst.nodes), "duplicate node ids"
    assert len({p.project_id for p in inst.projects}) == len(inst.projects)
    for s in inst.segments:
        assert s.attributes.generalized_cost(vot) > 0, s
        assert s.from_node != s.to_node, s
    seen: set[tuple[str, str]] = set()
    seg_of: dict[str, set[str]] = {}
    for e in inst.effects:
        assert (e.project_id, e.segment_id) not in seen, ("duplicate effect", e)
        seen.add((e.project_id, e.segment_id))
        seg_of.setdefault(e.project_id, set()).add(e.segment_id)
        seg = segs[e.segment_id]
        after = e.attributes.generalized_cost(vot)
        assert after > 0, e
        if seg.status == "open":
            assert after <= seg.attributes.generalized_cost(vot) * (1 + 1e-12), e
    ids = {p.project_id: p for p in inst.projects}
    for p in inst.projects:
        assert p.project_id in seg_of, ("project without effects", p)
        assert p.capex_musd > 0, p
        for q in p.requires:
            assert q in ids and q != p.project_id, p
            assert not seg_of[q] & seg_of[p.project_id], ("requires an overlapping project", p)
            assert not (p.group and p.group == ids[q].group), ("requires an alternative", p)
    order = {p.project_id: i for i, p in enumerate(inst.projects)}
    for p in inst.projects:  # requires point to earlier projects: acyclic
        assert all(order[q] < order[p.project_id] for q in p.requires), p
    builders = {e.segment_id for e in inst.effects}
    assert all(s.segment_id in builders for s in inst.segments if s.status == "planned")
    pairs = [(f.origin, f.destination, f.commodity) for f in inst.flows]
    assert len(set(pairs)) == len(pairs), "duplicate flows"
    index = {n.node_id: i for i, n in enumerate(inst.nodes)}
    rows, cols, w = [], [], []
    for s in inst.segments:
        if s.status == "open":
            a, b = index[s.from_node], index[s.to_node]
            g = s.attributes.generalized_cost(vot)
            rows += [a, b]
            cols += [b, a]
            w += [g, g]
    n = len(inst.nodes)
    mat = csr_matrix((w, (rows, cols)), shape=(n, n))
    origins = sorted({index[f.origin] for f in inst.flows})
    dist = dijkstra(mat, directed=True, indices=origins)
    row = {o: r for r, o in enumerate(origins)}
    for f in inst.flows:
        c = dist[row[index[f.origin]], index[f.destination]]
        assert math.isfinite(c) and c > 0, f"flow {f.label} has no route today"


def describe(inst: Instance) -> dict[str, int]:
    """Counts for a table row."""
    modes: dict[str, int] = {}
    for s in inst.segments:
        modes[s.mode] = modes.get(s.mode, 0) + 1
    per_project: dict[str, int] = {}
    for e in inst.effects:
        per_project[e.project_id] = per_project.get(e.project_id, 0) + 1
    return {"towns": sum(1 for n in inst.nodes if n.kind == "city"),
            "network_nodes": len(inst.nodes), "segments": len(inst.segments),
            "planned": sum(1 for s in inst.segments if s.status == "planned"),
            "projects": len(inst.projects), "flows": len(inst.flows),
            "groups": len({p.group for p in inst.projects if p.group}),
            "requires": sum(1 for p in inst.projects if p.requires),
            "max_effects": max(per_project.values(), default=0),
            **{f"seg_{m}": c for m, c in sorted(modes.items())}}


if __name__ == "__main__":
    import sys

    fams = sys.argv[1].split(",") if len(sys.argv) > 1 else list(FAMILIES)
    towns_list = [int(v) for v in sys.argv[2].split(",")] if len(sys.argv) > 2 else [40]
    seeds = [int(v) for v in sys.argv[3].split(",")] if len(sys.argv) > 3 else [1]
    for fam in fams:
        for towns in towns_list:
            for seed in seeds:
                inst, budget = make(fam, towns, seed)
                print(fam, towns, seed, describe(inst), "budget", budget, flush=True)
