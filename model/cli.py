"""The command line: read -> validate -> preprocess -> build -> solve ->
evaluate -> report, with the exit codes of spec §8."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import logging
import sys
import time
import traceback
from pathlib import Path
from typing import Sequence

from .evaluate import evaluate, today
from .instance import Instance, Problem
from .pipeline import optimise
from .reader import InputFileError, read_workbook
from .report import OutputError, write_problems, write_report
from .results import Results, RunInfo
from .validate import errors, validate

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER = 0, 1, 2, 3, 4
DEFAULT_INPUT = Path("inputs/corridors.xlsx")
OUTPUT_DIR = Path("outputs")
SHOWN_PROBLEMS = 50

log = logging.getLogger("corridor_invest")

EPILOG = """\
examples:
  python run.py --budget 2000
  python run.py --input my.xlsx --budget 1500 --output outputs/my_run.xlsx

exit status: 0 solved (optimal, or a portfolio within the time limit);
2 input errors (all listed, with sheet, row and column; also written to a
*_problems.xlsx beside the report) or an output that cannot be written;
3 infeasible (e.g. must_do projects cost more than the budget);
4 the solver failed or found no portfolio in time; 1 internal error (the
traceback goes to a log file under outputs/). The input is never written to.
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="run.py", description="Choose the corridor projects that maximise projected trade"
        " volume between Pakistan and Central Asia within a budget.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=_non_negative, metavar="USD_MILLION",
                    help="financing envelope in USD million (default: budget_musd on the"
                         " Parameters sheet)")
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT,
                    help=f"input workbook (default: {DEFAULT_INPUT})")
    ap.add_argument("--output", type=Path,
                    help="report workbook (default: outputs/<input>_budget<B>.xlsx)")
    ap.add_argument("--time-limit", type=_positive, metavar="SECONDS",
                    help="solver time limit (default: time_limit_s on Parameters, else 300)")
    ap.add_argument("--gap", type=_gap, metavar="FRACTION",
                    help="relative optimality gap (default: mip_gap on Parameters, else 0.001)")
    ap.add_argument("--quiet", action="store_true", help="print only errors")
    return ap.parse_args(argv)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _non_negative(text: str) -> float:
    v = _number(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return v


def _positive(text: str) -> float:
    v = _number(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return v


def _gap(text: str) -> float:
    v = _number(text)
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text}")
    return v


def default_output(input_path: Path, budget: float | None) -> Path:
    tag = "" if budget is None else f"_budget{budget:g}"
    return OUTPUT_DIR / f"{input_path.stem}{tag}.xlsx"


def problems_path(report: Path) -> Path:
    return report.with_name(report.stem + "_problems.xlsx")


class Console:
    """The CLI's own output; --quiet keeps only errors."""

    def __init__(self, quiet: bool):
        self.quiet = quiet

    def say(self, text: str = "") -> None:
        if not self.quiet:
            print(text)

    def error(self, text: str) -> None:
        print(text, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    console = Console(args.quiet)
    try:
        return run(args, console)
    except KeyboardInterrupt:
        console.error("interrupted")
        return EXIT_INTERNAL
    except Exception:  # the last line of defence: no traceback reaches the user
        log_file = _write_crash_log()
        console.error("internal error: the run stopped unexpectedly. Details were written to "
                      f"{log_file}; please send that file with your workbook to the model team.")
        return EXIT_INTERNAL


def _write_crash_log() -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = OUTPUT_DIR / f"error-{stamp}.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        path = Path("(could not write a log file)")
    return path


def run(args: argparse.Namespace, console: Console) -> int:
    started = time.perf_counter()
    input_path: Path = args.input
    output = args.output or default_output(input_path, args.budget)
    if output.resolve() == input_path.resolve():
        console.error(f"error: --output {output} is the input workbook; the input is never"
                      " written to. Choose another --output.")
        return EXIT_INPUT
    try:
        raw = read_workbook(input_path)
    except InputFileError as exc:
        console.error(f"error: {exc}")
        return EXIT_INPUT
    instance, problems = validate(raw)
    if instance is None:
        return _report_input_errors(problems, output, input_path, console)
    budget = args.budget if args.budget is not None else instance.parameters.budget_musd
    instance = _with_overrides(instance, budget, args)
    _show_warnings(instance.warnings, console)

    params = instance.parameters
    console.say(f"Solving with a budget of USD {budget:,.0f} million (time limit"
                f" {params.time_limit_s:g} s) ...")
    outcome = optimise(instance, budget)
    solution = outcome.solution
    if solution.status == "infeasible":
        console.error("infeasible: no portfolio can satisfy the budget and the project rules:")
        for reason in solution.message.split("; "):
            console.error(f"  - {reason}")
        return EXIT_INFEASIBLE
    if not solution.has_portfolio:
        console.error(f"solver failed: {solution.message}")
        return EXIT_SOLVER
    prep = outcome.prep
    evaluations = today(prep), evaluate(prep, frozenset()), evaluate(prep, outcome.selected)
    timings = dict(outcome.timings, total=time.perf_counter() - started)
    results = Results(prep, budget, solution, outcome.selected, *evaluations,
                      _run_info(input_path, args, timings), instance.warnings)
    try:
        written = write_report(results, output, protect=[input_path])
    except OutputError as exc:
        console.error(f"error: {exc}")
        return EXIT_INPUT
    _show_summary(results, written, console)
    return EXIT_OK


def _with_overrides(instance: Instance, budget: float, args: argparse.Namespace) -> Instance:
    changes: dict[str, float] = {"budget_musd": budget}
    if args.time_limit is not None:
        changes["time_limit_s"] = args.time_limit
    if args.gap is not None:
        changes["mip_gap"] = args.gap
    return dataclasses.replace(instance,
                               parameters=dataclasses.replace(instance.parameters, **changes))


def _run_info(input_path: Path, args: argparse.Namespace,
              timings: dict[str, float]) -> RunInfo:
    digest = hashlib.sha256(input_path.read_bytes()).hexdigest()
    return RunInfo(str(input_path), digest, dt.datetime.now().isoformat(timespec="seconds"),
                   " ".join(sys.argv), "--budget" if args.budget is not None
                   else "Parameters sheet", timings)


def _report_input_errors(problems: Sequence[Problem], output: Path, input_path: Path,
                         console: Console) -> int:
    found = errors(problems)
    console.error(f"input errors: {len(found)} problem(s) in {input_path}:")
    for p in found[:SHOWN_PROBLEMS]:
        console.error(f"  - {p}")
    if len(found) > SHOWN_PROBLEMS:
        console.error(f"  ... and {len(found) - SHOWN_PROBLEMS} more")
    try:
        path = write_problems(problems, problems_path(output), protect=[input_path])
        console.error(f"All problems (and warnings) are listed in {path}")
    except OutputError as exc:
        console.error(f"(the problems workbook could not be written: {exc})")
    return EXIT_INPUT


def _show_warnings(warnings: Sequence[Problem], console: Console) -> None:
    if not warnings:
        return
    console.say(f"{len(warnings)} warning(s) about the input (accepted; listed in the report):")
    for w in warnings[:10]:
        console.say(f"  - {w}")
    if len(warnings) > 10:
        console.say(f"  ... and {len(warnings) - 10} more")


def _show_summary(r: Results, path: Path, console: Console) -> None:
    sol = r.solution
    gap = f", gain_gap {r.gain_gap:.2%}" if r.gain_gap is not None and r.gain_gap < 1e9 else ""
    console.say(f"Status: {sol.status} (solver gap {sol.mip_gap or 0:.3%}{gap})")
    console.say(f"Budget used: USD {r.spent:,.1f} of {r.budget:,.1f} million")
    console.say(f"Trade: today {r.trade_today_kt:,.0f} kt -> do-nothing "
                f"{r.do_nothing.volume_kt:,.0f} kt -> optimised {r.optimised.volume_kt:,.0f} kt"
                f" (+{r.gain_kt:,.0f} kt/yr in {r.prep.instance.parameters.horizon_year})")
    chosen = sorted(r.selected)
    console.say(f"Projects chosen ({len(chosen)}):")
    for p in chosen:
        proj = r.prep.instance.project(p)
        console.say(f"  {p:8s} USD {proj.capex_musd:8,.1f} m  {proj.name}")
    console.say(f"Report: {path}")
