"""Classic mistake: a state gradient never passed back.

In ``lstm_backward`` step t receives only ``dh[:, t]``, the gradient from the loss at that
step; the gradient reaching h_t from step t+1 (``dprev_h``) is dropped.
"""

import numpy as np
from lstm_layers import lstm_forward, lstm_step_backward  # noqa: F401 - the forward is checked too


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t, :], dprev_c, cache[t])          # BUG: dh[:, t, :] + dprev_h
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
