"""Stage 1: read the input workbook into raw tables, never writing to it.

Everything the cells themselves can tell (missing sheets and columns, error
cells, formulas with no stored value, hidden and blank rows) is reported here
as Problem records; what the values mean is judged in ``validate``.
"""
from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from .instance import Problem
from .schema import SHEETS, Sheet, normalise

log = logging.getLogger(__name__)


class InputFileError(Exception):
    """The file cannot be read as a workbook at all; the message is one line."""


class _Unreadable:
    """Stands for a cell whose value could not be read (already reported)."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = _Unreadable()


@dataclass(frozen=True)
class RawRow:
    excel_row: int
    cells: dict[str, Any]  # canonical column name -> cell value
    hidden: bool = False


@dataclass(frozen=True)
class RawSheet:
    schema: Sheet
    title: str  # the sheet's name as typed in the workbook
    columns: dict[str, str]  # canonical column name -> Excel column letter
    rows: tuple[RawRow, ...]


@dataclass(frozen=True)
class RawWorkbook:
    path: Path
    sheets: dict[str, RawSheet]  # canonical sheet name -> sheet
    problems: tuple[Problem, ...]


def _header_key(label: object) -> str:
    """Header comparison: normalised, a trailing '(unit)' dropped."""
    text = normalise(label)
    if text.endswith(")") and "(" in text:
        text = text[: text.rindex("(")].strip()
    return text.replace(" ", "_")


def open_workbook(path: Path) -> tuple[Any, Any]:
    """Load the workbook twice: stored values, and formulas (to spot formula
    cells that were never calculated). Raises InputFileError with one line."""
    if not path.exists():
        raise InputFileError(f"input file not found: {path} (current folder: {Path.cwd()})")
    if path.is_dir():
        raise InputFileError(f"input is a folder, not a workbook: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".csv", ".ods", ".txt"):
        raise InputFileError(
            f"{path.name} is a {suffix} file; save it as an Excel workbook (.xlsx) and run again")
    if not zipfile.is_zipfile(path):
        raise InputFileError(f"{path.name} is not an .xlsx workbook (the file is not in Excel's"
                             " .xlsx format, or it is damaged or password-protected)")
    try:
        values = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types for bad files
        raise InputFileError(f"{path.name} could not be read as an .xlsx workbook: {exc}") from exc
    return values, formulas


def check_open_elsewhere(path: Path) -> list[Problem]:
    """Excel (~$name) and LibreOffice (.~lock.name#) leave a lock file beside a
    workbook they hold open: its unsaved edits are not in the file we read."""
    locks = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    return [Problem("", None, None, lock.name,
                    f"{path.name} seems to be open in Excel or LibreOffice; edits not yet"
                    " saved are not read (save it, or ignore this if it is not open)",
                    "warning")
            for lock in locks if lock.exists()][:1]


def read_workbook(path: Path | str) -> RawWorkbook:
    """Read every sheet of the schema; all problems are collected, none raised."""
    path = Path(path)
    values, formulas = open_workbook(path)
    problems: list[Problem] = check_open_elsewhere(path)
    by_key = {normalise(ws.title): ws.title for ws in values.worksheets}
    sheets: dict[str, RawSheet] = {}
    for schema in SHEETS:
        title = values[schema.name].title if schema.name in values.sheetnames else \
            by_key.get(normalise(schema.name))
        if title is None:
            if schema.optional:
                continue
            problems.append(Problem(
                schema.name, None, None, None,
                f"sheet '{schema.name}' is missing; the workbook has: "
                + ", ".join(values.sheetnames)))
            continue
        if title != schema.name:
            problems.append(Problem(schema.name, None, None, title,
                                    f"sheet name read as '{schema.name}'", "warning"))
        sheet = _read_sheet(schema, values[title], formulas[title], problems)
        if sheet is not None:
            sheets[schema.name] = sheet
    return RawWorkbook(path, sheets, tuple(problems))


def _read_sheet(schema: Sheet, ws: Any, ws_formulas: Any,
                problems: list[Problem]) -> RawSheet | None:
    known = {c.name for c in schema.columns}
    columns: dict[str, int] = {}
    found: list[str] = []
    for cell in next(ws.iter_rows(min_row=1, max_row=1), ()):
        if cell.value is None or str(cell.value).strip() == "":
            continue
        found.append(str(cell.value))
        key = _header_key(cell.value)
        if key not in known:
            continue  # extra columns are ignored (spec §3)
        letter = get_column_letter(cell.column)
        if key in columns:
            problems.append(Problem(schema.name, 1, key, cell.value,
                                    f"column '{key}' appears twice (columns "
                                    f"{get_column_letter(columns[key])} and {letter})"))
            continue
        columns[key] = cell.column
        if str(cell.value) != key:
            problems.append(Problem(schema.name, 1, key, cell.value,
                                    f"header read as '{key}'", "warning"))
    missing = [c.name for c in schema.columns if c.needed and c.name not in columns]
    for name in missing:
        problems.append(Problem(schema.name, 1, name, None,
                                f"column '{name}' is missing; row 1 must hold the headers "
                                + ", ".join(c.name for c in schema.columns if c.needed)
                                + "; found: " + (", ".join(found) or "nothing")))
    if missing:
        return None

    rows: list[RawRow] = []
    blank_rows: list[int] = []
    for r in range(2, ws.max_row + 1):
        cells: dict[str, Any] = {}
        for name, col in columns.items():
            cells[name] = _cell_value(schema.name, ws.cell(r, col),
                                      ws_formulas.cell(r, col), name, problems)
        if all(v is None for v in cells.values()):
            blank_rows.append(r)
            continue
        hidden = bool(ws.row_dimensions[r].hidden) if r in ws.row_dimensions else False
        if hidden:
            problems.append(Problem(schema.name, r, None, None,
                                    "row is hidden in Excel but is used", "warning"))
        rows.append(RawRow(r, cells, hidden))
    last = rows[-1].excel_row if rows else 1
    inner_blanks = [r for r in blank_rows if r < last]
    if inner_blanks:
        problems.append(Problem(schema.name, inner_blanks[0], None, None,
                                f"{len(inner_blanks)} blank row(s) skipped (rows "
                                + ", ".join(map(str, inner_blanks[:10]))
                                + (", ..." if len(inner_blanks) > 10 else "") + ")",
                                "warning"))
    problems += check_merged(schema.name, ws, columns)
    letters = {name: get_column_letter(col) for name, col in columns.items()}
    return RawSheet(schema, ws.title, letters, tuple(rows))


def check_merged(sheet: str, ws: Any, columns: dict[str, int]) -> list[Problem]:
    """Merged cells in the data: only the first cell holds the value, the
    others read as blank, which the user does not see on screen."""
    by_col = {col: name for name, col in columns.items()}
    problems = []
    for rng in ws.merged_cells.ranges:
        if rng.max_row < 2 or rng.min_row == rng.max_row:
            continue
        name = next((by_col[c] for c in range(rng.min_col, rng.max_col + 1) if c in by_col),
                    None)
        if name is not None:
            problems.append(Problem(sheet, max(rng.min_row, 2), name, rng.coord,
                                    f"cells {rng.coord} are merged: only the first holds a"
                                    " value, the rows below read as blank; unmerge them and"
                                    " fill every row", "warning"))
    return problems


def _cell_value(sheet: str, cell: Any, formula_cell: Any, column: str,
                problems: list[Problem]) -> Any:
    value = cell.value
    if cell.data_type == "e":
        problems.append(Problem(sheet, cell.row, column, value,
                                f"cell {cell.coordinate} holds the Excel error {value};"
                                " fix the formula or type the value"))
        return UNREADABLE
    if value is None and formula_cell.data_type == "f":
        problems.append(Problem(sheet, cell.row, column, formula_cell.value,
                                f"cell {cell.coordinate} holds a formula with no stored value;"
                                " open and save the workbook in Excel or LibreOffice so its"
                                " result is stored"))
        return UNREADABLE
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("#") and stripped.upper() in _ERROR_TEXTS:
            problems.append(Problem(sheet, cell.row, column, value,
                                    f"cell {cell.coordinate} holds the Excel error {stripped}"))
            return UNREADABLE
        return None if stripped == "" else value
    return value


_ERROR_TEXTS = {"#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                "#GETTING_DATA", "#SPILL!", "#CALC!"}
