"""Stage: report (LSTM formulas). Render a checked formula spec as text for people.

Input is the JSON payload built by :mod:`verify.models.lstm.formula` (so text and JSON cannot
disagree): one line per claimed gradient, and for a wrong one the reason, a compact
counterexample (sizes, the values the formula reads, expected vs got) and a hint. A run cut
short by ``--timeout`` says so; a claim not refuted by then is "unknown", not "correct".
Matrices are written MATLAB-style, rows separated by ``;``: ``[1 -0.5; 0 2]``.
"""

from __future__ import annotations

from typing import Any

MAX_NUMBERS = 24  # longer arrays are cut with "…" (the JSON output has them in full)


def _number(v: Any, digits: int = 4) -> str:
    return v if isinstance(v, str) else f"{float(v):.{digits}g}"


def _entry(value: Any, at: list[int] | None) -> Any:
    for k in at or []:
        if not isinstance(value, list) or k >= len(value):
            return None
        value = value[k]
    return value


def digits_to_differ(expected: Any, got: Any, at: list[int] | None) -> int:
    """Significant digits (4 to 17) needed for the worst entry of ``expected`` and ``got``
    to print differently, so a difference in the 6th or 9th digit can be seen."""
    a, b = _entry(expected, at), _entry(got, at)
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return 4
    for digits in range(4, 18):
        if f"{float(a):.{digits}g}" != f"{float(b):.{digits}g}":
            return max(4, digits)
    return 17


def array_text(value: Any, digits: int = 4) -> str:
    """``[0.5 -1]`` for vectors, ``[1 0; 0 1]`` for matrices, ``0.25`` for scalars."""
    if not isinstance(value, list):
        return _number(value, digits)
    rows = value if value and isinstance(value[0], list) else [value]
    shown, count = [], 0
    for row in rows:
        cells = []
        for v in row:
            if count == MAX_NUMBERS:
                break
            cells.append(_number(v, digits))
            count += 1
        shown.append(" ".join(cells))
        if count == MAX_NUMBERS:
            shown[-1] += " …"
            break
    return "[" + "; ".join(shown) + "]"


def _target_lines(name: str, result: dict[str, Any], width: int) -> list[str]:
    line = f"  {name:<{width}}  "
    if result["verdict"] == "correct":
        return [line + "correct"]
    if result["verdict"] == "unknown":
        return [line + "unknown" + (f"  ({result['reason']})" if result.get("reason") else "")]
    lines = [line + f"INCORRECT  {result.get('reason', '')}"]
    pad = " " * 6
    cex = result.get("counterexample")
    if cex:
        sizes = (", ".join(f"{k}={v}" for k, v in cex["sizes"].items()) or "scalars"
                 if "sizes" in cex else
                 f"input size D={cex['input_size']}, hidden size H={cex['hidden_size']}")
        lines.append(f"{pad}counterexample: {sizes}"
                     + (f" (formula on line {result['line']}; every drawn input is in "
                        "--format json)" if result.get("line") else ""))
        digits = digits_to_differ(cex["expected"], cex.get("got"), cex.get("entry"))
        values = [f"{n} = {array_text(v, digits)}" for n, v in cex.get("values", {}).items()]
        for k in range(0, len(values), 3):
            lines.append(pad + "  " + "   ".join(values[k:k + 3]))
        others = [f"{n} = {array_text(v, digits)}"
                  for n, v in cex.get("reference_reads", {}).items()]
        if others:
            lines.append(f"{pad}  the right answer also reads (the formula does not):")
            for k in range(0, len(others), 3):
                lines.append(pad + "    " + "   ".join(others[k:k + 3]))
        got = "(no value)" if cex.get("got") is None else array_text(cex["got"], digits)
        lines.append(f"{pad}  expected {array_text(cex['expected'], digits)}   got {got}")
    if result.get("hint"):
        lines.append(f"{pad}hint: {result['hint']}")
    return lines


def render(path: str, payload: dict[str, Any]) -> str:
    """The text report of one ``model: lstm-cell`` spec."""
    claim = payload["claim"]
    targets: dict[str, dict[str, Any]] = claim["targets"]
    correct = sum(t["verdict"] == "correct" for t in targets.values())
    head = path + (f" — {payload['name']}" if payload.get("name") else "")
    summary = {"correct": "CORRECT",
               "unknown": "UNKNOWN (some claims neither refuted nor fully checked in time)",
               }.get(claim["verdict"],
                     f"INCORRECT ({correct} of {len(targets)} claimed gradients correct)")
    examples = payload.get("examples", "?")
    stopped = " (stopped by the time limit)" if payload.get("timed_out") else ""
    title = payload.get("title", "LSTM cell gradient formulas")
    lines = [head, f"  {title}, each checked on {examples} drawn instances"
                   f"{stopped}: " + summary]
    means = payload.get("correct_means")
    if means and claim["verdict"] != "unknown":
        f64, high = means["float64"], means["high_precision"]
        lines.append(f"  correct = equal to the reference gradient (float64, relative 1e-8) on "
                     f"{f64['grid_instances']} grid instances (sizes 1..3, halves in "
                     f"[-3.5, 4]) and {f64['continuous_instances']} continuous ones (sizes up "
                     f"to 8, values in [-6, 6]), and to 30 digits recomputed with "
                     f"{high['digits']} digits on {high['instances']} of them")
    width = max(len(n) for n in targets)
    for name, result in targets.items():
        lines += _target_lines(name, result, width)
    return "\n".join(lines)


def display_arrays(path: str, target: str, *, input_size: int = 4, hidden_size: int = 4,
                   seed: int = 0) -> tuple[Any, Any] | None:
    """(expected, got) of one claimed gradient on a fixed random instance of a readable
    size, for pictures (:mod:`verify.report.plot`); the shrunk counterexample is often 1x1.
    Square by default, so a transposed matrix has the right shape and shows as a pattern.
    None when the formula cannot be evaluated there."""
    import numpy as np

    from verify.input.yamldoc import load_file
    from verify.models.lstm.expr import ShapeError
    from verify.models.lstm.formula_spec import evaluate_claim, load_spec
    from verify.models.lstm.instance import Instance

    spec = load_spec(load_file(path))
    entry = next(e for e in spec.claims if e.name == target)
    # a spec written in another layout (rows, batch-first: branch `formulas`) draws in it
    layout = {"layout": spec.layout} if hasattr(spec, "layout") else {}
    inst = Instance.random(input_size, hidden_size, np.random.default_rng(seed), **layout)
    try:
        got = evaluate_claim(spec, entry, inst.environment)
    except ShapeError:
        return None
    return inst.reference[target], got
