"""An independent reading of the spec for tests: its own Dijkstra, its own
rules check, and enumeration of every portfolio. Shares no code with model/
beyond the Instance dataclasses, so a bug there cannot hide here."""
from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass

from model.config import RunConfig
from model.instance import (Attributes, Effect, Flow, Instance, Node, Parameters, Project,
                            Segment)


def gc(a: Attributes, vot: float) -> float:
    run = a.length_km / a.speed_kmh if a.length_km > 0 else 0.0
    return a.length_km * a.cost_usd_per_tkm + a.fixed_cost_usd_per_t + vot * (run + a.fixed_time_h)


def flow_vot(inst: Instance, f: Flow) -> float:
    """Spec §3: a flow's own value of time, blank meaning the Parameters one."""
    return inst.parameters.value_of_time if f.value_of_time is None else f.value_of_time


def sp(inst: Instance, applied: set[str], origin: str, destination: str,
       vot: float | None = None) -> float:
    vot = inst.parameters.value_of_time if vot is None else vot
    adj: dict[str, list[tuple[str, float]]] = {n.node_id: [] for n in inst.nodes}
    for s in inst.segments:
        costs = [gc(s.attributes, vot)] if s.status == "open" else []
        costs += [gc(e.attributes, vot) for e in inst.effects
                  if e.segment_id == s.segment_id and e.project_id in applied]
        if costs:
            c = min(costs)
            adj[s.from_node].append((s.to_node, c))
            adj[s.to_node].append((s.from_node, c))
    dist = {origin: 0.0}
    heap = [(0.0, origin)]
    while heap:
        d, n = heapq.heappop(heap)
        if n == destination:
            return d
        if d > dist.get(n, float("inf")):
            continue
        for m, c in adj[n]:
            if d + c < dist.get(m, float("inf")):
                dist[m] = d + c
                heapq.heappush(heap, (d + c, m))
    return float("inf")


def volume(inst: Instance, selected: set[str], weighted: bool = False) -> float:
    """V(x) of spec §4 with x = selected + committed."""
    applied = set(selected) | {p.project_id for p in inst.projects if p.decision == "committed"}
    years = inst.parameters.horizon_year - inst.parameters.base_year
    total = 0.0
    for f in inst.flows:
        vot = flow_vot(inst, f)
        c0 = sp(inst, set(), f.origin, f.destination, vot)
        c = sp(inst, applied, f.origin, f.destination, vot)
        if f.alt_cost is not None:
            c0, c = min(c0, f.alt_cost), min(c, f.alt_cost)
        v = f.base_volume_kt * (1 + f.growth_pct / 100) ** years * (c / c0) ** (-f.elasticity)
        total += v * ((f.value_usd_per_t or 0) / 1000 if weighted else 1.0)
    return total


def feasible(inst: Instance, selected: set[str], budget: float) -> bool:
    """Spec §4 rules for a set of chosen candidate/must_do projects."""
    by_id = {p.project_id: p for p in inst.projects}
    committed = {p.project_id for p in inst.projects if p.decision == "committed"}
    if any(by_id[p].decision not in ("candidate", "must_do") for p in selected):
        return False
    if any(p.decision == "must_do" and p.project_id not in selected for p in inst.projects):
        return False
    if sum(by_id[p].capex_musd for p in selected) > budget + 1e-9:
        return False
    chosen = selected | committed
    groups: dict[str, int] = {}
    for p in chosen:
        g = by_id[p].group
        if g:
            groups[g] = groups.get(g, 0) + 1
    if any(n > 1 for n in groups.values()):
        return False
    for seg in {e.segment_id for e in inst.effects}:
        users = {e.project_id for e in inst.effects if e.segment_id == seg} & chosen
        if len(users) > 1:
            return False
    return all(q in chosen for p in selected for q in by_id[p].requires)


def best_portfolio(inst: Instance, budget: float, weighted: bool = False
                   ) -> tuple[float, frozenset[str]] | None:
    """Enumerate every subset of candidate and must_do projects."""
    free = [p.project_id for p in inst.projects if p.decision in ("candidate", "must_do")]
    best = None
    for r in range(len(free) + 1):
        for combo in itertools.combinations(free, r):
            s = set(combo)
            if feasible(inst, s, budget):
                v = volume(inst, s, weighted)
                if best is None or v > best[0]:
                    best = (v, frozenset(s))
    return best


@dataclass(frozen=True)
class Generated:
    instance: Instance
    config: RunConfig

    @property
    def budget(self) -> float:
        return self.config.budget_musd


def random_instance(seed: int, *, own_time_values: bool = False) -> Generated:
    """8-12 nodes, 8-10 projects, 5-8 flows, with groups, requires, planned
    links, committed / must_do / excluded projects and alternative costs.
    ``own_time_values`` gives most flows a value of time of their own (0.1 to
    8 USD/t-h, drawn apart so the instance is otherwise the same)."""
    rng = random.Random(seed)
    vot_rng = random.Random(seed + 7919)
    n = rng.randint(8, 12)
    names = [f"N{i:02d}" for i in range(n)]
    pos = {v: (rng.uniform(0, 1000), rng.uniform(0, 1000)) for v in names}
    vot = rng.choice([0.5, 1.0, 2.0])

    def attrs(a: str, b: str, mode: str, quality: float = 1.0) -> Attributes:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        length = round(((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 * rng.uniform(1.1, 1.4), 1)
        return Attributes(length, round(rng.uniform(30, 70) * quality, 1),
                          round(rng.uniform(0.03, 0.1) / quality, 4),
                          round(rng.uniform(0, 10), 1), round(rng.uniform(0, 15), 1))

    edges: list[tuple[str, str]] = []
    for i in range(1, n):  # random tree keeps the network connected
        edges.append((names[rng.randrange(i)], names[i]))
    while len(edges) < n + rng.randint(2, 5):
        a, b = rng.sample(names, 2)
        if (a, b) not in edges and (b, a) not in edges:
            edges.append((a, b))
    segments = [Segment(f"S{i:02d}", a, b, rng.choice(["road", "rail"]), attrs(a, b, "road"))
                for i, (a, b) in enumerate(edges)]
    planned = []
    for j in range(rng.randint(1, 2)):
        a, b = rng.sample(names, 2)
        planned.append(Segment(f"M{j}", a, b, "rail", attrs(a, b, "rail", 1.5), "planned"))
    segments += planned

    n_proj = rng.randint(8, 10)
    projects, effects = [], []
    for j in range(n_proj):
        pid = f"P{j:02d}"
        if j < len(planned):
            targets = [planned[j]]
        else:
            targets = rng.sample(segments[: len(edges)], rng.choice([1, 1, 2]))
        for s in targets:
            a = s.attributes
            if s.status == "planned":
                new = a
            else:
                f = rng.uniform(1.2, 2.5)
                new = Attributes(a.length_km * rng.choice([1.0, 1.0, 0.85]),
                                 (a.speed_kmh or 50) * f, a.cost_usd_per_tkm / rng.uniform(1, 1.6),
                                 a.fixed_time_h * rng.uniform(0.2, 1.0),
                                 a.fixed_cost_usd_per_t * rng.uniform(0.3, 1.0))
            effects.append(Effect(pid, s.segment_id, new))
        projects.append([pid, round(rng.uniform(10, 120)), "candidate", "", ()])
    for p in rng.sample(projects, 2):
        p[3] = "G1"
    if rng.random() < 0.6:
        p, q = rng.sample(range(n_proj), 2)
        projects[max(p, q)][4] = (projects[min(p, q)][0],)
    roll = rng.random()
    special = rng.sample(range(n_proj), 2)
    if roll < 0.3:
        projects[special[0]][2] = "committed"
    if rng.random() < 0.25:
        projects[special[1]][2] = "must_do"
    if rng.random() < 0.2:
        projects[rng.randrange(n_proj)][2] = "excluded"
    projects_t = tuple(Project(pid, f"Project {pid}", cap, dec, grp, req)
                       for pid, cap, dec, grp, req in projects)

    flows = []
    for _ in range(rng.randint(5, 8)):
        a, b = rng.sample(names, 2)
        flows.append((a, b, round(rng.uniform(5, 200), 1), round(rng.uniform(-1, 6), 1),
                      round(rng.uniform(0.5, 2.5), 2), round(rng.uniform(200, 3000))))
    params = Parameters(2025, rng.choice([2025, 2030, 2035]), vot, 1.0)
    nodes = tuple(Node(v, f"Node {v}", lat=pos[v][1] / 100, lon=pos[v][0] / 100) for v in names)
    base = Instance(params, nodes, tuple(segments), projects_t, tuple(effects), ())
    flow_objs = []
    for a, b, vol, g, e, val in flows:
        own = None
        if own_time_values and vot_rng.random() < 0.8:
            own = round(vot_rng.choice([0.1, 0.3, 1.0, 3.0, 8.0]) * vot_rng.uniform(0.8, 1.2), 3)
        alt = None
        if rng.random() < 0.3:
            alt = round(sp(base, set(), a, b, own) * rng.uniform(0.7, 1.2), 2)
        flow_objs.append(Flow(a, b, "", vol, g, e, alt, val, own))
    inst = Instance(params, nodes, tuple(segments), projects_t, tuple(effects), tuple(flow_objs))
    total = sum(p.capex_musd for p in projects_t if p.decision in ("candidate", "must_do"))
    budget = round(total * rng.uniform(0.15, 0.6))
    return Generated(inst, RunConfig(budget, time_limit_s=60, mip_gap=1e-4,
                                     pwl_tolerance=0.002))
