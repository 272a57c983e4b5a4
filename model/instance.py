"""The immutable instance that passes from validation to every later stage."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from enum import Enum
from typing import Literal

Severity = Literal["error", "warning"]


class Decision(str, Enum):
    """What the model may do with a project (spec §3)."""

    CANDIDATE = "candidate"  # the model decides; capex counts against the budget
    MUST_DO = "must_do"  # selected; capex counts
    COMMITTED = "committed"  # funded elsewhere: always in, capex does not count
    EXCLUDED = "excluded"  # ignored

    def __str__(self) -> str:
        return self.value

    @property
    def selectable(self) -> bool:
        """A decision the financier pays for and the model (or the user) selects."""
        return self in (Decision.CANDIDATE, Decision.MUST_DO)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about the input, located for the user."""

    sheet: str
    row: int | None
    column: str | None
    value: object
    message: str
    severity: Severity = "error"

    def where(self) -> str:
        parts = [f"sheet '{self.sheet}'"] if self.sheet else []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        got = "" if self.value is None or self.value == "" else f" (found: {self.value!r})"
        where = self.where()
        return f"{where[0].upper() + where[1:]}: {self.message}{got}" if where else self.message


@dataclass(frozen=True)
class Parameters:
    """What the model means (spec §3 Parameters); how a run is solved lives in
    config.RunConfig, apart from the data."""

    base_year: int
    horizon_year: int
    value_of_time: float
    default_elasticity: float
    objective: str = "volume"
    appraisal_discount_pct: float = 12.0
    discount_rate_pct: float = 0.0  # weights the years of a programme's objective (spec §9.2)
    appraisal_end_year: int | None = None  # None: horizon_year + 20

    def appraisal_end(self, first_year: int) -> int:
        """Last appraisal year: as given, else 20 years after the horizon, and
        never before the first year of benefits."""
        end = self.horizon_year + 20 if self.appraisal_end_year is None else self.appraisal_end_year
        return max(end, first_year)


@dataclass(frozen=True)
class Attributes:
    """The five attributes that make a segment's generalized cost."""

    length_km: float
    speed_kmh: float | None
    cost_usd_per_tkm: float
    fixed_time_h: float
    fixed_cost_usd_per_t: float

    def generalized_cost(self, value_of_time: float) -> float:
        """USD per tonne (spec §3)."""
        return self.money() + value_of_time * self.hours()

    def money(self) -> float:
        """Running cost and fees, USD per tonne."""
        return self.length_km * self.cost_usd_per_tkm + self.fixed_cost_usd_per_t

    def hours(self) -> float:
        """Running and dwell time; running time is 0 on a zero-length segment."""
        running_h = self.length_km / self.speed_kmh if self.length_km > 0 else 0.0
        return running_h + self.fixed_time_h


@dataclass(frozen=True)
class Node:
    node_id: str
    name: str
    country: str = ""
    kind: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Segment:
    segment_id: str
    from_node: str
    to_node: str
    mode: str
    attributes: Attributes
    status: str = "open"
    corridor: str = ""


@dataclass(frozen=True)
class Project:
    project_id: str
    name: str
    capex_musd: float
    decision: Decision = Decision.CANDIDATE
    group: str = ""
    requires: tuple[str, ...] = ()
    country: str = ""
    description: str = ""
    financed_share: float = 1.0  # share of capex the financier pays (spec §9.1)
    duration_years: int = 1  # years of construction (programme only)
    earliest_start: int | None = None  # a programme year; None: the first
    open_year: int | None = None  # committed projects in a programme; None: the first year

    def __post_init__(self) -> None:
        object.__setattr__(self, "decision", Decision(self.decision))

    @property
    def financed_musd(self) -> float:
        """What counts against the budget, the caps and the envelopes."""
        return self.capex_musd * self.financed_share

    @property
    def partner_musd(self) -> float:
        return self.capex_musd - self.financed_musd


@dataclass(frozen=True)
class Effect:
    """A project's version of one segment: the attributes once it is built."""

    project_id: str
    segment_id: str
    attributes: Attributes


@dataclass(frozen=True)
class Flow:
    origin: str
    destination: str
    commodity: str
    base_volume_kt: float
    growth_pct: float
    elasticity: float
    alt_cost: float | None
    value_usd_per_t: float | None
    value_of_time: float | None = None  # USD per tonne-hour; None: the Parameters value

    @property
    def label(self) -> str:
        c = f" ({self.commodity})" if self.commodity else ""
        return f"{self.origin} -> {self.destination}{c}"


@dataclass(frozen=True)
class YearCap:
    """A programme year and the most the financier disburses in it (spec §9.2)."""

    year: int
    cap_musd: float | None = None  # None: no yearly limit


@dataclass(frozen=True)
class Envelope:
    """Financed capex of the selected projects with a country or group label
    within [min, max] (spec §9.1)."""

    scope: str  # "country" or "group"
    key: str
    min_musd: float = 0.0
    max_musd: float | None = None  # None: no limit

    def covers(self, project: Project) -> bool:
        label = project.country if self.scope == "country" else project.group
        return label == self.key

    @property
    def label(self) -> str:
        return f"{self.scope} {self.key}"


DAYS_A_YEAR = 365.0  # closure_days / DAYS_A_YEAR is the share of the year a segment is closed


class Quantity(str, Enum):
    """What an Uncertainty row varies (spec §11), and how a draw applies it."""

    GROWTH = "growth_pct"  # percentage points added to a flow's yearly growth
    BASE_VOLUME = "base_volume"  # multiplier of base_volume_kt
    ELASTICITY = "elasticity"  # multiplier of a flow's elasticity
    CAPEX = "capex"  # multiplier of a project's capex
    BORDER_TIME = "border_time"  # multiplier of fixed_time_h on border segments
    CLOSURE = "closure_days"  # days a year a segment is closed

    def __str__(self) -> str:
        return self.value

    @property
    def multiplier(self) -> bool:
        return self in (Quantity.BASE_VOLUME, Quantity.ELASTICITY, Quantity.CAPEX,
                        Quantity.BORDER_TIME)


@dataclass(frozen=True)
class Uncertain:
    """One row of the Uncertainty sheet: a triangular distribution (spec §11)."""

    quantity: Quantity
    target: str  # '' = every flow, project or border segment the quantity reaches
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantity", Quantity(self.quantity))

    @property
    def label(self) -> str:
        """The row's name in the report: quantity, and its target when it has one."""
        return f"{self.quantity}:{self.target}" if self.target else str(self.quantity)


@dataclass(frozen=True)
class Instance:
    parameters: Parameters
    nodes: tuple[Node, ...]
    segments: tuple[Segment, ...]
    projects: tuple[Project, ...]
    effects: tuple[Effect, ...]
    flows: tuple[Flow, ...]
    warnings: tuple[Problem, ...] = field(default=())
    years: tuple[YearCap, ...] = ()  # a programme over years when not empty (spec §9.2)
    envelopes: tuple[Envelope, ...] = ()
    uncertainty: tuple[Uncertain, ...] = ()  # scenario draws' distributions (spec §11)

    @property
    def is_programme(self) -> bool:
        return bool(self.years)

    def project(self, project_id: str) -> Project:
        return self._projects[project_id]

    @property
    def _projects(self) -> dict[str, Project]:
        # Cached on first use; the dataclass is frozen, so write through object.
        cache = self.__dict__.get("_project_index")
        if cache is None:
            cache = {p.project_id: p for p in self.projects}
            object.__setattr__(self, "_project_index", cache)
        return cache

    def potential(self, flow: Flow, year: int | None = None) -> float:
        """P_k,t: base volume grown to a year, the horizon by default (spec §4)."""
        year = self.parameters.horizon_year if year is None else year
        years = year - self.parameters.base_year
        return flow.base_volume_kt * (1.0 + flow.growth_pct / 100.0) ** years

    def value_of_time(self, flow: Flow) -> float:
        """The flow's own value of time, else the Parameters one (spec §3)."""
        return self.parameters.value_of_time if flow.value_of_time is None else flow.value_of_time

    @cached_property
    def values_of_time(self) -> tuple[float, ...]:
        """Each flow's value of time, in flow order (made once: the instance is
        frozen, and evaluations ask for it per flow)."""
        return tuple(self.value_of_time(f) for f in self.flows)

    def weight(self, flow: Flow) -> float:
        """Objective weight: 1 for volume; USD million per kt for value."""
        if self.parameters.objective == "value":
            return (flow.value_usd_per_t or 0.0) / 1000.0
        return 1.0

    @cached_property
    def committed(self) -> frozenset[str]:
        """The committed projects (made once: ``required_closure`` asks at each call)."""
        return frozenset(p.project_id for p in self.projects
                         if p.decision is Decision.COMMITTED)
