"""Stage 7: the Excel report, written atomically.

The workbook is built in a temporary file in the target folder and moved
over the target only once complete, so a failed or interrupted run never
leaves a half-written report (and never touches the previous one); XlsxWriter
assembles it in memory, so no temporary file of its own is left either.
"""
from __future__ import annotations

import math
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Iterable, Sequence

import xlsxwriter

from . import ensemble_results
from .files import write_atomic
from .instance import Problem
from .results import (Results, alternative_rows, by_year_table, corridor_rows, frontier_rows,
                      programme_table, project_rows,
                      ranking_rows, run_info_rows, segment_rows, summary_rows, trade_rows)


class Sheets:
    """Shared formats and a table writer, so every sheet looks the same."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "valign": "top"})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.note = wb.add_format({"italic": True, "font_color": "#555555"})
        self.formats = {
            "int": wb.add_format({"num_format": "#,##0"}),
            "1": wb.add_format({"num_format": "#,##0.0"}),
            "2": wb.add_format({"num_format": "#,##0.00"}),
            "pct": wb.add_format({"num_format": "0.00%"}),
            "text": wb.add_format({}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        }

    def table(self, name: str, columns: Sequence[tuple[str, str, int]],
              rows: Iterable[dict[str, Any]], *, first_row: int = 0) -> Any:
        """columns: (key, format name, width). Writes header, rows, filter, freeze."""
        ws = self.wb.add_worksheet(name)
        rows = list(rows)
        for c, (key, fmt, width) in enumerate(columns):
            ws.write(first_row, c, key, self.header)
            ws.set_column(c, c, width, self.formats[fmt])
        for r, row in enumerate(rows, start=first_row + 1):
            for c, (key, fmt, _) in enumerate(columns):
                write_cell(ws, r, c, row.get(key), self.formats[fmt])
        ws.freeze_panes(first_row + 1, 1)
        ws.autofilter(first_row, 0, first_row + max(len(rows), 1), len(columns) - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(first_row)
        return ws


def write_cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    """Blank for None/NaN, 'n/a' for infinities: no #NUM! in the report."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, float) and math.isinf(value):
        ws.write_string(r, c, "n/a")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


SUMMARY_FORMATS = {"mip_gap": "pct", "gain_gap": "pct", "build_s": "2", "solve_s": "2",
                   "total_s": "2", "pwl_tolerance": "pct", "npv_musd": "1", "eirr_pct": "1",
                   "pv_benefits_musd": "1", "pv_capex_musd": "1", "scenario_s": "2",
                   "returned_over_budget_share": "pct", "robust_gain_gap": "pct"}

PROJECT_COLUMNS = [("project_id", "text", 11), ("name", "wrap", 40), ("capex_musd", "1", 11),
                   ("decision", "text", 11), ("selected", "text", 10),
                   ("marginal_gain_kt", "1", 13), ("gain_per_musd", "2", 11),
                   ("npv_musd", "1", 11), ("bcr", "2", 8),
                   ("switching_capex_musd", "1", 13), ("switching_note", "wrap", 30),
                   ("financed_share", "2", 9), ("financed_musd", "1", 11),
                   ("partner_musd", "1", 11), ("start_year", "int", 9), ("open_year", "int", 9),
                   ("description", "wrap", 60),
                   ("group", "text", 10), ("requires", "text", 12), ("country", "text", 9),
                   ("reason", "wrap", 50)]
TRADE_COLUMNS = [("origin", "text", 9), ("destination", "text", 11), ("commodity", "text", 14),
                 ("base_volume_kt", "1", 10), ("today_cost", "2", 10),
                 ("do_nothing_cost", "2", 10), ("optimised_cost", "2", 10),
                 ("do_nothing_volume_kt", "1", 11), ("optimised_volume_kt", "1", 11),
                 ("change_pct", "1", 9), ("corridors", "wrap", 34), ("route", "wrap", 60),
                 ("do_nothing_route", "wrap", 60)]
SEGMENT_COLUMNS = [("segment_id", "text", 10), ("from", "text", 18), ("to", "text", 18),
                   ("mode", "text", 8), ("corridor", "text", 22), ("status", "text", 8),
                   ("length_km", "int", 9), ("gc_today", "2", 9),
                   ("do_nothing_volume_kt", "1", 11), ("optimised_volume_kt", "1", 11),
                   ("project", "text", 12), ("candidate_projects", "text", 18)]
PROBLEM_COLUMNS = [("severity", "text", 9), ("sheet", "text", 14), ("row", "int", 6),
                   ("column", "text", 18), ("value", "text", 18), ("message", "wrap", 90)]


def problem_rows(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    return [{"severity": p.severity, "sheet": p.sheet, "row": p.row, "column": p.column,
             "value": "" if p.value is None else str(p.value), "message": p.message}
            for p in problems]


def _write_summary(sh: Sheets, r: Results) -> None:
    """A plain item/value/note table (pandas reads it as it is); the headline
    sentence is its first row."""
    ws = sh.wb.add_worksheet("Summary")
    ws.write(0, 0, "item", sh.header)
    ws.write(0, 1, "value", sh.header)
    ws.write(0, 2, "note", sh.header)
    ws.write_string(1, 0, "headline", sh.title)
    ws.write_string(1, 1, headline(r), sh.formats["text"])
    ws.write_string(1, 2, "Corridor investment: the optimised portfolio in one sentence")
    for i, (item, value, note) in enumerate(summary_rows(r), start=2):
        ws.write_string(i, 0, item)
        fmt = sh.formats[SUMMARY_FORMATS.get(item, "2" if isinstance(value, float) else "text")]
        write_cell(ws, i, 1, value, fmt)
        ws.write_string(i, 2, note)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 70)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def headline(r: Results) -> str:
    """One sentence an official can paste into a note to the minister."""
    n = len(r.selected)
    if r.programme:
        timeline = r.prep.timeline
        return (f"With USD {r.budget:,.0f} million over {timeline.first}-{timeline.last},"
                f" {n} project{'s' if n != 1 else ''} (USD {r.spent:,.0f} million financed)"
                f" raise trade summed over {timeline.years[0]}-{timeline.years[-1]} from"
                f" {r.nothing_eval.objective:,.0f} to {r.plan_eval.objective:,.0f}"
                f" (+{r.plan_eval.objective - r.nothing_eval.objective:,.0f}); in"
                f" {timeline.years[-1]} trade is {r.optimised.volume_kt:,.0f} kt"
                f" against {r.do_nothing.volume_kt:,.0f} kt doing nothing.")
    return (f"With USD {r.budget:,.0f} million, {n} project{'s' if n != 1 else ''} "
            f"(USD {r.spent:,.0f} million) raise projected trade in "
            f"{r.prep.instance.parameters.horizon_year} from {r.do_nothing.volume_kt:,.0f} kt"
            f" (do nothing) to {r.optimised.volume_kt:,.0f} kt (+{r.gain_kt:,.0f} kt);"
            f" trade today is {r.trade_today_kt:,.0f} kt.")


def write_report(r: Results, path: Path, *, protect: Sequence[Path] = (),
                 map_png: Path | None = None) -> Path:
    """Every sheet of the report; the Frontier and Alternatives sheets when a
    sweep or alternatives were run, the Map when a map image is given."""

    def build(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(str(tmp), {"nan_inf_to_errors": False, "in_memory": True})
        try:
            sh = Sheets(wb)
            _write_summary(sh, r)
            sh.table("Projects", PROJECT_COLUMNS, project_rows(r))
            sh.table("Trade", TRADE_COLUMNS, trade_rows(r))
            sh.table("Segments", SEGMENT_COLUMNS, segment_rows(r))
            sh.table("Ranking", RANKING_COLUMNS, ranking_rows(r))
            if r.programme:
                _write_programme(sh, r)
            if r.frontier:
                _write_frontier(sh, r)
            if r.alternatives:
                sh.table("Alternatives", ALTERNATIVE_COLUMNS, alternative_rows(r))
            if r.ensemble is not None:
                _write_ensemble(sh, r)
            _write_charts(sh, r)
            if map_png is not None:
                ws = wb.add_worksheet("Map")
                ws.write(0, 0, "Network map (also saved as " + map_png.name + ")", sh.title)
                ws.insert_image(2, 0, str(map_png), {"x_scale": 0.8, "y_scale": 0.8})
                ws.set_landscape()
                ws.fit_to_pages(1, 1)
            sh.table("Warnings", PROBLEM_COLUMNS, problem_rows(r.warnings))
            _write_parameters(sh, r)
            _write_run_info(sh, r)
        finally:
            wb.close()

    return write_atomic(path, build, protect=protect)


PROGRAMME_COLUMNS = [("project_id", "text", 11), ("name", "wrap", 36), ("start_year", "int", 9),
                     ("open_year", "int", 9), ("duration_years", "int", 9),
                     ("financed_musd", "1", 11), ("partner_musd", "1", 11)]
BY_YEAR_COLUMNS = [("year", "int", 7), ("cap_musd", "1", 10), ("disbursed_musd", "1", 11),
                   ("trade_do_nothing_kt", "1", 13), ("trade_programme_kt", "1", 13),
                   ("projects_opening", "text", 24)]
RANKING_COLUMNS = [("rank", "int", 6), ("project_id", "text", 11), ("name", "wrap", 38),
                   ("bundle", "text", 14), ("bundle_cost_musd", "1", 12),
                   ("standalone_gain", "1", 12), ("gain_per_musd", "2", 11),
                   ("in_ranking_portfolio", "text", 12), ("in_optimum", "text", 10)]
FRONTIER_COLUMNS = [("budget_musd", "int", 11), ("trade_optimised_kt", "1", 13),
                    ("spent_musd", "1", 11), ("trade_ranking_kt", "1", 13),
                    ("selected", "wrap", 36), ("added", "text", 14), ("dropped", "text", 14),
                    ("npv_musd", "1", 11), ("bcr", "2", 8), ("npv_added_musd", "1", 12),
                    ("status", "text", 10), ("gain_gap", "pct", 9), ("note", "wrap", 36)]
ALTERNATIVE_COLUMNS = [("rank", "int", 6), ("selected", "wrap", 40), ("spent_musd", "1", 11),
                       ("trade_kt", "1", 12), ("below_optimum_kt", "1", 12),
                       ("below_optimum_pct", "2", 11), ("added_vs_optimum", "text", 16),
                       ("dropped_vs_optimum", "text", 16), ("status", "text", 10),
                       ("note", "text", 14)]


def _write_frontier(sh: Sheets, r: Results) -> None:
    rows = frontier_rows(r)
    ws = sh.table("Frontier", FRONTIER_COLUMNS, rows)
    n = len(rows)
    chart = sh.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    for col, name in ((1, "optimised"), (3, "benefit/cost ranking")):
        chart.add_series({"name": name, "categories": ["Frontier", 1, 0, n, 0],
                          "values": ["Frontier", 1, col, n, col], "marker": {"type": "circle"}})
    chart.set_title({"name": "Projected trade against budget"})
    chart.set_x_axis({"name": "budget (USD million)", "num_format": "#,##0"})
    chart.set_y_axis({"name": "trade (kt/yr)", "num_format": "#,##0"})
    chart.set_size({"width": 760, "height": 400})
    ws.insert_chart(n + 3, 0, chart)
    money = sh.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    money.add_series({"name": "NPV (USD million)", "categories": ["Frontier", 1, 0, n, 0],
                      "values": ["Frontier", 1, 7, n, 7], "marker": {"type": "circle"}})
    money.add_series({"name": "BCR", "categories": ["Frontier", 1, 0, n, 0],
                      "values": ["Frontier", 1, 8, n, 8], "marker": {"type": "diamond"},
                      "y2_axis": True})
    money.set_title({"name": "What the money buys: NPV and BCR against budget"})
    money.set_x_axis({"name": "budget (USD million)", "num_format": "#,##0"})
    money.set_y_axis({"name": "NPV (USD million)", "num_format": "#,##0"})
    money.set_y2_axis({"name": "BCR", "num_format": "0.00"})
    money.set_size({"width": 760, "height": 400})
    ws.insert_chart(n + 25, 0, money)


def _write_programme(sh: Sheets, r: Results) -> None:
    """Spec §9.2: the Programme and ByYear sheets, with a chart of the yearly
    disbursements by project against the caps (a Gantt-like view) and one of
    trade by year, do-nothing against the programme."""
    years = [str(y) for y in r.prep.timeline.starts]
    rows = programme_table(r)
    ws = sh.table("Programme", PROGRAMME_COLUMNS + [(y, "1", 8) for y in years], rows)
    by_year = by_year_table(r)
    wy = sh.table("ByYear", BY_YEAR_COLUMNS, by_year)
    n, first_col = len(rows), len(PROGRAMME_COLUMNS)
    if n:
        gantt = sh.wb.add_chart({"type": "column", "subtype": "stacked"})
        for i in range(n):
            gantt.add_series({"name": ["Programme", i + 1, 0],
                              "categories": ["Programme", 0, first_col, 0,
                                             first_col + len(years) - 1],
                              "values": ["Programme", i + 1, first_col, i + 1,
                                         first_col + len(years) - 1]})
        caps = sh.wb.add_chart({"type": "line"})
        caps.add_series({"name": "yearly cap", "categories": ["ByYear", 1, 0, len(years), 0],
                         "values": ["ByYear", 1, 1, len(years), 1],
                         "line": {"color": "#C00000", "dash_type": "dash"}})
        gantt.combine(caps)
        gantt.set_title({"name": "Disbursements by project and year against the caps"})
        gantt.set_y_axis({"name": "USD million", "num_format": "#,##0"})
        gantt.set_size({"width": 760, "height": 400})
        ws.insert_chart(n + 3, 0, gantt)
    m = len(by_year)
    trade = sh.wb.add_chart({"type": "line"})
    for col, name in ((3, "do nothing"), (4, "programme")):
        trade.add_series({"name": name, "categories": ["ByYear", 1, 0, m, 0],
                          "values": ["ByYear", 1, col, m, col], "marker": {"type": "circle"}})
    trade.set_title({"name": "Trade by year: do nothing against the programme (kt/yr)"})
    trade.set_y_axis({"name": "kt/yr", "num_format": "#,##0"})
    trade.set_size({"width": 760, "height": 400})
    wy.insert_chart(m + 3, 0, trade)


def _write_charts(sh: Sheets, r: Results) -> None:
    """Budget use by project, trade by corridor, trade by flow (native charts)."""
    ws = sh.wb.add_worksheet("Charts")
    ws.write(0, 0, "Charts (data tables on the left)", sh.title)
    budget = [(p, r.prep.instance.project(p).capex_musd) for p in sorted(r.selected)]
    budget.append(("unspent", max(0.0, r.budget - r.spent)))
    corridors = corridor_rows(r)
    flows = sorted(trade_rows(r), key=lambda t: -t["optimised_volume_kt"])[:15]
    blocks = [
        ("budget use (USD million)", ["project", "capex_musd"], [list(b) for b in budget]),
        ("trade by main corridor (kt/yr)", ["corridor", "do_nothing_kt", "optimised_kt"],
         [[c["corridor"], c["do_nothing_kt"], c["optimised_kt"]] for c in corridors]),
        ("largest flows (kt/yr)", ["flow", "do_nothing_kt", "optimised_kt"],
         [[f"{t['origin']}-{t['destination']} {t['commodity']}".strip(),
           t["do_nothing_volume_kt"], t["optimised_volume_kt"]] for t in flows]),
    ]
    row = 2
    anchors = []
    for title, header, data in blocks:
        ws.write(row, 0, title, sh.header)
        for c, h in enumerate(header):
            ws.write(row + 1, c, h, sh.header)
        for i, values in enumerate(data, start=row + 2):
            for c, v in enumerate(values):
                write_cell(ws, i, c, v, sh.formats["1" if c else "text"])
        anchors.append((row, row + 2, row + 1 + len(data), len(header)))
        row += max(len(data) + 4, 22)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 2, 14)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    kinds = [("bar", "Budget use by project (USD million)"),
             ("column", "Trade by main corridor: do nothing vs optimised (kt/yr)"),
             ("bar", "Largest flows: do nothing vs optimised (kt/yr)")]
    for (top, first, last, width), (kind, title) in zip(anchors, kinds):
        if last < first:
            continue
        chart = sh.wb.add_chart({"type": kind})
        for col in range(1, width):
            chart.add_series({"name": ["Charts", top + 1, col],
                              "categories": ["Charts", first, 0, last, 0],
                              "values": ["Charts", first, col, last, col]})
        chart.set_title({"name": title})
        chart.set_size({"width": 720, "height": 380})
        if width == 2:
            chart.set_legend({"none": True})
        ws.insert_chart(top, 4, chart)


DRAW_COLUMNS = [("status", "text", 10), ("do_nothing_trade_kt", "1", 12),
                ("returned_trade_kt", "1", 12), ("returned_gain_kt", "1", 11),
                ("returned_cost_musd", "1", 12), ("own_trade_kt", "1", 12),
                ("own_gain_kt", "1", 11), ("own_cost_musd", "1", 12), ("regret_kt", "2", 10),
                ("own_status", "text", 10), ("own_gain_gap", "pct", 9),
                ("own_projects", "text", 36)]
DRAW_OBJECTIVE_COLUMNS = [("do_nothing_objective", "1", 12), ("returned_objective", "1", 12),
                          ("own_objective", "1", 12), ("regret_objective", "2", 11)]
DRAW_ROBUST_COLUMNS = [("robust_trade_kt", "1", 12), ("robust_gain_kt", "1", 11)]
ROBUSTNESS_COLUMNS = [("project_id", "text", 11), ("name", "wrap", 36), ("capex_musd", "1", 10),
                      ("decision", "text", 10), ("selected_share", "pct", 10),
                      ("draws_selecting", "int", 9), ("draws_with_optimum", "int", 10),
                      ("in_returned", "text", 9), ("in_robust", "text", 9)]
DISTRIBUTION_COLUMNS = [("gain_from_kt", "1", 11), ("gain_to_kt", "1", 11),
                        ("draws_returned", "int", 10), ("draws_robust", "int", 10)]


def _write_ensemble(sh: Sheets, r: Results) -> None:
    """Spec §11: the Draws, Robustness and Distribution sheets, with the
    selection frequency per project and the histogram of the gain as charts
    beside the tables (charts hold no cells: each sheet reads as a table)."""
    e, inst = r.ensemble, r.prep.instance
    assert e is not None
    columns = [("draw", "int", 6)] + [(u.label, "2", 12) for u in inst.uncertainty] \
        + DRAW_COLUMNS
    if ensemble_results.objective_differs(inst, r.programme):
        columns += DRAW_OBJECTIVE_COLUMNS
    if e.robust is not None:
        columns += DRAW_ROBUST_COLUMNS
    sh.table("Draws", columns, ensemble_results.draw_rows(e, inst, r.programme))
    share = ensemble_results.robustness_rows(e, inst, r.plan)
    ws = sh.table("Robustness", ROBUSTNESS_COLUMNS if e.robust is not None
                  else ROBUSTNESS_COLUMNS[:-1], share)
    n = sum(1 for x in share if x["selected_share"] is not None)
    if n:
        chart = sh.wb.add_chart({"type": "bar"})
        chart.add_series({"name": "share of draws selecting it",
                          "categories": ["Robustness", 1, 0, n, 0],
                          "values": ["Robustness", 1, 4, n, 4]})
        chart.set_title({"name": "How often each project is in a draw's optimum"})
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": max(300, 22 * n)})
        ws.insert_chart(0, len(ROBUSTNESS_COLUMNS) + 1, chart)
    bins = ensemble_results.distribution_rows(e)
    wd = sh.table("Distribution", DISTRIBUTION_COLUMNS if e.robust is not None
                  else DISTRIBUTION_COLUMNS[:-1], bins)
    if bins:
        hist = sh.wb.add_chart({"type": "column"})
        for col, name in ((2, "returned portfolio"), (3, "robust portfolio")):
            if col == 3 and e.robust is None:
                continue
            hist.add_series({"name": name, "categories": ["Distribution", 1, 1, len(bins), 1],
                             "values": ["Distribution", 1, col, len(bins), col],
                             "gap": 10})
        hist.set_title({"name": "Gain over do-nothing across the draws (kt/yr)"})
        hist.set_x_axis({"name": "gain up to (kt/yr)", "num_format": "#,##0"})
        hist.set_y_axis({"name": "draws"})
        hist.set_size({"width": 720, "height": 380})
        wd.insert_chart(0, len(DISTRIBUTION_COLUMNS) + 1, hist)


def _write_run_info(sh: Sheets, r: Results) -> None:
    ws = sh.wb.add_worksheet("RunInfo")
    ws.write(0, 0, "item", sh.header)
    ws.write(0, 1, "value", sh.header)
    for i, (item, value) in enumerate(run_info_rows(r), start=1):
        ws.write_string(i, 0, item)
        write_cell(ws, i, 1, value, sh.formats["wrap"])
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _write_parameters(sh: Sheets, r: Results) -> None:
    """What the model meant (the Parameters) and how it was run (the run
    settings, the budget among them), one row each."""
    params = asdict(r.prep.instance.parameters)
    settings = asdict(r.config)
    rows = ([{"parameter": f.name, "value": params[f.name], "kind": "model"}
             for f in fields(r.prep.instance.parameters)]
            + [{"parameter": f.name, "value": str(settings[f.name]), "kind": "run setting"}
               for f in fields(r.config)])
    sh.table("Parameters", [("parameter", "text", 26), ("value", "text", 16),
                            ("kind", "text", 12)], rows)


def write_problems(problems: Sequence[Problem], path: Path, *,
                   protect: Sequence[Path] = ()) -> Path:
    """The problems workbook written beside the intended report on input errors."""

    def build(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True})
        try:
            Sheets(wb).table("Problems", PROBLEM_COLUMNS, problem_rows(problems))
        finally:
            wb.close()

    return write_atomic(path, build, protect=protect)
