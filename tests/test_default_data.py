"""The default workbooks are built from the CSV tables of inputs/data/ and stay in step.

The builder is imported (its tables are read and derived at import), not run:
writing to a temporary folder must give the committed files byte for byte, so
a CSV edit without a rebuild (or a hand edit of a workbook) fails here.
"""
import csv
import importlib.util
import math
from pathlib import Path

import openpyxl
import pytest

from model.reader import read_workbook
from model.validate import validate

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
DATA = INPUTS / "data"
CONFIDENCE = {"H", "M", "L"}


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_default_workbook",
                                                  INPUTS / "build_default_workbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, sheets", [("corridors.xlsx", "default_workbook"),
                                          ("corridors_programme.xlsx", "programme_workbook")])
def test_committed_workbooks_are_the_build_of_the_csvs(builder, tmp_path, name, sheets):
    out = tmp_path / name
    builder.write_workbook(out, getattr(builder, sheets)())
    assert out.read_bytes() == (INPUTS / name).read_bytes(), \
        f"inputs/{name} is not the build of inputs/data/: run inputs/build_default_workbook.py"


def _core(path):
    """What the one-shot model reads of a workbook (spec §3): added sheets must not change it."""
    inst, _config, problems = validate(read_workbook(path))
    assert inst is not None, [str(p) for p in problems]
    projects = [(p.project_id, p.capex_musd, p.decision, p.group, p.requires)
                for p in inst.projects]
    return (inst.nodes, inst.segments, inst.effects, inst.flows, projects)


def _cells(path, sheet):
    wb = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def test_uncertainty_and_programme_sheets_leave_the_network_unchanged(tmp_path):
    default, programme = INPUTS / "corridors.xlsx", INPUTS / "corridors_programme.xlsx"
    stripped = tmp_path / "no_uncertainty.xlsx"
    wb = openpyxl.load_workbook(default)
    del wb["Uncertainty"]
    wb.save(stripped)
    assert _core(default) == _core(stripped)
    # the programme workbook: the same network sheets, Projects with four more columns
    for sheet in ("Parameters", "Nodes", "Segments", "ProjectEffects", "Demand", "Uncertainty"):
        assert _cells(programme, sheet) == _cells(default, sheet), sheet
    ours, theirs = _cells(default, "Projects"), _cells(programme, "Projects")
    assert [r[:len(ours[0])] for r in theirs] == ours
    assert theirs[0][len(ours[0]):] == ["financed_share", "duration_years", "earliest_start",
                                        "open_year"]


def test_programme_workbook_validates():
    _inst, _config, problems = validate(read_workbook(INPUTS / "corridors_programme.xlsx"))
    assert not [str(p) for p in problems if p.severity == "error"]


def test_uncertainty_sheet(builder):
    wb = openpyxl.load_workbook(INPUTS / "corridors.xlsx", read_only=True)
    rows = list(wb["Uncertainty"].iter_rows(values_only=True))
    assert rows[0] == ("quantity", "target", "low", "mode", "high")
    table = [dict(zip(rows[0], r)) for r in rows[1:]]
    kinds = {t["quantity"] for t in table}
    assert {"growth_pct", "base_volume", "elasticity", "capex", "border_time",
            "closure_days"} <= kinds
    closures = {t["target"]: t for t in table if t["quantity"] == "closure_days"}
    assert {"B_TKM_PK", "B_CMN_PK"} <= set(closures) and len(closures) <= 8
    assert closures["B_TKM_PK"]["high"] >= 100          # Torkham shut > 100 days from Oct 2025
    capex = {t["target"] for t in table if t["quantity"] == "capex"}
    assert capex == set(builder.CANDIDATES)
    for t in table:
        assert t["low"] <= t["mode"] <= t["high"], t
    sourced = {(s[0], s[1]) for s in builder.SOURCES if s[0] == "Uncertainty"}
    assert {("Uncertainty", f"{t['quantity']}|{t['target'] or ''}") for t in table} <= sourced


def test_programme_workbook(builder):
    wb = openpyxl.load_workbook(INPUTS / "corridors_programme.xlsx", read_only=True)
    years = [r for r in wb["Years"].iter_rows(min_row=2, values_only=True)]
    assert [y[0] for y in years] == list(range(2026, 2033)) and all(y[1] > 0 for y in years)
    rows = list(wb["Projects"].iter_rows(values_only=True))
    projects = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert any(p["financed_share"] is not None and p["financed_share"] < 1
               for p in projects.values())
    for p in projects.values():
        if p["decision"] == "committed":
            assert p["open_year"] is not None
        else:
            assert p["open_year"] is None and p["duration_years"] >= 1
            assert (p["earliest_start"] or 2026) + p["duration_years"] - 1 <= 2032
    envelopes = [r for r in wb["Envelopes"].iter_rows(min_row=2, values_only=True)]
    assert len(envelopes) == 1 and envelopes[0][0] == "country"
    assert any(p["country"] == envelopes[0][1] for p in projects.values())


def test_builder_self_check_passes(builder, capsys):
    gains = builder.self_check()   # exits on any error
    assert "self-check passed" in capsys.readouterr().out
    assert set(gains) == set(builder.CANDIDATES)


# a source column that covers one optional value column: checked only where that value is given
SOURCED_VALUE = {"speed_source": "speed_kmh", "cost_source": "cost_usd_per_tkm",
                 "allowance_source": "allowance_h", "value_source": "value_usd_per_t",
                 "elasticity_source": "elasticity"}


def test_every_data_row_names_its_source_and_confidence():
    checked = 0
    for path in sorted(DATA.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        pairs = [(c, c.replace("source", "confidence")) for c in rows[0] if c.endswith("source")]
        for i, row in enumerate(rows, start=2):
            for src, conf in pairs:
                if src in SOURCED_VALUE and not row[SOURCED_VALUE[src]]:
                    continue          # an optional value left blank: nothing to source
                where = f"{path.name} line {i} ({src})"
                assert row[src], f"{where}: no source"
                assert row[conf] in CONFIDENCE, f"{where}: confidence {row[conf]!r}"
                checked += 1
    assert checked > 600


def test_every_source_code_resolves():
    refs = {r["ref_id"] for r in csv.DictReader(open(DATA / "references.csv", encoding="utf-8"))}
    assumptions = {r["assumption_id"]
                   for r in csv.DictReader(open(DATA / "assumptions.csv", encoding="utf-8"))}
    for path in DATA.glob("*.csv"):
        for i, row in enumerate(csv.DictReader(open(path, newline="", encoding="utf-8")), 2):
            for col, value in row.items():
                if col.endswith("source") and value:
                    for code in value.split(";"):
                        assert code in refs or code in assumptions or code == "GK", \
                            f"{path.name} line {i}: unknown source {code}"


def test_default_workbook_validates_and_every_flow_has_its_value_of_time(builder):
    inst, _config, problems = validate(read_workbook(INPUTS / "corridors.xlsx"))
    assert inst is not None, [str(p) for p in problems]
    assert not [p for p in problems if p.severity == "error"]
    share = builder.CONST["daily_time_cost_share"]
    for flow in inst.flows:
        assert flow.value_of_time is not None and flow.value_of_time > 0, flow.label
        raw = flow.value_usd_per_t * share / 24
        assert math.isclose(flow.value_of_time, float(f"{raw:.1g}")), flow.label


def test_flows_the_issue_asked_for_are_there():
    wb = openpyxl.load_workbook(INPUTS / "corridors.xlsx", read_only=True)
    rows = list(wb["Demand"].iter_rows(values_only=True))
    head = rows[0]
    flows = [dict(zip(head, r)) for r in rows[1:]]

    def kt(pred):
        return sum(f["base_volume_kt"] for f in flows if pred(f))

    afghan = {"KBL", "MZR", "KDH", "HEA", "JAA"}
    pakistani = {"KHI", "LHE", "ISB", "PEW", "QTA"}
    assert kt(lambda f: f["origin"] in pakistani and f["destination"] in afghan) > 2000
    assert kt(lambda f: f["origin"] in afghan and f["destination"] in pakistani) > 1000
    assert kt(lambda f: f["origin"] == "DXB" and f["destination"] in afghan) > 0  # transit
    assert kt(lambda f: f["origin"] in {"NQZ_RL", "TAS", "AZN", "MYP_RL", "CRZ"}
              and f["destination"] in afghan) > 3000
    transit = [f for f in flows
               if "overseas" in f["commodity"] and "Xinjiang" not in f["commodity"]]
    assert transit and all(f["alt_cost_usd_per_t"] for f in transit)


def test_calibration_table(builder):
    from inputs.calibrate import CROSSINGS, crossing_tonnage
    modelled, outside, total = crossing_tonnage(INPUTS / "corridors.xlsx")
    assert set(modelled) == {c[0] for c in CROSSINGS}
    assert modelled["Torkham"] > 1000 and modelled["Chaman"] > 500
    assert 0 < outside < total
