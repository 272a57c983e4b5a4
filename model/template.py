"""An empty input workbook built from the schema (``--make-template``).

Built from model/schema.py, the same definition the reader and the checks
use, so what the template asks for is what the tool accepts. The data sheets
keep the exact column names in row 1 (units and descriptions go into header
comments), dropdowns guide the typing, and an Instructions sheet explains it
all. The tool still checks every cell: pasting over a dropdown bypasses it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .files import write_atomic
from .schema import PARAMETERS, SHEET_BY_NAME, SHEETS, Column, Parameter, Sheet
from .usage import EPILOG

# Rows covered by dropdowns and id lists; the reader itself has no limit.
INPUT_ROWS = 1000

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: type here
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")  # blue-grey: optional column
REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")  # orange: column must be filled
INFO_FILL = PatternFill("solid", fgColor="EDEDED")  # grey: for reading only
BOLD = Font(bold=True)
THIN = Border(bottom=Side(style="thin", color="808080"))
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
AUTHOR = "corridor-invest"


def id_list_name(sheet: Sheet) -> str:
    """Defined name for a sheet's id column: node_id -> NodeIds."""
    return sheet.key[0].removesuffix("_id").title().replace("_", "") + "Ids"


def _id_range(sheet: Sheet) -> str:
    col = get_column_letter([c.name for c in sheet.columns].index(sheet.key[0]) + 1)
    return f"{quote_sheetname(sheet.name)}!${col}$2:${col}${INPUT_ROWS + 1}"


def _numeric_rule(spec: Column | Parameter) -> DataValidation | None:
    """Excel's own check of a number cell, from the schema's range. A strict
    bound ('> 0') becomes Excel's 'greater than'; with two bounds Excel only
    knows 'between', so the tool's check stays the authority."""
    if spec.kind not in ("number", "integer"):
        return None
    kind = "whole" if spec.kind == "integer" else "decimal"
    lo, hi = spec.minimum, spec.maximum
    if lo is not None and hi is not None:
        rule = DataValidation(kind, operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}")
    elif lo is not None:
        op = "greaterThan" if spec.min_exclusive else "greaterThanOrEqual"
        rule = DataValidation(kind, operator=op, formula1=f"{lo:g}")
    elif hi is not None:
        rule = DataValidation(kind, operator="lessThanOrEqual", formula1=f"{hi:g}")
    else:
        rule = DataValidation(kind, operator="between", formula1="-1E+300", formula2="1E+300")
    return rule


def _rule_for(column: Column) -> DataValidation | None:
    """The dropdown or number check of one data column (None: free text)."""
    if column.kind == "enum":
        rule = DataValidation("list", formula1='"' + ",".join(column.choices) + '"')
    elif column.kind == "id" and column.refers_to:
        rule = DataValidation("list", formula1=id_list_name(SHEET_BY_NAME[column.refers_to]))
    else:
        rule = _numeric_rule(column)
    if rule is None:
        return None
    _explain(rule, column.name, column.expectation())
    return rule


def _explain(rule: DataValidation, name: str, expected: str) -> None:
    rule.allow_blank = True
    rule.showErrorMessage = True
    rule.showInputMessage = True
    rule.errorTitle = name[:32]
    rule.error = f"{name}: expected {expected}"[:255]
    rule.promptTitle = name[:32]
    rule.prompt = f"Expected {expected}"[:255]


def _header_comment(column: Column) -> Comment:
    need = "Required" if column.required else "Optional"
    unit = f" Unit: {column.unit}." if column.unit else ""
    refers = f" Must be a {SHEET_BY_NAME[column.refers_to].key[0]} from sheet" \
             f" {column.refers_to}." if column.refers_to else ""
    text = (f"{column.name}: {column.description}.{unit} {need}; expected"
            f" {column.expectation()}.{refers}")
    return Comment(text, AUTHOR, width=300, height=120)


def _data_sheet(ws: Worksheet, sheet: Sheet) -> None:
    for i, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(1, i, column.name)
        cell.font = BOLD
        cell.border = THIN
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.comment = _header_comment(column)
        dim = ws.column_dimensions[letter]
        dim.width = max(12, len(column.name) + 4)
        dim.fill = INPUT_FILL  # column style: every cell typed below looks like input
        dim.protection = UNLOCKED
        rule = _rule_for(column)
        if rule is not None:
            ws.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{INPUT_ROWS + 1}")
    ws.freeze_panes = "B2"
    ws.print_title_rows = "1:1"
    _print_setup(ws)


def _parameters_sheet(ws: Worksheet) -> None:
    """Every parameter on its own row: required values left blank for the user
    to fill, optional ones pre-filled with their default."""
    schema = SHEET_BY_NAME["Parameters"]
    for i, column in enumerate(schema.columns, start=1):
        cell = ws.cell(1, i, column.name)
        cell.font = BOLD
        cell.border = THIN
        cell.fill = REQUIRED_FILL if column.required or column.name == "value" else HEADER_FILL
        cell.comment = _header_comment(column)
    for r, p in enumerate(PARAMETERS, start=2):
        ws.cell(r, 1, p.name).fill = INFO_FILL
        value = ws.cell(r, 2, None if p.required else p.default)
        value.fill = INPUT_FILL
        value.protection = UNLOCKED
        ws.cell(r, 3, p.unit).fill = INFO_FILL
        need = "REQUIRED: fill in. " if p.required else f"Optional (default {p.default}). "
        ws.cell(r, 4, f"{need}{p.description}; expected {p.expectation()}").fill = INFO_FILL
        rule = (DataValidation("list", formula1='"' + ",".join(p.choices) + '"')
                if p.kind == "enum" else _numeric_rule(p))
        if rule is not None:
            _explain(rule, p.name, p.expectation())
            ws.add_data_validation(rule)
            rule.add(f"B{r}")
    for letter, width in zip("ABCD", (28, 14, 20, 90)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    _print_setup(ws)


def _instructions(ws: Worksheet, exit_status: Sequence[str]) -> None:
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 22
    ws.column_dimensions["E"].width = 46
    ws.column_dimensions["F"].width = 80
    rows: list[tuple] = [
        (("Corridor investment model: input workbook", Font(bold=True, size=14)),),
        ("This workbook holds the network (nodes and segments), the candidate projects and"
         " what each changes, the trade flows and the model settings. The model picks the"
         " projects that maximise projected trade volume within the budget.",),
        (),
        (("How to use it", BOLD),),
        ("1. Fill in the yellow cells on the sheets Parameters, Nodes, Segments, Projects,"
         " ProjectEffects and Demand, one record per row from row 2. Do not rename the"
         " headers in row 1 (hover over a header for its unit and meaning).",),
        ("2. Save the workbook and close it in Excel.",),
        ("3. Check it without solving:   python run.py --input my_network.xlsx"
         " --validate-only",),
        ("4. Run the model:   python run.py --input my_network.xlsx --budget 2000"
         "   (USD million; without --budget the budget_musd parameter is used). Saved as"
         " inputs/corridors.xlsx, the workbook is read by plain   python run.py --budget 2000",),
        ("5. Every problem found is listed with its sheet, row and column, and written to"
         " <report>_problems.xlsx beside the report. Fix them here and run again. The tool"
         " never writes to this workbook.",),
        (),
        (("Colour legend", BOLD),),
        (("input", INPUT_FILL), "Yellow: type your data here."),
        (("required column", REQUIRED_FILL), "Orange header: every row needs a value."),
        (("optional column", HEADER_FILL), "Blue-grey header: may be left blank."),
        (("for reading", INFO_FILL), "Grey: names and explanations; leave as they are."),
        (),
        (("Rules", BOLD),),
        ("Ids are text and case-sensitive (a number typed as an id is read as its text)."
         " Extra columns are ignored; the order of columns is free; blank rows are"
         " skipped. Prefer typed values to formulas; if you use formulas, save the"
         " workbook in Excel or LibreOffice so that their results are stored. Dropdowns"
         " cover the first 1000 rows; pasted values bypass them, but the tool checks every"
         " cell anyway.",),
        (),
        (("Sheets and columns", BOLD),),
        tuple((h, BOLD) for h in ("sheet", "column", "unit", "required", "expected",
                                  "description")),
    ]
    for sheet in SHEETS:
        rows.append(((sheet.name, BOLD), "", "", "", "", sheet.description))
        for c in sheet.columns:
            rows.append(("", c.name, c.unit, "yes" if c.required else "no",
                         c.expectation(), c.description))
        if sheet.name == "Parameters":
            rows.append(("", ("the parameters, one row each:", BOLD)))
            for p in PARAMETERS:
                rows.append(("", p.name, p.unit, "yes" if p.required else
                             f"no (default {p.default})", p.expectation(), p.description))
    rows += [(), (("Exit status of run.py", BOLD),)]
    rows += [(line,) for line in exit_status]
    for r, values in enumerate(rows, start=1):
        for c, item in enumerate(values, start=1):
            text, style = item if isinstance(item, tuple) else (item, None)
            cell = ws.cell(r, c, text)
            if isinstance(style, Font):
                cell.font = style
            elif isinstance(style, PatternFill):
                cell.fill = style
        if len(values) == 1 and not isinstance(values[0], tuple):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
            ws.cell(r, 1).alignment = WRAP
            ws.row_dimensions[r].height = 15 * (1 + len(values[0]) // 180)
    ws.sheet_view.showGridLines = False
    _print_setup(ws)


def _print_setup(ws: Worksheet) -> None:
    """Landscape, one page wide: a printed or PDF sheet keeps its columns together."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _exit_status() -> list[str]:
    """The exit codes as --help states them (one source, the CLI's epilog)."""
    text = EPILOG.split("exit status:", 1)[-1]
    return [" ".join(text.split())]


def build_template() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    _instructions(wb.active, _exit_status())
    wb.active.title = "Instructions"
    _parameters_sheet(wb.create_sheet("Parameters"))
    for sheet in SHEETS:
        if sheet.name != "Parameters":
            _data_sheet(wb.create_sheet(sheet.name), sheet)
    for sheet in SHEETS:
        if any(c.refers_to == sheet.name and c.kind == "id" for s in SHEETS for c in s.columns):
            name = id_list_name(sheet)
            wb.defined_names[name] = DefinedName(name, attr_text=_id_range(sheet))
    wb.active = 0
    return wb


def write_template(path: Path | str, *, protect: Sequence[Path] = ()) -> Path:
    """Write the template atomically; never over a protected file (the input)."""
    wb = build_template()
    return write_atomic(Path(path), lambda tmp: wb.save(tmp), protect=protect)
