"""Check the family instances: the invariants of ``families.check`` (run by
``make``) and, for the sizes given, a round trip through the workbook:
tests/workbooks.from_instance -> model.reader -> model.validate, which must
give no errors (warnings are listed).

    python benchmarks/check_families.py --sizes 40,120 --seeds 1,2,3
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.families import FAMILIES, describe, make  # noqa: E402
from benchmarks.families_run import roundtrip  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check the family instances.")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--sizes", default="40,120")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--no-roundtrip", action="store_true")
    args = ap.parse_args(argv)
    bad = 0
    for towns in [int(v) for v in args.sizes.split(",")]:
        for family in args.families.split(","):
            for seed in [int(v) for v in args.seeds.split(",")]:
                t = time.perf_counter()
                inst, budget = make(family, towns, seed)
                again, _ = make(family, towns, seed)
                same = again == inst
                made = time.perf_counter() - t
                errors: list[str] = []
                warnings: list[str] = []
                if not args.no_roundtrip:
                    with tempfile.TemporaryDirectory() as tmp:
                        errors, warnings = roundtrip(inst, budget, tmp)
                d = describe(inst)
                ok = same and not errors
                bad += not ok
                print(f"{family:<9} {towns:>4} s{seed} {'ok ' if ok else 'BAD'} deterministic "
                      f"{same} errors {len(errors)} warnings {len(warnings)} "
                      f"nodes {d['network_nodes']} segments {d['segments']} projects "
                      f"{d['projects']} flows {d['flows']} groups {d['groups']} requires "
                      f"{d['requires']} budget {budget:,.1f} ({made:.2f} s)", flush=True)
                for text in errors[:5] + warnings[:5]:
                    print("    ", text)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
