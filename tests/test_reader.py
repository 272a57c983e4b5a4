"""Reading the input workbook: what the cells themselves can tell (spec §3),
file-level failures, and a round trip Instance -> workbook -> Instance."""
from __future__ import annotations

import dataclasses
import datetime
import math
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from model.cli import main
from model.reader import UNREADABLE, InputFileError, read_workbook
from model.validate import errors, validate
from tests.reference import random_instance
from tests.workbooks import from_instance, tables, tiny, write


def small(path: Path, a: Any = "001", b: Any = "010", **sheets: list[dict[str, Any]]) -> Path:
    """Two nodes, one road between them, one upgrade, one flow."""
    recs: dict[str, list[dict[str, Any]]] = {
        "Nodes": [{"node_id": a, "name": "First"}, {"node_id": b, "name": "Second"}],
        "Segments": [{"segment_id": "s1", "from_node": a, "to_node": b, "mode": "road",
                      "length_km": 100, "speed_kmh": 50, "cost_usd_per_tkm": 0.1}],
        "Projects": [{"project_id": "p1", "capex_musd": 10}],
        "ProjectEffects": [{"project_id": "p1", "segment_id": "s1", "speed_kmh": 100}],
        "Demand": [{"origin": a, "destination": b, "base_volume_kt": 10}],
    }
    recs.update(sheets)
    return write(path, tables(None, **recs))


def problems_of(path: Path) -> tuple[Any, list[Any]]:
    instance, _, problems = validate(read_workbook(path))
    return instance, list(problems)


def edit(path: Path, change: Any) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


# --- ids ---------------------------------------------------------------------------

def test_ids_with_leading_zeros_stay_text(tmp_path: Path) -> None:
    instance, problems = problems_of(small(tmp_path / "w.xlsx"))
    assert instance is not None, problems
    assert [n.node_id for n in instance.nodes] == ["001", "010"]
    assert instance.segments[0].from_node == "001"
    assert instance.flows[0].destination == "010"
    assert problems == []


def test_numeric_ids_become_text_with_a_warning(tmp_path: Path) -> None:
    instance, problems = problems_of(small(tmp_path / "w.xlsx", a=1, b=2.0))
    assert instance is not None, problems
    assert [n.node_id for n in instance.nodes] == ["1", "2"]
    assert (instance.segments[0].from_node, instance.segments[0].to_node) == ("1", "2")
    warned = {(p.sheet, p.row, p.column) for p in problems
              if p.severity == "warning" and "typed as a number" in p.message}
    assert warned == {("Nodes", 2, "node_id"), ("Nodes", 3, "node_id"),
                      ("Segments", 2, "from_node"), ("Segments", 2, "to_node"),
                      ("Demand", 2, "origin"), ("Demand", 2, "destination")}
    assert not errors(problems)


def test_numeric_requires_is_read_as_text(tmp_path: Path) -> None:
    path = small(tmp_path / "w.xlsx", Projects=[
        {"project_id": 7, "capex_musd": 10},
        {"project_id": "p1", "capex_musd": 10, "requires": 7.0}],
        ProjectEffects=[{"project_id": "p1", "segment_id": "s1", "speed_kmh": 100},
                        {"project_id": 7, "segment_id": "s1", "speed_kmh": 90}])
    instance, problems = problems_of(path)
    assert instance is not None, problems
    assert instance.project("p1").requires == ("7",)


def test_ids_are_trimmed_with_a_warning(tmp_path: Path) -> None:
    instance, problems = problems_of(small(tmp_path / "w.xlsx", a=" 001", b="010 "))
    assert instance is not None
    assert [n.node_id for n in instance.nodes] == ["001", "010"]
    assert any("stray spaces" in p.message and p.severity == "warning" for p in problems)


def test_ids_keep_their_case_when_both_exist(tmp_path: Path) -> None:
    """'A' and 'a' are two nodes (ids are case-sensitive): no case fixing then."""
    path = small(tmp_path / "w.xlsx", a="A", b="a")
    instance, problems = problems_of(path)
    assert instance is not None, problems
    assert instance.segments[0].from_node == "A" and instance.segments[0].to_node == "a"
    assert problems == []


def test_unknown_id_suggests_the_case_variants(tmp_path: Path) -> None:
    path = small(tmp_path / "w.xlsx", a="kashgar", b="KASHGAR",
                 Demand=[{"origin": "Kashgar", "destination": "KASHGAR",
                          "base_volume_kt": 10}])
    _, problems = problems_of(path)
    [p] = errors(problems)
    assert (p.sheet, p.row, p.column) == ("Demand", 2, "origin")
    assert "did you mean 'KASHGAR' or 'kashgar'" in p.message


# --- headers and columns ----------------------------------------------------------

def test_header_variants_are_matched(tmp_path: Path) -> None:
    path = small(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["Segments"]
        ws["E1"] = "  Length_KM "
        ws["F1"] = "speed\u00a0KMH (km/h)"
        ws["G1"] = "Cost USD per tkm"
    raw = read_workbook(edit(path, change))
    seg = raw.sheets["Segments"]
    assert {"length_km", "speed_kmh", "cost_usd_per_tkm"} <= set(seg.columns)
    assert seg.rows[0].cells["length_km"] == 100
    warned = sorted(p.column for p in raw.problems if "header read as" in p.message)
    assert warned == ["cost_usd_per_tkm", "length_km", "speed_kmh"]
    instance, _, problems = validate(raw)
    assert instance is not None and not errors(problems)


def test_extra_columns_are_ignored(tmp_path: Path) -> None:
    path = small(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Segments"]["M1"] = "notes"
        wb["Segments"]["M2"] = "=1/0"  # even a broken formula: the column is not read
    raw = read_workbook(edit(path, change))
    assert "notes" not in raw.sheets["Segments"].columns
    assert raw.problems == ()


def test_column_order_is_free(tmp_path: Path) -> None:
    plain = small(tmp_path / "plain.xlsx")
    shuffled = small(tmp_path / "shuffled.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            ws.delete_rows(1, ws.max_row)
            for r in rows:
                ws.append(list(reversed(r)))
    edit(shuffled, change)
    assert read_workbook(shuffled).sheets["Segments"].columns["segment_id"] != "A"
    a, _ = problems_of(plain)
    b, problems = problems_of(shuffled)
    assert a is not None and b == a, problems


def test_missing_sheet_and_column_are_named(tmp_path: Path) -> None:
    path = small(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb.remove(wb["Demand"])
        wb["Projects"].delete_cols(3)  # capex_musd
    raw = read_workbook(edit(path, change))
    by_sheet = {p.sheet: p for p in raw.problems}
    assert "sheet 'Demand' is missing" in by_sheet["Demand"].message
    assert "Nodes" in by_sheet["Demand"].message  # says what the workbook has
    capex = by_sheet["Projects"]
    assert (capex.row, capex.column) == (1, "capex_musd")
    assert "found: project_id, name, decision" in capex.message
    assert "Projects" not in raw.sheets
    instance, _, problems = validate(raw)
    assert instance is None and len(errors(problems)) == 2


def test_sheet_names_match_ignoring_case(tmp_path: Path) -> None:
    path = small(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["ProjectEffects"].title = "x"
        wb["x"].title = "projecteffects"
    raw = read_workbook(edit(path, change))
    assert raw.sheets["ProjectEffects"].title == "projecteffects"
    [p] = raw.problems
    assert p.severity == "warning" and p.value == "projecteffects"


# --- rows ---------------------------------------------------------------------------

def test_blank_rows_are_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tiny(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Projects"].insert_rows(3, 2)
        wb["Projects"]["A20"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    raw = read_workbook(edit(path, change))
    rows = raw.sheets["Projects"].rows
    assert [r.excel_row for r in rows] == [2, 5, 6, 7]
    [p] = raw.problems  # the formatted row 20 below the data is not worth a word
    assert (p.sheet, p.row, p.severity) == ("Projects", 3, "warning")
    assert "2 blank row(s) skipped (rows 3, 4)" in p.message
    instance, _, _ = validate(raw)
    assert instance is not None and len(instance.projects) == 4


def test_hidden_rows_are_used_with_a_warning(tmp_path: Path) -> None:
    path = tiny(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Demand"].row_dimensions[3].hidden = True
    raw = read_workbook(edit(path, change))
    assert [r.hidden for r in raw.sheets["Demand"].rows] == [False, True, False]
    [p] = raw.problems
    assert (p.sheet, p.row, p.severity) == ("Demand", 3, "warning")
    instance, _, _ = validate(raw)
    assert instance is not None and len(instance.flows) == 3


# --- cells ---------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!"])
def test_error_cells_are_reported_not_blank(tmp_path: Path, code: str) -> None:
    path = tiny(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Segments"]["E3"].value = code
        assert wb["Segments"]["E3"].data_type == "e"
    raw = read_workbook(edit(path, change))
    assert raw.sheets["Segments"].rows[1].cells["length_km"] is UNREADABLE
    [p] = raw.problems
    assert (p.sheet, p.row, p.column, p.severity) == ("Segments", 3, "length_km", "error")
    assert f"cell E3 holds the Excel error {code}" in p.message
    instance, _, problems = validate(raw)
    assert instance is None and errors(problems) == [p]  # no second message for E3


def test_error_text_typed_in_a_text_cell_is_an_error(tmp_path: Path) -> None:
    """An error value stored as a plain string (as some tools export it)."""
    path = tiny(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Segments"]["E3"].value = " #N/A"  # the leading space keeps it a string
    raw = read_workbook(edit(path, change))
    [p] = raw.problems
    assert "#N/A" in p.message and p.row == 3


def test_formula_without_stored_value_is_an_error(tmp_path: Path) -> None:
    path = tiny(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Projects"]["C3"] = "=20*2"  # openpyxl stores no value for it
    raw = read_workbook(edit(path, change))
    [p] = raw.problems
    assert (p.sheet, p.row, p.column, p.value) == ("Projects", 3, "capex_musd", "=20*2")
    assert "formula with no stored value" in p.message
    assert "open and save the workbook in Excel or LibreOffice" in p.message


def test_text_numbers_are_read_with_a_warning(tmp_path: Path) -> None:
    path = tiny(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Projects"]["C3"] = " 40 "
        wb["Projects"]["C4"] = "1,234.5"  # thousands separators are not guessed
    _, problems = problems_of(edit(path, change))
    c3 = [p for p in problems if p.row == 3 and p.sheet == "Projects"]
    c4 = [p for p in problems if p.row == 4 and p.sheet == "Projects"]
    assert [p.severity for p in c3] == ["warning"] and "read as 40" in c3[0].message
    assert [p.severity for p in c4] == ["error"] and "expected a number" in c4[0].message


def test_merged_cells_in_the_data_give_a_warning(tmp_path: Path) -> None:
    path = tiny(tmp_path / "w.xlsx")

    def change(wb: openpyxl.Workbook) -> None:
        wb["Segments"]["K2"] = "Karakoram"
        wb["Segments"].merge_cells("K2:K4")
        wb["Segments"].merge_cells("A1:A1")  # harmless
    raw = read_workbook(edit(path, change))
    [p] = raw.problems
    assert (p.sheet, p.row, p.column, p.value) == ("Segments", 2, "corridor", "K2:K4")
    assert "merged" in p.message and p.severity == "warning"


def test_a_date_is_not_an_id(tmp_path: Path) -> None:
    path = small(tmp_path / "w.xlsx", b=datetime.date(2024, 3, 1))
    _, problems = problems_of(path)
    first = errors(problems)[0]
    assert (first.sheet, first.row, first.column) == ("Nodes", 3, "node_id")
    assert "Excel stored a date" in first.message and first.value == "2024-03-01 00:00:00"


@pytest.mark.parametrize("lock", ["~$w.xlsx", ".~lock.w.xlsx#"])
def test_workbook_open_in_excel_gives_a_warning(tmp_path: Path, lock: str) -> None:
    path = tiny(tmp_path / "w.xlsx")
    (tmp_path / lock).write_bytes(b"owner")
    raw = read_workbook(path)
    [p] = raw.problems
    assert p.severity == "warning" and "seems to be open" in p.message and p.value == lock
    assert str(p).startswith("w.xlsx seems to be open")


# --- round trip ------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_round_trip_of_a_random_instance(tmp_path: Path, seed: int) -> None:
    generated = random_instance(seed)
    original = generated.instance
    path = write(tmp_path / "w.xlsx", from_instance(original))
    instance, problems = problems_of(path)
    pairs = [(f.origin, f.destination) for f in original.flows]
    if len(pairs) != len(set(pairs)):  # the generator may repeat a flow: an input error
        assert instance is None
        assert {p.column for p in errors(problems)} == {"origin"}
        assert all("duplicate" in p.message for p in errors(problems))
        return
    assert instance is not None, [str(p) for p in errors(problems)]
    # Excel keeps 15 significant digits, so the last bit of a float may change.
    assert same(dataclasses.astuple(dataclasses.replace(instance, warnings=())),
                dataclasses.astuple(original))
    assert all(p.severity == "warning" for p in problems)


def same(a: Any, b: Any) -> bool:
    """Equal, floats to 14 significant digits."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and math.isclose(a, b, rel_tol=1e-14, abs_tol=1e-300)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


# --- files that are not workbooks -----------------------------------------------------

def _not_a_workbook(tmp_path: Path, kind: str) -> tuple[Path, str]:
    if kind == "missing":
        return tmp_path / "nowhere.xlsx", "input file not found"
    if kind == "folder":
        (tmp_path / "folder.xlsx").mkdir()
        return tmp_path / "folder.xlsx", "is a folder"
    if kind == "xls":
        path = tmp_path / "old.xls"
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
        return path, "save it as an Excel workbook (.xlsx)"
    if kind == "csv":
        path = tmp_path / "data.csv"
        path.write_text("node_id,name\nA,Town A\n", encoding="utf-8")
        return path, "save it as an Excel workbook (.xlsx)"
    if kind == "text renamed":
        path = tmp_path / "notes.xlsx"
        path.write_text("just some text", encoding="utf-8")
        return path, "is not an .xlsx workbook"
    if kind == "zip but not a workbook":
        path = tmp_path / "archive.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "hello")
        return path, "could not be read as an .xlsx workbook"
    if kind == "empty file":
        path = tmp_path / "empty.xlsx"
        path.write_bytes(b"")
        return path, "is not an .xlsx workbook"
    raise ValueError(kind)


KINDS = ["missing", "folder", "xls", "csv", "text renamed", "zip but not a workbook",
         "empty file"]


@pytest.mark.parametrize("kind", KINDS)
def test_file_that_is_not_a_workbook(tmp_path: Path, kind: str) -> None:
    path, words = _not_a_workbook(tmp_path, kind)
    with pytest.raises(InputFileError) as info:
        read_workbook(path)
    message = str(info.value)
    assert words in message and "\n" not in message
    assert path.name in message


@pytest.mark.parametrize("kind", KINDS)
def test_cli_gives_one_line_and_exit_2(tmp_path: Path, capsys: Any, kind: str) -> None:
    path, words = _not_a_workbook(tmp_path, kind)
    code = main(["--input", str(path), "--output", str(tmp_path / "out" / "r.xlsx")])
    captured = capsys.readouterr()
    assert code == 2
    lines = (captured.out + captured.err).strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("error: ")
    assert "Traceback" not in captured.err
