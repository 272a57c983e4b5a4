"""The route-option formulation solved by branch-and-price (the default solver).

Per changeable flow a column is a route with its exact cost and volume, so
the master (route_master.py) is exact for binary x: no piecewise-linear
curve. Column generation prices routes by a label search (pricing.py); the
LP value plus each flow's best reduced cost is a valid upper bound on the
exact optimum at every complete round (Lagrangian bound). A MIP over the
generated routes gives a portfolio; if the bound is not yet within the gap, a
best-first branch-and-bound on the project variables, pricing at every node,
closes it. Before branching, a swap local search (polish.improve) improves
the best portfolio, each trial evaluated exactly.

The time of a solve is spent in named parts of its deadline: root column
generation at most ROOT_SHARE of it; of what is left, LOCAL_SHARE kept for
the local search; each MIP over the routes at most MIP_SHARE of the rest
and no longer than root column generation took (a heuristic should not
outweigh the proof: on a robust model over many draws the MIP over tens of
thousands of routes can take minutes to find nothing better than its
start); the rest in branch-and-bound. The root
gets most of the time: a root that has not converged leaves every node's
bound as loose as its own, and once the label search stopped exploding the
root converges on most instances well within it (longhaul 120/1, `auto`:
gain gap 5.6 % with half the time, 0.7 % with 0.8).
"""
from __future__ import annotations

import heapq
import logging
import math
import random
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .clock import Deadline
from .evaluate import open_set
from .numerics import INTEGRAL, REL
from .polish import drops, improve, kicked, rounded
from .preprocess import all_open_bound, required_closure
from .pricing import Priced, compiled, score_upper_bound, search_routes
from .problem import Plan, PortfolioProblem, Var, objective
from .race import ArcPartner
from .route_master import (Block, Infeasible, LpSolution, OutOfTime, RouteKey, RouteMaster,
                           route_key)
from .solution import Solution, Status

log = logging.getLogger(__name__)

ROOT_SHARE = 0.8  # of the solve's time, for root column generation (above)
MIP_SHARE = 0.5  # of the time left, for each MIP over the generated routes
MIP_MIN_S = 0.5  # the least time a MIP over the routes is given
MIP_ROUNDS = 3  # MIPs over the routes, each after adding its portfolio's exact routes
# of the time left after the root, kept for a swap local search from the best portfolio
# after the MIPs over the routes (polish.improve; before, the MIPs left it 0.2 s: longhaul
# 120/3 32,055 against 32,163 once it had 1.2 s); not on a mixture of draws, where an exact
# evaluation costs the number of variants more
LOCAL_SHARE = 0.15
ROUTES_PER_FLOW = 5  # routes a flow may add per pricing round
SMOOTHING = 0.5  # share of the centre's duals in the duals a round prices at (``price``)
# a root round at central duals (``price``) may take at most this share of the root's time:
# they penalise more projects than a vertex's, and where routes cross many of them the
# label searches can take far longer (longhaul 200/3: one round 52 s against 10 s)
CENTRAL_ROUND_SHARE = 0.25
# of a ``price`` call's time, for one flow's label search in a round (``_search``); a round
# whose searches the cap cut short and that adds no route prices again without it
SEARCH_SHARE = 0.01
LP_STILL = 1e-5  # relative: an LP value that moves less is stuck on a degenerate optimum
# ... and central duals only while the bound is this far above the LP value (relative): closer,
# a few more rounds at the simplex's duals finish, and an interior point solve costs far more
# than the simplex's warm re-solve (overlap 200/2, stalled at 0.0 %: proven in 25.5 s against
# 10.9 s without central duals)
CENTRAL_MIN_GAP = 0.01
# a smoothed round (central ones are smoothed too) prices each flow with its smallest
# project penalties dropped, as long as all it drops comes to at most this share of the gap
# between the bound and the LP value (``_screened``)
SCREEN = 0.05
KICKS_IDLE = 8  # kicks in a row without a better portfolio end the iterated local search
PROGRESS_EVERY_S = 5.0
RELAX_S = 0.5  # at most this long past the deadline bounding the blocks a round left


RACE_AFTER_S = 2.0  # a solve not settled by then gets the arc partner (auto formulation)
RACE_MIN_LEFT_S = 5.0  # ... when at least this much time is left to race
ABSORB_EVERY_BLOCKS = 50  # how often a pricing round looks at the partner's news
# a partner with no bound after PARTNER_GRACE of the solve's time, or PARTNER_MIN_S if
# longer, gives its core to pricing: its root LP alone takes longer than that (longhaul
# 120: 30 s of 60), and by then it has little chance to certify before the route
# formulation. At 40 towns its first bound came 4-6 s after it started; at 120 to 400 towns
# no partner running at 25 % of the time (0.25 before) had one, on any family
PARTNER_GRACE = 0.1
PARTNER_MIN_S = 10.0


@dataclass
class _SolveState:
    """One solve: its problem and deadline (cancelled once settled), the best
    plan of any origin, and the partner's bound."""

    problem: PortfolioProblem
    deadline: Deadline
    gap: float
    best: Plan | None
    began: float
    value: float = -math.inf
    outside_bound: float = math.inf
    # project variables fixed for the whole solve by the root's reduced costs, and the
    # largest bound of what that fixing gave up (within the gap of the best portfolio)
    fixed: dict[Var, float] = field(default_factory=dict)
    given_up: float = -math.inf
    ceiling: float = field(init=False)  # known before solving: every flow at its least cost

    def __post_init__(self) -> None:
        if self.best is not None:
            self.value = objective(self.problem.prep, self.best)
        self.ceiling = all_open_bound(self.problem.prep)

    def offer(self, plan: Plan, exact: Callable[[Plan], float]) -> None:
        """Keep a plan that fits and is exactly better."""
        if self.problem.fits(plan):
            value = exact(plan)
            if value > self.value:
                self.best, self.value = plan, value

    def bound(self, route_bound: float) -> float:
        """Every bound is valid: the smallest one."""
        return min(route_bound, self.outside_bound, self.ceiling)

    def settled(self, route_bound: float) -> bool:
        if self.best is None:
            return False
        tol = self.gap * abs(self.value) + REL * abs(self.value)
        return self.bound(route_bound) - self.value <= tol


@dataclass
class RouteStats:
    lp_bound: float | None = None
    lp_iterations: int = 0
    routes: int = 0
    nodes: int = 0
    reduced_cost_fixes: int = 0  # variables fixed for a subtree by their reduced cost
    central_rounds: int = 0  # pricing rounds at an interior point's duals (``price``)
    proven: bool = False
    raced: bool = False  # the arc formulation ran beside (model/race.py)
    times: dict[str, float] = field(default_factory=dict)


class _Stabiliser:
    """The duals a round of ``RouteSolver.price`` prices at, and when its LPs
    are solved for central duals.

    Stabilised at the ``root`` once a round fails to lower the bound
    (Wentges): the flows are then priced at SMOOTHING x the duals of the
    least Lagrangian value so far (the centre) plus the rest of the LP's,
    which damps the duals' swings from round to round that otherwise stall
    the bound while the LP creeps up (longhaul 120: 18 rounds at one
    bound). A route found there enters (it is a column like any other);
    when none improves the LP at its own duals (a mis-pricing), the round
    prices again at the LP's duals, which either finds one or proves the
    LP optimal, and later rounds smooth half as much. Not before the bound
    stalls: smoothed duals penalise more projects, and on longhaul 200 a
    round took 4x as long. Not in the nodes: there the first duals make a
    poor centre (chains 200/3: a node 10 -> 24 s).

    From the round that finds the bound stalled, more than CENTRAL_MIN_GAP
    above an unmoved LP value (a degenerate master, whose simplex duals
    jump between the vertices of an optimal face), the root's LPs are
    solved for central duals (``RouteMaster.solve_lp``): longhaul 120/2's
    root bound 36,831 -> 36,792 against an LP of 36,791.6. A round at them gets
    CENTRAL_ROUND_SHARE of the root's time; one that does not finish
    sends the root back to the simplex's duals. Every other LP only
    (``central_next``): the interior point solve starts from scratch and
    costs 2-4x the simplex's warm re-solve (longhaul 200/3: 5-9 s against
    1.5-3 s a round), while a simplex round between, smoothed towards the
    centre, lowers the bound as often (2.84 -> 1.81 % at 120 s)."""

    def __init__(self, root: bool):
        self.root = root
        self.centre: np.ndarray | None = None  # the duals of the least Lagrangian value
        self.centre_value = math.inf  # ... and that value
        self.smoothing = 0.0  # the centre's share once the bound stalls
        self.central = False  # the next LP is solved for central duals
        self.slow = False  # pricing at central duals took too long: not again
        self._last = math.nan  # the last LP's value
        self._still = False  # ... and whether it stood still
        self._size = 1.0  # its size, for relative tolerances
        self._was_central = False  # ... and whether it was solved for central duals

    def central_next(self) -> bool:
        """Whether the next LP is solved for central duals."""
        return self.central and not self._was_central

    def solved(self, lp: LpSolution) -> None:
        """Note a new LP's value."""
        self._was_central = lp.central
        self._size = max(1.0, abs(lp.value))
        self._still = abs(lp.value - self._last) <= LP_STILL * self._size
        self._last = lp.value

    def stuck(self, bound: float) -> bool:
        """Whether the last LP's value stood still (LP_STILL) more than
        CENTRAL_MIN_GAP below the bound: a degenerate master, not a tail
        that a few more rounds finish."""
        return self._still and bound - self._last > CENTRAL_MIN_GAP * self._size

    def share(self) -> float:
        """The centre's share in the duals of the LP's first round."""
        return self.smoothing if self.centre is not None else 0.0

    def mixed(self, duals: np.ndarray, share: float) -> np.ndarray:
        """``share`` x the centre plus the rest of the LP's ``duals`` (the LP's
        own array when share is 0; rows added since the centre count 0)."""
        if not share:
            return duals
        old = np.zeros(len(duals))
        old[:len(self.centre)] = self.centre[:len(duals)]
        return share * old + (1.0 - share) * duals

    def priced(self, duals: np.ndarray, value: float, bound: float, share: float) -> None:
        """A round at ``duals`` gave Lagrangian ``value`` (``bound``: the least
        before it). A root round that fails to lower the bound starts the
        smoothing, and central duals when the LP is ``stuck``."""
        if self.root and value >= bound and self.centre is not None:  # the bound stalled
            if not share:
                self.smoothing = SMOOTHING
            self.central = self.central or (not self.slow and self.stuck(bound))
        if value < self.centre_value:
            self.centre, self.centre_value = duals, value

    def mispriced(self) -> None:
        """No route found at smoothed duals improves the LP: the round prices
        again at the LP's own, and later rounds smooth half as much."""
        self.smoothing /= 2

    def too_slow(self) -> None:
        """A round at central duals did not finish: back to the simplex's duals
        for good, with a centre taken from them."""
        self.central, self.slow, self.centre, self.centre_value = False, True, None, math.inf


class RouteSolver:
    """PortfolioSolver for the route formulation: the master is built once and
    kept (with its routes) across solves of other problems on the same network."""

    name = "paths"

    def __init__(self, problem: PortfolioProblem, *,
                 on_log_line: Callable[[str], None] | None = None):
        self.prep = problem.prep
        self._say = on_log_line or (lambda _: None)
        self.master = RouteMaster(self.prep, problem, log=self._say)
        self.stats = RouteStats()
        self.converged = False
        self._last: LpSolution | None = None  # the last route LP solved
        # of the last ``price``: the reduced costs at its least Lagrangian value, and that value
        self._fixing: tuple[dict[Var, float], float] = ({}, math.inf)
        self._fruitless: dict[int, tuple[float, dict[str, float]]] = {}  # block -> its duals
        # a race (model/race.py): how to start the arc partner, and the partner once started
        self.partner_factory: Callable[[PortfolioProblem, Deadline, float, Plan | None],
                                       ArcPartner] | None = None
        self.partner: ArcPartner | None = None
        self._solve: _SolveState | None = None
        self.threads = 1  # label searches at once, when the cores are the solver's (_threads)
        self.sampled_sets = 0  # open sets drawn from each root LP for routes (_sampled_routes)
        self.neighbours = False  # routes one project away from a stuck root LP
        self._pool: ThreadPoolExecutor | None = None
        # in branch-and-bound, the largest bound of the nodes other than the one
        # being priced: a node's own bound is not the solve's
        self._elsewhere = -math.inf
        self._partner_since = math.inf  # when the partner started

    def solve(self, problem: PortfolioProblem, *, deadline: Deadline, gap: float,
              start: Plan | None = None) -> Solution:
        self.master.sync(problem)
        if not self.master.nets:
            return self._trivial(problem)
        chosen = start if start is not None and problem.fits(start) else None
        state = self._solve = _SolveState(problem, Deadline(deadline.remaining(), parent=deadline),
                                          gap, chosen, time.perf_counter())
        try:
            return self._branch_and_price(state)
        except Exception as exc:  # a solver failure must become a status, not a traceback
            log.exception("route solver failed")
            return Solution(Status.FAILED, solve_s=deadline.elapsed(),
                            message=f"the solver failed: {exc}")
        finally:
            if self.partner is not None:
                self.partner.stop()
                self.partner = None
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            self._solve = None

    def _trivial(self, problem: PortfolioProblem) -> Solution:
        """No project can change any flow: the objective is a constant and the
        portfolio is the must_do (and forced) projects with what they require
        (their feasibility is checked before solving)."""
        chosen: frozenset[str] = frozenset()
        for p in set(self.prep.must_do) | problem.forced:
            chosen |= required_closure(self.prep.instance, p)
        plan = Plan.scheduled({p: problem.windows[p][0] for p in chosen})
        value = objective(self.prep, plan)
        return Solution(Status.OPTIMAL, plan, value, value, 0.0,
                        "no project can change any flow's route")

    # -- column generation ---------------------------------------------------------------
    def price(self, deadline: Deadline, *, root: bool = False) -> float:
        """Solve the LP, add each flow's best routes, until no route improves or
        the deadline passes. Returns a valid upper bound on the exact optimum
        (of the variables not fixed by ``root`` rounds, below): the least
        Lagrangian value met (``_price_at``); once no route improves it equals
        the LP value.

        At the ``root`` the duals a round prices at are stabilised
        (``_Stabiliser``); every Lagrangian point's reduced costs there fix
        variables for the whole solve (``_fix_at_root``)."""
        m = self.master
        bound = math.inf
        self.converged = False
        self._fixing = ({}, math.inf)
        stab = _Stabiliser(root)
        while True:
            self._absorb(bound)
            try:
                lp = m.solve_lp(deadline, central=stab.central_next())
            except OutOfTime:  # no LP yet: the bound everyone has
                return bound if math.isfinite(bound) else all_open_bound(self.prep)
            self._last = lp
            known = len(m.routes)
            stab.solved(lp)
            if root:
                self._sampled_routes(lp)
                if stab.stuck(bound):
                    self._neighbour_routes(self._solve.problem, lp, deadline)
            unseen = m.keys_since(known)  # routes the LP has not seen
            rounds = Deadline(CENTRAL_ROUND_SHARE * (deadline.at - deadline.start),
                              parent=deadline) if lp.central else deadline
            share = stab.share()
            cap = SEARCH_SHARE * (deadline.at - deadline.start)
            while True:
                duals = stab.mixed(lp.duals, share)
                added, value, reduced, whole, capped = self._price_at(
                    duals, lp, bound, rounds, unseen, self._cut(bound, lp, share), cap)
                stab.priced(duals, value, bound, share)
                bound = min(bound, value)
                if value < self._fixing[1]:
                    self._fixing = (reduced, value)
                if root:
                    self._fix_at_root(reduced, value)
                if not whole or added:
                    break
                if share:
                    share = 0.0
                    stab.mispriced()
                elif capped:  # only a search run to its end proves the LP optimal
                    cap = math.inf
                else:
                    break
            self.stats.lp_iterations += 1
            self.stats.central_rounds += lp.central
            self._say(f"route LP {self.stats.lp_iterations}: value {lp.value:,.4f}, bound"
                      f" {bound:,.4f}, {added} routes added ({len(m.routes)} in all)")
            if not whole and lp.central and not deadline.expired():
                stab.too_slow()
                self._say("root: pricing at central duals too slow; back to the simplex's")
                continue
            if not whole:
                return bound
            if not added:
                self.converged = True
                return bound
            if deadline.expired():
                return bound

    def _cut(self, bound: float, lp: LpSolution, share: float) -> float:
        """How much of each flow's penalties a round may drop (``_screened``):
        SCREEN of the gap between the bound and the LP value, shared among the
        flows, in smoothed rounds (central duals are smoothed too), whose
        duals spread each project's value over many flows. None at the LP's
        own duals: a round there that finds nothing proves the LP optimal,
        and a smoothed round that adds nothing prices again there."""
        if not share or not math.isfinite(bound):
            return 0.0
        return SCREEN * max(0.0, bound - lp.value) / len(self.master.blocks)

    def _sampled_routes(self, lp: LpSolution) -> None:
        """Each flow's best route under ``sampled_sets`` open sets drawn from the
        LP (each project open with its LP value), cheap next to a pricing
        round (one shortest-path tree per origin and set: 0.03 s a round at
        120 towns). They are routes the LP can mix into portfolios near its
        own; on long-haul networks, whose root LP climbs slowly from the
        ranking's routes, they lift it (longhaul 200/3 at 96 s: LP 47,420 ->
        48,013, bound 51,691 -> 50,810). One-shot runs only (a programme's
        variables are start years)."""
        if not self.sampled_sets or self.prep.timeline.programme:
            return
        rng = random.Random(len(self.master.routes))  # the same draws for the same run
        committed = self.prep.open_in(self.prep.timeline.epochs[0][0])
        for _ in range(self.sampled_sets):
            self.master.routes_of(committed | frozenset(
                v[0] for v, x in lp.w.items() if rng.random() < x))

    def _neighbour_routes(self, problem: PortfolioProblem, lp: LpSolution,
                          deadline: Deadline) -> None:
        """Each flow's best route under every open set one project away from the
        LP's rounded one (w >= 1/2): each project outside opened with what it
        requires, each inside that may go closed with what requires it
        (``polish.drops``: must_do and forced ones stay). A stuck root LP
        (``_Stabiliser.stuck``) sits on a degenerate vertex: a move to a
        better portfolio needs routes through the same new project on many
        flows at once, and pricing at its duals adds them one flow at a time
        (longhaul 200/3: the LP stood at 46,948 from round 3 to round 11 of 14
        in 96 s; with these routes it rose to 48,143 by round 9, and the bound
        at 96 s fell from 48,887 to 48,572-48,657). A set costs one
        shortest-path pass per origin (0.01 s at 200 towns). One-shot runs
        of their own only, as ``_sampled_routes``."""
        if not self.neighbours or self.prep.timeline.programme:
            return
        starts = {p: y for (p, y), x in lp.w.items() if x >= 0.5}
        committed = self.prep.open_in(self.prep.timeline.epochs[0][0])
        base = committed | frozenset(starts)
        sets = [base | {p} | required_closure(self.prep.instance, p)
                for p in self.prep.decision if p not in base]
        sets += [committed | frozenset(rest) for _, rest in drops(problem, starts)]
        for applied in dict.fromkeys(sets):
            if deadline.expired():
                return
            self.master.routes_of(applied)

    def _price_at(self, duals: np.ndarray, lp: LpSolution, bound: float, deadline: Deadline,
                  unseen: set[RouteKey], cut: float = 0.0, cap: float = math.inf
                  ) -> tuple[int, float, dict[Var, float], bool, bool]:
        """One pricing round at ``duals``: each block's best routes scoring above
        its convexity multiplier, searched with at most ``cut`` of its
        penalties dropped (``_screened``; only when smoothed) and for at most
        ``cap`` seconds (``_search``); routes found
        away from the LP's own duals all enter, those that improve the LP at
        its own duals are counted. Returns (routes
        that improve the LP and were not in it: added now, or among those added
        after it was solved, ``unseen``; the Lagrangian value at ``duals``, the
        project variables' reduced costs there, whether every block was
        priced, whether the cap cut a search short). The value is each block's
        best score (at most its bound, as ``Priced.upper`` when a search was
        cut short; its columns' best, as some may leave the searched network:
        ``RouteMaster.best_columns``) plus the other rows' terms
        (``RouteMaster.lagrangian``); once the deadline passes, the blocks
        left are bounded by the cheap relaxation (pricing.py)."""
        m = self.master
        smoothed = duals is not lp.duals
        if smoothed or lp.central:  # the Lagrangian at any multipliers
            base, reduced = m.lagrangian(duals)
            columns = m.best_columns(duals)
        else:  # a vertex's duals: strong duality, and every column priced out
            base = lp.value - sum(float(duals[r]) for r in m.convexity)
            reduced, columns = lp.reduced, np.full(len(m.blocks), -math.inf)
        value, added, capped = base, 0, False
        searches = _Searches(self, duals, deadline, cut, cap)
        for i, block in enumerate(m.blocks):
            if i % ABSORB_EVERY_BLOCKS == 0:
                self._absorb(bound)
            pi, penalty = searches.duals(i)
            priced = searches.result(i)
            if priced is None:  # the deadline passed: the blocks left, the cheap relaxation
                searches.stop()
                until = time.perf_counter() + RELAX_S
                for b in m.blocks[i:]:
                    if time.perf_counter() > until:
                        return added, math.inf, reduced, False, capped  # no time: no bound
                    value += max(float(duals[m.convexity[b.index]]), columns[b.index],
                                 score_upper_bound(b.net, m.penalties(b, duals), b.scale))
                return added, value, reduced, False, capped
            if priced is _FRUITLESS:
                value += max(pi, columns[block.index])
                continue
            self._remember(block.index, pi, searches.seen(i), priced)
            value += max(pi, priced.upper, columns[block.index])  # also when cut short
            capped = capped or not (priced.complete or deadline.expired())
            at_lp = m.penalties(block, lp.duals) if smoothed else penalty
            floor = float(lp.duals[m.convexity[block.index]])
            tol = REL * max(1.0, abs(floor))
            for score, cost, used in priced.routes:
                if smoothed:
                    score = block.scale * cost ** -block.net.elasticity - sum(
                        at_lp.get(p, 0.0) for p in used)
                if (smoothed or score > floor + tol) and (
                        m.add_route(block.family, cost, used)
                        or route_key(block.family, cost, used) in unseen):
                    added += score > floor + tol
        return added, value, reduced, True, capped

    def _search(self, block: Block, pi: float, penalty: dict[str, float],
                deadline: Deadline, cap: float = math.inf) -> Priced | None:
        """A block's label search at these duals; None once the deadline has
        passed; _FRUITLESS when it cannot find anything (``_fruitless_still``).

        A compiled search stops after ``cap`` seconds with the routes it found
        and a bound on the rest (``search_routes``): a few flows' searches
        can take most of a round (longhaul 200/1 at 120 s: one took 9.4 s of
        a 16.8 s round, another 3.9 s), and the bound falls with every round.
        Not the Python search, run before the kernel loads: it decides
        whether to load it by the time left."""
        if deadline.expired():
            return None
        if self._fruitless_still(block.index, pi, penalty):
            return _FRUITLESS
        within = Deadline(cap, parent=deadline) if compiled() else deadline
        return search_routes(block.net, penalty, pi, keep=ROUTES_PER_FLOW, scale=block.scale,
                             deadline=within)

    def _threads(self) -> int:
        """Label searches at once: ``threads`` when the second core is free (no
        partner racing on it) and the searches run compiled (they release the
        GIL; the Python search does not)."""
        return self.threads if self.partner is None and compiled() else 1

    def _remember(self, block: int, pi: float, penalty: dict[str, float],
                  priced: Priced) -> None:
        """Keep the duals at which a block's complete search found no route
        above pi."""
        if priced.routes or not priced.complete:
            self._fruitless.pop(block, None)
        else:
            self._fruitless[block] = (pi, penalty)

    def _fruitless_still(self, block: int, pi: float, penalty: dict[str, float]) -> bool:
        """Skip a search that cannot find anything: the block found no route
        scoring above its convexity dual before, and since then that dual has
        not fallen and no project's penalty has fallen (a route's score can
        only have fallen, the bar only risen). Exact: the search is a function
        of these duals alone."""
        before = self._fruitless.get(block)
        if before is None:
            return False
        old_pi, old_penalty = before
        return pi >= old_pi and all(penalty.get(p, 0.0) >= v for p, v in old_penalty.items())

    # -- the algorithm --------------------------------------------------------------------
    def _branch_and_price(self, state: _SolveState) -> Solution:
        """Column generation to a valid bound, a MIP over the routes for a
        portfolio, then best-first branch-and-bound on the projects until the
        bound is within the gap or the deadline passes."""
        m, stats, say = self.master, self.stats, self._say
        problem, deadline, gap, start = state.problem, state.deadline, state.gap, state.best
        t0 = time.perf_counter()
        if start is not None:
            self._routes_of(start)
        m.fix({})
        self._last = None
        try:
            bound = self.price(deadline.part(ROOT_SHARE), root=True)
        except Infeasible:
            if not state.fixed:
                return self._infeasible(deadline)
            # the root's reduced-cost fixes leave no portfolio: none beats the best (there
            # is one: fixing needs it) by more than the gap
            stats.proven = True
            return Solution(Status.OPTIMAL, state.best, state.value,
                            max(state.given_up, state.value), deadline.elapsed(), "")
        stats.lp_bound, stats.routes = bound, len(m.routes)
        root, root_fixing, converged = self._last, self._fixing, self.converged
        stats.times["lp"] = time.perf_counter() - t0
        say(f"progress: {time.perf_counter() - t0:.1f} s: column generation bound {bound:,.1f}"
            f" ({len(m.routes)} routes, {stats.lp_iterations} LP solves)")
        for near in (problem.plan_of(root.w if root is not None else {}),
                     rounded(problem, root.w if root is not None else {})):
            if near is not None:
                state.offer(near, self._exact)
        say(f"progress: the root LP rounded: best portfolio {state.value:,.1f}")
        self._absorb(bound)
        root_s = stats.times["lp"]
        polishing = not self.prep.mixture
        local_s = LOCAL_SHARE * deadline.remaining() if polishing else 0.0
        mips = deadline.part(1.0 - LOCAL_SHARE) if polishing else deadline
        for _ in range(0 if state.settled(bound) else MIP_ROUNDS):  # MIP over the routes; add
            # the exact routes of its pick (not needed when the start is proven at the root)
            if mips.expired():
                break
            status, chosen, _, _ = m.solve_mip(
                time_limit=min(max(MIP_MIN_S, min(MIP_SHARE * mips.remaining(), root_s)),
                               mips.remaining()),
                gap=gap / 10, start=state.best, deadline=mips)
            if status is Status.INFEASIBLE:
                return self._infeasible(deadline)
            if status is Status.FAILED:
                break
            state.offer(chosen, self._exact)
            say(f"progress: MIP over the routes: best portfolio {state.value:,.1f}")
            n = len(m.routes)
            self._routes_of(chosen)
            if len(m.routes) == n:
                break
        if state.best is not None and not state.settled(bound) and polishing:
            began, before = time.perf_counter(), state.value
            search = Deadline(local_s, parent=deadline) if converged else deadline
            state.offer(improve(problem, state.best, search), self._exact)
            self._routes_of(state.best)
            say(f"progress: local search: best portfolio {before:,.1f} -> {state.value:,.1f}"
                f" in {time.perf_counter() - began:.1f} s")
            if not converged:
                self._kick(state, bound)
        stats.times["incumbent"] = time.perf_counter() - t0
        self._absorb(bound)
        if state.best is None:
            return Solution(Status.FAILED, solve_s=deadline.elapsed(),
                            message="no portfolio was found within the time limit")
        say(f"progress: {time.perf_counter() - t0:.1f} s: best portfolio {state.value:,.1f},"
            f" bound {state.bound(bound):,.1f}")
        bound = self._branch(state, bound, root, root_fixing, t0)
        m.fix({})
        self._absorb(bound)
        bound = state.bound(bound)
        proven = state.settled(bound)
        stats.proven = proven
        stats.times["total"] = time.perf_counter() - t0
        return Solution(Status.OPTIMAL if proven else Status.TIME_LIMIT, state.best,
                        state.value, max(bound, state.value), deadline.elapsed(),
                        "" if proven else "stopped at the time limit; best portfolio found kept",
                        nodes=stats.nodes)

    def _kick(self, state: _SolveState, bound: float) -> None:
        """An iterated local search (``polish.kicked``) after a root that did
        not converge, until KICKS_IDLE kicks in a row find nothing better, the
        gap is closed or the time is up: branching from its LP seldom lowers
        the bound in the time left (a node prices again, and the bound falls
        only once both children have; no run of the families did), but a
        better portfolio narrows the gap (longhaul 200/3: 48,381.9 ->
        48,448.3, the best known, at the third to fifth kick, given 16-20 s)."""
        began, before, kicks, idle = time.perf_counter(), state.value, 0, 0
        rng = random.Random(0)  # the same kicks for the same run
        while not (state.deadline.expired() or state.settled(bound)) and idle < KICKS_IDLE:
            kicks, value = kicks + 1, state.value
            state.offer(improve(state.problem, kicked(state.problem, state.best, rng),
                                state.deadline), self._exact)
            idle = 0 if state.value > value else idle + 1
            self._absorb(bound)
        if state.value > before:  # the local search's plan has its routes already
            self._routes_of(state.best)
        self._say(f"progress: {kicks} kicks of the local search: best portfolio {before:,.1f}"
                  f" -> {state.value:,.1f} in {time.perf_counter() - began:.1f} s")

    def _absorb(self, route_bound: float) -> None:
        """The race: start the arc partner once the solve has run RACE_AFTER_S
        without settling; take its portfolios (exactly evaluated) and its
        bound; end the solve once the best bound of either is within the gap."""
        state = self._solve
        if state is None:
            return
        route_bound = max(route_bound, self._elsewhere)
        if self.partner is None and self.partner_factory is not None and \
                time.perf_counter() - state.began > RACE_AFTER_S and \
                not state.settled(route_bound) and state.deadline.remaining() > RACE_MIN_LEFT_S:
            try:
                self._partner_since = time.perf_counter()
                self.partner = self.partner_factory(state.problem, state.deadline, state.gap,
                                                    state.best)
            except OSError as exc:  # the partner only helps: go on alone
                log.warning("the arc formulation could not start beside the route"
                            " formulation (%s); going on with the route formulation alone", exc)
                self.partner_factory = None
                return
            self.stats.raced = True
            self._say("progress: the arc formulation races the route formulation on the"
                      " second core")
        if self.partner is None:
            return
        for selected in self.partner.poll():
            state.offer(Plan.of(selected), self._exact)
        state.outside_bound = self.partner.bound
        if state.settled(route_bound):
            state.deadline.cancel()
        elif not math.isfinite(self.partner.bound) and self.threads > 1 and \
                time.perf_counter() - self._partner_since > max(
                    PARTNER_MIN_S, PARTNER_GRACE * (state.deadline.at - state.deadline.start)):
            for selected in self.partner.stop():
                state.offer(Plan.of(selected), self._exact)
            self.partner = self.partner_factory = None
            self._say("progress: the arc formulation has no bound yet: stopped; the route"
                      " formulation prices on both cores")

    def _exact(self, plan: Plan) -> float:
        return objective(self.prep, plan)

    def _routes_of(self, plan: Plan) -> None:
        """Each flow's best route under each open set the plan has."""
        starts = dict(plan.starts)
        for o in dict.fromkeys(open_set(self.prep, starts, years[0])
                               for years in self.prep.timeline.epochs):
            self.master.routes_of(o)

    @staticmethod
    def _infeasible(deadline: Deadline) -> Solution:
        return Solution(Status.INFEASIBLE, solve_s=deadline.elapsed(),
                        message="no portfolio satisfies the budget and project rules")

    def _branch(self, state: _SolveState, root_bound: float, root: LpSolution | None,
                root_fixing: tuple[dict[Var, float], float], t0: float) -> float:
        """Best-first branch-and-bound on w with column generation at every node;
        the incumbent is kept in the solve's state. A node's reduced costs fix
        variables for its subtree (``_fixed_by_reduced_cost``). Returns a valid
        bound on the route formulation's side (the best open node's bound)."""
        m, inst, problem, deadline = self.master, self.prep.instance, state.problem, \
            state.deadline

        def closed(b: float) -> bool:
            return state.settled(b)

        def children(w: dict[Var, float], fixes: dict[Var, float], b: float) -> list:
            frac = [v for v, value in w.items()
                    if INTEGRAL < value < 1 - INTEGRAL and v not in fixes]
            if not frac:
                return []
            v = max(frac, key=lambda q: (min(w[q], 1 - w[q]) * inst.project(q[0]).capex_musd,
                                         q))
            return [(-b, next(tick), {**fixes, v: 1.0}), (-b, next(tick), {**fixes, v: 0.0})]

        dropped = state.given_up  # the largest bound of a node left unexplored within the gap

        def fixed(fixing: tuple[dict[Var, float], float], fixes: dict[Var, float]
                  ) -> dict[Var, float]:
            nonlocal dropped
            more, given_up = self._fixed_by_reduced_cost(state, *fixing, fixes)
            dropped = max(dropped, given_up)
            return {**fixes, **more}

        tick = iter(range(1, 1 << 62))
        heap = children(root.w if root is not None else {},
                        fixed(root_fixing, dict(state.fixed)), root_bound)
        if not heap or closed(root_bound):
            return max(root_bound, dropped)
        last = time.perf_counter()
        while heap and not deadline.expired():
            negb, _, fixes = heapq.heappop(heap)
            if closed(-negb):
                heapq.heappush(heap, (negb, 0, fixes))
                break
            m.fix(fixes)
            self.stats.nodes += 1
            self._say(f"node {self.stats.nodes}: fixed {fixes}, parent bound {-negb:,.4f}")
            self._elsewhere = max([-h[0] for h in heap] + [dropped])
            try:
                b = self.price(deadline)
            except Infeasible:
                continue
            finally:
                self._elsewhere = -math.inf
            b = min(b, -negb)
            if not self.converged:  # out of time: the node stays open with what is known
                heapq.heappush(heap, (-b, next(tick), fixes))
                break
            w = dict(self._last.w)
            kids = children(w, fixed(self._fixing, fixes), b)
            if not kids or b > state.value:
                state.offer(problem.plan_of(w), self._exact)
            self._absorb(max([-h[0] for h in heap] + [b]))
            if kids and not closed(b):
                for kid in kids:
                    heapq.heappush(heap, kid)
            elif kids:
                dropped = max(dropped, b)
            if time.perf_counter() - last > PROGRESS_EVERY_S:
                last = time.perf_counter()
                top = -heap[0][0] if heap else state.value
                self._say(f"progress: {last - t0:.1f} s: branch-and-bound, {self.stats.nodes}"
                          f" nodes, best portfolio {state.value:,.1f}, bound"
                          f" {state.bound(top):,.1f}")
        return max([-h[0] for h in heap] + [state.value, dropped])

    def _fix_at_root(self, reduced: dict[Var, float], lagrangian: float) -> None:
        """Fix for the whole solve the variables whose reduced costs at a root
        Lagrangian point rule out their other end (``_fixed_by_reduced_cost``;
        the point's bound is valid whether or not the round has converged). A
        project fixed at 0 leaves the label searches: on long-haul networks,
        where routes cross many priced projects, that is what makes them slow."""
        state = self._solve
        if state is None:
            return
        more, given_up = self._fixed_by_reduced_cost(state, reduced, lagrangian, state.fixed)
        if more:
            state.fixed.update(more)
            state.given_up = max(state.given_up, given_up)
            self.master.fix(state.fixed)
            self._say(f"root: reduced costs fix {len(more)} project variables"
                      f" ({len(state.fixed)} in all)")

    def _fixed_by_reduced_cost(self, state: _SolveState, reduced: dict[Var, float],
                               lagrangian: float, fixes: dict[Var, float]
                               ) -> tuple[dict[Var, float], float]:
        """Variables a node's subtree can hold at one end of their box. The
        Lagrangian bound at some multipliers (every row but the convexity ones
        dualised; ``RouteMaster.lagrangian``) takes each variable's best end,
        so the subtree with a variable at its other end is bounded by that
        bound less |reduced cost| x (upper - lower). Where that leaves nothing
        better than the best portfolio by more than the gap, the other end need
        not be explored. Returns the fixes and the largest bound so given up
        (-inf: none)."""
        if not math.isfinite(lagrangian) or state.best is None:
            return {}, -math.inf
        out: dict[Var, float] = {}
        given_up = -math.inf
        for v, d in reduced.items():
            low, high = self.master.bounds[v]
            if v in fixes or high - low <= INTEGRAL or d == 0.0:
                continue
            at = low if d < 0 else high
            other = lagrangian - abs(d) * (high - low)
            if state.settled(other):
                out[v] = at
                given_up = max(given_up, other)
        self.stats.reduced_cost_fixes += len(out)
        return out, given_up


_FRUITLESS = Priced([], True, -math.inf)  # a search skipped: it cannot find anything


def _screened(penalty: dict[str, float], cut: float) -> dict[str, float]:
    """``penalty`` without its smallest positive penalties, as many as sum to
    at most ``cut``. Lower penalties only raise a route's score, so a search
    at them still bounds the flow's best score from above (at most ``cut``
    higher) and one that finds nothing there proves there is nothing. Central
    and smoothed duals spread each project's value over many flows, and each
    tiny penalty splits the labels at every node: the 200 searches of longhaul
    200/3's first central round took 20.2 s, 9.9 s with those summing to 0.1 %
    of the flow's convexity dual dropped, 6.6 s with 1 %."""
    if cut <= 0.0:
        return penalty
    screened, dropped = dict(penalty), 0.0
    for v, p in sorted((v, p) for p, v in penalty.items() if 0.0 < v < math.inf):
        dropped += v
        if dropped > cut:
            break
        del screened[p]
    return screened


class _Searches:
    """One pricing round's label searches, block by block in order, on
    ``RouteSolver._threads`` threads: the searches of the next blocks run while
    the solver adds the routes of this one, so the routes enter the master in
    the same order whatever the number of threads. No search starts once the
    deadline has passed; a running one stops at its next clock read."""

    def __init__(self, solver: RouteSolver, duals: np.ndarray, deadline: Deadline,
                 cut: float = 0.0, cap: float = math.inf):
        self.solver, self.duals_at, self.deadline, self.cut = solver, duals, deadline, cut
        self.cap = cap
        self.blocks = solver.master.blocks
        self._asked: list[tuple[float, dict[str, float]]] = []
        self._seen: list[dict[str, float]] = []  # the penalties each search is given
        self._futures: dict[int, Future] = {}
        threads = solver._threads()
        self.ahead = 2 * threads if threads > 1 else 0
        if self.ahead and solver._pool is None:
            solver._pool = ThreadPoolExecutor(threads, thread_name_prefix="pricing")

    def duals(self, i: int) -> tuple[float, dict[str, float]]:
        """Block i's convexity dual and project penalties (worked out once)."""
        m = self.solver.master
        while len(self._asked) <= i:
            block = self.blocks[len(self._asked)]
            penalty = m.penalties(block, self.duals_at)
            self._asked.append((float(self.duals_at[m.convexity[block.index]]), penalty))
            self._seen.append(_screened(penalty, self.cut))
        return self._asked[i]

    def seen(self, i: int) -> dict[str, float]:
        """Block i's penalties as its search is given them (``_screened``)."""
        self.duals(i)
        return self._seen[i]

    def result(self, i: int) -> Priced | None:
        """Block i's search (``RouteSolver._search``), the next ones started."""
        if not self.ahead:
            return self.solver._search(self.blocks[i], self.duals(i)[0], self.seen(i),
                                       self.deadline, self.cap)
        pool = self.solver._pool
        assert pool is not None  # made in __init__ when ahead
        for j in range(i, min(i + self.ahead + 1, len(self.blocks))):
            if j not in self._futures:
                self._futures[j] = pool.submit(self.solver._search, self.blocks[j],
                                               self.duals(j)[0], self.seen(j), self.deadline,
                                               self.cap)
        return self._futures.pop(i).result()

    def stop(self) -> None:
        """The round ends early: searches not started are dropped, running ones
        end at the deadline."""
        for future in self._futures.values():
            future.cancel()
        for future in self._futures.values():
            if not future.cancelled():
                future.result()
        self._futures.clear()
