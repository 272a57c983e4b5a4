"""The label search with and without its reach rule, on the route solver's slowest calls.

For each family instance: solve it with the route formulation alone and the
reach rule off (``pricing.REACH_MIN_ARCS`` above every net: the subset rule
alone, as before the rule), recording every complete ``search_routes`` call;
then replay the ``--calls`` slowest through the compiled search with the rule
off and on, ``--repeat`` times each, check the best score and bound agree,
and print the totals of the per-call medians.

    python -m benchmarks.reach_replay --instances longhaul:40:2 longhaul:120:1 overlap:200:2

The machine has 2 shared, noisy cores: quote medians and ratios.
"""
from __future__ import annotations

import argparse
import math
import statistics
import time

from benchmarks.families import make
from model import pricing, route_solver
from model.config import Formulation, RunConfig
from model.sequencer import optimise

OFF = 10**9  # REACH_MIN_ARCS above every net: the rule is off


def record(name: str, limit: float) -> list[tuple[float, tuple]]:
    """(seconds, call arguments) of every complete pricing call of one solve."""
    family, towns, seed = name.split(":")
    instance, budget = make(family, int(towns), int(seed))
    real, calls = route_solver.search_routes, []

    def watched(net, penalty, floor, keep=1, *, scale=None, deadline=None):
        t = time.perf_counter()
        priced = real(net, penalty, floor, keep, scale=scale, deadline=deadline)
        if priced.complete:
            calls.append((time.perf_counter() - t, (net, dict(penalty), floor, keep, scale)))
        return priced

    route_solver.search_routes = watched
    try:
        optimise(instance, RunConfig(budget, time_limit_s=limit, formulation=Formulation.PATHS))
    finally:
        route_solver.search_routes = real
    return calls


def timed(call: tuple, repeat: int) -> tuple[float, pricing.Priced]:
    net, penalty, floor, keep, scale = call
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        priced = pricing.search_routes(net, penalty, floor, keep, scale=scale)
        times.append(time.perf_counter() - t)
    return statistics.median(times), priced


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", nargs="+",
                    default=["longhaul:40:2", "longhaul:120:1", "overlap:200:2"])
    ap.add_argument("--limit", type=float, default=30.0, help="time limit of the recorded solve")
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not pricing.compile_now():
        raise SystemExit("numba is not available")
    saved = pricing.REACH_MIN_ARCS
    print("| instance | calls recorded | slowest replayed | rule off s | rule on s | ratio"
          " | best scores differ |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in args.instances:
        pricing.REACH_MIN_ARCS = OFF
        calls = record(name, args.limit)
        slow = [c for _, c in sorted(calls, key=lambda t: -t[0])[:args.calls]]
        totals, differ = [0.0, 0.0], 0
        for call in slow:
            results = []
            for i, threshold in enumerate((OFF, 0)):
                pricing.REACH_MIN_ARCS = threshold
                seconds, priced = timed(call, args.repeat)
                totals[i] += seconds
                results.append(priced)
            off, on = results
            best = [p.routes[0][0] if p.routes else -math.inf for p in results]
            differ += not (math.isclose(best[0], best[1], rel_tol=1e-9, abs_tol=1e-9)
                           and math.isclose(off.upper, on.upper, rel_tol=1e-9, abs_tol=1e-9))
        pricing.REACH_MIN_ARCS = saved
        print(f"| {name} | {len(calls)} | {len(slow)} | {totals[0]:.2f} | {totals[1]:.2f}"
              f" | {totals[0] / max(totals[1], 1e-9):.0f}x | {differ} |", flush=True)


if __name__ == "__main__":
    main()
