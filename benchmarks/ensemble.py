"""Benchmark of scenario ensembles on Dask (issue 12, spec §11).

Targets on the 2-core machine: 200 draws of the default workbook with
re-optimisation in <= 60 s; speed-up from 1 to 2 local workers >= 1.7x;
--robust over 50 draws to gain_gap <= 1% of the mean gain in <= 120 s. It
also measures what a cluster of many machines would ship and compute: the
bytes of the shared data and of a draw's result, a draw's CPU time, the
per-task overhead of the scheduler.

    python benchmarks/ensemble.py --json benchmarks/results/ensemble.jsonl

The workbook is inputs/corridors.xlsx as shipped, with its sourced
Uncertainty sheet (it is only read). The machine's load
average is printed with every figure: the cores are shared.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cloudpickle

from model.ensemble import Shipment, Spread, robust, solve_draw
from model.executor import Engine
from model.reader import read_workbook
from model.scenario import apply, sample
from model.sequencer import optimise
from model.validate import validate

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 2000.0

WORKBOOK = ROOT / "inputs" / "corridors.xlsx"  # with its own sourced Uncertainty sheet


def timed_draw(ship: Shipment, drawn: Any) -> tuple[Any, float, float]:
    """A draw with its CPU and wall seconds in the worker."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = solve_draw(ship, drawn)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def breakdown(ship: Shipment, draws: tuple) -> dict[str, float]:
    """CPU seconds a draw spends in each part, run here with stopwatches
    around the model's functions (the model itself is not changed)."""
    from model import ensemble, route_master, route_solver, sequencer

    parts = {"pricing (label search)": (route_solver, "search_routes"),
             "route LPs": (route_master.RouteMaster, "solve_lp"),
             "MIP over the routes": (route_master.RouteMaster, "solve_mip"),
             "master build and seed routes": (route_master.RouteMaster, "__init__"),
             "ranking": (sequencer, "benefit_cost_ranking"),
             "applying the draw": (ensemble, "apply"),
             "figures of the portfolios": (ensemble, "figures")}
    spent = dict.fromkeys(parts, 0.0)
    saved = {name: getattr(owner, attr) for name, (owner, attr) in parts.items()}

    def timed(name: str, f: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            t = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[name] += time.process_time() - t
        return run

    for name, (owner, attr) in parts.items():
        setattr(owner, attr, timed(name, saved[name]))
    try:
        t = time.process_time()
        for d in draws:
            solve_draw(ship, d)
        total = time.process_time() - t
    finally:
        for name, (owner, attr) in parts.items():
            setattr(owner, attr, saved[name])
    return {"cpu_per_draw_s": total / len(draws),
            **{name: s / total for name, s in spent.items()}}


def noop(shared: Any, item: int) -> int:
    return item


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def say(text: str) -> None:
    print(text, flush=True)


def draws_on(workers: int, ship: Shipment, draws: tuple, label: str) -> dict[str, Any]:
    """Run the draws on a fresh local cluster; the cluster's start is timed apart."""
    t = time.perf_counter()
    with Engine(workers=workers) as engine:
        start_s = time.perf_counter() - t
        t = time.perf_counter()
        ran = engine.map(timed_draw, ship, draws)
        wall = time.perf_counter() - t
        t = time.perf_counter()
        engine.map(noop, 0, list(range(200)))
        overhead = (time.perf_counter() - t) / 200
    cpu = [c for _, c, _ in ran.results.values()]
    out = {"label": label, "workers": workers, "draws": len(draws), "done": len(ran.results),
           "failed": len(ran.failed), "wall_s": wall, "cluster_start_s": start_s,
           "cpu_per_draw_median_s": statistics.median(cpu), "cpu_total_s": sum(cpu),
           "task_overhead_s": overhead, "load": load()}
    say(f"  {label}: {workers} worker(s), {len(draws)} draws in {wall:.1f} s wall"
        f" (cluster start {start_s:.1f} s), CPU per draw median {out['cpu_per_draw_median_s']:.2f}"
        f" s, total {out['cpu_total_s']:.0f} s; scheduler overhead {1000 * overhead:.1f} ms a"
        f" task; load {out['load']}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--speedup-draws", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--robust-draws", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--robust-time-limit", type=float, default=300.0,
                    help="time limit of the robust model, s (the workbook's is 300)")
    ap.add_argument("--profile-draws", type=int, default=20,
                    help="draws run here with stopwatches for the CPU breakdown")
    ap.add_argument("--skip", default="",
                    help="comma-separated: profile, draws, speedup, robust, cli")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    say(f"commit {commit}, {os.cpu_count()} cores, load {load()}")
    folder = Path(tempfile.mkdtemp())
    path = WORKBOOK
    inst, config, _ = validate(read_workbook(path))
    config = config.with_overrides(budget_musd=BUDGET)
    outcome = optimise(inst, config)
    ship = Shipment(outcome.prep, config, outcome.plan)
    draws = sample(inst.uncertainty, args.seed, args.draws)
    record: dict[str, Any] = {"commit": commit, "cores": os.cpu_count(),
                              "returned": sorted(outcome.selected)}
    shipped = len(cloudpickle.dumps(ship))
    result_bytes = len(pickle.dumps(solve_draw(ship, draws[0])))
    record.update(shipment_bytes=shipped, draw_bytes=len(pickle.dumps(draws[0])),
                  result_bytes=result_bytes)
    say(f"shipped once per worker: {shipped:,} bytes (Shipment: prepared network, instance,"
        f" settings, portfolio); a draw {record['draw_bytes']} bytes; a result"
        f" {result_bytes:,} bytes")
    if "profile" not in skip:
        parts = breakdown(ship, draws[: args.profile_draws])
        record["breakdown"] = parts
        say(f"a draw here: {parts['cpu_per_draw_s']:.3f} s CPU (mean over {args.profile_draws}"
            " draws); " + ", ".join(
                f"{k} {100 * v:.0f}%" for k, v in parts.items() if k != "cpu_per_draw_s"))
    if "draws" not in skip:
        record["draws_200"] = draws_on(2, ship, draws, f"{args.draws} draws")
    if "speedup" not in skip:
        part = draws[: args.speedup_draws]
        runs: dict[int, list[float]] = {1: [], 2: []}
        for i in range(args.repeats):
            for workers in (1, 2):
                runs[workers].append(draws_on(workers, ship, part, f"speed-up run {i + 1}")
                                     ["wall_s"])
        one, two = statistics.median(runs[1]), statistics.median(runs[2])
        record["speedup"] = {"draws": len(part), "one_s": runs[1], "two_s": runs[2],
                             "ratio": one / two, "load": load()}
        say(f"speed-up 1 -> 2 workers: median {one:.1f} s / {two:.1f} s = {one / two:.2f}x")
    if "robust" not in skip:
        rconfig = config.with_overrides(gain_gap=0.01, time_limit_s=args.robust_time_limit)
        t, c = time.perf_counter(), time.process_time()
        scenarios = [apply(outcome.prep, inst.uncertainty, d)
                     for d in draws[: args.robust_draws]]
        best = robust(outcome.prep, rconfig, scenarios, outcome.plan)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        gains = Spread.of(best.gains)
        record["robust"] = {"draws": len(scenarios), "wall_s": wall, "cpu_s": cpu,
                            "time_limit_s": args.robust_time_limit,
                            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                            / 1024,
                            "gain_gap": best.gain_gap, "status": str(best.outcome.solution.status),
                            "projects": sorted(best.plan.selected),
                            "mean_objective": best.objective,
                            "returned_mean_objective": best.deterministic,
                            "gain_p10": gains.p10, "gain_p50": gains.p50, "gain_p90": gains.p90,
                            "load": load()}
        say(f"robust over {len(scenarios)} draws: {wall:.1f} s wall ({cpu:.0f} s CPU,"
            f" {record['robust']['max_rss_mb']:,.0f} MB peak),"
            f" {best.outcome.solution.status}, gain_gap {100 * best.gain_gap:.3f}%, projects"
            f" {';'.join(sorted(best.plan.selected))}, gain P10 {gains.p10:.1f} P50"
            f" {gains.p50:.1f} P90 {gains.p90:.1f} mean {gains.mean:.1f} kt/yr; load {load()}")
    if "cli" not in skip:
        out = folder / "report.xlsx"
        t = time.perf_counter()
        code = subprocess.run([sys.executable, "run.py", "--input", str(path), "--budget",
                               f"{BUDGET:g}", "--scenarios", str(args.draws), "--seed",
                               str(args.seed), "--robust", "--output", str(out), "--quiet"],
                              cwd=ROOT).returncode
        wall = time.perf_counter() - t
        record["cli"] = {"exit": code, "wall_s": wall, "report": str(out), "load": load()}
        say(f"python run.py ... --scenarios {args.draws} --robust: exit {code} in {wall:.0f} s;"
            f" report {out}")
        if code in (0, 4):
            record["cli"].update(ensemble_figures(out))
            say(json.dumps(record["cli"], indent=1))
    if args.json:
        with args.json.open("a") as f:
            f.write(json.dumps(record) + "\n")


def ensemble_figures(report: Path) -> dict[str, Any]:
    """The closing note's figures from a report: percentiles of both
    portfolios and the projects chosen in > 80 % and < 20 % of the draws."""
    import pandas as pd

    summary = pd.read_excel(report, sheet_name="Summary")
    value = dict(zip(summary["item"], summary["value"]))
    share = pd.read_excel(report, sheet_name="Robustness").dropna(subset=["selected_share"])
    keys = [f"{who}_{k}" for who in ("gain", "robust_gain")
            for k in ("mean_kt", "p10_kt", "p50_kt", "p90_kt")]
    return {**{k: value.get(k) for k in keys + ["scenarios_done", "robust_projects",
                                                "robust_gain_gap", "scenario_s"]},
            "above_80pct": list(share[share["selected_share"] > 0.8]["project_id"]),
            "below_20pct": list(share[share["selected_share"] < 0.2]["project_id"])}


if __name__ == "__main__":
    main()
