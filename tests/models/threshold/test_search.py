"""The hidden-state search: every verdict it prints must pass the trusted checker.

Realizable answers are re-simulated by check_witness; unrealizable answers are proof
trees replayed by check_certificate, and corrupted copies of those trees must fail.
Planted problems (a random network generates the outputs) must always be found.
"""

from __future__ import annotations

import copy
import random
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from network_helpers import checked, make_spec, planted

from verify.models.threshold.network import Domain
from verify.models.threshold.search import search
from verify.trusted.checker import CheckFailure
from verify.trusted.network import check_certificate

PARITY = [("11", "10"), ("10", "11"), ("0", "0"), ("01", "01")]


def test_one_unit_cannot_and_two_units_can_do_running_parity_with_a_readout() -> None:
    spec = make_spec(PARITY, readout=1)
    assert checked(spec, 1).status == "unrealizable"
    two = make_spec(PARITY, readout=1, units=2)
    assert checked(two, 2).status == "realizable"


def test_search_uses_the_same_proof_size_it_reports() -> None:
    r = checked(make_spec(PARITY, readout=1), 1)
    assert r.certificate["size"] == {"nodes": 9, "leaves": 5, "depth": 5}  # by hand: see
    # tests/trusted/test_network_checker.py::parity_tree, the same tree


def test_integer_weights_branch_and_bound_proof() -> None:
    # U = 0 and b = -1 fixed: "1" -> 0 needs w < 1, "2" -> 1 needs 2w >= 1: no integer w.
    fixed = {("U", (0, 0)): Fraction(0), ("b", (0,)): Fraction(-1)}
    spec = make_spec([("1", "0"), ("2", "1")], weights=Domain(integer=True), fixed=fixed)
    r = checked(spec, 1)
    assert r.status == "unrealizable" and "branch" in r.certificate["proof"]
    real = make_spec([("1", "0"), ("2", "1")], fixed=fixed)
    r = checked(real, 1)
    assert r.status == "realizable" and Fraction(1, 2) <= r.network.W[0][0] < 1


def test_box_domain_gives_bound_rows() -> None:
    # w in [-1, 1] and b in [-1, 1]: "1" after s=0 -> 1 and "0" -> 0 is fine, but
    # needing x=1 -> 1 with b <= -3/2 ... is out of the box: fix b = -2 via the bias box
    spec = make_spec([("1", "1")], weights=Domain(Fraction(-1), Fraction(1)),
                     bias=Domain(Fraction(-3), Fraction(-2)))
    r = checked(spec, 1)
    rows = r.certificate["proof"]["motzkin"]["rows"]
    assert {"W[0][0]", "b[0]"} <= {row.get("bound") for row in rows}


def test_free_s0_and_dont_care_outputs() -> None:
    # W fixed to 0, so s_t depends on s_(t-1) only: "11" and "00" on the same input
    # need s_t = s_(t-1) (a negation alternates), so s0 = 1 and s0 = 0 respectively
    spec = make_spec([("1", "??"), ("00", "11"), ("00", "00")], s0="free",
                     fixed={("W", (0, 0)): Fraction(0)})
    r = checked(spec, 1)
    assert r.status == "realizable" and r.s0[1:] == ((1,), (0,))
    assert r.network.U[0][0] > 0


def test_deadline_in_the_past_is_unknown_with_what_was_tried() -> None:
    r = search(make_spec(PARITY, readout=1), 1, deadline=time.monotonic() - 1)
    assert r.status == "unknown" and "nodes" in r.reason and r.certificate is None


# -- properties -----------------------------------------------------------------------

@st.composite
def small_specs(draw: st.DrawFn):
    readout = draw(st.booleans())
    n = draw(st.integers(1, 3))
    seqs = []
    for _ in range(n):
        length = draw(st.integers(1, 5))
        x = "".join(draw(st.sampled_from("01")) for _ in range(length))
        y = "".join(draw(st.sampled_from("001?")) for _ in range(length))
        seqs.append((x, y))
    s0 = draw(st.sampled_from([0, 1, "free"]))
    step = draw(st.sampled_from(["strict", "nonstrict"]))
    return make_spec(seqs, readout=1 if readout else None, s0=s0, step=step,
                     units=1, observe=None if readout else (0,))


@settings(max_examples=60)
@given(small_specs())
def test_every_verdict_checks(spec) -> None:
    checked(spec, 1)


def _first(proof: dict, kind: str) -> dict:
    todo = [proof]
    while todo:
        node = todo.pop(0)
        if kind in node:
            return node
        todo.extend(c["proof"] for c in node.get("cases", ()))
    raise AssertionError(f"no {kind} node")


@st.composite
def parity_plus(draw: st.DrawFn):
    """PARITY (impossible for one unit with a readout) plus random extra sequences: still
    impossible, and the proofs vary (splits, clashes, Motzkin leaves)."""
    extra = []
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 4))
        extra.append(("".join(draw(st.sampled_from("01")) for _ in range(length)),
                      "".join(draw(st.sampled_from("01?")) for _ in range(length))))
    order = draw(st.permutations(PARITY + extra))
    return make_spec(list(order), readout=1, step=draw(st.sampled_from(["strict",
                                                                         "nonstrict"])))


@settings(max_examples=30)
@given(parity_plus(), st.integers(0, 2))
def test_corrupted_search_proofs_are_rejected(spec, which: int) -> None:
    r = checked(spec, 1)
    assert r.status == "unrealizable"
    bad = copy.deepcopy(r.certificate)
    split = _first(bad["proof"], "split")
    if which == 0:  # a dropped branch
        split["cases"].pop()
        message = "needs exactly the cases 0 and 1"
    elif which == 1:  # a split on an entry the run never reaches
        split["split"]["entry"] = {"unit": {"kind": "state", "index": 0}, "input": ["7"],
                                   "previous": [0]}
        message = r"split on unit 0 at input \(7\) after state 0, but on this branch"
    elif "motzkin" in str(bad):  # a wrong leaf multiplier
        row = _first(bad["proof"], "motzkin")["motzkin"]["rows"][0]
        row["multiplier"] = str(Fraction(row["multiplier"]) * 3 + 1)
        message = "do not cancel|not a contradiction|constants sum"
    else:  # only clashes: a clash moved to another step
        _first(bad["proof"], "clash")["clash"]["t"] += 1
        message = r"clash at sequence \d+, t=\d+, output 0, but on this branch"
    with pytest.raises(CheckFailure, match=message):
        check_certificate(spec, bad)


def test_swapped_cases_of_a_search_proof_are_rejected() -> None:
    r = checked(make_spec(PARITY, readout=1), 1)
    bad = copy.deepcopy(r.certificate)
    cases = bad["proof"]["cases"]
    cases[0]["value"], cases[1]["value"] = cases[1]["value"], cases[0]["value"]
    with pytest.raises(CheckFailure, match="clash|split on"):
        check_certificate(make_spec(PARITY, readout=1), bad)


@settings(max_examples=12)
@given(st.integers(1, 3), st.integers(0, 10**6), st.sampled_from(["strict", "nonstrict"]))
def test_planted_networks_are_always_found(k: int, seed: int, step: str) -> None:
    spec = planted(k, [30, 20] if k < 3 else [25], random.Random(seed), step)
    r = checked(spec, k)
    assert r.status == "realizable"


def test_the_order_a_search_proof_was_made_in_is_part_of_it() -> None:
    spec = make_spec(PARITY, readout=1)
    r = checked(spec, 1)
    assert r.certificate["order"] == [0, 1, 3, 2]  # longest first, stable
    with pytest.raises(CheckFailure, match=r"at root: split on unit 0 at input \(1\) after "
                       r"state 0, but on this branch the simulation next needs unit 0 at "
                       r"input \(0\) after state 0"):
        check_certificate(spec, {**r.certificate, "order": [2, 3, 1, 0]})
