"""The compiled label search behind ``pricing.search_routes`` (numba, nopython).

Imported only when a search is worth compiling (``pricing._use_compiled``):
importing numba costs about half a second and the first call compiles (or
loads from numba's on-disk cache, ``cache=True``).

It is the pure-Python search of ``pricing._search_python`` step for step:
the same heap order (cost, then push order), the same pruning and the same
dominance, so both find the same routes. Labels are kept as a struct of
arrays (node, cost, penalty, predecessor entry and arc, and the penalised
projects as ``n_words`` uint64 words per label); the labels kept at a node
form a linked list through ``nxt``, each with its ``live`` words: the
penalised projects of its mask that a completion able to beat the bar (as it
stood when the label was made) could still reach (``reach``). The clock is
read every ``check_every`` pops in object mode (``_stop``).
"""
from __future__ import annotations

import threading
import time
import warnings

import numpy as np
from numba import njit, objmode
from numba.core.errors import NumbaWarning

# Per thread, ``check``: a callable (no arguments) saying whether the run was cancelled, set
# by pricing.search_routes around a call; read with the clock. Per thread, as the route
# solver runs searches on two threads at once (the kernel releases the GIL).
CANCELLED = threading.local()
# the clock read re-takes the GIL (object mode), as it should: not a warning for the console
warnings.filterwarnings("ignore", message=".*Code running in object mode",
                        category=NumbaWarning)


SLACK = 1e-9  # relative: a subset's penalties, summed in another order, exceed by less


def _stop(at: float) -> bool:
    if time.perf_counter() >= at:
        return True
    cancelled = getattr(CANCELLED, "check", None)
    return cancelled is not None and bool(cancelled())


@njit(cache=True, nogil=True)
def tolls_to(first, head, gc, proj, share, slope, shrink, destination):
    """``pricing.toll_rows``: [i, v] the least sum over a path from node v to
    the destination (inf where none) of (slope[i] * gc + share of the arc's
    project) * shrink on its arcs; Dijkstra on the reversed arcs."""
    n = first.shape[0] - 1
    m = head.shape[0]
    weights = np.empty((slope.shape[0], m))
    for i in range(slope.shape[0]):
        for a in range(m):
            spread = share[proj[a]] if proj[a] >= 0 else 0.0
            weights[i, a] = (slope[i] * gc[a] + spread) * shrink
    # the reversed arcs, by head
    rfirst = np.zeros(n + 1, np.int64)
    for a in range(m):
        rfirst[head[a] + 1] += 1
    for v in range(n):
        rfirst[v + 1] += rfirst[v]
    rtail = np.empty(m, np.int64)
    rarc = np.empty(m, np.int64)
    fill = rfirst[:-1].copy()
    for v in range(n):
        for a in range(first[v], first[v + 1]):
            h = head[a]
            rtail[fill[h]] = v
            rarc[fill[h]] = a
            fill[h] += 1
    out = np.full((weights.shape[0], n), np.inf)
    hd = np.empty(m + 1, np.float64)
    hv = np.empty(m + 1, np.int64)
    for i in range(weights.shape[0]):
        dist = out[i]
        dist[destination] = 0.0
        hd[0] = 0.0
        hv[0] = destination
        hn = 1
        while hn > 0:
            d = hd[0]
            u = hv[0]
            hn -= 1
            if hn > 0:  # sift the last entry down from the root
                ld, lv = hd[hn], hv[hn]
                j = 0
                while True:
                    c = 2 * j + 1
                    if c >= hn:
                        break
                    if c + 1 < hn and hd[c + 1] < hd[c]:
                        c += 1
                    if hd[c] < ld:
                        hd[j], hv[j] = hd[c], hv[c]
                        j = c
                    else:
                        break
                hd[j], hv[j] = ld, lv
            if d > dist[u]:
                continue
            for r in range(rfirst[u], rfirst[u + 1]):
                t = rtail[r]
                nd = d + weights[i, rarc[r]]
                if nd < dist[t]:
                    dist[t] = nd
                    j = hn  # push, sifting up
                    hn += 1
                    while j > 0:
                        p = (j - 1) // 2
                        if hd[p] > nd:
                            hd[j], hv[j] = hd[p], hv[p]
                            j = p
                        else:
                            break
                    hd[j], hv[j] = nd, t
    return out


@njit(cache=True)
def _before(cost, a, b):
    return cost[a] < cost[b] or (cost[a] == cost[b] and a < b)


@njit(cache=True)
def _paid(total, x, w, paid):
    """``total`` plus the penalties of the projects whose bits are set in word
    ``w``'s ``x``, added in project order (as the Python search adds them)."""
    b = 0
    while x != 0:
        if x & np.uint64(1):
            total += paid[w * 64 + b]
        x >>= np.uint64(1)
        b += 1
    return total


@njit(cache=True)
def _cost_below(scale, eps, level):
    """``pricing.cost_below``: the cost below which scale * c^-eps > level."""
    if level <= 0.0 or eps <= 0.0:
        return np.inf
    return (level / scale) ** (-1.0 / eps)


@njit(cache=True)
def _dominated(first, nxt, e_cost, e_pen, e_mask, cost, pen, mask, live, reach_on, paid, w_n,
               tiny):
    """Whether a label kept at the node (the list from ``first``, by
    penalty) is as good as (cost, pen, mask, live) for every completion that
    can beat the bar: ``pricing._search_python``'s ``covers``. Only labels
    paying at most pen (up to the rounding of a sum of the same penalties in
    another order, SLACK) can be, so the walk stops at the first dearer one."""
    slack = SLACK * (1.0 + pen)
    lb = first
    while lb >= 0 and e_pen[lb] <= pen + slack:
        if e_cost[lb] <= cost + tiny:
            sub = True
            for w in range(w_n):
                if e_mask[lb, w] & ~mask[w] != 0:
                    sub = False
                    break
            if sub:
                return True
            if reach_on and e_pen[lb] <= pen:
                extra = 0.0
                for w in range(w_n):
                    extra = _paid(extra, mask[w] & ~e_mask[lb, w] & live[w], w, paid)
                if e_pen[lb] + extra <= pen:
                    return True
        lb = nxt[lb]
    return False


@njit(cache=True, inline="always")  # called per label: as a call, a central round took 5 % longer
def _toll_bound(scale, eps, bar, pen, cost, top, d0, slope, toll, v, spilt):
    """``pricing.toll_bound``: the tolls' bound on a completion of the label
    above the bar (inf without tolls)."""
    out = np.inf
    if slope.shape[0] == 0:
        return out
    near = scale * (cost + d0) ** -eps
    for i in range(slope.shape[0]):
        s = slope[i]
        far = bar + pen + s * (top - cost)
        out = min(out, max(near + s * d0, far) - pen - toll[i, v] + spilt)
    return out


@njit(cache=True)
def _promising(scale, eps, bar, pen, cost, top, d0, slope, toll, v, spilt):
    """``pricing.promising``: whether the tolls leave a completion of the
    label scoring above the bar."""
    return _toll_bound(scale, eps, bar, pen, cost, top, d0, slope, toll, v, spilt) > bar


@njit(cache=True)
def _opened(scale, eps, bar, pen, cost, d0, slope, toll, v, spilt):
    """A bound on every completion of an open label (``pricing``'s ``opened``)."""
    return max(min(scale * (cost + d0) ** -eps - pen,
                   _toll_bound(scale, eps, bar, pen, cost, _cost_below(scale, eps, bar + pen), d0,
                               slope, toll, v, spilt)), bar)


@njit(cache=True)
def _live(m, w, v, cost, top, reach):
    """The bits of word ``w``'s mask ``m`` whose project some completion from
    node ``v`` costing less than ``top`` (scoring above the bar) could still use."""
    out = np.uint64(0)
    b = 0
    x = m
    while x != 0:
        if x & np.uint64(1):
            if cost + reach[v, w * 64 + b] < top:
                out |= np.uint64(1) << np.uint64(b)
        x >>= np.uint64(1)
        b += 1
    return out


@njit(cache=True)
def _grow(a, size):
    out = np.empty(size, a.dtype)
    for i in range(a.shape[0]):  # a loop: slice assignment takes seconds to compile
        out[i] = a[i]
    return out


@njit(cache=True)
def _grow_rows(a, size):
    out = np.zeros((size, a.shape[1]), a.dtype)
    for i in range(a.shape[0]):
        for w in range(a.shape[1]):
            out[i, w] = a[i, w]
    return out


@njit(cache=True, nogil=True)
def label_search(first, head, gc, proj, to_dest, weight, word, bit, n_words, reach, paid, reach_on,
                 slope, share, spill, shrink, toll_after, origin, destination, scale, eps, floor,
                 keep, stop_at, check_every, tiny):
    """Best ``keep`` routes scoring above ``floor``: returns (count, scores,
    costs, entries, complete, open_upper, pred, arc). ``open_upper`` bounds
    every completion of the labels left open when the clock stopped the
    search (-inf when complete). Routes are read back through ``pred``/``arc``
    from their entries. ``paid[i]`` is the penalty of watched bit i's project,
    ``reach[v, i]`` the least cost from node v to the destination through an
    arc of it; without ``reach_on`` every project counts as in reach (the
    subset rule alone). ``slope``, ``share`` and ``spill`` (by project) are
    ``pricing.Tolls`` (``shrink``: 1 - pricing.SAFE): from ``toll_after``
    pops on, a label that cannot be completed above the bar by their bounds
    is dropped (``_promising``)."""
    n = first.shape[0] - 1
    w_n = max(n_words, 1)
    cap = 1024
    e_node = np.empty(cap, np.int64)
    e_cost = np.empty(cap, np.float64)
    e_pen = np.empty(cap, np.float64)
    e_spill = np.empty(cap, np.float64)  # spill of the label's projects
    toll = np.zeros((slope.shape[0], n))
    act = slope[:0]  # the slopes in use: none before toll_after pops
    e_pred = np.empty(cap, np.int64)
    e_arc = np.empty(cap, np.int64)
    e_mask = np.zeros((cap, w_n), np.uint64)
    e_live = np.zeros((cap, w_n), np.uint64)
    t_live = np.zeros(w_n, np.uint64)
    nxt = np.empty(cap, np.int64)  # next label kept at the same node, by penalty
    lab = np.full(n, -1, np.int64)  # the label paying least kept at a node
    v_cost = np.full(n, -np.inf)  # the dearest label kept at a node
    heap = np.empty(cap, np.int64)
    hn = 0
    tmp = np.zeros(w_n, np.uint64)
    b_score = np.empty(keep, np.float64)
    b_cost = np.empty(keep, np.float64)
    b_entry = np.empty(keep, np.int64)
    nb = 0
    bar = floor

    # the origin's label
    e_node[0] = origin
    e_cost[0] = 0.0
    e_pen[0] = 0.0
    e_spill[0] = 0.0
    e_pred[0] = -1
    e_arc[0] = -1
    ne = 1
    heap[0] = 0
    hn = 1
    pops = 0
    complete = True
    while hn > 0:
        if pops % check_every == 0:
            with objmode(stop="boolean"):
                stop = _stop(stop_at)
            if stop:
                complete = False
                break
        if pops == toll_after and slope.shape[0] > 0:
            toll = tolls_to(first, head, gc, proj, share, slope, shrink, destination)
            act = slope[:slope.shape[0]]
        pops += 1
        # pop the least (cost, entry)
        e = heap[0]
        hn -= 1
        if hn > 0:
            last = heap[hn]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= hn:
                    break
                if c + 1 < hn and _before(e_cost, heap[c + 1], heap[c]):
                    c += 1
                if _before(e_cost, heap[c], last):
                    heap[i] = heap[c]
                    i = c
                else:
                    break
            heap[i] = last
        v = e_node[e]
        cost = e_cost[e]
        pen = e_pen[e]
        top = _cost_below(scale, eps, bar + pen)
        if cost + to_dest[v] >= top or not _promising(scale, eps, bar, pen, cost, top, to_dest[v],
                                                      act, toll, v, e_spill[e]):
            continue
        if _dominated(lab[v], nxt, e_cost, e_pen, e_mask, cost, pen, e_mask[e], e_live[e],
                      reach_on, paid, w_n, tiny):
            continue
        # drop the labels at v that this one dominates (labels are popped in order of
        # cost, so only those costing as much as it can be), then keep it
        prev = -1
        lb = lab[v] if cost <= v_cost[v] else -1
        while lb >= 0:
            after = nxt[lb]
            drop = False
            if cost <= e_cost[lb]:
                drop = True
                for w in range(w_n):
                    if e_mask[e, w] & ~e_mask[lb, w] != 0:
                        drop = False
                        break
                if not drop and reach_on and pen <= e_pen[lb]:
                    extra = 0.0
                    for w in range(w_n):
                        extra = _paid(extra, e_mask[lb, w] & ~e_mask[e, w] & e_live[lb, w], w,
                                      paid)
                    drop = pen + extra <= e_pen[lb]
            if drop:
                if prev < 0:
                    lab[v] = after
                else:
                    nxt[prev] = after
            else:
                prev = lb
            lb = after
        prev = -1  # in order of penalty
        lb = lab[v]
        while lb >= 0 and e_pen[lb] <= pen:
            prev = lb
            lb = nxt[lb]
        if prev < 0:
            nxt[e] = lab[v]
            lab[v] = e
        else:
            nxt[e] = nxt[prev]
            nxt[prev] = e
        v_cost[v] = max(v_cost[v], cost)
        if v == destination:
            score = scale * cost ** -eps - pen
            pos = nb
            while pos > 0 and b_score[pos - 1] < score:
                pos -= 1
            if pos < keep:
                top = min(nb, keep - 1)
                for j in range(top, pos, -1):
                    b_score[j] = b_score[j - 1]
                    b_cost[j] = b_cost[j - 1]
                    b_entry[j] = b_entry[j - 1]
                b_score[pos] = score
                b_cost[pos] = cost
                b_entry[pos] = e
                if nb < keep:
                    nb += 1
            if nb == keep and b_score[keep - 1] > bar:
                bar = b_score[keep - 1]
            continue
        for a in range(first[v], first[v + 1]):
            h = head[a]
            for w in range(w_n):
                tmp[w] = e_mask[e, w]
            npen = pen
            nspill = e_spill[e]
            ntop = top
            j = proj[a]
            if j >= 0 and word[j] >= 0:
                if tmp[word[j]] & bit[j] == 0:
                    tmp[word[j]] |= bit[j]
                    npen = pen + weight[j]
                    nspill += spill[j]
                    if npen != pen:
                        ntop = _cost_below(scale, eps, bar + npen)
            ncost = cost + gc[a]
            if ncost + to_dest[h] >= ntop or not _promising(scale, eps, bar, npen, ncost, ntop,
                                                            to_dest[h], act, toll, h, nspill):
                continue
            for w in range(w_n):
                t_live[w] = _live(tmp[w], w, h, ncost, ntop, reach) if reach_on else tmp[w]
            if _dominated(lab[h], nxt, e_cost, e_pen, e_mask, ncost, npen, tmp, t_live,
                          reach_on, paid, w_n, tiny):
                continue
            if ne == e_node.shape[0]:
                size = 2 * ne
                e_node = _grow(e_node, size)
                e_cost = _grow(e_cost, size)
                e_pen = _grow(e_pen, size)
                e_spill = _grow(e_spill, size)
                e_pred = _grow(e_pred, size)
                e_arc = _grow(e_arc, size)
                nxt = _grow(nxt, size)
                e_mask = _grow_rows(e_mask, size)
                e_live = _grow_rows(e_live, size)
            e_node[ne] = h
            e_cost[ne] = ncost
            e_pen[ne] = npen
            e_spill[ne] = nspill
            e_pred[ne] = e
            e_arc[ne] = a
            for w in range(w_n):
                e_mask[ne, w] = tmp[w]
                e_live[ne, w] = t_live[w]
            # push (ncost, ne)
            if hn == heap.shape[0]:
                heap = _grow(heap, 2 * hn)
            i = hn
            hn += 1
            while i > 0:
                parent = (i - 1) // 2
                if _before(e_cost, ne, heap[parent]):
                    heap[i] = heap[parent]
                    i = parent
                else:
                    break
            heap[i] = ne
            ne += 1
    open_upper = -np.inf
    if not complete:
        for i in range(hn):
            e = heap[i]
            s = _opened(scale, eps, bar, e_pen[e], e_cost[e], to_dest[e_node[e]], act, toll,
                        e_node[e], e_spill[e])
            if s > open_upper:
                open_upper = s
    return nb, b_score[:nb], b_cost[:nb], b_entry[:nb], complete, open_upper, e_pred, e_arc
