"""Ctrl-C and SIGTERM (issue 13): real signals sent to a real run, a child
process held in one stage (tests/children.py)."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import openpyxl
import pytest

from model import interrupts
from model.clock import Deadline
from model.report import write_atomic
from tests.children import start

def stop(proc: subprocess.Popen, sig: int) -> tuple[int, str, str]:
    os.kill(proc.pid, sig)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in out + err
    return proc.returncode, out, err


def leftovers(folder: Path) -> list[str]:
    """Files other than the input that the run left in its folder."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.name != "tiny.xlsx")


@pytest.mark.parametrize("module, name, sig, where", [
    ("model.reader", "_parse", signal.SIGINT, "reading the workbook"),
    ("model.cli", "validate", signal.SIGTERM, "checking the input"),
])
def test_a_signal_before_solving_stops_with_one_line(
        tmp_path: Path, module: str, name: str, sig: int, where: str) -> None:
    proc = start(tmp_path, module, name)
    code, out, err = stop(proc, sig)
    assert code == 128 + sig
    name_ = "Ctrl-C (SIGINT)" if sig == signal.SIGINT else "SIGTERM"
    assert err.strip().splitlines() == [
        f"interrupted by {name_} while {where}: stopped; no report written"]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_writing_leaves_no_report_and_no_temporary_file(
        tmp_path: Path, sig: int) -> None:
    """The map and the solver log are already written when the report's last
    sheet is: they go too, and the report's temporary file is removed."""
    out_dir = tmp_path / "out"
    proc = start(tmp_path, "model.report", "_write_run_info")
    assert sorted(p.name for p in out_dir.iterdir())[0].startswith(".~tmp_")  # mid-write
    code, out, err = stop(proc, sig)
    assert code == 128 + sig
    assert err.strip().splitlines()[-1].endswith(
        "while writing the report: stopped; no report written and no temporary file left")
    assert leftovers(tmp_path) == []


def test_a_signal_while_solving_writes_the_best_portfolio_marked_interrupted(
        tmp_path: Path) -> None:
    """The solver polls the run's deadline; the signal cancels it, the solver
    returns its best portfolio, and the report says it was interrupted."""
    proc = start(tmp_path, "model.cli", "optimise", poll_deadline=True)
    code, out, err = stop(proc, signal.SIGINT)
    assert code == 130, err
    report = tmp_path / "out" / "report.xlsx"
    assert err.strip().splitlines()[-1] == (
        "interrupted by Ctrl-C (SIGINT) while solving: the best portfolio found so far is in"
        f" {report} (marked interrupted)")
    assert "Projects chosen" in out
    summary = {row[0]: row for row in openpyxl.load_workbook(report)["Summary"].iter_rows(
        values_only=True)}
    assert summary["solver_status"][2].startswith(
        "interrupted by Ctrl-C (SIGINT) after ")
    assert leftovers(tmp_path) == ["out/report.xlsx", "out/report_map.png",
                                   "out/report_solver.log"]


def test_a_second_signal_while_solving_stops_at_once(tmp_path: Path) -> None:
    proc = start(tmp_path, "model.cli", "optimise")  # a solver that does not stop
    os.kill(proc.pid, signal.SIGTERM)
    notice = proc.stderr.readline()  # the first one is handled (signals do not queue)
    assert notice.startswith("SIGTERM: stopping the solve; the best portfolio found so far")
    code, out, err = stop(proc, signal.SIGTERM)
    assert code == 143
    assert err.strip().splitlines()[-1] == (
        "interrupted by SIGTERM while solving: stopped; no report written")
    assert leftovers(tmp_path) == []


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
