"""LSTM reference implementation: forward and hand-written backward passes in NumPy.

Stage: LSTM gradient checking (ground truth for claimed gradient formulas). Floating point,
so untrusted in the project's sense; property-tested against complex-step derivatives
and, when installed, torch. ``cell`` is one step, ``sequence`` is the fast BPTT over T steps,
``torch_convert`` maps weights to and from ``torch.nn.LSTM``/``LSTMCell``.
"""

from verify.lstm.cell import (
    GATES,
    CellCache,
    CellGrads,
    LSTMParams,
    cell_backward,
    cell_forward,
    sigmoid,
)

__all__ = ["GATES", "CellCache", "CellGrads", "LSTMParams", "cell_backward", "cell_forward",
           "sigmoid"]
