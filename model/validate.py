"""Stage 2: judge the raw tables and build the immutable Instance.

Every check is a ``check_*`` function returning Problem records; all of them
run, so the user sees every problem at once. Errors stop the run (exit 2);
warnings are carried into the report.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from .config import RunConfig
from .instance import (DAYS_A_YEAR, Attributes, Decision, Effect, Envelope, Flow, Instance, Node,
                       Parameters, Problem, Project, Quantity, Segment, Uncertain, YearCap)
from .magnitudes import check_flow_volumes
from .network import build_network, flow_costs
from .preprocess import blocked_projects
from .reader import UNREADABLE, RawSheet, RawWorkbook
from .schema import (MAX_CLOSURES, PARAMETER_BY_NAME, PARAMETERS, SEGMENT_ATTRIBUTES,
                     SHEET_BY_NAME, SHEETS, Column, Parameter, normalise)


@dataclass(frozen=True)
class Record:
    """One data row with its values parsed to their types (None = blank or unusable).

    ``raw`` keeps the cells as read, so that later checks can tell a blank cell
    (worth its own message) from one already reported as unusable."""

    sheet: str
    row: int
    values: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def blank(self, key: str) -> bool:
        return self.raw.get(key) is None

    def unusable(self, key: str) -> bool:
        """The cell holds something, but it was reported and could not be used."""
        return self.values.get(key) is None and not self.blank(key)


def _problem(sheet: str, row: int | None, column: str | None, value: Any, message: str,
             severity: str = "error") -> Problem:
    return Problem(sheet, row, column, value, message, severity)  # type: ignore[arg-type]


# --- cells ---------------------------------------------------------------

def _as_number(value: Any) -> tuple[float | None, bool]:
    """(number, was_text); None when the value is not a number at all."""
    if isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        return (float(value), False) if math.isfinite(value) else (None, False)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None, True
        return (number, True) if math.isfinite(number) else (None, True)
    return None, False


def _in_range(number: float, spec: Column | Parameter) -> bool:
    if spec.minimum is not None:
        if number < spec.minimum or (spec.min_exclusive and number == spec.minimum):
            return False
    if spec.maximum is not None:
        if number > spec.maximum or (getattr(spec, "max_exclusive", False)
                                     and number == spec.maximum):
            return False
    return True


def parse_value(sheet: str, row: int, column: str, spec: Column | Parameter, value: Any,
                problems: list[Problem]) -> Any:
    """A cell's typed value, or None with a Problem when it cannot be used."""
    if value is UNREADABLE:
        return None
    if value is None:
        if spec.required:
            problems.append(_problem(sheet, row, column, None,
                                     f"blank; expected {spec.expectation()}"))
        return None
    kind = spec.kind
    if kind == "id":
        return _parse_id(sheet, row, column, value, problems)
    if kind == "raw":
        return value
    if kind == "text":
        return str(value).strip()
    if kind == "enum":
        text = str(value).strip()
        if text in spec.choices:
            return text
        folded = {c.casefold(): c for c in spec.choices}
        match = folded.get(normalise(text).replace(" ", "_"))
        if match is not None:
            problems.append(_problem(sheet, row, column, value, f"read as '{match}'", "warning"))
            return match
        problems.append(_problem(sheet, row, column, value,
                                 f"unknown value; expected {spec.expectation()}"))
        return None
    if kind == "idlist":
        parts = [p.strip() for p in _id_text(value).replace(",", ";").split(";")]
        return tuple(p for p in parts if p)
    number, was_text = _as_number(value)
    if number is None:
        problems.append(_problem(sheet, row, column, _shown(value),
                                 f"expected {spec.expectation()}"))
        return None
    if was_text:
        problems.append(_problem(sheet, row, column, value,
                                 "number stored as text; read as " + f"{number:g}", "warning"))
    if kind == "integer" and number != int(number):
        problems.append(_problem(sheet, row, column, value, f"expected {spec.expectation()}"))
        return None
    if not _in_range(number, spec):
        problems.append(_problem(sheet, row, column, value,
                                 f"out of range; expected {spec.expectation()}"))
        return None
    return int(number) if kind == "integer" else number


def _shown(value: Any) -> Any:
    """A cell value as the user would recognise it in a message (dates as typed)."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def _id_text(value: Any) -> str:
    """An id typed as a number, as the text the user sees in Excel (7, not 7.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _parse_id(sheet: str, row: int, column: str, value: Any, problems: list[Problem]) -> str | None:
    if isinstance(value, bool):
        problems.append(_problem(sheet, row, column, value, "expected a text id"))
        return None
    if isinstance(value, (dt.date, dt.time)):  # Excel turned the typed id into a date
        problems.append(_problem(sheet, row, column, _shown(value),
                                 "expected a text id, but Excel stored a date; format the"
                                 " cell as Text and type the id again"))
        return None
    if isinstance(value, (int, float)):
        text = _id_text(value)
        problems.append(_problem(sheet, row, column, value,
                                 f"id typed as a number; read as the text '{text}'", "warning"))
        return text
    text = str(value)
    if text != text.strip():
        problems.append(_problem(sheet, row, column, value,
                                 f"stray spaces around the id; read as '{text.strip()}'",
                                 "warning"))
    return text.strip()


def parse_sheet(sheet: RawSheet, problems: list[Problem]) -> list[Record]:
    out = []
    for raw in sheet.rows:
        values = {c.name: parse_value(sheet.schema.name, raw.excel_row, c.name, c,
                                      raw.cells.get(c.name), problems)
                  for c in sheet.schema.columns}
        out.append(Record(sheet.schema.name, raw.excel_row, values, dict(raw.cells)))
    return out


# --- checks ------------------------------------------------------------------

def check_parameters(records: list[Record]) -> tuple[dict[str, Any], list[Problem]]:
    """Known parameters parsed by their own type; unknown ones are warnings."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for rec in records:
        name = rec["parameter"]
        if not name:
            continue
        key = normalise(name).replace(" ", "_")
        spec = PARAMETER_BY_NAME.get(key)
        if spec is None:
            problems.append(_problem("Parameters", rec.row, "parameter", name,
                                     "unknown parameter, ignored; known: "
                                     + ", ".join(p.name for p in PARAMETERS), "warning"))
            continue
        if key in seen:
            problems.append(_problem("Parameters", rec.row, "parameter", name,
                                     f"parameter '{key}' is given twice (also row {seen[key]})"))
            continue
        seen[key] = rec.row
        if key != name:
            problems.append(_problem("Parameters", rec.row, "parameter", name,
                                     f"read as '{key}'", "warning"))
        raw_value = rec["value"]
        if raw_value is None and spec.required:
            problems.append(_problem("Parameters", rec.row, "value", None,
                                     f"blank value for {key}; expected {spec.expectation()}"))
            continue
        # Every value sits in the same column: name the parameter in the message.
        found: list[Problem] = []
        parsed = parse_value("Parameters", rec.row, "value", spec, raw_value, found)
        problems += [dataclasses.replace(p, message=f"{key}: {p.message}") for p in found]
        if parsed is not None:
            values[key] = parsed
    for spec in PARAMETERS:
        if spec.required and spec.name not in seen:
            problems.append(_problem("Parameters", None, "parameter", None,
                                     f"required parameter '{spec.name}' is missing; add a row"
                                     f" with {spec.name} and {spec.expectation()}"))
    base, horizon = values.get("base_year"), values.get("horizon_year")
    if base is not None and horizon is not None and horizon < base:
        problems.append(_problem("Parameters", seen["horizon_year"], "value", horizon,
                                 f"horizon_year must not be before base_year ({base})"))
    end = values.get("appraisal_end_year")
    if base is not None and end is not None and end <= base:
        problems.append(_problem("Parameters", seen["appraisal_end_year"], "value", end,
                                 f"appraisal_end_year must be after base_year ({base}): benefits"
                                 " start in base_year + 1"))
    return values, problems


def check_unique(records: list[Record], sheet: str, key: tuple[str, ...]) -> list[Problem]:
    """Duplicate ids (or duplicate rows for composite keys)."""
    problems: list[Problem] = []
    first: dict[tuple, int] = {}
    required = [c.name for c in SHEET_BY_NAME[sheet].columns if c.required and c.name in key]
    for rec in records:
        if any(rec[c] is None for c in required):
            continue  # a blank or unusable key is reported where it is parsed
        k = tuple(rec[c] if rec[c] is not None else "" for c in key)
        if k in first:
            what = " / ".join(str(v) for v in k if v != "")
            problems.append(_problem(sheet, rec.row, key[0], what,
                                     f"duplicate: '{what}' already on row {first[k]}"))
        else:
            first[k] = rec.row
    return problems


def check_references(records: list[Record], sheet: str, column: str, known: set[str],
                     target: str) -> list[Problem]:
    """Every referenced id must exist on its sheet. An id that differs from
    exactly one known id only in case is read as that id, with a warning
    (officials do not see 'kashgar' and 'Kashgar' as different places): the
    record is rewritten to the matched id, so later checks see one spelling."""
    folded: dict[str, list[str]] = defaultdict(list)
    for k in sorted(known):
        folded[k.casefold()].append(k)
    problems = []
    for rec in records:
        ids = rec[column]
        resolved = []
        for ref in (ids if isinstance(ids, tuple) else (ids,)):
            if ref is None or ref in known:
                resolved.append(ref)
                continue
            match = folded.get(ref.casefold(), [])
            if len(match) == 1:
                problems.append(_problem(sheet, rec.row, column, ref,
                                         f"id read as '{match[0]}' (as on sheet '{target}');"
                                         " ids are case-sensitive, please fix the case",
                                         "warning"))
                resolved.append(match[0])
                continue
            hint = f" (did you mean {' or '.join(repr(m) for m in match)}?)" if match else ""
            problems.append(_problem(sheet, rec.row, column, ref,
                                     f"unknown id '{ref}'; it is not on sheet '{target}'{hint}"))
            resolved.append(ref)
        rec.values[column] = tuple(resolved) if isinstance(ids, tuple) else resolved[0]
    return problems


def check_has_rows(raw: RawWorkbook) -> list[Problem]:
    """A sheet the model cannot do without must hold data; no projects is allowed
    (the run then reports the do-nothing case) but worth a warning."""
    problems = []
    for name in ("Nodes", "Segments", "Demand", "Projects"):
        sheet = raw.sheets.get(name)
        if sheet is not None and not sheet.rows:
            problems.append(_problem(
                name, 2, sheet.schema.columns[0].name, None,
                "no projects: the run can only report the do-nothing case" if name == "Projects"
                else "the sheet has no data rows; the model needs at least one, from row 2",
                "warning" if name == "Projects" else "error"))
    return problems


def check_self_requires(records: list[Record]) -> list[Problem]:
    """A project listed in its own requires: harmless, dropped, but a typo to show."""
    return [_problem("Projects", r.row, "requires", r["project_id"],
                     "project requires itself; ignored", "warning")
            for r in records
            if r["project_id"] is not None and r["project_id"] in (r["requires"] or ())]


def check_segment_rows(records: list[Record]) -> list[Problem]:
    """Self-loops, and speed and running cost where the segment has length."""
    problems = []
    for rec in records:
        if rec["from_node"] is not None and rec["from_node"] == rec["to_node"]:
            problems.append(_problem("Segments", rec.row, "to_node", rec["to_node"],
                                     "a segment must join two different nodes"))
        length = rec["length_km"]
        if length is None or length <= 0:
            continue
        if rec.blank("speed_kmh"):
            problems.append(_problem("Segments", rec.row, "speed_kmh", None,
                                     "blank; expected a speed > 0 because length_km > 0"))
        elif rec["speed_kmh"] == 0:
            problems.append(_problem("Segments", rec.row, "speed_kmh", 0,
                                     "expected a speed > 0 because length_km > 0"))
        if rec.blank("cost_usd_per_tkm"):
            problems.append(_problem("Segments", rec.row, "cost_usd_per_tkm", None,
                                     "blank; expected a cost >= 0 because length_km > 0"))
    return problems


def _attributes(values: dict[str, Any]) -> Attributes | None:
    """The segment attributes, or None when they cannot make a cost (already reported)."""
    length = values.get("length_km")
    if length is None:
        return None
    speed = values.get("speed_kmh")
    cost = values.get("cost_usd_per_tkm")
    if length > 0 and (not speed or cost is None):
        return None
    return Attributes(length, speed, cost or 0.0, values.get("fixed_time_h") or 0.0,
                      values.get("fixed_cost_usd_per_t") or 0.0)


def _segment_attributes(rec: Record) -> Attributes | None:
    if any(rec.unusable(a) for a in SEGMENT_ATTRIBUTES):
        return None
    return _attributes(rec.values)


@dataclass(frozen=True)
class TimeValue:
    """A value of time a segment's cost must be judged at, and whose it is."""

    usd_per_t_h: float
    demand_row: int | None = None  # None: the Parameters value

    def said(self) -> str:
        """'' for the Parameters value (the usual case), else which flow's."""
        if self.demand_row is None:
            return ""
        return (f" at the value of time {self.usd_per_t_h:g} USD/t-h of the flow on sheet"
                f" 'Demand', row {self.demand_row}")


def time_values(params: dict[str, Any], demand: list[Record]) -> list[TimeValue]:
    """The values of time at which costs are checked: the Parameters value and
    the lowest and highest of the flows' own. A generalized cost is linear in
    the value of time, so if it is positive (or not raised) at the extremes it
    is at every flow's value."""
    out = []
    vot = params.get("value_of_time_usd_per_t_h")
    if vot is not None:
        out.append(TimeValue(vot))
    own = [(r["value_of_time_usd_per_t_h"], r.row) for r in demand
           if r["value_of_time_usd_per_t_h"] is not None]
    if own:
        out += [TimeValue(v, row) for v, row in (min(own), max(own))]
    return out


def check_positive_cost(sheet: str, row: int, attrs: Attributes,
                        values: list[TimeValue]) -> list[Problem]:
    for tv in values:
        if attrs.generalized_cost(tv.usd_per_t_h) <= 0:
            return [_problem(sheet, row, "fixed_cost_usd_per_t", 0,
                             f"the generalized cost is 0{tv.said()}; give a length, a fixed"
                             " time or a fixed cost so that moving a tonne costs something")]
    return []


def check_effects(effects: list[Record], segments: dict[str, tuple[Record, Attributes | None]],
                  values: list[TimeValue]) -> tuple[list[Effect], list[Problem]]:
    """Each effect's segment as the project leaves it; none may cost more, at
    the Parameters value of time or at any flow's own (spec §3)."""
    problems: list[Problem] = []
    out: list[Effect] = []
    for rec in effects:
        seg = segments.get(rec["segment_id"])
        if seg is None or rec["project_id"] is None:
            continue
        seg_rec, base = seg
        if any(rec.unusable(a) or (rec.blank(a) and seg_rec.unusable(a))
               for a in SEGMENT_ATTRIBUTES):
            continue  # a cell it needs was reported already
        merged = {a: rec[a] if rec[a] is not None else seg_rec[a] for a in SEGMENT_ATTRIBUTES}
        if merged["length_km"] is not None and merged["length_km"] > 0:
            if not merged["speed_kmh"]:
                blank = merged["speed_kmh"] is None
                problems.append(_problem(
                    "ProjectEffects", rec.row, "speed_kmh", None if blank else 0,
                    ("blank here and on Segments" if blank else "speed 0")
                    + "; expected a speed > 0 because the segment as built has length_km > 0"))
            if merged["cost_usd_per_tkm"] is None:
                problems.append(_problem(
                    "ProjectEffects", rec.row, "cost_usd_per_tkm", None,
                    "blank here and on Segments; expected a cost >= 0 because the segment"
                    " as built has length_km > 0"))
        attrs = _attributes(merged)
        if attrs is None:
            continue
        problems += check_positive_cost("ProjectEffects", rec.row, attrs, values)
        if base is not None and seg_rec["status"] != "planned":
            problems += check_not_costlier(rec, base, attrs, values)
        out.append(Effect(rec["project_id"], rec["segment_id"], attrs))
    return out, problems


def check_not_costlier(rec: Record, base: Attributes, attrs: Attributes,
                       values: list[TimeValue]) -> list[Problem]:
    """A project may only lower a segment's generalized cost."""
    for tv in values:
        before = base.generalized_cost(tv.usd_per_t_h)
        after = attrs.generalized_cost(tv.usd_per_t_h)
        if after > before * (1 + 1e-9):
            changed = [a for a in SEGMENT_ATTRIBUTES if rec[a] is not None]
            return [_problem(
                "ProjectEffects", rec.row, changed[0] if changed else None, None,
                f"project {rec['project_id']} makes segment {rec['segment_id']} costlier"
                f"{tv.said()}: generalized cost {before:.2f} -> {after:.2f} USD/t; a project"
                " may only lower it")]
    return []


def check_committed_overlap(effects: list[Effect], decisions: dict[str, Decision],
                            rows: dict[tuple[str, str], int]) -> list[Problem]:
    """Two committed projects must not change one segment (which would apply?)."""
    by_segment: dict[str, list[str]] = defaultdict(list)
    for e in effects:
        if decisions.get(e.project_id) is Decision.COMMITTED and e.project_id not in by_segment[
                e.segment_id]:
            by_segment[e.segment_id].append(e.project_id)
    problems = []
    for seg, members in by_segment.items():
        if len(members) > 1:
            problems.append(_problem(
                "ProjectEffects", rows[(members[1], seg)], "segment_id", seg,
                f"committed projects {' and '.join(members)} both change segment {seg};"
                " make one of them a candidate or merge them"))
    return problems


def check_project_warnings(projects: list[Project], effects: list[Effect],
                           segments: list[Segment], rows: dict[str, int],
                           segment_rows: dict[str, int],
                           listed: set[tuple[str, str]]) -> list[Problem]:
    """Accepted but worth knowing: projects that do nothing or cannot be chosen,
    planned segments nobody builds. ``listed`` holds the (project, segment) pairs
    typed on ProjectEffects, so that a row dropped for an error elsewhere does
    not make its project look idle."""
    problems: list[Problem] = []
    with_effects = {p for p, _ in listed}
    decision = {p.project_id: p.decision for p in projects}
    for p in projects:
        if p.project_id not in with_effects and p.decision is not Decision.EXCLUDED:
            problems.append(_problem("Projects", rows[p.project_id], "project_id", p.project_id,
                                     "project has no rows on ProjectEffects: it changes"
                                     " nothing", "warning"))
    for pid, why in blocked_projects(projects, effects).items():
        problems.append(_problem("Projects", rows[pid], "decision", decision[pid],
                                 f"project {pid} can never be selected: {why}", "warning"))
    builders = {s for p, s in listed if decision.get(p) is not Decision.EXCLUDED}
    for s in segments:
        if s.status == "planned" and s.segment_id not in builders:
            problems.append(_problem("Segments", segment_rows[s.segment_id], "status",
                                     s.status, f"planned segment {s.segment_id} is built by no"
                                     " project (no row on ProjectEffects of a project that is"
                                     " not excluded): it is never usable", "warning"))
    return problems


def check_flows(flows: list[tuple[int, Flow]], nodes: tuple[Node, ...],
                segments: tuple[Segment, ...], default_vot: float,
                objective: str | None) -> list[Problem]:
    """Each flow needs distinct ends, a route today or an alternative, and a
    value per tonne when the objective is value."""
    problems: list[Problem] = []
    for row, f in flows:
        if f.origin == f.destination:
            problems.append(_problem("Demand", row, "destination", f.destination,
                                     "origin and destination are the same node"))
        if objective == "value" and f.value_usd_per_t is None:
            problems.append(_problem("Demand", row, "value_usd_per_t", None,
                                     "blank; expected a value per tonne because the objective"
                                     " is 'value'"))
    network = build_network(nodes, segments, ())
    vots = [default_vot if f.value_of_time is None else f.value_of_time for _, f in flows]
    costs, _ = flow_costs(network, [f for _, f in flows], vots, frozenset())
    for (row, f), c in zip(flows, costs):
        if not math.isfinite(c) and f.origin != f.destination:
            problems.append(_problem(
                "Demand", row, "alt_cost_usd_per_t", None,
                f"no route from {f.origin} to {f.destination} in today's network and no"
                " alt_cost_usd_per_t: this trade could not be moving today"))
    return problems


def check_years(records: list[Record], base: int | None, horizon: int | None
                ) -> tuple[tuple[YearCap, ...], list[Problem]]:
    """Spec §9.2: programme years consecutive, after base_year, no later than
    horizon_year."""
    problems: list[Problem] = []
    rows = sorted((r["year"], r.row, r["cap_musd"]) for r in records if r["year"] is not None)
    for (a, _, _), (b, row, _) in zip(rows, rows[1:]):
        if b != a + 1 and b != a:  # a repeated year is reported as a duplicate
            problems.append(_problem("Years", row, "year", b,
                                     f"programme years must be consecutive: {a} is followed by"
                                     f" {b}"))
    for year, row, _ in rows:
        if base is not None and year <= base or horizon is not None and year > horizon:
            problems.append(_problem("Years", row, "year", year,
                                     f"a programme year must be after base_year ({base}) and"
                                     f" no later than horizon_year ({horizon})"))
    return tuple(YearCap(y, cap) for y, _, cap in rows), problems


def check_programme_columns(records: list[Record], years: tuple[YearCap, ...],
                            base: int | None, horizon: int | None) -> list[Problem]:
    """duration_years, earliest_start and open_year fit the programme; without
    a Years sheet they mean nothing (a warning)."""
    problems: list[Problem] = []
    columns = ("duration_years", "earliest_start", "open_year")
    if not years:
        for rec in records:
            given = [c for c in columns if rec[c] is not None
                     and not (c == "duration_years" and rec[c] == 1)]
            if given:
                problems.append(_problem("Projects", rec.row, given[0], rec[given[0]],
                                         "ignored: the workbook has no Years sheet, so there is"
                                         " no programme over years", "warning"))
        return problems
    first, last = years[0].year, years[-1].year
    for rec in records:
        decision = Decision(rec["decision"] or Decision.CANDIDATE)
        start, duration = rec["earliest_start"], rec["duration_years"] or 1
        if start is not None and not first <= start <= last:
            problems.append(_problem("Projects", rec.row, "earliest_start", start,
                                     f"earliest_start must be a programme year ({first}-{last})"))
        begin = start if start is not None and first <= start <= last else first
        if decision in (Decision.CANDIDATE, Decision.MUST_DO) and begin + duration - 1 > last:
            problems.append(_problem(
                "Projects", rec.row, "duration_years", duration,
                f"started in {begin}, a {duration}-year build ends in {begin + duration - 1},"
                f" after the last programme year {last}: it cannot finish within the"
                " programme"))
        opened = rec["open_year"]
        if opened is None:
            continue
        if decision is not Decision.COMMITTED:
            problems.append(_problem("Projects", rec.row, "open_year", opened,
                                     f"open_year is for committed projects only; this one is"
                                     f" {decision}"))
        elif base is not None and opened <= base or horizon is not None and opened > horizon:
            problems.append(_problem("Projects", rec.row, "open_year", opened,
                                     f"open_year must be after base_year ({base}) and no later"
                                     f" than horizon_year ({horizon})"))
    return problems


def check_envelopes(records: list[Record], projects: list[Project]
                    ) -> tuple[tuple[Envelope, ...], list[Problem]]:
    """Spec §9.1: a key must match some project's country or group; min <= max."""
    problems: list[Problem] = []
    out = []
    for rec in records:
        scope, key = rec["scope"], rec["key"]
        if scope is None or key is None:
            continue
        labels = sorted({p.country if scope == "country" else p.group for p in projects} - {""})
        if key not in labels:
            problems.append(_problem("Envelopes", rec.row, "key", key,
                                     f"no project has {scope} '{key}'; known: "
                                     + (", ".join(labels) or "none")))
            continue
        low, high = rec["min_musd"] or 0.0, rec["max_musd"]
        if high is not None and low > high:
            problems.append(_problem("Envelopes", rec.row, "min_musd", low,
                                     f"min_musd is above max_musd ({high:g})"))
            continue
        out.append(Envelope(scope, key, low, high))
    return tuple(out), problems


DEMAND_QUANTITIES = (Quantity.GROWTH, Quantity.BASE_VOLUME, Quantity.ELASTICITY)


def check_uncertainty(records: list[Record], demand: list[Record], projects: list[Project],
                      segments: list[Segment]) -> tuple[tuple[Uncertain, ...], list[Problem]]:
    """Spec §11: low <= mode <= high; a target the quantity can reach; values
    a draw can use (multipliers > 0, growth above -100 %, closures within a
    year); at most MAX_CLOSURES closure rows."""
    problems: list[Problem] = []
    out: list[Uncertain] = []
    closures = 0
    for rec in records:
        quantity, low, mode, high = (rec[c] for c in ("quantity", "low", "mode", "high"))
        if None in (quantity, low, mode, high):
            continue  # reported where parsed
        quantity = Quantity(quantity)
        target = rec["target"] or ""
        if not low <= mode <= high:
            column = "mode" if mode < low else "high"
            problems.append(_problem("Uncertainty", rec.row, column, rec[column],
                                     f"expected low <= mode <= high (low {low:g}, mode"
                                     f" {mode:g}, high {high:g})"))
            continue
        found = _check_target(rec.row, quantity, target, demand, projects, segments)
        found += _check_range(rec.row, quantity, target, low, high, demand)
        if quantity is Quantity.CLOSURE:
            closures += 1
            if closures > MAX_CLOSURES:
                found.append(_problem("Uncertainty", rec.row, "quantity", str(quantity),
                                      f"at most {MAX_CLOSURES} closure_days rows are allowed"
                                      f" (each doubles the network states a draw weighs);"
                                      f" this is number {closures}"))
        problems += found
        if not found:
            out.append(Uncertain(quantity, target, low, mode, high))
    return tuple(out), problems


def _check_target(row: int, quantity: Quantity, target: str, demand: list[Record],
                  projects: list[Project], segments: list[Segment]) -> list[Problem]:
    """What a row's target may name, by quantity (spec §11)."""
    def wrong(message: str) -> list[Problem]:
        return [_problem("Uncertainty", row, "target", target or None, message)]

    if quantity in DEMAND_QUANTITIES:
        labels = sorted({r["commodity"] for r in demand if r["commodity"]})
        if target and target not in labels:
            return wrong(f"no flow on Demand has commodity '{target}'; {quantity} takes a"
                         " commodity or a blank (all flows); known: "
                         + (", ".join(labels) or "none"))
    elif quantity is Quantity.CAPEX:
        countries = sorted({p.country for p in projects} - {""})
        if target and target not in {p.project_id for p in projects} | set(countries):
            return wrong(f"'{target}' is neither a project_id nor a country on Projects;"
                         " capex takes either, or a blank (all projects); countries: "
                         + (", ".join(countries) or "none"))
    else:
        modes = {s.segment_id: s.mode for s in segments}
        if quantity is Quantity.CLOSURE and not target:
            return wrong("blank; closure_days needs the segment_id of the segment that"
                         " closes")
        if target and target not in modes:
            return wrong(f"unknown segment '{target}'; it is not on sheet 'Segments'")
        if quantity is Quantity.BORDER_TIME and target and modes[target] != "border":
            return wrong(f"segment {target} is a {modes[target]} segment; border_time"
                         " applies to border segments (mode border), or a blank for all")
    return []


def _check_range(row: int, quantity: Quantity, target: str, low: float, high: float,
                 demand: list[Record]) -> list[Problem]:
    """Values a draw can apply: a multiplier > 0, a growth that stays above
    -100 % a year on every flow it reaches, closure days within [0, 365]."""
    if quantity.multiplier and low <= 0:
        return [_problem("Uncertainty", row, "low", low,
                         f"{quantity} is a multiplier; expected low > 0")]
    if quantity is Quantity.CLOSURE and (low < 0 or high > DAYS_A_YEAR):
        column, value = ("low", low) if low < 0 else ("high", high)
        return [_problem("Uncertainty", row, column, value,
                         f"closure_days must lie within [0, {DAYS_A_YEAR:g}]")]
    if quantity is Quantity.GROWTH:
        reached = [r["growth_pct"] or 0.0 for r in demand
                   if not target or r["commodity"] == target]
        if reached and min(reached) + low <= -100:
            return [_problem("Uncertainty", row, "low", low,
                             f"adds {low:g} points to a growth of {min(reached):g} % a year:"
                             " growth must stay above -100 %")]
    return []


# --- assembly -----------------------------------------------------------------

def validate(raw: RawWorkbook
             ) -> tuple[Instance | None, RunConfig | None, tuple[Problem, ...]]:
    """The Instance and the Parameters sheet's run settings, or None for both
    when any error was found; all problems either way."""
    problems: list[Problem] = list(raw.problems)
    tables = {name: parse_sheet(sheet, problems) for name, sheet in raw.sheets.items()}
    problems += check_has_rows(raw)
    if any(s.name not in tables for s in SHEETS if not s.optional):
        return None, None, tuple(problems + _check_keys(tables))

    params, p_problems = check_parameters(tables["Parameters"])
    problems += p_problems
    values = time_values(params, tables["Demand"])

    node_ids = {r["node_id"] for r in tables["Nodes"] if r["node_id"] is not None}
    problems += check_references(tables["Segments"], "Segments", "from_node", node_ids, "Nodes")
    problems += check_references(tables["Segments"], "Segments", "to_node", node_ids, "Nodes")
    problems += check_segment_rows(tables["Segments"])
    segment_recs = {}
    for r in tables["Segments"]:
        if r["segment_id"] is not None and r["segment_id"] not in segment_recs:
            segment_recs[r["segment_id"]] = (r, _segment_attributes(r))
    project_ids = {r["project_id"] for r in tables["Projects"] if r["project_id"] is not None}
    problems += check_references(tables["Projects"], "Projects", "requires", project_ids,
                                 "Projects")
    problems += check_references(tables["ProjectEffects"], "ProjectEffects", "project_id",
                                 project_ids, "Projects")
    problems += check_references(tables["ProjectEffects"], "ProjectEffects", "segment_id",
                                 set(segment_recs), "Segments")
    problems += check_references(tables["Demand"], "Demand", "origin", node_ids, "Nodes")
    problems += check_references(tables["Demand"], "Demand", "destination", node_ids, "Nodes")
    problems += _check_keys(tables)  # after references: keys may hold ids read in another case
    problems += check_self_requires(tables["Projects"])

    nodes = tuple(Node(r["node_id"], r["name"] or r["node_id"], r["country"] or "",
                       r["kind"] or "", r["lat"], r["lon"])
                  for r in tables["Nodes"] if r["node_id"] is not None)
    segments: list[Segment] = []
    for sid, (r, attrs) in segment_recs.items():
        if attrs is None or r["from_node"] not in node_ids or r["to_node"] not in node_ids \
                or r["mode"] is None:
            continue
        problems += check_positive_cost("Segments", r.row, attrs, values)
        segments.append(Segment(sid, r["from_node"], r["to_node"], r["mode"], attrs,
                                r["status"] or "open", r["corridor"] or ""))
    project_rows = {}
    projects: list[Project] = []
    for r in tables["Projects"]:
        pid = r["project_id"]
        if pid is None or pid in project_rows or r["capex_musd"] is None:
            continue
        project_rows[pid] = r.row
        projects.append(Project(pid, r["name"] or pid, r["capex_musd"],
                                r["decision"] or Decision.CANDIDATE, r["group"] or "",
                                tuple(q for q in (r["requires"] or ()) if q != pid),
                                r["country"] or "", r["description"] or "",
                                r["financed_share"] or 1.0, r["duration_years"] or 1,
                                r["earliest_start"], r["open_year"]))
    years, y_problems = check_years(tables.get("Years", []), params.get("base_year"),
                                    params.get("horizon_year"))
    problems += y_problems
    problems += check_programme_columns(tables["Projects"], years, params.get("base_year"),
                                        params.get("horizon_year"))
    envelopes, env_problems = check_envelopes(tables.get("Envelopes", []), projects)
    problems += env_problems
    uncertainty, u_problems = check_uncertainty(tables.get("Uncertainty", []),
                                                tables["Demand"], projects, segments)
    problems += u_problems
    effect_recs = [r for r in tables["ProjectEffects"] if r["project_id"] in project_ids]
    effects, e_problems = check_effects(effect_recs, segment_recs, values)
    problems += e_problems
    seen_effects: set[tuple[str, str]] = set()
    unique_effects = []
    for e in effects:
        if (e.project_id, e.segment_id) not in seen_effects:
            seen_effects.add((e.project_id, e.segment_id))
            unique_effects.append(e)
    effect_rows = {(r["project_id"], r["segment_id"]): r.row for r in effect_recs}
    decisions = {p.project_id: p.decision for p in projects}
    problems += check_committed_overlap(unique_effects, decisions, effect_rows)
    problems += check_project_warnings(projects, unique_effects, segments, project_rows,
                                       {sid: r.row for sid, (r, _) in segment_recs.items()},
                                       {(r["project_id"], r["segment_id"])
                                        for r in tables["ProjectEffects"]})

    if _has_errors(problems) or len(params) < sum(p.required for p in PARAMETERS):
        return None, None, tuple(problems)

    def value(name: str) -> Any:
        return params.get(name, PARAMETER_BY_NAME[name].default)

    parameters = Parameters(
        base_year=params["base_year"], horizon_year=params["horizon_year"],
        value_of_time=params["value_of_time_usd_per_t_h"],
        default_elasticity=params["default_elasticity"], objective=value("objective"),
        appraisal_discount_pct=value("appraisal_discount_pct"),
        appraisal_end_year=params.get("appraisal_end_year"),
        discount_rate_pct=value("discount_rate_pct"))
    config = RunConfig(budget_musd=params["budget_musd"], time_limit_s=value("time_limit_s"),
                       mip_gap=value("mip_gap"), gain_gap=value("gain_gap"),
                       pwl_tolerance=value("pwl_tolerance"), formulation=value("formulation"))
    flows = [(r.row, Flow(r["origin"], r["destination"], r["commodity"] or "",
                          r["base_volume_kt"], r["growth_pct"] or 0.0,
                          r["elasticity"] or parameters.default_elasticity,
                          r["alt_cost_usd_per_t"], r["value_usd_per_t"],
                          r["value_of_time_usd_per_t_h"]))
             for r in tables["Demand"]]
    problems += check_flow_volumes(flows, parameters)
    if _has_errors(problems):
        return None, None, tuple(problems)
    problems += check_flows(flows, nodes, tuple(segments), parameters.value_of_time,
                            parameters.objective)
    if _has_errors(problems):
        return None, None, tuple(problems)
    warnings = tuple(p for p in problems if p.severity == "warning")
    return (Instance(parameters, nodes, tuple(segments), tuple(projects),
                     tuple(unique_effects), tuple(f for _, f in flows), warnings, years,
                     envelopes, uncertainty), config, tuple(problems))


def _check_keys(tables: dict[str, list[Record]]) -> list[Problem]:
    """Duplicate ids and rows on every data sheet (Parameters checks its own)."""
    problems: list[Problem] = []
    for name, records in tables.items():
        key = SHEET_BY_NAME[name].key
        if key and name != "Parameters":
            problems += check_unique(records, name, key)
    return problems


def _has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
