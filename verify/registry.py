"""Registry of spec models: ``model:`` name -> handler. Handlers are imported lazily,
so checking a step-RNN spec never imports the LSTM code (and vice versa)."""

from __future__ import annotations

import importlib

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
    if target is None:
        return None
    module, attr = target.split(":")
    fn: Handler = getattr(importlib.import_module(module), attr)
    return fn
