"""Two runs on the same report (issue 13): one wins, the other says the
report is in use; neither leaves a corrupt workbook or a lock file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from model.outputlock import OutputInUse, hold_output, lock_path
from tests.children import ROOT, end, start


def test_a_second_run_on_the_same_report_is_refused(tmp_path: Path) -> None:
    first = start(tmp_path, "model.cli", "optimise")  # holds the lock while it solves
    try:
        check_two_runs(first, tmp_path)
    finally:
        end(first)


def check_two_runs(first: subprocess.Popen, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.xlsx"
    second = subprocess.run(
        [sys.executable, "run.py", "--input", str(tmp_path / "tiny.xlsx"), "--output",
         str(report)], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert second.returncode == 2
    [line] = (second.stdout + second.stderr).strip().splitlines()[-1:]
    assert line.startswith(f"error: {report} is in use by another run (process {first.pid},"
                           " started ")
    assert line.endswith("; wait for it to finish, or choose another --output")
    (tmp_path / "go").touch()
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert "Traceback" not in out + err + second.stderr
    assert openpyxl.load_workbook(report)["Summary"]["A1"].value  # complete, readable
    assert not lock_path(report).exists()


def test_the_lock_is_released_and_a_stale_lock_file_is_harmless(tmp_path: Path) -> None:
    report = tmp_path / "r.xlsx"
    lock_path(report).write_text("99999 2026-01-01T00:00:00\n")  # left by a killed run
    with hold_output(report):
        with pytest.raises(OutputInUse):  # also within one process: a second open file
            with hold_output(report):
                pass
    assert not lock_path(report).exists()
    with hold_output(report):  # free again
        pass
