"""Scenario runs on Dask (spec §11): a local cluster of worker processes and a
real scheduler and workers started here as separate processes on 127.0.0.1
(and stopped here). The same seed gives the same Draws, Robustness and
Distribution sheets whatever runs the draws and however many workers; a
failed or lost worker's task is retried, and what cannot finish is reported."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pytest
from distributed import Client

import model.executor as executor
from model.cli import main
from model.executor import Engine
from tests.workbooks import tiny, with_uncertainty

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ("Draws", "Robustness", "Distribution")
ROWS = [["growth_pct", None, -1, 0, 2], ["elasticity", None, 0.6, 1, 1.5],
        ["capex", None, 0.8, 1, 1.6], ["capex", "p3", 1, 1.2, 2],
        ["base_volume", "grain", 0.5, 1, 1.5], ["closure_days", "s1", 0, 40, 200]]


# --- the engine: retries and failures --------------------------------------------------

def task(shared: int, item: tuple) -> Any:
    """A test task: ok, flaky once (raises), crashes its worker once, or always broken."""
    kind = item[0]
    if kind == "ok":
        return shared * item[1]
    marker = Path(item[1]) if len(item) > 1 else None
    if kind == "broken":
        raise ValueError("always broken")
    if marker is not None and not marker.exists():
        marker.write_text("tried")
        if kind == "crash":
            os._exit(1)  # the worker process dies: the nanny restarts it
        raise RuntimeError("flaky the first time")
    return f"{kind} recovered"


def test_engine_retries_failed_and_lost_tasks_and_reports_what_fails(tmp_path: Path) -> None:
    items = [("ok", 2), ("flaky", str(tmp_path / "flaky")), ("ok", 3),
             ("crash", str(tmp_path / "crash")), ("broken",)]
    seen: list[tuple[int, int]] = []
    with Engine(workers=2) as engine:
        ran = engine.map(task, 10, items, progress=lambda d, f: seen.append((d, f)))
    assert ran.results == {0: 20, 1: "flaky recovered", 2: 30, 3: "crash recovered"}
    assert list(ran.failed) == [4] and "ValueError: always broken" in ran.failed[4]
    assert seen[-1] == (4, 1)


def test_a_lone_worker_that_dies_loses_nothing(tmp_path: Path) -> None:
    """The only worker holds the shared data and the results already computed;
    when it dies the nanny starts another, and every task still completes
    (scattered data would be lost with it, and every task cancelled)."""
    items = [("ok", 2), ("crash", str(tmp_path / "crash")), ("ok", 3)]
    with Engine(workers=1) as engine:
        ran = engine.map(task, 10, items)
    assert ran.results == {0: 20, 1: "crash recovered", 2: 30} and not ran.failed


# --- the same sheets on every executor ------------------------------------------------

def workbook(folder: Path) -> Path:
    return with_uncertainty(tiny(folder / "tiny.xlsx"), ROWS)


def run(folder: Path, name: str, *extra: str) -> dict[str, pd.DataFrame]:
    inp = workbook(folder)
    out = folder / f"{name}.xlsx"
    code = main(["--input", str(inp), "--output", str(out), "--quiet", "--scenarios", "5",
                 "--seed", "11", "--robust", *extra])
    assert code == 0
    return pd.read_excel(out, sheet_name=None)


@pytest.fixture
def cli_cluster(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and `dask worker` as separate processes on 127.0.0.1,
    stopped (by their process ids) when the test ends."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    file = tmp_path / "scheduler.json"
    logs = [open(tmp_path / f"{n}.log", "w") for n in ("scheduler", "worker")]
    started = [subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(file)],
        cwd=tmp_path, env=env, stdout=logs[0], stderr=subprocess.STDOUT)]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        started.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", "--scheduler-file", str(file),
             "--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--memory-limit", "2GiB",
             "--death-timeout", "30"],
            cwd=tmp_path, env=env, stdout=logs[1], stderr=subprocess.STDOUT))
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(started):
            proc.terminate()
        for proc in reversed(started):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


def test_same_seed_same_sheets_on_every_executor(tmp_path: Path, cli_cluster: str) -> None:
    one = run(tmp_path, "one", "--workers", "1")
    two = run(tmp_path, "two", "--workers", "2")
    remote = run(tmp_path, "remote", "--scheduler", cli_cluster)
    for sheet in SHEETS:
        pd.testing.assert_frame_equal(one[sheet], two[sheet])
        pd.testing.assert_frame_equal(one[sheet], remote[sheet])
    summary = dict(zip(remote["Summary"]["item"], remote["Summary"]["value"]))
    assert summary["scenarios_done"] == 5 and summary["scenarios_failed"] == "none"
    assert cli_cluster in summary["scenario_engine"]


# --- the report -------------------------------------------------------------------------

def test_scenario_report_reads_as_tables_with_charts(tmp_path: Path) -> None:
    sheets = run(tmp_path, "report", "--workers", "2")
    draws = sheets["Draws"]
    assert list(draws["draw"]) == [1, 2, 3, 4, 5]
    assert {"growth_pct", "elasticity", "capex", "capex:p3", "base_volume:grain",
            "closure_days:s1", "returned_trade_kt", "returned_cost_musd", "own_trade_kt",
            "regret_kt", "robust_trade_kt"} <= set(draws.columns)
    assert (draws["status"] == "done").all()
    gain = draws["returned_trade_kt"] - draws["do_nothing_trade_kt"]
    summary = dict(zip(sheets["Summary"]["item"], sheets["Summary"]["value"]))
    for p in (10, 50, 90):
        assert summary[f"gain_p{p}_kt"] == pytest.approx(gain.quantile(p / 100))
    assert summary["gain_mean_kt"] == pytest.approx(gain.mean())
    robust = sheets["Robustness"]
    assert robust["selected_share"].dropna().between(0, 1).all()
    assert sheets["Distribution"]["draws_returned"].sum() == 5
    with zipfile.ZipFile(tmp_path / "report.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 3 + 2  # the run's Charts sheet, the histogram, the selection shares


def test_a_draw_that_cannot_finish_is_named_and_the_run_exits_4(
        tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = executor.Engine.map

    def losing_draw_3(self, task, shared, items, progress=lambda d, f: None):
        ran = real(self, task, shared, items, progress)
        ran.results.pop(2)
        ran.failed[2] = "KilledWorker: the worker died three times"
        return ran

    monkeypatch.setattr(executor.Engine, "map", losing_draw_3)
    inp = workbook(tmp_path)
    out = tmp_path / "lost.xlsx"
    code = main(["--input", str(inp), "--output", str(out), "--scenarios", "4",
                 "--workers", "1"])
    text = capsys.readouterr()
    assert code == 4
    assert "draw 3 could not be computed: KilledWorker" in text.err
    draws = pd.read_excel(out, sheet_name="Draws")
    assert draws.loc[2, "status"].startswith("failed: KilledWorker")
    summary = dict(zip(*pd.read_excel(out, sheet_name="Summary")[["item", "value"]].T.values))
    assert summary["scenarios_done"] == 3 and "draw 3" in summary["scenarios_failed"]


# --- refusals ---------------------------------------------------------------------------

def test_robust_needs_scenarios(tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--input", str(workbook(tmp_path)), "--robust"])
    assert stop.value.code == 2
    assert "--robust needs --scenarios N" in capsys.readouterr().err


def test_arc_formulation_refuses_closures(tmp_path: Path, capsys: Any) -> None:
    code = main(["--input", str(workbook(tmp_path)), "--output", str(tmp_path / "a.xlsx"),
                 "--formulation", "arc", "--scenarios", "3"])
    assert code == 2
    assert "arc formulation models neither closure states" in capsys.readouterr().err
