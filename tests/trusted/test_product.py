"""The trusted product exploration against brute-force simulation of every string.

A network with k units and a machine with n states have at most 2^k * n reachable pairs,
so a difference, if any, shows on a string of at most that length: the brute force
enumerates every string up to it (shortest first, then in alphabet order) with the
simulator of tests/behaviour_helpers.py, written from the model's equations.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.behaviour_helpers import PARITY, make_spec, net, simulate, step
from verify.trusted import product

# (units, machine states, alphabet): |alphabet| ** (2^k * n) strings stay enumerable
SIZES = [(1, 1, 2), (1, 2, 2), (1, 3, 2), (2, 1, 2), (2, 2, 2), (1, 1, 4), (1, 2, 3)]
ALPHABETS = {2: ["0", "1"], 3: ["00", "01", "11"], 4: ["00", "01", "10", "11"]}


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    k, n, na = draw(st.sampled_from(SIZES))
    names = ALPHABETS[na]
    d = len(names[0])
    w = st.integers(-2, 2)
    readout = draw(st.booleans())
    network = net([[draw(w) for _ in range(d)] for _ in range(k)],
                  [[draw(w) for _ in range(k)] for _ in range(k)],
                  [Fraction(draw(st.integers(-5, 5)), 2) for _ in range(k)],
                  [[draw(w) for _ in range(k)]] if readout else (),
                  [Fraction(draw(st.integers(-3, 3)), 2)] if readout else ())
    delta = [[draw(st.integers(0, n - 1)) for _ in names] for _ in range(n)]
    out = [[draw(st.sampled_from("01?")) for _ in names] for _ in range(n)]
    step = draw(st.sampled_from(["strict", "nonstrict"]))
    s0 = draw(st.integers(0, 1))
    return k, n, names, network, delta, out, readout, step, s0


def machine_yaml(names, delta, out):  # type: ignore[no-untyped-def]
    rows = [f'    q{q}: {{{", ".join(f"{s!r}: [q{delta[q][a]}, {out[q][a]!r}]" for a, s in enumerate(names))}}}'
            for q in range(len(delta))]
    return f"alphabet: {names!r}\nmachine:\n  start: q0\n  states:\n" + "\n".join(rows)


def first_failure(spec, network, s0, delta, out, max_len, only=None):  # type: ignore[no-untyped-def]
    """The first failing string, shortest first then alphabet order, by brute force
    (``only``: try that one string)."""
    for n in range(1, max_len + 1):
        for w in [only] if only else itertools.product(range(len(delta[0])), repeat=n):
            q = 0
            for a in w[:-1]:
                q = delta[q][a]
            want, got = out[q][w[-1]], simulate(spec, network, s0, w)[-1][0]
            if want != "?" and int(want) != got:
                return w
    return None


def _reachable_pairs(spec, network, s0, delta, max_len):  # type: ignore[no-untyped-def]
    """The (network state, machine state) pairs that strings of length <= max_len reach,
    one step of the model's equations per string extended (independent of product)."""
    level, seen = {(tuple(s0), 0)}, {(tuple(s0), 0)}
    for _ in range(max_len):
        level = {(step(spec, network, s, a)[0], delta[q][a])
                 for s, q in level for a in range(len(delta[0]))} - seen
        seen |= level
    return len(seen)


@settings(max_examples=60)
@given(cases())
def test_random_network_judged_like_brute_force(case):
    k, n, names, network, delta, out, readout, step, s0 = case
    spec = make_spec(machine_yaml(names, delta, out), inputs=len(names[0]), units=k,
                     readout=1 if readout else None, observe=() if readout else (k - 1,),
                     step=step, s0=s0)
    result = product.explore(spec, network, (s0,) * k, more=3)
    expected = first_failure(spec, network, (s0,) * k, delta, out, 2 ** k * n)
    assert result.string == expected
    assert result.equivalent == (expected is None)
    # the search stops at the level where the failing string ends (its last step is
    # taken from a pair of that level): it has seen the pairs of one symbol shorter
    depth = len(expected) - 1 if expected else 2 ** k * n
    assert result.pairs == _reachable_pairs(spec, network, (s0,) * k, delta, depth)
    for w in result.others:  # more failing strings of the same length, in alphabet order
        assert len(w) == len(expected) and w > expected
        assert first_failure(spec, network, (s0,) * k, delta, out, len(w), only=w) == w


def test_known_answers():
    spec = make_spec(PARITY, units=2)
    right = net([[-1], [-2]], [[-1, 1], [-1, 1]], [1, 0], [[1, -1]], [-1])
    assert product.explore(spec, right, (0, 0)) == product.Exploration(True, 3, None)
    # s = step(-x + s_prev): holds 1 only from a 1 read earlier with no later 1
    wrong = net([[1], [0]], [[0, 0], [1, 0]], [-1, -1], [[1, 1]], [-1])
    # hand trace: "0" -> s=(0,0), y=0 (even, ok); "1" -> s=(1,0), y=1 (ok);
    # "1 0" -> s=(0,1), y=1 (odd, ok); "1 1" -> s=(1,1), y=1, parity 0: fails
    found = product.explore(spec, wrong, (0, 0))
    assert found.string == (1, 1) and not found.equivalent


def test_exact_at_the_threshold_and_with_huge_weights():
    # z = x/3 + x/3 + x/3 - 1 is exactly 0 on "1": nonstrict fires, strict does not
    spec = make_spec('alphabet: ["0", "1"]\noutput: "x[t]"', units=3, readout=None,
                     observe=(0,))
    third = Fraction(1, 3)
    # units 1, 2 stay on (z = 0, nonstrict); unit 0: z = x + 1/3 + 1/3 - 5/3 = x - 1,
    # exactly 0 on "1"
    n3 = net([[1], [0], [0]], [[0, third, third], [0, 0, 0], [0, 0, 0]], [-5 * third, 0, 0])
    assert product.explore(spec, n3, (0, 1, 1)).equivalent
    strict3 = make_spec('alphabet: ["0", "1"]\noutput: "x[t]"', units=3, readout=None,
                        observe=(0,), step="strict")
    assert product.explore(strict3, n3, (0, 1, 1)).string == (1,)  # z = 0 exactly: off
    strict = make_spec('alphabet: ["0", "1"]\noutput: "x[t]"', units=1, readout=None,
                       observe=(0,), step="strict")
    big = Fraction(10**40)
    # z = 10^40 x - 10^40 + 1/10^40: positive iff x = 1 (only with exact integers)
    n1 = net([[big]], [[0]], [-big + Fraction(1, 10**40)])
    assert product.explore(strict, n1, (0,)).equivalent
    n1_off = net([[big]], [[0]], [-big - Fraction(1, 10**40)])
    assert product.explore(strict, n1_off, (0,)).string == (1,)


@pytest.mark.parametrize(("formula", "fn"), [
    ("x[t] xor x[t-1]", lambda w: w[-1] ^ (w[-2] if len(w) > 1 else 0)),
    ("x[t-2]", lambda w: w[-3] if len(w) > 2 else 0),
    ("not x[t-1] and x[t]", lambda w: (1 - (w[-2] if len(w) > 1 else 0)) & w[-1]),
])
def test_window_formula_table(formula, fn):
    spec = make_spec(f'alphabet: ["0", "1"]\noutput: "{formula}"')
    table = product.machine_table(spec)
    for n in range(1, 7):
        for w in itertools.product((0, 1), repeat=n):
            assert product.run_machine(table, w)[-1][1] == (fn(w),), (formula, w)


def test_reference_network_is_a_machine():
    ref = ("alphabet: [\"0\", \"1\"]\nnetwork: {W: [[-1], [-2]], U: [[-1, 1], [-1, 1]], "
           "b: [1, 0], V: [[1, -1]], c: [-1]}")
    spec = make_spec(ref, units=2)
    reference = net([[-1], [-2]], [[-1, 1], [-1, 1]], [1, 0], [[1, -1]], [-1])
    table = product.machine_table(spec)
    for w in itertools.product((0, 1), repeat=6):
        assert [y for _, y in product.run_machine(table, w)] == simulate(
            spec, reference, (0, 0), w)
    student = net([[-1], [-1]], [[1, -1], [1, -1]], [0, 1], [[-1, 1]], [-1])
    assert product.explore(spec, student, (0, 0)).equivalent


def test_traces_are_exact():
    spec = make_spec(PARITY, units=1, readout=None, observe=(0,))
    nand = net([[-1]], [[-1]], [Fraction(3, 2)])
    steps = product.trace(spec, product.machine_table(spec), nand, (0,), (1, 0, 1))
    assert [(s.s_prev, s.z, s.s, s.expected) for s in steps] == [
        ((0,), (Fraction(1, 2),), (1,), (1,)), ((1,), (Fraction(1, 2),), (1,), (1,)),
        ((1,), (Fraction(-1, 2),), (0,), (0,))]


@st.composite
def two_networks(draw):  # type: ignore[no-untyped-def]
    w = st.integers(-2, 2)

    def one(k):  # type: ignore[no-untyped-def]
        return net([[draw(w)] for _ in range(k)], [[draw(w) for _ in range(k)] for _ in range(k)],
                   [Fraction(draw(st.integers(-5, 5)), 2) for _ in range(k)],
                   [[draw(w) for _ in range(k)]], [Fraction(draw(st.integers(-3, 3)), 2)])
    k_ref, k = draw(st.sampled_from([(1, 1), (1, 2), (2, 1)]))  # <= 8 pairs: strings <= 8
    return one(k_ref), one(k)


def _rows(m):  # type: ignore[no-untyped-def]
    return "[" + ", ".join("[" + ", ".join(str(v) for v in r) + "]" for r in m) + "]"


@settings(max_examples=40)
@given(two_networks())
def test_equivalence_with_a_reference_network_like_brute_force(pair):
    reference, student = pair
    ref_yaml = (f'alphabet: ["0", "1"]\nnetwork: {{W: {_rows(reference.W)}, U: {_rows(reference.U)}, '
                f'b: [{", ".join(str(v) for v in reference.b)}], V: {_rows(reference.V)}, '
                f'c: [{reference.c[0]}], s0: [{", ".join("0" * len(reference.W))}]}}')
    k = len(student.W)
    spec = make_spec(ref_yaml, units=k)
    result = product.explore(spec, student, (0,) * k)
    bound = 2 ** k * 2 ** len(reference.W)
    # every string, shortest first then in alphabet order, one step of each network per
    # string (a level is extended in order, so it stays in alphabet order)
    level, expected = [((), (0,) * k, (0,) * len(reference.W))], None
    for _ in range(bound):
        nxt = []
        for w, s, r in level:
            for a in (0, 1):
                (s2, y), (r2, want) = step(spec, student, s, a), step(spec, reference, r, a)
                if y != want and expected is None:
                    expected = w + (a,)
                nxt.append((w + (a,), s2, r2))
        if expected:
            break
        level = nxt
    assert result.string == expected
