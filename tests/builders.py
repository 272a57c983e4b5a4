"""Small hand-made instances, built directly as dataclasses."""
from __future__ import annotations

from model.config import RunConfig
from model.instance import Attributes, Effect, Flow, Instance, Node, Parameters, Project, Segment
from model.sequencer import Outcome, optimise

VOT = 1.0


def road(length: float, speed: float = 50, cost: float = 0.1, fixed_h: float = 0,
         fixed_usd: float = 0) -> Attributes:
    """With VOT = 1: gc = length*cost + fixed_usd + length/speed + fixed_h."""
    return Attributes(length, speed, cost, fixed_h, fixed_usd)


def seg(sid: str, a: str, b: str, attrs: Attributes, status: str = "open") -> Segment:
    return Segment(sid, a, b, "road", attrs, status, "test corridor")


def proj(pid: str, capex: float, decision: str = "candidate", group: str = "",
         requires: tuple[str, ...] = ()) -> Project:
    return Project(pid, f"Project {pid}", capex, decision, group, requires)


def flow(o: str, d: str, volume: float, elasticity: float = 1.0, alt: float | None = None,
         growth: float = 0.0, value: float | None = None, vot: float | None = None,
         commodity: str = "") -> Flow:
    return Flow(o, d, commodity, volume, growth, elasticity, alt, value, vot)


def instance(segments, projects, effects, flows, *, horizon: int = 2025,
             objective: str = "volume") -> Instance:
    nodes = sorted({s.from_node for s in segments} | {s.to_node for s in segments}
                   | {f.origin for f in flows} | {f.destination for f in flows})
    params = Parameters(2025, horizon, VOT, 1.0, objective=objective)
    return Instance(params, tuple(Node(n, f"Town {n}") for n in nodes), tuple(segments),
                    tuple(projects), tuple(Effect(p, s, a) for p, s, a in effects), tuple(flows))


def settings(budget: float, formulation: str = "paths", **changes: float) -> RunConfig:
    """The tests' run settings: a tight gap, a minute, the default curve tolerance."""
    return RunConfig(budget, time_limit_s=60, mip_gap=1e-6, pwl_tolerance=0.002,
                     formulation=formulation).with_overrides(**changes)


def solve(inst: Instance, budget: float, formulation: str = "paths",
          **changes: float) -> Outcome:
    return optimise(inst, settings(budget, formulation, **changes))
