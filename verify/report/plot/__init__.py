"""Stage: report (pictures). ``verify check --plot DIR``: one picture per spec.

Step-RNN specs get the weight-space picture (:mod:`.region`), LSTM formula specs with a
wrong claim a heat map of got − expected (:mod:`.heatmap`), threshold-rnn specs with a
network (a claimed one, the tool's witness, the fewest-units witness or a behaviour's
design) its state-transition diagram (:mod:`.transitions` computes it, :mod:`.diagram`
draws it; an unrealizable or unknown answer has none). matplotlib is optional (the
``verify[plot]`` extra); :func:`require_matplotlib` says how to install it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from verify.errors import VerifyError
from verify.models.threshold.network import ThresholdSpec
from verify.outcome import Outcome

FORMATS = ("svg", "png")


class PlotUnavailable(VerifyError):
    """matplotlib is not installed."""


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib, which is not installed; install the "
                              "optional extra with: pip install 'verify[plot]'") from None


def picture_name(outcome: Outcome, taken: set[str], fmt: str) -> str:
    """``q1a.svg``; a second spec of the same file name becomes ``q1a-2.svg``."""
    stem = Path(outcome.spec).stem if outcome.spec != "<mapping>" else "mapping"
    name, n = f"{stem}.{fmt}", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.{fmt}"
    taken.add(name)
    return name


def draw_one(outcome: Outcome, path: Path, fmt: str) -> bool:
    """Write the picture of one outcome to ``path``; False when it has none."""
    if outcome.answer is not None and hasattr(outcome.answer, "certificate_rows"):
        from verify.report.plot.geometry import picture
        from verify.report.plot.region import draw
        draw(picture(outcome.answer), str(path), fmt)
        return True
    if isinstance(getattr(outcome.answer, "spec", None), ThresholdSpec):
        from verify.report.plot.diagram import draw as diagram
        from verify.report.plot.transitions import outcome_diagram
        found = outcome_diagram(outcome.answer.spec, outcome.to_json())
        if found is not None:
            diagram(found, str(path), fmt)
        return found is not None
    if outcome.payload.get("claim", {}).get("targets"):
        from verify.report.plot.heatmap import draw as heat
        return heat(outcome, str(path), fmt)
    return False


def write_plots(outcomes: Sequence[Outcome], directory: str | Path,
                fmt: str = "svg") -> dict[str, Path]:
    """One picture per spec that has one: {spec: file written}."""
    require_matplotlib()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = {}
    for o in outcomes:
        if o.status == "error":
            continue
        path = out / picture_name(o, taken, fmt)
        if draw_one(o, path, fmt):
            written[o.spec] = path
    return written
