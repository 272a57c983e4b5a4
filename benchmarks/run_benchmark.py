"""Benchmark the portfolio optimisation at network scale (issue 5).

For each formulation, size (towns x projects x flows) and seed: generate an
instance (benchmarks/generator.py), run ``model.pipeline.optimise`` on it as
the CLI does (preprocess, feasibility, solver build, benefit/cost ranking,
solve, best of solver and ranking), evaluate the returned portfolio exactly
and print one row: model size, stage times, status, exact objective, bound,
gain_gap and the ranking's share of the gain. Medians per size follow when
there are several seeds, then a details table; raw results are appended as
JSON lines.

    python benchmarks/run_benchmark.py --formulation paths --sizes 120x80x120 --seeds 1,2 \
        --time-limit 60 --json benchmarks/results/after.jsonl

Stage times come from the pipeline's own timings and from timed wrappers put
around a few model functions for the run (benchmarks/timing.py); the model
is not changed. See benchmarks/README.md for every column.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime
import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import pstats
import re
import resource
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import highspy  # noqa: E402
import numpy as np  # noqa: E402
import pyomo  # noqa: E402
from pyomo.contrib.solver.solvers.highs import Highs as PersistentHighs  # noqa: E402

import model.paths as paths  # noqa: E402
import model.pipeline as pipeline  # noqa: E402
from benchmarks import direct_highs, pyomo_path_master  # noqa: E402
from benchmarks.generator import describe, generate  # noqa: E402
from benchmarks.timing import Stopwatch, stopwatch, timed  # noqa: E402
from model.decision import target_gap  # noqa: E402
from model.evaluate import drop_idle, evaluate  # noqa: E402
from model.instance import Instance  # noqa: E402
from model.pipeline import Outcome  # noqa: E402

FORMULATIONS = ("paths", "arc")

# HiGHS branch-and-bound log row: Src Proc InQueue Leaves Expl% BestBound BestSol Gap
#                                  Cuts InLp Confl LpIters Time
_MIP_ROW = re.compile(r"^\s*([A-Za-z])?\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+"
                      r"(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)s\s*$")


def _num(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or abs(den) < 1e-12:
        return None
    return num / den


# --- measuring one run ----------------------------------------------------------------------

def with_parameters(inst: Instance, args: argparse.Namespace) -> Instance:
    """The instance with the benchmark's time limit and, when given, gaps."""
    changes: dict[str, float] = {"time_limit_s": args.time_limit}
    if args.mip_gap is not None:
        changes["mip_gap"] = args.mip_gap
    if args.gain_gap is not None:
        changes["gain_gap"] = args.gain_gap
    return dataclasses.replace(inst, parameters=dataclasses.replace(inst.parameters, **changes))


def run_optimise(inst: Instance, budget: float, formulation: str, log: list[str],
                 profile: cProfile.Profile | None) -> tuple[Outcome, dict[str, Stopwatch], float]:
    """optimise() as the CLI calls it, with timed wrappers around the stages
    the pipeline does not time itself. Returns the outcome, the stopwatches
    and the wall time."""
    watches: dict[str, Stopwatch] = {}
    with ExitStack() as stack:
        def watch(name: str, owner: Any, attr: str) -> None:
            watches[name] = stack.enter_context(stopwatch(owner, attr))

        watch("preprocess", pipeline, "prepare")
        if formulation == "paths":
            watch("pricing", paths, "search_routes")
            watch("mip", paths.PathModel, "solve_mip")
            watch("exact", paths, "evaluate")
            watch("add_route", paths.PathModel, "add_route")
            runs = watches["highs_run"] = Stopwatch()
            quiet = paths.quiet_highs

            def timed_highs() -> highspy.Highs:
                h = quiet()
                h.run = timed(h.run, runs)  # every LP and MIP solve of the master
                return h

            stack.enter_context(mock.patch.object(paths, "quiet_highs", timed_highs))
        else:
            watch("handoff", PersistentHighs, "set_instance")
        if profile is not None:
            profile.enable()
        start = time.perf_counter()
        try:
            outcome = pipeline.optimise(inst, budget, formulation=formulation,
                                        on_log_line=log.append)
        finally:
            wall = time.perf_counter() - start
            if profile is not None:
                profile.disable()
    return outcome, watches, wall


def path_measures(outcome: Outcome, watches: dict[str, Stopwatch], exact: float | None,
                  gain: float | None) -> dict[str, Any]:
    """Size of the route master and where the path solver spent its time."""
    pm = outcome.solver.model
    st = pm.stats
    mip = watches["mip"].seconds
    return {"routes": len(pm.routes), "root_routes": st.routes, "rows": pm.h.getNumRow(),
            "cols": pm.h.getNumCol(), "nonzeros": pm.h.getNumNz(),
            "lp_solves": st.lp_iterations, "bb_nodes": st.nodes, "proven": bool(st.proven),
            "root_bound": st.lp_bound,
            "root_gain_gap": _ratio(None if st.lp_bound is None or exact is None
                                    else st.lp_bound - exact, gain),
            "root_s": st.times.get("lp"), "incumbent_s": st.times.get("incumbent"),
            "pricing_s": watches["pricing"].seconds, "pricing_calls": watches["pricing"].calls,
            "highs_run_s": watches["highs_run"].seconds,
            "lp_solve_s": watches["highs_run"].seconds - mip, "mip_s": mip,
            "mip_calls": watches["mip"].calls, "exact_s": watches["exact"].seconds,
            "exact_calls": watches["exact"].calls, "add_route_s": watches["add_route"].seconds,
            "add_route_calls": watches["add_route"].calls}


def parse_log(lines: list[str], time_limit: float = math.inf) -> dict[str, float | None]:
    """From a HiGHS MIP log: root LP bound and time, bound at the end of the
    root node, first incumbent, presolved size. Only the last "Solving MIP
    model" block counts (a warm start first runs a MIP that completes the
    user's values). A row printed when the time limit stopped the root LP is
    not a solved LP."""
    starts = [i for i, text in enumerate(lines) if text.startswith("Solving MIP model with")]
    lines = lines[starts[-1]:] if starts else lines
    out: dict[str, float | None] = {"root_lp_bound": None, "root_lp_s": None,
                                    "root_end_bound": None, "root_end_s": None,
                                    "first_incumbent": None, "first_incumbent_s": None,
                                    "presolved_rows": None, "presolved_cols": None}
    in_root = True
    for line in lines:
        m = re.match(r"^\s*(\d+) rows\s*$", line)
        if m and out["presolved_rows"] is None:
            out["presolved_rows"] = float(m.group(1))
        m = re.match(r"^\s*(\d+) cols \((\d+) binary", line)
        if m and out["presolved_cols"] is None:
            out["presolved_cols"] = float(m.group(1))
        row = _MIP_ROW.match(line)
        if row is None:
            continue
        proc, bound, best, lp_iters, secs = (int(row.group(2)), _num(row.group(6)),
                                             _num(row.group(7)), int(row.group(12)),
                                             float(row.group(13)))
        if (out["root_lp_bound"] is None and lp_iters > 0 and bound is not None
                and secs < 0.99 * time_limit):
            out["root_lp_bound"], out["root_lp_s"] = bound, secs
        if in_root and proc == 0 and bound is not None:
            out["root_end_bound"], out["root_end_s"] = bound, secs
        if proc > 0:
            in_root = False
        if out["first_incumbent"] is None and best is not None:
            out["first_incumbent"], out["first_incumbent_s"] = best, secs
    return out


def arc_measures(outcome: Outcome, watches: dict[str, Stopwatch], log: list[str],
                 time_limit: float, exact: float | None, gain: float | None) -> dict[str, Any]:
    """Size of the arc MIP as HiGHS holds it, hand-off and HiGHS times, and
    the root node's figures from the HiGHS log."""
    sol = outcome.solution
    prep = outcome.prep
    highs = getattr(outcome.solver._highs, "_solver_model", None)
    r: dict[str, Any] = {"arc_states": sum(len(fa.arcs) for fa in prep.variable),
                         "bb_nodes": sol.nodes, "handoff_s": watches["handoff"].seconds}
    if highs is not None:
        r.update(zip(("rows", "cols", "binaries", "nonzeros"), direct_highs.sizes(highs)))
        r["highs_s"] = highs.getRunTime()
    r.update(parse_log(log, time_limit))

    def gg(value: float | None) -> float | None:
        return _ratio(None if value is None or exact is None else value - exact, gain)

    r["pwl_part"] = gg(sol.objective)  # the linearisation error at the incumbent
    r["root_lp_gain_gap"] = gg(r["root_lp_bound"])
    r["root_end_gain_gap"] = gg(r["root_end_bound"])
    return r


def compare_arc(outcome: Outcome, r: dict[str, Any], args: argparse.Namespace) -> dict:
    """The same arc MIP built (and with --compare full, solved) directly in highspy."""
    prep, budget = outcome.prep, outcome.budget
    d = direct_highs.build(prep, budget)
    out: dict[str, Any] = {
        "direct_build_s": d.build_s,
        "direct_same_size": direct_highs.sizes(d.highs)
        == (r.get("rows"), r.get("cols"), r.get("binaries"), r.get("nonzeros")),
        "pyomo_ratio": _ratio(r["build_s"] + r["handoff_s"], d.build_s)}
    if args.compare == "full":
        res = direct_highs.solve(prep, budget, time_limit=args.time_limit,
                                 mip_gap=target_gap(prep, outcome.ranking))
        sol = outcome.solution
        out.update({"direct_solve_s": res.solve_s, "direct_status": res.status,
                    "direct_bound": res.bound,
                    "direct_exact": evaluate(prep, res.selected).objective
                    if res.selected else None,
                    "direct_rel_diff": None if res.objective is None or sol.objective is None
                    else abs(res.objective - sol.objective) / abs(sol.objective)})
    return out


def run_one(nodes: int, projects: int, flows: int, seed: int, formulation: str,
            args: argparse.Namespace) -> dict[str, Any]:
    """Generate, optimise, evaluate: one result row."""
    r: dict[str, Any] = {"size": f"{nodes}x{projects}x{flows}", "seed": seed,
                         "formulation": formulation, "time_limit": args.time_limit,
                         "budget_share": args.budget_share}
    start = time.perf_counter()
    inst, budget = generate(nodes, projects, flows, seed, args.budget_share)
    r["generate_s"] = time.perf_counter() - start
    inst = with_parameters(inst, args)
    r.update(describe(inst))
    r.update(budget=budget, mip_gap_param=inst.parameters.mip_gap,
             gain_gap_param=inst.parameters.gain_gap)

    log: list[str] = []
    profile = cProfile.Profile() if args.profile is not None else None
    outcome, watches, wall = run_optimise(inst, budget, formulation, log, profile)
    prep, sol = outcome.prep, outcome.solution
    r["variable_flows"] = len(prep.variable)
    r["preprocess_s"] = watches["preprocess"].seconds
    r["build_s"] = outcome.timings["build"] - r["preprocess_s"]  # feasibility check + solver
    r["ranking_s"] = outcome.timings.get("ranking")
    r["solve_s"] = outcome.timings.get("solve")
    r["wall_s"] = wall
    r.update(status=sol.status, message=sol.message, objective=sol.objective, bound=sol.bound,
             mip_gap=sol.mip_gap)

    do_nothing = evaluate(prep, frozenset()).objective
    exact = evaluate(prep, outcome.selected).objective if sol.has_portfolio else None
    gain = None if exact is None else exact - do_nothing
    r.update(do_nothing=do_nothing, exact=exact, gain=gain, selected=sorted(outcome.selected),
             spent=sum(inst.project(p).capex_musd for p in outcome.selected),
             gain_gap=_ratio(None if sol.bound is None or exact is None else sol.bound - exact,
                             gain))
    if outcome.ranking is not None:
        r.update(target_gap=target_gap(prep, outcome.ranking),
                 ranking=outcome.ranking.objective,
                 ranking_share=_ratio(outcome.ranking.objective - do_nothing, gain),
                 returned="ranking" if sol.has_portfolio and outcome.selected
                 != drop_idle(prep, sol.selected) else "solver")

    if formulation == "paths" and outcome.solver is not None:
        r.update(path_measures(outcome, watches, exact, gain))
        if args.compare != "off":
            r.update(pyomo_path_master.compare(outcome.solver.model, log,
                                               rounds=args.compare == "full"))
    elif formulation == "arc" and outcome.solver is not None:
        r.update(arc_measures(outcome, watches, log, args.time_limit, exact, gain))
        if args.compare != "off":
            r.update(compare_arc(outcome, r, args))
    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    name = f"{r['size']}_s{seed}_{formulation}"
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
        (args.logs / f"{name}.log").write_text("\n".join(log) + "\n")
    if profile is not None:
        write_profile(profile, args.profile, name)
    return r


def write_profile(profile: cProfile.Profile, folder: Path, name: str) -> None:
    """The run's cProfile stats, and a summary: top 30 by cumulative and by own time."""
    folder.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(str(folder / f"{name}.pstats"))
    buf = io.StringIO()
    stats = pstats.Stats(profile, stream=buf)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(30)
    (folder / f"{name}.txt").write_text(buf.getvalue())


# --- printing ---------------------------------------------------------------------------------

Column = tuple[str, str, str]  # key, header, format

HEAD: list[Column] = [
    ("size", "size", "{:>13}"), ("seed", "seed", "{:>4}"),
    ("network_nodes", "nodes", "{:>5}"), ("segments", "segs", "{:>5}"),
    ("variable_flows", "varfl", "{:>5}")]
SIZE: dict[str, list[Column]] = {
    "paths": [("routes", "routes", "{:>6}"), ("rows", "rows", "{:>6}"), ("cols", "cols", "{:>6}"),
              ("lp_solves", "LPs", "{:>5}"), ("bb_nodes", "nodes", "{:>5}")],
    "arc": [("rows", "rows", "{:>7}"), ("cols", "cols", "{:>7}"), ("binaries", "bins", "{:>5}"),
            ("nonzeros", "nonzeros", "{:>8}")]}
TAIL: list[Column] = [
    ("preprocess_s", "prep_s", "{:>6.2f}"), ("build_s", "build_s", "{:>7.2f}"),
    ("ranking_s", "rank_s", "{:>6.2f}"), ("solve_s", "solve_s", "{:>7.2f}"),
    ("wall_s", "wall_s", "{:>7.2f}"), ("status", "status", "{:>10}"),
    ("exact", "exact", "{:>10.1f}"), ("bound", "bound", "{:>10.1f}"),
    ("mip_gap", "mip_gap", "{:>7.3%}"), ("gain_gap", "gain_gap", "{:>8.3%}"),
    ("do_nothing", "do_nothing", "{:>10.1f}"), ("ranking", "ranking", "{:>10.1f}"),
    ("ranking_share", "rank_share", "{:>10.1%}")]
DETAILS: dict[str, list[Column]] = {
    "paths": [("size", "size", "{:>13}"), ("seed", "seed", "{:>4}"),
              ("root_routes", "root_rts", "{:>8}"), ("root_gain_gap", "root_gg", "{:>8.2%}"),
              ("root_s", "root_s", "{:>6.1f}"), ("incumbent_s", "inc_s", "{:>6.1f}"),
              ("pricing_s", "pricing_s", "{:>9.2f}"), ("lp_solve_s", "lp_s", "{:>6.2f}"),
              ("mip_s", "mip_s", "{:>6.2f}"), ("exact_s", "exact_s", "{:>7.2f}"),
              ("target_gap", "target", "{:>8.4%}"), ("returned", "returned", "{:>8}"),
              ("routes_per_round_median", "rts/rnd", "{:>7.0f}"),
              ("pyomo_build_s", "pyo_bld_s", "{:>9.3f}"),
              ("pyomo_handoff_s", "pyo_hnd_s", "{:>9.3f}"),
              ("highs_build_s", "hs_bld_s", "{:>8.4f}"), ("pyomo_ratio", "ratio", "{:>5.0f}"),
              ("master_same", "same", "{:>5}"), ("round_ratio", "rnd_ratio", "{:>9.0f}"),
              ("peak_rss_mb", "rss_mb", "{:>6.0f}")],
    "arc": [("size", "size", "{:>13}"), ("seed", "seed", "{:>4}"),
            ("arc_states", "arcs", "{:>7}"), ("handoff_s", "handoff_s", "{:>9.2f}"),
            ("highs_s", "highs_s", "{:>7.1f}"), ("root_lp_s", "rootLP_s", "{:>8.1f}"),
            ("root_lp_gain_gap", "rootLP_gg", "{:>9.2%}"),
            ("root_end_gain_gap", "rootEnd_gg", "{:>10.2%}"), ("pwl_part", "pwl_part", "{:>8.2%}"),
            ("first_incumbent_s", "1st_inc_s", "{:>9.1f}"), ("bb_nodes", "bbnodes", "{:>7}"),
            ("target_gap", "target", "{:>8.4%}"), ("returned", "returned", "{:>8}"),
            ("direct_build_s", "direct_bld_s", "{:>12.3f}"), ("pyomo_ratio", "ratio", "{:>5.0f}"),
            ("direct_same_size", "same", "{:>5}"), ("direct_status", "direct_status", "{:>13}"),
            ("peak_rss_mb", "rss_mb", "{:>6.0f}")]}


def columns(formulation: str) -> list[Column]:
    return HEAD + SIZE[formulation] + TAIL


def _width(fmt: str) -> int:
    return int(re.search(r">(\d+)", fmt).group(1))


def _cell(value: Any, fmt: str) -> str:
    width = _width(fmt)
    if value is None:
        return f"{'-':>{width}}"
    if isinstance(value, (bool, np.bool_)):
        return f"{str(bool(value)):>{width}}"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return f"{str(value):>{width}}"


def header(cols: list[Column]) -> str:
    return " ".join(f"{h:>{_width(f)}}" for _, h, f in cols)


def line(r: dict[str, Any], cols: list[Column]) -> str:
    return " ".join(_cell(r.get(k), f) for k, _, f in cols)


def medians(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-key medians of numeric fields over seeds; statuses joined."""
    out: dict[str, Any] = {"size": rows[0]["size"], "seed": "med"}
    for key in rows[0]:
        values = [r.get(key) for r in rows]
        if key == "seed":
            continue
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            med = statistics.median(values)
            out[key] = int(med) if all(isinstance(v, int) for v in values) and med == int(med) \
                else med
        elif key == "status":
            out[key] = "/".join(sorted({str(v) for v in values}))
    return out


def model_version() -> dict[str, str]:
    """The commit and a hash of model/*.py as they are now (others edit model/ too)."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "model").glob("*.py")):
        digest.update(path.read_bytes())
    head = ROOT / ".git" / "HEAD"
    commit = "?"
    if head.exists():
        ref = head.read_text().strip()
        target = ROOT / ".git" / ref[5:] if ref.startswith("ref: ") else None
        commit = target.read_text().strip() if target is not None and target.exists() else ref
    return {"commit": commit[:7], "model_sha1": digest.hexdigest()[:10]}


def environment() -> dict[str, Any]:
    return {"python": platform.python_version(), "pyomo": pyomo.version.version,
            "highspy": importlib.metadata.version("highspy"), "numpy": np.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count(), **model_version(),
            "run_at": datetime.datetime.now().isoformat(timespec="seconds")}


def parse_sizes(text: str) -> list[tuple[int, int, int]]:
    return [tuple(int(v) for v in part.lower().split("x")) for part in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark model.pipeline.optimise at network scale.")
    ap.add_argument("--formulation", choices=(*FORMULATIONS, "both"), default="paths")
    ap.add_argument("--sizes", default="40x20x30,120x80x120,200x150x200",
                    help="comma-separated towns x projects x flows")
    ap.add_argument("--seeds", default="1,2", help="comma-separated generator seeds")
    ap.add_argument("--time-limit", type=float, default=60.0,
                    help="time_limit_s given to the pipeline, s")
    ap.add_argument("--mip-gap", type=float, default=None,
                    help="mip_gap parameter (default: the instance's)")
    ap.add_argument("--gain-gap", type=float, default=None,
                    help="gain_gap parameter (default: the instance's)")
    ap.add_argument("--budget-share", type=float, default=0.3,
                    help="budget as a share of total candidate capex")
    ap.add_argument("--compare", choices=("off", "build", "full"), default="build",
                    help="arc: build the same MIP directly in highspy (full: and solve it); "
                         "paths: rebuild the final master in Pyomo (full: and time one "
                         "column-generation round through Pyomo's persistent interface)")
    ap.add_argument("--json", type=Path, default=None, help="append raw results (JSON lines)")
    ap.add_argument("--logs", type=Path, default=None, help="folder for the solver logs")
    ap.add_argument("--profile", type=Path, default=None,
                    help="folder for a cProfile of each optimise() call")
    args = ap.parse_args(argv)
    env = environment()
    print(f"# {env['run_at']}  python {env['python']}  pyomo {env['pyomo']}  "
          f"highs {env['highspy']}  cpus {env['cpus']}  commit {env['commit']}  "
          f"model {env['model_sha1']}  time limit {args.time_limit:g} s", flush=True)
    formulations = FORMULATIONS if args.formulation == "both" else (args.formulation,)
    seeds = [int(s) for s in args.seeds.split(",")]
    for formulation in formulations:
        results: dict[str, list[dict[str, Any]]] = {}
        print(f"\n# {formulation}", flush=True)
        print(header(columns(formulation)), flush=True)
        for nodes, projects, flows in parse_sizes(args.sizes):
            for seed in seeds:
                r = run_one(nodes, projects, flows, seed, formulation, args)
                r["env"] = env
                results.setdefault(r["size"], []).append(r)
                print(line(r, columns(formulation)), flush=True)
                if args.json is not None:
                    args.json.parent.mkdir(parents=True, exist_ok=True)
                    with args.json.open("a") as fh:
                        fh.write(json.dumps(r, default=str) + "\n")
        if len(seeds) > 1:
            print(f"\n# {formulation}: medians over seeds")
            print(header(columns(formulation)))
            for rows in results.values():
                print(line(medians(rows), columns(formulation)))
        print(f"\n# {formulation}: details")
        print(header(DETAILS[formulation]))
        for rows in results.values():
            for r in rows:
                print(line(r, DETAILS[formulation]))
            if len(rows) > 1:
                print(line(medians(rows), DETAILS[formulation]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
