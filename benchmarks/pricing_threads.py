"""The compiled label search on one thread against two, on a solve's own calls.

For each family instance: solve it with the route formulation alone, one
thread, recording every complete ``search_routes`` call
(``benchmarks.reach_replay.record``); then replay all of them through the
compiled search on one thread and on two (``label_kernel.label_search``
releases the GIL), ``--repeat`` times each, check every call's bound agrees,
and print the medians. The route solver itself runs the searches of a round
this way (docs/model.md, "Two cores").

    python -m benchmarks.pricing_threads --instances longhaul:120:2 longhaul:200:1

The machine has 2 shared, noisy cores: quote medians and ratios.
"""
from __future__ import annotations

import argparse
import math
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks.reach_replay import record
from model import pricing, sequencer


def replay(calls: list[tuple], threads: int) -> tuple[float, list[float]]:
    """Seconds to run every call, and each call's bound, in call order."""
    def one(call: tuple) -> float:
        net, penalty, floor, keep, scale = call
        return pricing.search_routes(net, penalty, floor, keep, scale=scale).upper

    began = time.perf_counter()
    if threads == 1:
        uppers = [one(c) for c in calls]
    else:
        with ThreadPoolExecutor(threads) as pool:
            uppers = list(pool.map(one, calls))
    return time.perf_counter() - began, uppers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", nargs="+", default=["longhaul:120:2", "longhaul:200:1"])
    ap.add_argument("--limit", type=float, default=30.0, help="time limit of the recorded solve")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not pricing.compile_now():
        raise SystemExit("numba is not available")
    sequencer.PRICING_THREADS = 1  # record on one thread: the calls of a plain solve
    print("| instance | calls | 1 thread s | 2 threads s | ratio | bounds differ |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in args.instances:
        calls = [c for _, c in record(name, args.limit)]
        seconds: dict[int, list[float]] = {1: [], 2: []}
        uppers: dict[int, list[float]] = {}
        for _ in range(args.repeat):
            for threads in (1, 2):
                s, uppers[threads] = replay(calls, threads)
                seconds[threads].append(s)
        one, two = (statistics.median(seconds[t]) for t in (1, 2))
        differ = sum(not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
                     for a, b in zip(uppers[1], uppers[2]))
        print(f"| {name} | {len(calls)} | {one:.2f} | {two:.2f} | {one / max(two, 1e-9):.2f}x"
              f" | {differ} |", flush=True)


if __name__ == "__main__":
    main()
