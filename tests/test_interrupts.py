"""Ctrl-C and SIGTERM (issue 13): real signals sent to a real run, a child
process held in one stage (tests/children.py)."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest

from model import interrupts
from model.clock import Deadline
from model.files import write_atomic
from tests.children import end, launch, ready

def stop(proc: subprocess.Popen, sig: int) -> tuple[int, str, str]:
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=30)
    assert "Traceback" not in out + err
    return proc.returncode, out, err


def leftovers(folder: Path) -> list[str]:
    """Files other than the input that the run left in its folder."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.name != "tiny.xlsx")


# name -> (module, function held, whether the held function polls the deadline)
RUNS = {
    "reading": ("model.reader", "_parse", False),
    "checking": ("model.cli", "validate", False),
    "writing-int": ("model.report", "_write_run_info", False),
    "writing-term": ("model.report", "_write_run_info", False),
    "solving": ("model.cli", "optimise", True),
    "solving-twice": ("model.cli", "optimise", False),
    "sweeping": ("model.cli", "sweep", True),
}
ARGS = {"sweeping": ("--sweep", "0:1000:100")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Any, Path]]]:
    """Every run started at once (they spend their first second importing),
    each in its own folder; whatever a test leaves running is stopped."""
    started = {}
    for key, (module, name, poll) in RUNS.items():
        folder = tmp_path_factory.mktemp(key)
        started[key] = (launch(folder, module, name, poll_deadline=poll,
                               args=ARGS.get(key, ())), folder)
    yield started
    for proc, _ in started.values():
        end(proc)


@pytest.mark.parametrize("key, sig, where", [
    ("reading", signal.SIGINT, "reading the workbook"),
    ("checking", signal.SIGTERM, "checking the input"),
])
def test_a_signal_before_solving_stops_with_one_line(
        runs: dict[str, tuple[Any, Path]], key: str, sig: int, where: str) -> None:
    proc, folder = runs[key]
    code, out, err = stop(ready(proc), sig)
    assert code == 128 + sig
    name = "Ctrl-C (SIGINT)" if sig == signal.SIGINT else "SIGTERM"
    assert err.strip().splitlines() == [
        f"interrupted by {name} while {where}: stopped; no report written"]
    assert leftovers(folder) == []


@pytest.mark.parametrize("key, sig", [("writing-int", signal.SIGINT),
                                      ("writing-term", signal.SIGTERM)])
def test_a_signal_while_writing_leaves_no_report_and_no_temporary_file(
        runs: dict[str, tuple[Any, Path]], key: str, sig: int) -> None:
    """The map and the solver log are already written when the report's last
    sheet is: they go too, and the report's temporary file is removed."""
    proc, folder = runs[key]
    ready(proc)
    assert sorted(p.name for p in (folder / "out").iterdir())[0].startswith(".~tmp_")
    code, out, err = stop(proc, sig)
    assert code == 128 + sig
    assert err.strip().splitlines()[-1].endswith(
        "while writing the report: stopped; no report written and no temporary file left")
    assert leftovers(folder) == []


def test_a_signal_while_solving_writes_the_best_portfolio_marked_interrupted(
        runs: dict[str, tuple[Any, Path]]) -> None:
    """The solver polls the run's deadline; the signal cancels it, the solver
    returns its best portfolio, and the report says it was interrupted."""
    proc, folder = runs["solving"]
    code, out, err = stop(ready(proc), signal.SIGINT)
    assert code == 130, err
    report = folder / "out" / "report.xlsx"
    assert err.strip().splitlines()[-1] == (
        "interrupted by Ctrl-C (SIGINT) while solving: the best portfolio found so far is in"
        f" {report} (marked interrupted)")
    assert "Projects chosen" in out
    summary = {row[0]: row for row in openpyxl.load_workbook(report)["Summary"].iter_rows(
        values_only=True)}
    assert summary["solver_status"][2].startswith(
        "interrupted by Ctrl-C (SIGINT) after ")
    assert leftovers(folder) == ["out/report.xlsx", "out/report_map.png",
                                 "out/report_solver.log"]


def test_a_signal_during_the_sweep_ends_it_and_keeps_the_solved_portfolio(
        runs: dict[str, tuple[Any, Path]]) -> None:
    """The budget sweep's solves are cancelled with the run: the sweep stops
    after the budget being solved (not after all 11), the main portfolio,
    solved in full, is written with the budgets done, and the run says so."""
    proc, folder = runs["sweeping"]
    code, out, err = stop(ready(proc), signal.SIGINT)
    assert code == 130, err
    report = folder / "out" / "report.xlsx"
    assert err.strip().splitlines()[-1] == (
        "interrupted by Ctrl-C (SIGINT) while solving: the sweep, alternatives or switching"
        " values stopped early; the portfolio (solved in full) and what they had done are in"
        f" {report} (marked interrupted)")
    book = openpyxl.load_workbook(report)
    summary = {row[0]: row for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["solver_status"][2].startswith("run interrupted by Ctrl-C (SIGINT) after ")
    assert summary["solver_status"][1] == "optimal"  # the main solve had finished
    budgets = [row[0] for row in book["Frontier"].iter_rows(min_row=2, values_only=True)
               if isinstance(row[0], (int, float))]
    assert budgets == [0]


def test_a_second_signal_while_solving_stops_at_once(
        runs: dict[str, tuple[Any, Path]]) -> None:
    proc, folder = runs["solving-twice"]  # a solver that does not stop by itself
    os.kill(ready(proc).pid, signal.SIGTERM)
    notice = proc.stderr.readline()  # the first one is handled (signals do not queue)
    assert notice.startswith("SIGTERM: stopping the solve; the best portfolio found so far")
    code, out, err = stop(proc, signal.SIGTERM)
    assert code == 143
    assert err.strip().splitlines()[-1] == (
        "interrupted by SIGTERM while solving: stopped; no report written")
    assert leftovers(folder) == []


# --- in-process: the pieces the subprocess tests rely on ---------------------------------

def test_write_atomic_removes_its_temporary_file_when_interrupted(tmp_path: Path) -> None:
    def build(tmp: Path) -> None:
        tmp.write_text("half")
        raise interrupts.Interrupted(signal.SIGINT, "writing")

    with interrupts.guarded():
        with pytest.raises(interrupts.Interrupted):
            write_atomic(tmp_path / "r.xlsx", build)
    assert list(tmp_path.iterdir()) == []


def test_a_signal_during_a_held_block_stops_the_run_after_it(tmp_path: Path) -> None:
    done = []
    with interrupts.guarded() as guard:
        with pytest.raises(interrupts.Interrupted) as info:
            with interrupts.held():
                guard.handle(signal.SIGTERM, None)  # as if the signal arrived here
                done.append("finished the block")
    assert done == ["finished the block"] and info.value.exit_code == 143


def test_the_first_signal_while_solving_cancels_the_deadline() -> None:
    deadline = Deadline(60)
    with interrupts.guarded() as guard:
        interrupts.stage("solving", deadline)
        guard.handle(signal.SIGINT, None)  # returns: the solve goes on to stop by itself
        assert deadline.expired() and interrupts.cancelled_by() == signal.SIGINT
        with pytest.raises(interrupts.Interrupted):
            guard.handle(signal.SIGINT, None)


def test_a_stop_a_library_swallowed_stops_the_run_at_the_next_stage() -> None:
    with interrupts.guarded() as guard:
        interrupts.stage("reading")
        try:
            guard.handle(signal.SIGINT, None)
        except interrupts.Interrupted:
            pass  # as openpyxl's bare except would turn it into a TypeError
        with pytest.raises(interrupts.Interrupted) as info:
            interrupts.stage("checking")
    assert info.value.line().endswith("while reading the workbook: stopped; no report written")
