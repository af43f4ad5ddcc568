"""Stage: report (pictures, threshold networks). Draw a state-transition diagram with matplotlib.

No graph layout library: the states sit on a circle (the start state first, at the top,
or on the left for two states), transitions are arcs (``arc3``, so the two directions
between a pair bend to opposite sides), self-loops are small loops pointing outwards
with their label beyond them. Arrow ends stop at the node's rim, so no arrowhead hides
under a node. The start state has a double circle and an incoming arrow; the transition
taken at a wrong claim's first wrong output is red, with the step named under the picture.
"""

from __future__ import annotations

import math
from typing import Any

from verify.report.plot.transitions import Diagram, Edge

NODE = 0.36          # node radius, data units
LOOP = 0.8           # how far a self-loop reaches beyond the rim
BEND = 0.22          # arc3 rad of an edge between two states
SCALE = 0.95         # inches per data unit (less when that would exceed WIDEST)
WIDEST = 16.0        # inches: 32 states on a circle stay on a screen
INK, WRONG, FILL, START = "#34495e", "#c0392b", "#eaf2f8", "#1f618d"
Point = tuple[float, float]


def layout(n: int) -> tuple[list[Point], float]:
    """Node centres and the circle's radius: neighbours about 3.7 node widths apart."""
    if n == 1:
        return [(0.0, 0.0)], 0.0
    if n == 2:
        return [(-1.4, 0.0), (1.4, 0.0)], 1.4
    # up to 16 states, room for labels between neighbours; beyond, closer (the picture
    # says it shows the first 32 of more), else the figure outgrows a screen
    radius = max(1.8, (1.35 if n <= 16 else 1.0) / math.sin(math.pi / n))
    return [(radius * math.cos(math.pi / 2 - 2 * math.pi * i / n),
             radius * math.sin(math.pi / 2 - 2 * math.pi * i / n)) for i in range(n)], radius


def arrange(d: Diagram) -> list[str]:
    """The states in circle order: the start state first, then pairwise swaps while they
    shorten the arcs (in steps around the circle), so that a transition mostly joins near
    neighbours and few arcs cross the middle. Deterministic."""
    order = list(d.states)
    n = len(order)
    pairs = {tuple(sorted((e.source, e.target))) for e in d.edges if e.source != e.target}

    def cost(seq: list[str]) -> int:
        at = {name: i for i, name in enumerate(seq)}
        return sum(min(abs(at[a] - at[b]), n - abs(at[a] - at[b])) for a, b in pairs)

    best, better = cost(order), True
    while better:
        better = False
        for i in range(1, n):
            for j in range(i + 1, n):
                order[i], order[j] = order[j], order[i]
                now = cost(order)
                if now < best:
                    best, better = now, True
                else:
                    order[i], order[j] = order[j], order[i]
    return order


def _outward(p: Point) -> float:
    """The direction (radians) pointing away from the circle's centre at p."""
    return math.atan2(p[1], p[0]) if p != (0.0, 0.0) else math.pi / 2


def _on_curve(a: Point, b: Point, t: float, rad: float) -> Point:
    """The point at parameter t of matplotlib's ``arc3,rad=rad`` curve from a to b (a
    quadratic Bézier whose control point lies rad × |ab| to the right of the chord's middle)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    cx, cy = (a[0] + b[0]) / 2 + rad * dy, (a[1] + b[1]) / 2 - rad * dx
    u = 1 - t
    return (u * u * a[0] + 2 * u * t * cx + t * t * b[0],
            u * u * a[1] + 2 * u * t * cy + t * t * b[1])


def bend(a: Point, b: Point, paired: bool, first: bool, others: list[Point]) -> float:
    """The arc3 ``rad`` of the edge a -> b: bent towards the circle's middle, where no
    node sits; of a pair a -> b, b -> a the second bends outwards (the other side), only
    as far as it can without running under another node."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    inward = 1.0 if (b[1] - a[1]) * -mx - (b[0] - a[0]) * -my >= 0 else -1.0
    if len(others) + 2 <= 2:
        return BEND  # two states side by side: the pair bends to both sides
    tries = ([inward * BEND, inward * BEND / 2, -inward * BEND] if not paired or first
             else [-inward * r for r in (BEND, BEND * 0.55, BEND * 0.25)])

    def clear(rad: float) -> bool:
        return all(math.dist(_on_curve(a, b, t / 10, rad), c) > NODE + 0.1
                   for t in range(1, 10) for c in others)

    return next((rad for rad in tries if clear(rad)), tries[-1])


class Labels:
    """Where the edge labels go: each at the place along its arc (or beside its loop) that
    overlaps the nodes and the labels already placed the least."""

    CHAR, LINE, PAD = 0.076, 0.16, 0.048   # inches, 9 pt monospace

    def __init__(self, ax: Any, nodes: list[Point], scale: float) -> None:
        self.ax, self.inch = ax, 1 / scale  # data units per inch
        self.boxes = [(x - NODE, y - NODE, x + NODE, y + NODE) for x, y in nodes]

    def size(self, text: str) -> tuple[float, float]:
        lines = text.split("\n")
        return ((max(map(len, lines)) * self.CHAR + 2 * self.PAD) * self.inch,
                (len(lines) * self.LINE + 2 * self.PAD) * self.inch)

    def _box(self, centre: Point, text: str) -> tuple[float, float, float, float]:
        w, h = self.size(text)
        return centre[0] - w / 2, centre[1] - h / 2, centre[0] + w / 2, centre[1] + h / 2

    def overlap(self, centre: Point, text: str) -> float:
        x0, y0, x1, y1 = self._box(centre, text)
        return sum(max(0.0, min(x1, b[2]) - max(x0, b[0])) *
                   max(0.0, min(y1, b[3]) - max(y0, b[1])) for b in self.boxes)

    def put(self, centre: Point, text: str, color: str) -> None:
        self.boxes.append(self._box(centre, text))
        self.ax.text(centre[0], centre[1], text, color=color, fontsize=9, ha="center",
                     va="center", zorder=6, family="monospace", linespacing=1.1,
                     bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85,
                           "pad": 1.2})


def _arrow(ax: Any, a: Point, b: Point, rad: float, edge: Edge, shrink: float,
           labels: Labels) -> None:
    from matplotlib.patches import FancyArrowPatch

    color = WRONG if edge.wrong else INK
    ax.add_patch(FancyArrowPatch(a, b, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                 mutation_scale=14, lw=2.6 if edge.wrong else 1.2,
                                 color=color, shrinkA=shrink, shrinkB=shrink, zorder=3))
    # mid-arc if free; else nearer an end (nearer the source first: it says where the
    # edge starts), where arcs crossing the circle's middle are apart
    places = [_on_curve(a, b, t, rad) for t in (0.5, 0.38, 0.62, 0.28, 0.72, 0.2)]
    labels.put(min(places, key=lambda c: labels.overlap(c, edge.label)), edge.label, color)


def _loop(ax: Any, p: Point, edge: Edge, labels: Labels) -> None:
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    th = _outward(p)

    def at(radius: float, angle: float) -> Point:
        return (p[0] + radius * math.cos(th + angle), p[1] + radius * math.sin(th + angle))

    color = WRONG if edge.wrong else INK
    path = Path([at(NODE, 0.5), at(NODE + LOOP, 0.75), at(NODE + LOOP, -0.75), at(NODE, -0.5)],
                [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=14,
                                 lw=2.6 if edge.wrong else 1.2, color=color, zorder=3))
    # beyond the loop's tip, the label's near side touching it
    w, h = labels.size(edge.label)
    tip = at(NODE + LOOP * 0.5, 0.0)
    reach = min(w / 2 / max(abs(math.cos(th)), 1e-9), h / 2 / max(abs(math.sin(th)), 1e-9))
    labels.put((tip[0] + reach * math.cos(th), tip[1] + reach * math.sin(th)), edge.label,
               color)


def _node(ax: Any, p: Point, name: str, start: bool, scale: float) -> None:
    from matplotlib.patches import Circle, FancyArrowPatch

    ax.add_patch(Circle(p, NODE, facecolor=FILL, edgecolor=START if start else INK,
                        lw=1.6, zorder=4))
    if start:
        ax.add_patch(Circle(p, NODE * 0.8, facecolor="none", edgecolor=START, lw=1.2,
                            zorder=5))
        # the incoming start arrow comes in beside the self-loop (outwards) and away
        # from the arcs to other states (inwards)
        th = _outward(p) + 1.35
        tail = (p[0] + (NODE + 0.6) * math.cos(th), p[1] + (NODE + 0.6) * math.sin(th))
        head = (p[0] + NODE * math.cos(th), p[1] + NODE * math.sin(th))
        ax.add_patch(FancyArrowPatch(tail, head, arrowstyle="-|>", mutation_scale=12,
                                     color=START, lw=1.4, zorder=4))
        ax.text(tail[0], tail[1], "start", color=START, fontsize=8.5, zorder=6,
                ha="right" if math.cos(th) < -0.3 else "left" if math.cos(th) > 0.3
                else "center", va="top" if math.sin(th) < -0.3 else "bottom")
    across = 2 * NODE * scale * 72 * 0.85  # points inside the circle, a monospace digit
    ax.text(p[0], p[1], name, ha="center", va="center", family="monospace",  # is 0.6 em
            fontsize=min(11.0, across / (0.6 * len(name))), zorder=6, color="#111111")


def _footer(d: Diagram) -> list[str]:
    example = "0" * (d.units - 1) + "1"
    node = ("node: the state s_1" if d.units == 1 else
            f"node: the state s_1…s_{d.units} as a binary code ('{example}': "
            f"s_{d.units} = 1, the others 0)")
    inputs = ", ".join(d.inputs)
    return [f"{node}; double circle, arrow in: the start state s0",
            f"edge: input / output ({d.outputs}); inputs: {d.inputs_from}: {inputs}",
            f"{d.reach_note}; computed exactly"]


def draw(d: Diagram, path: str, fmt: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # SVG text stays text: small, searchable
    names = arrange(d)
    centres, _ = layout(len(names))
    # room for the loops and their labels (and the start arrow) around the nodes
    left = min(x for x, _ in centres) - NODE - LOOP - 1.4
    right = max(x for x, _ in centres) + NODE + LOOP + 1.4
    low = min(y for _, y in centres) - NODE - LOOP - 0.6
    high = max(y for _, y in centres) + NODE + LOOP + 0.6
    scale = min(SCALE, WIDEST / (right - left))
    width, tall = (right - left) * scale, (high - low) * scale
    head, foot = 0.75, 0.2 + 0.17 * (len(_footer(d)) + (1 if d.caption else 0))
    fw, height = max(width, 8.0), tall + head + foot
    fig = plt.figure(figsize=(fw, height))
    ax = fig.add_axes((0.5 - width / fw / 2, foot / height, width / fw, tall / height))
    ax.set_xlim(left, right)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.axis("off")
    shrink = NODE * scale * 72 + 2  # the node's radius in points, and a gap
    where = dict(zip(names, centres))
    labels = Labels(ax, centres, scale)
    pairs = {(e.source, e.target) for e in d.edges}
    # loops first (their labels have one place), then arcs, short ones before long ones
    for edge in sorted(d.edges, key=lambda e: math.dist(where[e.source], where[e.target])):
        if edge.source == edge.target:
            _loop(ax, where[edge.source], edge, labels)
        else:
            a, b = where[edge.source], where[edge.target]
            rad = bend(a, b, (edge.target, edge.source) in pairs, edge.source < edge.target,
                       [c for c in centres if c not in (a, b)])
            _arrow(ax, a, b, rad, edge, shrink, labels)
    for name, p in where.items():
        _node(ax, p, name, name in d.starts, scale)
    fig.suptitle(f"{d.title}\n{d.what}, {d.units} unit{'s' if d.units != 1 else ''}: "
                 "states and transitions", fontsize=11, y=1 - 0.12 / height)
    y = 0.12 / height
    if d.caption:
        fig.text(0.02, y, d.caption, fontsize=9, color=WRONG, va="bottom")
        y += 0.22 / height
    fig.text(0.02, y, "\n".join(_footer(d)), fontsize=8.5, va="bottom")
    fig.savefig(path, format=fmt, dpi=90)
    plt.close(fig)
