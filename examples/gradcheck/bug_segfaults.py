"""A forward that crashes the interpreter: reading memory at address 0 is a segfault,
which ``verify gradcheck`` survives (the code runs in a child process) and reports."""

import ctypes

from lstm_layers import lstm_step_backward  # noqa: F401
from lstm_layers import lstm_step_forward as _forward


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    if x.shape[0] > 0:
        ctypes.string_at(0)   # BUG: dereferences a null pointer
    return _forward(x, prev_h, prev_c, Wx, Wh, b)
