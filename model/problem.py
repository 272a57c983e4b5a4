"""The problem, apart from any solver: what is decided, the rules, the objective.

- Index sets: the decision projects (candidate and must_do projects that can
  be selected) and the start periods of a plan; demand carries its own years
  (demand.py).
- ``Plan``: each selected project with its start period. A one-shot run has a
  single period, so a plan there is a portfolio.
- Rule rows, one ``define_<family>_rows`` function per family (budget,
  alternatives, requires, exclusions), emitted once here and used by both
  formulations, the feasibility checks, the ranking and the reasons. A row
  reads  sum(coef * x_p) <= upper  over the projects' selection variables.
- The exact objective of a plan (evaluate.py: shortest paths, no linearisation).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Iterable, Mapping

from .evaluate import evaluate
from .instance import Decision
from .numerics import REL, within
from .preprocess import Prepared, group_members, required_closure, segment_projects

ONE_SHOT_PERIOD = 0


class RowKind(str, Enum):
    BUDGET = "budget"  # financed capex of the selected projects within the budget
    ALTERNATIVES = "alternatives"  # at most one of the members (a group, or a shared segment)
    REQUIRES = "requires"  # a selected project's prerequisite is selected too
    EXCLUSION = "exclusion"  # a portfolio already found, and its supersets, are cut off


@dataclass(frozen=True)
class RuleRow:
    kind: RowKind
    label: str  # unique within its kind: 'budget', 'group G', 'segment S', 'p requires q'
    terms: tuple[tuple[str, float], ...]  # (project, coefficient)
    upper: float

    @property
    def key(self) -> tuple[RowKind, str]:
        return self.kind, self.label

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.terms)

    def lhs(self, selected: Iterable[str]) -> float:
        chosen = set(selected)
        return sum(c for p, c in self.terms if p in chosen)

    def holds(self, selected: Iterable[str]) -> bool:
        return within(self.lhs(selected), self.upper, self.upper)


@dataclass(frozen=True)
class Plan:
    """Each selected project with the period it starts in."""

    starts: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, selected: Iterable[str], period: int = ONE_SHOT_PERIOD) -> Plan:
        """A one-shot portfolio: every project starts in the one period."""
        return cls(tuple((p, period) for p in sorted(set(selected))))

    @property
    def selected(self) -> frozenset[str]:
        return frozenset(p for p, _ in self.starts)

    def __len__(self) -> int:
        return len(self.starts)


# --- the rule families -------------------------------------------------------------

def define_budget_rows(prep: Prepared, capex: Mapping[str, float],
                       budget: float) -> list[RuleRow]:
    terms = tuple((p, capex[p]) for p in prep.decision)
    if not any(c for _, c in terms):
        return []
    return [RuleRow(RowKind.BUDGET, "budget", terms, budget)]


def rival_sets(prep: Prepared) -> list[tuple[str, list[str]]]:
    """('group G' or 'segment S', its non-excluded projects): at most one of
    each set may be in a portfolio, committed projects included."""
    inst = prep.instance
    return ([(f"group {g}", m) for g, m in group_members(inst.projects).items()]
            + [(f"segment {s}", m)
               for s, m in segment_projects(inst.projects, inst.effects).items()])


def define_alternative_rows(prep: Prepared) -> list[RuleRow]:
    """At most one project per group and per segment (spec §4); one row per
    distinct set of selectable members (committed rivals block a project
    outright: preprocess.blocked_projects)."""
    chosen = set(prep.decision)
    first: dict[tuple[str, ...], str] = {}
    for label, members in rival_sets(prep):
        row = tuple(sorted(p for p in members if p in chosen))
        if len(row) > 1:
            first.setdefault(row, label)
    return [RuleRow(RowKind.ALTERNATIVES, first[row], tuple((p, 1.0) for p in row), 1.0)
            for row in sorted(first)]


def define_requires_rows(prep: Prepared) -> list[RuleRow]:
    """x_p <= x_q for each prerequisite q that is not committed."""
    rows = []
    for p in prep.decision:
        for q in prep.instance.project(p).requires:
            if q not in prep.committed:
                rows.append(RuleRow(RowKind.REQUIRES, f"{p} requires {q}",
                                    ((p, 1.0), (q, -1.0)), 0.0))
    return rows


def define_exclusion_rows(prep: Prepared, found: Iterable[frozenset[str]]) -> list[RuleRow]:
    """Forbid each portfolio found and its supersets: at least one of its free
    (not must_do) projects is dropped."""
    rows = []
    for i, portfolio in enumerate(found, start=1):
        free = sorted(p for p in portfolio
                      if prep.instance.project(p).decision is not Decision.MUST_DO)
        rows.append(RuleRow(RowKind.EXCLUSION, f"portfolio {i}",
                            tuple((p, 1.0) for p in free), len(free) - 1.0))
    return rows


# --- the problem ----------------------------------------------------------------------

@dataclass(frozen=True)
class PortfolioProblem:
    """One budget's problem on a prepared network: rows and bounds for any solver."""

    prep: Prepared
    budget: float
    capex: Mapping[str, float] = field(default_factory=dict)  # overrides of capex_musd
    exclusions: tuple[frozenset[str], ...] = ()
    forced: frozenset[str] = frozenset()  # projects fixed in (switching values)

    @property
    def projects(self) -> tuple[str, ...]:
        return self.prep.decision

    def cost(self, p: str) -> float:
        """Financed capex of a project (what counts against the budget)."""
        return self.capex.get(p, self.prep.instance.project(p).capex_musd)

    def spent(self, selected: Iterable[str]) -> float:
        return sum(self.cost(p) for p in selected)

    @cached_property
    def rows(self) -> tuple[RuleRow, ...]:
        prep = self.prep
        return tuple(define_budget_rows(prep, {p: self.cost(p) for p in prep.decision},
                                        self.budget)
                     + define_alternative_rows(prep) + define_requires_rows(prep)
                     + define_exclusion_rows(prep, self.exclusions))

    @cached_property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """(lower, upper) of each project's selection variable: must_do and
        forced projects in; a project whose bundle (it and what it requires)
        exceeds the budget out, which tightens every relaxation at no cost."""
        inst = self.prep.instance
        out = {}
        for p in self.prep.decision:
            low = 1.0 if p in self.forced or inst.project(p).decision is Decision.MUST_DO \
                else 0.0
            bundle = self.spent(required_closure(inst, p))
            out[p] = (low, 1.0 if within(bundle, self.budget, self.budget) else low)
        return out

    def violated(self, selected: Iterable[str]) -> list[RuleRow]:
        chosen = frozenset(selected)
        return [r for r in self.rows if not r.holds(chosen)]

    def fits(self, selected: Iterable[str]) -> bool:
        """Bounds and every rule row hold for a set of decision projects."""
        chosen = frozenset(selected)
        if not chosen <= set(self.prep.decision):
            return False
        for p, (low, high) in self.bounds.items():
            if not low <= (1.0 if p in chosen else 0.0) <= high:
                return False
        return not self.violated(chosen)

    def with_budget(self, budget: float) -> PortfolioProblem:
        return dataclasses.replace(self, budget=budget)

    def excluding(self, portfolio: frozenset[str]) -> PortfolioProblem:
        return dataclasses.replace(self, exclusions=self.exclusions + (portfolio,))

    def with_capex(self, project: str, capex: float) -> PortfolioProblem:
        return dataclasses.replace(self, capex={**self.capex, project: capex})

    def forcing(self, project: str) -> PortfolioProblem:
        return dataclasses.replace(self, forced=self.forced | {project})


def objective(prep: Prepared, plan: Plan) -> float:
    """The exact objective of a plan (spec §4)."""
    return evaluate(prep, plan.selected).objective


def check_feasibility(problem: PortfolioProblem) -> list[str]:
    """Why no portfolio can exist, found before solving (exit 3); empty if none."""
    prep = problem.prep
    inst = prep.instance
    must = [p.project_id for p in inst.projects if p.decision is Decision.MUST_DO]
    reasons = [f"must_do project {p} can never be selected: {prep.blocked[p]}"
               for p in must if p in prep.blocked]
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
    return reasons
