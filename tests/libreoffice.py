"""Drive LibreOffice headless for the real-client tests (tests/test_libreoffice.py).

Every conversion gets a throw-away user profile, so parallel runs do not
clash over LibreOffice's lock, and a profile can force recalculation of
formulas on load (excel-pitfalls.md §1.1: OOXMLRecalcMode = 0, "always").
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TIMEOUT_S = 60
REQUIRE_ENV = "CORRIDOR_REQUIRE_LIBREOFFICE"

_ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""

# LibreOffice's export filter names, per target extension.
FILTERS = {"pdf": "pdf:calc_pdf_Export", "xlsx": "xlsx:Calc MS Excel 2007 XML"}


def soffice() -> str:
    """The soffice executable; skip the test when it is absent, unless CI
    demands LibreOffice (then a missing install is a failure, not a skip)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"LibreOffice (soffice) is not installed but {REQUIRE_ENV}=1")
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


class ConversionError(AssertionError):
    pass


def convert(source: Path, target_ext: str, outdir: Path, *, recalculate: bool = False
            ) -> Path:
    """Convert source with LibreOffice into outdir; returns the new file.

    outdir must differ from source's folder when converting xlsx to xlsx, or
    the source would be overwritten."""
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    if target_ext == source.suffix.lstrip(".") and outdir.resolve() == source.parent.resolve():
        raise ValueError("converting into the source's own folder would overwrite it")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        if recalculate:
            user = Path(profile) / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE,
                                                           encoding="utf-8")
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
               "--norestore", "--convert-to", FILTERS[target_ext], "--outdir", str(outdir),
               str(source)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    result = outdir / f"{source.stem}.{target_ext}"
    if proc.returncode != 0 or not result.exists():
        raise ConversionError(f"soffice failed (exit {proc.returncode}):\n{proc.stdout}\n"
                              f"{proc.stderr}")
    return result
