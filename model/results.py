"""Stage 6b: the figures of a run, as plain tables the report writes.

Everything here is computed from exact evaluations (evaluate.py); the
solver's linearised objective appears only as the bound and the gap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .evaluate import Evaluation, evaluate
from .instance import Problem
from .preprocess import Prepared, required_closure, segment_projects
from .solve import Solution


@dataclass(frozen=True)
class RunInfo:
    input_file: str
    input_sha256: str
    run_at: str
    command: str
    budget_source: str  # "--budget" or "Parameters sheet"
    timings: dict[str, float]


@dataclass(frozen=True)
class Results:
    """What a run found: portfolio, exact evaluations and the solver's certificate."""

    prep: Prepared
    budget: float
    solution: Solution
    selected: frozenset[str]  # the solver's portfolio less zero-gain projects
    today: Evaluation
    do_nothing: Evaluation
    optimised: Evaluation
    info: RunInfo
    warnings: tuple[Problem, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def spent(self) -> float:
        return sum(self.prep.instance.project(p).capex_musd for p in self.selected)

    @property
    def trade_today_kt(self) -> float:
        return sum(f.base_volume_kt for f in self.prep.instance.flows)

    @property
    def gain_kt(self) -> float:
        return self.optimised.volume_kt - self.do_nothing.volume_kt

    @property
    def gain_gap(self) -> float | None:
        """Share of the achievable gain (in the objective's unit) the proven
        bound still allows beyond the returned portfolio."""
        bound = self.solution.bound
        if bound is None:
            return None
        gain = self.optimised.objective - self.do_nothing.objective
        missing = max(0.0, bound - self.optimised.objective)
        if gain <= 1e-12:
            return 0.0 if missing <= 1e-9 * max(1.0, abs(bound)) else math.inf
        return missing / gain

    def marginal_gain(self, project_id: str) -> float:
        """Exact volume lost (kt/yr) if the project, and every selected project
        that requires it, were dropped."""
        dropped = {project_id} | {q for q in self.selected
                                  if project_id in required_closure(self.prep.instance, q)}
        return self.optimised.volume_kt - evaluate(self.prep, self.selected - dropped).volume_kt


def node_name(prep: Prepared, node_index: int) -> str:
    return prep.instance.nodes[node_index].name


def route_text(prep: Prepared, ev: Evaluation, k: int) -> str:
    flow = prep.instance.flows[k]
    states = ev.route(prep, k)
    if not states:
        return "outside the modelled network (alt_cost)"
    index = prep.network.index
    nodes = [index[flow.origin]]
    for s in states:
        a, b = prep.network.ends[s.segment]
        nodes.append(b if nodes[-1] == a else a)
    return " - ".join(node_name(prep, n) for n in nodes)


def route_corridors(prep: Prepared, ev: Evaluation, k: int) -> str:
    """The corridor labels a route passes, in order, without repeats."""
    labels: list[str] = []
    for s in ev.route(prep, k):
        label = prep.instance.segments[s.segment].corridor
        if label and (not labels or labels[-1] != label):
            labels.append(label)
    return " > ".join(labels) if labels else (
        "outside the network" if not ev.route(prep, k) else "")


def segment_volumes(prep: Prepared, ev: Evaluation) -> list[float]:
    """kt/yr on each segment (both directions) under an evaluation's routes."""
    vols = [0.0] * len(prep.instance.segments)
    for k in range(len(prep.instance.flows)):
        for s in ev.route(prep, k):
            vols[s.segment] += float(ev.volumes[k])
    return vols


def summary_rows(r: Results) -> list[tuple[str, Any, str]]:
    """(item, value, note) rows of the Summary sheet, spec §6 items first."""
    inst = r.prep.instance
    sol = r.solution
    value_mode = inst.parameters.objective == "value"
    unit = "USD million/yr" if value_mode else "kt/yr"
    rows: list[tuple[str, Any, str]] = [
        ("budget_musd", r.budget, f"USD million ({r.info.budget_source})"),
        ("spent_musd", r.spent, "capex of selected candidate and must_do projects"),
        ("projects_selected", len(r.selected), "; ".join(sorted(r.selected)) or "none"),
        ("trade_today_kt", r.trade_today_kt, "sum of base_volume_kt (base year)"),
        ("trade_do_nothing_kt", r.do_nothing.volume_kt,
         f"horizon year {inst.parameters.horizon_year}, committed projects only"),
        ("trade_optimised_kt", r.optimised.volume_kt,
         "horizon year, returned portfolio, exact (shortest paths)"),
        ("gain_kt", r.gain_kt, "optimised minus do-nothing"),
        ("solver_status", sol.status, sol.message),
        ("objective_bound", sol.bound, f"{unit}; proven upper bound on the linearised"
                                       " objective (>= the exact optimum)"),
        ("mip_gap", sol.mip_gap, "solver's relative gap on the whole objective"),
        ("gain_gap", r.gain_gap, "(objective_bound - optimised) / (optimised - do-nothing):"
                                 " share of the achievable gain that may still be missing"),
        ("build_s", r.info.timings.get("build", 0.0), "s: preprocessing and model build"),
        ("solve_s", r.info.timings.get("solve", 0.0), "s: HiGHS"),
        ("total_s", r.info.timings.get("total", 0.0), "s: whole run up to the report"),
        ("input_file", r.info.input_file, ""),
        ("input_sha256", r.info.input_sha256, ""),
        ("run_at", r.info.run_at, "local time"),
        ("objective", inst.parameters.objective, unit),
    ]
    if value_mode:
        rows += [
            ("trade_value_do_nothing_musd", r.do_nothing.objective, "USD million/yr"),
            ("trade_value_optimised_musd", r.optimised.objective, "USD million/yr"),
        ]
    rows += [
        ("solver_objective", sol.objective, f"{unit}; the solver's linearised value of the"
                                            " returned portfolio"),
        ("pwl_tolerance", inst.parameters.pwl_tolerance, "max relative error of the volume curve"),
        ("horizon_year", inst.parameters.horizon_year, ""),
        ("base_year", inst.parameters.base_year, ""),
        ("warnings", len(r.warnings), "see the Warnings sheet"),
    ]
    return rows


def project_rows(r: Results) -> list[dict[str, Any]]:
    rows = []
    for p in r.prep.instance.projects:
        selected = p.project_id in r.selected
        gain = r.marginal_gain(p.project_id) if selected else None
        rows.append({
            "project_id": p.project_id, "name": p.name, "capex_musd": p.capex_musd,
            "decision": p.decision,
            "selected": "yes" if selected else ("committed" if p.decision == "committed"
                                                else "no"),
            "marginal_gain_kt": gain,
            "gain_per_musd": gain / p.capex_musd if gain is not None and p.capex_musd > 0
            else None,
            "group": p.group, "requires": ";".join(p.requires), "country": p.country,
            "reason": r.extra.get("reasons", {}).get(p.project_id, ""),
        })
    return rows


def trade_rows(r: Results) -> list[dict[str, Any]]:
    prep = r.prep
    rows = []
    for k, f in enumerate(prep.instance.flows):
        rows.append({
            "origin": f.origin, "destination": f.destination, "commodity": f.commodity,
            "base_volume_kt": f.base_volume_kt,
            "today_cost": float(r.today.costs[k]),
            "do_nothing_cost": float(r.do_nothing.costs[k]),
            "optimised_cost": float(r.optimised.costs[k]),
            "do_nothing_volume_kt": float(r.do_nothing.volumes[k]),
            "optimised_volume_kt": float(r.optimised.volumes[k]),
            "change_pct": 100.0 * (float(r.optimised.volumes[k] / r.do_nothing.volumes[k]) - 1)
            if r.do_nothing.volumes[k] > 0 else None,
            "corridors": route_corridors(prep, r.optimised, k),
            "route": route_text(prep, r.optimised, k),
            "do_nothing_route": route_text(prep, r.do_nothing, k),
        })
    return rows


def segment_rows(r: Results) -> list[dict[str, Any]]:
    prep = r.prep
    vot = prep.instance.parameters.value_of_time
    after = segment_volumes(prep, r.optimised)
    before = segment_volumes(prep, r.do_nothing)
    changers = segment_projects(prep.instance)
    rows = []
    for i, s in enumerate(prep.instance.segments):
        applied = [p for p in changers.get(s.segment_id, []) if p in r.optimised.applied]
        rows.append({
            "segment_id": s.segment_id,
            "from": node_name(prep, prep.network.index[s.from_node]),
            "to": node_name(prep, prep.network.index[s.to_node]),
            "mode": s.mode, "corridor": s.corridor, "status": s.status,
            "length_km": s.attributes.length_km,
            "gc_today": s.attributes.generalized_cost(vot) if s.status == "open" else None,
            "do_nothing_volume_kt": before[i],
            "optimised_volume_kt": after[i],
            "project": ";".join(applied),
            "candidate_projects": ";".join(p for p in changers.get(s.segment_id, [])
                                           if p not in applied),
        })
    return rows
