"""A compact, deterministic network generator owned by the tests (tests must
not import benchmarks/).

Towns sit on a jittered grid (``rows`` x ``cols``, ~150 km apart) split by
column into three countries; roads join grid neighbours, and a road that
crosses into the next country carries a border post (dwell and fee in its
fixed terms). Projects:

- chain upgrades: 2-3 consecutive east-west roads of a row made faster and
  cheaper (dwell halved); the continuation of a chain further east
  ``requires`` the first one;
- premium variants: a second, dearer upgrade of an existing chain in the same
  group (they share segments too, so they are alternatives twice over);
- missing links: planned diagonal roads, built by a project; two alignments
  of one link compete in a group;
- one committed upgrade, funded elsewhere.

Flows run west to east (and a few back), between towns at least half the
map apart; some have an alternative outside the network at 1.0-1.25 x
today's cost.

    from tests.networks import grid_corridors
    inst, budget = grid_corridors(seed=0)
"""
from __future__ import annotations

import math
import random

from model.instance import (Attributes, Effect, Flow, Instance, Node, Parameters, Project,
                            Segment)
from tests.reference import sp

SPACING_KM = 150.0


def grid_corridors(seed: int = 0, rows: int = 5, cols: int = 8, projects: int = 20,
                   flows: int = 30, budget_share: float = 0.35) -> tuple[Instance, float]:
    """(instance, budget): rows*cols towns, about ``projects`` projects and
    ``flows`` flows, all drawn from random.Random(seed)."""
    rng = random.Random(seed)
    town = {(r, c): f"T{r}{c:02d}" for r in range(rows) for c in range(cols)}
    xy = {rc: (rc[1] * SPACING_KM + rng.uniform(-40, 40), rc[0] * SPACING_KM
               + rng.uniform(-40, 40)) for rc in town}
    country = {rc: "ABC"[min(2, rc[1] * 3 // cols)] for rc in town}

    def km(a, b):
        (x1, y1), (x2, y2) = xy[a], xy[b]
        return math.hypot(x1 - x2, y1 - y2) * rng.uniform(1.05, 1.3)

    def border(a, b):
        return (rng.uniform(12, 48), rng.uniform(10, 35)) if country[a] != country[b] else (0, 0)

    segments: list[Segment] = []
    east: dict[tuple[int, int], int] = {}  # (r, c) -> index of the road to (r, c + 1)
    for (r, c) in sorted(town):
        for dr, dc in ((0, 1), (1, 0)):
            nb = (r + dr, c + dc)
            if nb not in town or (dr and c > 0 and rng.random() < 0.15):
                continue  # a few north-south roads missing (column 0 keeps them all)
            dwell, fee = border((r, c), nb)
            attrs = Attributes(round(km((r, c), nb), 1), round(rng.uniform(30, 60), 1),
                               round(rng.uniform(0.05, 0.12), 4), round(dwell, 1), round(fee, 1))
            if dc:
                east[(r, c)] = len(segments)
            segments.append(Segment(f"R{len(segments):03d}", town[(r, c)], town[nb], "road",
                                    attrs, "open", f"row {r}" if dc else f"column {c}"))

    def upgraded(a: Attributes, gain: float) -> Attributes:
        return Attributes(a.length_km, round(a.speed_kmh * gain, 1),
                          round(a.cost_usd_per_tkm / (0.6 + 0.4 * gain), 4),
                          round(a.fixed_time_h / 2, 1), a.fixed_cost_usd_per_t)

    specs: dict[str, dict] = {}  # project id -> capex, decision, group, requires
    effects: list[Effect] = []

    def add(pid, capex, targets, **rules):
        specs[pid] = dict(capex=round(capex), **rules)
        effects.extend(Effect(pid, segments[i].segment_id, a) for i, a in targets)

    def length(chain):
        return sum(segments[i].attributes.length_km for i in chain)

    used: set[int] = set()
    chains: list[tuple[str, list[int]]] = []
    n_chains = projects - projects // 4 - 3  # the rest: links, premium variants, committed
    for _ in range(500):
        if len(chains) == n_chains:
            break
        r, c, n = rng.randrange(rows), rng.randrange(cols - 1), rng.choice((2, 2, 3))
        chain = [east[(r, c + i)] for i in range(n) if (r, c + i) in east]
        if len(chain) < 2 or used & set(chain):
            continue
        used |= set(chain)
        pid = f"U{len(chains):02d}"
        gain = rng.uniform(1.4, 2.0)
        before = [q for q, ch in chains if segments[ch[-1]].to_node == segments[chain[0]].from_node]
        requires = (before[0],) if before and rng.random() < 0.8 else ()
        add(pid, length(chain) * rng.uniform(0.3, 0.6),
            [(i, upgraded(segments[i].attributes, gain)) for i in chain], requires=requires)
        chains.append((pid, chain))

    for j, (pid, chain) in enumerate(rng.sample(chains, 2)):  # premium variants
        specs[pid]["group"] = f"V{j}"
        gain = rng.uniform(2.2, 2.8)
        add(f"{pid}P", length(chain) * 0.9,
            [(i, upgraded(segments[i].attributes, gain)) for i in chain], group=f"V{j}")

    diagonals = [((r, c), (r + 1, c + d)) for r in range(rows - 1) for c in range(cols)
                 for d in (-1, 1) if (r + 1, c + d) in town]
    for j, (a, b) in enumerate(rng.sample(diagonals, projects - len(specs) - 1)):
        dwell, fee = border(a, b)
        attrs = Attributes(round(km(a, b), 1), round(rng.uniform(60, 90), 1),
                           round(rng.uniform(0.03, 0.06), 4), round(dwell / 3, 1), round(fee, 1))
        segments.append(Segment(f"N{j:02d}", town[a], town[b], "road", attrs, "planned",
                                "new link"))
        add(f"L{j:02d}", attrs.length_km * rng.uniform(0.6, 1.0), [(len(segments) - 1, attrs)],
            group="LINK" if j < 2 else "")

    i = rng.choice([i for i in east.values() if i not in used])
    add("C00", 0.5 * segments[i].attributes.length_km,
        [(i, upgraded(segments[i].attributes, 1.5))], decision="committed")
    plist = [Project(pid, f"Project {pid}", spec.pop("capex"), **spec)
             for pid, spec in specs.items()]

    west = [rc for rc in town if rc[1] < cols // 3]
    far_east = [rc for rc in town if rc[1] >= cols - cols // 3]
    params = Parameters(2025, 2035, 1.0, 1.2)
    nodes = tuple(Node(town[rc], f"Town {town[rc]}", country[rc], "city",
                       lat=round(xy[rc][1] / 111, 4), lon=round(xy[rc][0] / 111, 4))
                  for rc in sorted(town))
    base = Instance(params, nodes, tuple(segments), tuple(plist), tuple(effects), ())
    flist = []
    pairs = rng.sample([(a, b) for a in west for b in far_east], flows)  # distinct pairs
    for k, (a, b) in enumerate(pairs):
        if k % 5 == 4:
            a, b = b, a
        alt = None
        if rng.random() < 0.2:
            alt = round(sp(base, set(), town[a], town[b]) * rng.uniform(1.0, 1.25), 2)
        flist.append(Flow(town[a], town[b], "", round(rng.lognormvariate(3.5, 0.8), 1),
                          round(rng.uniform(0, 5), 1), round(rng.uniform(0.8, 2.0), 2), alt,
                          None))
    inst = Instance(params, nodes, tuple(segments), tuple(plist), tuple(effects), tuple(flist))
    total = sum(p.capex_musd for p in plist if p.decision == "candidate")
    return inst, round(total * budget_share)
