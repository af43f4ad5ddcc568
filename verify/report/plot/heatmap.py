"""Stage: report (pictures, LSTM formulas). Heat maps of got − expected for wrong claims.

The shrunk counterexample is often 1x1, too small to show a pattern, so each wrong claim
is evaluated again on one fixed random square instance (input size = hidden size = 4,
through :func:`verify.models.lstm.render.display_arrays`): a transposed matrix then has
the right shape and shows as a mirror pattern, a wrong gate block as a block, a missing
factor as a smooth scaling. Vectors are drawn as one row. Display only: the verdict is
the checker's, on its own instances.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.outcome import Outcome


def wrong_targets(outcome: Outcome) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(target, expected, got) for every incorrect claim that evaluates on the display
    instance."""
    from verify.models.lstm.render import display_arrays

    out = []
    targets = outcome.payload.get("claim", {}).get("targets", {})
    for name, t in targets.items():
        if t.get("verdict") != "incorrect":
            continue
        arrays = display_arrays(outcome.spec, name)
        if arrays is not None and np.shape(arrays[0]) == np.shape(arrays[1]):
            out.append((name, np.asarray(arrays[0]), np.asarray(arrays[1])))
    return out


def _as_grid(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, -1) if a.ndim <= 1 else a


def draw(outcome: Outcome, path: str, fmt: str) -> bool:
    """Write the picture; False when there is nothing wrong to show."""
    found = wrong_targets(outcome)
    if not found:
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # SVG text stays text: small, searchable
    cols = min(len(found), 4)
    rows = (len(found) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.4 * cols, 7.0), 3.2 * rows + 0.9),
                             squeeze=False)
    for ax in axes.flat[len(found):]:
        ax.axis("off")
    for ax, (name, expected, got) in zip(axes.flat, found):
        diff = _as_grid(got - expected)
        lim = float(np.max(np.abs(diff))) or 1.0
        im = ax.imshow(diff, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="equal")
        _annotate(ax, diff, lim)
        ax.set_title(f"{name}: got − expected", fontsize=10)
        ax.set_xlabel("column (input unit)" if expected.ndim == 2 and name.startswith("dW")
                      else "column" if expected.ndim == 2 else "entry")
        ax.set_ylabel("row (hidden unit)" if expected.ndim == 2 else "")
        ax.set_xticks(range(diff.shape[1]))
        ax.set_yticks(range(diff.shape[0]))
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    title = outcome.spec + (f" — {outcome.payload['name']}" if outcome.payload.get("name")
                            else "")
    fig.suptitle(f"{title}\nwrong claims on one random instance, input size = hidden "
                 "size = 4 (red: too large, blue: too small)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format=fmt, dpi=90)
    plt.close(fig)
    return True


def _annotate(ax: Any, diff: np.ndarray, lim: float) -> None:
    if diff.size > 36:
        return
    for (i, j), v in np.ndenumerate(diff):
        ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7,
                color="white" if abs(v) > 0.6 * lim else "black")
