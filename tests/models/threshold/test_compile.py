"""Model stage: one exact row per step, with provenance."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from rnn_helpers import make_spec, specs

from verify.models.threshold.compile import FREE, compile_spec
from verify.trusted import checker


def test_rows_of_the_seed_q1b():
    spec = make_spec([([0, 0, 0, 1, 0, 0, 1, 0], [1, 1, 1, 0, 0, 0, 1, 1])])
    table = compile_spec(spec)
    rows = [table.row(k) for k in range(len(table))]
    assert [r.coefficients for r in rows[:5]] == [
        (F(0), F(0), F(1)), (F(0), F(1), F(1)), (F(0), F(1), F(1)),
        (F(-1), F(-1), F(-1)), (F(0), F(0), F(-1))]
    assert [r.strict for r in rows] == [True, True, True, False, False, False, True, True]
    assert list(table.t) == list(range(1, 9))


@given(specs())
def test_every_row_is_what_the_checker_derives(spec):
    table = compile_spec(spec)
    for k in range(len(table)):
        j, t = int(table.seq[k]), int(table.t[k])
        if table.s_prev[k] == FREE:
            for s0 in (0, 1):
                row = table.row(k, s0)
                assert checker.derive_row(spec, j, t, {j: s0}) == (row.coefficients, row.strict)
            with pytest.raises(ValueError):
                table.row(k)
        else:
            row = table.row(k)
            assert checker.derive_row(spec, j, t, {}) == (row.coefficients, row.strict)
        assert table.index(j, t) == k
