"""The step-rnn witness check (the network checker's vectorised simulation, seen as one
observed unit) agrees with a plain Fraction simulation, ties and huge numbers included."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from rnn_helpers import make_spec

from verify.input.exact import Series
from verify.trusted import checker

INT64 = st.integers(-(2**63) + 1, 2**63 - 1)
WEIGHTS = st.one_of(st.fractions(min_value=-5, max_value=5, max_denominator=6),
                    st.integers(-(2**70), 2**70).map(F),
                    st.builds(F, st.integers(-(2**70), 2**70), st.integers(1, 2**40)))


def naive_first(xs: list[F], ys: list[int], w: tuple[F, F, F], s0: int,
                strict: bool) -> tuple[int, int] | None:
    """(t, got) of the first step whose z, from the previous *output*, misses its output."""
    prev = s0
    for t, (x, y) in enumerate(zip(xs, ys), start=1):
        z = w[0] * x + w[1] * prev + w[2]
        got = int(z > 0) if strict else int(z >= 0)
        if got != y:
            return t, got
        prev = y
    return None


@given(st.lists(st.tuples(st.one_of(st.integers(-6, 6), INT64), st.integers(0, 1)),
                max_size=30),
       st.tuples(WEIGHTS, WEIGHTS, WEIGHTS), st.integers(0, 1), st.booleans())
def test_first_failure_is_exact(steps, w, s0, strict) -> None:
    xs, ys = [F(x) for x, _ in steps], [y for _, y in steps]
    spec = make_spec([(xs, ys)], s0=s0, step="strict" if strict else "nonstrict")
    fail = checker.first_failure(spec, dict(zip(("w1", "w2", "b"), w)), [s0])
    want = naive_first(xs, ys, w, s0, strict)
    assert (None if fail is None else (fail.t, fail.got)) == want


def test_integer_inputs_against_thresholds_beyond_int64() -> None:
    # z = x - 2**70 < 0 for every int64 input: outputs 0 are right, an output 1 is not
    spec = make_spec([([0, 1, -5, 2**62], [0, 0, 0, 1])], step="nonstrict")
    fail = checker.first_failure(spec, {"w1": F(1), "w2": F(0), "b": F(-(2**70))}, [0])
    assert fail is not None and (fail.t, fail.x, fail.z, fail.got) == (4, 2**62, 2**62 - 2**70, 0)


def test_a_million_binary_steps_that_all_tie() -> None:
    # x - 1 = 0 at every x = 1 (half the steps): each tie decided exactly, none wrong
    # under the non-strict step, and the first x = 1 wrong under the strict one
    xs = np.tile(np.array([0, 1], dtype=np.int64), 500_000)
    ys = (xs == 1).astype(np.int8)
    for step, want in (("nonstrict", None), ("strict", (2, 0))):
        spec = make_spec([([], [])], step=step)
        seq = spec.sequences[0]
        seq = type(seq)(Series.from_ints(xs), ys, 0, 1)
        spec = type(spec)(spec.path, None, "step-rnn", spec.step, (seq,), None)
        fail = checker.first_failure(spec, {"w1": F(1), "w2": F(0), "b": F(-1)}, [0])
        assert (None if fail is None else (fail.t, fail.got)) == want


def test_the_first_wrong_step_far_into_a_long_sequence() -> None:
    # y_t = x_t (w1 = 1, b = -1/2), real-valued inputs; outputs wrong from t = 700,001 on
    # (flipped there and at every later step): exactly that step is reported
    rng = np.random.default_rng(3)
    xs = rng.normal(size=1_000_000)
    ys = (xs > 0.5).astype(np.int8)
    ys[700_000:] = 1 - ys[700_000:]
    spec = make_spec([([], [])])
    seq = type(spec.sequences[0])(Series.from_floats(xs), ys, 0, 1)
    spec = type(spec)(spec.path, None, "step-rnn", spec.step, (seq,), None)
    fail = checker.first_failure(spec, {"w1": F(1), "w2": F(0), "b": F(-1, 2)}, [0])
    assert fail is not None and (fail.t, fail.x) == (700_001, F(float(xs[700_000])))
    assert fail.got == int(xs[700_000] > 0.5) != fail.expected
