"""Stage: report (pictures, step RNN). Draw the weight-space picture with matplotlib.

Two panels, the planes b = 1 and b = −1 (every solution with b ≠ 0 is a positive multiple
of a point in one of them); the b = 0 case is stated under them. Each distinct step row is
a labelled boundary line, dashed when strict (``>``: the line itself is excluded), solid
when not (``≥``), with a short arrow into the side it allows. The region every row allows
is filled green; certificate rows are drawn thick and red, so an empty intersection shows
which rows empty it; rows a `because` claim quoted are orange, with the region they allow
together hatched. The tool's witness and a claimed witness are points.
"""

from __future__ import annotations

from typing import Any

from verify.report.plot.geometry import PLANES, Picture, PlaneRow, in_plane, region

HALF = 3.0  # the square [-HALF, HALF]^2 shown, widened to hold the points
CERT, CLAIMED = "#c0392b", "#e67e22"
OTHERS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22",
          "#e377c2")
MARKERS = {"the tool's witness": ("*", "#111111", 16),
           "satisfies the claimed inequalities": ("P", "#e67e22", 11)}


def _extent(pic: Picture) -> float:
    half = HALF
    for _, w in pic.points:
        for b in PLANES:
            at = in_plane(w, b)
            if at is not None:
                half = max(half, abs(at[0]) * 1.25, abs(at[1]) * 1.25)
    return half


def _color(r: PlaneRow, i: int) -> str:
    return CERT if r.certificate else CLAIMED if r.claimed else OTHERS[i % len(OTHERS)]


def _draw_row(ax: Any, r: PlaneRow, i: int, b: int, half: float, labelled: set[str]) -> None:
    a1, a2, a3 = (float(c) for c in r.coefficients)
    style = {"color": _color(r, i), "lw": 2.6 if r.certificate else 1.8 if r.claimed else 1.3,
                 "ls": (0, (5, 3)) if r.strict else "-", "zorder": 3}
    if abs(a2) >= abs(a1):  # w2 = -(a1 w1 + a3 b) / a2
        xs = [-half, half]
        ys = [-(a1 * x + a3 * b) / a2 for x in xs]
    else:
        ys = [-half, half]
        xs = [-(a2 * y + a3 * b) / a1 for y in ys]
    label = r.label + (" (certificate)" if r.certificate else "") + (
        " (claimed)" if r.claimed else "")
    ax.plot(xs, ys, label=label if label not in labelled else None, **style)
    labelled.add(label)
    # the step tag on the line itself, at the first in-view point from one end
    for frac in (0.82, 0.62, 0.42, 0.22):
        tx, ty = xs[0] + frac * (xs[1] - xs[0]), ys[0] + frac * (ys[1] - ys[0])
        if abs(tx) < half * 0.95 and abs(ty) < half * 0.95:
            ax.text(tx, ty, r.tag, color=style["color"], fontsize=8,
                    ha="left", va="bottom", zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})
            break
    # an arrow from the line's point nearest the centre into the allowed side
    norm = (a1 * a1 + a2 * a2) ** 0.5
    t = -(a3 * b) / (norm * norm)
    px, py = a1 * t, a2 * t
    if abs(px) < half * 0.9 and abs(py) < half * 0.9:
        ax.annotate("", xy=(px + a1 / norm * half * 0.18, py + a2 / norm * half * 0.18),
                    xytext=(px, py), arrowprops={"arrowstyle": "->", "color": style["color"],
                                                     "lw": 1.2}, zorder=4)


def _panel(ax: Any, pic: Picture, b: int, half: float, labelled: set[str]) -> None:
    rows = list(pic.rows)
    ax.set_xlim(-half, half)
    ax.set_ylim(-half, half)
    ax.set_aspect("equal")
    ax.axhline(0, color="#dddddd", lw=0.8, zorder=0)
    ax.axvline(0, color="#dddddd", lw=0.8, zorder=0)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title(f"plane b = {b}  (every b {'>' if b > 0 else '<'} 0, scaled)", fontsize=10)
    claimed = [r for r in rows if r.claimed]
    if claimed:
        poly = region(claimed, b, half)
        if poly:
            ax.fill(*zip(*poly), color=CLAIMED, alpha=0.16, lw=0, zorder=1,
                    label=("where the claimed inequalities all hold"
                           if "claimed region" not in labelled else None))
            labelled.add("claimed region")
    poly = region(rows, b, half)
    if poly:
        ax.fill(*zip(*poly), color="#2ecc71", alpha=0.35, zorder=2,
                label="feasible" if "feasible" not in labelled else None)
        labelled.add("feasible")
    whole = [r for r in rows if r.in_plane(b) != "line"]
    lines = []
    for r in whole:
        verb = "holds everywhere here" if r.in_plane(b) == "all" else "fails everywhere here"
        lines.append(f"{r.label}{' (certificate)' if r.certificate else ''}: {verb}")
        if r.in_plane(b) == "none":
            ax.fill([-half, half, half, -half], [-half, -half, half, half], facecolor="none",
                    edgecolor=CERT if r.certificate else "#808080", hatch="xx", alpha=0.2,
                    lw=0,
                    zorder=1)
    if lines:
        ax.text(0.02, 0.02, "\n".join(lines), transform=ax.transAxes, fontsize=8, va="bottom",
                bbox={"facecolor": "white", "edgecolor": "#bbbbbb", "alpha": 0.9}, zorder=6)
    for i, r in enumerate(rows):
        if r.in_plane(b) == "line":
            _draw_row(ax, r, i, b, half, labelled)
    for name, w in pic.points:
        at = in_plane(w, b)
        if at is None:
            continue
        marker, color, size = MARKERS.get(name, ("X", "#8e44ad", 11))
        ax.plot(*at, marker=marker, color=color, ms=size, ls="none", zorder=7,
                label=name if name not in labelled else None)
        labelled.add(name)


def _elsewhere(pic: Picture) -> list[str]:
    out = []
    for name, (w1, w2, wb) in pic.points:
        if wb == 0:
            out.append(f"{name}: w1 = {w1}, w2 = {w2}, b = 0 (in neither plane)")
    return out


def draw(pic: Picture, path: str, fmt: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # SVG text stays text: small, searchable
    half = _extent(pic)
    fig, axes = plt.subplots(1, 2, figsize=(11, 6.4))
    labelled: set[str] = set()
    for ax, b in zip(axes, PLANES):
        _panel(ax, pic, b, half, labelled)
    fig.suptitle(f"{pic.title}\n{pic.verdict.upper()}: the (w1, w2) each step allows",
                 fontsize=11)
    foot = [pic.b_zero, *_elsewhere(pic), *pic.notes,
            "dashed boundary: strict (> or <, the line is excluded); solid: ≥ or ≤ (included)"]
    fig.text(0.01, 0.01, "\n".join(foot), fontsize=8.5, va="bottom")
    handles, labels = [], []
    for ax in axes:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    fig.legend(handles, labels, loc="lower right", fontsize=8, ncol=2, frameon=False)
    fig.subplots_adjust(left=0.06, right=0.98, top=0.86, bottom=0.27, wspace=0.18)
    fig.savefig(path, format=fmt, dpi=90)
    plt.close(fig)
