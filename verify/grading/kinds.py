"""Stage: grading (question kinds). Registry of spec ``model:`` -> question kind.

A kind is a function ``prepare(config, spec_root, question_node) -> Question`` that loads
and solves the spec once. Kinds are imported lazily, by name, like the models in
:mod:`verify.registry`, so a new model (e.g. threshold-rnn) plugs in with one
:func:`register` call or one line in ``_KINDS``, without touching the grading flow.
"""

from __future__ import annotations

from collections.abc import Callable

from verify.grading.question import Question, QuestionConfig
from verify.input.yamldoc import Node
from verify.registry import load_target

Prepare = Callable[[QuestionConfig, Node, Node], Question]

_KINDS: dict[str, str] = {
    "step-rnn": "verify.grading.step_rnn:prepare",
    "lstm-cell": "verify.grading.lstm_cell:prepare",
}


def register(model: str, target: str) -> None:
    """Register a question kind for ``model:``; ``target`` is ``"module:function"``."""
    if ":" not in target:
        raise ValueError(f"target={target!r} must be 'module:function'")
    _KINDS[model] = target


def names() -> list[str]:
    return sorted(_KINDS)


def get(model: str) -> Prepare | None:
    target = _KINDS.get(model)
    if target is None:
        return None
    fn: Prepare = load_target(target)
    return fn
