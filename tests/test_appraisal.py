"""Economic appraisal (spec §10) on cases worked out by hand, with an EIRR
found by the test's own bisection."""
import pytest

from model.appraisal import appraise_plan
from model.problem import Plan
from model.preprocess import prepare
from tests.builders import flow, instance, proj, road, seg, solve

FAST = road(100, 100, 0.05)  # gc 6 against road(100)'s 12


def annuity_due(rate: float, years: int) -> float:
    return sum((1 + rate) ** -i for i in range(years))


def bisect(f, lo: float, hi: float) -> float:
    for _ in range(200):
        mid = (lo + hi) / 2
        if (f(lo) < 0) == (f(mid) < 0):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def corridor(capex: float = 5.0, growth: float = 0.0, horizon: int = 2025):
    # one flow A-B, 100 kt, elasticity 1: C0 = 12; with p1 C = 6, V = 200.
    # Rule of half: 0.5 * (200 + 100) * (12 - 6) / 1000 = 0.9 USD m a year.
    return instance([seg("s", "A", "B", road(100))], [proj("p1", capex)],
                    [("p1", "s", FAST)], [flow("A", "B", 100, growth=growth)],
                    horizon=horizon)


def test_npv_bcr_eirr_of_one_project():
    # Benefits 2026..2045 (horizon 2025 + 20), 0.9 a year; capex 5 in 2026.
    a = appraise_plan(prepare(corridor()), Plan.of({"p1"}))
    pv_b = 0.9 * annuity_due(0.12, 20)
    assert a.pv_benefits_musd == pytest.approx(pv_b)
    assert a.pv_capex_musd == pytest.approx(5.0)
    assert a.npv_musd == pytest.approx(pv_b - 5.0)
    assert a.bcr == pytest.approx(pv_b / 5.0)
    irr = bisect(lambda r: 0.9 * annuity_due(r, 20) - 5.0, 0.0, 1.0)
    assert a.eirr_pct == pytest.approx(100 * irr, abs=1e-6)
    assert a.stream.years == tuple(range(2026, 2046))


def test_growth_stops_at_the_horizon():
    # 10 %/yr growth, horizon 2027: potential 110 in 2026, 121 from 2027 on.
    a = appraise_plan(prepare(corridor(growth=10.0, horizon=2027)), Plan.of({"p1"}))
    assert list(a.stream.benefits[:3]) == pytest.approx([0.99, 1.089, 1.089])
    assert a.stream.years[-1] == 2047


def test_no_portfolio_no_npv_and_no_eirr():
    a = appraise_plan(prepare(corridor()), Plan())
    assert a.npv_musd == 0 and a.bcr is None and a.eirr_pct is None


def test_a_project_that_never_pays_has_no_eirr_above_minus_99_percent():
    a = appraise_plan(prepare(corridor(capex=1000.0)), Plan.of({"p1"}))
    assert a.npv_musd < 0 and a.bcr < 1
    # 20 * 0.9 = 18 < 1000: NPV < 0 at every rate above -99%? At -99% the
    # benefits explode, so a root exists at a negative rate; it must be < 0.
    assert a.eirr_pct is None or a.eirr_pct < 0


def test_optimum_gets_the_same_figures_through_the_pipeline():
    out = solve(corridor(), 10)
    a = appraise_plan(out.prep, out.plan)
    assert out.selected == {"p1"}
    assert a.npv_musd == pytest.approx(0.9 * annuity_due(0.12, 20) - 5.0)
