"""Classic mistake: changing an input in place. ``dnext_c += ...`` adds the path through
next_h into the caller's own array, so whoever passed dnext_c now holds a wrong value
(and a second call gives another answer)."""

import numpy as np
from lstm_layers import lstm_step_forward  # noqa: F401 - the forward is checked too


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dnext_c += dnext_h * o * (1 - tanh_c ** 2)       # BUG: dc = dnext_c + ...
    dc = dnext_c
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tanh_c, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
