"""What one spec check produces, whatever the model: the unit the CLI prints.

A handler (one per ``model:``) turns a composed spec into an :class:`Outcome`. The
``payload`` is the JSON object printed with ``--format json`` (rationals as strings);
``text`` is the human rendering. Both are produced by the report stage, so JSON mode
never leaks plain text and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verify.errors import ExitCode, SpecError
from verify.input.yamldoc import Node


@dataclass(frozen=True)
class Options:
    solver: str = "z3"
    timeout: float | None = None
    examples: int = 200  # hypothesis examples per claimed LSTM gradient
    seed: int = 0
    allow_outside_data: bool = False  # data files may lie outside the spec's folder


@dataclass(frozen=True)
class Outcome:
    spec: str
    status: str  # realizable | unrealizable | unknown | error | checked
    exit_code: ExitCode
    payload: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    answer: Any = field(default=None, compare=False, repr=False)
    """Typed results for library callers (``verify.check``): the step-RNN
    :class:`~verify.models.threshold.answer.StepRnnAnswer`; for threshold-rnn specs a
    ``ThresholdAnswer`` holding the validated ``spec``; None where a model has none."""

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "status": self.status, **self.payload}


Handler = Callable[[Node, Options], Outcome]


def error_outcome(spec: str, err: SpecError) -> Outcome:
    payload = {"error": {"message": err.message, "line": err.line, "key": err.key}}
    return Outcome(spec, "error", ExitCode.SPEC_ERROR, payload, f"error: {err}")


# Where a check was when its deadline passed, by the innermost module of ``verify`` running.
_STAGES = (("verify.input", "reading the spec"), ("verify.models.threshold.load", "reading the spec"),
           ("verify.models.threshold.claims", "judging the claim"),
           ("verify.trusted", "re-checking the answer"), ("verify.linear", "solving"),
           ("verify.models.threshold.solve", "solving"), ("verify.models", "compiling"))


def deadline_outcome(spec: str, timeout: float | None, exc: BaseException) -> Outcome:
    """Status ``unknown`` (exit 3) for a spec whose check ran past ``--timeout``, saying
    which stage it had reached."""
    stage = "checking"
    tb = exc.__traceback__
    while tb is not None:  # the innermost stage; input helpers called later do not count
        name = str(tb.tb_frame.f_globals.get("__name__", ""))
        found = next((what for prefix, what in _STAGES if name.startswith(prefix)), None)
        if found and not (name.startswith("verify.input") and stage not in
                          ("checking", "reading the spec")):
            stage = found
        tb = tb.tb_next
    reason = (f"the check did not finish within --timeout {timeout:g} s (stopped while "
              f"{stage}); try a larger --timeout")
    return Outcome(spec, "unknown", ExitCode.UNKNOWN, {"reason": reason},
                   f"{spec}\n  UNKNOWN: {reason}")
