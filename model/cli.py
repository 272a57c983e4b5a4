"""The command line: read -> validate -> preprocess -> build -> solve ->
evaluate -> report, with the exit codes of spec §8."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import logging
import math
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Sequence

from . import interrupts
from .clock import Deadline
from .config import Formulation, RunConfig
from .console import Console, Progress
from .ensemble import Ensemble, Spread, run_ensemble
from .explain import explain
from .files import OutputError, write_atomic
from .instance import Instance, Problem, Quantity
from .interrupts import Interrupted
from .mapplot import draw_map, drawable
from .outputlock import OutputInUse, hold_output
from .preprocess import prepare
from .problem import PortfolioProblem, check_feasibility
from .reader import InputFileError, read_workbook
from .report import write_problems, write_report
from .results import Results, RunInfo, collect
from .sequencer import (Alternative, FrontierPoint, Outcome, SwitchingValue, alternatives,
                        frontier_notes, optimise, sweep, switching_values)
from .solution import Status
from .template import write_template
from .usage import EPILOG
from .validate import errors, validate

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER = 0, 1, 2, 3, 4
DEFAULT_INPUT = Path("inputs/corridors.xlsx")
OUTPUT_DIR = Path("outputs")
SHOWN_PROBLEMS = 50



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
    ap.add_argument("--formulation", choices=("auto", "paths", "arc"),
                    help="auto (default unless the Parameters sheet says otherwise): paths,"
                         " raced by arc on the second core when a solve does not settle within"
                         " 2 s, keeping the best portfolio and the smaller bound of either;"
                         " paths: route options by column generation, exact volumes; arc: the"
                         " spec's arc flows with a piecewise-linear volume curve")
    ap.add_argument("--time-limit", type=_positive, metavar="SECONDS",
                    help="time limit of each solve: the main one, each sweep budget,"
                         " alternative, switching-value step, scenario draw and the robust"
                         " model (default: time_limit_s on Parameters, else 300)")
    ap.add_argument("--gap", type=_gap, metavar="FRACTION",
                    help="relative optimality gap on the whole objective (default: mip_gap on"
                         " Parameters, else 0.001); the solver also closes the gap to gain_gap"
                         " (Parameters, default 0.005) of the achievable gain")
    ap.add_argument("--sweep", type=_sweep, metavar="START:STOP:STEP",
                    help="also solve every budget from START to STOP (inclusive) in steps of"
                         " STEP, USD million: adds the Frontier sheet and chart")
    ap.add_argument("--alternatives", type=_count, default=0, metavar="K",
                    help="also find the K next-best portfolios (Alternatives sheet)")
    ap.add_argument("--switching-values", action="store_true",
                    help="also find, for each candidate left out, the capex at which it would"
                         " enter the optimum (Projects sheet; up to 12 solves each)")
    ap.add_argument("--validate-only", action="store_true",
                    help="check the input workbook (and that a portfolio can exist) without"
                         " solving")
    ap.add_argument("--make-template", type=Path, metavar="PATH",
                    help="write an empty input workbook (dropdowns, instructions) to PATH and"
                         " stop")
    ap.add_argument("--quiet", action="store_true", help="print only errors")
    ap.add_argument("--scenarios", type=_count, default=0, metavar="N",
                    help="also sample N draws from the Uncertainty sheet (spec §11): the"
                         " returned portfolio evaluated in each, each draw's own optimum;"
                         " Draws, Robustness and Distribution sheets, P10/P50/P90 of the"
                         " gain on the Summary. Runs on Dask")
    ap.add_argument("--seed", type=_count, default=0, metavar="S",
                    help="seed of the draws (default 0): the same seed gives the same draws"
                         " on any executor and any number of workers")
    ap.add_argument("--robust", action="store_true",
                    help="with --scenarios: also the portfolio that maximises the mean trade"
                         " over the N draws (one model, projects shared, budget at base capex)")
    ap.add_argument("--scheduler", metavar="ADDRESS",
                    help="run the draws on an existing Dask scheduler (e.g."
                         " tcp://10.0.0.5:8786) instead of a local cluster")
    ap.add_argument("--workers", type=_count, metavar="K",
                    help="worker processes of the local cluster (default: the number of"
                         " cores)")
    args = ap.parse_args(argv)
    if args.robust and not args.scenarios:
        ap.error("--robust needs --scenarios N (the draws it averages over)")
    if args.workers == 0:
        ap.error("--workers needs at least 1")
    return args


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


def _count(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text}")
    return v


def _sweep(text: str) -> list[float]:
    parts = text.split(":")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected START:STOP:STEP, got {text!r}")
    start, stop, step = (_non_negative(p) for p in parts)
    if step <= 0 or stop < start:
        raise argparse.ArgumentTypeError(f"expected START <= STOP and STEP > 0, got {text}")
    count = int((stop - start) / step + 1e-9) + 1
    if count > 500:
        raise argparse.ArgumentTypeError(f"{count} budgets is too many (at most 500)")
    return [start + i * step for i in range(count)]


def default_output(input_path: Path, budget: float | None) -> Path:
    tag = "" if budget is None else f"_budget{budget:g}"
    return OUTPUT_DIR / f"{input_path.stem}{tag}.xlsx"


def problems_path(report: Path) -> Path:
    return report.with_name(report.stem + "_problems.xlsx")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    with Console(args.quiet) as console, interrupts.guarded() as guard:
        try:
            return run(args, console)
        except Interrupted as stop:  # Ctrl-C or SIGTERM: the rule is in model/interrupts.py
            guard.settle()
            if stop.stage == "writing":
                guard.remove_written()
            console.error(stop.line())
            return stop.exit_code
        except KeyboardInterrupt:  # no handler installed (not the main thread)
            console.error("interrupted")
            return 128 + signal.SIGINT
        except BrokenPipeError:  # output piped into a program that stopped reading
            return EXIT_OK
        except Exception:  # the last line of defence: no traceback reaches the user
            guard.settle()
            log_file = _write_crash_log()
            console.error("internal error: the run stopped unexpectedly. Details were written"
                          f" to {log_file}; please send that file with your workbook to the"
                          " model team.")
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
    if args.make_template is not None:
        return _make_template(args.make_template, [DEFAULT_INPUT, args.input], console)
    input_path: Path = args.input
    output = args.output or default_output(input_path, args.budget)
    if output.resolve() == input_path.resolve():
        console.error(f"error: --output {output} is the input workbook; the input is never"
                      " written to. Choose another --output.")
        return EXIT_INPUT
    interrupts.stage("reading")
    try:
        raw = read_workbook(input_path, progress=console.progress)
    except InputFileError as exc:
        console.error(f"error: {exc}")
        return EXIT_INPUT
    interrupts.stage("checking")
    instance, sheet_config, problems = validate(raw)
    if instance is None or sheet_config is None:
        return _report_input_errors(problems, output, input_path, console)
    config = _with_overrides(sheet_config, args)
    output = args.output or default_output(input_path, config.budget_musd)
    if instance.is_programme and config.formulation is Formulation.ARC:
        return _report_input_errors([Problem(
            "Years", None, None, None,
            "the arc formulation does not model a programme over years (start years, caps,"
            " construction times); run with --formulation paths, or remove the Years sheet"
            " for a one-shot run")], output, input_path, console)
    _show_warnings(instance.warnings, console)
    if args.validate_only:
        return _validate_only(instance, config, input_path, console)
    try:  # one run at a time per report
        interrupts.keep(hold_output(output))
    except (OutputInUse, OutputError) as exc:
        console.error(f"error: {exc}")
        return EXIT_INPUT

    unit = "USD million" if instance.parameters.objective == "value" else "kt"
    console.say(f"Solving with a budget of USD {config.budget_musd:,.0f} million (time limit"
                f" {config.time_limit_s:g} s) ...")
    log_lines: list[str] = []
    progress = Progress(console.progress, unit)

    def on_log_line(line: str) -> None:
        log_lines.append(line)
        progress(line)

    deadline = Deadline(config.time_limit_s)  # a signal cancels it (model/interrupts.py)
    interrupts.stage("solving", deadline)
    outcome = optimise(instance, config, on_log_line=on_log_line, deadline=deadline)
    solution = outcome.solution
    if solution.status is Status.INFEASIBLE:
        return _show_infeasible(solution.message.split("; "), console)
    stopped = interrupts.cancelled_by()
    if not solution.has_portfolio:
        if stopped is not None:
            raise Interrupted(stopped, "solving")
        console.error(f"solver failed: {solution.message}")
        return EXIT_SOLVER
    timings = dict(outcome.timings)
    frontier, found, switching = _other_modes(outcome, config, args, console, timings) \
        if stopped is None else ([], [], {})
    in_modes = stopped is None and interrupts.cancelled_by() is not None
    ensemble = _scenarios(outcome, config, args, console, timings) \
        if interrupts.cancelled_by() is None else None
    if isinstance(ensemble, int):
        return ensemble
    stopped = interrupts.cancelled_by()
    if stopped is not None:
        outcome = dataclasses.replace(outcome, solution=interrupts.marked(
            outcome.solution, stopped, time.perf_counter() - started if in_modes
            else deadline.elapsed(), later=in_modes))
    interrupts.stage("evaluating")
    t = time.perf_counter()
    info = _run_info(input_path, config, timings)
    results = collect(outcome, explain(outcome, frontier, switching), info, instance.warnings,
                      frontier=tuple(frontier), alternatives=tuple(found), ensemble=ensemble)
    timings["evaluate"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    interrupts.stage("writing")
    try:
        map_png = write_atomic(output.with_name(output.stem + "_map.png"),
                               lambda tmp: draw_map(results, tmp), protect=[input_path]) \
            if drawable(results) else None  # no coordinates: no map, not an empty file
        log_path = write_atomic(output.with_name(output.stem + "_solver.log"),
                                lambda tmp: tmp.write_text("\n".join(log_lines) + "\n",
                                                           encoding="utf-8"),
                                protect=[input_path])
        written = write_report(results, output, protect=[input_path], map_png=map_png)
    except OutputError as exc:
        console.error(f"error: {exc}")
        return EXIT_INPUT
    interrupts.stage("summary")
    console.say(f"Solver log: {log_path}")
    _show_summary(results, written, console)
    if stopped is not None:
        what = "the sweep, alternatives or switching values stopped early; the portfolio" \
            " (solved in full) and what they had done are" if in_modes else \
            "the best portfolio found so far is"
        console.error(f"interrupted by {interrupts.signal_name(stopped)} while solving: {what}"
                      f" in {written} (marked interrupted)")
        return 128 + stopped
    return EXIT_SOLVER if ensemble is not None and ensemble.failed else EXIT_OK


def _other_modes(outcome: Outcome, config: RunConfig, args: argparse.Namespace,
                 console: Console, timings: dict[str, float]
                 ) -> tuple[list[FrontierPoint], list[Alternative], dict[str, SwitchingValue]]:
    """The budget sweep, the near-optimal alternatives and the switching
    values, each on the solver already built."""
    frontier: list[FrontierPoint] = []
    found: list[Alternative] = []
    switching: dict[str, SwitchingValue] = {}
    stop = Deadline(math.inf)  # each solve has the time limit; a signal cancels them all
    interrupts.stage("solving", stop)
    if args.sweep is not None:
        t = time.perf_counter()
        budgets = args.sweep
        console.say(f"Budget sweep: {len(budgets)} budgets from {budgets[0]:,.0f} to"
                    f" {budgets[-1]:,.0f} USD million")
        frontier = sweep(outcome, budgets, config, progress=lambda text: console.say("  " + text),
                         stop=stop)
        timings["sweep"] = time.perf_counter() - t
        for note in frontier_notes(frontier):
            console.say(f"  note: {note}")
    if args.alternatives:
        t = time.perf_counter()
        console.say(f"Finding the {args.alternatives} next-best portfolios ...")
        found = alternatives(outcome, args.alternatives, config, stop=stop)
        timings["alternatives"] = time.perf_counter() - t
    if args.switching_values:
        t = time.perf_counter()
        console.say("Switching values: the capex at which each candidate left out would enter")
        switching = switching_values(outcome, config,
                                     progress=lambda text: console.say("  " + text), stop=stop)
        timings["switching_values"] = time.perf_counter() - t
    return frontier, found, switching


def _scenarios(outcome: Outcome, config: RunConfig, args: argparse.Namespace,
               console: Console, timings: dict[str, float]) -> Ensemble | int | None:
    """--scenarios N [--robust] on Dask (spec §11); an exit code when refused."""
    if not args.scenarios:
        return None
    rows = outcome.prep.instance.uncertainty
    if config.formulation is Formulation.ARC and (
            args.robust or any(u.quantity is Quantity.CLOSURE for u in rows)):
        console.error("error: the arc formulation models neither closure states nor the"
                      " robust model (spec §11); run --scenarios with --formulation paths, or"
                      " remove the closure_days rows from the Uncertainty sheet")
        return EXIT_INPUT
    if not rows:
        console.say("note: the workbook has no Uncertainty sheet: every draw is the base case")
    from .executor import Engine  # Dask is imported for scenario runs only
    t = time.perf_counter()
    try:
        with Engine(scheduler=args.scheduler, workers=args.workers) as engine:
            console.say(f"Scenarios: {args.scenarios} draws (seed {args.seed}) on"
                        f" {engine.description} ...")
            ensemble = run_ensemble(outcome, config, args.scenarios, args.seed, engine,
                                    with_robust=args.robust,
                                    progress=console.bar(args.scenarios, "draws"),
                                    say=console.say)
    except (OSError, TimeoutError) as exc:
        console.error(f"error: the Dask scheduler {args.scheduler} cannot be reached: {exc}")
        return EXIT_INPUT
    timings["scenarios"] = time.perf_counter() - t
    for i, why in ensemble.failed.items():
        console.error(f"  draw {i + 1} could not be computed: {why}")
    spread = ensemble.spread()
    if spread is not None:
        console.say(f"  {ensemble.done} of {ensemble.requested} draws: gain of the portfolio"
                    f" P10 {spread.p10:,.0f}, P50 {spread.p50:,.0f}, P90 {spread.p90:,.0f},"
                    f" mean {spread.mean:,.0f} kt/yr")
    best = ensemble.robust
    if best is not None and best.gains:
        chosen, returned = best.plan.selected, outcome.plan.selected
        robust = Spread.of(best.gains)
        console.say(f"  robust portfolio ({best.outcome.solution.status}):"
                    f" {';'.join(sorted(chosen)) or 'none'}; adds"
                    f" {';'.join(sorted(chosen - returned)) or 'nothing'}, drops"
                    f" {';'.join(sorted(returned - chosen)) or 'nothing'}; gain P10"
                    f" {robust.p10:,.0f}, P50 {robust.p50:,.0f}, P90 {robust.p90:,.0f}, mean"
                    f" {robust.mean:,.0f} kt/yr")
    return ensemble


def _make_template(path: Path, protect: Sequence[Path], console: Console) -> int:
    """--make-template: the empty workbook from the schema; never over the input."""
    if path.suffix.lower() != ".xlsx":
        console.error(f"error: the template must be an .xlsx file, not {path}")
        return EXIT_INPUT
    if any(path.resolve() == p.resolve() for p in protect):
        console.error(f"error: {path} is an input workbook; an empty template would replace"
                      " its data. Give --make-template another file name.")
        return EXIT_INPUT
    interrupts.stage("template")
    try:
        written = write_template(path, protect=protect)
    except OutputError as exc:
        console.error(f"error: {exc}")
        return EXIT_INPUT
    console.say(f"Template: {written}")
    console.say("Fill in the yellow cells, save, then: python run.py --input"
                f" {path} --validate-only")
    return EXIT_OK


def _validate_only(instance: Instance, config: RunConfig, input_path: Path,
                   console: Console) -> int:
    """--validate-only: the checks of a run, including why no portfolio could
    exist, without building or solving the model."""
    budget = config.budget_musd
    reasons = check_feasibility(PortfolioProblem(prepare(instance), budget))
    if reasons:
        return _show_infeasible(reasons, console)
    console.say(f"{input_path}: no input errors ({len(instance.nodes)} nodes,"
                f" {len(instance.segments)} segments, {len(instance.projects)} projects,"
                f" {len(instance.flows)} flows; budget USD {budget:,.0f} million)")
    return EXIT_OK


def _show_infeasible(reasons: Sequence[str], console: Console) -> int:
    console.error("infeasible: no portfolio can satisfy the budget and the project rules"
                  " (sheet 'Projects', columns decision, capex_musd, group, requires; sheets"
                  " 'Years' and 'Envelopes' where present):")
    for reason in reasons:
        console.error(f"  - {reason}")
    return EXIT_INFEASIBLE


def _with_overrides(sheet: RunConfig, args: argparse.Namespace) -> RunConfig:
    """The run settings: the Parameters sheet's, overridden by the command line."""
    return sheet.with_overrides(
        budget_musd=args.budget, budget_source="--budget" if args.budget is not None else None,
        time_limit_s=args.time_limit, mip_gap=args.gap, formulation=args.formulation)


def _run_info(input_path: Path, config: RunConfig, timings: dict[str, float]) -> RunInfo:
    digest = hashlib.sha256(input_path.read_bytes()).hexdigest()
    return RunInfo(str(input_path), digest, dt.datetime.now().isoformat(timespec="seconds"),
                   " ".join(sys.argv), config, timings)


def _report_input_errors(problems: Sequence[Problem], output: Path, input_path: Path,
                         console: Console) -> int:
    found = errors(problems)
    console.error(f"input errors: {len(found)} problem(s) in {input_path}:")
    for p in found[:SHOWN_PROBLEMS]:
        console.error(f"  - {p}")
    if len(found) > SHOWN_PROBLEMS:
        console.error(f"  ... and {len(found) - SHOWN_PROBLEMS} more")
    interrupts.stage("writing")
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
    solver = "none" if sol.mip_gap is None else f"{sol.mip_gap:.3%}"  # None is not 0 %
    console.say(f"Status: {sol.status} (solver gap {solver}{gap})")
    console.say(f"Budget used: USD {r.spent:,.1f} of {r.budget:,.1f} million")
    if r.programme:
        console.say(f"Cumulative trade {r.prep.timeline.years[0]}-{r.prep.timeline.years[-1]}:"
                    f" do-nothing {r.nothing_eval.objective:,.0f} -> programme"
                    f" {r.plan_eval.objective:,.0f}"
                    f" (+{r.plan_eval.objective - r.nothing_eval.objective:,.0f})")
    console.say(f"Trade: today {r.trade_today_kt:,.0f} kt -> do-nothing "
                f"{r.do_nothing.volume_kt:,.0f} kt -> optimised {r.optimised.volume_kt:,.0f} kt"
                f" (+{r.gain_kt:,.0f} kt/yr in {r.prep.instance.parameters.horizon_year})")
    chosen = sorted(r.selected)
    console.say(f"Projects chosen ({len(chosen)}):")
    for p in chosen:
        proj = r.prep.instance.project(p)
        start = r.plan.start(p)
        when = (f"  {start}-{r.prep.timeline.opens(proj, start)}" if r.programme and start
                else "")
        console.say(f"  {p:8s} USD {proj.capex_musd:8,.1f} m{when}  {proj.name}")
    a = r.explanation.appraisal
    bcr = f"{a.bcr:.2f}" if a.bcr is not None else "n/a"
    eirr = f"{a.eirr_pct:.1f}%" if a.eirr_pct is not None else "none"
    console.say(f"Economic appraisal at {a.discount_pct:g}%: NPV USD {a.npv_musd:,.0f} million,"
                f" BCR {bcr}, EIRR {eirr}")
    console.say(f"Report: {path}")
