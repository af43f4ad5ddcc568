"""Judge what the user's code did on one instance: findings, each naming the array and entry.

Stage: gradcheck (judging). Float64 comparisons, untrusted in the project's sense:
"correct" means "agreed on every drawn instance".

Order of judgement: an exception or a malformed return value ends the instance; then
arguments changed in place; then the forward's outputs against the reference (a wrong
forward is reported as such); then each returned gradient, against the reference when
the forward agrees with it, and always against directional finite differences of the
user's own forward (so a consistent non-standard cell is judged on its own terms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.gradcheck.instances import Instance
from verify.models.lstm.cell import Array

RTOL, ATOL = 1e-5, 1e-7  # user code may compute in float32 internally; mistakes are O(0.01+)
FD_RTOL = 1e-5

SEVERITY = ("crash", "timeout", "raised", "returned", "mutation", "shape", "nan", "forward",
            "gradient")


@dataclass(frozen=True)
class Finding:
    kind: str  # one of SEVERITY
    function: str  # the user's function
    name: str | None  # the output, gradient or argument concerned
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    hint: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.function, self.name)

    def with_hint(self, hint: str | None) -> Finding:
        return Finding(self.kind, self.function, self.name, self.message, self.details, hint)

    def with_details(self, **more: Any) -> Finding:
        return Finding(self.kind, self.function, self.name, self.message,
                       {**self.details, **more}, self.hint)


def close(got: Array, want: Array) -> bool:
    atol = ATOL * (1.0 + float(np.max(np.abs(want), initial=0.0)))
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(got - want) <= atol + RTOL * np.abs(want)))


def worst_entry(got: Array, want: Array) -> tuple[int, ...]:
    with np.errstate(invalid="ignore"):
        err = np.where(np.isfinite(got), np.abs(got - want), np.inf)
    return tuple(int(k) for k in np.unravel_index(int(np.argmax(err)), err.shape))


def fmt(value: float) -> str:
    return f"{value:.6g}"


def entry_text(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(map(str, index))}]" if index else name


def directions(inst: Instance) -> dict[str, Array]:
    """Fixed random directions, one per forward input, for directional finite differences."""
    rng = np.random.default_rng(2026)
    return {n: rng.standard_normal(np.shape(v)) for n, v in inst.forward_values().items()
            if n in inst.layout.inputs()}


def _shape_finding(function: str, name: str, got: Array, want: Array, what: str) -> Finding:
    return Finding("shape", function, name,
                   f"{name} has shape {tuple(got.shape)}, but {what} has shape "
                   f"{tuple(want.shape)}", {"got_shape": list(got.shape),
                                            "expected_shape": list(want.shape)})


def _nan_finding(function: str, name: str, got: Array) -> Finding:
    at = tuple(int(k) for k in np.argwhere(~np.isfinite(got))[0])
    return Finding("nan", function, name,
                   f"{entry_text(name, at)} is {got[at]} where the reference is finite",
                   {"entry": list(at)})


def _value_finding(kind: str, function: str, name: str, got: Array, want: Array,
                   inst: Instance, array: str) -> Finding:
    at = worst_entry(got, want)
    where = inst.where(array, at)
    what = "reference forward" if kind == "forward" else "reference gradient"
    message = f"{entry_text(name, at)} is {fmt(got[at])}, the {what} gives {fmt(want[at])}"
    return Finding(kind, function, name, message,
                   {"entry": list(at), "got": float(got[at]), "expected": float(want[at]),
                    **where})


def judge(inst: Instance, facts: dict[str, Any], names: dict[str, str]) -> list[Finding]:
    """Findings on one instance. ``names`` maps "forward"/"backward" to the user's names."""
    lay = inst.layout
    error = facts["error"]
    if error is not None:
        details = {"frame": error.get("frame")}
        return [Finding(error["what"], error["function"], None, error["message"], details)]
    findings = [Finding("mutation", m["function"], m["argument"], _mutation_text(m), m,
                        f"compute a new array instead of changing {m['argument']} in place "
                        f"(x = x + y, not x += y), or copy it first: {m['argument']}.copy()")
                for m in facts["mutated"]]
    forward_ok = True
    for out in lay.outputs():
        got, want = facts["outputs"][out], inst.expected_output(out)
        if got.shape != want.shape:
            findings.append(_shape_finding(names["forward"], out, got, want, "the reference"))
        elif not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
            findings.append(_nan_finding(names["forward"], out, got))
        elif not close(got, want):
            findings.append(_value_finding("forward", names["forward"], out, got, want, inst,
                                           out))
        else:
            continue
        forward_ok = False
    dirs = directions(inst)
    for grad, of in lay.gradients().items():
        got, want = facts["grads"][grad], inst.expected_gradient(grad)
        if got.shape != want.shape:
            findings.append(_shape_finding(names["backward"], grad, got, want,
                                           f"{of} (and the reference {grad})"))
            continue
        if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
            findings.append(_nan_finding(names["backward"], grad, got))
            continue
        fd = facts["fd"].get(of)
        projected = float(np.sum(got * dirs[of])) if of in dirs else None
        fd_ok = fd is None or projected is None or abs(fd - projected) <= FD_RTOL * (
            1 + abs(fd) + float(np.sum(np.abs(got * dirs[of]))))
        extra = {"finite_difference_directional": fd, "yours_directional": projected}
        if forward_ok and not close(got, want):
            findings.append(_value_finding("gradient", names["backward"], grad, got, want,
                                           inst, of).with_details(**extra))
        elif not fd_ok:
            findings.append(Finding(
                "gradient", names["backward"], grad,
                f"{grad} disagrees with finite differences of your own forward "
                f"(along a random direction: {fmt(projected or 0)} vs {fmt(fd or 0)})",
                {**extra, "against": "your forward"}))
    return findings


def _mutation_text(m: dict[str, Any]) -> str:
    if m["index"] is None:
        return f"{m['function']} changed the shape of its argument {m['argument']} in place"
    return (f"{m['function']} changed its argument {m['argument']} in place: "
            f"{entry_text(m['argument'], tuple(m['index']))} was {fmt(m['before'])}, "
            f"is now {fmt(m['after'])}")
