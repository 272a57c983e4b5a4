"""The route-option master of model/paths.py rebuilt in Pyomo, to measure what
Pyomo would cost if it held the master instead of highspy (issue 5, item 3).

From a solved ``PathModel`` (its final routes, its highspy instance) this
builds the same programme twice:

- in Pyomo (``ConcreteModel``, ``Var``, ``Constraint``), handed to
  ``pyomo.contrib.solver.solvers.highs.Highs`` with ``set_instance``;
- straight into highspy in one bulk numpy build (``addVars``/``addRows``).

It checks that both, and the PathModel's own instance, have the same size and
the same LP optimum, and times the builds. ``update_round`` estimates what one
column-generation round would cost through Pyomo's persistent interface: the
new routes enter existing convexity and link rows, which that interface can
only apply by deleting and re-adding the rows (and re-setting the objective).

    python -m benchmarks.pyomo_path_master --size 120x80x120 --seed 1 --time-limit 60
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs as PersistentHighs
from scipy.sparse import coo_matrix, csc_matrix

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.paths import INF, PathModel, Route, quiet_highs  # noqa: E402


@dataclass(frozen=True)
class Master:
    """The master's data, read off a PathModel once, so that builds are timed
    from the same plain data."""

    projects: tuple[str, ...]  # x columns, in column order
    x_lower: np.ndarray
    x_upper: np.ndarray
    rules: tuple[tuple[float, float, tuple[tuple[int, float], ...]], ...]  # x-only rows
    flows: tuple[int, ...]  # one convexity row each
    routes: tuple[Route, ...]
    offset: float


def read_master(pm: PathModel) -> Master:
    """The PathModel's master as data: x bounds as they are now, the x-only rows
    (budget, alternatives, requires, exclusions) from its highspy matrix, the
    flows and the routes."""
    lp = pm.h.getLp()
    n_row, n_col = pm.h.getNumRow(), pm.h.getNumCol()
    a = csc_matrix((np.array(lp.a_matrix_.value_), np.array(lp.a_matrix_.index_),
                    np.array(lp.a_matrix_.start_)), shape=(n_row, n_col)).tocsr()
    route_rows = set(pm.convexity.values()) | set(pm.link.values())
    lower, upper = np.array(lp.row_lower_), np.array(lp.row_upper_)
    rules = []
    for r in range(n_row):
        if r in route_rows:
            continue
        lo, hi = a.indptr[r], a.indptr[r + 1]
        terms = tuple((int(j), float(v)) for j, v in zip(a.indices[lo:hi], a.data[lo:hi]))
        assert all(j < len(pm.x_index) for j, _ in terms), "a rule row touches a route"
        rules.append((float(lower[r]), float(upper[r]), terms))
    n = len(pm.x_index)
    return Master(tuple(pm.x_index), np.array(lp.col_lower_[:n]), np.array(lp.col_upper_[:n]),
                  tuple(rules), tuple(pm.convexity), tuple(pm.routes), float(lp.offset_))


def _by_row(routes: Sequence[Route]) -> tuple[dict[int, list[int]],
                                              dict[tuple[int, str], list[int]]]:
    """Route positions per flow (convexity rows) and per (flow, project) (link rows)."""
    by_flow: dict[int, list[int]] = {}
    by_link: dict[tuple[int, str], list[int]] = {}
    for i, rt in enumerate(routes):
        by_flow.setdefault(rt.flow, []).append(i)
        for p in sorted(rt.projects):
            by_link.setdefault((rt.flow, p), []).append(i)
    return by_flow, by_link


# --- Pyomo ------------------------------------------------------------------------------------

def build_pyomo(master: Master, routes: Sequence[Route], *, relax: bool) -> pyo.ConcreteModel:
    """The master as a modeller would write it in Pyomo. ``relax``: x in [0, 1]
    (the column-generation LP) instead of binary."""
    by_flow, by_link = _by_row(routes)
    bounds = dict(zip(master.projects, zip(master.x_lower, master.x_upper)))
    m = pyo.ConcreteModel()
    m.P = pyo.Set(initialize=master.projects, ordered=True)
    m.x = pyo.Var(m.P, domain=pyo.UnitInterval if relax else pyo.Binary,
                  bounds=lambda _, p: tuple(float(b) for b in bounds[p]))
    m.R = pyo.RangeSet(0, len(routes) - 1)
    m.z = pyo.Var(m.R, domain=pyo.NonNegativeReals)
    m.more = pyo.VarList(domain=pyo.NonNegativeReals)  # routes added later (update_round)
    m.objective = pyo.Objective(
        expr=master.offset + pyo.quicksum(rt.value * m.z[i] for i, rt in enumerate(routes)),
        sense=pyo.maximize)
    m.K = pyo.Set(initialize=master.flows, ordered=True)
    m.convexity = pyo.Constraint(m.K, rule=lambda m, k: pyo.quicksum(
        m.z[i] for i in by_flow.get(k, ())) == 1)
    m.L = pyo.Set(initialize=sorted(by_link), dimen=2, ordered=True)
    m.link = pyo.Constraint(m.L, rule=lambda m, k, p: pyo.quicksum(
        m.z[i] for i in by_link[k, p]) - m.x[p] <= 0)
    m.new_link = pyo.ConstraintList()  # link rows first needed by added routes
    m.rules = pyo.ConstraintList()
    for lo, hi, terms in master.rules:
        body = pyo.quicksum(v * m.x[master.projects[j]] for j, v in terms)
        m.rules.add((None if lo == -INF else lo, body, None if hi == INF else hi))
    return m


def add_routes_pyomo(m: pyo.ConcreteModel, routes: Sequence[Route]) -> None:
    """New routes as new variables in the existing rows: each touched
    constraint gets a new expression (the persistent interface then deletes
    and re-adds that row) and the objective is replaced."""
    new = [(m.more.add(), rt) for rt in routes]
    extra_flow: dict[int, list] = {}
    extra_link: dict[tuple[int, str], list] = {}
    for var, rt in new:
        extra_flow.setdefault(rt.flow, []).append(var)
        for p in rt.projects:
            extra_link.setdefault((rt.flow, p), []).append(var)
    for k, vs in extra_flow.items():
        c = m.convexity[k]
        c.set_value(c.body + pyo.quicksum(vs) == 1)
    for (k, p), vs in extra_link.items():
        if (k, p) in m.L:
            c = m.link[k, p]
            c.set_value(c.body + pyo.quicksum(vs) <= 0)
        else:
            m.new_link.add(pyo.quicksum(vs) - m.x[p] <= 0)
    m.objective.expr = m.objective.expr + pyo.quicksum(rt.value * v for v, rt in new)


def hand_off(m: pyo.ConcreteModel) -> PersistentHighs:
    """Pyomo -> HiGHS through the persistent contrib interface."""
    opt = PersistentHighs()
    opt.set_instance(m)
    return opt


# --- highspy ----------------------------------------------------------------------------------

def build_highs(master: Master, routes: Sequence[Route], *, relax: bool) -> highspy.Highs:
    """The same master loaded into highspy in one bulk build."""
    by_flow, by_link = _by_row(routes)
    n_x, n_r = len(master.projects), len(routes)
    h = quiet_highs()
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.changeObjectiveOffset(master.offset)
    h.addVars(n_x + n_r, np.concatenate((master.x_lower, np.zeros(n_r))),
              np.concatenate((master.x_upper, np.full(n_r, INF))))
    if n_r:
        h.changeColsCost(n_r, np.arange(n_x, n_x + n_r, dtype=np.int32),
                         np.array([rt.value for rt in routes]))
    if not relax and n_x:
        h.changeColsIntegrality(n_x, np.arange(n_x, dtype=np.int32),
                                np.full(n_x, highspy.HighsVarType.kInteger))
    x_col = {p: j for j, p in enumerate(master.projects)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []

    def add_row(columns: list[int], values: list[float], r_lo: float, r_hi: float) -> None:
        rows.extend([len(lo)] * len(columns))
        cols.extend(columns)
        vals.extend(values)
        lo.append(r_lo)
        hi.append(r_hi)

    for r_lo, r_hi, terms in master.rules:
        add_row([j for j, _ in terms], [v for _, v in terms], r_lo, r_hi)
    for k in master.flows:
        members = by_flow.get(k, [])
        add_row([n_x + i for i in members], [1.0] * len(members), 1.0, 1.0)
    for (_, p), members in sorted(by_link.items()):
        add_row([n_x + i for i in members] + [x_col[p]], [1.0] * len(members) + [-1.0],
                -INF, 0.0)
    a = coo_matrix((vals, (rows, cols)), shape=(len(lo), n_x + n_r)).tocsr()
    h.addRows(len(lo), np.array(lo), np.array(hi), a.nnz, a.indptr[:-1].astype(np.int32),
              a.indices.astype(np.int32), a.data)
    return h


def add_routes_highs(h: highspy.Highs, master: Master, routes: Sequence[Route],
                     links: set[tuple[int, str]]) -> None:
    """New routes as PathModel.add_route adds them: a column into the existing
    rows, a link row first when the (flow, project) pair is new. Row indices
    follow build_highs' order."""
    n_rules, n_flows = len(master.rules), len(master.flows)
    convexity = {k: n_rules + i for i, k in enumerate(master.flows)}
    link = {key: n_rules + n_flows + i for i, key in enumerate(sorted(links))}
    x_col = {p: j for j, p in enumerate(master.projects)}
    for rt in routes:
        rows = [convexity[rt.flow]]
        for p in sorted(rt.projects):
            if (rt.flow, p) not in link:
                h.addRow(-INF, 0.0, 1, np.array([x_col[p]], dtype=np.int32), np.array([-1.0]))
                link[rt.flow, p] = h.getNumRow() - 1
            rows.append(link[rt.flow, p])
        h.addCol(rt.value, 0.0, INF, len(rows), np.array(rows, dtype=np.int32),
                 np.ones(len(rows)))


# --- measurements -----------------------------------------------------------------------------

def sizes(h: highspy.Highs) -> tuple[int, int, int]:
    return h.getNumRow(), h.getNumCol(), h.getNumNz()


def lp_value(h: highspy.Highs) -> float:
    """LP optimum of a copy of h with every column continuous."""
    c = quiet_highs()
    c.passModel(h.getLp())
    n = c.getNumCol()
    c.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                            np.full(n, highspy.HighsVarType.kContinuous))
    c.run()
    return c.getInfo().objective_function_value


def _secs(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def compare_builds(pm: PathModel) -> dict[str, float | bool | int]:
    """Pyomo build + hand-off against a bulk highspy build of the final master
    (binary x), and a check that all three hold the same programme."""
    master = read_master(pm)
    model, pyomo_build = _secs(build_pyomo, master, master.routes, relax=False)
    opt, pyomo_handoff = _secs(hand_off, model)
    h, highs_build = _secs(build_highs, master, master.routes, relax=False)
    own, via_pyomo, bulk = sizes(pm.h), sizes(opt._solver_model), sizes(h)
    values = [lp_value(pm.h), lp_value(opt._solver_model), lp_value(h)]
    same = (own == via_pyomo == bulk
            and max(values) - min(values) <= 1e-7 * max(1.0, abs(values[0])))
    return {"pm_rows": own[0], "pm_cols": own[1], "pm_nonzeros": own[2],
            "pyomo_build_s": pyomo_build, "pyomo_handoff_s": pyomo_handoff,
            "highs_build_s": highs_build, "master_same": same,
            "master_lp": values[0],
            "pyomo_ratio": (pyomo_build + pyomo_handoff) / highs_build}


def update_round(pm: PathModel, new: int) -> dict[str, float | int | bool]:
    """One column-generation round with ``new`` routes (the last ones the
    solver generated), through Pyomo's persistent interface and through
    highspy: the time to apply the routes and the LP re-solve after them."""
    master = read_master(pm)
    new = max(1, min(new, len(master.routes) - len(master.flows)))
    old, added = master.routes[:-new], master.routes[-new:]
    links = set(_by_row(old)[1])

    m = build_pyomo(master, old, relax=True)
    opt = hand_off(m)
    opt.solve(m, load_solutions=False)
    _, pyomo_edit = _secs(add_routes_pyomo, m, added)
    _, pyomo_update = _secs(opt.update)
    res, pyomo_lp = _secs(opt.solve, m, load_solutions=False)
    pyomo_iters = opt._solver_model.getInfo().simplex_iteration_count

    h = build_highs(master, old, relax=True)
    h.run()
    _, highs_add = _secs(add_routes_highs, h, master, added, links)
    _, highs_lp = _secs(h.run)
    highs_iters = h.getInfo().simplex_iteration_count
    value = h.getInfo().objective_function_value
    return {"round_routes": new, "pyomo_round_s": pyomo_edit + pyomo_update,
            "pyomo_edit_s": pyomo_edit, "pyomo_update_s": pyomo_update,
            "pyomo_lp_s": pyomo_lp, "pyomo_lp_iters": pyomo_iters,
            "highs_round_s": highs_add, "highs_lp_s": highs_lp, "highs_lp_iters": highs_iters,
            "round_same_lp": abs(res.incumbent_objective - value)
            <= 1e-7 * max(1.0, abs(value)),
            "round_ratio": (pyomo_edit + pyomo_update) / highs_add}


def routes_per_round(log_lines: Sequence[str]) -> list[int]:
    """Routes added by each LP round that added any, from the solver's log."""
    out = []
    for line in log_lines:
        if line.startswith("route LP ") and " routes added" in line:
            n = int(line.rsplit(", ", 1)[1].split(" routes added")[0])
            if n:
                out.append(n)
    return out


def compare(pm: PathModel, log_lines: Sequence[str], *, rounds: bool) -> dict:
    """compare_builds, and update_round for the median number of routes a round
    added in the run (when ``rounds``)."""
    out: dict = compare_builds(pm)
    added = routes_per_round(log_lines)
    out["rounds_adding"] = len(added)
    out["routes_per_round_median"] = statistics.median(added) if added else None
    out["routes_per_round_max"] = max(added) if added else None
    if rounds and added:
        out.update(update_round(pm, int(statistics.median(added))))
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks.generator import generate
    from model.pipeline import optimise

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="40x20x30")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3, help="timings are medians of this many")
    args = ap.parse_args(argv)
    n, p, f = (int(v) for v in args.size.split("x"))
    inst, budget = generate(n, p, f, args.seed)
    inst = dataclasses.replace(inst, parameters=dataclasses.replace(
        inst.parameters, time_limit_s=args.time_limit))
    log: list[str] = []
    outcome = optimise(inst, budget, formulation="paths", on_log_line=log.append)
    pm = outcome.solver.model
    runs = [compare(pm, log, rounds=True) for _ in range(args.repeat)]
    med = {k: (statistics.median(r[k] for r in runs)
               if isinstance(runs[0][k], float) else runs[0][k]) for k in runs[0]}
    print(f"size {args.size} seed {args.seed}: {outcome.solution.status}, "
          f"{len(pm.routes)} routes, {pm.stats.lp_iterations} LP solves, "
          f"{pm.stats.nodes} B&B nodes (medians of {args.repeat})")
    print(f"  final master (rows, cols, nonzeros) {med['pm_rows']}, {med['pm_cols']},"
          f" {med['pm_nonzeros']}; same in Pyomo and bulk highspy: {med['master_same']}")
    print(f"  Pyomo build {med['pyomo_build_s']:.3f} s + hand-off {med['pyomo_handoff_s']:.3f} s"
          f" vs highspy bulk build {med['highs_build_s']:.4f} s: x{med['pyomo_ratio']:.0f}")
    if "round_routes" in med:
        print(f"  one round of {med['round_routes']} routes (median per round; max"
              f" {med['routes_per_round_max']}): Pyomo edit {med['pyomo_edit_s']:.3f} s +"
              f" update {med['pyomo_update_s']:.3f} s vs highspy addCol {med['highs_round_s']:.4f}"
              f" s: x{med['round_ratio']:.0f}")
        print(f"  LP re-solve after it: Pyomo {med['pyomo_lp_s']:.3f} s"
              f" ({med['pyomo_lp_iters']} iterations) vs highspy {med['highs_lp_s']:.3f} s"
              f" ({med['highs_lp_iters']} iterations); same LP value: {med['round_same_lp']}")
        extra = pm.stats.lp_iterations * (med["pyomo_round_s"] - med["highs_round_s"]
                                          + med["pyomo_lp_s"] - med["highs_lp_s"])
        print(f"  estimate over the run's {pm.stats.lp_iterations} LP solves: about {extra:.1f} s"
              f" more through Pyomo (solve took {outcome.timings['solve']:.1f} s)")
    return 0 if med["master_same"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
