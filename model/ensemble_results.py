"""The figures of a scenario run (spec §11) as plain tables: the Draws,
Robustness and Distribution sheets and the Summary rows. Every figure was
evaluated exactly in its draw (ensemble.py); here they are only arranged."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .ensemble import DrawResult, Ensemble, Spread, over_budget
from .instance import Decision, Instance
from .problem import Plan

HISTOGRAM_BINS = (5, 20)  # fewest and most bins of the gain histogram


def objective_differs(inst: Instance, programme: bool) -> bool:
    """Does the objective differ from horizon-year trade (value mode, programme)?"""
    return programme or inst.parameters.objective == "value"


def draw_rows(e: Ensemble, inst: Instance, programme: bool) -> list[dict[str, Any]]:
    """One row per draw: its sampled values, the returned portfolio as it is
    (trade, gain, cost at the draw's capex), the draw's own optimum, regret;
    failed draws with their values and why."""
    done = {r.draw.index: r for r in e.results}
    rows = []
    for d in e.draws:
        row: dict[str, Any] = {"draw": d.index + 1}
        row.update({u.label: v for u, v in zip(inst.uncertainty, d.values)})
        r = done.get(d.index)
        if r is None:
            row["status"] = f"failed: {e.failed.get(d.index, 'not run')}"
            rows.append(row)
            continue
        row.update(_figures(r, e, objective_differs(inst, programme)))
        rows.append(row)
    return rows


def _figures(r: DrawResult, e: Ensemble, with_objective: bool) -> dict[str, Any]:
    own = r.own
    row: dict[str, Any] = {
        "status": "done",
        "do_nothing_trade_kt": r.nothing.trade_kt,
        "returned_trade_kt": r.returned.trade_kt,
        "returned_gain_kt": r.returned.trade_kt - r.nothing.trade_kt,
        "returned_cost_musd": r.returned.cost_musd,
        "own_trade_kt": own.trade_kt if own else None,
        "own_gain_kt": own.trade_kt - r.nothing.trade_kt if own else None,
        "own_cost_musd": own.cost_musd if own else None,
        "regret_kt": own.trade_kt - r.returned.trade_kt if own else None,
        "own_status": str(r.own_status),
        "own_gain_gap": r.own_gain_gap,
        "own_projects": ";".join(sorted(r.own_plan.selected)),
    }
    if with_objective:
        row.update(do_nothing_objective=r.nothing.objective,
                   returned_objective=r.returned.objective,
                   own_objective=own.objective if own else None, regret_objective=r.regret)
    if e.robust is not None:
        i = r.draw.index
        row.update(robust_trade_kt=e.robust.trades[i], robust_gain_kt=e.robust.gains[i])
    return row


def robustness_rows(e: Ensemble, inst: Instance, returned: Plan) -> list[dict[str, Any]]:
    """Per project: the share of the draws (with an optimum) whose own optimum
    selects it, most often chosen first; committed and excluded projects (no
    share) last, so the chart reads the first rows."""
    solved = [r for r in e.results if r.own is not None]
    rows = []
    for p in inst.projects:
        decides = p.decision in (Decision.CANDIDATE, Decision.MUST_DO)
        count = sum(p.project_id in r.own_plan.selected for r in solved) if decides else None
        rows.append({
            "project_id": p.project_id, "name": p.name, "capex_musd": p.capex_musd,
            "decision": str(p.decision),
            "selected_share": count / len(solved) if decides and solved else None,
            "draws_selecting": count, "draws_with_optimum": len(solved) if decides else None,
            "in_returned": "yes" if p.project_id in returned.selected else "no",
            "in_robust": ("yes" if p.project_id in e.robust.plan.selected else "no")
            if e.robust is not None else None})
    rows.sort(key=lambda x: (x["selected_share"] is None, -(x["selected_share"] or 0.0)))
    return rows


def distribution_rows(e: Ensemble) -> list[dict[str, Any]]:
    """A histogram of the gain over do-nothing (kt/yr) of the returned
    portfolio, and of the robust one, on shared bins."""
    gains = e.gains()
    robust = list(e.robust.gains) if e.robust is not None else []
    every = gains + robust
    if not every:
        return []
    low, high = HISTOGRAM_BINS
    bins = min(high, max(low, math.ceil(math.sqrt(len(gains) or 1))))
    edges = np.histogram_bin_edges(every, bins=bins)
    returned_counts, _ = np.histogram(gains, edges)
    robust_counts, _ = np.histogram(robust, edges)
    rows = []
    for i in range(len(edges) - 1):
        row: dict[str, Any] = {"gain_from_kt": float(edges[i]), "gain_to_kt": float(edges[i + 1]),
                               "draws_returned": int(returned_counts[i])}
        if e.robust is not None:
            row["draws_robust"] = int(robust_counts[i])
        rows.append(row)
    return rows


def summary_rows(e: Ensemble, budget: float, returned: Plan) -> list[tuple[str, Any, str]]:
    """Summary items of a scenario run (spec §11), after the run's own."""
    failed = "; ".join(f"draw {i + 1}: {why}" for i, why in e.failed.items()) or "none"
    spread = e.spread()
    regrets = [r.own.trade_kt - r.returned.trade_kt for r in e.results if r.own is not None]
    over = [over_budget(r, budget) for r in e.results]
    rows: list[tuple[str, Any, str]] = [
        ("scenarios_requested", e.requested, "draws asked for (--scenarios)"),
        ("scenarios_done", e.done, "draws computed; see Draws"),
        ("scenarios_failed", failed, "draws that could not be computed, with why"),
        ("scenario_seed", e.seed, "the same seed gives the same draws on any executor"),
        ("scenario_engine", e.engine, ""),
        ("scenario_s", e.seconds, "s: the draws (and the robust model)"),
        *_spread_rows("gain", spread, "the returned portfolio's gain over do-nothing in each"
                                      " draw, kt/yr"),
        ("regret_mean_kt", float(np.mean(regrets)) if regrets else None,
         "mean of (draw's own optimum - returned portfolio) trade, kt/yr"),
        ("regret_max_kt", max(regrets) if regrets else None, "kt/yr"),
        ("returned_over_budget_share", sum(over) / len(over) if over else None,
         "share of the draws in which the returned portfolio costs more than the budget at"
         " the draw's capex (it is evaluated as it is)"),
    ]
    if e.robust is not None:
        rows += _robust_rows(e, returned)
    return rows


def _spread_rows(name: str, spread: Spread | None, note: str) -> list[tuple[str, Any, str]]:
    if spread is None:
        return [(f"{name}_mean_kt", None, note)]
    return [(f"{name}_mean_kt", spread.mean, note + ": mean"),
            (f"{name}_p10_kt", spread.p10, note + ": 10th percentile (numpy, linear)"),
            (f"{name}_p50_kt", spread.p50, note + ": median"),
            (f"{name}_p90_kt", spread.p90, note + ": 90th percentile")]


def _robust_rows(e: Ensemble, returned: Plan) -> list[tuple[str, Any, str]]:
    rob = e.robust
    assert rob is not None
    sol = rob.outcome.solution
    chosen = rob.plan.selected
    added = sorted(chosen - returned.selected)
    dropped = sorted(returned.selected - chosen)
    return [
        ("robust_status", str(sol.status), "the sample-average model over every draw"
                                           " (projects shared, budget at the base capex)"),
        ("robust_projects", ";".join(sorted(chosen)) or "none", ""),
        ("robust_added", ";".join(added) or "none", "in the robust portfolio, not in the"
                                                    " returned one"),
        ("robust_dropped", ";".join(dropped) or "none", "in the returned portfolio, not in"
                                                        " the robust one"),
        ("robust_spent_musd", rob.outcome.problem.spent(chosen), "USD million at base capex"),
        ("robust_mean_objective", rob.objective, "mean exact objective over the draws"),
        ("returned_mean_objective", rob.deterministic, "the returned portfolio's, same draws"),
        ("robust_objective_bound", sol.bound, "proven bound on the mean objective"),
        ("robust_gain_gap", rob.gain_gap, "(bound - robust mean) / (robust mean - mean"
                                          " do-nothing)"),
        *_spread_rows("robust_gain", Spread.of(rob.gains),
                      "the robust portfolio's gain over do-nothing in each draw, kt/yr"),
    ]
