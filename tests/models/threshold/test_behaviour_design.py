"""Design by counterexample-guided search, impossibility by finite strings, fewest units.

Every design is checked here again, independently of the product exploration, by
simulating every string up to 2^k * (machine states) steps (tests/behaviour_helpers.py);
every impossibility certificate replays in the trusted checker, its strings are confirmed
unrealizable by an independent Z3 encoding, and corrupted certificates are rejected for
the right reason.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.behaviour_helpers import PARITY, every_string, make_spec, net, z3_search
from verify.models.threshold import design
from verify.trusted import product
from verify.trusted.checker import CheckFailure

EQUAL = """alphabet: ["00", "01", "10", "11"]
machine:
  start: same
  states:
    same: {"00": [same, "1"], "01": [diff, "0"], "10": [diff, "0"], "11": [same, "1"]}
    diff: {"00": [diff, "0"], "01": [diff, "0"], "10": [diff, "0"], "11": [diff, "0"]}"""


def machine_outputs(machine: dict, string) -> list[str]:  # type: ignore[type-arg]
    q, outs = "q0", []
    for a in string:
        q, y = machine[q][a]
        outs.append(y)
    return outs


def assert_right_on_every_string(spec, network, s0, want, max_len):  # type: ignore[no-untyped-def]
    """``want(string)`` is the behaviour's last output ("0", "1" or "?"), by hand."""
    for w, y in every_string(spec, network, s0, max_len):
        expected = want(w)
        if expected != "?":
            assert y == (int(expected),), w


def assert_proof_holds(spec, attempt):  # type: ignore[no-untyped-def]
    product.check_impossibility(spec, attempt.certificate)
    finite = design.finite_spec(spec, attempt.units, list(attempt.strings),
                                product.machine_table(spec))
    assert z3_search(finite, attempt.units).status == "unrealizable"


def test_parity_fewest_units_is_two():
    spec = make_spec(PARITY, units=3, min_units=1)
    attempts = design.fewest(spec, deadline=None)
    assert [a.status for a in attempts] == ["unrealizable", "realizable"]
    assert_proof_holds(spec, attempts[0])
    parity = lambda w: str(sum(w) % 2)
    assert_right_on_every_string(spec, attempts[1].network, attempts[1].s0, parity, 8)


def test_equal_so_far_fewest_units_is_two():
    spec = make_spec(EQUAL, inputs=2, units=3, min_units=1)
    attempts = design.fewest(spec, deadline=None)
    assert [a.status for a in attempts] == ["unrealizable", "realizable"]
    assert_proof_holds(spec, attempts[0])
    same = lambda w: "1" if all(a in (0, 3) for a in w) else "0"
    assert_right_on_every_string(spec, attempts[1].network, attempts[1].s0, same, 6)


def test_a_window_formula_is_designed_for():
    spec = make_spec('alphabet: ["0", "1"]\noutput: "x[t-1] and not x[t]"', units=2,
                     min_units=1)
    attempts = design.fewest(spec, deadline=None)
    assert attempts[-1].status == "realizable"
    fell = lambda w: str(int(len(w) > 1 and w[-2] == 1 and w[-1] == 0))
    k = attempts[-1].units
    assert_right_on_every_string(spec, attempts[-1].network, attempts[-1].s0, fell, 2 ** k * 3)
    for a in attempts[:-1]:
        assert_proof_holds(spec, a)


@st.composite
def machines(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 3))
    return {f"q{q}": {a: (f"q{draw(st.integers(0, n - 1))}", draw(st.sampled_from("01?")))
                      for a in "01"} for q in range(n)}


@settings(max_examples=12)
@given(machines())
def test_random_machines_designs_and_proofs_check(machine):
    rows = "\n".join(f'    {q}: {{"0": [{m["0"][0]}, "{m["0"][1]}"], "1": [{m["1"][0]}, '
                     f'"{m["1"][1]}"]}}' for q, m in machine.items())
    spec = make_spec(f'alphabet: ["0", "1"]\nmachine:\n  start: q0\n  states:\n{rows}',
                     units=2, min_units=1)
    attempts = design.fewest(spec, deadline=None)
    for a in attempts:
        if a.status == "unrealizable":
            assert_proof_holds(spec, a)
        else:
            assert a.status == "realizable"
            want = lambda w: machine_outputs(machine, ["01"[s] for s in w])[-1]
            assert_right_on_every_string(spec, a.network, a.s0, want,
                                         2 ** a.units * len(machine))


# -- corrupted certificates ----------------------------------------------------------------

@pytest.fixture(scope="module")
def parity_proof():  # type: ignore[no-untyped-def]
    spec = make_spec(PARITY, units=1)
    attempt = design.design_at(spec, 1, deadline=None)
    assert attempt.status == "unrealizable"
    return spec, attempt.certificate


def _without_string(cert, j):  # type: ignore[no-untyped-def]
    """The certificate with string j removed and the later sequences renumbered in its
    refutation (order, clashes, rows), so that only the missing string can make it fail."""
    broken = copy.deepcopy(cert)
    del broken["strings"][j]

    def renumber(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "sequence" and isinstance(value, int) and value > j:
                    node[key] = value - 1
                else:
                    renumber(value)
        elif isinstance(node, list):
            for item in node:
                renumber(item)

    refutation = broken["refutation"]
    if "order" in refutation:
        refutation["order"] = [i - (i > j) for i in refutation["order"] if i != j]
    renumber(refutation["proof"])
    return broken


def test_every_string_of_the_proof_is_needed(parity_proof):
    spec, cert = parity_proof
    product.check_impossibility(spec, cert)
    for j in range(len(cert["strings"])):
        # rejected by the replay of the proof itself ("at <branch>: ..."), not its format
        with pytest.raises(CheckFailure, match=r"^at root"):
            product.check_impossibility(spec, _without_string(cert, j))


def test_a_flipped_output_is_rejected(parity_proof):
    spec, cert = parity_proof
    broken = copy.deepcopy(cert)
    broken["strings"][1]["output"][1] = "0" if cert["strings"][1]["output"][1] == "1" else "1"
    with pytest.raises(CheckFailure, match=r"string 1, step 2: the behaviour gives output"):
        product.check_impossibility(spec, broken)


@pytest.mark.parametrize(("corrupt", "words"), [
    (lambda c: c.update(format="verify-behaviour-certificate/0"), "not a verify-behaviour"),
    (lambda c: c.update(units=2), "must be the same whole number"),
    (lambda c: c["strings"][0]["input"].__setitem__(0, "2"), "symbol '2' is not in the alph"),
    (lambda c: c["strings"][0]["output"].append("1"), "inputs and outputs differ in length"),
    (lambda c: c["refutation"].update(proof={"clash": {"sequence": 0, "t": 1, "output": 0}}),
     "at root"),
])
def test_malformed_certificates_are_rejected(parity_proof, corrupt, words):
    spec, cert = parity_proof
    broken = copy.deepcopy(cert)
    corrupt(broken)
    with pytest.raises(CheckFailure, match=words):
        product.check_impossibility(spec, broken)


def test_a_failing_search_string_is_an_internal_error():
    """The loop trusts nothing: a core that returns a network failing one of its own strings
    is caught (here a stand-in core that always answers with a constant-0 network)."""
    import types

    from verify.errors import InternalError

    spec = make_spec(PARITY, units=1)
    zero = net([[0]], [[0]], [-1], [[0]], [-1])
    fake = lambda *a, **k: types.SimpleNamespace(status="realizable", network=zero)
    with pytest.raises(InternalError, match="fails on a string it was asked to fit"):
        design.design_at(spec, 1, deadline=None, search=fake)
