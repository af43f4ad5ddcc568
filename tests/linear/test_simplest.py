"""Simplest witnesses: still witnesses, and the simplest rational in each interval."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import assume, given
from hypothesis import strategies as st
from rnn_helpers import realizable_specs

from verify.linear.backends.certificate import is_witness
from verify.linear.simplest import _inside, simplest_in, simplest_witness
from verify.linear.system import LinearSystem
from verify.models.threshold.compile import compile_spec
from verify.models.threshold.reduce import reduce_table

ends = st.one_of(st.none(), st.tuples(st.fractions(-4, 4, max_denominator=12), st.booleans()))


@given(ends, ends)
def test_simplest_in_is_inside_and_no_simpler_rational_is(lo, hi):
    if lo is not None and hi is not None:
        assume(lo[0] < hi[0] or (lo[0] == hi[0] and lo[1] and hi[1]))
    q = simplest_in(lo, hi)
    assert _inside(q, lo, hi)
    for den in range(1, q.denominator + 1):  # every rational of denominator <= q's
        for num in range(-abs(q.numerator) * 2 - 5 * den, abs(q.numerator) * 2 + 5 * den + 1):
            r = F(num, den)
            if _inside(r, lo, hi):
                assert (r.denominator, abs(r.numerator)) >= (q.denominator, abs(q.numerator))


def test_seed_weights_become_small_integers():
    from rnn_helpers import make_spec
    spec = make_spec([([0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 1, 1, 1])])
    table = compile_spec(spec)
    system = LinearSystem(spec.params, tuple(r.row for r in reduce_table(table).fixed))
    assert simplest_witness(system, (F(1, 4), F(1, 4), F(0))) == (F(1), F(1), F(0))
    huge = (F(3, 10**40), F(1, 3), F(-1, 10**40))
    assert is_witness(system, simplest_witness(system, huge))


@given(realizable_specs())
def test_simplified_witness_is_a_witness(case):
    spec, w = case
    assume(all(s.s0 is not None for s in spec.sequences))
    table = compile_spec(spec)
    system = LinearSystem(spec.params, tuple(r.row for r in reduce_table(table).fixed))
    theta = tuple(w[p] for p in spec.params)
    assume(is_witness(system, theta))
    simple = simplest_witness(system, theta)
    assert is_witness(system, simple)
    assert all(v.denominator == 1 for v in simple)


def test_huge_inputs_still_get_small_weights_on_every_backend(tmp_path, capsys):
    import json

    from verify.cli import main
    spec = tmp_path / "h.yaml"
    spec.write_text("model: step-rnn\ns0: free\nsequences:\n"
                    "  - {input: [1e400, 1e400], output: [1, 0]}\n"
                    "  - {input: [1e400], output: [0]}\n")
    for solver in ("z3", "lp", "exact"):
        assert main(["check", "--format", "json", "--solver", solver, str(spec)]) == 0
        witness = json.loads(capsys.readouterr().out)["witness"]
        assert all(abs(F(v)) <= 2 for v in witness.values()), (solver, witness)
