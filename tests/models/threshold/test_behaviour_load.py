"""``behaviour:`` in a threshold-rnn spec: what loads, and bad input refused with the
file, line and key (exit 2)."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from verify.errors import SpecError
from verify.input.yamldoc import parse_text
from verify.models.threshold.network import DONT_CARE
from verify.models.threshold.network_load import load_network_spec

HEAD = """model: threshold-rnn
inputs: {d}
units: 2
readout: 1
s0: {s0}
behaviour:
"""
ADDITION = """  alphabet: ["00", "01", "10", "11"]
  machine:
    start: c0
    states:
      c0: {"00": [c0, "0"], "01": [c0, "1"], "10": [c0, "1"], "11": [c1, "0"]}
      c1: {"00": [c0, "1"], "01": [c1, "0"], "10": [c1, "0"], "11": [c1, "1"]}
"""


def load(body: str, d: int = 2, s0: str = "0"):  # type: ignore[no-untyped-def]
    return load_network_spec(parse_text(HEAD.format(d=d, s0=s0) + body, "b.yaml"))


def test_a_machine_loads_as_written():
    beh = load(ADDITION).behaviour
    assert beh.names == ("00", "01", "10", "11")
    assert beh.alphabet[2] == (Fraction(1), Fraction(0))
    assert beh.machine.states == ("c0", "c1") and beh.machine.start == 0
    assert beh.machine.delta == ((0, 0, 0, 1), (0, 1, 1, 1))
    assert beh.machine.out[1] == ((1,), (0,), (0,), (1,))
    assert beh.s0 == (0, 0)


def test_lists_dont_cares_and_formulas():
    beh = load('  alphabet: [[0, "1/2"], [1, 0]]\n  machine:\n    start: a\n    states:\n'
               '      a: {"0,1/2": [a, "?"], "1,0": [a, [1]]}\n').behaviour
    assert beh.alphabet == ((0, Fraction(1, 2)), (1, 0))
    assert beh.machine.out[0] == ((DONT_CARE,), (1,))
    beh = load('  alphabet: ["0", "1"]\n  output: "x[t] xor x[t-1]"\n', d=1).behaviour
    assert beh.formulas is not None and beh.machine is None


@pytest.mark.parametrize(("body", "line", "key", "words"), [
    (ADDITION.replace('"11": [c1, "0"]}', '"11": [c2, "0"]}'), 11,
     "behaviour.machine.states.c0.11[0]", "transition to unknown state 'c2'"),
    (ADDITION.replace(', "11": [c1, "1"]}', "}"), 12, "behaviour.machine.states.c1",
     "gives no transition for symbol '11'"),
    (ADDITION.replace('"01": [c1, "0"]', '"01": [c1, "01"]'), 12,
     "behaviour.machine.states.c1.01[1]", "has 2 entries; the spec has 1 output"),
    (ADDITION.replace('["00", "01", "10", "11"]', '["00", "01", "10", "110"]'), 7,
     "behaviour.alphabet[3]", "has 3 entries, but the spec has inputs: 2"),
    ('  alphabet: ["00", "11"]\n  output: "x[t-9][0]"\n', 8, "behaviour.output",
     "reaches past the window bound"),
    (ADDITION.replace('"10": [c0, "1"], "11"', '"12": [c0, "1"], "11"'), 11,
     "behaviour.machine.states.c0.12", "'12' is not a symbol of the alphabet"),
    (ADDITION.replace("start: c0", "start: c9"), 9, "behaviour.machine.start",
     "start state 'c9' is not among the states"),
    (ADDITION.replace('"01": [c0, "1"]', '"01": [c0, "x"]'), 11,
     "behaviour.machine.states.c0.01[1]", "output entry 'x'"),
    (ADDITION + '  output: "1"\n', 7, "behaviour", "give exactly one of machine"),
    ('  alphabet: ["00", "11"]\n  output: "x[t]"\n', 8, "behaviour.output",
     "write x[t-0][i]"),
    ('  alphabet: ["00", "12"]\n  output: "x[t][0]"\n', 8, "behaviour.output",
     "reads inputs as bits"),
    ('  alphabet: ["00", "11"]\n  output: "x[t][0] and"\n', 8, "behaviour.output",
     "column 12: the formula ends"),
    ('  alphabet: ["00", "00"]\n  output: "1"\n', 7, "behaviour.alphabet[1]", "listed twice"),
    ('  alphabet: ["0a", "00"]\n  output: "1"\n', 7, "behaviour.alphabet[0]",
     "a symbol is a string of digits"),
    ('  alphabet: ["00"]\n  network: {W: [[1, 1], [0, 1]], U: [[0, 0], [0, 0]], b: [0, 0]}\n', 8,
     "behaviour.network", "add V and c"),
])
def test_bad_behaviours_name_line_and_key(body, line, key, words):
    with pytest.raises(SpecError, match=re.escape(words)) as info:
        load(body)
    assert (info.value.path, info.value.line, info.value.key) == ("b.yaml", line, key)


def test_a_free_start_state_is_refused():
    with pytest.raises(SpecError, match="the start state must be fixed") as info:
        load(ADDITION, s0="free")
    assert info.value.key == "behaviour"
