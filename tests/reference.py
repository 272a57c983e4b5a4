"""An independent reading of the spec for tests: its own Dijkstra, its own
rules check, and enumeration of every portfolio. Shares no code with model/
beyond the Instance dataclasses, so a bug there cannot hide here."""
from __future__ import annotations

import dataclasses
import heapq
import itertools
import random
from dataclasses import dataclass

from model.config import RunConfig
from model.instance import (Attributes, Effect, Envelope, Flow, Instance, Node, Parameters,
                            Project, Segment, YearCap)


def gc(a: Attributes, vot: float) -> float:
    run = a.length_km / a.speed_kmh if a.length_km > 0 else 0.0
    return a.length_km * a.cost_usd_per_tkm + a.fixed_cost_usd_per_t + vot * (run + a.fixed_time_h)


def flow_vot(inst: Instance, f: Flow) -> float:
    """Spec §3: a flow's own value of time, blank meaning the Parameters one."""
    return inst.parameters.value_of_time if f.value_of_time is None else f.value_of_time


def sp(inst: Instance, applied: set[str], origin: str, destination: str,
       vot: float | None = None, closed: frozenset[str] = frozenset()) -> float:
    """Least cost; ``closed`` segments are not there at all (spec §11)."""
    vot = inst.parameters.value_of_time if vot is None else vot
    adj: dict[str, list[tuple[str, float]]] = {n.node_id: [] for n in inst.nodes}
    for s in inst.segments:
        if s.segment_id in closed:
            continue
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


def volume(inst: Instance, selected: set[str], weighted: bool = False,
           closed: frozenset[str] = frozenset(), today: Instance | None = None) -> float:
    """V(x) of spec §4 with x = selected + committed; ``closed`` segments
    removed; today's cost from ``today`` (a draw's base instance) if given."""
    applied = set(selected) | {p.project_id for p in inst.projects if p.decision == "committed"}
    return year_volume(inst, applied, inst.parameters.horizon_year, weighted, closed, today)


def expected_volume(inst: Instance, selected: set[str], closures: dict[str, float],
                    weighted: bool = False, today: Instance | None = None) -> float:
    """Spec §11: segment s closed a share q_s of the year, independently: the
    volume over every subset of closed segments, weighted by its probability."""
    return sum(p * volume(inst, selected, weighted, closed, today)
               for p, closed in closure_states(closures))


def closure_states(closures: dict[str, float]) -> list[tuple[float, frozenset[str]]]:
    """Every subset of the closed segments with its probability (> 0)."""
    names = sorted(closures)
    out = []
    for bits in itertools.product((0, 1), repeat=len(names)):
        p = 1.0
        for s, b in zip(names, bits):
            p *= closures[s] if b else 1.0 - closures[s]
        if p > 0:
            out.append((p, frozenset(s for s, b in zip(names, bits) if b)))
    return out


def feasible(inst: Instance, selected: set[str], budget: float) -> bool:
    """Spec §4 rules for a set of chosen candidate/must_do projects."""
    by_id = {p.project_id: p for p in inst.projects}
    committed = {p.project_id for p in inst.projects if p.decision == "committed"}
    if any(by_id[p].decision not in ("candidate", "must_do") for p in selected):
        return False
    if any(p.decision == "must_do" and p.project_id not in selected for p in inst.projects):
        return False
    if sum(by_id[p].capex_musd * by_id[p].financed_share for p in selected) > budget + 1e-9:
        return False  # spec §9.1: only the financed share counts
    for env in inst.envelopes:
        total = sum(by_id[p].capex_musd * by_id[p].financed_share for p in selected
                    if (by_id[p].country if env.scope == "country" else by_id[p].group)
                    == env.key)
        if total < env.min_musd - 1e-9 or env.max_musd is not None and total > env.max_musd + 1e-9:
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


# --- programmes over years (spec §9.2) ---------------------------------------------------

def programme_years(inst: Instance) -> list[int]:
    return [y.year for y in inst.years]


def schedule_feasible(inst: Instance, starts: dict[str, int], budget: float) -> bool:
    """Spec §9: a start year per selected project within the programme, yearly
    caps, the budget and envelopes on the financed totals, alternatives,
    requires by open year (a committed prerequisite counts with its open
    year), must_do projects started."""
    years = programme_years(inst)
    first, last = years[0], years[-1]
    by_id = {p.project_id: p for p in inst.projects}
    if not feasible(inst, set(starts), budget):
        return False
    for p, s in starts.items():
        proj = by_id[p]
        earliest = proj.earliest_start if proj.earliest_start is not None else first
        if s not in years or s < earliest or s + proj.duration_years - 1 > last:
            return False
    for y in inst.years:
        paid = sum(by_id[p].capex_musd * by_id[p].financed_share / by_id[p].duration_years
                   for p, s in starts.items() if s <= y.year < s + by_id[p].duration_years)
        if y.cap_musd is not None and paid > y.cap_musd + 1e-9:
            return False

    def opens(q: str) -> int:
        if q in starts:
            return starts[q] + by_id[q].duration_years
        return by_id[q].open_year if by_id[q].open_year is not None else first

    return all(opens(p) >= opens(q) for p in starts for q in by_id[p].requires)


def cumulative(inst: Instance, starts: dict[str, int], weighted: bool = False,
               cache: dict | None = None, closed: frozenset[str] = frozenset()) -> float:
    """W = sum over t = first programme year .. horizon of w_t V_t(X_t), with
    X_t the committed projects open by t and the selected ones with
    start + duration <= t (spec §9.2)."""
    years = programme_years(inst)
    first = years[0]
    params = inst.parameters
    rate = params.discount_rate_pct / 100
    by_id = {p.project_id: p for p in inst.projects}
    cache = {} if cache is None else cache
    total = 0.0
    for t in range(first, params.horizon_year + 1):
        open_now = {p.project_id for p in inst.projects if p.decision == "committed"
                    and (p.open_year if p.open_year is not None else first) <= t}
        open_now |= {p for p, s in starts.items() if s + by_id[p].duration_years <= t}
        key = (frozenset(open_now), t, closed)
        if key not in cache:
            cache[key] = year_volume(inst, open_now, t, weighted, closed)
        total += (1 + rate) ** -(t - first) * cache[key]
    return total


def year_volume(inst: Instance, applied: set[str], year: int, weighted: bool = False,
                closed: frozenset[str] = frozenset(), today: Instance | None = None) -> float:
    """V_t with exactly these projects applied, the ``closed`` segments
    removed, and potentials grown to ``year``; today's cost from ``today`` (a
    draw's base instance) if given."""
    total = 0.0
    for f in inst.flows:
        vot = flow_vot(inst, f)
        c0 = sp(today or inst, set(), f.origin, f.destination, vot)
        c = sp(inst, applied, f.origin, f.destination, vot, closed)
        if f.alt_cost is not None:
            c0, c = min(c0, f.alt_cost), min(c, f.alt_cost)
        grown = f.base_volume_kt * (1 + f.growth_pct / 100) ** (year - inst.parameters.base_year)
        total += grown * (c / c0) ** (-f.elasticity) * (
            (f.value_usd_per_t or 0) / 1000 if weighted else 1.0)
    return total


def expected_cumulative(inst: Instance, starts: dict[str, int], closures: dict[str, float],
                        cache: dict | None = None) -> float:
    """Spec §9.2 W under spec §11 closures: over every subset of closed
    segments, weighted by its probability."""
    cache = {} if cache is None else cache
    return sum(p * cumulative(inst, starts, cache=cache, closed=closed)
               for p, closed in closure_states(closures))


def best_schedule(inst: Instance, budget: float, weighted: bool = False,
                  closures: dict[str, float] | None = None
                  ) -> tuple[float, dict[str, int]] | None:
    """Enumerate every schedule: each candidate or must_do project not
    selected, or started in one programme year (under closures, the
    expected W)."""
    years = programme_years(inst)
    free = [p.project_id for p in inst.projects if p.decision in ("candidate", "must_do")]
    options = [[None] + years for _ in free]
    cache: dict = {}
    best = None
    for combo in itertools.product(*options):
        starts = {p: s for p, s in zip(free, combo) if s is not None}
        if not schedule_feasible(inst, starts, budget):
            continue
        w = cumulative(inst, starts, weighted, cache) if not closures else \
            expected_cumulative(inst, starts, closures, cache)
        if best is None or w > best[0] + 1e-12:
            best = (w, starts)
    return best


def random_programme(seed: int) -> Generated:
    """A random small instance (random_instance) cut to at most 6 selectable
    projects, over a 3-year programme with caps, construction times of 1 to 3
    years, earliest starts, financed shares, a discount rate, sometimes an
    envelope and a committed project opening mid-programme."""
    gen = random_instance(seed)
    rng = random.Random(seed + 104729)
    inst = gen.instance
    keep = [p for p in inst.projects if p.decision != "excluded"][:7]
    keep_ids = {p.project_id for p in keep}
    base = inst.parameters.base_year
    first = base + 1
    years = [first, first + 1, first + 2]
    projects = []
    for p in keep:
        d = rng.choice([1, 1, 2, 3])
        changes = dict(requires=tuple(q for q in p.requires if q in keep_ids),
                       duration_years=d, financed_share=rng.choice([1.0, 1.0, 0.5, 0.8]),
                       country=rng.choice(["A", "B"]))
        if p.decision == "committed":
            changes["open_year"] = rng.choice([None, first + 1, first + 3])
            changes["duration_years"] = 1
        elif rng.random() < 0.3:
            changes["earliest_start"] = rng.choice(years[: 4 - d])
        if p.decision != "committed" and first + d - 1 > years[-1]:
            changes["duration_years"] = 1
        projects.append(dataclasses.replace(p, **changes))
    total = sum(p.capex_musd * p.financed_share for p in projects
                if p.decision in ("candidate", "must_do"))
    caps = tuple(YearCap(y, round(total * rng.uniform(0.15, 0.5), 1)
                         if rng.random() < 0.85 else None) for y in years)
    envelopes = ()
    if rng.random() < 0.4:
        envelopes = (Envelope("country", "A", round(rng.uniform(0, 0.2) * total, 1),
                              round(rng.uniform(0.3, 0.8) * total, 1)),)
    params = dataclasses.replace(inst.parameters, horizon_year=first + rng.choice([3, 4, 6]),
                                 discount_rate_pct=rng.choice([0.0, 0.0, 5.0]))
    effects = tuple(e for e in inst.effects if e.project_id in keep_ids)
    programme = dataclasses.replace(inst, parameters=params, projects=tuple(projects),
                                    effects=effects, years=caps, envelopes=envelopes)
    budget = round(total * rng.uniform(0.3, 0.9), 1)
    return Generated(programme, dataclasses.replace(gen.config, budget_musd=budget,
                                                    mip_gap=1e-6))


# --- scenario draws (spec §11) ----------------------------------------------------------

def apply_draw(inst: Instance, rows, values) -> tuple[Instance, dict[str, float]]:
    """Spec §11 by hand: each Uncertainty row with its drawn value.
    growth_pct adds points, base_volume / elasticity / capex multiply
    (target blank, or the flow's commodity, or the project's id or country),
    border_time multiplies fixed_time_h of border segments as they are and as
    projects leave them, closure_days closes its segment days/365 of the year.
    Returns the draw's instance and its closures {segment: share of the year}."""
    def reaches(target: str, *names: str) -> bool:
        return target == "" or target in names

    flows = []
    for f in inst.flows:
        g, b, e = f.growth_pct, f.base_volume_kt, f.elasticity
        for r, v in zip(rows, values):
            if not reaches(r.target, f.commodity):
                continue
            if r.quantity == "growth_pct":
                g += v
            elif r.quantity == "base_volume":
                b *= v
            elif r.quantity == "elasticity":
                e *= v
        flows.append(dataclasses.replace(f, growth_pct=g, base_volume_kt=b, elasticity=e))
    projects = []
    for p in inst.projects:
        c = p.capex_musd
        for r, v in zip(rows, values):
            if r.quantity == "capex" and reaches(r.target, p.project_id, p.country):
                c *= v
        projects.append(dataclasses.replace(p, capex_musd=c))
    borders = {s.segment_id for s in inst.segments if s.mode == "border"}

    def dwell(segment_id: str, a: Attributes) -> Attributes:
        factor = 1.0
        for r, v in zip(rows, values):
            if r.quantity == "border_time" and segment_id in borders \
                    and reaches(r.target, segment_id):
                factor *= v
        return dataclasses.replace(a, fixed_time_h=a.fixed_time_h * factor)

    segments = tuple(dataclasses.replace(s, attributes=dwell(s.segment_id, s.attributes))
                     for s in inst.segments)
    effects = tuple(dataclasses.replace(e, attributes=dwell(e.segment_id, e.attributes))
                    for e in inst.effects)
    closures = {r.target: v / 365.0 for r, v in zip(rows, values)
                if r.quantity == "closure_days"}
    return (dataclasses.replace(inst, flows=tuple(flows), projects=tuple(projects),
                                segments=segments, effects=effects), closures)


def best_in_draw(inst: Instance, rows, values, budget: float
                 ) -> tuple[float, frozenset[str]] | None:
    """Enumerate every portfolio feasible at the draw's capex: the best
    expected volume in the draw (today's costs from the base instance)."""
    drawn, closures = apply_draw(inst, rows, values)
    free = [p.project_id for p in inst.projects if p.decision in ("candidate", "must_do")]
    best = None
    for r in range(len(free) + 1):
        for combo in itertools.combinations(free, r):
            if feasible(drawn, set(combo), budget):
                v = expected_volume(drawn, set(combo), closures, today=inst)
                if best is None or v > best[0]:
                    best = (v, frozenset(combo))
    return best


def best_robust(inst: Instance, rows, draws, budget: float
                ) -> tuple[float, frozenset[str]] | None:
    """Enumerate every portfolio feasible at the base capex: the best mean
    over the draws of the expected volume (the sample-average problem)."""
    drawn = [apply_draw(inst, rows, values) for values in draws]
    free = [p.project_id for p in inst.projects if p.decision in ("candidate", "must_do")]
    best = None
    for r in range(len(free) + 1):
        for combo in itertools.combinations(free, r):
            if feasible(inst, set(combo), budget):
                v = sum(expected_volume(d, set(combo), c, today=inst)
                        for d, c in drawn) / len(drawn)
                if best is None or v > best[0]:
                    best = (v, frozenset(combo))
    return best
