"""verify.testing: strategies with validated keyword-only options, and an assertion
that names the wrong entry."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.errors import InvalidArgument

from verify.testing import assert_gradients_match, cell_instances, lstm_instances, rnn_instances

ROOT = Path(__file__).resolve().parents[2]


def _example_module():
    spec = importlib.util.spec_from_file_location(
        "lstm_layers_example", ROOT / "examples" / "gradcheck" / "lstm_layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE = _example_module()


@settings(max_examples=25, deadline=None)
@given(lstm_instances(layout="cs231n"))
def test_cs231n_instances_have_the_course_shapes_and_agree_with_independent_code(inst) -> None:
    x, prev_h, prev_c, Wx, Wh, b = inst.forward_args
    n, d = x.shape
    h = prev_h.shape[1]
    assert d != h and n >= 1
    assert (Wx.shape, Wh.shape, b.shape, prev_c.shape) == ((d, 4 * h), (h, 4 * h), (4 * h,), (n, h))
    assert inst.gradient_names == ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")
    # the shipped example is plain NumPy written apart from verify: the expectations agree
    next_h, next_c, cache = EXAMPLE.lstm_step_forward(*inst.forward_args)
    grads = EXAMPLE.lstm_step_backward(*inst.upstream_args, cache)
    assert_gradients_match({"next_h": next_h, "next_c": next_c}, inst.expected)
    assert_gradients_match(dict(zip(inst.gradient_names, grads)), inst.expected)


@settings(max_examples=10, deadline=None)
@given(lstm_instances(layout="cs231n", kind="sequence", max_steps=3))
def test_sequence_instances_start_from_a_zero_cell_state(inst) -> None:
    x = inst.forward_args[0]
    assert x.ndim == 3 and 1 <= x.shape[1] <= 3
    h, _ = EXAMPLE.lstm_forward(*inst.forward_args)
    assert_gradients_match({"h": h}, inst.expected)


@settings(max_examples=10, deadline=None)
@given(rnn_instances(layout="cs231n"))
def test_rnn_instances(inst) -> None:
    x, prev_h, Wx, Wh, b = inst.forward_args
    expected = np.tanh(x @ Wx + prev_h @ Wh + b)  # CS231n's rnn_step_forward, by hand
    assert_gradients_match({"next_h": expected}, inst.expected)


@pytest.mark.parametrize("options, message", [
    ({"layout": "keras"}, "layout='keras' must be one of"),
    ({"kind": "tree"}, "kind='tree'"),
    ({"max_size": 1}, "max_size=1 must be an integer >= 2"),
    ({"max_batch": 0}, "max_batch=0"),
    ({"max_steps": True}, "max_steps=True"),
    ({"cell": "gru", "layout": "dlai"}, "no GRU"),
    ({"gate_order": ["i", "f", "o", "o"]}, "gate_order="),
])
def test_invalid_options_name_the_argument(options, message) -> None:
    with pytest.raises(InvalidArgument, match=message):
        cell_instances(**options)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        lstm_instances("cs231n")  # type: ignore[misc]


def test_assert_gradients_match_names_the_entry_and_both_values() -> None:
    want = {"dWx": np.zeros((2, 3)), "db": np.ones(3)}
    got = {"dWx": np.zeros((2, 3)), "db": np.ones(3)}
    assert_gradients_match(got, want)
    got["dWx"][1, 2] = 0.5
    with pytest.raises(AssertionError, match=r"dWx\[1, 2\]: got 0.5, expected 0 .*1 of 6 entries"):
        assert_gradients_match(got, want)
    with pytest.raises(AssertionError, match=r"db has shape \(3, 1\), expected \(3,\)"):
        assert_gradients_match({"db": np.ones((3, 1))}, want)
    with pytest.raises(AssertionError, match=r"array\[0\]: got nan"):
        assert_gradients_match(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(InvalidArgument, match="no expected value for dx"):
        assert_gradients_match({"dx": np.ones(1)}, want)
