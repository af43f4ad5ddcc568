"""Reduce stage: few rows, each a real step's row, and the same verdicts as no reduction."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings
from rnn_helpers import make_spec, specs

from verify.linear.backends import get
from verify.linear.system import LinearSystem, Status
from verify.models.threshold.compile import FREE, compile_spec
from verify.models.threshold.reduce import reduce_table, same_row_steps


@settings(max_examples=80)
@given(specs())
def test_reduction_keeps_feasibility(spec):
    """The reduced rows are feasible iff all rows (fixed s0 only) are."""
    table = compile_spec(spec)
    red = reduce_table(table)
    known = [k for k in range(len(table)) if table.s_prev[k] != FREE]
    full = LinearSystem(spec.params, tuple(table.row(k) for k in known))
    small = LinearSystem(spec.params, tuple(r.row for r in red.fixed))
    exact = get("exact")
    assert exact.solve(full).status == exact.solve(small).status
    assert len(red.fixed) <= 10
    for r in red.fixed:
        assert table.row(r.step) == r.row


def test_direct_conflict_is_found_exactly_despite_float_ties():
    near = F(1, 3) + F(1, 10**30)  # same float as 1/3, different number
    spec = make_spec([([F(1, 3), near, F(1, 3)], [1, 0, 0])], s0=1)
    red = reduce_table(compile_spec(spec))
    assert red.conflict is None  # t=2 and t=3 see s_prev=0; t=1 sees s0=1
    spec2 = make_spec([([0, F(1, 3), near, F(1, 3)], [0, 1, 0, 0])], s0=0)
    red2 = reduce_table(compile_spec(spec2))
    assert red2.conflict is not None
    a, b = red2.conflict
    t = red2.table
    assert t.x_exact(a) == t.x_exact(b) == F(1, 3) and t.y[a] == 1 and t.y[b] == 0
    # the kept rows carry the conflict: b-free rows w1/3 + b > 0 and -(w1/3 + b) >= 0
    assert get("exact").solve(
        LinearSystem(spec2.params, tuple(r.row for r in red2.fixed))).status is Status.INFEASIBLE


def test_same_row_steps_lists_every_occurrence():
    spec = make_spec([([0, 0, 0, 1, 0, 0, 1, 0], [1, 1, 1, 0, 0, 0, 1, 1])])
    table = compile_spec(spec)
    steps, count = same_row_steps(table, 1)
    assert count == 3 and [int(table.t[k]) for k in steps] == [2, 3, 8]
    assert get("z3").solve(LinearSystem(spec.params, (table.row(0), table.row(4)))).status \
        is Status.INFEASIBLE
