"""Stage 1: read the input workbook into raw tables, never writing to it.

Everything the cells themselves can tell (missing sheets and columns, error
cells, formulas with no stored value, hidden and blank rows) is reported here
as Problem records; what the values mean is judged in ``validate``.
"""
from __future__ import annotations

import bisect
import itertools
import logging
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser
from openpyxl.worksheet.cell_range import CellRange

from .instance import Problem
from .schema import SHEETS, Sheet, normalise
from .zipguard import check_archive, check_no_dtd

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


def open_workbook(path: Path) -> Any:
    """The workbook in openpyxl's read-only mode (sheets are parsed on demand),
    once the zip directory is within the size limits and no XML part declares
    a DTD (model/zipguard.py). Raises InputFileError with one line."""
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
        with zipfile.ZipFile(path) as archive:
            refused = check_archive(archive, path.name) or check_no_dtd(archive, path.name)
        if not refused:
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except DefusedXmlException as exc:
        raise InputFileError(f"{path.name}: an XML part declares entities ({exc}), which Excel"
                             " never writes; refused unread (open and save it again in Excel,"
                             " or ask the sender for the original)") from exc
    except Exception as exc:  # zipfile and openpyxl raise many types for bad files
        if isinstance(exc.__cause__, DefusedXmlException):
            raise InputFileError(f"{path.name}: an XML part declares entities"
                                 f" ({exc.__cause__}), which Excel never writes; refused unread"
                                 " (open and save it again in Excel, or ask the sender for the"
                                 " original)") from exc
        raise InputFileError(f"{path.name} could not be read as an .xlsx workbook:"
                             f" {_one_line(exc)}") from exc
    more = f"; and {len(refused) - 1} more part(s) like it" if len(refused) > 1 else ""
    raise InputFileError(str(refused[0]) + more)


def _one_line(exc: BaseException) -> str:
    """An exception as one line; openpyxl's own 'could not read' is three
    lines that hide the cause, so the first line and the cause are kept."""
    text = str(exc).splitlines()[0].strip() if str(exc).strip() else type(exc).__name__
    if exc.__cause__ is not None:
        text += f" ({_one_line(exc.__cause__)})"
    return text


def check_open_elsewhere(path: Path) -> list[Problem]:
    """Excel (~$name) and LibreOffice (.~lock.name#) leave a lock file beside a
    workbook they hold open: its unsaved edits are not in the file we read."""
    locks = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    return [Problem("", None, None, lock.name,
                    f"{path.name} seems to be open in Excel or LibreOffice; edits not yet"
                    " saved are not read (save it, or ignore this if it is not open)",
                    "warning")
            for lock in locks if lock.exists()][:1]


def read_workbook(path: Path | str,
                  progress: Callable[[str], None] | None = None) -> RawWorkbook:
    """Read every sheet of the schema; all problems are collected, none raised.
    ``progress`` gets a line for each sheet that takes more than a second."""
    path = Path(path)
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops (extensions, odd dates) on stderr;
        # what matters to the model is reported as problems instead
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        return _read_all(path, progress)


def _read_all(path: Path, progress: Callable[[str], None] | None) -> RawWorkbook:
    wb = open_workbook(path)
    try:
        problems: list[Problem] = check_open_elsewhere(path)
        by_key = {normalise(ws.title): ws.title for ws in wb.worksheets}
        sheets: dict[str, RawSheet] = {}
        for schema in SHEETS:
            title = wb[schema.name].title if schema.name in wb.sheetnames else \
                by_key.get(normalise(schema.name))
            if title is None:
                if schema.optional:
                    continue
                problems.append(Problem(
                    schema.name, None, None, None,
                    f"sheet '{schema.name}' is missing; the workbook has: "
                    + ", ".join(wb.sheetnames)))
                continue
            if title != schema.name:
                problems.append(Problem(schema.name, None, None, title,
                                        f"sheet name read as '{schema.name}'", "warning"))
            sheet = _read_sheet(schema, wb[title], problems, progress)
            if sheet is not None:
                sheets[schema.name] = sheet
    finally:
        wb.close()
    return RawWorkbook(path, sheets, tuple(problems))


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser reading stored values (as ``data_only`` does),
    but keeping the formula of a formula cell that has no stored value (data
    type 'f'): one pass finds both, where openpyxl needs two loads. Relies on
    openpyxl's parser internals (pinned below 3.2 in pyproject.toml)."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell = super().parse_cell(element)
        if cell["data_type"] == "e" and element.get("t", "n") == "n":
            # a number in a date format that no date can be: openpyxl makes it
            # #VALUE!, which the user never typed
            cell["data_type"], cell["value"] = "baddate", element.findtext(VALUE_TAG)
        if element.find(FORMULA_TAG) is not None:
            formula = self.parse_formula(element)  # also remembers shared formulae
            if cell["value"] is None:
                cell["data_type"], cell["value"] = "f", formula
        return cell


@dataclass
class _Parsed:
    """A sheet's cells by row and column (value, data type), its hidden rows
    and merged ranges."""

    cells: dict[int, dict[int, tuple[Any, str]]]
    hidden: set[int]
    merged: list[CellRange]


SLOW_SHEET_S = 1.0  # a sheet taking longer gets a progress line
PROGRESS_EVERY_S = 10.0  # and a line this often while it is being read


def _parse(ws: Any, progress: Callable[[str], None] | None) -> _Parsed:
    """Every cell of the sheet in one streaming pass over its XML."""
    wb = ws.parent
    cells: dict[int, dict[int, tuple[Any, str]]] = {}
    started = time.perf_counter()
    said = started
    with ws._get_source() as source:
        parser = _SheetParser(source, ws._shared_strings, data_only=True, epoch=wb.epoch,
                              date_formats=wb._date_formats,
                              timedelta_formats=wb._timedelta_formats)
        for count, (r, row) in enumerate(parser.parse(), start=1):
            by_col = cells.setdefault(r, {})
            for cell in row:
                by_col[cell["column"]] = (cell["value"], cell["data_type"])
            if progress is not None and count % 1000 == 0 \
                    and time.perf_counter() - said > PROGRESS_EVERY_S:
                said = time.perf_counter()
                progress(f"reading sheet '{ws.title}': {count:,} rows so far"
                         f" ({said - started:.0f} s)")
    elapsed = time.perf_counter() - started
    if progress is not None and elapsed > SLOW_SHEET_S:
        progress(f"read sheet '{ws.title}': {len(cells):,} rows in {elapsed:.1f} s")
    hidden = {int(r) for r, attrs in parser.row_dimensions.items()
              if attrs.get("hidden") not in (None, "", "0", "false", "f")}
    merged = [CellRange(m.ref) for m in parser.merged_cells.mergeCell] \
        if parser.merged_cells else []
    _blank_merged(cells, merged)
    return _Parsed(cells, hidden, merged)


def _blank_merged(cells: dict[int, dict[int, tuple[Any, str]]], merged: list[CellRange]) -> None:
    """As openpyxl does: only the first cell of a merged range keeps its value.
    Only the cells present are visited (a range may span a whole sheet)."""
    rows = sorted(cells)
    for rng in merged:
        for r in rows[bisect.bisect_left(rows, rng.min_row):
                      bisect.bisect_right(rows, rng.max_row)]:
            for c in [c for c in cells[r] if rng.min_col <= c <= rng.max_col]:
                if (r, c) != (rng.min_row, rng.min_col):
                    cells[r][c] = (None, "n")


def _read_sheet(schema: Sheet, ws: Any, problems: list[Problem],
                progress: Callable[[str], None] | None) -> RawSheet | None:
    if not isinstance(ws, ReadOnlyWorksheet):
        problems.append(Problem(schema.name, None, None, ws.title,
                                f"sheet '{ws.title}' is a chart sheet; the model needs a sheet"
                                " of cells with the headers in row 1"))
        return None
    try:
        parsed = _parse(ws, progress)
    except Exception as exc:  # damaged XML: the other sheets can still be checked
        problems.append(Problem(schema.name, None, None, None,
                                f"sheet '{ws.title}' could not be read ({_one_line(exc)});"
                                " open and save the workbook again in Excel"))
        return None
    known = {c.name for c in schema.columns}
    columns: dict[str, int] = {}
    found: list[str] = []
    for col, (value, _) in sorted(parsed.cells.get(1, {}).items()):
        if value is None or str(value).strip() == "":
            continue
        found.append(str(value))
        key = _header_key(value)
        if key not in known:
            continue  # extra columns are ignored (spec §3)
        letter = get_column_letter(col)
        if key in columns:
            problems.append(Problem(schema.name, 1, key, value,
                                    f"column '{key}' appears twice (columns "
                                    f"{get_column_letter(columns[key])} and {letter})"))
            continue
        columns[key] = col
        if str(value) != key:
            problems.append(Problem(schema.name, 1, key, value,
                                    f"header read as '{key}'", "warning"))
    missing = [c.name for c in schema.columns if c.needed and c.name not in columns]
    for name in missing:
        problems.append(Problem(schema.name, 1, name, None,
                                f"column '{name}' is missing; row 1 must hold the headers "
                                + ", ".join(c.name for c in schema.columns if c.needed)
                                + "; found: " + (", ".join(found) or "nothing")))
    if missing:
        return None

    letters = {name: get_column_letter(col) for name, col in columns.items()}
    rows: list[RawRow] = []
    for r in sorted(k for k in parsed.cells if k >= 2):
        by_col = parsed.cells[r]
        cells: dict[str, Any] = {}
        for name, col in columns.items():
            value, data_type = by_col.get(col, (None, "n"))
            cells[name] = _cell_value(schema.name, f"{letters[name]}{r}", r, value, data_type,
                                      name, problems)
        if all(v is None for v in cells.values()):
            continue
        hidden = r in parsed.hidden
        if hidden:
            problems.append(Problem(schema.name, r, None, None,
                                    "row is hidden in Excel but is used", "warning"))
        rows.append(RawRow(r, cells, hidden))
    problems += check_blank_rows(schema.name, [row.excel_row for row in rows])
    problems += check_merged(schema.name, parsed.merged, columns)
    return RawSheet(schema, ws.title, letters, tuple(rows))


def check_blank_rows(sheet: str, used: list[int]) -> list[Problem]:
    """Blank rows between data rows (``used``, ascending) are skipped; worth a
    word since the user may have meant to fill them. Counted, not listed, so
    that a stray cell a million rows down costs nothing."""
    last = used[-1] if used else 1
    count = (last - 1) - len(used)
    if count <= 0:
        return []
    taken = set(used)
    first = list(itertools.islice((r for r in range(2, last) if r not in taken), 10))
    return [Problem(sheet, first[0], None, None,
                    f"{count} blank row(s) skipped (rows " + ", ".join(map(str, first))
                    + (", ..." if count > 10 else "") + ")", "warning")]


def check_merged(sheet: str, merged: list[CellRange], columns: dict[str, int]) -> list[Problem]:
    """Merged cells in the data: only the first cell holds the value, the
    others read as blank, which the user does not see on screen."""
    by_col = {col: name for name, col in columns.items()}
    problems = []
    for rng in merged:
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


def _cell_value(sheet: str, coordinate: str, row: int, value: Any, data_type: str,
                column: str, problems: list[Problem]) -> Any:
    if data_type == "e":
        problems.append(Problem(sheet, row, column, value,
                                f"cell {coordinate} holds the Excel error {value};"
                                " fix the formula or type the value"))
        return UNREADABLE
    if data_type == "baddate":
        problems.append(Problem(sheet, row, column, value,
                                f"cell {coordinate} is formatted as a date but holds {value},"
                                " which no date can be; format the cell as a number, or type"
                                " the date again"))
        return UNREADABLE
    if data_type == "f":
        problems.append(Problem(sheet, row, column, value,
                                f"cell {coordinate} holds a formula with no stored value;"
                                " open and save the workbook in Excel or LibreOffice so its"
                                " result is stored"))
        return UNREADABLE
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("#") and stripped.upper() in _ERROR_TEXTS:
            problems.append(Problem(sheet, row, column, value,
                                    f"cell {coordinate} holds the Excel error {stripped}"))
            return UNREADABLE
        return None if stripped == "" else value
    return value


_ERROR_TEXTS = {"#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                "#GETTING_DATA", "#SPILL!", "#CALC!"}
