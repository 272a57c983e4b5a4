"""Python against compiled label search, on the route solver's real pricing calls.

For each instance:

1. solve it with the Python search only (the kernel switched off), recording
   every ``search_routes`` call of the route solver (flow net, penalties,
   floor, keep) and the time spent in them;
2. solve it again with the compiled search (kernel loaded and warmed up
   before the clock starts) and check the same portfolio and objective;
3. replay the recorded calls ``--repeat`` times through both searches
   (``pricing._search_python`` and ``pricing._search_compiled``), check they
   return the same routes, and print median per-call times and the ratio.

``--compile`` times loading the kernel in fresh processes: cold (an empty
numba cache directory) and warm (the cache just written), ``--repeat``
times each.

    python -m benchmarks.pricing_speed --instances default 120x80x120:1 --repeat 5
    python -m benchmarks.pricing_speed --compile --repeat 5

The machine has 2 shared, noisy cores: quote medians, and read the CPU
seconds beside the wall seconds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generator import generate
from model import pricing, route_solver
from model.config import RunConfig
from model.preprocess import prepare
from model.reader import read_workbook
from model.sequencer import optimise
from model.validate import validate

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Call:
    net: pricing.FlowNet
    penalty: dict[str, float]
    floor: float
    keep: int


def load(name: str, time_limit: float):
    """(instance, config) for 'default' or 'NODESxPROJECTSxFLOWS:SEED'."""
    if name == "default":
        instance, config, _ = validate(read_workbook(ROOT / "inputs" / "corridors.xlsx"))
        config = config.with_overrides(budget_musd=2000.0, budget_source="--budget")
    else:
        size, seed = name.split(":")
        n, p, f = (int(x) for x in size.split("x"))
        instance, budget = generate(n, p, f, int(seed))
        config = RunConfig(budget)
    return instance, config.with_overrides(time_limit_s=time_limit)


def solve(instance, config, *, compiled: bool, record: list[Call] | None = None):
    """One optimise call; returns (outcome, wall s, cpu s, pricing s, calls)."""
    pricing._COMPILE["failed"] = not compiled
    if compiled:
        assert pricing._load_kernel(), "numba is not available"
    else:
        pricing._COMPILE["kernel"] = None
    real = route_solver.search_routes
    spent = [0.0, 0]

    def watched(net, penalty, floor, keep=1, **kw):
        t = time.perf_counter()
        priced = real(net, penalty, floor, keep, **kw)
        spent[0] += time.perf_counter() - t
        spent[1] += 1
        if record is not None:
            record.append(Call(net, dict(penalty), float(floor), keep))
        return priced

    route_solver.search_routes = watched
    try:
        prep = prepare(instance)
        w, c = time.perf_counter(), time.process_time()
        outcome = optimise(instance, config, prep=prep)
        wall, cpu = time.perf_counter() - w, time.process_time() - c
    finally:
        route_solver.search_routes = real
        pricing._COMPILE["failed"] = False
    return outcome, wall, cpu, spent[0], spent[1]


def replay(calls: list[Call], repeat: int) -> tuple[list[float], list[float], int]:
    """Median seconds per call, Python and compiled, and the calls whose
    results differ (should be none)."""
    py_t, nb_t, differ = [], [], 0
    for call in calls:
        weight = pricing._weights(call.net, call.penalty)
        args = (call.net, weight, call.floor, call.keep, call.net.scale, None)
        a, b = pricing._search_python(*args), pricing._search_compiled(*args)
        differ += a != b
        tp, tn = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            pricing._search_python(*args)
            tp.append(time.perf_counter() - t)
            t = time.perf_counter()
            pricing._search_compiled(*args)
            tn.append(time.perf_counter() - t)
        py_t.append(statistics.median(tp))
        nb_t.append(statistics.median(tn))
    return py_t, nb_t, differ


def bench(name: str, args) -> None:
    instance, config = load(name, args.time_limit)
    calls: list[Call] = []
    print(f"\n## {name} (time limit {config.time_limit_s:g} s)")
    rows = []
    results = {}
    for r in range(args.solve_repeat):
        for compiled in (False, True):
            out, wall, cpu, spent, n = solve(instance, config, compiled=compiled,
                                             record=calls if (r == 0 and not compiled) else None)
            sol = out.solution
            rows.append((compiled, wall, cpu, spent, n, sol.status, sol.objective, sol.bound))
            results.setdefault(compiled, []).append((out.selected, sol.objective, sol.bound))
    print("| search | solve wall s | solve cpu s | pricing s | calls | status | objective"
          " | bound |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for compiled, wall, cpu, spent, n, status, obj, bound in rows:
        print(f"| {'compiled' if compiled else 'python'} | {wall:.2f} | {cpu:.2f} | {spent:.2f}"
              f" | {n} | {status} | {obj:,.4f} | {bound:,.4f} |")
    for compiled in (False, True):
        walls = [w for c, w, *_ in rows if c == compiled]
        prices = [s for c, _, _, s, *_ in rows if c == compiled]
        print(f"median {'compiled' if compiled else 'python'}: solve {statistics.median(walls):.2f}"
              f" s, pricing {statistics.median(prices):.2f} s")
    same = all(x == results[False][0] for xs in results.values() for x in xs)
    print(f"same portfolio, objective and bound in every solve: {same}")
    if args.max_calls and len(calls) > args.max_calls:
        step = len(calls) / args.max_calls
        calls = [calls[int(i * step)] for i in range(args.max_calls)]
    py_t, nb_t, differ = replay(calls, args.repeat)
    ratio = [p / max(n, 1e-9) for p, n in zip(py_t, nb_t)]
    words = max((sum(1 for w in pricing._weights(c.net, c.penalty) if w > 0) for c in calls),
                default=0)
    projects = max((len(c.net.projects) for c in calls), default=0)
    print(f"replay: {len(calls)} calls (max projects in a flow {projects}, max penalised"
          f" {words}), {args.repeat} repeats, calls that differ: {differ}")
    print("| search | median per call ms | mean ms | max ms | total s |")
    print("| --- | --- | --- | --- | --- |")
    for label, ts in (("python", py_t), ("compiled", nb_t)):
        print(f"| {label} | {1e3 * statistics.median(ts):.3f} | {1e3 * statistics.mean(ts):.3f}"
              f" | {1e3 * max(ts):.1f} | {sum(ts):.3f} |")
    print(f"per-call ratio python/compiled: median {statistics.median(ratio):.1f}x,"
          f" total {sum(py_t) / max(sum(nb_t), 1e-9):.1f}x")
    sys.stdout.flush()


LOAD = ("import time; import model.pricing as p; t, c = time.perf_counter(), time.process_time();"
        " assert p._load_kernel(); print(time.perf_counter() - t, time.process_time() - c)")


def compile_times(repeat: int) -> None:
    """Seconds to load the kernel (import numba, then compile or read numba's
    cache) in a fresh process: wall and CPU, cold and warm."""
    runs: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
            for kind in ("cold", "warm"):
                text = subprocess.run([sys.executable, "-c", LOAD], env=env, check=True,
                                      capture_output=True, text=True).stdout
                wall, cpu = (float(x) for x in text.split())
                runs[kind].append((wall, cpu))
    for kind, xs in runs.items():
        print(f"kernel load {kind}: wall median {statistics.median(w for w, _ in xs):.2f} s,"
              f" cpu median {statistics.median(c for _, c in xs):.2f} s"
              f" (wall, cpu: {[(round(w, 2), round(c, 2)) for w, c in xs]})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", nargs="*", default=["default", "120x80x120:1"])
    ap.add_argument("--repeat", type=int, default=3, help="replay repeats per call")
    ap.add_argument("--solve-repeat", type=int, default=1, help="solves per search kind")
    ap.add_argument("--max-calls", type=int, default=2000,
                    help="replay at most this many calls, evenly spread (0: all)")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--compile", action="store_true", help="time loading the kernel")
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.compile:
        compile_times(args.repeat)
        return
    for name in args.instances:
        bench(name, args)


if __name__ == "__main__":
    main()
