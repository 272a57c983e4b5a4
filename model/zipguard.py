"""Look inside the .xlsx zip before any XML is parsed.

A workbook is a zip of XML parts. A hostile or damaged one can hold a part
that unpacks to hundreds of megabytes from a few hundred kilobytes (a "zip
bomb"): openpyxl would parse it for minutes, silently. The zip directory
states every part's packed and unpacked size, and Python's zipfile never
hands out more bytes than stated (it stops and fails the CRC check), so the
directory alone tells whether a part is within the limits below. They are
documented in docs/input-validation.md; an honest 50,000-row sheet is about
16 MB unpacked at a ratio of 6-13 to 1.
"""
from __future__ import annotations

import codecs
import posixpath
import zipfile
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml.ElementTree import fromstring

from .instance import Problem

MB = 1_000_000
MAX_PART_BYTES = 100 * MB  # one part (a sheet's XML): ~300,000 rows of an honest sheet
MAX_TOTAL_BYTES = 300 * MB  # all parts together
MAX_RATIO = 100  # unpacked / packed, for parts of at least RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1 * MB  # small parts may compress oddly and cannot do harm
MAX_PARTS = 10_000  # Excel writes tens; hundreds with many images

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def check_archive(archive: zipfile.ZipFile, name: str) -> list[Problem]:
    """One problem per part beyond a limit (sizes as the zip directory states
    them), and one for the whole when the parts together are too large."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        return [Problem("", None, None, None,
                        f"{name} holds {len(parts):,} parts, more than the limit of"
                        f" {MAX_PARTS:,}; refused unread ({_ADVICE})")]
    problems = []
    labels = _PartLabels(archive)
    for info in parts:
        why = _beyond_limits(info)
        if why is None:
            continue
        label = labels(info)
        problems.append(Problem("", None, None, None,
                                f"{name}: part {label} unpacks to"
                                f" {_mb(info.file_size)} from {_mb(info.compress_size)}"
                                f" (ratio {_ratio(info):,.0f}:1), {why}; refused unread"
                                f" ({_ADVICE})"))
    total = sum(info.file_size for info in parts)
    if not problems and total > MAX_TOTAL_BYTES:
        problems.append(Problem("", None, None, None,
                                f"{name} unpacks to {_mb(total)} in all, beyond the limit of"
                                f" {_mb(MAX_TOTAL_BYTES)} for a whole workbook; refused unread"
                                f" ({_ADVICE})"))
    return problems


class _PartLabels:
    """A part's name for a message, with its sheet's name when it is a sheet
    (the workbook's sheet list is read only when a message needs it)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.sheets: dict[str, str] | None = None

    def __call__(self, info: zipfile.ZipInfo) -> str:
        if self.sheets is None:
            self.sheets = _sheet_names(self.archive)
        sheet = self.sheets.get(info.filename)
        return info.filename + (f" (sheet '{sheet}')" if sheet else "")


_ADVICE = ("a workbook saved by Excel is far smaller; open and save it again in Excel or"
           " ask the sender for the original; limits: docs/input-validation.md")


def check_no_dtd(archive: zipfile.ZipFile, name: str) -> list[Problem]:
    """XML parts must not declare a DTD: Excel never writes one, and a DTD's
    entities can expand a few kilobytes into gigabytes ("billion laughs").
    openpyxl parses through defusedxml, which refuses entities too; this check
    does not depend on it and names the part. Run it on parts within the size
    limits only: it reads each part up to its root element."""
    problems = []
    labels = _PartLabels(archive)
    for info in archive.infolist():
        with archive.open(info) as stream:
            if not _declares_dtd(stream):
                continue
        label = labels(info)
        problems.append(Problem("", None, None, None,
                                f"{name}: part {label} declares a DTD (<!DOCTYPE ...>), which"
                                " Excel never writes and whose entities can expand to gigabytes"
                                " (an entity-expansion attack); refused unread (open and save"
                                " it again in Excel, or ask the sender for the original)"))
    return problems


_CHUNK = 1 << 16


def _declares_dtd(stream: IO[bytes]) -> bool:
    """Whether the XML prolog (what comes before the root element: the
    declaration, comments, processing instructions) holds <!DOCTYPE. Streams
    through long comments; a part that is not XML is not a DTD."""
    head = stream.read(_CHUNK)
    utf16 = head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8-sig")("replace")
    text = decoder.decode(head)
    while True:
        text = text.lstrip(" \t\r\n")
        if len(text) < 9:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return text.upper().startswith("<!DOCTYPE")
            text += decoder.decode(chunk)
            continue
        if not text.startswith("<"):
            return False
        start, end = ("<?", "?>") if text.startswith("<?") else ("<!--", "-->")
        if not text.startswith(start):
            return text[:9].upper() == "<!DOCTYPE"
        found = text.find(end, len(start))
        while found < 0:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return False
            text = text[-len(end):] + decoder.decode(chunk)
            found = text.find(end)
        text = text[found + len(end):]


def _beyond_limits(info: zipfile.ZipInfo) -> str | None:
    if info.file_size > MAX_PART_BYTES:
        return f"beyond the limit of {_mb(MAX_PART_BYTES)} per part"
    if info.file_size >= RATIO_FROM_BYTES and _ratio(info) > MAX_RATIO:
        return (f"beyond the limit of {MAX_RATIO}:1 compression for parts over"
                f" {_mb(RATIO_FROM_BYTES)}")
    return None


def _ratio(info: zipfile.ZipInfo) -> float:
    return info.file_size / max(info.compress_size, 1)


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB / 10 else f"{size / MB:,.3f} MB"


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> sheet name, from workbook.xml and its relationships (both
    small, checked parts); empty when they cannot tell, since the message is
    complete without the sheet name."""
    try:
        book = _small_xml(archive, "xl/workbook.xml")
        rels = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, ValueError, zipfile.BadZipFile, ParseError):
        return {}
    targets = {r.get("Id"): posixpath.normpath(posixpath.join("xl", r.get("Target", "")))
               for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    return {targets[s.get(f"{{{_REL}}}id")].lstrip("/"): s.get("name", "")
            for s in book.iter(f"{{{_MAIN}}}sheet") if s.get(f"{{{_REL}}}id") in targets}


def _small_xml(archive: zipfile.ZipFile, part: str) -> Element:
    info = archive.getinfo(part)
    if _beyond_limits(info) is not None or info.file_size > RATIO_FROM_BYTES:
        raise ValueError(part)
    return fromstring(archive.read(part))

