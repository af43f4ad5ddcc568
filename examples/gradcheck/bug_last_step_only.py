"""Classic mistake: weight gradients from the last step of the backward loop only.

``dWx = dWx_t`` where ``dWx += dWx_t`` was meant: only t=0, the last step the loop
visits, survives.
"""

import numpy as np
from lstm_layers import lstm_forward, lstm_step_backward  # noqa: F401 - the forward is checked too


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dprev_h, dprev_c, dWx, dWh, db = lstm_step_backward(      # BUG: not accumulated
            dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dx[:, t, :] = dx_t
    return dx, dprev_h, dWx, dWh, db
