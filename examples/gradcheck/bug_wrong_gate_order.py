"""Classic mistake: gate blocks in PyTorch's order (i, f, g, o) in CS231n-style code,
whose ``Wx`` stacks them i, f, o, g. Forward and backward agree with each other, so
only a reference can tell."""

import numpy as np
from lstm_layers import sigmoid


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])                   # BUG: blocks 3 and 4 swapped
    o = sigmoid(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tanh_c, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
