"""The MIP of model/build.py built straight into highspy with numpy.

Same columns, rows and objective as ``model.build.build_model`` (spec §5),
in a different order:

    columns  x[p] (binary; must_do fixed to 1), u[j] arc states in [0, 1],
             w[k] alternative share in [0, 1], delta[k,i] in [0, 1],
             z[k,i] binary (i > 0)
    rows     budget, alternatives (groups and shared segments), requires,
             state use u[j] <= x[p], conservation per (flow, node),
             order delta[k,i] <= z[k,i] <= delta[k,i-1],
             curve cost  route cost + sum (c_i - c_i+1) delta[k,i] <= c_0
    objective  max constant + sum (v_i+1 - v_i) delta[k,i]  (constant as offset)

x's upper bounds follow the budget as model.solve.ArcSolver sets them (a
project that does not fit the budget on its own, with what it requires, is
fixed to 0). It exists to measure what the Pyomo build and hand-off cost
against a direct build; it is not used by the model. Run it on its own to check that
both builds give the same model and optimum:

    python -m benchmarks.direct_highs --size 40x20x30 --seed 1
"""
from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import coo_matrix

from model.build import constant_objective, volume_curve
from model.preprocess import Prepared, affordable, group_members, segment_projects

INF = highspy.kHighsInf


@dataclass
class Direct:
    highs: highspy.Highs
    build_s: float
    n_x: int  # the first n_x columns are x, in prep.decision order
    decision: tuple[str, ...]


def build(prep: Prepared, budget: float) -> Direct:
    """Load the MIP into a fresh highspy.Highs; time from Prepared to loaded model."""
    start = time.perf_counter()
    inst = prep.instance
    flows = inst.flows
    decision = prep.decision
    x_col = {p: i for i, p in enumerate(decision)}
    n_x = len(decision)
    n_nodes = prep.network.n_nodes

    # arc states, flattened over the changeable flows
    arc_flow, arc_tail, arc_head, arc_gc, arc_proj = [], [], [], [], []
    for fa in prep.variable:
        for tail, head, state in fa.arcs:
            arc_flow.append(fa.flow)
            arc_tail.append(tail)
            arc_head.append(head)
            arc_gc.append(state.gc(prep.instance.value_of_time(flows[fa.flow])))
            arc_proj.append(x_col.get(state.project, -1) if state.project is not None else -1)
    arc_flow_a = np.array(arc_flow, dtype=np.int64)
    n_u = len(arc_flow)
    u0 = n_x
    with_alt = [fa.flow for fa in prep.variable
                if flows[fa.flow].alt_cost is not None
                and flows[fa.flow].alt_cost <= prep.cdn[fa.flow]]
    w_col = {k: u0 + n_u + i for i, k in enumerate(with_alt)}
    d0 = u0 + n_u + len(with_alt)
    curves = [volume_curve(prep, fa.flow) for fa in prep.variable]
    pieces = [len(c.costs) - 1 for c in curves]
    delta_start = d0 + np.concatenate(([0], np.cumsum(pieces)[:-1])).astype(np.int64)
    n_delta = int(sum(pieces))
    z0 = d0 + n_delta
    z_count = [p - 1 for p in pieces]
    n_z = int(sum(z_count))
    n_col = z0 + n_z

    lower = np.zeros(n_col)
    upper = np.ones(n_col)
    for p in prep.must_do:
        lower[x_col[p]] = 1.0
    for p, fits in affordable(prep, budget).items():  # as ArcSolver.set_budget
        if not fits and p not in prep.must_do:
            upper[x_col[p]] = 0.0
    cost = np.zeros(n_col)
    for c, s in zip(curves, delta_start):
        v = np.asarray(c.values)
        cost[s:s + len(v) - 1] = v[1:] - v[:-1]
    offset = constant_objective(prep) + sum(c.values[0] for c in curves)

    rows_i: list[np.ndarray] = []
    cols_i: list[np.ndarray] = []
    vals_i: list[np.ndarray] = []
    row_lo: list[np.ndarray] = []
    row_hi: list[np.ndarray] = []
    n_row = 0

    def block(r: np.ndarray, c: np.ndarray, v: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        nonlocal n_row
        rows_i.append(r + n_row)
        cols_i.append(c)
        vals_i.append(v)
        row_lo.append(lo)
        row_hi.append(hi)
        n_row += len(lo)

    # budget
    capex = np.array([inst.project(p).capex_musd for p in decision])
    costly = np.flatnonzero(capex > 0)
    if len(costly):
        block(np.zeros(len(costly), dtype=np.int64), costly, capex[costly],
              np.array([-INF]), np.array([float(budget)]))
    # alternatives
    chosen = set(decision)
    sets = list(group_members(inst).values()) + list(segment_projects(inst).values())
    alt_rows = [r for r in sorted({tuple(sorted(p for p in s if p in chosen)) for s in sets})
                if len(r) > 1]
    if alt_rows:
        r = np.concatenate([np.full(len(a), i) for i, a in enumerate(alt_rows)])
        c = np.array([x_col[p] for a in alt_rows for p in a])
        block(r, c, np.ones(len(c)), np.full(len(alt_rows), -INF), np.ones(len(alt_rows)))
    # requires
    req = [(x_col[p], x_col[q]) for p in decision for q in inst.project(p).requires
           if q not in prep.committed]
    if req:
        a = np.array(req)
        n = len(req)
        block(np.repeat(np.arange(n), 2), a.reshape(-1),
              np.tile([1.0, -1.0], n), np.full(n, -INF), np.zeros(n))
    # state use: u[j] - x[p] <= 0
    proj = np.array(arc_proj, dtype=np.int64)
    used = np.flatnonzero(proj >= 0)
    if len(used):
        n = len(used)
        r = np.repeat(np.arange(n), 2)
        c = np.column_stack((u0 + used, proj[used])).reshape(-1)
        block(r, c, np.tile([1.0, -1.0], n), np.full(n, -INF), np.zeros(n))
    # conservation, one row per (flow, node) touched (origin and destination always)
    ends = {fa.flow: (fa.origin, fa.destination) for fa in prep.variable}
    key_tail = arc_flow_a * n_nodes + np.array(arc_tail, dtype=np.int64)
    key_head = arc_flow_a * n_nodes + np.array(arc_head, dtype=np.int64)
    key_end = np.array([k * n_nodes + n for k, (o, d) in ends.items() for n in (o, d)],
                       dtype=np.int64)
    keys, inverse = np.unique(np.concatenate((key_tail, key_head, key_end)),
                              return_inverse=True)
    r_tail, r_head = inverse[:n_u], inverse[n_u:2 * n_u]
    rhs = np.zeros(len(keys))
    r_list = [r_tail, r_head]
    c_list = [u0 + np.arange(n_u), u0 + np.arange(n_u)]
    v_list = [np.ones(n_u), -np.ones(n_u)]
    pos = {int(key): i for i, key in enumerate(keys)} if with_alt or ends else {}
    for k, (o, d) in ends.items():
        ro, rd = pos[k * n_nodes + o], pos[k * n_nodes + d]
        rhs[ro], rhs[rd] = 1.0, -1.0
        if k in w_col:  # net out = 1 - w  ->  net out + w = 1; at d: net out - w = -1
            r_list.append(np.array([ro, rd]))
            c_list.append(np.array([w_col[k], w_col[k]]))
            v_list.append(np.array([1.0, -1.0]))
    block(np.concatenate(r_list), np.concatenate(c_list), np.concatenate(v_list), rhs, rhs)
    # order: delta[k,i] - z[k,i] <= 0 and z[k,i] - delta[k,i-1] <= 0 (i >= 1)
    if n_z:
        zc = np.arange(z0, z0 + n_z)
        di = np.concatenate([s + np.arange(1, p) for s, p in zip(delta_start, pieces)])
        n = n_z
        r = np.repeat(np.arange(n), 2)
        block(r, np.column_stack((di, zc)).reshape(-1), np.tile([1.0, -1.0], n),
              np.full(n, -INF), np.zeros(n))
        block(r, np.column_stack((zc, di - 1)).reshape(-1), np.tile([1.0, -1.0], n),
              np.full(n, -INF), np.zeros(n))
    # curve cost: sum gc u + alt w + sum (c_i - c_i+1) delta_i <= c_0
    flow_row = {fa.flow: i for i, fa in enumerate(prep.variable)}
    r_list = [np.array([flow_row[k] for k in arc_flow], dtype=np.int64)]
    c_list = [u0 + np.arange(n_u)]
    v_list = [np.array(arc_gc)]
    if with_alt:
        r_list.append(np.array([flow_row[k] for k in with_alt]))
        c_list.append(np.array([w_col[k] for k in with_alt]))
        v_list.append(np.array([flows[k].alt_cost for k in with_alt], dtype=float))
    for i, (c, s) in enumerate(zip(curves, delta_start)):
        steps = -np.diff(np.asarray(c.costs))
        r_list.append(np.full(len(steps), i))
        c_list.append(s + np.arange(len(steps)))
        v_list.append(steps)
    top = np.array([c.costs[0] for c in curves])
    block(np.concatenate(r_list), np.concatenate(c_list), np.concatenate(v_list),
          np.full(len(curves), -INF), top)

    # hand to HiGHS
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(n_col, lower, upper)
    integer = np.concatenate((np.arange(n_x), np.arange(z0, z0 + n_z))).astype(np.int32)
    h.changeColsIntegrality(len(integer), integer,
                            np.full(len(integer), highspy.HighsVarType.kInteger))
    h.changeColsCost(n_col, np.arange(n_col, dtype=np.int32), cost)
    h.changeObjectiveOffset(float(offset))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    a = coo_matrix((np.concatenate(vals_i), (np.concatenate(rows_i), np.concatenate(cols_i))),
                   shape=(n_row, n_col)).tocsr()
    a.sum_duplicates()
    h.addRows(n_row, np.concatenate(row_lo), np.concatenate(row_hi), a.nnz,
              a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32), a.data)
    return Direct(h, time.perf_counter() - start, n_x, decision)


@dataclass
class DirectResult:
    build_s: float
    solve_s: float
    status: str
    objective: float | None
    bound: float | None
    mip_gap: float | None
    selected: frozenset[str]
    rows: int
    cols: int
    binaries: int
    nonzeros: int


def sizes(h: highspy.Highs) -> tuple[int, int, int, int]:
    """rows, columns, binaries (integer columns), nonzeros of a loaded model."""
    lp = h.getLp()
    integrality = np.asarray([int(v) for v in lp.integrality_]) if len(lp.integrality_) else []
    return (h.getNumRow(), h.getNumCol(), int(np.count_nonzero(np.asarray(integrality) == 1)),
            h.getNumNz())


def solve(prep: Prepared, budget: float, *, time_limit: float, mip_gap: float,
          threads: int | None = None, relax: bool = False) -> DirectResult:
    d = build(prep, budget)
    h = d.highs
    rows, cols, binaries, nz = sizes(h)
    if relax:
        n = h.getNumCol()
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                np.full(n, highspy.HighsVarType.kContinuous))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    start = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - start
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has = info.primal_solution_status == 2
    objective = info.objective_function_value if has else None
    if relax:
        bound = objective
    else:
        bound = info.mip_dual_bound if info.mip_node_count >= 0 else objective
    gap = (None if objective is None or bound is None
           else max(0.0, bound - objective) / max(abs(objective), 1e-12))
    selected: frozenset[str] = frozenset()
    if has:
        values = h.getSolution().col_value
        selected = frozenset(p for i, p in enumerate(d.decision) if values[i] > 0.5)
    return DirectResult(d.build_s, solve_s, status, objective, bound, gap, selected,
                        rows, cols, binaries, nz)


def main(argv: list[str] | None = None) -> int:
    """Check the direct build against the Pyomo one: same sizes, same LP
    relaxation, same MIP optimum (solved to a tight gap)."""
    from pyomo.common.timing import HierarchicalTimer

    from benchmarks.generator import generate
    from model.preprocess import prepare
    from model.solve import ArcSolver

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--size", default="40x20x30")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=1e-9)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    n, p, f = (int(v) for v in args.size.split("x"))
    inst, budget = generate(n, p, f, args.seed)
    prep = prepare(inst)
    t = time.perf_counter()
    solver = ArcSolver(prep, budget, threads=args.threads)  # build_model + budget bounds
    pyomo_build = time.perf_counter() - t
    timer = HierarchicalTimer()
    solver._highs.config.timer = timer
    sol = solver.solve(time_limit=args.time_limit, mip_gap=args.gap)
    hp = solver._highs._solver_model
    py_sizes = sizes(hp)
    # the Pyomo model's LP relaxation, from the matrix it handed to HiGHS
    lp_py = highspy.Highs()
    lp_py.setOptionValue("output_flag", False)
    lp_py.passModel(hp.getLp())
    nc = lp_py.getNumCol()
    lp_py.changeColsIntegrality(nc, np.arange(nc, dtype=np.int32),
                                np.full(nc, highspy.HighsVarType.kContinuous))
    lp_py.run()
    lp_py_obj = lp_py.getInfo().objective_function_value
    lp_dir = solve(prep, budget, time_limit=args.time_limit, mip_gap=args.gap,
                   threads=args.threads, relax=True)
    mip_dir = solve(prep, budget, time_limit=args.time_limit, mip_gap=args.gap,
                    threads=args.threads)
    def f6(v: float | None) -> str:
        return "-" if v is None else f"{v:.6f}"

    print(f"size {args.size} seed {args.seed}")
    print(f"  pyomo : rows/cols/bin/nz {py_sizes}  build {pyomo_build:.3f} s"
          f"  hand-off {timer.get_total_time('set_instance'):.3f} s  status {sol.status}"
          f"  objective {f6(sol.objective)}  bound {f6(sol.bound)}")
    dir_sizes = (mip_dir.rows, mip_dir.cols, mip_dir.binaries, mip_dir.nonzeros)
    print(f"  direct: rows/cols/bin/nz {dir_sizes}"
          f"  build {mip_dir.build_s:.3f} s  status {mip_dir.status}"
          f"  objective {f6(mip_dir.objective)}  bound {f6(mip_dir.bound)}")
    print(f"  LP relaxation: pyomo {lp_py_obj:.6f}  direct {lp_dir.objective:.6f}"
          f"  rel diff {abs(lp_py_obj - lp_dir.objective) / abs(lp_py_obj):.2e}")
    rel = (abs(sol.objective - mip_dir.objective) / abs(sol.objective)
           if sol.objective is not None and mip_dir.objective is not None else math.nan)
    print(f"  MIP objective rel diff {rel:.2e}; same portfolio: {sol.selected == mip_dir.selected}"
          " (only meaningful when both are optimal)")
    ok = py_sizes == (mip_dir.rows, mip_dir.cols, mip_dir.binaries, mip_dir.nonzeros) \
        and abs(lp_py_obj - lp_dir.objective) <= 1e-6 * abs(lp_py_obj)
    if sol.status == "optimal" and mip_dir.status == "Optimal":
        ok = ok and rel <= 1e-6
    print("  MATCH" if ok else "  MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
