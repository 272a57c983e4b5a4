"""When things happen: the years the objective counts, the years a project may
start in, and the epochs in which the set of open projects cannot change.

- One-shot run (spec §4): one start period and one objective year, the
  horizon; every selected project is open in it.
- Programme (spec §9.2): projects start in programme years s (earliest_start
  .. last - duration + 1) and open in o = s + duration; the objective counts
  every year from the first programme year to the horizon, weighted by
  w_t = (1 + discount_rate_pct/100)^-(t - first). Openings happen only in
  the years first + 1 .. last + 1 and in committed projects' open years, so
  the years between two such years share one open set: an epoch.
"""
from __future__ import annotations

from dataclasses import dataclass

from .instance import Decision, Instance, Project

ONE_SHOT_PERIOD = 0  # the one start period of a run without a programme


@dataclass(frozen=True)
class Timeline:
    programme: bool
    starts: tuple[int, ...]  # start periods: programme years, or (ONE_SHOT_PERIOD,)
    caps: tuple[float | None, ...]  # per programme year (one-shot: (None,))
    years: tuple[int, ...]  # objective years
    year_weight: tuple[float, ...]  # w_t per objective year
    epochs: tuple[tuple[int, ...], ...]  # objective years grouped by shared open set

    @property
    def first(self) -> int:
        return self.starts[0]

    @property
    def last(self) -> int:
        return self.starts[-1]

    def epoch_start(self, e: int) -> int:
        return self.epochs[e][0]

    def start_window(self, project: Project) -> tuple[int, ...]:
        """The start periods a project may take: from its earliest start to the
        last one that finishes within the programme."""
        if not self.programme:
            return (ONE_SHOT_PERIOD,)
        earliest = project.earliest_start if project.earliest_start is not None else self.first
        latest = self.last - project.duration_years + 1
        return tuple(s for s in self.starts if earliest <= s <= latest)

    def opens(self, project: Project, start: int) -> int | None:
        """The year a project started in ``start`` opens (None: one-shot, open
        throughout)."""
        return start + project.duration_years if self.programme else None

    def is_open(self, project: Project, start: int, year: int) -> bool:
        opened = self.opens(project, start)
        return opened is None or opened <= year

    def committed_open(self, project: Project, year: int) -> bool:
        """A committed project is open from its open_year (blank: the first
        programme year); in a one-shot run always."""
        if not self.programme:
            return True
        return (project.open_year if project.open_year is not None else self.first) <= year

    def disbursing(self, project: Project, start: int, year: int) -> bool:
        """Does a project started in ``start`` pay in ``year`` (programme only)?"""
        return self.programme and start <= year < start + project.duration_years


def timeline_of(instance: Instance) -> Timeline:
    params = instance.parameters
    if not instance.is_programme:
        return Timeline(False, (ONE_SHOT_PERIOD,), (None,), (params.horizon_year,), (1.0,),
                        ((params.horizon_year,),))
    starts = tuple(y.year for y in instance.years)
    first, last, horizon = starts[0], starts[-1], params.horizon_year
    years = tuple(range(first, horizon + 1))
    rate = params.discount_rate_pct / 100.0
    weights = tuple((1.0 + rate) ** -(t - first) for t in years)
    boundaries = {first} | {t for t in range(first + 1, last + 2) if t <= horizon}
    boundaries |= {p.open_year for p in instance.projects
                   if p.decision is Decision.COMMITTED and p.open_year is not None
                   and first <= p.open_year <= horizon}
    cuts = sorted(boundaries)
    epochs = tuple(tuple(range(a, b)) for a, b in zip(cuts, cuts[1:] + [horizon + 1]))
    return Timeline(True, starts, tuple(y.cap_musd for y in instance.years), years, weights,
                    epochs)
