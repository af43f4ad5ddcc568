"""Judging claimed answers: witnesses, 'because' arguments, bare realizability."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rnn_helpers import make_spec, simulate, small_rationals, specs

from verify.input.ineq import parse_inequality
from verify.linear.result import Verdict
from verify.models.threshold.claims import find_requirement, judge
from verify.models.threshold.compile import compile_spec
from verify.models.threshold.reduce import reduce_table
from verify.models.threshold.solve import solve
from verify.models.threshold.spec import PARAMS, Claim

Q1A = ([0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 1, 1, 1])
Q1B = ([0, 0, 0, 1, 0, 0, 1, 0], [1, 1, 1, 0, 0, 0, 1, 1])


def claim(*, realizable=None, witness=None, because=None, s0=None) -> Claim:
    ineqs = None if because is None else tuple(
        parse_inequality(b, params=PARAMS, line=1) for b in because)
    wit = None if witness is None else {k: F(v) for k, v in witness.items()}
    return Claim(realizable, wit, s0, ineqs, 1)


def verdict_of(spec, solver="z3"):
    table = compile_spec(spec)
    result = solve(reduce_table(table), solver)
    return judge(spec, table, result, solver, None), result


def test_seed_witness_for_q1a_fails_at_t4_with_z_0():
    spec = make_spec([Q1A], claim=claim(realizable=True, witness={"w1": 1, "w2": 2, "b": -1}))
    j, result = verdict_of(spec)
    assert result.verdict is Verdict.REALIZABLE
    assert j.verdict == "incorrect"
    assert j.details["failure"] == {"sequence": 0, "t": 4, "x": "1", "s_prev": 0, "z": "0",
                                    "expected": 1, "got": 0}
    assert "step(z) = 0" in j.reason and "z > 0" in j.reason


def test_seed_argument_for_q1b_is_required_but_not_contradictory():
    spec = make_spec([Q1B], claim=claim(realizable=False,
                                        because=["w1 + w2 + b <= 0", "w1 + b > 0"]))
    j, result = verdict_of(spec)
    assert result.verdict is Verdict.UNREALIZABLE
    assert j.verdict == "incorrect"
    found = [i["required_at"] for i in j.details["inequalities"]]
    assert found == [{"sequence": 0, "t": 4}, {"sequence": 0, "t": 7}]
    point = {k: F(v) for k, v in j.details["satisfied_by"].items()}
    assert point["w1"] + point["w2"] + point["b"] <= 0 < point["w1"] + point["b"]
    assert "conclusion (unrealizable) is right" in j.reason


@pytest.mark.parametrize("because,verdict", [
    (["b > 0", "b <= 0"], "correct"),
    (["2*b > 0", "-3*b >= 0"], "correct"),            # positive multiples are the same rows
    (["b > 0", "0 >= b"], "correct"),
    (["b >= 0", "b <= 0"], "incorrect"),              # weaker: no longer contradictory
    (["b > 1", "b <= 0"], "incorrect"),               # not a step's row
    (["w2 + b > 0", "-(w1 + w2 + b) >= 0", "-b >= 0", "w1 + b > 0"], "correct"),
    (["w1 > 0", "w1 <= 0"], "incorrect"),             # contradictory, but not required
])
def test_because_claims(because, verdict):
    spec = make_spec([Q1B], claim=claim(realizable=False, because=because))
    j, _ = verdict_of(spec)
    assert j.verdict == verdict, j.reason


def test_because_on_a_realizable_spec_is_incorrect():
    spec = make_spec([Q1A], claim=claim(realizable=False, because=["b <= 0", "w1 + b > 0"]))
    j, _ = verdict_of(spec)
    assert j.verdict == "incorrect" and "realizable" in j.reason


def test_bare_realizability_claims():
    assert verdict_of(make_spec([Q1A], claim=claim(realizable=True)))[0].verdict == "correct"
    assert verdict_of(make_spec([Q1B], claim=claim(realizable=True)))[0].verdict == "incorrect"
    assert verdict_of(make_spec([Q1B], claim=claim(realizable=False)))[0].verdict == "correct"


def test_witness_with_free_s0_tries_both_values():
    spec = make_spec([([0, 0], [1, 1])], s0=None,
                     claim=claim(realizable=True, witness={"w1": 0, "w2": 1, "b": 0}))
    j, _ = verdict_of(spec)
    assert j.verdict == "correct" and j.details["s0"] == [1]


def _reproduces(spec, w, j: int, s0: int) -> bool:
    return simulate(spec, w, j, s0) == [int(v) for v in spec.sequences[j].outputs]


@settings(max_examples=60)
@given(specs(max_seqs=2), st.fixed_dictionaries(
    {"w1": small_rationals, "w2": small_rationals, "b": small_rationals}))
def test_witness_verdict_matches_a_naive_simulation(spec, w):
    # Oracle: step-by-step simulation (rnn_helpers.simulate), not the checker the judge
    # calls. A free s0 may take either value, per sequence.
    spec = make_spec([(s.inputs.exact_all(), [int(v) for v in s.outputs])
                      for s in spec.sequences], s0s=[s.s0 for s in spec.sequences],
                     step=spec.step.value, claim=claim(witness=w))
    expected = all(any(_reproduces(spec, w, j, v)
                       for v in ((0, 1) if seq.s0 is None else (seq.s0,)))
                   for j, seq in enumerate(spec.sequences))
    j, _ = verdict_of(spec, "exact")
    assert (j.verdict == "correct") == expected, j.reason
    if not expected:
        fail = j.details["failure"]
        z = w["w1"] * F(fail["x"]) + w["w2"] * fail["s_prev"] + w["b"]
        assert F(fail["z"]) == z and fail["expected"] != fail["got"]


def _hand_row(spec, j: int, t: int, s_prev: int) -> tuple[tuple[F, F, F], bool]:
    """The README's rule: output y requires sign*(x_t, s_(t-1), 1) REL 0, sign = +1 for
    y = 1 and -1 for y = 0, strict iff (y = 1) == (the step is strict)."""
    seq = spec.sequences[j]
    y = int(seq.outputs[t - 1])
    sign = 1 if y == 1 else -1
    return ((sign * seq.inputs.exact(t - 1), F(sign * s_prev), F(sign)),
            (y == 1) == (spec.step.value == "strict"))


def _known_s_prev(spec, j: int, t: int) -> int | None:
    seq = spec.sequences[j]
    return int(seq.outputs[t - 2]) if t > 1 else seq.s0


@settings(max_examples=60)
@given(specs(max_seqs=2), st.data())
def test_every_step_row_is_found_as_required(spec, data):
    table = compile_spec(spec)
    j = data.draw(st.integers(0, len(spec.sequences) - 1))
    t = data.draw(st.integers(1, len(spec.sequences[j].outputs)))
    s_prev = _known_s_prev(spec, j, t)
    free = s_prev is None
    if free:  # t=1 of a free s0: the row of one of its values
        s_prev = data.draw(st.integers(0, 1))
    coeffs, strict = _hand_row(spec, j, t, s_prev)
    text = " + ".join(f"({c})*{p}" for c, p in zip(coeffs, PARAMS)) + (
        " > 0" if strict else " >= 0")
    req = find_requirement(spec, table, parse_inequality(text, params=PARAMS))
    # the steps whose s_(t-1) is known and whose row is exactly this one
    same = [(jj, tt) for jj, sq in enumerate(spec.sequences)
            for tt in range(1, len(sq.outputs) + 1)
            if _known_s_prev(spec, jj, tt) is not None
            and _hand_row(spec, jj, tt, _known_s_prev(spec, jj, tt)) == (coeffs, strict)]
    if not free:
        assert same
    assert (req.t is not None) == bool(same), req.why_not
    assert (req.sequence, req.t) in same or (not same and "free" in req.why_not)


def test_required_at_names_the_sequence_when_there_are_several():
    # sequence 0 must be named too: "required at t=4" alone would be ambiguous
    spec = make_spec([Q1B, Q1A], claim=claim(realizable=False,
                                             because=["w1 + w2 + b <= 0", "w1 + b > 0"]))
    j, _ = verdict_of(spec)
    assert [i["required_at"] for i in j.details["inequalities"]] == [
        {"sequence": 0, "t": 4}, {"sequence": 0, "t": 7}]
    assert "'w1 + w2 + b <= 0' is required at t=4 of sequence 0" in j.points
    single = make_spec([Q1B], claim=claim(realizable=False, because=["w1 + b > 0"]))
    assert "'w1 + b > 0' is required at t=7" in verdict_of(single)[0].points


def test_requirement_recheck_refuses_a_constant_term():
    # the re-derivation must not trust the search: 'b + 1 > 0' is not t=1's row 'b > 0'
    from verify.errors import InternalError
    from verify.models.threshold.claims import Requirement, _recheck_requirement
    spec = make_spec([([0], [1])])
    ineq = parse_inequality("b + 1 > 0", params=PARAMS)
    with pytest.raises(InternalError, match="is not what t=1 requires"):
        _recheck_requirement(spec, Requirement(ineq, 0, 1, False, ""))
    _recheck_requirement(spec, Requirement(parse_inequality("2*b > 0", params=PARAMS),
                                           0, 1, False, ""))


def test_a_row_of_a_free_s0_step_is_not_said_to_be_missing():
    spec = make_spec([([0, 0], [1, 0])], s0=None)
    table = compile_spec(spec)
    req = find_requirement(spec, table, parse_inequality("b > 0", params=PARAMS))
    assert req.t is None  # t=1 requires it only when s0 = 0
    assert "there is none" not in req.why_not
    assert "t=1" in req.why_not and "s0 = 0" in req.why_not and "free" in req.why_not
