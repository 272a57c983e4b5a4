"""model/arc_model.py: the piecewise-linear volume curve of spec §5, checked
against brute force on fine grids (no golden-section search, no bisection)."""
import numpy as np
import pytest

from model.arc_model import chord_error, max_ratio, volume_curve
from model.preprocess import prepare
from tests.builders import flow, instance, proj, road, seg


def brute_chord_error(ratio, e, points=200_001):
    """max over t in [1, ratio] of chord(t) / t^-e - 1, the chord of t^-e
    joining (1, 1) and (ratio, ratio^-e), on a fine grid."""
    t = np.linspace(1.0, ratio, points)
    chord = 1.0 + (ratio ** -e - 1.0) * (t - 1.0) / (ratio - 1.0)
    return float(np.max(chord * t ** e - 1.0))


@pytest.mark.parametrize("e", [0.3, 0.8, 1.0, 2.0, 3.5])
@pytest.mark.parametrize("ratio", [1.01, 1.2, 2.0, 5.0, 30.0])
def test_chord_error_against_a_fine_grid(ratio, e):
    brute = brute_chord_error(ratio, e)
    assert brute > 0  # t^-e is strictly convex: the chord always lies above
    assert chord_error(ratio, e) == pytest.approx(brute, rel=1e-6, abs=1e-12)


def test_chord_error_by_hand():
    # e = 1, ratio 2: chord(t) = 1 - (t - 1)/2 = (3 - t)/2; excess = t(3 - t)/2 - 1,
    # maximal at t = 1.5: 1.5 * 1.5 / 2 - 1 = 0.125.
    assert chord_error(2.0, 1.0) == pytest.approx(0.125, rel=1e-9)


@pytest.mark.parametrize("e", [0.3, 1.0, 2.2])
@pytest.mark.parametrize("tol", [0.0005, 0.002, 0.02])
def test_max_ratio_is_the_largest_within_tolerance(e, tol):
    r = max_ratio(e, tol)
    assert r > 1.0
    assert brute_chord_error(r, e) <= tol * (1 + 1e-6)
    assert brute_chord_error(r * 1.01, e) > tol


# One segment A-B: road(100) = 10 + 2 = 12 at 1 USD/t-h; p makes it
# road(100, 100, 0.01) = 1 + 1 = 2. Flows A->B:
#   0: e 2.0, growth 5% over 10 years: C0 = Cdn = 12, Cmin = 2 (ratio 6)
#   1: e 0.7, alt 9: C0 = Cdn = 9, Cmin = 2
#   2: e 1.3, own value of time 5: money 10 + 5*2 = 20 -> 1 + 5*1 = 6
#   3 (C->D, two parallel road(100)): e 1.0, committed c makes u
#      road(100, 50, 0.05) = 5 + 2 = 7, q makes v 2: C0 12, Cdn 7, Cmin 2
def curve_instance(objective="volume"):
    segs = [seg("s", "A", "B", road(100)), seg("u", "C", "D", road(100)),
            seg("v", "C", "D", road(100))]
    projs = [proj("p", 10), proj("c", 10, "committed"), proj("q", 10)]
    effects = [("p", "s", road(100, 100, 0.01)), ("c", "u", road(100, 50, 0.05)),
               ("q", "v", road(100, 100, 0.01))]
    flows = [flow("A", "B", 50, 2.0, growth=5, value=800),
             flow("A", "B", 30, 0.7, alt=9.0, value=300),
             flow("A", "B", 20, 1.3, vot=5.0, value=2000),
             flow("C", "D", 10, 1.0, value=100)]
    inst = instance(segs, projs, effects, flows, horizon=2035, objective=objective)
    return inst


LEVELS = [(12, 12, 2), (9, 9, 2), (20, 20, 6), (12, 7, 2)]  # (C0, Cdn, Cmin) by hand


def scale_by_hand(inst, k):
    f = inst.flows[k]
    p = f.base_volume_kt * (1 + f.growth_pct / 100) ** 10
    return p * (f.value_usd_per_t / 1000 if inst.parameters.objective == "value" else 1.0)


@pytest.mark.parametrize("objective", ["volume", "value"])
@pytest.mark.parametrize("tol", [0.002, 0.02])
def test_volume_curve_bounds_the_volume_within_tolerance(objective, tol):
    inst = curve_instance(objective)
    prep = prepare(inst)
    assert [(prep.c0[k], prep.cdn[k], prep.cmin[k]) for k in range(4)] == [
        pytest.approx(v) for v in LEVELS]
    for k, (c0, cdn, cmin) in enumerate(LEVELS):
        e = inst.flows[k].elasticity
        scale = scale_by_hand(inst, k)
        curve = volume_curve(prep, k, tol)
        costs, values = np.array(curve.costs), np.array(curve.values)
        assert curve.flow == k
        assert costs[0] == pytest.approx(cdn, rel=1e-12)
        assert costs[-1] == pytest.approx(cmin, rel=1e-12)
        assert len(costs) >= 2 and np.all(np.diff(costs) < 0)
        assert values == pytest.approx(scale * (costs / c0) ** -e, rel=1e-12)
        # every piece is within the largest ratio that keeps its chord error
        assert np.all(costs[:-1] / costs[1:] <= max_ratio(e, tol) * (1 + 1e-9))
        # the interpolation between breakpoints: never below the volume, at
        # most tol above it (relative), at many costs in [Cmin, Cdn]
        sample = np.concatenate([np.linspace(cmin, cdn, 4001),
                                 np.geomspace(cmin, cdn, 4001), costs])
        interp = np.interp(sample, costs[::-1], values[::-1])
        exact = scale * (sample / c0) ** -e
        assert np.all(interp >= exact * (1 - 1e-12))
        assert np.all(interp <= exact * (1 + tol) * (1 + 1e-9))
        # and the breakpoints are not needlessly dense: some piece comes near tol
        assert np.max(interp / exact - 1) > 0.2 * tol


def test_more_pieces_for_a_tighter_tolerance():
    prep = prepare(curve_instance())
    loose, tight = volume_curve(prep, 0, 0.02), volume_curve(prep, 0, 0.0005)
    assert len(tight.costs) > len(loose.costs)
