"""A course can ship this file: students run `pytest test_my_lstm.py` beside lstm_layers.py."""

from hypothesis import given, settings
from lstm_layers import lstm_step_backward, lstm_step_forward

from verify.testing import assert_gradients_match, lstm_instances


def test_lstm_step_backward(gradcheck):
    # forward, backward, in-place changes and finite differences, on 100 drawn instances
    gradcheck(lstm_step_backward, forward=lstm_step_forward, layout="cs231n")


def test_lstm_sequence_backward(gradcheck):
    # by name: runs in a child process, so an infinite loop fails after 60 s, not never
    gradcheck("lstm_layers:lstm_backward", layout="cs231n", timeout=60)


@settings(max_examples=50, deadline=None)
@given(lstm_instances(layout="cs231n"))
def test_step_by_hand(inst):
    next_h, next_c, cache = lstm_step_forward(*inst.forward_args)
    grads = lstm_step_backward(*inst.upstream_args, cache)
    assert_gradients_match({"next_h": next_h, "next_c": next_c}, inst.expected)
    assert_gradients_match(dict(zip(inst.gradient_names, grads)), inst.expected)
