"""End to end on the default workbook, as an official runs it."""
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from model.cli import main
from model.reader import read_workbook
from model.validate import validate
from tests import reference

DEFAULT = Path(__file__).resolve().parents[1] / "inputs" / "corridors.xlsx"

SUMMARY_ITEMS = ["budget_musd", "spent_musd", "projects_selected", "trade_today_kt",
                 "trade_do_nothing_kt", "trade_optimised_kt", "gain_kt", "solver_status",
                 "objective_bound", "mip_gap", "gain_gap", "build_s", "solve_s", "total_s",
                 "input_file", "input_sha256", "run_at"]
COLUMNS = {
    "Summary": ["item", "value"],
    "Projects": ["project_id", "name", "capex_musd", "decision", "selected",
                 "marginal_gain_kt", "gain_per_musd"],
    "Trade": ["origin", "destination", "commodity", "base_volume_kt", "today_cost",
              "do_nothing_cost", "optimised_cost", "do_nothing_volume_kt",
              "optimised_volume_kt", "route"],
    "Segments": ["segment_id", "optimised_volume_kt", "project"],
}


def header(ws, row=1):
    return [c.value for c in ws[row]]


def summary(wb):
    ws = wb["Summary"]
    return {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "report.xlsx"
    before = hashlib.sha256(DEFAULT.read_bytes()).hexdigest()
    code = main(["--input", str(DEFAULT), "--budget", "2000", "--output", str(out), "--quiet"])
    return code, out, before


def test_exit_code_and_input_untouched(default_run):
    code, out, before = default_run
    assert code == 0
    assert hashlib.sha256(DEFAULT.read_bytes()).hexdigest() == before
    assert out.exists()
    assert out.with_name("report_map.png").stat().st_size > 10_000
    assert out.with_name("report_solver.log").read_text().strip()
    assert not list(out.parent.glob(".~tmp_*"))


def test_report_sheets_and_columns(default_run):
    _, out, before = default_run
    wb = openpyxl.load_workbook(out)
    for sheet, cols in COLUMNS.items():
        assert set(cols) <= set(header(wb[sheet])), sheet
    items = summary(wb)
    assert set(SUMMARY_ITEMS) <= set(items)
    assert items["input_sha256"] == before
    assert items["solver_status"] in ("optimal", "time_limit")
    assert items["budget_musd"] == 2000
    assert items["spent_musd"] <= 2000
    with zipfile.ZipFile(out) as z:  # native charts and the embedded map
        names = z.namelist()
    assert sum(n.startswith("xl/charts/chart") for n in names) >= 3
    assert any(n.startswith("xl/media/") for n in names)
    for sheet in ("Ranking", "Charts", "Map", "Warnings", "RunInfo"):
        assert sheet in wb.sheetnames


def test_reported_volumes_recomputed_independently(default_run):
    """The Summary's trade figures, recomputed from the spec with the tests'
    own Dijkstra on the portfolio the Projects sheet lists."""
    _, out, _ = default_run
    wb = openpyxl.load_workbook(out)
    items = summary(wb)
    selected = {r[0] for r in wb["Projects"].iter_rows(min_row=2, values_only=True)
                if r[0] and r[4] == "yes"}
    assert len(selected) == items["projects_selected"]
    inst, _, _ = validate(read_workbook(DEFAULT))
    assert items["trade_optimised_kt"] == pytest.approx(reference.volume(inst, selected),
                                                        rel=1e-9)
    assert items["trade_do_nothing_kt"] == pytest.approx(reference.volume(inst, set()), rel=1e-9)
    assert items["trade_today_kt"] == pytest.approx(sum(f.base_volume_kt for f in inst.flows))
    assert reference.feasible(inst, selected, 2000)
    assert items["objective_bound"] >= items["trade_optimised_kt"] * (1 - 1e-9)
    trade = [r for r in wb["Trade"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert sum(r[8] for r in trade) == pytest.approx(items["trade_optimised_kt"])


def test_sweep_writes_a_frontier_with_its_chart(tmp_path):
    out = tmp_path / "sweep.xlsx"
    assert main(["--input", str(DEFAULT), "--budget", "2000", "--sweep", "0:3000:1000",
                 "--output", str(out), "--quiet"]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Frontier"]
    cols = header(ws)
    assert cols[:7] == ["budget_musd", "trade_optimised_kt", "spent_musd", "trade_ranking_kt",
                        "selected", "added", "dropped"]
    rows = [r for r in ws.iter_rows(min_row=2, max_row=5, values_only=True)]
    assert [r[0] for r in rows] == [0, 1000, 2000, 3000]
    assert all(r[2] <= r[0] + 1e-9 for r in rows)
    assert all(r[1] >= r[3] - 1e-6 for r in rows)  # the optimum never trails the ranking
    with zipfile.ZipFile(out) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) >= 4


def test_help_tells_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for word in ("--budget", "--sweep", "--alternatives", "exit status", "infeasible"):
        assert word in text


def test_every_data_sheet_reads_as_a_plain_table(tmp_path):
    """Issue 8: pandas reads each data sheet cleanly: one header row, no
    unnamed columns, no notes below the table (a key in every row)."""
    out = tmp_path / "report.xlsx"
    assert main(["--input", str(DEFAULT), "--budget", "2000", "--output", str(out), "--quiet",
                 "--sweep", "0:4000:2000", "--alternatives", "2"]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    data = set(sheets) - {"Charts", "Map"}
    assert {"Summary", "Projects", "Trade", "Segments", "Ranking", "Frontier",
            "Alternatives", "Warnings", "Parameters", "RunInfo"} <= data
    for name in data:
        df = sheets[name]
        assert not [c for c in df.columns if str(c).startswith("Unnamed")], name
        assert df.iloc[:, 0].notna().all(), name
    summary = dict(zip(sheets["Summary"]["item"], sheets["Summary"]["value"]))
    assert {"npv_musd", "bcr", "eirr_pct", "sweep_not_nested"} <= set(summary)
    frontier = sheets["Frontier"]
    assert {"npv_musd", "bcr", "note"} <= set(frontier.columns)
    assert len(frontier) == 3


def test_a_run_in_process_leaves_no_file_open(tmp_path):
    """The CLI's copy of stdout is closed when main returns: left open, the
    garbage collector reports it later, inside whatever runs next."""
    import gc
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(["--input", str(tmp_path / "missing.xlsx"),
                     "--output", str(tmp_path / "out.xlsx")])
        gc.collect()
    assert code == 2
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], \
        [str(w.message) for w in caught]
