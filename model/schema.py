"""The input workbook's schema: one definition that drives reading, validation,
the template and the docs, so the three cannot drift apart (spec §3)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .config import Formulation
from .instance import Decision, Quantity

Kind = Literal["id", "text", "number", "integer", "enum", "idlist", "raw"]


@dataclass(frozen=True)
class Column:
    """One column of a data sheet.

    ``required`` means a blank cell is an error; ``needed`` means the column
    itself must be present (a column of optional cells may be left out).
    Ranges are checked as ``minimum <= v`` (or ``<`` when ``min_exclusive``).
    """

    name: str
    kind: Kind
    unit: str = ""
    description: str = ""
    required: bool = False
    needed: bool = False
    minimum: float | None = None
    min_exclusive: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    refers_to: str | None = None  # sheet whose ids this column holds

    def expectation(self) -> str:
        """What a valid cell holds, in words an official can act on."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        if self.kind in ("id", "text"):
            return "a text id" if self.kind == "id" else "text"
        if self.kind == "idlist":
            return "project ids separated by ';'"
        what = "a whole number" if self.kind == "integer" else "a number"
        bounds = []
        if self.minimum is not None:
            bounds.append(("> " if self.min_exclusive else ">= ") + _fmt(self.minimum))
        if self.maximum is not None:
            bounds.append("<= " + _fmt(self.maximum))
        return what + (" " + " and ".join(bounds) if bounds else "")


@dataclass(frozen=True)
class Sheet:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that identify a row (duplicates are errors)
    optional: bool = False  # a workbook may leave the sheet out (spec §9, §11)


@dataclass(frozen=True)
class Parameter:
    """One row of the Parameters sheet."""

    name: str
    kind: Kind
    unit: str
    description: str
    required: bool
    default: float | str | None = None
    minimum: float | None = None
    min_exclusive: bool = False
    maximum: float | None = None
    max_exclusive: bool = False
    choices: tuple[str, ...] = ()

    def expectation(self) -> str:
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        what = "a whole number" if self.kind == "integer" else "a number"
        bounds = []
        if self.minimum is not None:
            bounds.append(("> " if self.min_exclusive else ">= ") + _fmt(self.minimum))
        if self.maximum is not None:
            bounds.append(("< " if self.max_exclusive else "<= ") + _fmt(self.maximum))
        return what + (" " + " and ".join(bounds) if bounds else "")


def _fmt(x: float) -> str:
    return f"{x:g}"


MODES = ("road", "rail", "border", "transfer", "sea")
STATUSES = ("open", "planned")
DECISIONS = tuple(d.value for d in Decision)
ENVELOPE_SCOPES = ("country", "group")
NODE_KINDS = ("city", "port", "border", "hub", "terminal")
OBJECTIVES = ("volume", "value")
FORMULATIONS = tuple(f.value for f in Formulation)
QUANTITIES = tuple(q.value for q in Quantity)
MAX_CLOSURES = 8  # closure_days rows: each doubles the network states a draw weighs (spec §11)

# Beyond any real value, and beyond what the volume curve V0 * (C0/C)^e can
# compute: an elasticity of 1000 overflows, and hangs the solver well before;
# at 20 a halved cost multiplies a flow by a million.
MAX_ELASTICITY = 10  # published trade-cost elasticities are 1-8
MAX_VALUE_OF_TIME = 1000  # USD per tonne-hour; freight is valued at 0.1-10

# The five segment attributes a project may change; they also form the
# generalized cost (spec §3).
SEGMENT_ATTRIBUTES = (
    "length_km",
    "speed_kmh",
    "cost_usd_per_tkm",
    "fixed_time_h",
    "fixed_cost_usd_per_t",
)

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("budget_musd", "number", "USD million",
              "Financing envelope; --budget overrides it", True, minimum=0),
    Parameter("base_year", "integer", "year", "Year of the base trade volumes", True,
              minimum=1900, maximum=2200),
    Parameter("horizon_year", "integer", "year",
              "Year whose trade volume is maximised (>= base_year)", True,
              minimum=1900, maximum=2200),
    Parameter("value_of_time_usd_per_t_h", "number", "USD per tonne-hour",
              "Converts hours into USD per tonne", True, minimum=0, maximum=MAX_VALUE_OF_TIME),
    Parameter("default_elasticity", "number", "-",
              "Elasticity of trade volume to generalized cost, used where Demand leaves it blank",
              True, minimum=0, min_exclusive=True, maximum=MAX_ELASTICITY),
    Parameter("mip_gap", "number", "fraction", "Relative optimality gap of the solver",
              False, default=0.001, minimum=0, maximum=1, max_exclusive=True),
    Parameter("gain_gap", "number", "fraction",
              "Largest share of the achievable gain the proven bound may leave open; the"
              " solver stops only when both this and mip_gap hold", False, default=0.005,
              minimum=0, maximum=1, max_exclusive=True),
    Parameter("time_limit_s", "number", "s", "Solver time limit", False, default=300.0,
              minimum=0, min_exclusive=True),
    Parameter("pwl_tolerance", "number", "fraction",
              "Largest relative error of the piecewise-linear volume curve", False,
              default=0.002, minimum=0, min_exclusive=True, maximum=0.5),
    Parameter("objective", "enum", "-",
              "volume (kt/yr) or value (USD million/yr, each flow weighted by value_usd_per_t)",
              False, default="volume", choices=OBJECTIVES),
    Parameter("discount_rate_pct", "number", "% per year",
              "Discount rate weighting the years of a programme's cumulative trade (blank = 0:"
              " plain cumulative kt)", False, default=0.0, minimum=0),
    Parameter("appraisal_discount_pct", "number", "% per year",
              "Discount rate of the economic appraisal (NPV, BCR)", False, default=12.0,
              minimum=0),
    Parameter("appraisal_end_year", "integer", "year",
              "Last year of the economic appraisal (blank = horizon_year + 20); after the"
              " horizon, volumes stay at the horizon's", False, minimum=1900, maximum=2300),
    Parameter("formulation", "enum", "-",
              "paths (default: route options by column generation, exact volumes) or arc"
              " (the spec's arc flows with a piecewise-linear volume curve)", False,
              default="auto", choices=FORMULATIONS),
)

_ATTR_COLUMNS = {
    "length_km": Column("length_km", "number", "km", "Length; 0 for a border crossing or transfer",
                        minimum=0),
    "speed_kmh": Column("speed_kmh", "number", "km/h",
                        "Average speed; needed (> 0) when length_km > 0", minimum=0),
    "cost_usd_per_tkm": Column("cost_usd_per_tkm", "number", "USD per tonne-km",
                               "Running cost per tonne-km", minimum=0),
    "fixed_time_h": Column("fixed_time_h", "number", "h",
                           "Dwell time: border clearance, transfer, port (blank = 0)", minimum=0),
    "fixed_cost_usd_per_t": Column("fixed_cost_usd_per_t", "number", "USD per tonne",
                                   "Fees and handling per tonne (blank = 0)", minimum=0),
}

SHEETS: tuple[Sheet, ...] = (
    Sheet("Parameters", "Model settings, one per row", (
        Column("parameter", "text", "", "Parameter name", required=True, needed=True),
        Column("value", "raw", "", "Its value", needed=True),
        Column("unit", "text", "", "Unit (for reading only)"),
        Column("description", "text", "", "What it means (for reading only)"),
    ), key=("parameter",)),
    Sheet("Nodes", "Places: cities, ports, border posts, hubs, rail terminals", (
        Column("node_id", "id", "", "Unique id", required=True, needed=True),
        Column("name", "text", "", "Name shown in reports (blank = id)"),
        Column("country", "text", "", "Country"),
        Column("kind", "enum", "", "Kind of place", choices=NODE_KINDS),
        Column("lat", "number", "degrees", "Latitude (for the map)", minimum=-90, maximum=90),
        Column("lon", "number", "degrees", "Longitude (for the map)", minimum=-180,
               maximum=180),
    ), key=("node_id",)),
    Sheet("Segments", "Links of the network, usable both ways", (
        Column("segment_id", "id", "", "Unique id", required=True, needed=True),
        Column("from_node", "id", "", "One end (a node_id)", required=True, needed=True,
               refers_to="Nodes"),
        Column("to_node", "id", "", "Other end (a node_id)", required=True, needed=True,
               refers_to="Nodes"),
        Column("mode", "enum", "", "Mode", required=True, needed=True, choices=MODES),
        Column("length_km", "number", "km", "Length; 0 for a border crossing or transfer",
               required=True, needed=True, minimum=0),
        _ATTR_COLUMNS["speed_kmh"],
        _ATTR_COLUMNS["cost_usd_per_tkm"],
        _ATTR_COLUMNS["fixed_time_h"],
        _ATTR_COLUMNS["fixed_cost_usd_per_t"],
        Column("status", "enum", "", "open, or planned (exists only once a project builds it);"
               " blank = open", choices=STATUSES),
        Column("corridor", "text", "", "Label for reports"),
    ), key=("segment_id",)),
    Sheet("Projects", "Candidate, must-do, committed and excluded projects", (
        Column("project_id", "id", "", "Unique id", required=True, needed=True),
        Column("name", "text", "", "Name shown in reports (blank = id)"),
        Column("capex_musd", "number", "USD million", "Capital cost", required=True,
               needed=True, minimum=0),
        Column("decision", "enum", "", "candidate (blank), must_do, committed or excluded",
               choices=DECISIONS),
        Column("group", "text", "", "Projects sharing a group label are alternatives"),
        Column("requires", "idlist", "", "Project ids (separated by ';') needed with this one",
               refers_to="Projects"),
        Column("country", "text", "", "Country"),
        Column("description", "text", "", "What it does"),
        Column("financed_share", "number", "fraction",
               "Share of capex the financier pays (blank = 1); partners pay the rest",
               minimum=0, min_exclusive=True, maximum=1),
        Column("duration_years", "integer", "years",
               "Years of construction in a programme (blank = 1)", minimum=1, maximum=50),
        Column("earliest_start", "integer", "year",
               "First programme year it may start in (blank = the first)", minimum=1900,
               maximum=2300),
        Column("open_year", "integer", "year",
               "Committed projects in a programme: the year it opens (blank = the first"
               " programme year)", minimum=1900, maximum=2300),
    ), key=("project_id",)),
    Sheet("ProjectEffects", "What each project changes: one row per project and segment", (
        Column("project_id", "id", "", "Project (a project_id)", required=True, needed=True,
               refers_to="Projects"),
        Column("segment_id", "id", "", "Segment it changes or builds (a segment_id)",
               required=True, needed=True, refers_to="Segments"),
        *(_ATTR_COLUMNS[a] for a in SEGMENT_ATTRIBUTES),
    ), key=("project_id", "segment_id")),
    Sheet("Demand", "Directed trade flows", (
        Column("origin", "id", "", "Origin node", required=True, needed=True,
               refers_to="Nodes"),
        Column("destination", "id", "", "Destination node", required=True, needed=True,
               refers_to="Nodes"),
        Column("commodity", "text", "", "Label (optional)"),
        Column("base_volume_kt", "number", "kt/yr", "Trade in the base year", required=True,
               needed=True, minimum=0),
        Column("growth_pct", "number", "% per year", "Growth to the horizon year (blank = 0)",
               minimum=-100, min_exclusive=True),
        Column("elasticity", "number", "-", "Elasticity to generalized cost (blank = default)",
               minimum=0, min_exclusive=True, maximum=MAX_ELASTICITY),
        Column("alt_cost_usd_per_t", "number", "USD per tonne",
               "Generalized cost of the best route outside the network (blank = none)",
               minimum=0, min_exclusive=True),
        Column("value_usd_per_t", "number", "USD per tonne", "Value of the goods",
               minimum=0),
        Column("value_of_time_usd_per_t_h", "number", "USD per tonne-hour",
               "This flow's value of time (blank = the Parameters value)", minimum=0),
    ), key=("origin", "destination", "commodity")),
    Sheet("Envelopes", "Optional: financed capex by country or group within [min, max]", (
        Column("scope", "enum", "", "country or group", required=True, needed=True,
               choices=ENVELOPE_SCOPES),
        Column("key", "text", "", "The country or group label, as on Projects", required=True,
               needed=True),
        Column("min_musd", "number", "USD million", "At least this (blank = 0)", minimum=0),
        Column("max_musd", "number", "USD million", "At most this (blank = no limit)",
               minimum=0),
    ), key=("scope", "key"), optional=True),
    Sheet("Years", "Optional: a programme over years, one row per year with its cap", (
        Column("year", "integer", "year", "A programme year (consecutive, after base_year)",
               required=True, needed=True, minimum=1900, maximum=2300),
        Column("cap_musd", "number", "USD million",
               "Most the financier disburses that year (blank = no yearly limit)", minimum=0),
    ), key=("year",), optional=True),
    Sheet("Uncertainty", "Optional: triangular ranges that scenario draws sample"
          " (--scenarios)", (
        Column("quantity", "enum", "", "growth_pct (percentage points added), base_volume,"
               " elasticity, capex, border_time (multipliers) or closure_days (days a year"
               " the segment is closed)", required=True, needed=True, choices=QUANTITIES),
        Column("target", "id", "", "Blank = all; a commodity (growth_pct, base_volume,"
               " elasticity), a project_id or country (capex), a border segment_id"
               " (border_time), a segment_id (closure_days: required)"),
        Column("low", "number", "", "Lowest value", required=True, needed=True),
        Column("mode", "number", "", "Most likely value", required=True, needed=True),
        Column("high", "number", "", "Highest value", required=True, needed=True),
    ), key=("quantity", "target"), optional=True),
)

SHEET_BY_NAME = {s.name: s for s in SHEETS}
PARAMETER_BY_NAME = {p.name: p for p in PARAMETERS}


def normalise(label: object) -> str:
    """How headers, sheet and parameter names are compared: trimmed, any
    run of spaces (NBSP included) as one underscore-free space, case folded."""
    text = str(label).replace("\u00a0", " ").strip()
    return " ".join(text.split()).casefold()
