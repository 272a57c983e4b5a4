"""Real-client tests: what LibreOffice makes of our workbooks, and what we
make of workbooks LibreOffice saved. Skipped without soffice unless
CORRIDOR_REQUIRE_LIBREOFFICE=1 (set by .ci/run)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from model.cli import main
from model.reader import read_workbook
from model.template import write_template
from model.validate import validate
from tests.libreoffice import convert
from tests.test_template import fill
from tests.workbooks import tiny

pytestmark = pytest.mark.libreoffice


def summary(report: Path) -> dict[str, Any]:
    ws = openpyxl.load_workbook(report, read_only=True)["Summary"]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}


def selected(report: Path) -> set[str]:
    rows = list(openpyxl.load_workbook(report, read_only=True)["Projects"]
                .iter_rows(values_only=True))
    i, s = rows[0].index("project_id"), rows[0].index("selected")
    return {r[i] for r in rows[1:] if r[s] == "yes"}


def solve(inp: Path, out: Path) -> Path:
    assert main(["--input", str(inp), "--output", str(out), "--quiet"]) == 0
    return out


def test_template_converts_to_pdf(tmp_path: Path) -> None:
    template = write_template(tmp_path / "template.xlsx")
    pdf = convert(template, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_report_converts_to_pdf(tmp_path: Path) -> None:
    report = solve(tiny(tmp_path / "tiny.xlsx"), tmp_path / "out" / "report.xlsx")
    pdf = convert(report, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_workbook_saved_by_libreoffice_gives_the_same_answer(tmp_path: Path,
                                                             capsys: Any) -> None:
    """p2's capex typed as =20*2 instead of 40: LibreOffice computes and stores
    it, and the model then reads exactly what it read from the typed value."""
    values = tiny(tmp_path / "values.xlsx")
    formula = tiny(tmp_path / "formula.xlsx")
    wb = openpyxl.load_workbook(formula)
    assert wb["Projects"]["C3"].value == 40
    wb["Projects"]["C3"] = "=20*2"
    wb.save(formula)

    # As openpyxl wrote it, the formula has no stored value: an input error.
    assert main(["--input", str(formula), "--output", str(tmp_path / "x.xlsx")]) == 2
    assert "formula with no stored value" in capsys.readouterr().err

    saved = convert(formula, "xlsx", tmp_path / "libreoffice", recalculate=True)
    assert openpyxl.load_workbook(saved)["Projects"]["C3"].value == "=20*2"
    assert openpyxl.load_workbook(saved, data_only=True)["Projects"]["C3"].value == 40
    instance, _, problems = validate(read_workbook(saved))
    assert instance is not None, [str(p) for p in problems]
    assert [p for p in problems if p.severity == "error"] == []

    a = solve(values, tmp_path / "out" / "values_report.xlsx")
    b = solve(saved, tmp_path / "out" / "saved_report.xlsx")
    assert selected(a) == selected(b) and selected(a)
    assert summary(b)["trade_optimised_kt"] == pytest.approx(summary(a)["trade_optimised_kt"],
                                                             rel=1e-12)
    original, resaved = validate(read_workbook(values))[0], instance
    assert resaved.projects == original.projects
    assert resaved.flows == original.flows


def test_filled_template_survives_libreoffice(tmp_path: Path) -> None:
    """An official fills the template in LibreOffice and saves: the dropdowns
    and id lists stay, and the workbook solves as before."""
    template = write_template(tmp_path / "template.xlsx")
    filled = fill(template, tiny(tmp_path / "tiny.xlsx"), tmp_path / "filled.xlsx")
    saved = convert(filled, "xlsx", tmp_path / "libreoffice")
    wb = openpyxl.load_workbook(saved)
    assert {"NodeIds", "SegmentIds", "ProjectIds"} <= set(wb.defined_names)
    assert len(wb["Segments"].data_validations.dataValidation) >= 3
    a = solve(filled, tmp_path / "out" / "a.xlsx")
    b = solve(saved, tmp_path / "out" / "b.xlsx")
    assert selected(a) == selected(b)
    assert summary(b)["trade_optimised_kt"] == pytest.approx(summary(a)["trade_optimised_kt"],
                                                             rel=1e-12)
