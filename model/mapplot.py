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
PROJECT_COLOUR = "#ff7f0e"


def draw_map(r: Results, path: Path) -> Path | None:
    """Write the PNG; None when fewer than two nodes have coordinates."""
    inst, prep = r.prep.instance, r.prep
    where = {n.node_id: (n.lon, n.lat) for n in inst.nodes
             if n.lat is not None and n.lon is not None}
    if len(where) < 2:
        return None
    volumes = segment_volumes(prep, r.optimised)
    top = max(volumes) if volumes and max(volumes) > 0 else 1.0
    changed = {}
    for e in inst.effects:
        if e.project_id in r.optimised.applied:
            changed.setdefault(e.segment_id, []).append(e.project_id)

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
            ax.plot([a[0], b[0]], [a[1], b[1]], color=PROJECT_COLOUR, lw=width + 3,
                    alpha=0.45, solid_capstyle="round", zorder=2)
            ax.annotate(",".join(changed[seg.segment_id]),
                        ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), fontsize=7,
                        color="#a04000", ha="center", va="bottom", zorder=5)
        ax.plot([a[0], b[0]], [a[1], b[1]], color=MODE_COLOURS.get(seg.mode, "#444444"),
                lw=width, ls="--" if seg.mode == "sea" else "-", zorder=3)
    xs, ys = zip(*where.values())
    ax.scatter(xs, ys, s=10, color="black", zorder=4)
    for n in inst.nodes:
        if n.node_id in where and n.kind in ("city", "port", "hub", ""):
            x, y = where[n.node_id]
            ax.annotate(n.name, (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points",
                        zorder=5)
    legend = [Line2D([], [], color=c, lw=2, label=m) for m, c in MODE_COLOURS.items()]
    legend += [Line2D([], [], color=PROJECT_COLOUR, lw=6, alpha=0.45,
                      label="upgraded / built by a project"),
               Line2D([], [], color="#bbbbbb", lw=1, ls=":", label="planned, not built")]
    ax.legend(handles=legend, loc="lower left", fontsize=8)
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
