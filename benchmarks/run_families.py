"""Benchmark both formulations on the instance families of issue 11.

Each (family, towns, seed, formulation) runs in its own Python process, so
that its wall time includes everything (start-up, imports, building the
instance, the solve, the exact evaluation) and a run that does not stop can
be killed: at 3 x the time limit + 30 s the process group is killed and the
run recorded as "killed". Runs go one after the other (the machine has two
cores; HiGHS may use both).

    nice -n 5 python benchmarks/run_families.py --sizes 40,120 \
        --json benchmarks/results/families_before.jsonl

Time limits: 60 s at 40 and 120 towns, 120 s at 200, 300 s at 400
(``--time-limit`` overrides). One JSON line per run; a markdown table per
family and size (medians over seeds, max overshoot) at the end, or from a
file with ``--table FILE``. The model is driven only through
``benchmarks/families_run.solve_instance``.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import hashlib
import io
import json
import os
import platform
import pstats
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIMITS = {40: 60.0, 120: 60.0, 200: 120.0, 400: 300.0}
FORMULATIONS = ("paths", "arc")


def time_limit(towns: int, override: float | None = None) -> float:
    if override is not None:
        return override
    return LIMITS.get(towns, 60.0 if towns <= 120 else 120.0 if towns <= 200 else 300.0)


def version() -> dict[str, str]:
    """The commit and a hash of model/*.py as they are now."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    digest = hashlib.sha1()
    for path in sorted((ROOT / "model").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    dirty = subprocess.run(["git", "status", "--porcelain", "model"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {"commit": commit, "model_sha1": digest.hexdigest()[:12],
            "model_dirty": bool(dirty)}


# --- the child: one run -----------------------------------------------------------------------

def child(args: argparse.Namespace) -> int:
    """Build the instance, solve it, write the result as JSON to args.out."""
    t0 = time.perf_counter()
    from benchmarks.families import describe, make
    from benchmarks.families_run import solve_instance
    imported = time.perf_counter() - t0
    t = time.perf_counter()
    inst, budget = make(args.family, args.towns, args.seed)
    r: dict[str, Any] = {"make_s": time.perf_counter() - t, "import_s": imported,
                         "budget": budget, **describe(inst)}
    log: list[tuple[float, str]] = _Tee(Path(args.logs) / f"{args.name}.log") \
        if args.logs else []
    profile = cProfile.Profile() if args.profile else None
    if profile is not None:
        profile.enable()
    t = time.perf_counter()
    try:
        r.update(solve_instance(inst, budget, args.formulation, args.limit, log))
    except Exception as exc:  # the run counts as an error, the benchmark goes on
        r.update(status="error", message=f"{type(exc).__name__}: {exc}")
    r["solver_call_s"] = time.perf_counter() - t
    if profile is not None:
        profile.disable()
        _write_profile(profile, Path(args.profile), args.name)
    r["child_s"] = time.perf_counter() - t0
    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    Path(args.out).write_text(json.dumps(r, default=str))
    return 0


class _Tee(list):
    """The solver log, also written to a file line by line as it comes (so
    that a killed run leaves its log)."""

    def __init__(self, path: Path):
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w")

    def append(self, item: tuple[float, str]) -> None:
        super().append(item)
        self._fh.write(f"{item[0]:8.2f} {item[1]}\n")
        self._fh.flush()


def _write_profile(profile: cProfile.Profile, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(str(folder / f"{name}.pstats"))
    buf = io.StringIO()
    stats = pstats.Stats(profile, stream=buf)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    (folder / f"{name}.txt").write_text(buf.getvalue())


# --- the parent: every run ------------------------------------------------------------------

def run_one(family: str, towns: int, seed: int, formulation: str, limit: float,
            args: argparse.Namespace, env: dict[str, Any]) -> dict[str, Any]:
    name = f"{family}_{towns}_s{seed}_{formulation}"
    r: dict[str, Any] = {"family": family, "towns": towns, "seed": seed,
                         "formulation": formulation, "time_limit": limit, "name": name}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--family", family,
               "--towns", str(towns), "--seed", str(seed), "--formulation", formulation,
               "--limit", str(limit), "--out", str(out), "--name", name]
        if args.logs:
            cmd += ["--logs", str(args.logs)]
        if args.profile:
            cmd += ["--profile", str(args.profile)]
        kill_at = 3 * limit + 30.0
        r["load_before"] = os.getloadavg()[0]  # the machine is shared: how busy it was
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            output, _ = proc.communicate(timeout=kill_at)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            killed = True
        wall = time.perf_counter() - start
        r["load_after"] = os.getloadavg()[0]
        r["wall_s"] = wall
        r["overshoot_s"] = wall - limit
        if killed:
            r.update(status="killed", message=f"killed at {kill_at:.0f} s")
        elif out.exists():
            r.update(json.loads(out.read_text()))
        else:
            r.update(status="crashed", message=(output or "")[-2000:],
                     returncode=proc.returncode)
    if "solve_s" in r:
        r["overshoot_solve_s"] = r["solve_s"] - limit
    if "optimise_s" in r:
        r["overshoot_optimise_s"] = r["optimise_s"] - limit
    r["env"] = env
    return r


def _fmt(v: Any, spec: str) -> str:
    if v is None:
        return "–"
    return format(v, spec)


def _tally(values: Iterable[str]) -> str:
    """'optimal 2, time_limit 1': how often each value occurs, sorted."""
    return ", ".join(f"{k} {v}" for k, v in sorted(Counter(values).items()))


def _med(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _max(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return max(values) if values else None


def table(rows: list[dict[str, Any]]) -> str:
    """A markdown table per family: one line per size and formulation."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["family"], r["towns"], r["formulation"]), []).append(r)
    out = []
    families = sorted({k[0] for k in groups}, key=lambda f: (
        ("chains", "overlap", "longhaul", "gauge", "fewmany", "knn3") + (f,)).index(f))
    for fam in families:
        out.append(f"\n#### {fam}\n")
        out.append("| towns | formulation | limit s | runs | status | gain_gap median | "
                   "gain_gap max | wall s median | overshoot max s (whole) | "
                   "overshoot max s (solver) | pricing s median | LP s median | MIP s median "
                   "| nodes median | rank share median |")
        out.append("| " + " | ".join(["---"] * 15) + " |")
        for (f, towns, form), rs in sorted(groups.items(), key=lambda kv: (
                kv[0][1], FORMULATIONS.index(kv[0][2]) if kv[0][2] in FORMULATIONS else 9)):
            if f != fam:
                continue
            status = _tally(r.get("status", "?") for r in rs)
            gg = [r.get("gain_gap") for r in rs]
            missing = sum(1 for v in gg if v is None)
            ggmax = _max(gg)
            ggmax_s = _fmt(ggmax, ".2%") + (f" ({missing} none)" if missing else "")
            out.append(
                f"| {towns} | {form} | {rs[0]['time_limit']:g} | {len(rs)} | {status} | "
                f"{_fmt(_med(gg), '.2%')} | {ggmax_s} | "
                f"{_fmt(_med([r['wall_s'] for r in rs]), '.1f')} | "
                f"{_fmt(_max([r.get('overshoot_s') for r in rs]), '+.1f')} | "
                f"{_fmt(_max([r.get('overshoot_solve_s') for r in rs]), '+.1f')} | "
                f"{_fmt(_med([r.get('pricing_s') for r in rs]), '.1f')} | "
                f"{_fmt(_med([r.get('lp_s') for r in rs]), '.1f')} | "
                f"{_fmt(_med([r.get('mip_s') for r in rs]), '.1f')} | "
                f"{_fmt(_med([r.get('bb_nodes') for r in rs]), '.0f')} | "
                f"{_fmt(_med([r.get('ranking_share') for r in rs]), '.1%')} |")
    return "\n".join(out)


def details(rows: list[dict[str, Any]]) -> str:
    """Where the time went, per family, size and formulation (medians over
    seeds; max where it says so)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["family"], r["towns"], r["formulation"]), []).append(r)
    order = ("chains", "overlap", "longhaul", "gauge", "fewmany", "knn3")
    keys = sorted(groups, key=lambda k: (order.index(k[0]) if k[0] in order else 9, k[1],
                                         FORMULATIONS.index(k[2]) if k[2] in FORMULATIONS
                                         else 9))
    out = ["\n#### Where the time went: route formulation (paths)\n",
           "| family | towns | solve s | pricing s | pricing share | longest pricing call s "
           "(max) | LP s | MIP s | exact s | LP rounds | root end s | root gain_gap | bound "
           "last moved s | nodes | routes |",
           "| " + " | ".join(["---"] * 15) + " |"]
    for k in keys:
        if k[2] != "paths":
            continue
        rs = groups[k]
        share = [None if not r.get("solve_s") or r.get("pricing_s") is None
                 else r["pricing_s"] / r["solve_s"] for r in rs]
        out.append(
            f"| {k[0]} | {k[1]} | {_fmt(_med([r.get('solve_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('pricing_s') for r in rs]), '.1f')} | {_fmt(_med(share), '.0%')} | "
            f"{_fmt(_max([r.get('pricing_longest_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('lp_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('mip_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('exact_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('lp_rounds') for r in rs]), '.0f')} | "
            f"{_fmt(_med([r.get('root_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('root_gain_gap') for r in rs]), '.2%')} | "
            f"{_fmt(_med([r.get('bound_last_moved_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('bb_nodes') for r in rs]), '.0f')} | "
            f"{_fmt(_med([r.get('routes') for r in rs]), '.0f')} |")
    out += ["\n#### Where the time went: arc formulation\n",
            "| family | towns | build s | solve s | rows | cols | root LP s | root LP gain_gap | "
            "root end gain_gap | final gain_gap | pwl part | B&B nodes | first incumbent s |",
            "| " + " | ".join(["---"] * 13) + " |"]
    for k in keys:
        if k[2] != "arc":
            continue
        rs = groups[k]
        out.append(
            f"| {k[0]} | {k[1]} | {_fmt(_med([r.get('build_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('solve_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('rows') for r in rs]), '.0f')} | "
            f"{_fmt(_med([r.get('cols') for r in rs]), '.0f')} | "
            f"{_fmt(_med([r.get('root_lp_s') for r in rs]), '.1f')} | "
            f"{_fmt(_med([r.get('root_lp_gain_gap') for r in rs]), '.2%')} | "
            f"{_fmt(_med([r.get('root_end_gain_gap') for r in rs]), '.2%')} | "
            f"{_fmt(_med([r.get('gain_gap') for r in rs]), '.2%')} | "
            f"{_fmt(_med([r.get('pwl_part') for r in rs]), '.2%')} | "
            f"{_fmt(_med([r.get('bb_nodes') for r in rs]), '.0f')} | "
            f"{_fmt(_med([r.get('first_incumbent_s') for r in rs]), '.1f')} |")
    return "\n".join(out)


def combined(rows: list[dict[str, Any]]) -> str:
    """Per instance, what running both formulations would certify: the best
    exact portfolio of either against the smaller bound (both bounds are
    valid upper bounds on the exact optimum). Medians and max over seeds."""
    inst: dict[tuple, dict[str, dict[str, Any]]] = {}
    for r in rows:
        inst.setdefault((r["family"], r["towns"], r["seed"]), {})[r["formulation"]] = r
    groups: dict[tuple, list[tuple]] = {}
    for (fam, towns, seed), by in inst.items():
        if not {"paths", "arc"} <= set(by):
            continue
        p, a = by["paths"], by["arc"]
        exacts = [r["exact"] for r in (p, a) if r.get("exact") is not None]
        bounds = [r["bound"] for r in (p, a) if r.get("bound") is not None
                  and r.get("status") in ("optimal", "time_limit")]
        dn = p.get("do_nothing", a.get("do_nothing"))
        best = max(exacts) if exacts else None
        gg = None if best is None or not bounds or dn is None else \
            (min(bounds) - best) / (best - dn) if best > dn else None
        winner = "–"
        if p.get("exact") is not None and a.get("exact") is not None:
            d = (p["exact"] - a["exact"]) / max(1e-9, abs(best - dn)) if best and dn else 0
            winner = "paths" if d > 1e-6 else "arc" if d < -1e-6 else "same"
        tighter = "–"
        if p.get("bound") is not None and a.get("bound") is not None:
            tighter = "paths" if p["bound"] < a["bound"] else "arc"
        groups.setdefault((fam, towns), []).append((gg, winner, tighter, p.get("gain_gap"),
                                                     a.get("gain_gap")))
    order = ("chains", "overlap", "longhaul", "gauge", "fewmany", "knn3")
    out = ["\n#### Best of both formulations (same instance, each run alone)\n",
           "| family | towns | seeds | gain_gap paths (median) | gain_gap arc (median) | "
           "best of both: gain_gap median | max | better portfolio (paths/arc/same) | "
           "tighter bound (paths/arc) |",
           "| " + " | ".join(["---"] * 9) + " |"]
    for key in sorted(groups, key=lambda k: (order.index(k[0]) if k[0] in order else 9, k[1])):
        gs = groups[key]

        def count(i: int) -> str:
            return _tally(g[i] for g in gs)
        out.append(f"| {key[0]} | {key[1]} | {len(gs)} | {_fmt(_med([g[3] for g in gs]), '.2%')} "
                   f"| {_fmt(_med([g[4] for g in gs]), '.2%')} | "
                   f"{_fmt(_med([g[0] for g in gs]), '.2%')} | "
                   f"{_fmt(_max([g[0] for g in gs]), '.2%')} | "
                   f"{count(1)} | {count(2)} |")
    return "\n".join(out)


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    """Issue 11's before/after table: per family and size, the old code's two
    formulations run alone (and the best of both on the same instance) against
    the new runs (any formulation, e.g. auto), with the targets' figures:
    gain_gap median and worst seed, wall median and the worst overshoot, and
    whether each new run is at least as good as the better old one alone."""
    def by(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, dict[str, Any]]]:
        out: dict[tuple, dict[str, dict[str, Any]]] = {}
        for r in rows:
            out.setdefault((r["family"], r["towns"], r["seed"]), {})[r["formulation"]] = r
        return out

    old, new = by(before), by(after)
    groups: dict[tuple, list[tuple]] = {}
    for (fam, towns, seed), runs in new.items():
        for form, r in runs.items():
            was = old.get((fam, towns, seed), {})
            best_old = [w.get("gain_gap") for w in was.values()
                        if w.get("gain_gap") is not None]
            best = min(best_old) if best_old else None
            gg = r.get("gain_gap")
            # the exact trade of the portfolio and the bound, against either old run
            old_exact = max([w["exact"] for w in was.values() if w.get("exact") is not None],
                            default=None)
            old_bound = min([w["bound"] for w in was.values() if w.get("bound") is not None
                             and w.get("status") in ("optimal", "time_limit")], default=None)
            no_worse = None  # proven within the target, or a gap no wider than the better
            if gg is not None and was:  # old run's (or none: the old runs failed or were
                # killed), or a portfolio and a bound each no worse
                tol = 1e-6 * max(1.0, abs(old_exact or 1.0))
                no_worse = r.get("status") == "optimal" or best is None or gg <= best + 1e-6
                if not no_worse and old_exact is not None and old_bound is not None:
                    no_worse = r["exact"] >= old_exact - tol and r["bound"] <= old_bound + tol
            groups.setdefault((fam, towns, form), []).append(
                (was.get("paths", {}).get("gain_gap"), was.get("arc", {}).get("gain_gap"),
                 best, gg, r["wall_s"], r.get("overshoot_s"), r.get("status", "?"), no_worse,
                 r["time_limit"], max(r.get("load_before") or 0.0, r.get("load_after") or 0.0)))
    order = ("chains", "overlap", "longhaul", "gauge", "fewmany", "knn3")
    out = ["| family | towns | limit s | seeds | before: paths | before: arc | before: better of "
           "the two | after | status | after: worst seed | wall s median | overshoot max s "
           "| no worse than the better before (seeds) | load max |",
           "| " + " | ".join(["---"] * 14) + " |"]
    for key in sorted(groups, key=lambda k: (order.index(k[0]) if k[0] in order else 9, k[1],
                                             k[2])):
        gs = groups[key]
        status = _tally(g[6] for g in gs)
        judged = [g[7] for g in gs if g[7] is not None]
        verdict = f"{sum(judged)} of {len(judged)}" if judged else "–"
        form = "" if key[2] == "auto" else f" ({key[2]})"
        out.append(
            f"| {key[0]}{form} | {key[1]} | {gs[0][8]:g} | {len(gs)} | "
            f"{_fmt(_med([g[0] for g in gs]), '.2%')} | {_fmt(_med([g[1] for g in gs]), '.2%')} "
            f"| {_fmt(_med([g[2] for g in gs]), '.2%')} | **{_fmt(_med([g[3] for g in gs]), '.2%')}"
            f"** | {status} | {_fmt(_max([g[3] for g in gs]), '.2%')} | "
            f"{_fmt(_med([g[4] for g in gs]), '.1f')} | {_fmt(_max([g[5] for g in gs]), '+.1f')} "
            f"| {verdict} | {_fmt(_max([g[9] for g in gs]), '.1f')} |")
    return "\n".join(out)


def versus_alone(rows: list[dict[str, Any]]) -> str:
    """The race against each formulation run alone by the same code, on the
    instances where all three ran: exact trade of the portfolio and bound."""
    inst: dict[tuple, dict[str, dict[str, Any]]] = {}
    for r in rows:
        inst.setdefault((r["family"], r["towns"], r["seed"]), {})[r["formulation"]] = r
    out = ["| instance | auto: gain_gap, wall s | paths alone | arc alone | auto's portfolio "
           "≥ the better alone | auto's bound ≤ the better alone |",
           "| " + " | ".join(["---"] * 6) + " |"]
    for (fam, towns, seed), by in sorted(inst.items()):
        if not {"auto", "paths", "arc"} <= set(by):
            continue
        a, p, c = by["auto"], by["paths"], by["arc"]

        def cell(r: dict[str, Any]) -> str:
            return f"{_fmt(r.get('gain_gap'), '.2%')}, {r['wall_s']:.1f}"
        exacts = [r["exact"] for r in (p, c) if r.get("exact") is not None]
        bounds = [r["bound"] for r in (p, c) if r.get("bound") is not None]
        tol = 1e-6 * max(1.0, abs(a.get("exact") or 1.0))
        better = "–" if a.get("exact") is None or not exacts else \
            ("yes" if a["exact"] >= max(exacts) - tol else
             f"no ({a['exact']:,.1f} < {max(exacts):,.1f})")
        tighter = "–" if a.get("bound") is None or not bounds else \
            ("yes" if a["bound"] <= min(bounds) + tol else
             f"no ({a['bound']:,.1f} > {min(bounds):,.1f})")
        out.append(f"| {fam} {towns}/{seed} | {cell(a)} | {cell(p)} | {cell(c)} | {better} | "
                   f"{tighter} |")
    return "\n".join(out)


def _latest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per run name: the last one written (a run repeated, e.g. on a
    quieter machine, replaces the earlier one)."""
    return list({r["name"]: r for r in rows}.values())


def line(r: dict[str, Any]) -> str:
    return (f"{r['name']:<26} {r.get('status', '?'):>10} wall {r['wall_s']:7.1f}"
            f" over {r['overshoot_s']:+7.1f} solve {_fmt(r.get('solve_s'), '7.1f')}"
            f" exact {_fmt(r.get('exact'), '12,.1f')} bound {_fmt(r.get('bound'), '12,.1f')}"
            f" gg {_fmt(r.get('gain_gap'), '8.3%')} rank {_fmt(r.get('ranking_share'), '6.1%')}"
            f" pricing {_fmt(r.get('pricing_s'), '6.1f')}"
            f" (longest {_fmt(r.get('pricing_longest_s'), '.1f')})"
            f" lp {_fmt(r.get('lp_s'), '5.1f')} mip {_fmt(r.get('mip_s'), '5.1f')}"
            f" nodes {_fmt(r.get('bb_nodes'), '')}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", default="chains,overlap,longhaul,gauge,fewmany,knn3")
    ap.add_argument("--sizes", default="40,120", help="towns, comma-separated")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--formulations", default="paths,arc")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="override the per-size limits (60/60/120/300 s)")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/families_before.jsonl",
                    help="append one JSON line per run")
    ap.add_argument("--logs", type=Path, default=ROOT / "benchmarks/results/logs_families",
                    help="folder for each run's solver log (with seconds)")
    ap.add_argument("--profile", type=Path, default=None, help="cProfile each run into DIR")
    ap.add_argument("--table", type=Path, default=None,
                    help="only print the tables of an existing JSON-lines file")
    ap.add_argument("--compare", type=Path, default=None,
                    help="with --table: the before/after table against this JSON-lines file"
                         " (the old code's runs)")
    ap.add_argument("--skip-done", action="store_true",
                    help="skip runs already in --json with the same model hash")
    # the child's arguments
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--family", help=argparse.SUPPRESS)
    ap.add_argument("--towns", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--formulation", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--name", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args)
    if args.table is not None:
        rows = _latest([json.loads(t) for t in args.table.read_text().splitlines()
                        if t.strip()])
        if args.compare is not None:
            before = [json.loads(t) for t in args.compare.read_text().splitlines() if t.strip()]
            raced = [r for r in rows if r["formulation"] == "auto"]
            print(compare(before, raced or rows))
            print()
            print(versus_alone(rows))
            return 0
        print(table(rows))
        print(details(rows))
        print(combined(rows))
        return 0
    env = {**version(), "python": platform.python_version(), "cpus": os.cpu_count(),
           "nice": os.nice(0), "run_at": datetime.datetime.now().isoformat(timespec="seconds")}
    print(f"# {env['run_at']} commit {env['commit'][:10]} model {env['model_sha1']}"
          f"{' (dirty)' if env['model_dirty'] else ''} nice {env['nice']}", flush=True)
    done: set[str] = set()
    if args.skip_done and args.json.exists():
        for t in args.json.read_text().splitlines():
            if t.strip():
                d = json.loads(t)
                if d.get("env", {}).get("model_sha1") == env["model_sha1"]:
                    done.add(d["name"])
    rows = []
    for towns in [int(v) for v in args.sizes.split(",")]:
        for family in args.families.split(","):
            for formulation in args.formulations.split(","):
                for seed in [int(v) for v in args.seeds.split(",")]:
                    name = f"{family}_{towns}_s{seed}_{formulation}"
                    if name in done:
                        continue
                    r = run_one(family, towns, seed, formulation,
                                time_limit(towns, args.time_limit), args, env)
                    rows.append(r)
                    print(line(r), flush=True)
                    if args.json is not None:
                        args.json.parent.mkdir(parents=True, exist_ok=True)
                        with args.json.open("a") as fh:
                            fh.write(json.dumps(r, default=str) + "\n")
    print(table(rows))
    print(details(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
