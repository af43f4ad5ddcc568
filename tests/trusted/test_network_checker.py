"""The trusted threshold-network checker: witnesses and verify-certificate/2 replay.

Every proof tree here is written by hand (the reasoning is in the comments), and every
corrupted tree must be rejected for the reason named in the assertion.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from network_helpers import make_spec, net

from verify.models.threshold.network import Domain
from verify.trusted.checker import CheckFailure
from verify.trusted.network import check_certificate, check_witness, first_difference

STATE = {"kind": "state", "index": 0}
READOUT = {"kind": "readout", "index": 0}


def entry(x: str, prev: str, unit: int = 0) -> dict:
    return {"unit": {"kind": "state", "index": unit}, "input": list(x), "previous":
            [int(c) for c in prev]}


def row(j: int, t: int, coeffs: dict, rel: str, mult: str = "1", unit: dict = STATE) -> dict:
    return {"sequence": j, "t": t, "unit": unit, "coefficients": coeffs, "relation": rel,
            "multiplier": mult}


def split(e: dict, zero: dict, one: dict) -> dict:
    return {"split": {"entry": e}, "cases": [{"value": 0, "proof": zero},
                                             {"value": 1, "proof": one}]}


def clash(j: int, t: int) -> dict:
    return {"clash": {"sequence": j, "t": t, "output": 0}}


def cert(proof: dict, units: int = 1) -> dict:
    return {"format": "verify-certificate/2", "units": units, "proof": proof}


# -- witnesses ------------------------------------------------------------------------

XOR = [("0110", "0100"), ("010", "011")]  # running parity, observed, s0 = 0


def test_witness_of_running_parity_fails_where_xor_is_needed() -> None:
    spec = make_spec(XOR)
    # s_t = step(x - 2 s - 1/2): right until sequence 1, t=3 (x=0, s=1 gives 0, want 1)
    bad = first_difference(spec, net([[1]], [[-2]], [Fraction(-1, 2)]), [(0,), (0,)])
    assert bad is not None and (bad.sequence, bad.t) == (1, 3)
    assert bad.z == (Fraction(-5, 2),) and bad.differs() == [0]


def test_two_unit_parity_with_readout_is_accepted() -> None:
    # h1 = x AND NOT p, h2 = x OR p where p = h2 AND NOT h1 (the issue's witness, strict)
    spec = make_spec([("0110", "0100"), ("1011", "1101")], units=2, readout=1, step="strict")
    w = net([[1], [2]], [[-1, 1], [-1, 1]], [Fraction(-3, 2), Fraction(-1, 2)],
            [[-1, 1]], [Fraction(-1, 2)])
    check_witness(spec, 2, w, [(0, 0), (0, 0)])


def test_witness_outside_domain_or_fixed_or_shape_is_rejected() -> None:
    spec = make_spec(XOR, weights=Domain(Fraction(-1), Fraction(1)),
                     fixed={("U", (0, 0)): Fraction(1)})
    with pytest.raises(CheckFailure, match=r"U\[0\]\[0\] = -2, but the spec fixes it to 1"):
        check_witness(spec, 1, net([[1]], [[-2]], [0]), [(0,), (0,)])
    with pytest.raises(CheckFailure, match=r"W\[0\]\[0\] = 2 is outside"):
        check_witness(spec, 1, net([[2]], [[1]], [0]), [(0,), (0,)])
    with pytest.raises(CheckFailure, match=r"W has the wrong shape: a 1-unit network needs \(1, 1\)"):
        check_witness(spec, 1, net([[1, 1]], [[1]], [0]), [(0,), (0,)])
    with pytest.raises(CheckFailure, match=r"sequence 1: s0 = \[1\] is not allowed"):
        check_witness(spec, 1, net([[1]], [[1]], [0]), [(0,), (1,)])
    with pytest.raises(CheckFailure, match=r"sequence 0, t=3: output 0 is 1, expected 0"):
        check_witness(spec, 1, net([[1]], [[1]], [-1]), [(0,), (0,)])


def test_dont_care_outputs_are_ignored_and_free_s0_is_chosen() -> None:
    spec = make_spec([("1", "?"), ("0", "1")], s0="free")
    w = net([[0]], [[1]], [Fraction(-1, 2)])  # s_t = s_(t-1)
    check_witness(spec, 1, w, [(0,), (1,)])
    with pytest.raises(CheckFailure, match="sequence 1, t=1: output 0 is 0, expected 1"):
        check_witness(spec, 1, w, [(0,), (0,)])


# -- certificates: observed states ---------------------------------------------------------

def xor_leaf(mult: str = "1") -> dict:
    # rows (x, s, 1).(w, u, b): 00 -> 0: -b > 0; 10 -> 1: w+b >= 0; 11 -> 0: -(w+u+b) > 0;
    # 01 -> 1: u+b >= 0. Their sum is 0 > 0.
    return {"motzkin": {"unit": STATE, "rows": [
        row(0, 1, {"b[0]": "-1"}, ">"),
        row(0, 2, {"W[0][0]": "1", "b[0]": "1"}, ">="),
        row(0, 3, {"W[0][0]": "-1", "U[0][0]": "-1", "b[0]": "-1"}, ">", mult),
        row(1, 3, {"U[0][0]": "1", "b[0]": "1"}, ">=")]}}


def test_observed_parity_certificate_is_accepted() -> None:
    check_certificate(make_spec(XOR), cert(xor_leaf()))


def test_wrong_multiplier_is_rejected() -> None:
    with pytest.raises(CheckFailure, match="at root: the weighted rows do not cancel"):
        check_certificate(make_spec(XOR), cert(xor_leaf("2")))


def test_row_with_wrong_sign_is_rejected() -> None:
    leaf = xor_leaf()
    leaf["motzkin"]["rows"][0] = row(0, 1, {"b[0]": "1"}, ">=")  # claims 00 -> 1
    with pytest.raises(CheckFailure, match=r"sequence 0, t=1: on this branch unit 0 at input "
                       r"\(0\) after state 0 is 0, which requires -1\*b\[0\] > 0"):
        check_certificate(make_spec(XOR), cert(leaf))


def test_certificate_for_a_realizable_spec_cannot_exist() -> None:
    spec = make_spec([("0110", "0100")])  # s_t = x AND NOT s is a threshold function
    leaf = xor_leaf()
    leaf["motzkin"]["rows"] = leaf["motzkin"]["rows"][:3]
    with pytest.raises(CheckFailure, match="do not cancel"):
        check_certificate(spec, cert(leaf))


# -- certificates: hidden states (one unit, a readout: running parity is impossible) ----

PARITY = [("11", "10"), ("10", "11"), ("0", "0"), ("01", "01")]
E1, E2, E3, E4 = entry("1", "0"), entry("1", "1"), entry("0", "0"), entry("0", "1")


def parity_tree() -> dict:
    # E1 = unit at (x=1, s=0). E1=0: readout(0) := 1 at seq 0 t=1, but seq 0 t=2 is again
    # state 0 with y=0. E1=1: readout(1) := 1; E2 = (1, 1) = 1 clashes at seq 0 t=2;
    # E2=0 sets readout(0) := 0; seq 1 t=2 needs E4 = (0, 1): 0 clashes (readout(0)=0,
    # want 1); E4=1 leads to seq 2 t=1 needing E3 = (0, 0): 1 clashes (want 0); E3=0
    # runs to the end, and E1=1, E2=0, E4=1, E3=0 is XOR: the xor rows, multipliers 1.
    leaf = {"motzkin": {"unit": STATE, "rows": [
        row(0, 1, {"W[0][0]": "1", "b[0]": "1"}, ">="),
        row(0, 2, {"W[0][0]": "-1", "U[0][0]": "-1", "b[0]": "-1"}, ">"),
        row(1, 2, {"U[0][0]": "1", "b[0]": "1"}, ">="),
        row(2, 1, {"b[0]": "-1"}, ">")]}}
    e3 = split(E3, leaf, clash(2, 1))
    e4 = split(E4, clash(1, 2), e3)
    e2 = split(E2, e4, clash(0, 2))
    return split(E1, clash(0, 2), e2)


def parity_spec():
    return make_spec(PARITY, readout=1)


def test_hidden_parity_tree_is_accepted() -> None:
    check_certificate(parity_spec(), cert(parity_tree()))


def test_dropped_branch_is_rejected() -> None:
    tree = parity_tree()
    tree["cases"][1]["proof"]["cases"].pop(0)  # E2 = 0 dropped
    with pytest.raises(CheckFailure, match=r"split on unit 0 at input \(1\) after state 1 "
                       r"needs exactly the cases 0 and 1, not \[1\]"):
        check_certificate(parity_spec(), cert(tree))


def test_split_on_entry_not_reached_is_rejected() -> None:
    tree = parity_tree()
    tree["split"]["entry"] = E3  # sound as a case split, but the run needs E1 first
    with pytest.raises(CheckFailure, match=r"at root: split on unit 0 at input \(0\) after "
                       r"state 0, but on this branch the simulation next needs unit 0 at "
                       r"input \(1\) after state 0"):
        check_certificate(parity_spec(), cert(tree))


def test_swapped_case_is_rejected() -> None:
    tree = parity_tree()
    tree["cases"][0]["value"], tree["cases"][1]["value"] = 1, 0
    with pytest.raises(CheckFailure, match=r"at root / unit 0 at input \(1\) after state 0 = 0: "
                       r"split on unit 0 at input \(1\) after state 1, but on this branch the "
                       r"simulation first clashes at sequence 0, t=2, output 0"):
        check_certificate(parity_spec(), cert(tree))


def test_clash_at_the_wrong_step_is_rejected() -> None:
    tree = parity_tree()
    tree["cases"][0]["proof"] = clash(0, 1)
    with pytest.raises(CheckFailure, match=r"first clashes at sequence 0, t=2, output 0"):
        check_certificate(parity_spec(), cert(tree))


def test_row_not_assigned_on_that_branch_is_rejected() -> None:
    tree = parity_tree()
    e4 = tree["cases"][1]["proof"]["cases"][0]["proof"]
    e4_leaf = e4["cases"][1]["proof"]["cases"][0]["proof"]
    tree["cases"][1]["proof"]["cases"][0]["proof"] = e4_leaf  # leaf before E4 is split
    with pytest.raises(CheckFailure, match=r"unit 0 at input \(0\) after state 1 is not "
                       r"assigned on this branch"):
        check_certificate(parity_spec(), cert(tree))


def test_readout_rows_are_rederived_from_the_branch() -> None:
    # units: 1, s0 = 0, outputs "1" then "0" at the same state: the readout clash can
    # also be proved by a Motzkin leaf over the readout: s=0 -> 1: c >= 0 and s=0 -> 0...
    spec = make_spec([("0", "1"), ("0", "0")], readout=1, fixed={("U", (0, 0)): Fraction(0)})
    leaf = {"motzkin": {"unit": READOUT, "rows": [
        row(0, 1, {"c[0]": "1"}, ">=", unit=READOUT), row(1, 1, {"c[0]": "-1"}, ">",
                                                          unit=READOUT)]}}
    both = split(entry("0", "0"), leaf, clash(1, 1))
    with pytest.raises(CheckFailure, match=r"readout 0 at state 0 is 1, which requires "
                       r"1\*c\[0\] >= 0"):
        check_certificate(spec, cert(both))  # seq 1 forces nothing: readout(0) = 1 already
    assert check_certificate(spec, cert(split(entry("0", "0"), clash(1, 1),
                                              clash(1, 1)))) is None


# -- weight domains ----------------------------------------------------------------------

def test_bound_rows_follow_from_domain_and_fixed_entries() -> None:
    # w in [-1, 1], b fixed to -2: "1" -> "1" needs w + b >= 0, i.e. w >= 2.
    spec = make_spec([("1", "1")], weights=Domain(Fraction(-1), Fraction(1)),
                     bias=Domain(), fixed={("b", (0,)): Fraction(-2)})

    def leaf(bw: str) -> dict:
        return cert({"motzkin": {"unit": STATE, "rows": [
            row(0, 1, {"W[0][0]": "1", "b[0]": "1"}, ">="),
            {"bound": "W[0][0]", "relation": "<=", "value": bw, "multiplier": "1"},
            {"bound": "b[0]", "relation": "<=", "value": "-2", "multiplier": "1"}]}})
    check_certificate(spec, leaf("1"))
    with pytest.raises(CheckFailure, match=r"W\[0\]\[0\] <= 1/2 does not follow from"):
        check_certificate(spec, leaf("1/2"))
    with pytest.raises(CheckFailure, match=r"the constants sum to a positive number"):
        check_certificate(spec, leaf("3"))


def test_integer_branch_on_a_weight() -> None:
    # U fixed 0, b fixed -1, integer weights: "1" -> "0" gives w < 1, "2" -> "1" gives
    # 2w >= 1: no integer w. Branch w <= 0 | w >= 1.
    spec = make_spec([("1", "0"), ("2", "1")], weights=Domain(integer=True),
                     fixed={("U", (0, 0)): Fraction(0), ("b", (0,)): Fraction(-1)})

    def bound(name: str, rel: str, value: str, mult: str = "1") -> dict:
        return {"bound": name, "relation": rel, "value": value, "multiplier": mult}
    low = {"motzkin": {"unit": STATE, "rows": [
        row(1, 1, {"W[0][0]": "2", "b[0]": "1"}, ">="), bound("W[0][0]", "<=", "0", "2"),
        bound("b[0]", "<=", "-1")]}}
    high = {"motzkin": {"unit": STATE, "rows": [
        row(0, 1, {"W[0][0]": "-1", "b[0]": "-1"}, ">"), bound("W[0][0]", ">=", "1"),
        bound("b[0]", ">=", "-1")]}}
    tree = {"branch": {"weight": "W[0][0]", "value": "0"},
            "cases": [{"side": "<=", "proof": low}, {"side": ">=", "proof": high}]}
    check_certificate(spec, cert(tree))
    tree["cases"][0]["side"], tree["cases"][1]["side"] = ">=", "<="
    with pytest.raises(CheckFailure, match=r"W\[0\]\[0\] (<= 0|>= 1) does not follow"):
        check_certificate(spec, cert(tree))
    real = make_spec([("1", "0"), ("2", "1")],
                     fixed={("U", (0, 0)): Fraction(0), ("b", (0,)): Fraction(-1)})
    with pytest.raises(CheckFailure, match=r"only an integer weight"):
        check_certificate(real, cert(tree))


def test_malformed_and_wrong_format_are_rejected() -> None:
    with pytest.raises(CheckFailure, match="not a verify-certificate/2"):
        check_certificate(make_spec(XOR), {"format": "verify-certificate/1"})
    with pytest.raises(CheckFailure, match="malformed node"):
        check_certificate(make_spec(XOR), cert({"what": 1}))


# -- fewest units -------------------------------------------------------------------------

def test_monotone_in_units_needs_a_dead_unit() -> None:
    from verify.trusted.network import monotone_in_units
    assert monotone_in_units(make_spec(XOR))
    assert not monotone_in_units(make_spec(XOR, weights=Domain(Fraction(1), Fraction(2))))
    assert not monotone_in_units(make_spec(XOR, fixed={("U", (0, 0)): Fraction(1)}))
    assert monotone_in_units(make_spec(XOR, fixed={("b", (0,)): Fraction(5)}))


def test_check_fewest_wants_the_refutations_the_spec_needs() -> None:
    from verify.trusted.network import check_fewest
    spec = make_spec(PARITY, readout=1, units=3, min_units=1)
    two = net([[1], [2]], [[-1, 1], [-1, 1]], [Fraction(-3, 2), Fraction(-1, 2)],
              [[-1, 1]], [Fraction(-1, 2)])  # nonstrict: parity (the issue's witness)
    s0 = [(0, 0)] * len(PARITY)
    check_fewest(spec, 2, two, s0, {1: cert(parity_tree())})
    with pytest.raises(CheckFailure, match="fewest units 2 needs a proof that 1 units cannot"):
        check_fewest(spec, 2, two, s0, {})
    tampered = cert(parity_tree())
    tampered["proof"]["cases"].pop()
    with pytest.raises(CheckFailure, match="needs exactly the cases 0 and 1"):
        check_fewest(spec, 2, two, s0, {1: tampered})


def test_order_must_be_a_permutation_and_is_followed() -> None:
    with pytest.raises(CheckFailure, match="order must list each of the 4 sequences once"):
        check_certificate(parity_spec(), {**cert(parity_tree()), "order": [0, 1, 2, 2]})
    # the hand tree starts with sequence 0 ("11"): in the order 2, 0, 1, 3 the run first
    # needs unit 0 at (x=0, s=0) for sequence 2 ("0")
    with pytest.raises(CheckFailure, match=r"at root: split on unit 0 at input \(1\) after "
                       r"state 0, but on this branch the simulation next needs unit 0 at "
                       r"input \(0\) after state 0"):
        check_certificate(parity_spec(), {**cert(parity_tree()), "order": [2, 0, 1, 3]})
    check_certificate(parity_spec(), {**cert(parity_tree()), "order": [0, 1, 2, 3]})
