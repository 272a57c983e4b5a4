"""Hostile and huge workbooks (issue 13): refused before parsing, in one line,
with exit 2 and the input untouched; honest large ones still read."""
from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest
import xlsxwriter
from openpyxl.chart import BarChart, Reference

from model import zipguard
from model.cli import main
from model.reader import InputFileError, read_workbook
from tests.workbooks import HEADERS, tiny

DEFAULT = Path(__file__).resolve().parents[1] / "inputs" / "corridors.xlsx"
REFERENCES = "xl/worksheets/sheet9.xml"  # the References sheet of the default workbook
NODES = "xl/worksheets/sheet2.xml"  # the Nodes sheet of tests.workbooks.tiny()


def rewrite(src: Path, dst: Path, part: str,
            write: Callable[[bytes, Callable[[bytes], Any]], None]) -> Path:
    """Copy the zip, writing ``part`` through write(original, out) in a
    streamed, deflated member (so a huge part never sits in memory)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != part:
                zout.writestr(info.filename, data)
                continue
            new = zipfile.ZipInfo(part)
            new.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(new, "w", force_zip64=True) as out:
                write(data, out.write)
    return dst


def _prolog_end(xml: bytes) -> int:
    return xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0


def comment_bomb(dst: Path, megabytes: int, src: Path = DEFAULT,
                 part: str = REFERENCES) -> Path:
    """The issue's zip bomb: a comment of ``megabytes`` MB in one sheet's XML."""

    def write(xml: bytes, out: Callable[[bytes], Any]) -> None:
        cut = _prolog_end(xml)
        out(xml[:cut] + b"<!--")
        block = b"A" * 1_000_000
        for _ in range(megabytes):
            out(block)
        out(b"-->" + xml[cut:])
    return rewrite(src, dst, part, write)


def billion_laughs(dst: Path, src: Path) -> Path:
    """Nodes' XML declaring entities that expand to 10^9 'lol's, used in a cell."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10))

    def write(xml: bytes, out: Callable[[bytes], Any]) -> None:
        cut = _prolog_end(xml)
        xml = xml.replace(b"</sheetData>", b'<row r="99"><c r="B99" t="inlineStr"><is><t>'
                          b"&lol9;</t></is></c></row></sheetData>")
        out(xml[:cut] + b"<!DOCTYPE lolz [" + entities + b"]>" + xml[cut:])
    return rewrite(src, dst, NODES, write)


def run_cli(capsys: Any, path: Path, out: Path) -> tuple[int, list[str]]:
    code = main(["--input", str(path), "--output", str(out), "--validate-only"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, (captured.out + captured.err).strip().splitlines()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- zip bombs --------------------------------------------------------------------------

def test_the_400_mb_comment_bomb_is_refused_in_well_under_a_second(
        tmp_path: Path, capsys: Any) -> None:
    bomb = comment_bomb(tmp_path / "bomb.xlsx", 400)
    assert bomb.stat().st_size < 1_000_000
    before = digest(bomb)
    start = time.perf_counter()
    code, lines = run_cli(capsys, bomb, tmp_path / "out" / "r.xlsx")
    elapsed = time.perf_counter() - start
    assert code == 2 and len(lines) == 1, lines
    line = lines[0]
    assert re.match(r"error: bomb\.xlsx: part xl/worksheets/sheet\d+\.xml \(sheet '\w+'\)"
                    r" unpacks to 400\.\d MB from 0\.\d+ MB \(ratio [\d,]+:1\)", line), line
    assert "limit of 100.0 MB per part" in line and "refused unread" in line
    assert elapsed < 0.5, elapsed
    assert digest(bomb) == before
    assert not (tmp_path / "out").exists()  # nothing written for an unreadable file


def test_a_part_beyond_the_ratio_limit_is_refused(tmp_path: Path) -> None:
    """Within the size limit (50 MB < 100 MB) but packed 1000:1: refused too."""
    bomb = comment_bomb(tmp_path / "dense.xlsx", 50)
    with pytest.raises(InputFileError) as info:
        read_workbook(bomb)
    message = str(info.value)
    assert re.search(r"unpacks to 50\.\d MB", message) and "limit of 100:1 compression" in message
    assert "\n" not in message


def test_parts_together_beyond_the_total_limit_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tiny(tmp_path / "w.xlsx")
    with zipfile.ZipFile(path) as z:
        total = sum(i.file_size for i in z.infolist())
    monkeypatch.setattr(zipguard, "MAX_TOTAL_BYTES", total - 1)
    with pytest.raises(InputFileError) as info:
        read_workbook(path)
    assert "w.xlsx unpacks to" in str(info.value) and "for a whole workbook" in str(info.value)


def test_too_many_parts_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tiny(tmp_path / "w.xlsx")
    monkeypatch.setattr(zipguard, "MAX_PARTS", 5)
    with pytest.raises(InputFileError) as info:
        read_workbook(path)
    assert "parts, more than the limit of 5" in str(info.value)


def test_every_part_beyond_a_limit_is_counted(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tiny(tmp_path / "w.xlsx")
    with zipfile.ZipFile(path) as z:
        sizes = sorted(((i.file_size, i.filename) for i in z.infolist()), reverse=True)
    monkeypatch.setattr(zipguard, "MAX_PART_BYTES", sizes[2][0])  # the two largest are over
    with pytest.raises(InputFileError) as info:
        read_workbook(path)
    assert f"part {sizes[0][1]}" in str(info.value)
    assert str(info.value).endswith("; and 1 more part(s) like it")


def test_a_real_50000_row_demand_sheet_is_within_the_limits(tmp_path: Path) -> None:
    """Excel-like writing (shared strings), realistic values: the sheet's XML
    must be well inside the per-part limit and the ratio limit."""
    path = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Demand")
    ws.write_row(0, 0, HEADERS["Demand"])
    for r in range(1, 50_001):
        ws.write_row(r, 0, [f"N{r % 2000:04d}", f"N{(r * 7) % 2000:04d}", "general",
                            10 + (r * 37) % 900 / 7, 2.5, 1.2])
        ws.write_number(r, 7, 400 + r % 300)
    wb.close()
    with zipfile.ZipFile(path) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 10_000_000  # a big part: the test means something
        assert zipguard.check_archive(z, path.name) == []
        assert zipguard.check_no_dtd(z, path.name) == []
    assert sheet.file_size * 5 < zipguard.MAX_PART_BYTES
    assert sheet.file_size / sheet.compress_size * 5 < zipguard.MAX_RATIO


# --- entity expansion ---------------------------------------------------------------------

def test_billion_laughs_is_refused_before_parsing(tmp_path: Path, capsys: Any) -> None:
    path = billion_laughs(tmp_path / "laughs.xlsx", tiny(tmp_path / "tiny.xlsx"))
    before = digest(path)
    code, lines = run_cli(capsys, path, tmp_path / "out" / "r.xlsx")
    assert code == 2 and len(lines) == 1, lines
    assert lines[0] == ("error: laughs.xlsx: part xl/worksheets/sheet2.xml (sheet 'Nodes')"
                        " declares a DTD (<!DOCTYPE ...>), which Excel never writes and whose"
                        " entities can expand to gigabytes (an entity-expansion attack);"
                        " refused unread (open and save it again in Excel, or ask the sender"
                        " for the original)")
    assert digest(path) == before


def test_defusedxml_refuses_entities_that_get_past_the_dtd_check(
        tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second line of defence: openpyxl parses through defusedxml."""
    assert openpyxl.DEFUSEDXML  # installed as a dependency, used by openpyxl
    monkeypatch.setattr("model.reader.check_no_dtd", lambda archive, name: [])
    path = billion_laughs(tmp_path / "laughs.xlsx", tiny(tmp_path / "tiny.xlsx"))
    code, lines = run_cli(capsys, path, tmp_path / "out" / "r.xlsx")
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: laughs.xlsx: an XML part declares entities"
                               " (EntitiesForbidden(name='lol'")


@pytest.mark.parametrize("prolog, dtd", [
    (b'<?xml version="1.0"?><!-- a comment --><!DOCTYPE x []><x/>', True),
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n  <!doctype x><x/>', True),
    ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16"), True),
    (b"<!--" + b"-" * 200_000 + b"--><!DOCTYPE x><x/>", True),
    (b'<?xml version="1.0"?><x><!DOCTYPE is only text here/></x>', False),
    (b"<!-- <!DOCTYPE x> inside a comment --><x/>", False),
    (b"\x89PNG\r\n\x1a\n<!DOCTYPE", False),
    (b"", False),
])
def test_dtd_detection(prolog: bytes, dtd: bool) -> None:
    assert zipguard._declares_dtd(io.BytesIO(prolog)) is dtd


# --- found by the fuzzer (tests/test_fuzz.py) ----------------------------------------------

def test_a_network_without_coordinates_is_solved_without_a_map(
        tmp_path: Path, capsys: Any) -> None:
    """lat and lon are optional: the run used to write an empty map file and
    then fail to embed it (internal error)."""
    path = tiny(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Nodes"].delete_cols(5, 2)  # lat, lon
    wb.save(path)
    report = tmp_path / "out" / "r.xlsx"
    assert main(["--input", str(path), "--output", str(report)]) == 0, capsys.readouterr()
    assert "Map" not in openpyxl.load_workbook(report).sheetnames
    assert not report.with_name("r_map.png").exists()


def test_a_number_in_a_date_format_that_no_date_can_be(tmp_path: Path, capsys: Any) -> None:
    path = tiny(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Projects"]["C3"] = 9007199254740992
    wb["Projects"]["C3"].number_format = "yyyy-mm-dd"
    wb.save(path)
    code, lines = run_cli(capsys, path, tmp_path / "out" / "r.xlsx")
    assert code == 2
    assert lines[1] == ("  - Sheet 'Projects', row 3, column 'capex_musd': cell C3 is formatted"
                        " as a date but holds 9007199254740992, which no date can be; format"
                        " the cell as a number, or type the date again"
                        " (found: '9007199254740992')")
    assert "Warning" not in "\n".join(lines)  # openpyxl's own warning is not shown


def test_a_stray_cell_in_the_last_row_costs_nothing(tmp_path: Path) -> None:
    """The reader used to visit every row up to the last one used (82 s here)."""
    path = tiny(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Projects"].cell(1_048_576, 8, "stray note")
    wb.save(path)
    start = time.perf_counter()
    raw = read_workbook(path)
    assert time.perf_counter() - start < 2
    [p] = [p for p in raw.problems if "blank row(s)" in p.message]
    assert p.message == ("1048570 blank row(s) skipped (rows 6, 7, 8, 9, 10, 11, 12, 13, 14,"
                         " 15, ...)")


def test_a_merge_over_the_whole_sheet_costs_nothing(tmp_path: Path) -> None:
    """openpyxl blanks every cell of a merged range, 17 billion here; the
    reader only visits the cells that exist."""
    merge = b'<mergeCells count="1"><mergeCell ref="B2:XFD1048576"/></mergeCells>'

    def write(xml: bytes, out: Callable[[bytes], Any]) -> None:
        out(xml.replace(b"</sheetData>", b"</sheetData>" + merge))
    path = rewrite(tiny(tmp_path / "tiny.xlsx"), tmp_path / "w.xlsx", NODES, write)
    start = time.perf_counter()
    raw = read_workbook(path)
    assert time.perf_counter() - start < 2
    assert [r.cells["name"] for r in raw.sheets["Nodes"].rows] == ["Town A", None, None, None]
    assert any("cells B2:XFD1048576 are merged" in p.message for p in raw.problems)


def test_a_chart_sheet_in_place_of_a_table(tmp_path: Path) -> None:
    path = tiny(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.remove(wb["Demand"])
    chart = BarChart()
    chart.add_data(Reference(wb["Nodes"], min_col=5, min_row=1, max_row=5))
    wb.create_chartsheet("Demand").add_chart(chart)
    wb.save(path)
    [p] = read_workbook(path).problems
    assert (p.sheet, p.severity) == ("Demand", "error")
    assert p.message == ("sheet 'Demand' is a chart sheet; the model needs a sheet of cells"
                         " with the headers in row 1")


def test_a_damaged_sheet_is_named_and_the_others_are_still_checked(tmp_path: Path) -> None:
    def write(xml: bytes, out: Callable[[bytes], Any]) -> None:
        out(xml.replace(b"</sheetData>", b'<row r="9"><c r="A9"><v>1</v></row></sheetData>'))
    path = rewrite(tiny(tmp_path / "tiny.xlsx"), tmp_path / "w.xlsx", NODES, write)
    raw = read_workbook(path)
    [p] = raw.problems
    assert re.fullmatch(r"sheet 'Nodes' could not be read \(mismatched tag: line 1, column \d+\);"
                        r" open and save the workbook again in Excel", p.message), p.message
    assert set(raw.sheets) == {"Parameters", "Segments", "Projects", "ProjectEffects", "Demand"}


@pytest.mark.parametrize("column, value, words", [
    ("D2", 1e20, "column 'base_volume_kt': this flow would carry 1.1e+20 kt a year in 2030"
                 " (1e+20 kt in 2025, growing 2 % a year), more than a hundred times the"
                 " world's trade"),
    ("E2", 1e300, "column 'growth_pct': this flow would carry more than 1e308 kt a year"),
    ("F2", 1000, "column 'elasticity': out of range; expected a number > 0 and <= 10"),
])
def test_numbers_beyond_anything_real_are_input_errors(
        tmp_path: Path, capsys: Any, column: str, value: float, words: str) -> None:
    """They used to hang the solver (elasticity 1000), stop with an internal
    error (growth 1e300 %: overflow) or fail it with a traceback (1e20 kt)."""
    path = tiny(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Demand"][column] = value
    wb.save(path)
    code, lines = run_cli(capsys, path, tmp_path / "out" / "r.xlsx")
    assert code == 2 and lines[1].startswith(f"  - Sheet 'Demand', row 2, {words}"), lines
