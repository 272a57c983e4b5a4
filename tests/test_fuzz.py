"""Fuzzing (issue 13): workbooks mutated at random from small valid ones
(and, in the slow set, from the default workbook).

Every run must end with exit 0, 2 or 3 within 10 s, print no traceback and
leave the input byte for byte as it was. Seeded: a failing seed is rerun with
``python -m pytest tests/test_fuzz.py -m slow -k "[SEED]"``. The first
DEFAULT_CASES seeds run in the default test run, in process, and one through
a real process as well; the full set is marked slow.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import string
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest

from model.cli import main
from tests.workbooks import HEADERS, tables, tiny, write

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "inputs" / "corridors.xlsx"
DEFAULT_CASES = 30
ALL_CASES = 300
SUBPROCESS_SEEDS = (0, *(pytest.param(seed, marks=pytest.mark.slow) for seed in (1, 2, 9)))
LIMIT_S = 10.0

Mutation = Callable[[random.Random, openpyxl.Workbook], None]


def two_nodes(path: Path) -> Path:
    """The smallest valid workbook: two towns, one road, one upgrade, one flow."""
    return write(path, tables(
        {"objective": "value"},
        Nodes=[{"node_id": "001", "name": "First"}, {"node_id": "010", "name": "Second"}],
        Segments=[{"segment_id": "s1", "from_node": "001", "to_node": "010", "mode": "road",
                   "length_km": 100, "speed_kmh": 50, "cost_usd_per_tkm": 0.1}],
        Projects=[{"project_id": "p1", "capex_musd": 10, "requires": "p1"}],
        ProjectEffects=[{"project_id": "p1", "segment_id": "s1", "speed_kmh": 100}],
        Demand=[{"origin": "001", "destination": "010", "base_volume_kt": 10,
                 "value_usd_per_t": 300}]))


BASES = (tiny, two_nodes)


def random_value(rng: random.Random) -> Any:
    """A cell value of a random type, with the awkward cases officials produce."""
    kind = rng.randrange(24)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(["", " ", "\u00a0", "\t"])
    if kind == 2:
        return "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(1, 12)))
    if kind == 3:
        return rng.choice(["Ünïcødé", "北京", "Кашгар", "🚚", "a\nb", "'quoted'", "=text"])
    if kind == 4:
        return "x" * rng.choice([300, 5000, 32767])
    if kind == 5:
        return rng.choice(["12", " 40 ", "1,234.5", "12%", "1e3", "-0", "NaN", "inf", "0x1F"])
    if kind == 6:
        return rng.randint(-10**6, 10**6)
    if kind == 7:
        return rng.choice([0, -1, 1, 10**15, -10**15, 2**53 + 1])
    if kind == 8:
        return rng.uniform(-1e4, 1e4)
    if kind == 9:
        return rng.choice([0.0, -0.0, 1e-300, 1e300, -1e300, 5e-324, 1.7976931348623157e308])
    if kind == 10:
        return rng.choice([True, False])
    if kind == 11:
        return dt.datetime(rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28),
                           rng.randint(0, 23))
    if kind == 12:
        return dt.date(rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28))
    if kind == 13:
        return dt.time(rng.randint(0, 23), rng.randint(0, 59))
    if kind == 14:
        return dt.timedelta(hours=rng.uniform(-100, 100))
    if kind == 15:
        return rng.choice(["#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"])
    if kind == 16:
        return rng.choice(["=1/0", "=A1+B1", "=SUM(A:A)", "=Nodes!A2", "=NA()", "=\"x\""])
    if kind == 17:
        return rng.choice(["road", "Rail ", "BORDER", "planned", "committed", "must_do"])
    if kind == 18:
        return rng.choice(["A", "B", "C", "D", "001", "010", "s1", "p1", "p2", "a", " A"])
    if kind == 19:
        return rng.choice(["p1;p2", "p1, p9", ";;", "p1;p1", "p2;p3;p4"])
    if kind == 20:
        return rng.choice(HEADERS[rng.choice(list(HEADERS))])
    if kind == 21:
        return rng.choice(["budget_musd", "base_year", "mip_gap", "objective", "formulation"])
    if kind == 22:
        return rng.choice([1900, 2025, 2200, 2201, 0.5, 1.5, 300, 1e9])
    return rng.uniform(0, 500)


def _sheet(rng: random.Random, wb: openpyxl.Workbook) -> Any:
    return rng.choice(wb.worksheets)


def replace_cells(rng: random.Random, wb: openpyxl.Workbook) -> None:
    ws = _sheet(rng, wb)
    for _ in range(rng.randint(1, 6)):
        ws.cell(rng.randint(1, ws.max_row + 2), rng.randint(1, ws.max_column + 1),
                random_value(rng))


def delete_rows(rng: random.Random, wb: openpyxl.Workbook) -> None:
    ws = _sheet(rng, wb)
    ws.delete_rows(rng.randint(1, max(ws.max_row, 1)), rng.randint(1, 3))


def duplicate_row(rng: random.Random, wb: openpyxl.Workbook) -> None:
    ws = _sheet(rng, wb)
    source = rng.randint(1, max(ws.max_row, 1))
    values = [c.value for c in ws[source]]
    target = rng.randint(2, ws.max_row + 1)
    ws.insert_rows(target)
    for col, value in enumerate(values, start=1):
        ws.cell(target, col, value)


def rename_sheet(rng: random.Random, wb: openpyxl.Workbook) -> None:
    ws = _sheet(rng, wb)
    title = ws.title
    new = rng.choice([title.lower(), title.upper(), f" {title} ", title[:-1], "Sheet",
                      title + "2", "x" * 31])
    if new.strip() and new not in wb.sheetnames:
        ws.title = new
    elif len(wb.worksheets) > 1:  # swap two names
        other = rng.choice([w for w in wb.worksheets if w is not ws])
        a, b = ws.title, other.title
        ws.title, other.title, ws.title = "~swap~", a, b


def shuffle_headers(rng: random.Random, wb: openpyxl.Workbook) -> None:
    ws = _sheet(rng, wb)
    cells = list(ws[1])
    values = [c.value for c in cells]
    rng.shuffle(values)
    for cell, value in zip(cells, values):
        cell.value = value


def delete_column(rng: random.Random, wb: openpyxl.Workbook) -> None:
    ws = _sheet(rng, wb)
    ws.delete_cols(rng.randint(1, max(ws.max_column, 1)))


def delete_sheet(rng: random.Random, wb: openpyxl.Workbook) -> None:
    if len(wb.worksheets) > 1:
        wb.remove(_sheet(rng, wb))


def shape_rows(rng: random.Random, wb: openpyxl.Workbook) -> None:
    """Hidden rows, merged cells, blank rows inserted, a stray far-away cell."""
    ws = _sheet(rng, wb)
    row = rng.randint(1, ws.max_row + 1)
    choice = rng.randrange(4)
    if choice == 0:
        ws.row_dimensions[row].hidden = True
    elif choice == 1:
        col = rng.randint(1, max(ws.max_column, 1))
        ws.merge_cells(start_row=row, start_column=col, end_row=row + rng.randint(0, 3),
                       end_column=col + rng.randint(0, 2))
    elif choice == 2:
        ws.insert_rows(row, rng.randint(1, 3))
    else:
        ws.cell(rng.choice([1000, 65536, 1048576]), rng.randint(1, 12), random_value(rng))


def clear_sheet(rng: random.Random, wb: openpyxl.Workbook) -> None:
    ws = _sheet(rng, wb)
    ws.delete_rows(rng.choice([1, 2]), ws.max_row)


def scale_numbers(rng: random.Random, wb: openpyxl.Workbook) -> None:
    """Numbers that keep their type but not their size or sign."""
    ws = _sheet(rng, wb)
    cells = [c for row in ws.iter_rows(min_row=2) for c in row
             if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    for cell in rng.sample(cells, min(len(cells), rng.randint(1, 3))):
        cell.value = cell.value * rng.choice([0, -1, 0.5, 2, 10, 1000, 1e-6])


def project_rules(rng: random.Random, wb: openpyxl.Workbook) -> None:
    """Valid-looking decisions, groups and requirements that may not fit together."""
    if "Projects" not in wb.sheetnames:
        return
    ws = wb["Projects"]
    header = {c.value: c.column for c in ws[1]}
    ids = [ws.cell(r, header.get("project_id", 1)).value for r in range(2, ws.max_row + 1)]
    for r in range(2, ws.max_row + 1):
        column, value = rng.choice([
            ("decision", rng.choice(["candidate", "must_do", "committed", "excluded", None])),
            ("group", rng.choice(["G", "H", None])),
            ("requires", ";".join(str(i) for i in rng.sample(ids, rng.randint(0, len(ids))))),
            ("capex_musd", rng.choice([0, 5, 50, 500]))])
        if column in header:
            ws.cell(r, header[column], value)


MUTATIONS: tuple[Mutation, ...] = (
    replace_cells, replace_cells, replace_cells, delete_rows, duplicate_row, rename_sheet,
    shuffle_headers, delete_column, delete_sheet, shape_rows, clear_sheet, scale_numbers,
    scale_numbers, project_rules, project_rules)


def mutated(seed: int, folder: Path) -> tuple[Path, list[str]]:
    """The workbook of a seed, and the mutations applied (for the failure message)."""
    rng = random.Random(seed)
    path = folder / f"fuzz{seed}.xlsx"
    if seed >= DEFAULT_CASES and seed % 10 == 9:  # the real network, in the slow set
        path.write_bytes(DEFAULT.read_bytes())
    else:
        BASES[seed % len(BASES)](path)
    wb = openpyxl.load_workbook(path)
    done = []
    for _ in range(rng.choice([1, 1, 1, 2, 3, 4])):
        mutation = rng.choice(MUTATIONS)
        mutation(rng, wb)
        done.append(mutation.__name__)
    wb.save(path)
    return path, done


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_in_process(seed: int, folder: Path, capsys: Any) -> None:
    path, done = mutated(seed, folder)
    before = sha256(path)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:  # what a user would see on stderr
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        code = main(["--input", str(path), "--output", str(folder / "out" / f"r{seed}.xlsx"),
                     "--time-limit", "5"])
    elapsed = time.perf_counter() - start
    captured = capsys.readouterr()
    text = captured.out + captured.err
    crash = "".join(log.read_text() for log in (folder / "outputs").glob("error-*.log"))
    context = f"seed {seed}, mutations {done}:\n{text[-3000:]}{crash}"
    assert code in (0, 2, 3), context
    assert "Traceback" not in text and "internal error" not in text, context
    assert not caught, context + "\n".join(str(w.message) for w in caught)  # not for officials
    assert elapsed < LIMIT_S, context
    assert sha256(path) == before, context


@pytest.mark.parametrize("seed", range(DEFAULT_CASES))
def test_fuzz(seed: int, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an internal error would write its log under ./outputs
    check_in_process(seed, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(DEFAULT_CASES, ALL_CASES))
def test_fuzz_full(seed: int, tmp_path: Path, capsys: Any,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    check_in_process(seed, tmp_path, capsys)


@pytest.mark.parametrize("seed", SUBPROCESS_SEEDS)
def test_fuzz_in_a_real_process(seed: int, tmp_path: Path) -> None:
    """As a user runs it: python run.py in its own process."""
    path, done = mutated(seed, tmp_path)
    before = sha256(path)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--input", str(path), "--output",
         str(tmp_path / "out" / "r.xlsx"), "--time-limit", "5"], cwd=tmp_path,
        capture_output=True, text=True, timeout=LIMIT_S + 5,
        env=dict(os.environ, PYTHONPATH=str(ROOT)))
    context = f"seed {seed}, mutations {done}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert proc.returncode in (0, 2, 3), context
    assert time.perf_counter() - start < LIMIT_S, context
    assert "Traceback" not in proc.stdout + proc.stderr, context
    assert "Warning:" not in proc.stdout + proc.stderr, context
    assert sha256(path) == before, context
