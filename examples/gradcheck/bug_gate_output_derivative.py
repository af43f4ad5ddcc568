"""Classic mistake: an activation's derivative taken at the gate output.

``i = sigmoid(a_i)`` is already activated, so di/da_i = i * (1 - i); this code applies
the sigmoid again: sigmoid(i) * (1 - sigmoid(i)).
"""

import numpy as np
from lstm_layers import lstm_step_forward, sigmoid  # noqa: F401 - the forward is checked too


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tanh_c, dc * i
    da_i = di * sigmoid(i) * (1 - sigmoid(i))                      # BUG: i * (1 - i)
    da = np.hstack([da_i, df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)])
    return (da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0))
