"""Scenario draws (spec §11): sample every Uncertainty row once per draw, and
apply a draw to a copy of the prepared network and demand.

- Sampling. Draw i takes its values from ``SeedSequence(seed, spawn_key=(i,))``,
  which is ``SeedSequence(seed).spawn(n)[i]``: a draw depends on the seed and
  its number only, never on which process computes it, how many workers
  there are, or how many draws were asked for.
- Applying. Demand quantities (growth_pct, base_volume, elasticity) swap the
  demand (``Prepared.with_demand``) and keep every shortest path; capex
  gives the problem's capex overrides; border_time changes the network, so
  the draw is prepared again; closure_days make the objective the
  expectation over closure states (``preprocess.with_closures``). Today's
  cost C0 stays the base instance's in every draw: today's volumes were
  observed at today's costs.
- Rows that reach the same item compose: multipliers multiply, growth
  points add.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Sequence, TypeVar

import numpy as np

from .demand import demand_of
from .instance import DAYS_A_YEAR, Effect, Flow, Instance, Quantity, Segment, Uncertain
from .preprocess import Prepared, prepare, with_closures

S = TypeVar("S", Segment, Effect)


@dataclass(frozen=True)
class Draw:
    index: int  # 0-based; the report numbers draws from 1
    values: tuple[float, ...]  # one per Uncertainty row, in the sheet's order


def sample(rows: Sequence[Uncertain], seed: int, count: int) -> tuple[Draw, ...]:
    """``count`` draws, each sampling every row once (triangular)."""
    return tuple(draw(rows, seed, i) for i in range(count))


def draw(rows: Sequence[Uncertain], seed: int, index: int) -> Draw:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    return Draw(index, tuple(float(rng.triangular(r.low, r.mode, r.high)) if r.high > r.low
                             else r.low for r in rows))


@dataclass(frozen=True)
class Scenario:
    """One draw applied: its prepared network(s) and demand, and the financed
    capex of each decision project at the draw's prices."""

    draw: Draw
    prep: Prepared
    capex: dict[str, float]


def apply(base: Prepared, rows: Sequence[Uncertain], drawn: Draw) -> Scenario:
    """The draw's copy of the base prepared network (the base is not changed)."""
    inst = base.instance
    by = list(zip(rows, drawn.values))
    flows = tuple(_flow(f, by) for f in inst.flows)
    time = {s.segment_id: _product(v for r, v in by if r.quantity is Quantity.BORDER_TIME
                                   and (r.target or s.segment_id) == s.segment_id)
            for s in inst.segments if s.mode == "border"}
    closures = [(r.target, v / DAYS_A_YEAR) for r, v in by if r.quantity is Quantity.CLOSURE]
    prep = base
    if any(m != 1.0 for m in time.values()):
        changed = dataclasses.replace(inst, flows=flows,
                                      segments=tuple(_slower(s, time) for s in inst.segments),
                                      effects=tuple(_slower(e, time) for e in inst.effects))
        prep = prepare(changed, today=base.c0)
    elif flows != inst.flows:
        prep = base.with_demand(demand_of(dataclasses.replace(inst, flows=flows),
                                          base.timeline))
    capex = {p.project_id: p.financed_musd * _capex(inst, p.project_id, by)
             for p in inst.projects if p.decision.selectable}
    return Scenario(drawn, with_closures(prep, closures), capex)


def _product(values: Iterable[float]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


def _flow(f: Flow, by: list[tuple[Uncertain, float]]) -> Flow:
    """A flow under the draw's demand rows (a blank target reaches every flow)."""
    mine = [(r.quantity, v) for r, v in by if not r.target or r.target == f.commodity]
    return dataclasses.replace(
        f, growth_pct=f.growth_pct + sum(v for q, v in mine if q is Quantity.GROWTH),
        base_volume_kt=f.base_volume_kt * _product(v for q, v in mine
                                                   if q is Quantity.BASE_VOLUME),
        elasticity=f.elasticity * _product(v for q, v in mine if q is Quantity.ELASTICITY))


def _capex(inst: Instance, p: str, by: list[tuple[Uncertain, float]]) -> float:
    """The product of the capex rows that reach a project: blank, its id or its country."""
    country = inst.project(p).country
    return _product(v for r, v in by if r.quantity is Quantity.CAPEX
                    and r.target in ("", p, country))


def _slower(item: S, time: dict[str, float]) -> S:
    """A border segment, or a project's version of it, with its dwell time
    times the draw's factor (a project keeps its share of the dwell time)."""
    factor = time.get(item.segment_id, 1.0)
    if factor == 1.0:
        return item
    a = item.attributes
    return dataclasses.replace(item, attributes=dataclasses.replace(
        a, fixed_time_h=a.fixed_time_h * factor))
