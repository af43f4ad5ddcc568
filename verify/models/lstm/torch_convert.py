"""Convert LSTM weights between :class:`LSTMParams` and ``torch.nn.LSTM``/``LSTMCell``.

Stage: LSTM gradient checking (test oracle and benchmark support); untrusted. torch is an
optional dependency, so it is imported inside the functions only.

torch stacks the gates as (i, f, g, o) in ``weight_ih`` (4H, D), ``weight_hh`` (4H, H) and
two biases; we stack (i, f, o, c) with c = g and keep one bias ``b = bias_ih + bias_hh``.
Going to torch, ``b`` goes into ``bias_ih`` and ``bias_hh`` is zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from verify.models.lstm.cell import GATES, Array, LSTMParams

if TYPE_CHECKING:
    import torch

TORCH_GATES: tuple[str, str, str, str] = ("i", "f", "c", "o")
"""Our gate names in torch's stacking order (torch calls the candidate ``g``)."""


def _to_torch_blocks(per_gate: dict[str, Array] | Any) -> Array:
    return np.concatenate([np.asarray(per_gate[g]) for g in TORCH_GATES], axis=0)


def _from_torch_blocks(stacked: Array, hidden: int) -> dict[str, Array]:
    return {g: stacked[k * hidden:(k + 1) * hidden].copy() for k, g in enumerate(TORCH_GATES)}


def _torch_dtype(dtype: np.dtype[Any]) -> torch.dtype:
    import torch

    table = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
    if dtype not in table:
        raise TypeError(f"dtype={dtype!r} has no torch LSTM equivalent; use float32 or float64")
    return table[dtype]


def _load(module: torch.nn.Module, suffix: str, params: LSTMParams) -> None:
    import torch

    dtype = _torch_dtype(params.dtype)
    tensors = {
        f"weight_ih{suffix}": _to_torch_blocks(params.W),
        f"weight_hh{suffix}": _to_torch_blocks(params.U),
        f"bias_ih{suffix}": _to_torch_blocks(params.b),
        f"bias_hh{suffix}": np.zeros(4 * params.hidden_size, params.dtype),
    }
    with torch.no_grad():
        for name, value in tensors.items():
            getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(value)).to(dtype))


def to_torch_lstm(params: LSTMParams) -> torch.nn.LSTM:
    """A one-layer, unidirectional, sequence-first ``torch.nn.LSTM`` computing the same function."""
    import torch

    module = torch.nn.LSTM(params.input_size, params.hidden_size, num_layers=1,
                           dtype=_torch_dtype(params.dtype))
    _load(module, "_l0", params)
    return module


def to_torch_lstm_cell(params: LSTMParams) -> torch.nn.LSTMCell:
    """A ``torch.nn.LSTMCell`` computing the same function."""
    import torch

    module = torch.nn.LSTMCell(params.input_size, params.hidden_size,
                               dtype=_torch_dtype(params.dtype))
    _load(module, "", params)
    return module


def _one_cell(module: torch.nn.Module) -> tuple[str, int]:
    """The weight-name suffix (``"_l0"`` or ``""``) and hidden size of a ``torch.nn.LSTMCell``
    or a one-layer unidirectional ``torch.nn.LSTM`` without projection (the only kinds with
    one cell's worth of weights); ValueError or TypeError for any other module."""
    import torch

    if isinstance(module, torch.nn.LSTM):
        if module.num_layers != 1 or module.bidirectional or module.proj_size != 0:
            raise ValueError(f"module={module!r} must have num_layers=1, bidirectional=False "
                             "and proj_size=0 to be one LSTM cell")
        return "_l0", module.hidden_size
    if isinstance(module, torch.nn.LSTMCell):
        return "", module.hidden_size
    raise TypeError(f"module={module!r} must be a torch.nn.LSTM or torch.nn.LSTMCell")


def from_torch(module: torch.nn.Module) -> LSTMParams:
    """Parameters of a ``torch.nn.LSTMCell`` or a one-layer unidirectional ``torch.nn.LSTM``
    without projection (the only kinds with one cell's worth of weights)."""
    suffix, hidden = _one_cell(module)
    dtype = getattr(module, "weight_ih" + suffix).detach().cpu().numpy().dtype

    def array(name: str) -> Array:
        tensor = getattr(module, name + suffix, None)
        if tensor is None:  # a module built with bias=False
            return np.zeros(4 * hidden, dtype)
        return np.array(tensor.detach().cpu().numpy(), copy=True)

    bias = array("bias_ih") + array("bias_hh")
    return LSTMParams(W=_from_torch_blocks(array("weight_ih"), hidden),
                      U=_from_torch_blocks(array("weight_hh"), hidden),
                      b=_from_torch_blocks(bias, hidden))


def grads_from_torch(module: torch.nn.Module) -> dict[str, Array]:
    """The ``.grad`` of a module's weights in :meth:`LSTMParams.flat` naming (``"W_i"`` ...).

    The bias gradient is that of ``bias_ih`` (equal to ``bias_hh``'s, since both enter
    the pre-activation additively), which is the gradient of our single ``b``. The module
    must be one cell, as for :func:`from_torch`.
    """
    suffix, hidden = _one_cell(module)
    out: dict[str, Array] = {}
    for kind, name in (("W", "weight_ih"), ("U", "weight_hh"), ("b", "bias_ih")):
        weight = getattr(module, name + suffix, None)
        if weight is None:  # bias=False: LSTMCell sets it to None, LSTM has no attribute
            raise ValueError(f"module={module!r} has no {name}{suffix} (built with "
                             "bias=False), so there is no gradient of b to report")
        grad = weight.grad
        if grad is None:
            raise ValueError(f"{name}{suffix} has no gradient: run backward() first")
        blocks = _from_torch_blocks(grad.detach().cpu().numpy(), hidden)
        out.update({f"{kind}_{g}": blocks[g] for g in GATES})
    return out
