"""The problem, apart from any solver: what is decided, the rules, the objective.

- Index sets. Decision variables are (project, start period) pairs: w[p, s] = 1
  when project p has started by period s ("step" variables, monotone in s).
  A one-shot run has one period, so w[p, 0] is plain selection; a programme
  (spec §9.2) has one per year of the project's start window. Objective
  epochs (timeline.py) and flows index the demand.
- ``Plan``: each selected project with its start period.
- Rule rows, one ``define_<family>_rows`` function per family (budget,
  yearly caps, envelopes, alternatives, requires, start order, exclusions),
  emitted once here and used by every solver, the feasibility checks, the
  ranking and the reasons. A row reads  sum(coef * w[p, s]) <= upper.
- Gates: which variable says that a project is open in an epoch; the route
  master links its routes to them.
- The exact objective of a plan (evaluate.py: shortest paths per epoch).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Callable, Iterable, Mapping

from .evaluate import PlanEvaluation, evaluate_plan
from .instance import Decision, Envelope
from .numerics import REL, within
from .preprocess import Prepared, group_members, required_closure, segment_projects
from .timeline import ONE_SHOT_PERIOD

Var = tuple[str, int]  # (project, start period)


class RowKind(str, Enum):
    BUDGET = "budget"  # financed capex of the selected projects within the budget
    CAP = "cap"  # a programme year's disbursements within its cap
    ENVELOPE = "envelope"  # financed capex of a country's or group's projects within [min, max]
    ALTERNATIVES = "alternatives"  # at most one of the members (a group, or a shared segment)
    REQUIRES = "requires"  # a prerequisite is selected, and open no later
    ORDER = "order"  # started by s implies started by s + 1 (step variables)
    EXCLUSION = "exclusion"  # a portfolio already found, and its supersets, are cut off


@dataclass(frozen=True)
class RuleRow:
    kind: RowKind
    label: str  # unique within its kind: 'budget', 'year 2027', 'group G', 'p requires q', ...
    terms: tuple[tuple[Var, float], ...]  # ((project, start), coefficient)
    upper: float

    @property
    def key(self) -> tuple[RowKind, str]:
        return self.kind, self.label

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for (p, _), _ in self.terms))

    def lhs(self, values: Mapping[Var, float]) -> float:
        return sum(c * values.get(v, 0.0) for v, c in self.terms)

    def holds(self, values: Mapping[Var, float]) -> bool:
        return within(self.lhs(values), self.upper, self.upper)


@dataclass(frozen=True)
class Plan:
    """Each selected project with the period it starts in."""

    starts: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, selected: Iterable[str], period: int = ONE_SHOT_PERIOD) -> Plan:
        """Every project starting in one period (a one-shot portfolio)."""
        return cls(tuple((p, period) for p in sorted(set(selected))))

    @classmethod
    def scheduled(cls, starts: Mapping[str, int]) -> Plan:
        return cls(tuple(sorted(starts.items())))

    @property
    def selected(self) -> frozenset[str]:
        return frozenset(p for p, _ in self.starts)

    def start(self, project: str) -> int | None:
        return dict(self.starts).get(project)

    def __len__(self) -> int:
        return len(self.starts)


# --- the rule families -------------------------------------------------------------

def _selected_var(problem: PortfolioProblem, p: str) -> Var:
    """The variable that is 1 when p is selected at all: started by its last start."""
    return p, problem.windows[p][-1]


def define_budget_rows(problem: PortfolioProblem) -> list[RuleRow]:
    """Financed capex of the selected projects within the budget (over all years)."""
    terms = tuple((_selected_var(problem, p), problem.cost(p)) for p in problem.projects)
    if not any(c for _, c in terms):
        return []
    return [RuleRow(RowKind.BUDGET, "budget", terms, problem.budget)]


def define_cap_rows(problem: PortfolioProblem) -> list[RuleRow]:
    """Spec §9.2: in each programme year, the disbursements (financed capex /
    duration in each construction year) within the year's cap:
    sum_p f_p/d_p (w[p, t] - w[p, t - d_p]) <= cap_t."""
    timeline = problem.prep.timeline
    rows = []
    for year, cap in zip(timeline.starts, timeline.caps):
        if cap is None:
            continue
        terms: dict[Var, float] = {}
        for p in problem.projects:
            d = problem.project(p).duration_years
            rate = problem.cost(p) / d
            for var, sign in ((problem.started_by(p, year), 1.0),
                              (problem.started_by(p, year - d), -1.0)):
                if var is not None and rate:
                    terms[var] = terms.get(var, 0.0) + sign * rate
        terms = {v: c for v, c in terms.items() if c}
        if terms:
            rows.append(RuleRow(RowKind.CAP, f"year {year}", tuple(terms.items()), cap))
    return rows


def define_envelope_rows(problem: PortfolioProblem) -> list[RuleRow]:
    """Spec §9.1: financed capex of the selected projects a country or group
    envelope covers, at most its max and at least its min."""
    rows = []
    for env in problem.prep.instance.envelopes:
        members = envelope_members(problem, env)
        terms = tuple((_selected_var(problem, p), problem.cost(p)) for p in members)
        if env.max_musd is not None:
            rows.append(RuleRow(RowKind.ENVELOPE, f"{env.label} max", terms, env.max_musd))
        if env.min_musd > 0:
            rows.append(RuleRow(RowKind.ENVELOPE, f"{env.label} min",
                                tuple((v, -c) for v, c in terms), -env.min_musd))
    return rows


def envelope_members(problem: PortfolioProblem, env: Envelope) -> list[str]:
    return [p for p in problem.projects if env.covers(problem.project(p))]


def rival_sets(prep: Prepared) -> list[tuple[str, list[str]]]:
    """('group G' or 'segment S', its non-excluded projects): at most one of
    each set may be in a portfolio, committed projects included."""
    inst = prep.instance
    return ([(f"group {g}", m) for g, m in group_members(inst.projects).items()]
            + [(f"segment {s}", m)
               for s, m in segment_projects(inst.projects, inst.effects).items()])


def define_alternative_rows(problem: PortfolioProblem) -> list[RuleRow]:
    """At most one project per group and per segment (spec §4), ever; one row
    per distinct set of selectable members (committed rivals block a project
    outright: preprocess.blocked_projects)."""
    chosen = set(problem.projects)
    first: dict[tuple[str, ...], str] = {}
    for label, members in rival_sets(problem.prep):
        row = tuple(sorted(p for p in members if p in chosen))
        if len(row) > 1:
            first.setdefault(row, label)
    return [RuleRow(RowKind.ALTERNATIVES, first[row],
                    tuple((_selected_var(problem, p), 1.0) for p in row), 1.0)
            for row in sorted(first)]


def define_requires_rows(problem: PortfolioProblem) -> list[RuleRow]:
    """A selected project's prerequisites are selected (one-shot: x_p <= x_q)
    and, in a programme, open no later than it (o_p >= o_q): for each start
    s of p, w[p, s] <= w[q, s + d_p - d_q]. A committed prerequisite gives
    bounds instead (PortfolioProblem.bounds)."""
    prep = problem.prep
    rows = []
    for p in problem.projects:
        for q in prep.instance.project(p).requires:
            if q in prep.committed:
                continue
            if not prep.timeline.programme:
                rows.append(RuleRow(RowKind.REQUIRES, f"{p} requires {q}",
                                    (((p, ONE_SHOT_PERIOD), 1.0), ((q, ONE_SHOT_PERIOD), -1.0)),
                                    0.0))
                continue
            gap = problem.project(p).duration_years - problem.project(q).duration_years
            for s in problem.windows[p]:
                other = problem.started_by(q, s + gap)
                terms: tuple[tuple[Var, float], ...] = (((p, s), 1.0),)
                if other is not None:
                    terms += ((other, -1.0),)
                rows.append(RuleRow(RowKind.REQUIRES, f"{p} requires {q} (start {s})",
                                    terms, 0.0))
    return rows


def define_order_rows(problem: PortfolioProblem) -> list[RuleRow]:
    """Step variables: started by s implies started by the next start."""
    rows = []
    for p in problem.projects:
        window = problem.windows[p]
        for a, b in zip(window, window[1:]):
            rows.append(RuleRow(RowKind.ORDER, f"{p} by {a}", (((p, a), 1.0), ((p, b), -1.0)),
                                0.0))
    return rows


def define_exclusion_rows(problem: PortfolioProblem) -> list[RuleRow]:
    """Forbid each portfolio found and its supersets: at least one of its free
    (not must_do) projects is dropped."""
    rows = []
    for i, portfolio in enumerate(problem.exclusions, start=1):
        free = sorted(p for p in portfolio if problem.project(p).decision is not Decision.MUST_DO)
        rows.append(RuleRow(RowKind.EXCLUSION, f"portfolio {i}",
                            tuple((_selected_var(problem, p), 1.0) for p in free),
                            len(free) - 1.0))
    return rows


# --- the problem ----------------------------------------------------------------------

@dataclass(frozen=True)
class PortfolioProblem:
    """One budget's problem on a prepared network: variables, rows and bounds
    for any solver."""

    prep: Prepared
    budget: float
    capex: Mapping[str, float] = field(default_factory=dict)  # overrides of financed capex
    exclusions: tuple[frozenset[str], ...] = ()
    forced: frozenset[str] = frozenset()  # projects fixed in (switching values)

    @property
    def projects(self) -> tuple[str, ...]:
        """Decision projects: candidate and must_do projects that can be scheduled."""
        return tuple(p for p in self.prep.decision if self.windows[p])

    def project(self, p: str):  # noqa: ANN201 - instance.Project
        return self.prep.instance.project(p)

    @cached_property
    def windows(self) -> dict[str, tuple[int, ...]]:
        """Each decision project's start periods."""
        timeline = self.prep.timeline
        return {p: timeline.start_window(self.project(p)) for p in self.prep.decision}

    @cached_property
    def variables(self) -> tuple[Var, ...]:
        return tuple((p, s) for p in self.projects for s in self.windows[p])

    def started_by(self, p: str, period: int) -> Var | None:
        """The variable that is 1 when p has started by ``period`` (its latest
        start at or before it); None when p cannot have started by then."""
        before = [s for s in self.windows[p] if s <= period]
        return (p, before[-1]) if before else None

    def gate(self, p: str, epoch_start: int) -> Var | None:
        """The variable that is 1 when p is open in the epoch starting in that
        year (None: it cannot be)."""
        if not self.prep.timeline.programme:
            return p, ONE_SHOT_PERIOD
        return self.started_by(p, epoch_start - self.project(p).duration_years)

    def cost(self, p: str) -> float:
        """Financed capex (what counts against the budget, caps and envelopes)."""
        return self.capex.get(p, self.project(p).financed_musd)

    def spent(self, selected: Iterable[str]) -> float:
        return sum(self.cost(p) for p in selected)

    @cached_property
    def rows(self) -> tuple[RuleRow, ...]:
        return tuple(define_budget_rows(self) + define_cap_rows(self)
                     + define_envelope_rows(self) + define_alternative_rows(self)
                     + define_requires_rows(self) + define_order_rows(self)
                     + define_exclusion_rows(self))

    @cached_property
    def bounds(self) -> dict[Var, tuple[float, float]]:
        """(lower, upper) of each variable: must_do and forced projects selected;
        a project whose bundle exceeds the budget out (tightens every
        relaxation at no cost); starts too early for a committed
        prerequisite's open year out."""
        prep, timeline = self.prep, self.prep.timeline
        out: dict[Var, tuple[float, float]] = {}
        for p in self.projects:
            project = self.project(p)
            bundle = self.spent(required_closure(prep.instance, p))
            fits = within(bundle, self.budget, self.budget)
            opens_after = max([self.project(q).open_year or timeline.first
                               for q in project.requires
                               if q in prep.committed and timeline.programme], default=None)
            must = p in self.forced or project.decision is Decision.MUST_DO
            window = self.windows[p]
            for s in window:
                low = 1.0 if must and s == window[-1] else 0.0
                high = 1.0 if fits else low
                if opens_after is not None and s + project.duration_years < opens_after:
                    high = 0.0
                out[(p, s)] = (low, high)
        return out

    def values(self, plan: Plan) -> dict[Var, float]:
        """The variables' values for a plan (step: 1 from its start on)."""
        out: dict[Var, float] = {}
        for p, start in plan.starts:
            for s in self.windows.get(p, ()):
                if s >= start:
                    out[(p, s)] = 1.0
        return out

    def violated(self, plan: Plan) -> list[RuleRow]:
        values = self.values(plan)
        return [r for r in self.rows if not r.holds(values)]

    def fits(self, plan: Plan, *, partial: bool = False) -> bool:
        """The plan's starts are allowed, and its bounds and rule rows hold.
        ``partial``: a plan still being built (the ranking's walk) need not
        yet reach lower bounds (must_do) nor envelope minimums."""
        projects = set(self.projects)
        if any(p not in projects or s not in self.windows[p] for p, s in plan.starts):
            return False
        values = self.values(plan)
        for v, (low, high) in self.bounds.items():
            if values.get(v, 0.0) > high or (not partial and values.get(v, 0.0) < low):
                return False
        return all(r.holds(values) for r in self.rows
                   if not (partial and r.kind is RowKind.ENVELOPE and r.label.endswith(" min")))

    def place(self, plan: Plan, bundle: Iterable[str]) -> Plan | None:
        """The plan with a bundle added, each project (prerequisites first) at
        the earliest start the caps left and the rules allow; None when one
        cannot be placed (spec §9.2's scheduled ranking)."""
        starts = dict(plan.starts)
        for p in self.prerequisites_first(set(bundle) - set(starts)):
            for s in self.windows.get(p, ()):
                if self.fits(Plan.scheduled({**starts, p: s}), partial=True):
                    starts[p] = s
                    break
            else:
                return None
        return Plan.scheduled(starts)

    def walk(self, bundles: Iterable[Iterable[str]], plan: Plan | None = None) -> Plan:
        """Each bundle in turn added to the plan (``place``) where it can be;
        one that cannot is passed over (spec §7's walk down a ranking)."""
        plan = plan if plan is not None else Plan()
        for bundle in bundles:
            placed = self.place(plan, bundle)
            if placed is not None:
                plan = placed
        return plan

    def prerequisites_first(self, projects: set[str]) -> list[str]:
        """The projects ordered so that each comes after what it requires."""
        ordered: list[str] = []

        def visit(p: str) -> None:
            if p in ordered or p not in projects:
                return
            for q in sorted(self.project(p).requires):
                visit(q)
            ordered.append(p)

        for p in sorted(projects):
            visit(p)
        return ordered

    def plan_of(self, values: Mapping[Var, float]) -> Plan:
        """A solver's (near-)integral variable values as a plan: each project
        selected starts at its first start with w > 1/2."""
        starts = {}
        for p in self.projects:
            on = [s for s in self.windows[p] if values.get((p, s), 0.0) > 0.5]
            if on:
                starts[p] = on[0]
        return Plan.scheduled(starts)

    def with_budget(self, budget: float) -> PortfolioProblem:
        return dataclasses.replace(self, budget=budget)

    def excluding(self, portfolio: frozenset[str]) -> PortfolioProblem:
        return dataclasses.replace(self, exclusions=self.exclusions + (portfolio,))

    def with_capex(self, project: str, capex: float) -> PortfolioProblem:
        return dataclasses.replace(self, capex={**self.capex, project: capex})

    def forcing(self, project: str) -> PortfolioProblem:
        return dataclasses.replace(self, forced=self.forced | {project})


def objective(prep: Prepared, plan: Plan, exact: Callable[[], float] | None = None) -> float:
    """The exact objective of a plan (spec §4; §9.2 W in a programme), kept
    with the prepared network: a solve asks for the same plan's several times
    (its start, the offers, the cut-back and idle checks; 26 evaluations a
    scenario draw, 18 of them different). ``exact`` computes it another way
    with the same figures (the local search's, by ``Additions``)."""
    known = prep.__dict__.setdefault("_objectives", {})
    value = known.get(plan.starts)
    if value is None:
        value = known[plan.starts] = exact() if exact is not None \
            else evaluate_plan(prep, plan).objective
    return value


def plan_evaluation(prep: Prepared, plan: Plan) -> PlanEvaluation:
    return evaluate_plan(prep, plan)


def check_feasibility(problem: PortfolioProblem) -> list[str]:
    """Why no portfolio can exist, found before solving (exit 3); empty if none."""
    prep = problem.prep
    inst = prep.instance
    must = [p.project_id for p in inst.projects if p.decision is Decision.MUST_DO]
    reasons = [f"must_do project {p} can never be selected: {prep.blocked[p]}"
               for p in must if p in prep.blocked]
    reasons += [f"must_do project {p} cannot be scheduled: it cannot start at or after its"
                f" earliest start and finish by {prep.timeline.last}"
                for p in must if p not in prep.blocked and not problem.windows.get(p)]
    if reasons:
        return reasons
    needed: set[str] = set()
    for p in must:
        needed |= required_closure(inst, p)
    cost = problem.spent(needed)
    if cost > problem.budget + REL:
        extra = sorted(needed - set(must))
        with_req = f" (with what they require: {', '.join(extra)})" if extra else ""
        reasons.append(f"the must_do projects {', '.join(must)}{with_req} cost {cost:,.1f}"
                       f" USD million, more than the budget of {problem.budget:,.1f} USD million")
    for label, members in rival_sets(prep):
        clash = sorted(set(members) & needed)
        if len(clash) > 1:
            where = label if label.startswith("segment") else \
                f"group '{label.removeprefix('group ')}'"
            reasons.append(f"must_do projects (or what they require) {' and '.join(clash)} are"
                           f" alternatives ({where}): at most one of them can be selected")
    reasons += check_envelopes(problem, needed)
    reasons += check_caps(problem, needed)
    return reasons


def check_envelopes(problem: PortfolioProblem, needed: set[str]) -> list[str]:
    """An envelope minimum no portfolio reaches, or a maximum the must_do
    projects already exceed."""
    out = []
    for env in problem.prep.instance.envelopes:
        members = envelope_members(problem, env)
        most = min(problem.spent(members), problem.budget)
        if env.min_musd > most + REL:
            out.append(f"envelope {env.label} needs at least USD {env.min_musd:,.1f} million of"
                       f" financed capex, but its selectable projects ("
                       f"{', '.join(members) or 'none'}) total USD"
                       f" {problem.spent(members):,.1f} million and the budget is USD"
                       f" {problem.budget:,.1f} million")
        fixed = problem.spent(set(members) & needed)
        if env.max_musd is not None and fixed > env.max_musd + REL:
            out.append(f"envelope {env.label} allows at most USD {env.max_musd:,.1f} million,"
                       f" but the must_do projects in it cost USD {fixed:,.1f} million")
    return out


def check_caps(problem: PortfolioProblem, needed: set[str]) -> list[str]:
    """A must_do project (or one it requires) whose yearly payment exceeds the
    cap of every year it could be built in."""
    timeline = problem.prep.timeline
    if not timeline.programme:
        return []
    cap = dict(zip(timeline.starts, timeline.caps))
    out = []
    for p in sorted(needed):
        d = problem.project(p).duration_years
        rate = problem.cost(p) / d
        feasible = [s for s in problem.windows.get(p, ())
                    if all(cap[t] is None or rate <= cap[t] + REL for t in range(s, s + d))]
        if not feasible:
            out.append(f"must_do project {p} (or a project a must_do one requires) pays USD"
                       f" {rate:,.1f} million a year for {d} year(s), more than the caps of the"
                       f" years it could be built in allow")
    return out
