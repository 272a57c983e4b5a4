#!/usr/bin/env python3
"""Build the default input workbooks from the data tables in inputs/data/.

    python inputs/build_default_workbook.py

The data are CSV files under inputs/data/ (they open in any spreadsheet); every
row carries its source (an S-number of shared/data/corridor_facts.md or a D-number
added here, both listed in references.csv, "GK" for general knowledge, or an
assumption A## of assumptions.csv) and a confidence H/M/L. Cells may hold plain
arithmetic ("580*365/280", "min(250/9, 60)", "base*0.5"): this script evaluates
it and writes the arithmetic beside the value on the Sources sheet.

What the script derives, and nothing else:
- road and rail speeds and costs from rates.csv (CPMM speed without delay and
  cost per t-km of the country), unless a segment row gives its own;
- border, gauge-change and transfer segments from their parts (crossings.csv):
  CPMM whole-crossing measures are averaged, activities they do not span are
  added, and a crossing split into two sides gets its share;
- capex in one price year from project_costs.csv and the price index;
- project effects from effects.csv (a value, or arithmetic on the base value);
- Demand from trade.csv: tonnes (given, or value / value per tonne of a
  commodity basket), split over the end nodes of end_sets.csv, growth from
  growth.csv, each flow's value of time from its value per tonne, and the cost
  of the route outside the network from alt_routes.csv.

It writes inputs/corridors.xlsx (plain values, ids as text, same bytes on every
rebuild), checks its own work (every id resolves, every number is sourced, every
flow has a route today, every cost is > 0, no project makes a segment dearer at
any flow's value of time, every candidate project is used by some flow or says
why not), and prints representative routes and each project's standalone gain.
Needs openpyxl only.
"""
from __future__ import annotations

import ast
import csv
import datetime
import heapq
import io
import math
import operator
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUTPUT = HERE / "corridors.xlsx"
PROGRAMME_OUTPUT = HERE / "corridors_programme.xlsx"
FIXED_DATE = datetime.datetime(2026, 1, 1, 0, 0, 0)  # document created/modified date
CONF_RANK = {"H": 2, "M": 1, "L": 0}
ATTRS = ["length_km", "speed_kmh", "cost_usd_per_tkm", "fixed_time_h", "fixed_cost_usd_per_t"]
NO_USE = "No modelled trade uses it:"


# ============================================================================
# Reading and arithmetic
# ============================================================================
def read(name: str) -> list[dict]:
    """Rows of inputs/data/<name> as dicts of stripped text; blank rows skipped."""
    with open(DATA / name, newline="", encoding="utf-8") as f:
        rows = [{k.strip(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]
    return [r for r in rows if any(r.values())]


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv}
_FUNCS = {"min": min, "max": max}


def calc(text: str, names: dict | None = None) -> float:
    """Value of a cell: a number or arithmetic (+ - * / min max, names)."""
    def ev(n):
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)):
            return n.value
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
            return _OPS[type(n.op)](ev(n.left), ev(n.right))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        if isinstance(n, ast.Name) and names is not None and n.id in names:
            return names[n.id]
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCS:
            return _FUNCS[n.func.id](*map(ev, n.args))
        raise ValueError(f"cannot evaluate {text!r}")
    return float(ev(ast.parse(text, mode="eval").body))


def shown(text: str, value: float) -> str:
    """'580*365/280 = 756.1' for arithmetic, '' for a plain number."""
    try:
        float(text)
        return ""
    except ValueError:
        return f"{text} = {value:.6g}"


def join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def codes(*texts: str) -> str:
    return ";".join(dict.fromkeys(t for text in texts for t in text.split(";") if t))


def lowest(*confs: str) -> str:
    return min(confs, key=CONF_RANK.__getitem__)


def num(v: float):
    """An int where the value is whole (so the workbook shows 2000, not 2000.0)."""
    return int(v) if float(v).is_integer() and abs(v) < 1e15 else v


# ============================================================================
# Tables
# ============================================================================
REFERENCES = {r["ref_id"]: (r["title"], r["url"]) for r in read("references.csv")}
ASSUMPTIONS = read("assumptions.csv")
ASSUMPTION_IDS = {a["assumption_id"] for a in ASSUMPTIONS}
SOURCES: list[tuple] = []   # (sheet, record_id, field, value, source, confidence, note)


def src(sheet, rid, field, value, code, conf, note=""):
    SOURCES.append((sheet, rid, field, value, code, conf, note))


CONST = {}
for r in read("constants.csv"):
    CONST[r["constant"]] = calc(r["value"], CONST)
    src("Constants", r["constant"], "value", CONST[r["constant"]], r["source"], r["confidence"],
        join(shown(r["value"], CONST[r["constant"]]), r["note"]))
LOAD = CONST["truck_load_t"]
INDEX = {int(r["year"]): float(r["index"]) for r in read("price_index.csv")}

NODES = read("nodes.csv")
COUNTRY = {n["node_id"]: n["country"] for n in NODES}
for n in NODES:
    for f in ("lat", "lon"):
        src("Nodes", n["node_id"], f, float(n[f]), n["source"], n["confidence"], n["note"])

RATES = {(r["country"], r["mode"]): r for r in read("rates.csv")}

# ---- Segments ---------------------------------------------------------------------------
SEGMENTS: list[dict] = []


def add_segment(row, mode, values: dict, field_src: dict):
    seg = dict(segment_id=row["segment_id"], from_node=row["from_node"], to_node=row["to_node"],
               mode=mode, **values, status=row["status"] or "open", corridor=row["corridor"])
    SEGMENTS.append(seg)
    for f in ATTRS:
        if seg[f] is not None:
            code, conf, note = field_src[f]
            src("Segments", seg["segment_id"], f, seg[f], code, conf, note)


LINE_HAUL = ("A56", "H", "line-haul segment: no fixed time or cost")


def rate(ctry, mode, key):
    r, pre = RATES[(ctry, mode)], key.split("_")[0]
    value = round(calc(r[key]), 4)
    return value, r[f"{pre}_source"], r[f"{pre}_confidence"], \
        join(f"{ctry} {mode} {value:g}", shown(r[key], value), r[f"{pre}_note"])


def own_or_rate(row, ctry, mode, field, digits):
    """(value, source, confidence, note): the row's own value if given, else the rate."""
    if row.get(field):
        v = round(calc(row[field], CONST), digits)
        pre = field.split("_")[0]
        return v, row[f"{pre}_source"], row[f"{pre}_confidence"], \
            join(shown(row[field], v), row[f"{pre}_note"])
    return rate(ctry, mode, field)


for r in read("roads.csv"):
    ctry = r["country"] or COUNTRY[r["from_node"]]
    km = calc(r["length_km"])
    speed = own_or_rate(r, ctry, "road", "speed_kmh", 1)
    cost = rate(ctry, "road", "cost_usd_per_tkm")
    if r["mountain"] == "yes":
        v = round(cost[0] * CONST["mountain_premium"], 4)
        cost = (v, codes(cost[1], "A10"), cost[2],
                f"{cost[3]} x {CONST['mountain_premium']:g} mountain premium = {v:g}")
    if r["allowance_h"]:
        ft = calc(r["allowance_h"])
        ft_src = (r["allowance_source"], r["allowance_confidence"], r["allowance_note"])
    else:
        ft, ft_src = 0.0, LINE_HAUL
    add_segment(r, "road", dict(length_km=num(km), speed_kmh=speed[0], cost_usd_per_tkm=cost[0],
                                fixed_time_h=num(ft), fixed_cost_usd_per_t=0), {
        "length_km": (r["source"], r["confidence"], join(shown(r["length_km"], km), r["note"])),
        "speed_kmh": speed[1:], "cost_usd_per_tkm": cost[1:], "fixed_time_h": ft_src,
        "fixed_cost_usd_per_t": LINE_HAUL})

for r in read("rails.csv"):
    ctry = r["country"] or COUNTRY[r["from_node"]]
    km = calc(r["length_km"])
    speed = own_or_rate(r, ctry, "rail", "speed_kmh", 1)
    cost = own_or_rate(r, ctry, "rail", "cost_usd_per_tkm", 4)
    add_segment(r, "rail", dict(length_km=num(km), speed_kmh=speed[0], cost_usd_per_tkm=cost[0],
                                fixed_time_h=0, fixed_cost_usd_per_t=0), {
        "length_km": (r["source"], r["confidence"], join(shown(r["length_km"], km), r["note"])),
        "speed_kmh": speed[1:], "cost_usd_per_tkm": cost[1:], "fixed_time_h": LINE_HAUL,
        "fixed_cost_usd_per_t": LINE_HAUL})

_parts = defaultdict(list)
for r in read("crossings.csv"):
    _parts[r["segment_id"]].append(r)
for sid, parts in _parts.items():
    # CPMM's TFI1/TFI2 measure a whole crossing (both countries' posts): several measures of
    # one crossing (one per reporting country or direction) are averaged; activities they do
    # not span are added; a crossing split into two sides carries its share (A01, A20).
    added = [p for p in parts if p["how"] == "add"]
    measured = [p for p in parts if p["how"] == "measure"]
    share = calc(parts[0]["share"]) if parts[0]["share"] else 1.0
    def mean(key):
        vals = [calc(p[key]) for p in measured if p[key]]
        return sum(vals) / len(vals) if vals else 0.0

    h_add, u_add = sum(calc(p["hours"]) for p in added), sum(calc(p["usd_per_load"]) for p in added)
    h_mea, u_mea = mean("hours"), mean("usd_per_load")
    hours = round(share * (h_add + h_mea), 2)
    usd = share * (u_add + u_mea)
    fc = round(usd / LOAD, 2)
    code = codes(*(p["source"] for p in parts))
    conf = lowest(*(p["confidence"] for p in parts))

    def describe(key, unit):
        terms, mea = [], [p for p in measured if p[key]]
        if mea:
            vals = " and ".join(f"{p['part']} {calc(p[key]):g}" for p in mea)
            terms.append(f"mean of CPMM whole-crossing measures ({vals}) {unit}" if len(mea) > 1
                         else f"{vals} {unit}")
        terms += [f"{p['part']} {calc(p[key]):g} {unit}" for p in added if calc(p[key])]
        text = " + ".join(terms)
        return f"{share:g} x ({text})" if share != 1 else text

    t_note = f"{describe('hours', 'h')} = {hours:g} h"
    c_note = f"{describe('usd_per_load', 'USD')} = {usd:g} USD per {LOAD:g}-t load = {fc:g} USD/t"
    extra = parts[0]["note"]
    add_segment(parts[0], parts[0]["mode"], dict(length_km=0, speed_kmh=None, cost_usd_per_tkm=0,
                                                 fixed_time_h=num(hours), fixed_cost_usd_per_t=num(fc)), {
        "length_km": ("A21", "H", "crossing point: no length"),
        "cost_usd_per_tkm": ("A56", "H", "no running cost on a length-0 segment"),
        "fixed_time_h": (code, conf, join(t_note, extra)),
        "fixed_cost_usd_per_t": (codes(code, "A01"), conf, join(c_note, extra))})

for r in read("sea.csv"):
    vals = {f: num(calc(r[f])) for f in ATTRS}
    add_segment(r, "sea", vals, {f: (r["source"], r["confidence"], join(shown(r[f], vals[f]), r["note"]))
                                 for f in ATTRS})

SEG = {s["segment_id"]: s for s in SEGMENTS}

# ---- Projects, capex and effects ------------------------------------------------------------
PROJECTS = read("projects.csv")
PROJ = {p["project_id"]: p for p in PROJECTS}
TARGET_YEAR = int(CONST["price_year"])
_cost_parts = defaultdict(list)
for r in read("project_costs.csv"):
    _cost_parts[r["project_id"]].append(r)
for p in PROJECTS:
    parts, total, notes = _cost_parts[p["project_id"]], 0.0, []
    for c in parts:
        q, u, year = calc(c["quantity"]), calc(c["unit_cost_musd"]), int(c["price_year"])
        factor = INDEX[TARGET_YEAR] / INDEX[year]
        total += q * u * factor
        esc = f" x index {INDEX[TARGET_YEAR]:g}/{INDEX[year]:g} ({year}->{TARGET_YEAR})" \
            if year != TARGET_YEAR else ""
        notes.append(f"{c['component']}: {c['quantity']} x {c['unit_cost_musd']}{esc} = "
                     f"{q * u * factor:.1f}" + (f" ({c['note']})" if c["note"] else ""))
    p["capex_musd"] = num(round(total))
    src("Projects", p["project_id"], "capex_musd", p["capex_musd"],
        codes(*(c["source"] for c in parts), "S165;A71" if any(int(c["price_year"]) != TARGET_YEAR
                                                         for c in parts) else ""),
        lowest(*(c["confidence"] for c in parts)), " + ".join(notes))

EFFECTS: dict[tuple[str, str], dict] = {}      # (project, segment) -> {field: value}
for r in read("effects.csv"):
    key = (r["project_id"], r["segment_id"])
    fields = EFFECTS.setdefault(key, {})
    if r["field"]:
        base = SEG[r["segment_id"]][r["field"]]
        v = calc(r["value"], {**CONST, "base": base if base is not None else math.nan})
        v = num(round(v, 4))
        fields[r["field"]] = v
        src("ProjectEffects", f"{key[0]}|{key[1]}", r["field"], v, r["source"], r["confidence"],
            join(shown(r["value"], v), r["note"]))

# ---- Demand ---------------------------------------------------------------------------------
GROWTH = {r["country"]: r for r in read("growth.csv")}
BASKETS = defaultdict(list)
for r in read("baskets.csv"):
    BASKETS[r["basket"]].append(r)
ENDS = defaultdict(list)
for r in read("end_sets.csv"):
    ENDS[r["end_set"]].append(r)
ALT = {(r["origin"], r["destination"]): r for r in read("alt_routes.csv")}
DEMAND: list[dict] = []
DEM_COLS = ["origin", "destination", "commodity", "base_volume_kt", "growth_pct", "elasticity",
            "alt_cost_usd_per_t", "value_usd_per_t", "value_of_time_usd_per_t_h"]


def vot_of(f: dict) -> float:
    """A flow's value of time: its own, else the Parameters one."""
    return f["value_of_time_usd_per_t_h"] or PARAM["value_of_time_usd_per_t_h"]


def blended(basket: str) -> tuple[float, str, str, str]:
    """Value per tonne of a basket: 1 / sum(value share / USD per t)."""
    items = BASKETS[basket]
    v = 1 / sum(calc(i["value_share"]) / calc(i["usd_per_t"]) for i in items)
    how = "1/(" + " + ".join(f"{i['value_share']}/{i['usd_per_t']}" for i in items) + \
        f") = {v:.0f} USD/t [" + ", ".join(i["item"] for i in items) + "]"
    return v, codes(*(i["source"] for i in items)), lowest(*(i["confidence"] for i in items)), how


for t in read("trade.csv"):
    if t["basket"]:
        v, v_code, v_conf, v_how = blended(t["basket"])
    else:
        v = calc(t["value_usd_per_t"])
        v_code, v_conf, v_how = t["value_source"] or t["source"], \
            t["value_confidence"] or t["confidence"], shown(t["value_usd_per_t"], v)
    v = round(v)
    share = calc(t["share"]) if t["share"] else 1.0
    if t["tonnes_kt"]:
        kt = calc(t["tonnes_kt"]) * share
        kt_how = f"{shown(t['tonnes_kt'], calc(t['tonnes_kt'])) or t['tonnes_kt']} kt" + (
            f" x {t['share']}" if t["share"] else "")
    else:
        kt = calc(t["value_musd"]) * 1000 / v * share
        kt_how = f"{shown(t['value_musd'], calc(t['value_musd'])) or t['value_musd']} USD m / " \
                 f"{v} USD/t" + (f" x {t['share']}" if t["share"] else "")
    a, b = t["growth_of"].split(";")
    ga, gb = GROWTH[a], GROWTH[b]
    growth = round((float(ga["growth_pct"]) + float(gb["growth_pct"])) / 2, 2)
    g_src = (codes(ga["source"], gb["source"], "A55"), lowest(ga["confidence"], gb["confidence"]),
             f"({a} {ga['growth_pct']} + {b} {gb['growth_pct']}) / 2")
    # value of time: the goods' value x the daily time cost, to the significant figures its
    # rate is known to (A03)
    vot_raw = v * CONST["daily_time_cost_share"] / 24
    vot = float(f"{vot_raw:.{int(CONST['vot_significant_figures'])}g}")
    for o in ENDS[t["origin_ends"]]:
        for d in ENDS[t["destination_ends"]]:
            so, sd = calc(o["share"]), calc(d["share"])
            rec = dict(origin=o["node"], destination=d["node"], commodity=t["commodity"],
                       base_volume_kt=round(kt * so * sd, 3), growth_pct=growth,
                       elasticity=num(calc(t["elasticity"])) if t["elasticity"] else None,
                       alt_cost_usd_per_t=None, value_usd_per_t=v, value_of_time_usd_per_t_h=vot)
            rid = f"{rec['origin']}>{rec['destination']} {rec['commodity']}"
            src("Demand", rid, "base_volume_kt", rec["base_volume_kt"],
                codes(t["source"], o["source"], d["source"]),
                lowest(t["confidence"], o["confidence"], d["confidence"]),
                join(f"{kt_how} = {kt:.1f} kt x {o['node']} {o['share']} x {d['node']} "
                     f"{d['share']}", t["note"]))
            src("Demand", rid, "growth_pct", growth, *g_src)
            src("Demand", rid, "value_usd_per_t", v, v_code, v_conf, v_how)
            src("Demand", rid, "value_of_time_usd_per_t_h", vot, codes("A03", v_code), v_conf,
                f"{v} USD/t x {CONST['daily_time_cost_share']:g} per day / 24 h = "
                f"{vot_raw:.4f}, to {CONST['vot_significant_figures']:g} significant figure(s)")
            if rec["elasticity"] is not None:
                src("Demand", rid, "elasticity", rec["elasticity"], t["elasticity_source"],
                    t["confidence"], "")
            if t["alt"] == "yes" and (rec["origin"], rec["destination"]) in ALT:
                alt = ALT[(rec["origin"], rec["destination"])]
                money, hours = calc(alt["money_usd_t"]), calc(alt["hours"])
                rec["alt_cost_usd_per_t"] = round(money + vot_of(rec) * hours, 1)
                src("Demand", rid, "alt_cost_usd_per_t", rec["alt_cost_usd_per_t"], alt["source"],
                    alt["confidence"], f"{alt['route']}: money {alt['money_usd_t']} = {money:.1f} "
                    f"USD/t + {vot_of(rec):g} USD/t-h x ({alt['hours']} = {hours:.0f} h). "
                    f"{alt['note']}")
            DEMAND.append(rec)


# ---- Parameters (after Demand: the fallback value of time uses the flows' mean value) ----------
MEAN_VALUE = sum(d["base_volume_kt"] * d["value_usd_per_t"] for d in DEMAND) / \
    sum(d["base_volume_kt"] for d in DEMAND)
PARAMETERS = []
for r in read("parameters.csv"):
    try:
        value = num(round(calc(r["value"], {**CONST, "mean_value_usd_t": MEAN_VALUE}), 4))
    except ValueError:
        value = r["value"]                       # text (objective)
    PARAMETERS.append((r["parameter"], value, r["unit"], r["description"]))
    src("Parameters", r["parameter"], "value", value, r["source"], r["confidence"],
        join(shown(r["value"], value) if not isinstance(value, str) else "", r["note"]))
PARAM = {p[0]: p[1] for p in PARAMETERS}
BASE, HORIZON = int(PARAM["base_year"]), int(PARAM["horizon_year"])

# ---- Uncertainty (spec §11): triangular distributions, on the default workbook -----------------
UNCERTAINTY = read("uncertainty.csv")
for u in UNCERTAINTY:
    for f in ("low", "mode", "high"):
        u[f] = num(calc(u[f]))
        src("Uncertainty", f"{u['quantity']}|{u['target']}", f, u[f], u["source"], u["confidence"],
            u["note"])

# ---- Programme over years (spec §9): inputs/corridors_programme.xlsx only ----------------------
PROG_SOURCES: list[tuple] = []
PROG_COLS = ["financed_share", "duration_years", "earliest_start", "open_year"]
YEARS = read("programme_years.csv")
for y in YEARS:
    y["year"], y["cap_musd"] = int(y["year"]), (num(calc(y["cap_musd"])) if y["cap_musd"] else None)
    PROG_SOURCES.append(("Years", str(y["year"]), "cap_musd", y["cap_musd"], y["source"],
                         y["confidence"], y["note"]))
PROG = {r["project_id"]: r for r in read("programme_projects.csv")}
for pid, r in PROG.items():
    for c in PROG_COLS:
        r[c] = num(calc(r[c])) if r[c] else None
        if r[c] is not None:
            PROG_SOURCES.append(("Projects", pid, c, r[c], r["source"], r["confidence"], r["note"]))
ENVELOPES = read("programme_envelopes.csv")
for e in ENVELOPES:
    for c in ("min_musd", "max_musd"):
        e[c] = num(calc(e[c])) if e[c] else None
        if e[c] is not None:
            PROG_SOURCES.append(("Envelopes", f"{e['scope']}|{e['key']}", c, e[c], e["source"],
                                 e["confidence"], e["note"]))


# ============================================================================
# Workbook
# ============================================================================
def source_text(code: str) -> str:
    """'S1;A02' -> 'S1 CPMM 2022 Pakistan (cpmm...) | assumption A02'."""
    out = []
    for tok in code.split(";"):
        if tok in REFERENCES:
            out.append(f"{tok} {REFERENCES[tok][0]} ({REFERENCES[tok][1]})")
        elif tok in ASSUMPTION_IDS:
            out.append(f"assumption {tok}")
        elif tok == "GK":
            out.append("GK (general knowledge, approximate)")
        else:
            raise ValueError(f"unknown source code {tok!r}")
    return " | ".join(out)


def used_references(sources) -> list[str]:
    used = {t for s in sources for t in s[4].split(";") if t in REFERENCES}
    used |= {t for a in ASSUMPTIONS
             for t in re.findall(r"\[([SD]\d+)\]", a["assumption"] + a["rationale"])}
    return sorted(used, key=lambda t: (t[0] != "S", int(t[1:])))


def network_sheets() -> list[tuple[str, list[str], list[list]]]:
    """The sheets the model reads, as (name, header, rows)."""
    dem_cols = [c for c in DEM_COLS if any(d[c] is not None for d in DEMAND)
                or c not in ("value_of_time_usd_per_t_h",)]
    return [
        ("Parameters", ["parameter", "value", "unit", "description"], [list(p) for p in PARAMETERS]),
        ("Nodes", ["node_id", "name", "country", "kind", "lat", "lon"],
         [[n["node_id"], n["name"], n["country"], n["kind"], num(float(n["lat"])),
           num(float(n["lon"]))] for n in NODES]),
        ("Segments", ["segment_id", "from_node", "to_node", "mode"] + ATTRS + ["status", "corridor"],
         [[s[c] for c in ["segment_id", "from_node", "to_node", "mode"] + ATTRS +
           ["status", "corridor"]] for s in SEGMENTS]),
        ("Projects", ["project_id", "name", "capex_musd", "decision", "group", "requires", "country",
                      "description"],
         [[p["project_id"], p["name"], p["capex_musd"], p["decision"], p["group"] or None,
           p["requires"] or None, p["country"], p["description"]] for p in PROJECTS]),
        ("ProjectEffects", ["project_id", "segment_id"] + ATTRS,
         [[pid, sid] + [f.get(a) for a in ATTRS] for (pid, sid), f in EFFECTS.items()]),
        ("Demand", dem_cols, [[d[c] for c in dem_cols] for d in DEMAND]),
    ]


def uncertainty_sheet() -> tuple[str, list[str], list[list]]:
    cols = ["quantity", "target", "low", "mode", "high"]
    return ("Uncertainty", cols, [[None if u[c] == "" else u[c] for c in cols] for u in UNCERTAINTY])


def programme_sheets() -> list[tuple[str, list[str], list[list]]]:
    """The default network's sheets with the programme columns on Projects, Years, Envelopes."""
    sheets = []
    for name, header, rows in network_sheets():
        if name == "Projects":
            header = header + PROG_COLS
            rows = [row + [PROG.get(row[0], {}).get(c) for c in PROG_COLS] for row in rows]
        sheets.append((name, header, rows))
    sheets.append(("Years", ["year", "cap_musd"], [[y["year"], y["cap_musd"]] for y in YEARS]))
    sheets.append(("Envelopes", ["scope", "key", "min_musd", "max_musd"],
                   [[e["scope"], e["key"], e["min_musd"], e["max_musd"]] for e in ENVELOPES]))
    return sheets


def record_sheets(sources=None) -> list[tuple[str, list[str], list[list]]]:
    sources = SOURCES if sources is None else sources
    return [
        ("Sources", ["sheet", "record_id", "field", "value", "source", "confidence", "note"],
         [[s[0], s[1], s[2], s[3], source_text(s[4]), s[5], s[6]] for s in sources]),
        ("Assumptions", ["assumption_id", "assumption", "affects", "rationale"],
         [[a["assumption_id"], a["assumption"], a["affects"], a["rationale"]] for a in ASSUMPTIONS]),
        ("References", ["ref_id", "title", "url"],
         [[t, REFERENCES[t][0], REFERENCES[t][1]] for t in used_references(sources)]),
    ]


def default_workbook() -> list:
    return network_sheets() + [uncertainty_sheet()] + record_sheets()


def programme_workbook() -> list:
    return programme_sheets() + [uncertainty_sheet()] + record_sheets(SOURCES + PROG_SOURCES)


ID_COLUMNS = {"node_id", "from_node", "to_node", "segment_id", "project_id", "requires",
              "origin", "destination", "record_id", "assumption_id", "ref_id", "parameter",
              "target", "key"}


def write_workbook(path: Path, sheets) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, header, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            clean = []
            for col, v in zip(header, row):
                if isinstance(v, str) and v.startswith("="):
                    raise ValueError(f"{name}.{col}: text starting with '=' would be a formula")
                if col in ID_COLUMNS and v is not None:
                    v = str(v)                       # ids are text, never numbers
                clean.append(v)
            ws.append(clean)
        ws.freeze_panes = "A2"
        for i, col in enumerate(header, start=1):
            width = max([len(str(col))] + [len(str(r[i - 1])) for r in rows if r[i - 1] is not None])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(10, width + 2), 70)
    wb.properties.creator = "inputs/build_default_workbook.py"
    wb.properties.title = "corridor-invest default input workbook"
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps 'modified' with the current time and the zip entries with the current
    # date: rewrite both so that rebuilding gives the same bytes.
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    src_zip = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src_zip.infolist():
            data = src_zip.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.write_bytes(out.getvalue())


# ============================================================================
# Self-check: the spec's route costs (model.md §3-4), with each flow's value of time
# ============================================================================
def gc(a: dict, vot: float) -> float:
    length = a["length_km"]
    hours = (length / a["speed_kmh"] if length > 0 else 0.0) + (a["fixed_time_h"] or 0.0)
    return length * (a["cost_usd_per_tkm"] or 0.0) + (a["fixed_cost_usd_per_t"] or 0.0) + vot * hours


def hours_of(a: dict) -> float:
    return (a["length_km"] / a["speed_kmh"] if a["length_km"] > 0 else 0.0) + (a["fixed_time_h"] or 0)


STATES: dict[str, list[tuple[str | None, dict]]] = {
    s["segment_id"]: ([(None, {a: s[a] for a in ATTRS})] if s["status"] == "open" else [])
    for s in SEGMENTS}
for (pid, sid), fields in EFFECTS.items():
    STATES[sid].append((pid, {**{a: SEG[sid][a] for a in ATTRS}, **fields}))
COMMITTED = frozenset(p["project_id"] for p in PROJECTS if p["decision"] == "committed")
CANDIDATES = [p["project_id"] for p in PROJECTS if p["decision"] == "candidate"]
_graphs: dict = {}


def graph(portfolio: frozenset | None, vot: float) -> dict:
    """node -> [(next node, gc, segment, project)]; portfolio None = every project at its best."""
    key = (portfolio, vot)
    if key not in _graphs:
        adj = defaultdict(list)
        for s in SEGMENTS:
            usable = [(gc(a, vot), pid) for pid, a in STATES[s["segment_id"]]
                      if pid is None or portfolio is None or pid in portfolio]
            if usable:
                cost, pid = min(usable, key=lambda x: x[0])
                adj[s["from_node"]].append((s["to_node"], cost, s["segment_id"], pid))
                adj[s["to_node"]].append((s["from_node"], cost, s["segment_id"], pid))
        _graphs[key] = adj
    return _graphs[key]


def route(adj: dict, o: str, d: str):
    """(cost, [(segment, project)]) of the least-cost route, or (inf, [])."""
    dist, prev, heap = {o: 0.0}, {}, [(0.0, o)]
    while heap:
        c, u = heapq.heappop(heap)
        if u == d:
            break
        if c > dist[u]:
            continue
        for v, w, sid, pid in adj[u]:
            if c + w < dist.get(v, math.inf):
                dist[v], prev[v] = c + w, (u, sid, pid)
                heapq.heappush(heap, (c + w, v))
    if d not in dist:
        return math.inf, []
    steps, n = [], d
    while n != o:
        u, sid, pid = prev[n]
        steps.append((sid, pid))
        n = u
    return dist[d], steps[::-1]


def sp(portfolio, f: dict) -> float:
    cost = route(graph(portfolio, vot_of(f)), f["origin"], f["destination"])[0]
    return min(cost, f["alt_cost_usd_per_t"] or math.inf)


C0 = None


def volume(portfolio) -> float:
    total = 0.0
    for f, c0 in zip(DEMAND, C0):
        p = f["base_volume_kt"] * (1 + f["growth_pct"] / 100) ** (HORIZON - BASE)
        total += p * (sp(portfolio, f) / c0) ** -(f["elasticity"] or PARAM["default_elasticity"])
    return total


def requires_closure(pid: str) -> set[str]:
    out, todo = set(), [pid]
    while todo:
        q = todo.pop()
        if q not in out:
            out.add(q)
            todo += [r for r in PROJ[q]["requires"].split(";") if r]
    return out


def standalone_gains() -> dict[str, tuple[float, float]]:
    """project -> (capex of its bundle, gain over do-nothing in kt/yr in the horizon year)."""
    v_dn = volume(COMMITTED)
    out = {}
    for pid in CANDIDATES:
        bundle = frozenset(requires_closure(pid)) - COMMITTED
        out[pid] = (sum(PROJ[q]["capex_musd"] for q in bundle), volume(COMMITTED | bundle) - v_dn)
    return out


def used_when_all_built() -> set[str]:
    used = set()
    for f in DEMAND:
        cost, steps = route(graph(None, vot_of(f)), f["origin"], f["destination"])
        if cost < (f["alt_cost_usd_per_t"] or math.inf):
            used |= {pid for _s, pid in steps if pid}
    return used


MULTIPLIERS = {"base_volume", "elasticity", "capex", "border_time"}


def check_uncertainty(need) -> None:
    """Spec §11: known quantities, targets that resolve, low <= mode <= high, <= 8 closures."""
    labels = {d["commodity"] for d in DEMAND}
    countries = {p["country"] for p in PROJECTS}
    borders = {s["segment_id"] for s in SEGMENTS if s["mode"] == "border"}
    seen = set()
    for u in UNCERTAINTY:
        q, t, where = u["quantity"], u["target"], f"Uncertainty {u['quantity']}|{u['target']}"
        need(q in MULTIPLIERS | {"growth_pct", "closure_days"}, f"{where}: unknown quantity")
        need((q, t) not in seen, f"{where}: twice")
        seen.add((q, t))
        need(u["low"] <= u["mode"] <= u["high"], f"{where}: not low <= mode <= high")
        if q in MULTIPLIERS:
            need(u["low"] > 0, f"{where}: a multiplier must be > 0")
        ok = {"growth_pct": not t or t in labels, "base_volume": not t or t in labels,
              "elasticity": not t or t in labels,
              "capex": not t or t in PROJ or t in countries,
              "border_time": not t or t in borders,
              "closure_days": t in SEG and 0 <= u["low"] and u["high"] <= 365}.get(q, True)
        need(ok, f"{where}: target or range out of place")
    need(sum(u["quantity"] == "closure_days" for u in UNCERTAINTY) <= 8, "more than 8 closures")


def check_programme(need) -> None:
    """Spec §9: consecutive years inside (base, horizon], shares in (0, 1], durations that
    finish within the programme, open_year on committed projects only, envelopes that match."""
    years = [y["year"] for y in YEARS]
    need(years == list(range(years[0], years[0] + len(years))), "Years not consecutive")
    need(BASE < years[0] and years[-1] <= HORIZON, "Years outside (base_year, horizon_year]")
    caps = [y["cap_musd"] for y in YEARS if y["cap_musd"] is not None]
    for pid, r in PROG.items():
        where = f"programme {pid}"
        need(pid in PROJ, f"{where}: unknown project")
        if pid not in PROJ:
            continue
        share, dur = r["financed_share"] or 1, r["duration_years"] or 1
        start = r["earliest_start"] or years[0]
        need(0 < share <= 1, f"{where}: financed_share outside (0, 1]")
        need(float(dur).is_integer() and dur >= 1, f"{where}: duration_years")
        need(start in years and start + dur - 1 <= years[-1], f"{where}: cannot finish by {years[-1]}")
        need(r["open_year"] is None or PROJ[pid]["decision"] == "committed",
             f"{where}: open_year on a project that is not committed")
        need(r["open_year"] is None or BASE < r["open_year"] <= HORIZON, f"{where}: open_year")
        if caps and PROJ[pid]["decision"] == "candidate" and \
                PROJ[pid]["capex_musd"] * share / dur > max(caps):
            print(f"note: {pid} disburses {PROJ[pid]['capex_musd'] * share / dur:,.0f} a year, "
                  f"above every yearly cap: no programme can hold it")
    for e in ENVELOPES:
        labels = {p["country" if e["scope"] == "country" else "group"] for p in PROJECTS}
        need(e["scope"] in ("country", "group") and e["key"] in labels,
             f"Envelopes {e['scope']}|{e['key']}: matches no project")
        need(e["min_musd"] is None or e["max_musd"] is None or e["min_musd"] <= e["max_musd"],
             f"Envelopes {e['key']}: min above max")


def self_check() -> dict:
    global C0
    errors: list[str] = []

    def need(cond, msg):
        if not cond:
            errors.append(msg)

    for what, ids in [("node", [n["node_id"] for n in NODES]),
                      ("segment", [s["segment_id"] for s in SEGMENTS]),
                      ("project", [p["project_id"] for p in PROJECTS]),
                      ("assumption", [a["assumption_id"] for a in ASSUMPTIONS]),
                      ("flow", [(d["origin"], d["destination"], d["commodity"]) for d in DEMAND])]:
        dup = {i for i in ids if ids.count(i) > 1}
        need(not dup, f"duplicate {what} ids: {sorted(dup)}")
    pairs = {}
    for s in SEGMENTS:
        for n in (s["from_node"], s["to_node"]):
            need(n in COUNTRY, f"segment {s['segment_id']}: unknown node {n}")
        key = frozenset((s["from_node"], s["to_node"]))
        need(len(key) == 2, f"segment {s['segment_id']} is a loop")
        need(key not in pairs, f"segments {pairs.get(key)} and {s['segment_id']} are parallel")
        pairs[key] = s["segment_id"]
        need((s["length_km"] == 0) == (s["mode"] in ("border", "transfer")),
             f"segment {s['segment_id']}: length 0 iff border/transfer")
    used_nodes = {n for s in SEGMENTS for n in (s["from_node"], s["to_node"])}
    need(used_nodes == set(COUNTRY), f"nodes on no segment: {set(COUNTRY) - used_nodes}")
    for pid, sid in EFFECTS:
        need(pid in PROJ and sid in SEG, f"effect {pid}/{sid}: unknown project or segment")
    for p in PROJECTS:
        for r in p["requires"].split(";"):
            need(not r or r in PROJ, f"project {p['project_id']} requires unknown {r}")
        need(p["decision"] in ("candidate", "must_do", "committed", "excluded"),
             f"bad decision {p['project_id']}")
        need(any(e[0] == p["project_id"] for e in EFFECTS), f"{p['project_id']} changes no segment")
        need(p["project_id"] in _cost_parts, f"{p['project_id']} has no row in project_costs.csv")
    for s in SEGMENTS:
        if s["status"] == "planned":
            need(any(e[1] == s["segment_id"] for e in EFFECTS),
                 f"planned segment {s['segment_id']} is built by no project")
    for sid, states in STATES.items():
        owners = [pid for pid, _a in states if pid]
        if set(owners) & COMMITTED:
            need(len(owners) == 1, f"committed project shares segment {sid} with {owners}")
    for d in DEMAND:
        need(d["origin"] in COUNTRY and d["destination"] in COUNTRY, f"flow {d}: unknown node")
        need(d["origin"] != d["destination"], f"flow {d}: origin = destination")
        need(d["base_volume_kt"] > 0, f"flow {d}: no volume")
    cited = {t for s in SOURCES + PROG_SOURCES for t in s[4].split(";")}
    for t in cited:
        need(t in REFERENCES or t in ASSUMPTION_IDS or t == "GK", f"unknown source code {t}")
    for s in SOURCES:
        need(s[5] in CONF_RANK, f"bad confidence {s}")
    need(not ASSUMPTION_IDS - cited, f"assumptions never cited: {sorted(ASSUMPTION_IDS - cited)}")
    refs_cited = cited | set(used_references(SOURCES + PROG_SOURCES))
    need(not set(REFERENCES) - refs_cited,
         f"references never cited: {sorted(set(REFERENCES) - refs_cited)}")
    have = {(s[0], str(s[1]), s[2]) for s in SOURCES}
    for s in SEGMENTS:
        for a in ATTRS:
            if s[a] is not None:
                need(("Segments", s["segment_id"], a) in have, f"no source: {s['segment_id']}.{a}")
    for d in DEMAND:
        rid = f"{d['origin']}>{d['destination']} {d['commodity']}"
        for a in DEM_COLS[3:]:
            if d[a] is not None:
                need(("Demand", rid, a) in have, f"no source: {rid}.{a}")
    for p in PARAMETERS:
        need(("Parameters", p[0], "value") in have, f"no source: parameter {p[0]}")

    check_uncertainty(need)
    check_programme(need)

    # costs > 0 and no project raises a cost, at the Parameters' and every flow's value of time
    vots = sorted({PARAM["value_of_time_usd_per_t_h"]} | {vot_of(d) for d in DEMAND})
    for sid, states in STATES.items():
        for pid, a in states:
            need(a["length_km"] == 0 or (a["speed_kmh"] or 0) > 0, f"{sid}/{pid}: no speed")
            for vot in vots:
                need(gc(a, vot) > 0, f"segment {sid} ({pid or 'base'}): gc <= 0 at vot {vot}")
            base = next((b for p_, b in states if p_ is None), None)
            if pid and base is not None:
                worse = [v for v in vots if gc(a, v) > gc(base, v) + 1e-9]
                need(not worse, f"project {pid} raises the cost of {sid} at vot {worse[:3]}")
    for d in DEMAND:
        need(route(graph(frozenset(), vot_of(d)), d["origin"], d["destination"])[0] < math.inf
             or d["alt_cost_usd_per_t"],
             f"flow {d['origin']}->{d['destination']} has no route today and no alt_cost")
    if errors:
        print("SELF-CHECK FAILED:")
        for e in errors:
            print("  -", e)
        sys.exit(1)

    # the data rule: every candidate is used by some flow, or says why not
    C0 = [sp(frozenset(), d) for d in DEMAND]
    gains = standalone_gains()
    used = used_when_all_built()
    for pid in CANDIDATES:
        idle = gains[pid][1] <= 1e-6 and pid not in used
        said = PROJ[pid]["description"].startswith(NO_USE)
        need(not idle or said, f"{pid} changes no modelled flow's route: its description must "
             f"start '{NO_USE} ...' and say why")
        need(idle or not said, f"{pid} is used by a modelled flow but its description says "
             f"'{NO_USE}'")
    if errors:
        print("SELF-CHECK FAILED:")
        for e in errors:
            print("  -", e)
        sys.exit(1)
    print("self-check passed: ids unique, references resolve, every number sourced, every flow "
          "routable today, all costs > 0, no project raises a cost, every candidate used or "
          "explained")
    return gains


def report(gains: dict) -> None:
    v_dn = volume(COMMITTED)
    print(f"\nTrade: today {sum(d['base_volume_kt'] for d in DEMAND):.0f} kt/yr; horizon "
          f"{HORIZON} do-nothing {v_dn:.0f} kt/yr; every project at its best "
          f"{volume(None):.0f} kt/yr (an upper bound, ignores budget and rules)")
    print(f"\nStandalone gain over do-nothing (project + what it requires), kt/yr in {HORIZON}:")
    for pid, (cost, gain) in sorted(gains.items(), key=lambda x: -x[1][1] / x[1][0]):
        print(f"  {pid:<5} {cost:7.0f} USD m  gain {gain:8.2f} kt  "
              f"{gain / cost * 1000:8.2f} kt per USD bn  {PROJ[pid]['name']}")
    kinds = defaultdict(int)
    for s in SEGMENTS:
        kinds[s["mode"]] += 1
    w = sum(d["base_volume_kt"] * d["value_usd_per_t"] for d in DEMAND) / \
        sum(d["base_volume_kt"] for d in DEMAND)
    print(f"\nVolume-weighted value {w:.0f} USD/t; counts: {len(NODES)} nodes, {len(SEGMENTS)} "
          f"segments ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; "
          f"{sum(s['status'] == 'planned' for s in SEGMENTS)} planned), {len(PROJECTS)} projects, "
          f"{sum(len(f) or 1 for f in EFFECTS.values())} effect values, {len(EFFECTS)} effect rows, "
          f"{len(DEMAND)} flows, {len(SOURCES)} source rows, {len(ASSUMPTIONS)} assumptions")


if __name__ == "__main__":
    gains = self_check()
    write_workbook(OUTPUT, default_workbook())
    write_workbook(PROGRAMME_OUTPUT, programme_workbook())
    print(f"wrote {OUTPUT} and {PROGRAMME_OUTPUT}")
    report(gains)
