"""The input-validation catalogue (issue 3): every entry, run through the CLI.

Each case is the tiny workbook (tests/workbooks.tiny) with one mutation. The
CLI runs in-process; the test checks the exit code, that the printed message
names the sheet, the row and the column, that the problems workbook beside
the intended report holds the same row (errors) or the report's Warnings
sheet does (warnings), and that the input file is byte-identical afterwards.

Tiny's layout (Excel rows): Parameters 2 budget_musd, 3 base_year,
4 horizon_year, 5 value_of_time_usd_per_t_h, 6 default_elasticity, 7 mip_gap,
8 time_limit_s, 9 pwl_tolerance; Nodes 2-5 A-D; Segments 2-6 s1-s5 (s5 the
planned rail A-D); Projects 2-5 p1-p4; ProjectEffects 2-5 (p1 s1, p2 s2,
p3 s5, p4 s3); Demand 2-4 (A-D, D-A, A-C grain).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest

import model.cli as cli
import model.report as report
from model.cli import main
from tests.workbooks import tiny

Mutation = Callable[[openpyxl.Workbook], None]


# --- mutations of the tiny workbook ------------------------------------------

def _col(ws: Any, column: str) -> int:
    for cell in ws[1]:
        if cell.value == column:
            return cell.column
    raise KeyError(column)


def cell(sheet: str, row: int, column: str, value: Any) -> Mutation:
    def mutate(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        ws.cell(row, _col(ws, column)).value = value
    return mutate


def row(sheet: str, r: int, **values: Any) -> Mutation:
    def mutate(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        for column, value in values.items():
            ws.cell(r, _col(ws, column)).value = value
    return mutate


def column_cell(sheet: str, r: int, column: str, value: Any) -> Mutation:
    """Set a cell of an optional column, adding the column's header if absent."""
    def mutate(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        try:
            col = _col(ws, column)
        except KeyError:
            col = ws.max_column + 1
            ws.cell(1, col).value = column
        ws.cell(r, col).value = value
    return mutate


def add_sheet(name: str, *rows: list[Any]) -> Mutation:
    def mutate(wb: openpyxl.Workbook) -> None:
        ws = wb.create_sheet(name)
        for values in rows:
            ws.append(values)
    return mutate


def years(*rows: list[Any]) -> Mutation:
    return add_sheet("Years", ["year", "cap_musd"], *rows)


def envelopes(*rows: list[Any]) -> Mutation:
    return add_sheet("Envelopes", ["scope", "key", "min_musd", "max_musd"], *rows)


def uncertainty(*rows: list[Any]) -> Mutation:
    return add_sheet("Uncertainty", ["quantity", "target", "low", "mode", "high"], *rows)


def more_segments(count: int) -> Mutation:
    """Segments s6, s7, ... (roads A-B) after tiny's five."""
    return chain(*(row("Segments", 7 + i, segment_id=f"s{6 + i}", from_node="A", to_node="B",
                       mode="road", length_km=100, speed_kmh=50, cost_usd_per_tkm=0.1)
                   for i in range(count)))


def header(sheet: str, column: str, text: str) -> Mutation:
    return cell(sheet, 1, column, text)


def delete_sheet(sheet: str) -> Mutation:
    return lambda wb: wb.remove(wb[sheet])


def delete_column(sheet: str, column: str) -> Mutation:
    return lambda wb: wb[sheet].delete_cols(_col(wb[sheet], column))


def delete_rows(sheet: str, first: int, count: int = 1) -> Mutation:
    return lambda wb: wb[sheet].delete_rows(first, count)


def insert_blank_row(sheet: str, r: int) -> Mutation:
    return lambda wb: wb[sheet].insert_rows(r)


def hide_row(sheet: str, r: int) -> Mutation:
    def mutate(wb: openpyxl.Workbook) -> None:
        wb[sheet].row_dimensions[r].hidden = True
    return mutate


def rename_sheet(sheet: str, title: str) -> Mutation:
    def mutate(wb: openpyxl.Workbook) -> None:
        wb[sheet].title = "renaming"  # openpyxl refuses a case-only rename
        wb["renaming"].title = title
    return mutate


def chain(*mutations: Mutation) -> Mutation:
    def mutate(wb: openpyxl.Workbook) -> None:
        for m in mutations:
            m(wb)
    return mutate


def make_input(folder: Path, mutate: Mutation | None = None) -> Path:
    path = tiny(folder / "tiny.xlsx")
    if mutate is not None:
        wb = openpyxl.load_workbook(path)
        mutate(wb)
        wb.save(path)
    return path


# --- running the CLI ---------------------------------------------------------

class Run:
    def __init__(self, code: int, text: str, report: Path, input_path: Path):
        self.code, self.text, self.report, self.input = code, text, report, input_path

    @property
    def problems_file(self) -> Path:
        return self.report.with_name(self.report.stem + "_problems.xlsx")


def run_cli(tmp_path: Path, capsys: Any, mutate: Mutation | None = None,
            *extra: str) -> Run:
    inp = make_input(tmp_path, mutate)
    before = inp.read_bytes()
    out = tmp_path / "out" / "report.xlsx"
    code = main(["--input", str(inp), "--output", str(out), *extra])
    captured = capsys.readouterr()
    assert inp.read_bytes() == before, "the input workbook was written to"
    return Run(code, captured.out + captured.err, out, inp)


def located(sheet: str, r: int | None, column: str | None) -> str:
    """How Problem.__str__ starts a located message."""
    parts = [f"Sheet '{sheet}'"]
    if r is not None:
        parts.append(f"row {r}")
    if column is not None:
        parts.append(f"column '{column}'")
    return ", ".join(parts) + ":"


def console_line(text: str, sheet: str, r: int | None, column: str | None,
                 words: list[str]) -> str:
    where = located(sheet, r, column)
    lines = [ln for ln in text.splitlines() if where in ln]
    matching = [ln for ln in lines if all(w in ln for w in words)]
    assert matching, f"no line naming {where} with {words}; printed:\n{text}"
    return matching[0]


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:]]


def has_row(rows: list[dict[str, Any]], severity: str, sheet: str, r: int | None,
            column: str | None, words: list[str]) -> bool:
    return any(x["severity"] == severity and x["sheet"] == sheet and x["row"] == r
               and (x["column"] or None) == column
               and all(w in f"{x['message']} {x['value']!r}" for w in words)
               for x in rows)


def no_temp_files(folder: Path) -> bool:
    return not list(folder.rglob(".~tmp_*"))


# --- 1. errors: exit 2 --------------------------------------------------------

ERRORS = {
    # structure
    "missing sheet": (delete_sheet("Demand"), "Demand", None, None,
                      ["sheet 'Demand' is missing", "the workbook has"]),
    "missing column": (delete_column("Segments", "length_km"), "Segments", 1, "length_km",
                       ["column 'length_km' is missing", "found:"]),
    "column twice": (header("Segments", "corridor", "length_km"), "Segments", 1, "length_km",
                     ["appears twice"]),
    "empty data sheet": (delete_rows("Demand", 2, 3), "Demand", 2, "origin",
                         ["no data rows"]),
    # blank, text, whole numbers
    "blank required cell": (cell("Projects", 3, "capex_musd", None), "Projects", 3,
                            "capex_musd", ["blank", "expected a number >= 0"]),
    "blank required id": (cell("Demand", 2, "origin", None), "Demand", 2, "origin",
                          ["blank", "expected a text id"]),
    "text in number cell": (cell("Segments", 2, "length_km", "abc"), "Segments", 2,
                            "length_km", ["expected a number >= 0", "'abc'"]),
    "not a whole year": (cell("Parameters", 3, "value", 2025.5), "Parameters", 3, "value",
                         ["base_year", "whole number"]),
    "text parameter": (cell("Parameters", 2, "value", "lots"), "Parameters", 2, "value",
                       ["budget_musd", "expected a number"]),
    # ranges
    "negative length": (cell("Segments", 2, "length_km", -100), "Segments", 2, "length_km",
                        ["out of range", ">= 0", "-100"]),
    "negative running cost": (cell("Segments", 3, "cost_usd_per_tkm", -0.1), "Segments", 3,
                              "cost_usd_per_tkm", ["out of range", ">= 0"]),
    "negative fixed cost": (cell("Segments", 3, "fixed_cost_usd_per_t", -1), "Segments", 3,
                            "fixed_cost_usd_per_t", ["out of range"]),
    "negative fixed time": (cell("Segments", 3, "fixed_time_h", -2), "Segments", 3,
                            "fixed_time_h", ["out of range"]),
    "negative capex": (cell("Projects", 2, "capex_musd", -40), "Projects", 2, "capex_musd",
                       ["out of range", ">= 0"]),
    "negative volume": (cell("Demand", 2, "base_volume_kt", -100), "Demand", 2,
                        "base_volume_kt", ["out of range", ">= 0"]),
    "negative effect value": (cell("ProjectEffects", 2, "cost_usd_per_tkm", -1),
                              "ProjectEffects", 2, "cost_usd_per_tkm", ["out of range"]),
    "zero speed with length": (cell("Segments", 2, "speed_kmh", 0), "Segments", 2,
                               "speed_kmh", ["speed > 0", "length_km > 0"]),
    "negative speed": (cell("Segments", 2, "speed_kmh", -50), "Segments", 2, "speed_kmh",
                       ["out of range"]),
    "blank speed with length": (cell("Segments", 2, "speed_kmh", None), "Segments", 2,
                                "speed_kmh", ["blank", "length_km > 0"]),
    "zero speed in an effect": (cell("ProjectEffects", 2, "speed_kmh", 0), "ProjectEffects",
                                2, "speed_kmh", ["speed > 0"]),
    "effect without speed": (chain(row("Segments", 6, length_km=0, speed_kmh=None,
                                       fixed_time_h=1),
                                   cell("ProjectEffects", 4, "length_km", 100)),
                             "ProjectEffects", 4, "speed_kmh",
                             ["blank here and on Segments"]),
    "zero elasticity": (cell("Demand", 3, "elasticity", 0), "Demand", 3, "elasticity",
                        ["out of range", "> 0"]),
    "negative default elasticity": (cell("Parameters", 6, "value", -1), "Parameters", 6,
                                    "value", ["default_elasticity", "> 0"]),
    "growth of -100%": (cell("Demand", 2, "growth_pct", -100), "Demand", 2, "growth_pct",
                        ["> -100"]),
    "latitude": (cell("Nodes", 2, "lat", 95), "Nodes", 2, "lat", ["<= 90"]),
    "horizon before base year": (cell("Parameters", 4, "value", 2020), "Parameters", 4,
                                 "value", ["horizon_year", "base_year (2025)"]),
    "mip_gap out of range": (cell("Parameters", 7, "value", 1.5), "Parameters", 7, "value",
                             ["mip_gap", "< 1"]),
    "time limit out of range": (cell("Parameters", 8, "value", 0), "Parameters", 8, "value",
                                ["time_limit_s", "> 0"]),
    "pwl_tolerance out of range": (cell("Parameters", 9, "value", 0.9), "Parameters", 9,
                                   "value", ["pwl_tolerance", "<= 0.5"]),
    "blank required parameter": (cell("Parameters", 5, "value", None), "Parameters", 5,
                                 "value", ["blank value for value_of_time_usd_per_t_h"]),
    "missing required parameter": (delete_rows("Parameters", 5), "Parameters", None,
                                   "parameter",
                                   ["'value_of_time_usd_per_t_h' is missing", "add a row"]),
    "parameter twice": (row("Parameters", 10, parameter="budget_musd", value=50),
                        "Parameters", 10, "parameter", ["given twice", "row 2"]),
    # allowed values
    "unknown mode": (cell("Segments", 2, "mode", "truck"), "Segments", 2, "mode",
                     ["one of road, rail, border, transfer, sea", "'truck'"]),
    "unknown status": (cell("Segments", 2, "status", "closed"), "Segments", 2, "status",
                       ["one of open, planned"]),
    "unknown decision": (cell("Projects", 2, "decision", "maybe"), "Projects", 2, "decision",
                         ["one of candidate, must_do, committed, excluded"]),
    "unknown kind": (cell("Nodes", 2, "kind", "village"), "Nodes", 2, "kind",
                     ["one of city, port, border, hub, terminal"]),
    "unknown objective": (row("Parameters", 10, parameter="objective", value="money"),
                          "Parameters", 10, "value", ["objective", "one of volume, value"]),
    "unknown formulation": (row("Parameters", 10, parameter="formulation", value="graph"),
                            "Parameters", 10, "value", ["formulation", "one of auto, paths, arc"]),
    "gain_gap out of range": (row("Parameters", 10, parameter="gain_gap", value=1.5),
                              "Parameters", 10, "value", ["gain_gap", "out of range"]),
    # duplicates
    "duplicate node id": (row("Nodes", 6, node_id="A"), "Nodes", 6, "node_id",
                          ["duplicate", "'A' already on row 2"]),
    "duplicate segment id": (row("Segments", 7, segment_id="s1", from_node="A", to_node="B",
                                 mode="road", length_km=10, speed_kmh=50,
                                 cost_usd_per_tkm=0.1),
                             "Segments", 7, "segment_id", ["duplicate", "row 2"]),
    "duplicate project id": (row("Projects", 6, project_id="p1", capex_musd=5), "Projects",
                             6, "project_id", ["duplicate", "row 2"]),
    "duplicate effect row": (row("ProjectEffects", 6, project_id="p1", segment_id="s1",
                                 speed_kmh=90),
                             "ProjectEffects", 6, "project_id",
                             ["duplicate", "p1 / s1", "row 2"]),
    "duplicate flow": (row("Demand", 5, origin="A", destination="D", base_volume_kt=5),
                       "Demand", 5, "origin", ["duplicate", "row 2"]),
    # references
    "unknown from_node": (cell("Segments", 2, "from_node", "Z"), "Segments", 2, "from_node",
                          ["unknown id 'Z'", "sheet 'Nodes'"]),
    "unknown to_node": (cell("Segments", 3, "to_node", "Z"), "Segments", 3, "to_node",
                        ["unknown id 'Z'", "sheet 'Nodes'"]),
    "unknown effect project": (cell("ProjectEffects", 2, "project_id", "p9"),
                               "ProjectEffects", 2, "project_id",
                               ["unknown id 'p9'", "sheet 'Projects'"]),
    "unknown effect segment": (cell("ProjectEffects", 2, "segment_id", "s9"),
                               "ProjectEffects", 2, "segment_id",
                               ["unknown id 's9'", "sheet 'Segments'"]),
    "unknown origin": (cell("Demand", 2, "origin", "Z"), "Demand", 2, "origin",
                       ["unknown id 'Z'", "sheet 'Nodes'"]),
    "unknown destination": (cell("Demand", 3, "destination", "Z"), "Demand", 3,
                            "destination", ["unknown id 'Z'"]),
    "unknown requires": (cell("Projects", 2, "requires", "p2;p9"), "Projects", 2, "requires",
                         ["unknown id 'p9'", "sheet 'Projects'"]),
    # rows that make no sense
    "segment to itself": (cell("Segments", 2, "to_node", "A"), "Segments", 2, "to_node",
                          ["two different nodes"]),
    "flow to itself": (cell("Demand", 2, "destination", "A"), "Demand", 2, "destination",
                       ["same node"]),
    "zero generalized cost": (row("Segments", 3, length_km=0), "Segments", 3,
                              "fixed_cost_usd_per_t", ["generalized cost is 0"]),
    "project makes a segment costlier": (cell("ProjectEffects", 2, "speed_kmh", 10),
                                         "ProjectEffects", 2, "speed_kmh",
                                         ["p1 makes segment s1 costlier", "12.00 -> 15.00"]),
    "zero generalized cost at a flow's value of time": (
        chain(row("Segments", 3, length_km=0, fixed_time_h=5),
              cell("Demand", 2, "value_of_time_usd_per_t_h", 0)),
        "Segments", 3, "fixed_cost_usd_per_t",
        ["generalized cost is 0 at the value of time 0 USD/t-h", "sheet 'Demand', row 2"]),
    "project costlier at a flow's own value of time": (
        # p1 on s1: money 10 -> 5, hours 2 -> 2.5: cheaper at 1 USD/t-h, dearer at 20
        chain(cell("ProjectEffects", 2, "speed_kmh", 40),
              cell("Demand", 3, "value_of_time_usd_per_t_h", 20)),
        "ProjectEffects", 2, "speed_kmh",
        ["p1 makes segment s1 costlier at the value of time 20 USD/t-h",
         "sheet 'Demand', row 3", "50.00 -> 55.00"]),
    # a programme over years and envelopes (spec §9)
    "programme years not consecutive": (years([2026, 50], [2028, 50]), "Years", 3, "year",
                                        ["must be consecutive", "2026 is followed by 2028"]),
    "programme year before base year": (years([2025, 50], [2026, 50]), "Years", 2, "year",
                                        ["after base_year (2025)", "horizon_year (2030)"]),
    "build cannot finish in the programme": (
        chain(years([2026, 50], [2027, 50]), column_cell("Projects", 2, "duration_years", 3)),
        "Projects", 2, "duration_years", ["ends in 2028", "last programme year 2027",
                                          "cannot finish"]),
    "earliest start outside the programme": (
        chain(years([2026, 50], [2027, 50]), column_cell("Projects", 3, "earliest_start", 2029)),
        "Projects", 3, "earliest_start", ["must be a programme year (2026-2027)"]),
    "financed share above 1": (column_cell("Projects", 2, "financed_share", 1.5), "Projects", 2,
                               "financed_share", ["out of range", "> 0 and <= 1"]),
    "open year outside the years": (
        chain(years([2026, 50]), cell("Projects", 2, "decision", "committed"),
              column_cell("Projects", 2, "open_year", 2040)),
        "Projects", 2, "open_year", ["open_year must be after base_year (2025)",
                                     "no later than horizon_year (2030)"]),
    "open year on a candidate": (
        chain(years([2026, 50]), column_cell("Projects", 4, "open_year", 2028)),
        "Projects", 4, "open_year", ["for committed projects only", "candidate"]),
    "unknown envelope scope": (envelopes(["region", "PK", 0, 10]), "Envelopes", 2, "scope",
                               ["unknown value", "country, group"]),
    "envelope key matches no project": (
        chain(column_cell("Projects", 2, "country", "PK"), envelopes(["country", "KZ", 0, 10])),
        "Envelopes", 2, "key", ["no project has country 'KZ'", "known: PK"]),
    "envelope min above max": (
        chain(column_cell("Projects", 2, "country", "PK"), envelopes(["country", "PK", 30, 10])),
        "Envelopes", 2, "min_musd", ["min_musd is above max_musd (10)"]),
    # scenario ranges (spec §11)
    "uncertainty mode below low": (uncertainty(["growth_pct", None, 1, 0, 2]), "Uncertainty", 2,
                                   "mode", ["expected low <= mode <= high", "low 1, mode 0"]),
    "unknown uncertainty quantity": (uncertainty(["weather", None, 1, 1, 1]), "Uncertainty", 2,
                                     "quantity", ["unknown value", "growth_pct, base_volume"]),
    "blank uncertainty value": (uncertainty(["capex", None, None, 1, 1.5]), "Uncertainty", 2,
                                "low", ["blank; expected a number"]),
    "uncertainty commodity not on Demand": (
        uncertainty(["elasticity", "oil", 0.8, 1, 1.2]), "Uncertainty", 2, "target",
        ["no flow on Demand has commodity 'oil'", "known: grain"]),
    "capex target neither project nor country": (
        uncertainty(["capex", "p9", 1, 1.1, 1.6]), "Uncertainty", 2, "target",
        ["'p9' is neither a project_id nor a country"]),
    "border_time on a road segment": (uncertainty(["border_time", "s1", 0.8, 1, 1.5]),
                                      "Uncertainty", 2, "target",
                                      ["segment s1 is a road segment", "border segments"]),
    "closure without a segment": (uncertainty(["closure_days", None, 0, 10, 30]),
                                  "Uncertainty", 2, "target",
                                  ["closure_days needs the segment_id"]),
    "closure of an unknown segment": (uncertainty(["closure_days", "s9", 0, 10, 30]),
                                      "Uncertainty", 2, "target", ["unknown segment 's9'"]),
    "closure longer than a year": (uncertainty(["closure_days", "s1", 0, 10, 400]),
                                   "Uncertainty", 2, "high", ["within [0, 365]"]),
    "multiplier not positive": (uncertainty(["base_volume", None, 0, 1, 1.2]), "Uncertainty",
                                2, "low", ["base_volume is a multiplier", "low > 0"]),
    "growth to -100 % or less": (uncertainty(["growth_pct", None, -103, 0, 1]), "Uncertainty",
                                 2, "low", ["growth must stay above -100 %"]),
    "more than 8 closures": (
        chain(more_segments(4),
              uncertainty(*[["closure_days", f"s{i}", 0, 5, 20] for i in range(1, 10)])),
        "Uncertainty", 10, "quantity", ["at most 8 closure_days rows", "number 9"]),
    "duplicate uncertainty row": (uncertainty(["capex", "p1", 1, 1.1, 1.5],
                                              ["capex", "p1", 1, 1.2, 1.9]),
                                  "Uncertainty", 3, "quantity",
                                  ["duplicate: 'capex / p1' already on row 2"]),
    "negative programme discount rate": (
        row("Parameters", 10, parameter="discount_rate_pct", value=-5),
        "Parameters", 10, "value", ["discount_rate_pct: out of range", ">= 0"]),
    "negative appraisal discount rate": (
        row("Parameters", 10, parameter="appraisal_discount_pct", value=-1),
        "Parameters", 10, "value", ["appraisal_discount_pct: out of range", ">= 0"]),
    "appraisal ends before benefits start": (
        row("Parameters", 10, parameter="appraisal_end_year", value=2025),
        "Parameters", 10, "value", ["appraisal_end_year must be after base_year (2025)"]),
    "negative value of time on a flow": (cell("Demand", 2, "value_of_time_usd_per_t_h", -1),
                                         "Demand", 2, "value_of_time_usd_per_t_h",
                                         ["out of range", "expected a number >= 0"]),
    "no route and no alt_cost": (chain(row("Nodes", 6, node_id="E"),
                                       cell("Demand", 4, "destination", "E")),
                                 "Demand", 4, "alt_cost_usd_per_t",
                                 ["no route from A to E", "alt_cost_usd_per_t"]),
    "value objective without values": (row("Parameters", 10, parameter="objective",
                                           value="value"),
                                       "Demand", 2, "value_usd_per_t",
                                       ["objective is 'value'"]),
    "two committed projects on one segment": (
        chain(cell("Projects", 2, "decision", "committed"),
              cell("Projects", 3, "decision", "committed"),
              cell("ProjectEffects", 3, "segment_id", "s1")),
        "ProjectEffects", 3, "segment_id", ["committed projects p1 and p2", "segment s1"]),
    # cells Excel computed, or could not compute
    "formula without stored value": (cell("Segments", 2, "length_km", "=2*50"), "Segments",
                                     2, "length_km",
                                     ["cell E2", "formula", "open and save", "'=2*50'"]),
    "#DIV/0! cell": (cell("Segments", 3, "length_km", "#DIV/0!"), "Segments", 3,
                     "length_km", ["cell E3", "#DIV/0!"]),
    "#REF! cell": (cell("Projects", 2, "capex_musd", "#REF!"), "Projects", 2, "capex_musd",
                   ["cell C2", "#REF!"]),
    "#N/A cell": (cell("Demand", 2, "base_volume_kt", "#N/A"), "Demand", 2,
                  "base_volume_kt", ["#N/A"]),
    "#VALUE! cell": (cell("Nodes", 3, "node_id", "#VALUE!"), "Nodes", 3, "node_id",
                     ["#VALUE!"]),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error(tmp_path: Path, capsys: Any, name: str) -> None:
    mutate, sheet, r, column, words = ERRORS[name]
    run = run_cli(tmp_path, capsys, mutate)
    assert run.code == 2, run.text
    assert "Traceback" not in run.text
    console_line(run.text, sheet, r, column, words)
    assert run.problems_file.exists()
    assert has_row(sheet_rows(run.problems_file, "Problems"), "error", sheet, r, column,
                   words)
    assert not run.report.exists()
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("name", ["negative length", "unknown mode", "missing column",
                                  "no route and no alt_cost"])
def test_error_with_validate_only(tmp_path: Path, capsys: Any, name: str) -> None:
    mutate, sheet, r, column, words = ERRORS[name]
    run = run_cli(tmp_path, capsys, mutate, "--validate-only")
    assert run.code == 2
    console_line(run.text, sheet, r, column, words)
    assert has_row(sheet_rows(run.problems_file, "Problems"), "error", sheet, r, column,
                   words)


def test_all_errors_at_once(tmp_path: Path, capsys: Any) -> None:
    names = ["text in number cell", "negative capex", "unknown mode", "unknown kind",
             "duplicate project id", "unknown effect segment", "#N/A cell",
             "mip_gap out of range", "#DIV/0! cell", "unknown requires", "zero elasticity"]
    run = run_cli(tmp_path, capsys, chain(*(ERRORS[n][0] for n in names)))
    assert run.code == 2
    rows = sheet_rows(run.problems_file, "Problems")
    for n in names:
        _, sheet, r, column, words = ERRORS[n]
        console_line(run.text, sheet, r, column, words)
        assert has_row(rows, "error", sheet, r, column, words), n
    assert f"input errors: {len([x for x in rows if x['severity'] == 'error'])} problem(s)" \
        in run.text


# --- 2. warnings: accepted, exit 0 --------------------------------------------

WARNINGS = {
    "id typed as a number": (row("Nodes", 6, node_id=7), "Nodes", 6, "node_id",
                             ["typed as a number", "'7'"]),
    "id with stray spaces": (cell("Segments", 2, "from_node", " A "), "Segments", 2,
                             "from_node", ["stray spaces", "'A'"]),
    "id in another case": (cell("Demand", 2, "origin", "a"), "Demand", 2, "origin",
                           ["read as 'A'", "case-sensitive"]),
    "header with spaces and case": (header("Segments", "length_km", "  Length_KM "),
                                    "Segments", 1, "length_km", ["header read as"]),
    "header with a unit": (header("Demand", "base_volume_kt", "base_volume_kt (kt/yr)"),
                           "Demand", 1, "base_volume_kt", ["header read as"]),
    "sheet name in another case": (rename_sheet("Demand", "demand"), "Demand", None, None,
                                   ["sheet name read as 'Demand'"]),
    "parameter name in another case": (cell("Parameters", 2, "parameter", " Budget_MUSD"),
                                       "Parameters", 2, "parameter",
                                       ["read as 'budget_musd'"]),
    "choice in another case": (cell("Segments", 2, "mode", "Road"), "Segments", 2, "mode",
                               ["read as 'road'"]),
    "number stored as text": (cell("Projects", 2, "capex_musd", "40"), "Projects", 2,
                              "capex_musd", ["number stored as text"]),
    "unknown parameter": (row("Parameters", 10, parameter="colour", value="red"),
                          "Parameters", 10, "parameter", ["unknown parameter, ignored"]),
    "blank rows": (insert_blank_row("Projects", 3), "Projects", 3, None,
                   ["1 blank row(s) skipped"]),
    "hidden row": (hide_row("Projects", 3), "Projects", 3, None, ["hidden"]),
    "requires an excluded project": (chain(cell("Projects", 4, "decision", "excluded"),
                                           cell("Projects", 5, "requires", "p3")),
                                     "Projects", 5, "decision",
                                     ["p4 can never be selected", "requires p3, which is"
                                      " excluded"]),
    "shares a segment with a committed project": (
        chain(cell("Projects", 2, "decision", "committed"),
              cell("ProjectEffects", 5, "segment_id", "s1")),
        "Projects", 5, "decision",
        ["p4 can never be selected", "committed project p1 also changes"]),
    "in a group with a committed project": (
        chain(cell("Projects", 2, "decision", "committed"), cell("Projects", 2, "group", "G"),
              cell("Projects", 3, "group", "G")),
        "Projects", 3, "decision", ["p2 can never be selected", "alternative to p1"]),
    "project with no effects": (row("Projects", 6, project_id="p5", capex_musd=5), "Projects",
                                6, "project_id", ["no rows on ProjectEffects"]),
    "planned segment nobody builds": (row("Segments", 7, segment_id="s6", from_node="B",
                                          to_node="C", mode="rail", length_km=50,
                                          speed_kmh=80, cost_usd_per_tkm=0.05,
                                          status="planned"),
                                      "Segments", 7, "status",
                                      ["planned segment s6 is built by no project"]),
    "project requires itself": (cell("Projects", 2, "requires", "p1"), "Projects", 2,
                                "requires", ["requires itself"]),
    "no projects": (chain(delete_rows("Projects", 2, 4), delete_rows("ProjectEffects", 2, 4)),
                    "Projects", 2, "project_id", ["no projects"]),
    "programme column without a Years sheet": (
        column_cell("Projects", 2, "duration_years", 3), "Projects", 2, "duration_years",
        ["ignored", "no Years sheet"]),
}


@pytest.mark.parametrize("name", list(WARNINGS))
def test_warning(tmp_path: Path, capsys: Any, name: str) -> None:
    mutate, sheet, r, column, words = WARNINGS[name]
    run = run_cli(tmp_path, capsys, mutate)
    assert run.code == 0, run.text
    assert "warning(s) about the input" in run.text
    console_line(run.text, sheet, r, column, words)
    assert has_row(sheet_rows(run.report, "Warnings"), "warning", sheet, r, column, words)
    assert not run.problems_file.exists()


def test_clean_workbook_has_no_warnings(tmp_path: Path, capsys: Any) -> None:
    run = run_cli(tmp_path, capsys)
    assert run.code == 0
    assert "warning" not in run.text
    assert sheet_rows(run.report, "Warnings") == []


# --- 3. infeasible before solving: exit 3 -------------------------------------

INFEASIBLE = {
    "must_do over the budget": (chain(cell("Projects", 4, "decision", "must_do"),
                                      cell("Projects", 4, "requires", "p1")),
                                ["must_do projects p3", "with what they require: p1",
                                 "130.0 USD million", "budget of 100.0"]),
    "must_do alternatives (group)": (chain(cell("Projects", 2, "decision", "must_do"),
                                           cell("Projects", 3, "decision", "must_do"),
                                           cell("Projects", 2, "group", "G"),
                                           cell("Projects", 3, "group", "G")),
                                     ["p1 and p2 are alternatives", "group 'G'"]),
    "must_do alternatives (segment)": (chain(cell("Projects", 2, "decision", "must_do"),
                                             cell("Projects", 5, "decision", "must_do"),
                                             cell("ProjectEffects", 5, "segment_id", "s1")),
                                       ["p1 and p4 are alternatives", "segment s1"]),
    "must_do requires an excluded project": (chain(cell("Projects", 2, "decision", "must_do"),
                                                   cell("Projects", 2, "requires", "p2"),
                                                   cell("Projects", 3, "decision",
                                                        "excluded")),
                                             ["must_do project p1 can never be selected",
                                              "requires p2, which is excluded"]),
    "must_do beside a committed alternative": (
        chain(cell("Projects", 2, "decision", "committed"),
              cell("Projects", 3, "decision", "must_do"),
              cell("Projects", 2, "group", "G"), cell("Projects", 3, "group", "G")),
        ["must_do project p2 can never be selected", "alternative to p1"]),
    "envelope minimum out of reach": (
        chain(column_cell("Projects", 2, "country", "PK"), envelopes(["country", "PK", 50, None])),
        ["envelope country PK needs at least USD 50.0 million", "(p1) total USD 40.0 million"]),
    "must_do the caps cannot fit": (
        chain(years([2026, 20], [2027, 20]), cell("Projects", 4, "decision", "must_do")),
        ["must_do project p3", "USD 90.0 million a year", "caps"]),
}


@pytest.mark.parametrize("validate_only", [False, True], ids=["run", "validate-only"])
@pytest.mark.parametrize("name", list(INFEASIBLE))
def test_infeasible(tmp_path: Path, capsys: Any, name: str, validate_only: bool) -> None:
    mutate, words = INFEASIBLE[name]
    run = run_cli(tmp_path, capsys, mutate, *(["--validate-only"] if validate_only else []))
    assert run.code == 3, run.text
    assert "infeasible" in run.text and "sheet 'Projects'" in run.text
    assert any(all(w in ln for w in words) for ln in run.text.splitlines()), run.text
    assert not run.report.exists()


def test_budget_flag_decides_feasibility(tmp_path: Path, capsys: Any) -> None:
    mutate = INFEASIBLE["must_do over the budget"][0]
    assert run_cli(tmp_path, capsys, mutate, "--validate-only", "--budget", "130").code == 0
    assert run_cli(tmp_path, capsys, mutate, "--validate-only", "--budget", "129").code == 3


# --- 4. --validate-only --------------------------------------------------------

def test_validate_only_clean(tmp_path: Path, capsys: Any) -> None:
    run = run_cli(tmp_path, capsys, None, "--validate-only")
    assert run.code == 0
    assert "no input errors" in run.text
    assert not run.report.exists() and not run.problems_file.exists()


def test_validate_only_prints_warnings(tmp_path: Path, capsys: Any) -> None:
    mutate, sheet, r, column, words = WARNINGS["hidden row"]
    run = run_cli(tmp_path, capsys, mutate, "--validate-only")
    assert run.code == 0
    console_line(run.text, sheet, r, column, words)


# --- 5. output safety -----------------------------------------------------------

def test_output_equal_to_input_is_refused(tmp_path: Path, capsys: Any) -> None:
    inp = make_input(tmp_path)
    before = inp.read_bytes()
    code = main(["--input", str(inp), "--output", str(inp)])
    text = "".join(capsys.readouterr())
    assert code == 2
    assert "is the input workbook" in text and "--output" in text
    assert inp.read_bytes() == before


def test_output_equal_to_input_by_another_spelling(tmp_path: Path, capsys: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    make_input(tmp_path)
    monkeypatch.chdir(tmp_path)
    code = main(["--input", "tiny.xlsx", "--output", str(tmp_path / "." / "tiny.xlsx")])
    assert code == 2
    assert "is the input workbook" in "".join(capsys.readouterr())


def test_locked_report_names_the_file(tmp_path: Path, capsys: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The usual case: the report is open in Excel, which refuses the replace."""
    real_replace = os.replace

    def locked(src: Any, dst: Any) -> None:
        if Path(dst).name == "report.xlsx":
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    run = run_cli(tmp_path, capsys)
    assert run.code == 2
    assert str(run.report.resolve()) in run.text
    assert "close it in Excel" in run.text and "--output" in run.text
    assert "Traceback" not in run.text
    assert not run.report.exists()
    assert no_temp_files(tmp_path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders; the locked-file test covers it")
def test_read_only_output_folder(tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        run = run_cli(tmp_path, capsys)
    finally:
        folder.chmod(0o700)
    assert run.code == 2
    assert str(folder.resolve()) in run.text and "--output" in run.text
    assert no_temp_files(tmp_path)


def test_failed_report_keeps_the_previous_one(tmp_path: Path, capsys: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_cli(tmp_path, capsys)
    assert first.code == 0
    previous = first.report.read_bytes()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "_write_parameters", broken)
    monkeypatch.chdir(tmp_path)
    second = run_cli(tmp_path, capsys)
    assert second.code == 1
    assert second.report.read_bytes() == previous
    assert no_temp_files(tmp_path)
    assert "Traceback" not in second.text


def test_output_folder_is_created(tmp_path: Path, capsys: Any) -> None:
    inp = make_input(tmp_path)
    out = tmp_path / "new" / "deeper" / "report.xlsx"
    assert main(["--input", str(inp), "--output", str(out), "--quiet"]) == 0
    assert out.exists()


def test_problems_folder_is_created(tmp_path: Path, capsys: Any) -> None:
    inp = make_input(tmp_path, ERRORS["negative capex"][0])
    out = tmp_path / "new" / "report.xlsx"
    assert main(["--input", str(inp), "--output", str(out)]) == 2
    assert (tmp_path / "new" / "report_problems.xlsx").exists()


def test_internal_error_is_logged(tmp_path: Path, capsys: Any,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    inp = make_input(tmp_path)
    monkeypatch.chdir(tmp_path)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli, "validate", boom)
    code = main(["--input", str(inp), "--output", "out/report.xlsx"])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code == 1
    assert "internal error" in text and "Traceback" not in text
    assert len(text.strip().splitlines()) <= 2
    logs = list((tmp_path / "outputs").glob("*.log"))
    assert len(logs) == 1
    assert "ZeroDivisionError: a bug" in logs[0].read_text(encoding="utf-8")
