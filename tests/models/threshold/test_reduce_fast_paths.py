"""The reduce stage's vectorised conflict search agrees with plain set intersection."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from verify.models.threshold.reduce import _common_values, _overlap

VALUES = st.lists(st.one_of(st.integers(-4, 4).map(float),
                            st.floats(allow_nan=False, width=64)), min_size=1, max_size=25)


@given(VALUES, VALUES)
def test_common_values_are_the_sorted_intersection(a: list[float], b: list[float]) -> None:
    xa, xb = np.array(a), np.array(b)
    assert _common_values(xa, xb).tolist() == sorted(set(a) & set(b))
    assert _common_values(xb, xa).tolist() == sorted(set(a) & set(b))


@given(VALUES, VALUES)
def test_overlap_keeps_every_step_with_a_common_value(a: list[float], b: list[float]) -> None:
    xs = np.array(a + b)
    ia, ib = np.arange(len(a)), np.arange(len(a), len(a) + len(b))
    ka, kb = _overlap(xs, ia, ib)
    common = set(a) & set(b)
    assert {int(i) for i in ia if xs[i] in common} <= set(ka.tolist())
    assert {int(i) for i in ib if xs[i] in common} <= set(kb.tolist())
    assert set(ka.tolist()) <= set(ia.tolist()) and set(kb.tolist()) <= set(ib.tolist())
