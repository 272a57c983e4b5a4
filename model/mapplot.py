"""A map of the network for the report: nodes at lat/lon, segments coloured
by mode, line width by optimised volume, upgraded and built segments
highlighted and labelled with their project. Drawn offline (no tiles)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no screen needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .results import Results, segment_volumes  # noqa: E402

MODE_COLOURS = {"road": "#7f7f7f", "rail": "#8c564b", "border": "#d62728",
                "transfer": "#9467bd", "sea": "#1f77b4"}
PROJECT_COLOUR = "#ff7f0e"  # selected
COMMITTED_COLOUR = "#17becf"


def drawable(r: Results) -> bool:
    """A map needs at least two nodes with coordinates (lat and lon are optional)."""
    return len(_positions(r)) >= 2


def _positions(r: Results) -> dict[str, tuple[float, float]]:
    return {n.node_id: (n.lon, n.lat) for n in r.prep.instance.nodes
            if n.lat is not None and n.lon is not None}


def draw_map(r: Results, path: Path) -> Path | None:
    """Write the PNG; None when fewer than two nodes have coordinates."""
    inst, prep = r.prep.instance, r.prep
    where = _positions(r)
    if len(where) < 2:
        return None
    volumes = segment_volumes(prep, r.optimised)
    top = max(volumes) if volumes and max(volumes) > 0 else 1.0
    changed: dict[str, str] = {}
    for e in inst.effects:
        if e.project_id in r.optimised.applied:
            changed.setdefault(e.segment_id, e.project_id)
    spots: dict[str, list[tuple[float, float]]] = {}

    fig, ax = plt.subplots(figsize=(13, 9), dpi=110)
    for i, seg in enumerate(inst.segments):
        a, b = where.get(seg.from_node), where.get(seg.to_node)
        if a is None or b is None:
            continue
        built = seg.segment_id in changed
        if seg.status == "planned" and not built:
            ax.plot([a[0], b[0]], [a[1], b[1]], color="#bbbbbb", lw=0.8, ls=":", zorder=1)
            continue
        width = 0.6 + 6.0 * volumes[i] / top
        if built:
            project = changed[seg.segment_id]
            colour = COMMITTED_COLOUR if project in r.prep.committed else PROJECT_COLOUR
            ax.plot([a[0], b[0]], [a[1], b[1]], color=colour, lw=width + 3,
                    alpha=0.45, solid_capstyle="round", zorder=2)
            spots.setdefault(project, []).append(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
        ax.plot([a[0], b[0]], [a[1], b[1]], color=MODE_COLOURS.get(seg.mode, "#444444"),
                lw=width, ls="--" if seg.mode == "sea" else "-", zorder=3)
    for project, points in spots.items():  # one label per place a project works on
        for x, y in _clusters(points, radius=1.5):
            ax.annotate(project, (x, y), fontsize=8, fontweight="bold", ha="center",
                        va="bottom", xytext=(0, 4), textcoords="offset points", zorder=6,
                        color="#a04000" if project not in r.prep.committed else "#0b6b75")
    xs, ys = zip(*where.values())
    ax.scatter(xs, ys, s=10, color="black", zorder=4)
    for n in inst.nodes:
        if n.node_id in where and n.kind in ("city", "port", ""):
            x, y = where[n.node_id]
            ax.annotate(n.name, (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points",
                        zorder=5)
    legend = [Line2D([], [], color=c, lw=2, label=m) for m, c in MODE_COLOURS.items()]
    legend += [Line2D([], [], color=PROJECT_COLOUR, lw=6, alpha=0.45,
                      label="upgraded / built by a selected project"),
               Line2D([], [], color=COMMITTED_COLOUR, lw=6, alpha=0.45,
                      label="upgraded / built by a committed project"),
               Line2D([], [], color="#bbbbbb", lw=1, ls=":", label="planned, not built")]
    ax.legend(handles=legend, loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title(f"Optimised network, budget USD {r.budget:,.0f} million: line width by "
                 f"projected volume ({inst.parameters.horizon_year})", fontsize=11)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _clusters(points: list[tuple[float, float]], radius: float) -> list[tuple[float, float]]:
    """Centres of groups of nearby points (within ``radius`` degrees), so a
    project working on a chain of segments gets one label, and one working at
    two distant border posts gets two."""
    groups: list[list[tuple[float, float]]] = []
    for pt in points:
        for g in groups:
            cx, cy = sum(p[0] for p in g) / len(g), sum(p[1] for p in g) / len(g)
            if abs(cx - pt[0]) <= radius and abs(cy - pt[1]) <= radius:
                g.append(pt)
                break
        else:
            groups.append([pt])
    return [(sum(p[0] for p in g) / len(g), sum(p[1] for p in g) / len(g)) for g in groups]
