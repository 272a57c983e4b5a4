"""Build input workbooks for tests from plain Python rows (openpyxl, no formulas)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

PARAMETERS = {"budget_musd": 100, "base_year": 2025, "horizon_year": 2030,
              "value_of_time_usd_per_t_h": 1.0, "default_elasticity": 1.0,
              "mip_gap": 1e-6, "time_limit_s": 60, "pwl_tolerance": 0.002}

HEADERS = {
    "Nodes": ["node_id", "name", "country", "kind", "lat", "lon"],
    "Segments": ["segment_id", "from_node", "to_node", "mode", "length_km", "speed_kmh",
                 "cost_usd_per_tkm", "fixed_time_h", "fixed_cost_usd_per_t", "status",
                 "corridor"],
    "Projects": ["project_id", "name", "capex_musd", "decision", "group", "requires",
                 "country", "description"],
    "ProjectEffects": ["project_id", "segment_id", "length_km", "speed_kmh", "cost_usd_per_tkm",
                       "fixed_time_h", "fixed_cost_usd_per_t"],
    "Demand": ["origin", "destination", "commodity", "base_volume_kt", "growth_pct",
               "elasticity", "alt_cost_usd_per_t", "value_usd_per_t", "value_of_time_usd_per_t_h"],
}


def tables(parameters: dict[str, Any] | None = None, **sheets: list[dict[str, Any]]
           ) -> dict[str, list[list[Any]]]:
    """Sheet name -> rows (header first) from dict records; missing keys are blank."""
    params = dict(PARAMETERS, **(parameters or {}))
    out = {"Parameters": [["parameter", "value", "unit", "description"]]
           + [[k, v, "", ""] for k, v in params.items()]}
    for name, header in HEADERS.items():
        out[name] = [list(header)] + [[rec.get(h) for h in header]
                                      for rec in sheets.get(name, [])]
    return out


def write(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def tiny(path: Path, **parameters: Any) -> Path:
    """A four-node network: two upgrades in series (A-B-D), a parallel road
    (A-C-D) with a cheap upgrade, and a planned rail link A-D."""
    road = {"mode": "road", "speed_kmh": 50, "cost_usd_per_tkm": 0.1, "status": "open"}
    return write(path, tables(
        parameters,
        Nodes=[{"node_id": n, "name": f"Town {n}", "lat": 30 + i, "lon": 60 + i}
               for i, n in enumerate("ABCD")],
        Segments=[dict(road, segment_id="s1", from_node="A", to_node="B", length_km=100),
                  dict(road, segment_id="s2", from_node="B", to_node="D", length_km=100),
                  dict(road, segment_id="s3", from_node="A", to_node="C", length_km=150),
                  dict(road, segment_id="s4", from_node="C", to_node="D", length_km=150),
                  dict(segment_id="s5", from_node="A", to_node="D", mode="rail",
                       length_km=100, speed_kmh=80, cost_usd_per_tkm=0.05, status="planned")],
        Projects=[{"project_id": "p1", "name": "Upgrade A-B", "capex_musd": 40},
                  {"project_id": "p2", "name": "Upgrade B-D", "capex_musd": 40},
                  {"project_id": "p3", "name": "Rail A-D", "capex_musd": 90},
                  {"project_id": "p4", "name": "Upgrade A-C", "capex_musd": 10}],
        ProjectEffects=[{"project_id": "p1", "segment_id": "s1", "speed_kmh": 100,
                         "cost_usd_per_tkm": 0.05},
                        {"project_id": "p2", "segment_id": "s2", "speed_kmh": 100,
                         "cost_usd_per_tkm": 0.05},
                        {"project_id": "p3", "segment_id": "s5"},
                        {"project_id": "p4", "segment_id": "s3", "speed_kmh": 100,
                         "cost_usd_per_tkm": 0.05}],
        Demand=[{"origin": "A", "destination": "D", "base_volume_kt": 100, "growth_pct": 2},
                {"origin": "D", "destination": "A", "base_volume_kt": 50, "elasticity": 1.5},
                {"origin": "A", "destination": "C", "commodity": "grain",
                 "base_volume_kt": 30}]))


def from_instance(inst, config=None) -> dict[str, list[list[Any]]]:
    """The workbook rows of an Instance and its run settings (a RunConfig;
    the test defaults when None): the inverse of reading one."""
    p = inst.parameters
    params = {"base_year": p.base_year, "horizon_year": p.horizon_year,
              "value_of_time_usd_per_t_h": p.value_of_time,
              "default_elasticity": p.default_elasticity, "objective": p.objective,
              "appraisal_discount_pct": p.appraisal_discount_pct}
    if p.appraisal_end_year is not None:
        params["appraisal_end_year"] = p.appraisal_end_year
    if config is not None:
        params.update(budget_musd=config.budget_musd, mip_gap=config.mip_gap,
                      gain_gap=config.gain_gap, time_limit_s=config.time_limit_s,
                      pwl_tolerance=config.pwl_tolerance, formulation=str(config.formulation))
    segments = {s.segment_id: s for s in inst.segments}

    def attrs(a, base=None):
        names = ["length_km", "speed_kmh", "cost_usd_per_tkm", "fixed_time_h",
                 "fixed_cost_usd_per_t"]
        return {n: getattr(a, n) for n in names
                if base is None or getattr(a, n) != getattr(base, n)}

    return tables(
        params,
        Nodes=[{"node_id": n.node_id, "name": n.name, "country": n.country, "kind": n.kind or None,
                "lat": n.lat, "lon": n.lon} for n in inst.nodes],
        Segments=[dict(attrs(s.attributes), segment_id=s.segment_id, from_node=s.from_node,
                       to_node=s.to_node, mode=s.mode, status=s.status, corridor=s.corridor)
                  for s in inst.segments],
        Projects=[{"project_id": q.project_id, "name": q.name, "capex_musd": q.capex_musd,
                   "decision": q.decision, "group": q.group or None,
                   "requires": ";".join(q.requires) or None} for q in inst.projects],
        ProjectEffects=[dict(attrs(e.attributes, segments[e.segment_id].attributes),
                             project_id=e.project_id, segment_id=e.segment_id)
                        for e in inst.effects],
        Demand=[{"origin": f.origin, "destination": f.destination,
                 "commodity": f.commodity or None, "base_volume_kt": f.base_volume_kt,
                 "growth_pct": f.growth_pct, "elasticity": f.elasticity,
                 "alt_cost_usd_per_t": f.alt_cost, "value_usd_per_t": f.value_usd_per_t,
                 "value_of_time_usd_per_t_h": f.value_of_time}
                for f in inst.flows])


UNCERTAINTY_HEADER = ["quantity", "target", "low", "mode", "high"]


def with_uncertainty(path: Path, rows: list[list[Any]]) -> Path:
    """Add an Uncertainty sheet (spec §11) to a workbook on disk."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Uncertainty")
    for row in [UNCERTAINTY_HEADER] + rows:
        ws.append(row)
    wb.save(path)
    return path
