"""LSTM reference implementation: forward and hand-written backward passes in NumPy.

Stage: LSTM gradient checking (ground truth for claimed gradient formulas). Floating point,
so untrusted in the project's sense; property-tested against complex-step derivatives
and, when installed, torch. ``cell`` is one step, ``sequence`` is the fast BPTT over T steps,
``torch_convert`` maps weights to and from ``torch.nn.LSTM``/``LSTMCell``.
"""

from verify.models.lstm.cell import (
    GATES,
    CellCache,
    CellGrads,
    LSTMParams,
    cell_backward,
    cell_forward,
    sigmoid,
)
from verify.models.lstm.sequence import (
    SequenceCache,
    SequenceGrads,
    SequenceWorkspace,
    sequence_backward,
    sequence_forward,
)

__all__ = ["GATES", "CellCache", "CellGrads", "LSTMParams", "SequenceCache", "SequenceGrads",
           "SequenceWorkspace", "cell_backward", "cell_forward", "sequence_backward",
           "sequence_forward", "sigmoid"]
