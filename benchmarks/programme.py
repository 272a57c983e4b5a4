"""Benchmark of the programme over years (issue 10): a generated network made a
6-year programme, and the example workbook inputs/corridors_programme.xlsx.

    python benchmarks/programme.py --sizes 120x80x120 --seeds 1,2,3 --time-limit 120
    python benchmarks/programme.py --workbook inputs/corridors_programme.xlsx --time-limit 30

Prints one line per run: status, W of the returned schedule, the bound,
gain_gap on W, wall seconds, and the model's size (blocks, routes).
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generator import generate  # noqa: E402
from model.config import RunConfig  # noqa: E402
from model.evaluate import evaluate_plan  # noqa: E402
from model.instance import Instance, YearCap  # noqa: E402
from model.problem import Plan  # noqa: E402
from model.reader import read_workbook  # noqa: E402
from model.sequencer import optimise  # noqa: E402
from model.solution import gain_gap  # noqa: E402
from model.validate import validate  # noqa: E402


def as_programme(inst: Instance, budget: float, years: int, seed: int) -> Instance:
    """The generated network as a programme: `years` years from 2026, each capped
    at budget / (years - 2) (so the caps bind), construction 1 to 4 years by
    capex, a quarter of the projects with a later earliest start."""
    rng = random.Random(seed)
    first = inst.parameters.base_year + 1
    last = first + years - 1
    projects = []
    for p in inst.projects:
        d = min(4, 1 + int(p.capex_musd // 150), years)
        start = first + rng.randrange(0, max(1, years - d)) if rng.random() < 0.25 else None
        projects.append(dataclasses.replace(p, duration_years=d, earliest_start=start))
    cap = round(budget / max(1, years - 2), 1)
    return dataclasses.replace(inst, projects=tuple(projects),
                               years=tuple(YearCap(y, cap) for y in range(first, last + 1)))


def run(inst: Instance, config: RunConfig, label: str) -> None:
    t = time.perf_counter()
    out = optimise(inst, config)
    wall = time.perf_counter() - t
    sol = out.solution
    w = evaluate_plan(out.prep, out.plan).objective
    nothing = evaluate_plan(out.prep, Plan()).objective
    gg = gain_gap(sol.bound, w, nothing) if sol.has_portfolio else None
    master = getattr(out.solver, "master", None)
    size = (f"blocks {len(master.blocks)}, routes {len(master.routes)}, vars"
            f" {len(master.var_index)}") if master is not None else ""
    ranking = out.ranking.objective if out.ranking else float("nan")
    print(f"{label}: {sol.status}, W {w:,.1f} (ranking {ranking:,.1f}, do-nothing"
          f" {nothing:,.1f}), bound {sol.bound or float('nan'):,.1f}, gain_gap"
          f" {gg if gg is None else f'{gg:.3%}'}, wall {wall:.1f} s, {len(out.plan)} projects;"
          f" {size}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--workbook", type=Path)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    if args.workbook:
        inst, config, problems = validate(read_workbook(args.workbook))
        if inst is None:
            sys.exit("the workbook has input errors: run.py --validate-only tells which")
        run(inst, config.with_overrides(time_limit_s=args.time_limit), str(args.workbook))
    for size in filter(None, args.sizes.split(",")):
        towns, projects, flows = (int(x) for x in size.split("x"))
        for seed in (int(s) for s in args.seeds.split(",")):
            inst, budget = generate(towns, projects, flows, seed=seed)
            prog = as_programme(inst, budget, args.years, seed)
            run(prog, RunConfig(budget, time_limit_s=args.time_limit),
                f"{size} seed {seed}, {args.years} years")


if __name__ == "__main__":
    main()
