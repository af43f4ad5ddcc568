"""Text and JSON for a gradcheck report.

Stage: report. The JSON object (one per run) is a contract: ``target``, ``forward``,
``backward``, ``cell``, ``kind``, ``layout``, ``status`` (``correct`` | ``incorrect`` |
``unknown`` | ``error``), ``examples`` (instances that agreed), ``reason`` and ``findings``,
each with ``kind``, ``function``, ``name``, ``message``, ``hint``, and where they apply
``entry``, ``got``, ``expected``, ``finite_difference``, ``gate``, ``time_step``,
``frame`` and the ``instance`` (sizes and every array passed to the user's code).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.gradcheck.check import Report
from verify.gradcheck.judge import Finding, fmt

CELL_TITLE = {"lstm": "LSTM", "gru": "GRU", "rnn": "tanh RNN"}
_DETAIL_KEYS = ("entry", "got", "expected", "finite_difference", "gate", "time_step",
                "canonical", "canonical_index", "frame", "got_shape", "expected_shape",
                "argument", "before", "after", "seconds", "output", "against")
SMALL = 40  # print the instance's arrays when they have at most this many entries


def _title(report: Report) -> str:
    lay = report.request.layout
    forward = report.names.get("forward", report.request.forward)
    what = f"{CELL_TITLE[lay.cell]} {lay.kind}, layout {lay.name}"
    if report.autograd:
        what += ", torch.autograd.Function"
    backward = report.names.get("backward", report.request.target)
    return f"{backward} — {what} (forward: {forward})"


def _where(f: Finding) -> str:
    d = f.details
    parts = []
    if "gate" in d:
        parts.append(f"gate block {d['gate']} ({d['gate_text']})")
    if "time_step" in d:
        parts.append(f"time step t={d['time_step']}")
    if "summed" in d:
        parts.append(d["summed"])
    if "canonical" in d and f.kind in ("gradient", "forward") and (
            d["canonical_index"] != d.get("entry") or d["canonical"] not in (f.name or "")):
        idx = ", ".join(map(str, d["canonical_index"]))
        parts.append(f"{d['canonical']}[{idx}] in the reference's notation")
    return "; ".join(parts)


def _finding_text(f: Finding) -> list[str]:
    lines = [f"  {f.kind}: {f.message}"]
    where = _where(f)
    if where:
        lines.append(f"      {where}")
    if "finite_difference" in f.details and "expected" in f.details:
        lines.append(f"      finite differences of your forward: "
                     f"{fmt(f.details['finite_difference'])}")
    if f.details.get("frame"):
        lines.append(f"      at {f.details['frame']}")
    if f.kind == "crash" and f.details.get("output") and not f.details.get("frame"):
        lines += ["      " + line for line in f.details["output"].strip().splitlines()[-6:]]
    return lines


def render_text(report: Report) -> str:
    lines = [_title(report)]
    lay = report.request.layout
    if report.status == "correct":
        grads = ", ".join(lay.gradients())
        lines.append(f"  CORRECT: the forward and every gradient ({grads}) agree with the "
                     f"reference and with finite differences of your forward on "
                     f"{report.checked} instances")
        return "\n".join(lines)
    if report.status == "unknown":
        lines.append(f"  UNKNOWN: {report.reason}")
        return "\n".join(lines)
    for group in report.groups:
        n = len(group.findings)
        if group.instance is None:
            lines.append(f"  INCORRECT: {n} finding{'s' * (n != 1)}")
        else:
            which = "the smallest instance found" if group.shrunk else "this instance"
            lines.append(f"  INCORRECT after {report.checked} agreeing instances: "
                         f"{n} finding{'s' * (n != 1)} on {which} ({group.instance.text()})")
        for f in group.findings:
            lines += _finding_text(f)
        hints = list(dict.fromkeys(f.hint for f in group.findings if f.hint))
        lines += [f"  hint: {h}" for h in hints]
        if group.instance is not None:
            arrays = group.instance.user_values()
            if sum(np.size(a) for a in arrays.values()) <= SMALL:
                lines.append("  the instance:")
                lines += [f"    {k} = {np.array2string(np.asarray(v), separator=', ')}"
                          .replace("\n", "") for k, v in arrays.items()]
            else:
                lines.append("  (the instance's arrays: --format json)")
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def finding_json(f: Finding, instance: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": f.kind, "function": f.function, "name": f.name,
                           "message": f.message, "hint": f.hint}
    out.update({k: _jsonable(f.details[k]) for k in _DETAIL_KEYS if k in f.details})
    if "summed" in f.details:
        out["summed"] = True
    out["instance"] = None if instance is None else instance.to_json()
    return out


def render_json(report: Report) -> dict[str, Any]:
    lay = report.request.layout
    return {"target": report.request.target,
            "forward": report.names.get("forward", report.request.forward),
            "backward": report.names.get("backward", report.request.target),
            "cell": lay.cell, "kind": lay.kind, "layout": lay.name,
            "autograd_function": report.autograd, "status": report.status,
            "examples": report.checked, "reason": report.reason,
            "findings": [finding_json(f, g.instance) for g in report.groups
                         for f in g.findings]}
