"""Stage 6b: the figures of a run, as plain tables the report writes.

Everything here is computed from exact evaluations (evaluate.py); the
solver's linearised objective appears only as the bound and the gap.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import ensemble_results
from .config import Formulation, RunConfig
from .ensemble import Ensemble
from .evaluate import Evaluation, PlanEvaluation, evaluate_plan, today
from .explain import Explanation
from .highs_util import highs_version
from .instance import Decision, Problem
from .preprocess import Prepared, segment_projects
from .problem import Plan
from .ranking import Ranking
from .sequencer import Alternative, FrontierPoint, Outcome
from .solution import Solution, gain_gap


@dataclass(frozen=True)
class RunInfo:
    input_file: str
    input_sha256: str
    run_at: str
    command: str
    config: RunConfig
    timings: dict[str, float]


@dataclass(frozen=True)
class Results:
    """What a run found: portfolio, exact evaluations and the solver's certificate."""

    outcome: Outcome
    today: Evaluation
    do_nothing: Evaluation  # the horizon year's do-nothing
    optimised: Evaluation  # the horizon year's open set of the returned plan
    plan_eval: PlanEvaluation  # the returned plan over every objective epoch (W)
    nothing_eval: PlanEvaluation  # the do-nothing over every epoch
    explanation: Explanation
    info: RunInfo
    warnings: tuple[Problem, ...] = ()
    frontier: tuple[FrontierPoint, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    ensemble: Ensemble | None = None  # scenario draws (spec §11)

    @property
    def prep(self) -> Prepared:
        return self.outcome.prep

    @property
    def budget(self) -> float:
        return self.outcome.budget

    @property
    def solution(self) -> Solution:
        return self.outcome.solution

    @property
    def selected(self) -> frozenset[str]:
        """The returned portfolio: the solver's less projects that add nothing."""
        return self.outcome.selected

    @property
    def ranking(self) -> Ranking | None:
        return self.outcome.ranking

    @property
    def config(self) -> RunConfig:
        return self.info.config

    @property
    def spent(self) -> float:
        return self.outcome.problem.spent(self.selected)

    @property
    def trade_today_kt(self) -> float:
        return sum(f.base_volume_kt for f in self.prep.instance.flows)

    @property
    def gain_kt(self) -> float:
        return self.optimised.volume_kt - self.do_nothing.volume_kt

    @property
    def plan(self) -> Plan:
        return self.outcome.plan

    @property
    def programme(self) -> bool:
        return self.prep.timeline.programme

    @property
    def gain_gap(self) -> float | None:
        """Share of the achievable gain (in the objective's unit: W in a
        programme) the proven bound still allows beyond the returned plan."""
        return gain_gap(self.solution.bound, self.plan_eval.objective,
                        self.nothing_eval.objective)

    @property
    def ranking_advantage_kt(self) -> float | None:
        return None if self.ranking is None else self.optimised.volume_kt - self.ranking.volume_kt

    @property
    def partner_musd(self) -> float:
        return sum(self.prep.instance.project(p).partner_musd for p in self.selected)

    @property
    def total_capex_musd(self) -> float:
        return sum(self.prep.instance.project(p).capex_musd for p in self.selected)


def collect(outcome: Outcome, explanation: Explanation, info: RunInfo,
            warnings: tuple[Problem, ...] = (), *, frontier: tuple[FrontierPoint, ...] = (),
            alternatives: tuple[Alternative, ...] = (),
            ensemble: Ensemble | None = None) -> Results:
    """The exact evaluations the report's tables are written from."""
    prep = outcome.prep
    plan_eval, nothing_eval = evaluate_plan(prep, outcome.plan), evaluate_plan(prep, Plan())
    return Results(outcome, today(prep), nothing_eval.horizon, plan_eval.horizon, plan_eval,
                   nothing_eval, explanation, info, warnings, frontier, alternatives, ensemble)


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
    states = ev.route(prep, k)
    if not states:
        return "outside the network"
    labels: list[str] = []
    for s in states:
        label = prep.instance.segments[s.segment].corridor
        if label and (not labels or labels[-1] != label):
            labels.append(label)
    return " > ".join(labels)


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
    exact = r.config.formulation is not Formulation.ARC
    unit = "USD million/yr" if value_mode else "kt/yr"
    rows: list[tuple[str, Any, str]] = [
        ("budget_musd", r.budget, f"USD million ({r.config.budget_source})"),
        ("spent_musd", r.spent, "financed capex of the selected candidate and must_do"
                                " projects (capex x financed_share)"),
        ("partner_musd", r.partner_musd, "capex the partners pay (capex - financed)"),
        ("total_capex_musd", r.total_capex_musd, "financed plus partners' capex"),
        ("projects_selected", len(r.selected), "; ".join(sorted(r.selected)) or "none"),
        ("trade_today_kt", r.trade_today_kt, "sum of base_volume_kt (base year)"),
        ("trade_do_nothing_kt", r.do_nothing.volume_kt,
         f"horizon year {inst.parameters.horizon_year}, committed projects only"),
        ("trade_optimised_kt", r.optimised.volume_kt,
         "horizon year, returned portfolio, exact (shortest paths)"),
        ("gain_kt", r.gain_kt, "optimised minus do-nothing"),
        ("solver_status", sol.status, sol.message),
        ("objective_bound", sol.bound, f"{unit}; proven upper bound on the objective (>= the"
                                       " exact optimum)" + ("" if exact else "; on the"
                                                           " linearised objective")),
        ("mip_gap", sol.mip_gap, "solver's relative gap on the whole objective"),
        ("gain_gap", r.gain_gap, "(objective_bound - optimised) / (optimised - do-nothing):"
                                 " share of the achievable gain that may still be missing"
                                 + (" (on the cumulative objective W)" if r.programme else "")),
        *programme_rows(r),
        ("build_s", r.info.timings.get("build", 0.0), "s: preprocessing and model build"),
        ("solve_s", r.info.timings.get("solve", 0.0), "s: the solver"),
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
        ("trade_ranking_kt", r.ranking.volume_kt if r.ranking else None,
         "exact volume of the benefit/cost ranking's portfolio (see Ranking)"),
        ("ranking_spent_musd", _spent(r, r.ranking.selected) if r.ranking else None,
         "USD million"),
        ("optimum_vs_ranking_kt", r.ranking_advantage_kt,
         "how much more trade the optimum moves than the ranking"),
        ("optimum_vs_ranking_pct", _pct(r.ranking_advantage_kt,
                                        r.ranking.volume_kt if r.ranking else None),
         "% of the ranking's volume"),
        ("solver_objective", sol.objective, f"{unit}; the solver's value of its portfolio"
                                            + (" (exact)" if exact else " (linearised)")),
        ("formulation", str(r.config.formulation), "paths: route options, exact volumes;"
                                                   " arc: arc flows, piecewise-linear curve"),
        ("gain_gap_target", r.config.gain_gap, "the solver stops when gain_gap and"
                                               " mip_gap are both within target"),
        ("pwl_tolerance", r.config.pwl_tolerance, "max relative error of the volume curve"
                                                  " (arc formulation only)"),
        *appraisal_rows(r),
        *frontier_summary_rows(r),
        ("horizon_year", inst.parameters.horizon_year, ""),
        ("base_year", inst.parameters.base_year, ""),
        ("warnings", len(r.warnings), "see the Warnings sheet"),
    ]
    if r.ensemble is not None:
        rows += ensemble_results.summary_rows(r.ensemble, r.budget, r.plan)
    return rows


def programme_rows(r: Results) -> list[tuple[str, Any, str]]:
    """Spec §9.2: the cumulative objective W of the schedule, exact."""
    if not r.programme:
        return []
    timeline = r.prep.timeline
    span = f"{timeline.years[0]}-{timeline.years[-1]}"
    rate = r.prep.instance.parameters.discount_rate_pct
    weighted = f", each year weighted (1 + {rate:g}%)^-(t - {timeline.first})" if rate else ""
    unit = "USD million" if r.prep.instance.parameters.objective == "value" else "kt"
    ranking = r.ranking.objective if r.ranking else None
    return [
        ("trade_cumulative_kt", r.plan_eval.objective,
         f"{unit}, W: trade summed over {span}{weighted}, the returned schedule, exact"),
        ("trade_cumulative_do_nothing_kt", r.nothing_eval.objective,
         f"{unit}, W of the do-nothing (committed projects from their open years)"),
        ("gain_cumulative_kt", r.plan_eval.objective - r.nothing_eval.objective,
         "the schedule's W less the do-nothing's"),
        ("trade_cumulative_ranking_kt", ranking,
         "W of the benefit/cost ranking scheduled at the earliest years the caps allow"),
        ("programme_vs_ranking_kt", r.plan_eval.objective - ranking if ranking else None,
         "what the optimum adds to the scheduled ranking"),
        ("programme_years", f"{timeline.first}-{timeline.last}",
         "years in which projects may start (sheet Years)"),
    ]


def appraisal_rows(r: Results) -> list[tuple[str, Any, str]]:
    """Spec §10: what the money buys, on exact volumes, beside the objective."""
    a = r.explanation.appraisal
    params = r.prep.instance.parameters
    years = a.stream.years
    span = f"{years[0]}-{years[-1]}" if years else "none"
    return [
        ("npv_musd", a.npv_musd, f"USD million, {span} discounted at {a.discount_pct:g}% to"
                                 f" {years[0] if years else params.base_year + 1}: user benefit"
                                 " (rule of half) less capex (financed and partners')"),
        ("bcr", a.bcr, "present value of benefits / present value of capex"),
        ("eirr_pct", a.eirr_pct, "% a year: the discount rate at which NPV = 0 (blank: none)"),
        ("pv_benefits_musd", a.pv_benefits_musd, "USD million"),
        ("pv_capex_musd", a.pv_capex_musd, "USD million"),
        ("benefit_horizon_musd", a.benefit_per_year_musd,
         f"USD million a year of user benefit from {params.horizon_year} on (held after)"),
        ("appraisal_discount_pct", a.discount_pct, "% a year (Parameters; blank = 12)"),
        ("appraisal_years", span, "projects open from base_year + 1 (no construction time in a"
                                  " one-shot run); after the horizon volumes are held"),
    ]


def project_rows(r: Results) -> list[dict[str, Any]]:
    rows = []
    for p in r.prep.instance.projects:
        selected = p.project_id in r.selected
        gain = r.explanation.marginal.get(p.project_id)
        share = r.explanation.project_appraisal.get(p.project_id)
        switch = r.explanation.switching.get(p.project_id)
        rows.append({
            "project_id": p.project_id, "name": p.name, "capex_musd": p.capex_musd,
            "decision": p.decision,
            "selected": "yes" if selected else ("committed" if p.decision is Decision.COMMITTED
                                                else "no"),
            "marginal_gain_kt": gain,
            "gain_per_musd": gain / p.capex_musd if gain is not None and p.capex_musd > 0
            else None,
            "npv_musd": share.npv_musd if share else None,
            "bcr": share.bcr if share else None,
            "group": p.group, "requires": ";".join(p.requires), "country": p.country,
            "reason": r.explanation.reasons.get(p.project_id, ""),
            "description": p.description,
            "switching_capex_musd": switch.capex_musd if switch else None,
            "switching_note": switch.note if switch else "",
            "financed_share": p.financed_share,
            "financed_musd": p.financed_musd if selected else None,
            "partner_musd": p.partner_musd if selected else None,
            **_schedule_of(r, p.project_id),
        })
    return rows


def _schedule_of(r: Results, p: str) -> dict[str, Any]:
    """Start and open year of a selected project, or a committed one's opening
    (programme only)."""
    if not r.programme:
        return {}
    project = r.prep.instance.project(p)
    start = r.plan.start(p)
    if start is not None:
        return {"start_year": start, "open_year": r.prep.timeline.opens(project, start)}
    if project.decision is Decision.COMMITTED:
        return {"start_year": None,
                "open_year": project.open_year or r.prep.timeline.first}
    return {"start_year": None, "open_year": None}


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
    changers = segment_projects(prep.instance.projects, prep.instance.effects)
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


def _spent(r: Results, chosen: frozenset[str]) -> float:
    return r.outcome.problem.spent(chosen)


def _pct(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else 100.0 * part / whole


def ranking_rows(r: Results) -> list[dict[str, Any]]:
    """The ranking as an official would write it, with where it ends up."""
    if r.ranking is None:
        return []
    rows = [{"rank": 0, "project_id": ";".join(sorted(r.ranking.start)) or "(none)",
             "name": "must_do projects and what they require (the starting point)",
             "bundle": ";".join(sorted(r.ranking.start)),
             "bundle_cost_musd": _spent(r, r.ranking.start), "standalone_gain": None,
             "gain_per_musd": None,
             "in_ranking_portfolio": "yes" if r.ranking.start else "",
             "in_optimum": ""}] if r.ranking.start else []
    for i, c in enumerate(r.ranking.order, start=1):
        rows.append({
            "rank": i, "project_id": c.project_id,
            "name": r.prep.instance.project(c.project_id).name,
            "bundle": ";".join(sorted(c.bundle)), "bundle_cost_musd": c.cost,
            "standalone_gain": c.gain, "gain_per_musd": c.ratio,
            "in_ranking_portfolio": "yes" if c.project_id in r.ranking.selected else "no",
            "in_optimum": "yes" if c.project_id in r.selected else "no"})
    return rows


def frontier_rows(r: Results) -> list[dict[str, Any]]:
    rows = []
    for i, pt in enumerate(r.frontier):
        before = r.frontier[i - 1] if i else None
        extra = (pt.npv_musd - before.npv_musd if before is not None and pt.npv_musd is not None
                 and before.npv_musd is not None else None)
        rows.append({
            "budget_musd": pt.budget, "trade_optimised_kt": pt.volume_kt,
            "spent_musd": pt.spent, "trade_ranking_kt": pt.ranking_kt,
            "npv_musd": pt.npv_musd, "bcr": pt.bcr, "npv_added_musd": extra,
            "selected": ";".join(sorted(pt.selected)), "added": ";".join(pt.added),
            "dropped": ";".join(pt.dropped), "status": pt.status, "gain_gap": pt.gain_gap,
            "note": (f"the larger budget drops {', '.join(pt.dropped)}, selected at the previous"
                     " budget: the optimum is not nested" if pt.dropped and i else "")})
    return rows


def frontier_summary_rows(r: Results) -> list[tuple[str, Any, str]]:
    """What the sweep says in two lines: where a larger budget drops a project,
    and the budget whose portfolio has the largest NPV."""
    if not r.frontier:
        return []
    drops = [f"at USD {pt.budget:,.0f} million it drops {', '.join(pt.dropped)}"
             for pt in r.frontier[1:] if pt.dropped]
    priced = [pt for pt in r.frontier if pt.npv_musd is not None]
    best = max(priced, key=lambda pt: (pt.npv_musd, -pt.budget)) if priced else None
    return [
        ("sweep_not_nested", "; ".join(drops) if drops else "none",
         "where a larger budget drops a project selected at the previous one (Frontier)"),
        ("sweep_best_npv_budget_musd", best.budget if best else None,
         f"the sweep budget whose optimal portfolio has the largest NPV"
         f" (USD {best.npv_musd:,.1f} million): beyond it more money buys trade but no longer"
         " pays at the appraisal discount rate" if best else ""),
    ]


def alternative_rows(r: Results) -> list[dict[str, Any]]:
    best = r.optimised.volume_kt
    rows = [{"rank": 0, "selected": ";".join(sorted(r.selected)), "spent_musd": r.spent,
             "trade_kt": best, "below_optimum_kt": 0.0, "below_optimum_pct": 0.0,
             "added_vs_optimum": "", "dropped_vs_optimum": "", "status": r.solution.status,
             "note": "the optimum"}]
    for a in r.alternatives:
        rows.append({"rank": a.rank, "selected": ";".join(sorted(a.selected)),
                     "spent_musd": a.spent, "trade_kt": a.volume_kt,
                     "below_optimum_kt": best - a.volume_kt,
                     "below_optimum_pct": _pct(best - a.volume_kt, best),
                     "added_vs_optimum": ";".join(sorted(a.selected - r.selected)),
                     "dropped_vs_optimum": ";".join(sorted(r.selected - a.selected)),
                     "status": a.status, "note": ""})
    return rows


def main_corridor(prep: Prepared, ev: Evaluation, k: int) -> str:
    """The corridor label carrying the largest share of a route's generalized cost."""
    share: dict[str, float] = {}
    vot = prep.instance.value_of_time(prep.instance.flows[k])
    for s in ev.route(prep, k):
        label = prep.instance.segments[s.segment].corridor or "(unlabelled)"
        share[label] = share.get(label, 0.0) + s.gc(vot)
    return max(share, key=share.__getitem__) if share else "outside the network"


def corridor_rows(r: Results) -> list[dict[str, Any]]:
    """Trade by main corridor, do-nothing against optimised."""
    table: dict[str, list[float]] = {}
    for k in range(len(r.prep.instance.flows)):
        before = main_corridor(r.prep, r.do_nothing, k)
        after = main_corridor(r.prep, r.optimised, k)
        table.setdefault(before, [0.0, 0.0])[0] += float(r.do_nothing.volumes[k])
        table.setdefault(after, [0.0, 0.0])[1] += float(r.optimised.volumes[k])
    return [{"corridor": c, "do_nothing_kt": v[0], "optimised_kt": v[1]}
            for c, v in sorted(table.items(), key=lambda kv: -max(kv[1]))]


def run_info_rows(r: Results) -> list[tuple[str, Any]]:
    import platform
    from importlib.metadata import version

    config = r.config
    rows: list[tuple[str, Any]] = [
        ("input_file", r.info.input_file), ("input_sha256", r.info.input_sha256),
        ("run_at", r.info.run_at), ("command", r.info.command),
        ("python", platform.python_version()), ("pyomo", version("pyomo")),
        ("highspy", version("highspy")), ("HiGHS", highs_version()),
        ("formulation", str(config.formulation)),
        ("solver_interface", {
            Formulation.PATHS: "highspy directly (route master, branch-and-price)",
            Formulation.AUTO: "highspy directly (route master, branch-and-price); the arc"
                              " formulation through Pyomo in a second process when raced",
            Formulation.ARC: "pyomo.contrib.solver highs (persistent)"}[config.formulation]),
        ("time_limit_s", config.time_limit_s), ("mip_gap_target", config.mip_gap),
        ("gain_gap_target", config.gain_gap),
        ("pwl_tolerance", config.pwl_tolerance), ("budget_source", config.budget_source),
        ("status", str(r.solution.status)), ("status_detail", r.solution.message),
        ("objective_bound", r.solution.bound), ("mip_gap", r.solution.mip_gap),
        ("gain_gap", r.gain_gap), ("branch_and_bound_nodes", r.solution.nodes),
        ("warnings", len(r.warnings)),
    ]
    rows += [(f"time_{stage}_s", seconds) for stage, seconds in r.info.timings.items()]
    return rows


def programme_table(r: Results) -> list[dict[str, Any]]:
    """Spec §9.2 Programme sheet: each selected project's start, opening,
    financed and partners' capex, and the financed disbursement per year."""
    inst, timeline = r.prep.instance, r.prep.timeline
    rows = []
    for p, start in r.plan.starts:
        project = inst.project(p)
        row: dict[str, Any] = {
            "project_id": p, "name": project.name, "start_year": start,
            "open_year": timeline.opens(project, start),
            "duration_years": project.duration_years,
            "financed_musd": project.financed_musd, "partner_musd": project.partner_musd}
        for year in timeline.starts:
            paying = timeline.disbursing(project, start, year)
            row[str(year)] = project.financed_musd / project.duration_years if paying else None
        rows.append(row)
    return rows


def by_year_table(r: Results) -> list[dict[str, Any]]:
    """Spec §9.2 ByYear sheet: per objective year the cap, what is disbursed,
    and trade with and without the programme."""
    prep, timeline = r.prep, r.prep.timeline
    caps = dict(zip(timeline.starts, timeline.caps))
    inst = prep.instance
    rows = []
    for year in timeline.years:
        paid = sum(inst.project(p).financed_musd / inst.project(p).duration_years
                   for p, s in r.plan.starts if timeline.disbursing(inst.project(p), s, year))
        opening = sorted(p for p, s in r.plan.starts if timeline.opens(inst.project(p), s) == year)
        rows.append({"year": year, "cap_musd": caps.get(year),
                     "disbursed_musd": paid if year in caps else None,
                     "trade_do_nothing_kt": r.nothing_eval.volume_in(prep, year),
                     "trade_programme_kt": r.plan_eval.volume_in(prep, year),
                     "projects_opening": ";".join(opening)})
    return rows
