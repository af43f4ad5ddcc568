"""Registry of spec models: ``model:`` name -> handler. Handlers are imported lazily,
so checking a step-RNN spec never imports the LSTM code (and vice versa)."""

from __future__ import annotations

import importlib
from typing import Any

from verify.outcome import Handler

_HANDLERS: dict[str, str] = {
    "step-rnn": "verify.models.threshold.pipeline:check_spec",
    "threshold-rnn": "verify.models.threshold.network_pipeline:check_spec",
    "lstm-cell": "verify.models.lstm.formula:check_spec",
    "cell": "verify.models.cell.check:check_spec",
    "lstm-sequence": "verify.models.lstm.sequence_formula:check_spec",
    "cell-sequence": "verify.models.cell.sequence:check_spec",
}


def names() -> list[str]:
    return sorted(_HANDLERS)


def handler(name: str) -> Handler | None:
    target = _HANDLERS.get(name)
    return None if target is None else load_target(target)


def load_target(target: str) -> Any:
    """``"package.module:function"`` -> the function, importing its module only now."""
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)
