"""The trusted product exploration on the cases its mutation survivors showed untested.

Each test pins a behaviour of ``verify.trusted.product`` that a one-line change got past
the other tests (``tools/mutation_survivors.md``, section product.py, lists them): exact
signs of hidden rows whose sums pass 2^53 and 2^63, the size guard and its message, the
state names and discovery order of the tables, tables with several outputs, the exact
count of pairs explored, ``more`` off by default, and a string as an example sequence.
Expected values are worked out by hand in the comments or by the model's equations
(tests/behaviour_helpers.py), never by the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.behaviour_helpers import make_spec, net, simulate
from verify.trusted import product
from verify.trusted.checker import CheckFailure

ALWAYS = ('alphabet: ["0", "1"]\nmachine:\n  start: q\n  states:\n'
          '    q: {{"0": [q, "{y}"], "1": [q, "{y}"]}}')


# -- exact integers past float64 and int64 --------------------------------------------------

@pytest.mark.parametrize(("u", "b", "kind", "y"), [
    # strict: z = u*s + b = 1 > 0 from s = 1, so the unit stays on; in float64 u rounds
    # to 2^53 (ties to even) and z = 0 would switch it off. Row bound 3 * 2^53 + 1.
    (2**53 + 1, -2**53, "strict", 1),
    # nonstrict: z = 2^53 - 2^53 - 1 = -1, off; in float64 b rounds to -2^53, z = 0: on
    (2**53, -2**53 - 1, "nonstrict", 0),
    # past int64: u does not fit in an int64 at all (bound 3 * 2^63 + 1)
    (2**63 + 1, -2**63, "strict", 1),
])
def test_a_unit_whose_sum_passes_2_53_keeps_its_exact_sign(u, b, kind, y):
    assert float(u) + float(b) != u + b  # the case is one that float64 gets wrong
    spec = make_spec(ALWAYS.format(y=y), units=1, readout=None, observe=(0,), step=kind)
    unit = net([[0]], [[u]], [b])  # z = u * s_prev + b, whatever the input
    assert simulate(spec, unit, (1,), (0, 1, 0)) == [(y,)] * 3  # the model's equations
    assert product.explore(spec, unit, (1,)) == product.Exploration(True, 2 if y == 0 else 1,
                                                                     None)


def test_a_sum_of_int64_entries_past_2_63_is_not_wrapped():
    # unit 0: z = 2^62 s0 + 2^62 s1 >= 0, on; unit 1: z = 0 >= 0, on. From (1, 1) the
    # exact z of unit 0 is 2^63, one past int64 (it would wrap to -2^63: off).
    spec = make_spec(ALWAYS.format(y=1), units=2, readout=None, observe=(0,))
    pair = net([[0], [0]], [[2**62, 2**62], [0, 0]], [0, 0])
    assert simulate(spec, pair, (1, 1), (0, 1)) == [(1,), (1,)]
    assert product.explore(spec, pair, (1, 1)) == product.Exploration(True, 1, None)


# -- the size guard ---------------------------------------------------------------------------

def _quiet(k: int):  # type: ignore[no-untyped-def]
    """k units that stay off whatever the input (z = -1), read out as z = 0: output 1."""
    return net([[0]] * k, [[0] * k] * k, [-1] * k, [[0] * k], [0])


def test_forty_units_are_explored_and_forty_one_refused():
    spec40 = make_spec(ALWAYS.format(y=1), units=40)
    assert product.explore(spec40, _quiet(40), (0,) * 40) == product.Exploration(True, 1, None)
    spec41 = make_spec(ALWAYS.format(y=1), units=41)
    with pytest.raises(CheckFailure, match=r"explores at most 40 units and 2\^22 behaviour"):
        product.explore(spec41, _quiet(41), (0,) * 41)


def test_a_behaviour_past_2_22_states_is_refused():
    # a (network state, behaviour state) pair keeps the behaviour state in 22 bits
    spec = make_spec(ALWAYS.format(y=1), units=1)
    n = 2**22 + 1
    huge = product.Table(np.zeros((n, 2), np.int64), np.ones((n, 2, 1), np.int64), 0,
                         ("q",) * n)
    with pytest.raises(CheckFailure, match=r"explores at most 40 units and 2\^22 behaviour"):
        product.explore(spec, _quiet(1), (0,), table=huge)


# -- tables: state names, discovery order, several outputs ------------------------------------

def test_a_reference_network_table_names_its_states_by_their_units():
    # unit 0 = x (z = x - 1), unit 1 = unit 0 one step back (z = s0 - 1); readout
    # y = (s0, s1). A name lists unit 0 first. Breadth first from 00, symbols in order:
    # 00 -0-> 00, 00 -1-> 10, 10 -0-> 01, 10 -1-> 11, 01 like 00, 11 like 10.
    ref = ('alphabet: ["0", "1"]\nnetwork: {W: [[1], [0]], U: [[0, 0], [1, 0]], b: [-1, -1], '
           'V: [[1, 0], [0, 1]], c: [-1, -1], s0: [0, 0]}')
    table = product.machine_table(make_spec(ref, units=2, readout=2))
    assert table.names == ("00", "10", "01", "11")
    assert table.start == 0
    assert table.delta.tolist() == [[0, 1], [2, 3], [0, 1], [2, 3]]
    # output = the new state: (x, the unit 0 before)
    assert table.out.tolist() == [[[0, 0], [1, 0]], [[0, 1], [1, 1]],
                                  [[0, 0], [1, 0]], [[0, 1], [1, 1]]]


def test_a_window_table_names_its_states_by_their_history():
    # histories newest first, "-" before the first input; breadth first, symbols in order
    spec = make_spec('alphabet: ["0", "1"]\noutput: ["x[t-2]", "x[t] and not x[t-1]"]',
                     readout=2)
    table = product.machine_table(spec)
    assert table.names == ("-", "0", "1", "0 0", "1 0", "0 1", "1 1")
    assert table.delta.tolist() == [[1, 2], [3, 4], [5, 6], [3, 4], [5, 6], [3, 4], [5, 6]]
    # out[q][a] = (x[t-2], x[t] and not x[t-1]); before the first input x is 0
    oldest = [0, 0, 0, 0, 0, 1, 1]  # x[t-2] is the older symbol of the history
    newest = [0, 0, 1, 0, 1, 0, 1]  # x[t-1] is the newer one
    assert table.out.tolist() == [[[oldest[q], a & (1 - newest[q])] for a in (0, 1)]
                                  for q in range(7)]


def test_a_window_over_a_one_symbol_alphabet():
    # "1 1 1 ...": x[t-1] is 0 at the first step, then 1 for ever
    spec = make_spec('alphabet: ["1"]\noutput: "x[t-1]"')
    table = product.machine_table(spec)
    assert (table.names, table.delta.tolist(), table.out.tolist()) == (
        ("-", "1"), [[1], [1]], [[[0]], [[1]]])


# -- exploration: pairs counted exactly, other failing strings only on request ----------------

def test_two_ways_into_one_new_pair_count_once():
    # the unit copies the input (z = x - 1), the output reads it (y = s); the machine
    # says y = x in every state. Pairs (s, q), breadth first from (0, q0):
    #   level 1: (0, q1), (1, q2)
    #   level 2: (0, q1) [seen], (1, q0), (0, q1) [seen], (1, q0) [the same new pair]
    #   level 3, from (1, q0): (0, q1), (1, q2), both seen: 4 pairs in all
    machine = ('alphabet: ["0", "1"]\nmachine:\n  start: q0\n  states:\n'
               '    q0: {"0": [q1, "0"], "1": [q2, "1"]}\n'
               '    q1: {"0": [q1, "0"], "1": [q0, "1"]}\n'
               '    q2: {"0": [q1, "0"], "1": [q0, "1"]}')
    copy = net([[1]], [[0]], [-1], [[1]], [-1])
    assert product.explore(make_spec(machine), copy, (0,)) == product.Exploration(True, 4, None)


def test_other_failing_strings_only_when_asked():
    # a network that always outputs 1 against "always 0": both strings of length 1 fail
    spec = make_spec(ALWAYS.format(y=0), units=1)
    ones = _quiet(1)
    assert product.explore(spec, ones, (0,)) == product.Exploration(False, 1, (0,), ())
    assert product.explore(spec, ones, (0,), more=1).others == ((1,),)


def test_a_string_as_an_example_sequence():
    # outputs x[t] xor x[t-1] by hand (1, 1 xor 1, 0 xor 1), the symbols as inputs;
    # line 0: it comes from no line of the spec
    spec = make_spec('alphabet: ["0", "1"]\noutput: "x[t] xor x[t-1]"')
    seq = product.as_sequence(spec, product.machine_table(spec), (1, 1, 0), (0,))
    assert (seq.inputs, seq.outputs, seq.s0, seq.line) == (((1,), (1,), (0,)),
                                                          ((1,), (0,), (1,)), (0,), 0)


@pytest.mark.parametrize("v", [2**53 + 1, 2**63 + 1])
def test_a_readout_whose_sum_passes_2_53_keeps_its_exact_sign(v):
    # the unit is on for ever (z = 1 > 0); the readout z = v * 1 - (v - 1) = 1 > 0: 1.
    # In float64 v rounds to v - 1 and z = 0: the strict readout would say 0.
    spec = make_spec(ALWAYS.format(y=1), units=1, step="strict")
    unit = net([[0]], [[0]], [1], [[v]], [-(v - 1)])
    assert simulate(spec, unit, (0,), (0, 1)) == [(1,), (1,)]  # the model's equations
    assert product.explore(spec, unit, (0,)) == product.Exploration(True, 2, None)  # 0·q, 1·q
