"""A financing programme over years (spec §9): hand-solved cases, and random
small programmes against the enumeration of every schedule (tests/reference.py,
independent of model/).

Hand cases: corridors O_i-D_i of road(100) (gc 12); FAST halves the cost, so a
corridor's volume doubles once its project is open (elasticity 1, no growth):
the gain per year is the corridor's base volume. The objective W sums trade
over the years first programme year .. horizon.
"""
import dataclasses
import itertools

import pandas as pd
import pytest

from model.cli import main
from model.evaluate import evaluate_plan
from model.instance import Envelope, YearCap
from model.problem import Plan, PortfolioProblem
from model.sequencer import optimise
from tests import reference
from tests.builders import flow, instance, proj, road, seg, settings, solve

FAST = road(100, 100, 0.05)


def corridors(volumes, projects, *, horizon=2030, years=(2026, 2027, 2028), caps=None,
              envelopes=()):
    """Corridor i carries volumes[i]; projects are (id, capex, corridor, changes)."""
    segs = [seg(f"s{i}", f"O{i}", f"D{i}", road(100)) for i in range(len(volumes))]
    projs = [dataclasses.replace(proj(pid, capex), **changes)
             for pid, capex, _, changes in projects]
    effects = [(pid, f"s{i}", FAST) for pid, _, i, _ in projects]
    flows = [flow(f"O{i}", f"D{i}", v) for i, v in enumerate(volumes)]
    inst = instance(segs, projs, effects, flows, horizon=horizon)
    caps = caps or [None] * len(years)
    return dataclasses.replace(inst, years=tuple(YearCap(y, c) for y, c in zip(years, caps)),
                               envelopes=tuple(envelopes))


def test_a_cap_delays_a_project():
    # Caps of 10 a year fit one USD 10 m project a year. p1 (40 kt) first:
    # open 2027-2030 = 4 x 40, then p0 opens 2028-2030 = 3 x 30: gain 250
    # (the other order gives 4 x 30 + 3 x 40 = 240). Do-nothing W = 5 x 70.
    inst = corridors([30, 40], [("p0", 10, 0, {}), ("p1", 10, 1, {})],
                     years=(2026, 2027), caps=[10, 10])
    out = solve(inst, 100)
    assert dict(out.plan.starts) == {"p1": 2026, "p0": 2027}
    ev = evaluate_plan(out.prep, out.plan)
    assert ev.objective == pytest.approx(350 + 250)
    assert evaluate_plan(out.prep, Plan()).objective == pytest.approx(350)


def test_a_long_build_opens_late():
    # A 3-year build in a 2026-2028 programme can only start in 2026 and opens
    # in 2029: it adds 30 kt in 2029 and 2030 only.
    inst = corridors([30], [("p0", 30, 0, {"duration_years": 3})])
    out = solve(inst, 100)
    assert dict(out.plan.starts) == {"p0": 2026}
    assert out.prep.timeline.opens(inst.project("p0"), 2026) == 2029
    assert evaluate_plan(out.prep, out.plan).objective == pytest.approx(5 * 30 + 2 * 30)


def test_requires_means_opening_no_earlier_than_the_prerequisite():
    # q takes 2 years (start 2026, open 2028); p (1 year) requires q, so it may
    # not open before 2028: p starts in 2027 at the earliest, not 2026.
    # Gains: q 10 x 3 years, p 50 x 3 years (2028-2030) = 180.
    inst = corridors([50, 10], [("p", 10, 0, {"requires": ("q",)}),
                                ("q", 10, 1, {"duration_years": 2})])
    out = solve(inst, 100)
    starts = dict(out.plan.starts)
    assert starts["q"] == 2026 and starts["p"] == 2027
    assert evaluate_plan(out.prep, out.plan).objective == pytest.approx(5 * 60 + 180)
    early = Plan.scheduled({"q": 2026, "p": 2026})  # p would open in 2027 < 2028
    assert not out.problem.fits(early)


def test_a_binding_envelope_minimum_forces_a_weaker_project():
    # One-shot: pA gains 40, pB 5, both USD 10 m, budget 10: pA alone. With
    # country B needing at least USD 10 m, pB must be taken instead.
    projects = [("pA", 10, 0, {"country": "A"}), ("pB", 10, 1, {"country": "B"})]
    free = dataclasses.replace(corridors([40, 5], projects), years=())
    assert solve(free, 10).selected == {"pA"}
    bound = dataclasses.replace(free, envelopes=(Envelope("country", "B", 10.0, None),))
    out = solve(bound, 10)
    assert out.selected == {"pB"}
    capped = dataclasses.replace(free, envelopes=(Envelope("country", "A", 0.0, 5.0),))
    assert solve(capped, 10).selected == {"pB"}  # A may spend at most 5: pA is out


def test_only_the_financed_share_counts_against_the_budget():
    # pA costs 20 of which Kazakhstan finances half: 10 counts, so with a budget
    # of 10 it fits and beats pB (gain 30 for 10).
    projects = [("pA", 20, 0, {"financed_share": 0.5}), ("pB", 10, 1, {})]
    inst = dataclasses.replace(corridors([40, 30], projects), years=())
    out = solve(inst, 10)
    assert out.selected == {"pA"}
    assert out.problem.spent(out.selected) == pytest.approx(10)
    assert inst.project("pA").partner_musd == pytest.approx(10)


def test_a_committed_project_opens_mid_programme():
    # Committed c doubles corridor 0 (30 kt) from 2028: the do-nothing W is
    # 2 x 30 + 3 x 60 on corridor 0 plus 5 x 20 on corridor 1 (p gains 20 a
    # year from 2027). A candidate on c's corridor would be blocked.
    projects = [("c", 50, 0, {"decision": "committed", "open_year": 2028}),
                ("p", 10, 1, {})]
    inst = corridors([30, 20], projects)
    out = solve(inst, 100)
    nothing = evaluate_plan(out.prep, Plan()).objective
    assert nothing == pytest.approx(2 * 30 + 3 * 60 + 5 * 20)
    assert dict(out.plan.starts) == {"p": 2026}
    assert evaluate_plan(out.prep, out.plan).objective == pytest.approx(nothing + 4 * 20)


def test_discounting_weights_later_years_less():
    # 10 % a year: p opens 2027 and adds 30 kt a year through 2030.
    inst = corridors([30], [("p0", 10, 0, {})])
    inst = dataclasses.replace(inst, parameters=dataclasses.replace(
        inst.parameters, discount_rate_pct=10.0))
    out = solve(inst, 100)
    weights = [1.1 ** -i for i in range(5)]
    expected = 30 * sum(weights) + 30 * sum(weights[1:])
    assert evaluate_plan(out.prep, out.plan).objective == pytest.approx(expected)


def test_the_ranking_is_scheduled_at_the_earliest_years_the_caps_allow():
    # Ranking by gain per USD: p1 (40/10) then p0 (30/10); with a cap of 10 a
    # year p1 starts in 2026 and p0 in 2027; a third, p2 (20/20), finds no
    # year with room (caps 10) and is skipped.
    inst = corridors([30, 40, 20], [("p0", 10, 0, {}), ("p1", 10, 1, {}), ("p2", 20, 2, {})],
                     years=(2026, 2027), caps=[10, 10])
    out = solve(inst, 100)
    assert dict(out.ranking.plan.starts) == {"p1": 2026, "p0": 2027}


SEEDS = range(36)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_programmes_against_every_schedule(seed):
    gen = reference.random_programme(seed)
    best = reference.best_schedule(gen.instance, gen.budget)
    out = optimise(gen.instance, gen.config)
    if best is None:
        assert out.solution.status == "infeasible"
        return
    starts = dict(out.plan.starts)
    assert reference.schedule_feasible(gen.instance, starts, gen.budget)
    w = reference.cumulative(gen.instance, starts)
    assert evaluate_plan(out.prep, out.plan).objective == pytest.approx(w, rel=1e-9)
    assert w >= best[0] * (1 - gen.config.mip_gap) - 1e-9
    assert out.solution.bound >= best[0] * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_feasibility_agrees_with_the_reference_on_every_schedule(seed):
    gen = reference.random_programme(seed)
    problem = PortfolioProblem(optimise(gen.instance, gen.config).prep, gen.budget)
    years = reference.programme_years(gen.instance)
    free = [p.project_id for p in gen.instance.projects
            if p.decision in ("candidate", "must_do") and p.project_id in problem.projects]
    for combo in itertools.product(*[[None] + years for _ in free]):
        starts = {p: s for p, s in zip(free, combo) if s is not None}
        assert problem.fits(Plan.scheduled(starts)) == \
            reference.schedule_feasible(gen.instance, starts, gen.budget), starts


def test_enough_programmes_are_interesting():
    """Guard the generator: most instances have a choice, and some start late."""
    late = 0
    for seed in SEEDS:
        best = reference.best_schedule(reference.random_programme(seed).instance,
                                       reference.random_programme(seed).budget)
        if best and any(s > min(best[1].values()) for s in best[1].values()):
            late += 1
    assert late >= 5


def test_programme_report_and_arc_refusal(tmp_path):
    inst = corridors([30, 40], [("p0", 10, 0, {}), ("p1", 10, 1, {"duration_years": 2})],
                     years=(2026, 2027), caps=[10, 15])
    from tests.workbooks import from_instance, write
    sheets = from_instance(inst, settings(100))
    sheets["Years"] = [["year", "cap_musd"], [2026, 10], [2027, 15]]
    head = sheets["Projects"][0] + ["duration_years"]
    sheets["Projects"] = [head] + [row + [inst.project(row[0]).duration_years]
                                   for row in sheets["Projects"][1:]]
    path = write(tmp_path / "programme.xlsx", sheets)
    out = tmp_path / "report.xlsx"
    assert main(["--input", str(path), "--output", str(out), "--quiet"]) == 0
    report = pd.read_excel(out, sheet_name=None)
    programme, by_year = report["Programme"], report["ByYear"]
    assert set(programme.project_id) == {"p0", "p1"}
    assert list(by_year.year) == [2026, 2027, 2028, 2029, 2030]
    assert (by_year.disbursed_musd.fillna(0) <= by_year.cap_musd.fillna(1e9) + 1e-9).all()
    summary = dict(zip(report["Summary"]["item"], report["Summary"]["value"]))
    w = reference.cumulative(inst, {r.project_id: r.start_year for r in programme.itertuples()})
    assert summary["trade_cumulative_kt"] == pytest.approx(w)
    assert main(["--input", str(path), "--output", str(tmp_path / "arc.xlsx"), "--quiet",
                 "--formulation", "arc"]) == 2


def test_sweep_alternatives_and_reasons_in_a_programme():
    # Caps of 10 a year over 2026-2027: p1 (40 kt) and p0 (30 kt) fill both
    # years; p2 (20 kt, USD 10 m) finds no year left: the caps cannot fit it.
    inst = corridors([30, 40, 20], [("p0", 10, 0, {}), ("p1", 10, 1, {}), ("p2", 10, 2, {})],
                     years=(2026, 2027), caps=[10, 10])
    config = settings(100)
    out = optimise(inst, config)
    assert dict(out.plan.starts) == {"p1": 2026, "p0": 2027}
    from model.explain import reasons
    from model.sequencer import alternatives, sweep
    why = reasons(out.problem, out.plan)
    assert "caps" in why["p2"] and "no room" in why["p2"]
    points = sweep(out, [0.0, 10.0, 20.0], config)
    assert [len(pt.selected) for pt in points] == [0, 1, 2]
    assert points[1].selected == {"p1"}
    found = alternatives(out, 2, config)
    assert found and all(a.selected != out.selected for a in found)
    for a in found:
        assert reference.schedule_feasible(inst, dict(a.plan.starts), 100)
