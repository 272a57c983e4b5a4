"""The one place where the family benchmark drives the model (issue 11).

``solve_instance(instance, formulation, time_limit)`` runs the model as the
CLI does (``model.pipeline.optimise``: preprocess, feasibility, solver
build, benefit/cost ranking, solve with the ranking as a start, best of
solver and ranking), evaluates the returned portfolio and the do-nothing
portfolio exactly (``model.evaluate.evaluate``) and returns plain numbers.

Everything that names a model module is in this file, so that when the model
is refactored (modules renamed) only this file has to follow. The timed
wrappers around solver internals (pricing, LP, MIP) are optional: a name
that is gone is skipped and its figure is left out, the run still counts.
"""
from __future__ import annotations

import importlib
import math
import re
import time
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Iterator

# HiGHS branch-and-bound log row: Src Proc InQueue Leaves Expl% BestBound BestSol Gap
#                                  Cuts InLp Confl LpIters Time
_MIP_ROW = re.compile(r"^\s*([A-Za-z])?\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+"
                      r"(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)s\s*$")
_ROUTE_LP = re.compile(r"route LP (\d+): value ([\d,.\-e+]+), bound ([\d,.\-e+inf]+), "
                       r"(\d+) routes added")


class Watch:
    """Seconds in, calls of, and the longest single call of a wrapped function."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.longest = 0.0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.perf_counter() - start
                self.seconds += took
                self.calls += 1
                self.longest = max(self.longest, took)
        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper


@contextmanager
def _watch(owner: Any, name: str, watches: dict[str, Watch], key: str) -> Iterator[None]:
    """Time owner.name for the block; do nothing if the owner or name is gone."""
    if owner is None or not hasattr(owner, name):
        yield
        return
    had_own = name in getattr(owner, "__dict__", {})
    original = getattr(owner, name)
    watch = watches[key] = Watch()
    setattr(owner, name, watch.wrap(original))
    try:
        yield
    finally:
        if had_own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or not math.isfinite(num) or abs(den) < 1e-12:
        return None
    return num / den


def _num(text: str) -> float | None:
    try:
        v = float(text.replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def solve_instance(instance: Any, budget: float, formulation: str, time_limit: float,
                   log: list[tuple[float, str]] | None = None) -> dict[str, Any]:
    """Solve one instance as the CLI does and measure it. ``log`` receives
    (seconds since the start, line) for every solver log line."""
    pipeline = importlib.import_module("model.sequencer")
    evaluate = importlib.import_module("model.evaluate").evaluate
    config = importlib.import_module("model.config").RunConfig(
        budget, time_limit_s=float(time_limit), formulation=formulation)
    inst = instance
    paths = _module("model.pricing")
    watches: dict[str, Watch] = {}
    lines: list[tuple[float, str]] = [] if log is None else log
    start = time.perf_counter()

    def on_line(text: str) -> None:
        lines.append((time.perf_counter() - start, text))

    with ExitStack() as stack:
        stack.enter_context(_watch(pipeline, "prepare", watches, "preprocess"))
        stack.enter_context(_watch(pipeline, "benefit_cost_ranking", watches, "ranking"))
        if formulation == "paths" and paths is not None:
            stack.enter_context(_watch(paths, "search_routes", watches, "pricing"))
            stack.enter_context(_watch(getattr(paths, "PathModel", None), "solve_mip",
                                       watches, "mip"))
            stack.enter_context(_watch(paths, "evaluate", watches, "exact"))
            stack.enter_context(_watch(getattr(paths, "PathModel", None), "add_route",
                                       watches, "add_route"))
            if hasattr(paths, "quiet_highs"):
                runs = watches["highs_run"] = Watch()
                quiet = paths.quiet_highs

                def timed_highs() -> Any:
                    h = quiet()
                    h.run = runs.wrap(h.run)
                    return h

                original = paths.quiet_highs
                paths.quiet_highs = timed_highs
                stack.callback(setattr, paths, "quiet_highs", original)
        start = time.perf_counter()
        outcome = pipeline.optimise(inst, config, on_log_line=on_line)
        optimise_s = time.perf_counter() - start

    prep, sol = outcome.prep, outcome.solution
    r: dict[str, Any] = {"optimise_s": optimise_s, "status": sol.status,
                         "message": sol.message, "objective": sol.objective, "bound": sol.bound,
                         "mip_gap": sol.mip_gap, "nodes": getattr(sol, "nodes", None)}
    r.update({f"{k}_s": v for k, v in outcome.timings.items()})
    r["variable_flows"] = len(getattr(prep, "variable", ()))
    r["decision_projects"] = len(getattr(prep, "decision", ()))
    start = time.perf_counter()
    do_nothing = evaluate(prep, frozenset()).objective
    has = getattr(sol, "has_portfolio", bool(outcome.selected) or sol.status == "optimal")
    exact = evaluate(prep, outcome.selected).objective if has else None
    r["evaluate_s"] = time.perf_counter() - start
    gain = None if exact is None else exact - do_nothing
    ranking = outcome.ranking.objective if outcome.ranking is not None else None
    r.update(do_nothing=do_nothing, exact=exact, gain=gain, ranking=ranking,
             selected=sorted(outcome.selected),
             gain_gap=_ratio(None if sol.bound is None or exact is None else sol.bound - exact,
                             gain),
             ranking_share=_ratio(None if ranking is None else ranking - do_nothing, gain))
    r["target_gap"] = outcome.gap
    for key, w in watches.items():
        r[f"{key}_s"] = round(w.seconds, 4)
        r[f"{key}_calls"] = w.calls
        r[f"{key}_longest_s"] = round(w.longest, 4)
    if "highs_run" in watches and "mip" in watches:
        r["lp_s"] = watches["highs_run"].seconds - watches["mip"].seconds
    if formulation == "paths" and outcome.solver is not None:
        r.update(_path_figures(outcome, lines, exact, gain))
    elif formulation == "arc" and outcome.solver is not None:
        r.update(_arc_figures(outcome, lines, exact, gain, time_limit))
    return r


def _path_figures(outcome: Any, lines: list[tuple[float, str]], exact: float | None,
                  gain: float | None) -> dict[str, Any]:
    pm = getattr(outcome.solver, "model", None)
    out: dict[str, Any] = {}
    st = getattr(pm, "stats", None)
    if st is not None:
        out.update(routes=len(getattr(pm, "routes", ())), lp_rounds=st.lp_iterations,
                   bb_nodes=st.nodes, root_routes=st.routes, root_bound=st.lp_bound,
                   root_s=st.times.get("lp"), incumbent_s=st.times.get("incumbent"),
                   proven=bool(st.proven))
        out["root_gain_gap"] = _ratio(None if st.lp_bound is None or exact is None
                                      else st.lp_bound - exact, gain)
    try:
        out.update(rows=pm.h.getNumRow(), cols=pm.h.getNumCol())
    except AttributeError:
        pass
    # the rounds of column generation: when the bound last moved
    rounds = []
    for t, text in lines:
        m = _ROUTE_LP.search(text)
        if m:
            rounds.append((t, _num(m.group(2)), _num(m.group(3)), int(m.group(4))))
    out["rounds_logged"] = len(rounds)
    if rounds:
        bounds = [(t, b) for t, _, b, _ in rounds if b is not None]
        if bounds:
            final = bounds[-1][1]
            moved = [t for (t, b), (_, prev) in zip(bounds[1:], bounds[:-1])
                     if prev - b > 1e-4 * max(1.0, abs(gain or 1.0))]
            out["bound_last_moved_s"] = moved[-1] if moved else bounds[0][0]
            out["first_bound_s"] = bounds[0][0]
            out["first_bound_gain_gap"] = _ratio(None if exact is None
                                                 else bounds[0][1] - exact, gain)
            out["final_round_bound"] = final
        gaps = [b[0] - a[0] for a, b in zip(rounds, rounds[1:])]
        out["longest_round_s"] = max(gaps) if gaps else None
    return out


def _arc_figures(outcome: Any, lines: list[tuple[float, str]], exact: float | None,
                 gain: float | None, time_limit: float) -> dict[str, Any]:
    sol = outcome.solution
    out: dict[str, Any] = {}
    highs = getattr(getattr(outcome.solver, "_highs", None), "_solver_model", None)
    if highs is not None:
        try:
            out.update(rows=highs.getNumRow(), cols=highs.getNumCol(), nonzeros=highs.getNumNz(),
                       highs_s=highs.getRunTime())
        except AttributeError:
            pass
    out["arc_states"] = sum(len(fa.arcs) for fa in getattr(outcome.prep, "variable", ()))
    texts = [text for _, text in lines]
    starts = [i for i, text in enumerate(texts) if text.startswith("Solving MIP model with")]
    block = lines[starts[-1]:] if starts else lines
    root_lp = root_end = first_inc = None
    in_root = True
    for t, text in block:
        row = _MIP_ROW.match(text)
        if row is None:
            continue
        proc, bound, best, lp_iters, secs = (int(row.group(2)), _num(row.group(6)),
                                             _num(row.group(7)), int(row.group(12)),
                                             float(row.group(13)))
        if root_lp is None and lp_iters > 0 and bound is not None and secs < 0.99 * time_limit:
            root_lp = (bound, secs)
        if in_root and proc == 0 and bound is not None:
            root_end = (bound, secs)
        if proc > 0:
            in_root = False
        if first_inc is None and best is not None:
            first_inc = (best, secs)
    def gg(v: float | None) -> float | None:
        return _ratio(None if v is None or exact is None else v - exact, gain)
    out.update(root_lp_bound=root_lp and root_lp[0], root_lp_s=root_lp and root_lp[1],
               root_lp_gain_gap=gg(root_lp and root_lp[0]),
               root_end_bound=root_end and root_end[0], root_end_s=root_end and root_end[1],
               root_end_gain_gap=gg(root_end and root_end[0]),
               first_incumbent_s=first_inc and first_inc[1],
               pwl_part=gg(sol.objective), bb_nodes=sol.nodes)
    return out


def roundtrip(instance: Any, budget: float, folder: Any) -> tuple[list[str], list[str]]:
    """Write the instance as a workbook (tests/workbooks.from_instance), read
    it back and validate it as the CLI does: (errors, warnings)."""
    from pathlib import Path

    from tests.workbooks import from_instance, write
    reader = importlib.import_module("model.reader")
    validate = importlib.import_module("model.validate")
    config = importlib.import_module("model.config").RunConfig(budget)
    path = write(Path(folder) / "instance.xlsx", from_instance(instance, config))
    raw = reader.read_workbook(path)
    inst, _, problems = validate.validate(raw)
    errors = [str(p) for p in problems if p.severity == "error"]
    warnings = [str(p) for p in problems if p.severity != "error"]
    if inst is None and not errors:
        errors.append("validate returned no instance")
    return errors, warnings
