"""The input template (--make-template): built from the schema, so what it
asks for is what the reader accepts."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from model.cli import main
from model.reader import read_workbook
from model.schema import PARAMETERS, SHEET_BY_NAME, SHEETS
from model.template import INPUT_FILL, id_list_name, write_template
from model.validate import errors, validate
from tests.workbooks import tiny

DATA_SHEETS = [s for s in SHEETS if s.name != "Parameters"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "template.xlsx")


def fill(template_path: Path, source: Path, target: Path) -> Path:
    """Copy a workbook's data into the template by header name (explicit cells,
    as an official typing into the yellow cells would)."""
    src = openpyxl.load_workbook(source)
    wb = openpyxl.load_workbook(template_path)
    for sheet in DATA_SHEETS:
        if sheet.name not in src.sheetnames:  # an optional sheet the source leaves out
            continue
        rows = list(src[sheet.name].iter_rows(values_only=True))
        head = {name: i for i, name in enumerate(rows[0])}
        ws = wb[sheet.name]
        letters = {c.value: c.column for c in ws[1]}
        for r, values in enumerate(rows[1:], start=2):
            for name, col in letters.items():
                if name in head:
                    ws.cell(r, col).value = values[head[name]]
    ws = wb["Parameters"]
    where = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for name, value, *_ in list(src["Parameters"].iter_rows(values_only=True))[1:]:
        ws.cell(where[name], 2).value = value
    wb.save(target)
    return target


def test_sheets_and_headers(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["Instructions"] + [s.name for s in SHEETS]
    assert wb.active.title == "Instructions"
    for sheet in SHEETS:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == [c.name for c in sheet.columns]
        for cell, column in zip(ws[1], sheet.columns):
            assert column.description in cell.comment.text
            assert column.unit in cell.comment.text
        assert ws.freeze_panes in ("A2", "B2")


def test_parameters_sheet_lists_every_parameter(template: Path) -> None:
    ws = openpyxl.load_workbook(template)["Parameters"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [p.name for p in PARAMETERS]
    for (name, value, unit, description), p in zip(rows, PARAMETERS):
        assert unit == p.unit and p.description in description
        if p.required:  # left for the user, and said so
            assert value is None and description.startswith("REQUIRED")
        else:
            assert value == p.default and f"default {p.default}" in description


def _validations(ws: Any) -> dict[str, Any]:
    """First column letter of each rule's range -> rule."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[re.match(r"[A-Z]+", rng).group()] = dv
    return out


def test_dropdowns(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name]
        rules = _validations(ws)
        for i, column in enumerate(sheet.columns, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            rule = rules.get(letter)
            if column.kind == "enum":
                assert rule.type == "list"
                assert rule.formula1 == '"' + ",".join(column.choices) + '"'
            elif column.kind == "id" and column.refers_to:
                assert rule.type == "list"
                assert rule.formula1 == id_list_name(SHEET_BY_NAME[column.refers_to])
            elif column.kind == "number":
                assert rule.type == "decimal"
            elif column.kind == "integer":
                assert rule.type == "whole"
            else:
                assert rule is None, (sheet.name, column.name)
            if rule is not None:
                assert str(rule.sqref) == f"{letter}2:{letter}1001"
                assert rule.showErrorMessage and column.name in rule.error
    lists = {dv.formula1 for dv in wb["Parameters"].data_validations.dataValidation}
    assert '"volume,value"' in lists and '"auto,paths,arc"' in lists


def test_id_lists_are_defined_names(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    names = {name: dn.attr_text.replace("'", "") for name, dn in wb.defined_names.items()}
    assert names == {"NodeIds": "Nodes!$A$2:$A$1001",
                     "SegmentIds": "Segments!$A$2:$A$1001",
                     "ProjectIds": "Projects!$A$2:$A$1001"}
    used = {dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    assert set(names) <= used


def test_input_cells_are_yellow_and_unlocked(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name]
        for i in range(1, len(sheet.columns) + 1):
            dim = ws.column_dimensions[openpyxl.utils.get_column_letter(i)]
            assert dim.fill.fgColor.rgb.endswith(INPUT_FILL.fgColor.rgb[-6:])
            assert dim.protection.locked is False
            assert dim.width >= 12
    ws = wb["Parameters"]
    assert ws["B2"].fill.fgColor.rgb.endswith("FFF2CC") and ws["B2"].protection.locked is False


def test_instructions_cover_the_schema(template: Path) -> None:
    ws = openpyxl.load_workbook(template)["Instructions"]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)
    assert "python run.py --budget 2000" in text
    assert "--validate-only" in text
    for word in ("Yellow", "Orange", "Grey", "exit status", "0 solved", "2 input errors",
                 "3 infeasible"):
        assert word.lower() in text.lower(), word
    for sheet in SHEETS:
        assert sheet.name in text and sheet.description in text
        for column in sheet.columns:
            assert column.name in text and column.description in text
            assert column.unit in text
    for p in PARAMETERS:
        assert p.name in text and p.unit in text


def test_empty_template_only_lacks_data(template: Path) -> None:
    raw = read_workbook(template)
    assert set(raw.sheets) == {s.name for s in SHEETS}
    assert raw.problems == ()
    instance, _, problems = validate(raw)
    assert instance is None
    required = {p.name for p in PARAMETERS if p.required}
    for p in errors(problems):
        blank_parameter = p.sheet == "Parameters" and any(
            f"blank value for {name};" in p.message for name in required)
        empty_sheet = p.sheet in ("Nodes", "Segments", "Demand") and "no data rows" in p.message
        assert blank_parameter or empty_sheet, str(p)
    assert len(errors(problems)) == len(required) + 3


def test_filled_template_solves_like_the_original(template: Path, tmp_path: Path,
                                                  capsys: Any) -> None:
    original = tiny(tmp_path / "tiny.xlsx")
    filled = fill(template, original, tmp_path / "filled.xlsx")
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main(["--input", str(original), "--output", str(a), "--quiet"]) == 0
    assert main(["--input", str(filled), "--output", str(b), "--quiet"]) == 0
    _, _, problems = validate(read_workbook(filled))
    assert problems == ()  # the template adds no warnings either

    def summary(path: Path) -> dict[str, Any]:
        ws = openpyxl.load_workbook(path, read_only=True)["Summary"]
        return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}

    def selected(path: Path) -> set[str]:
        ws = openpyxl.load_workbook(path, read_only=True)["Projects"]
        rows = list(ws.iter_rows(values_only=True))
        i, s = rows[0].index("project_id"), rows[0].index("selected")
        return {r[i] for r in rows[1:] if r[s] == "yes"}

    assert selected(a) == selected(b) and selected(a)
    assert summary(a)["trade_optimised_kt"] == pytest.approx(summary(b)["trade_optimised_kt"])


# --- the command line ----------------------------------------------------------------

def test_make_template_flag(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "new folder" / "my template.xlsx"
    assert main(["--make-template", str(path)]) == 0
    assert "Template:" in capsys.readouterr().out
    assert openpyxl.load_workbook(path).sheetnames[0] == "Instructions"
    assert not list(path.parent.glob(".~tmp_*"))


def test_make_template_refuses_the_default_input(tmp_path: Path, capsys: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("inputs").mkdir()
    default = tiny(Path("inputs/corridors.xlsx"))
    before = default.read_bytes()
    assert main(["--make-template", "inputs/corridors.xlsx"]) == 2
    assert "input workbook" in capsys.readouterr().err
    assert default.read_bytes() == before


def test_make_template_refuses_the_input(tmp_path: Path, capsys: Any) -> None:
    inp = tiny(tmp_path / "mine.xlsx")
    before = inp.read_bytes()
    assert main(["--input", str(inp), "--make-template", str(inp)]) == 2
    assert inp.read_bytes() == before


def test_make_template_wants_xlsx(tmp_path: Path, capsys: Any) -> None:
    assert main(["--make-template", str(tmp_path / "template.xls")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert not (tmp_path / "template.xls").exists()


def test_failed_template_leaves_the_old_one(tmp_path: Path, capsys: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_template(tmp_path / "t.xlsx")
    before = path.read_bytes()

    def broken(self: Any, filename: Any) -> None:
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    monkeypatch.chdir(tmp_path)
    assert main(["--make-template", str(path)]) == 1
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".~tmp_*"))
