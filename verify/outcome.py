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


@dataclass(frozen=True)
class Outcome:
    spec: str
    status: str  # realizable | unrealizable | unknown | error | checked
    exit_code: ExitCode
    payload: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    answer: Any = field(default=None, compare=False, repr=False)
    """Typed results for library callers (``verify.check``), e.g. the step-RNN
    :class:`~verify.models.threshold.answer.StepRnnAnswer`; None where a model has none."""

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "status": self.status, **self.payload}


Handler = Callable[[Node, Options], Outcome]


def error_outcome(spec: str, err: SpecError) -> Outcome:
    payload = {"error": {"message": err.message, "line": err.line, "key": err.key}}
    return Outcome(spec, "error", ExitCode.SPEC_ERROR, payload, f"error: {err}")
