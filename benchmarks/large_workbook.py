"""Read and validate a large, honest input workbook (issue 13): time and peak memory.

The workbook is generated (benchmarks/generator.py: 2,000 towns, 1,500
projects and 20,000 flows by default), written the way Excel writes one
(shared strings, one sheet per table) and then read and validated exactly as
``run.py`` does. Generation and measurement run in separate child processes,
so the generator's memory does not count in the peak.

    python benchmarks/large_workbook.py                       # 2000 x 1500 x 20000, seed 1
    python benchmarks/large_workbook.py --towns 500 --projects 300 --flows 5000
    python benchmarks/large_workbook.py --keep /tmp/large.xlsx   # keep the workbook

Prints one line per stage (seconds), the peak resident memory of the
measuring process (before reading and at the end) and the workbook's size.
Target (issue 13): read + validate <= 20 s and <= 2 GB on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def build(path: Path, towns: int, projects: int, flows: int, seed: int) -> dict[str, int]:
    """Write the generated instance as an input workbook; returns its row counts."""
    import xlsxwriter

    from benchmarks.generator import generate
    from tests.workbooks import from_instance

    instance, budget = generate(towns, projects, flows, seed)
    sheets = from_instance(instance, budget)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    wb.close()
    return {name: len(rows) - 1 for name, rows in sheets.items()}


def measure(path: Path) -> dict[str, Any]:
    """Read and validate as the CLI does; seconds per stage and peak RSS (MB)."""
    from model.reader import read_workbook
    from model.validate import errors, validate

    before = _peak_mb()
    slow: list[str] = []
    t0 = time.perf_counter()
    raw = read_workbook(path, progress=slow.append)
    t1 = time.perf_counter()
    instance, problems = validate(raw)
    t2 = time.perf_counter()
    return {"read_s": t1 - t0, "validate_s": t2 - t1, "peak_mb_before": before,
            "peak_mb": _peak_mb(), "errors": [str(p) for p in errors(problems)][:5],
            "warnings": sum(p.severity == "warning" for p in problems),
            "progress": slow, "valid": instance is not None}


def _peak_mb() -> float:
    """Peak resident memory of this process (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--towns", type=int, default=2000)
    ap.add_argument("--projects", type=int, default=1500)
    ap.add_argument("--flows", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="write the workbook here and keep it")
    ap.add_argument("--workbook", type=Path, help="measure this workbook (no generation)")
    ap.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # child: write only
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child: measure only
    args = ap.parse_args(argv)
    if args.build:
        print(json.dumps(build(args.build, args.towns, args.projects, args.flows, args.seed)))
        return 0
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = args.workbook or args.keep or Path(tmp) / "large.xlsx"
        if args.workbook is None:
            t = time.perf_counter()
            counts = _child("--build", str(path), "--towns", str(args.towns), "--projects",
                            str(args.projects), "--flows", str(args.flows),
                            "--seed", str(args.seed))
            print(f"generated and written in {time.perf_counter() - t:.1f} s: "
                  + ", ".join(f"{n} {k}" for k, n in counts.items() if k != "Parameters"))
        size_mb = path.stat().st_size / 1e6
        m = _child("--measure", str(path))
    print(f"workbook        {size_mb:8.1f} MB")
    print(f"read            {m['read_s']:8.2f} s")
    print(f"validate        {m['validate_s']:8.2f} s")
    print(f"read + validate {m['read_s'] + m['validate_s']:8.2f} s")
    print(f"peak RSS        {m['peak_mb']:8.0f} MB (after imports, before reading:"
          f" {m['peak_mb_before']:.0f} MB)")
    print(f"valid: {m['valid']}, warnings: {m['warnings']}"
          + "".join(f"\n  error: {e}" for e in m["errors"]))
    for line in m["progress"]:
        print(f"progress: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
