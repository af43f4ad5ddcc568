"""A backward that never returns: ``verify gradcheck`` reports it when --timeout runs out."""

from lstm_layers import lstm_step_forward  # noqa: F401


def lstm_step_backward(dnext_h, dnext_c, cache):
    t = 0
    while t >= 0:        # BUG: never terminates
        t += 1
