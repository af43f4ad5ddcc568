"""The threshold-rnn loader: what it accepts, and refusals naming file, line and key."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from verify.errors import SpecError
from verify.input.yamldoc import parse_text
from verify.models.threshold.load import load_rnn_spec
from verify.models.threshold.network import DONT_CARE, Domain
from verify.models.threshold.network_load import load_network_spec

BASE = """model: threshold-rnn
units: 2
readout: 1
sequences:
  - input: ["01", "11"]
    output: ["0", "?"]
"""


def load(text: str, path: str = "spec.yaml"):
    return load_network_spec(parse_text(text, path))


def test_the_issue_example_loads_exactly():
    spec = load("""model: threshold-rnn
name: running parity
inputs: 1
units: 2
readout: 1
step: nonstrict
s0: 0
weights: real
sequences:
  - input: ["0", "1", "1", "0"]
    output: ["0", "1", "0", "0"]
claim:
  realizable: true
  witness: {W: [[-1], [-2]], U: [[-1, 1], [-1, 1]], b: [1, 0], V: [[1, -1]], c: [-1]}
""")
    assert (spec.shape.inputs, spec.shape.units, spec.shape.readout) == (1, 2, 1)
    assert list(spec.sequences[0].inputs) == [(0,), (1,), (1,), (0,)]
    assert list(spec.sequences[0].outputs) == [(0,), (1,), (0,), (0,)]
    assert spec.claim.witness.W == ((-1,), (-2,))
    assert spec.claim.witness.c == (-1,)


def test_vectors_numbers_dont_cares_and_domains():
    spec = load("""model: threshold-rnn
units: 3
readout: 2
s0: free
weights: {min: -1, max: 1, integer: true}
bias: {min: 0}
fixed: {U: [[0, null, 0], [null, null, null], [0, 0, 0]], b: 1}
sequences:
  - input: [[0.1, -2], [1/3, 4]]
    output: ["0?", [1, "?"]]
    s0: [0, 1, free]
""")
    assert list(spec.sequences[0].inputs) == [(Fraction(1, 10), Fraction(-2)),
                                              (Fraction(1, 3), Fraction(4))]
    assert list(spec.sequences[0].outputs) == [(0, DONT_CARE), (1, DONT_CARE)]
    assert spec.sequences[0].s0 == (0, 1, None)
    assert (spec.min_units, spec.shape.units) == (3, 3)
    assert spec.weights == Domain(Fraction(-1), Fraction(1), True)
    assert spec.bias == Domain(Fraction(0), None, False)
    assert spec.fixed[("U", (0, 0))] == 0 and ("U", (0, 1)) not in spec.fixed
    assert spec.fixed[("b", (2,))] == 1


def test_a_two_dimensional_npy_file_is_read_exactly(tmp_path):
    arr = np.array([[0.5, 0.1], [1.0, -3.0]])
    np.save(tmp_path / "x.npy", arr)
    (tmp_path / "s.yaml").write_text("""model: threshold-rnn
units: 1
sequences:
  - input: {file: x.npy}
    output: "01"
""")
    from verify.models.threshold.network_load import load_network_path
    spec = load_network_path(str(tmp_path / "s.yaml"))
    assert spec.shape.inputs == 2
    assert spec.sequences[0].inputs[0] == (Fraction(1, 2), Fraction(0.1))  # the float's value


@pytest.mark.parametrize("bad", [2.0, 0.5, -1.0])
def test_an_output_file_entry_other_than_0_or_1_is_named(tmp_path, bad):
    y = np.zeros((5, 2))
    y[1, 0], y[3, 1] = 1.0, bad  # the first bad entry: step 4, entry 1
    np.save(tmp_path / "x.npy", np.zeros((5, 1)))
    np.save(tmp_path / "y.npy", y)
    (tmp_path / "s.yaml").write_text("""model: threshold-rnn
units: 2
sequences:
  - input: {file: x.npy}
    output: {file: y.npy}
""")
    from verify.models.threshold.network_load import load_network_path
    with pytest.raises(SpecError, match=r"output: the output file's step 4, entry 1 is .*; "
                                        r"outputs in data files are 0 or 1"):
        load_network_path(str(tmp_path / "s.yaml"))


@pytest.mark.parametrize("change, line, key, words", [
    (("units: 2", "units: {max: 0}"), 2, "units.max", "allows no network"),
    (('["01", "11"]', '["01", "1"]'), 5, "sequences[0].input[1]", "1 entries"),
    (('["0", "?"]', '["0", "10"]'), 6, "sequences[0].output[1]", "2 entries"),
    (('["0", "?"]', '["0"]'), 6, "sequences[0].output", "1 steps but input has 2"),
    (("readout: 1\n", "observe: [2]\n"), 3, "observe[0]", "unit 2 does not exist"),
    (("readout: 1\n", "readout: 1\nweights: {min: 2, max: 1}\n"), 4, "weights", "empty"),
    (("readout: 1\n", "readout: 1\nweights: {min: 0.2, max: 0.8, integer: true}\n"), 4,
     "weights", "no integer"),
    (("readout: 1\n", "readout: 1\ninput: [1]\n"), 4, "input", "belongs to model step-rnn"),
    (("readout: 1\n", "readout: 1\nfixed: {W: 3}\nweights: {max: 1}\n"), 4, "fixed.W",
     "outside the weight domain"),
])
def test_bad_specs_name_file_line_and_key(change, line, key, words):
    with pytest.raises(SpecError) as exc:
        load(BASE.replace(*change), "bad.yaml")
    err = exc.value
    assert (err.path, err.line, err.key) == ("bad.yaml", line, key)
    assert words in err.message


@pytest.mark.parametrize("witness, key, words", [
    ("{W: [[1, 1]], U: [[0, 0], [0, 0]], b: [0, 0], V: [[1, 1]], c: [0]}", "claim.witness.W",
     "spec allows 2 units"),
    ("{W: [[1, 1], [1]], U: [[0, 0], [0, 0]], b: [0, 0], V: [[1, 1]], c: [0]}",
     "claim.witness.W[1]", "needs 2 numbers"),
    ("{W: [[1, 1], [1, 1]], U: [[0, 0], [0, 0]], b: [0, 0], V: [[1, 1]], c: [0, 1]}",
     "claim.witness.c", "readout = 1"),
    ("{W: [[1, 1], [1, 1]], U: [[0, 0], [0, 0]], b: [0, 0], c: [0]}", "claim.witness.V",
     "missing required key 'V'"),
    ("{w1: 1, w2: 1, b: 0}", "claim.witness.w1", "belongs to model step-rnn"),
])
def test_witness_shapes_are_checked_against_the_spec(witness, key, words):
    with pytest.raises(SpecError) as exc:
        load(BASE + f"claim:\n  witness: {witness}\n", "bad.yaml")
    assert exc.value.key == key and exc.value.line == 8
    assert words in exc.value.message


@pytest.mark.parametrize("key", ["readout", "units", "weights"])
def test_step_rnn_specs_say_which_model_a_key_belongs_to(key):
    text = f'model: step-rnn\n{key}: 1\ninput: "01"\noutput: "01"\n'
    with pytest.raises(SpecError) as exc:
        load_rnn_spec(parse_text(text, "s.yaml"))
    assert exc.value.message.startswith(f"'{key}' belongs to model threshold-rnn")
    assert (exc.value.line, exc.value.key) == (2, key)


def test_a_range_of_units_takes_one_s0_for_all_units():
    with pytest.raises(SpecError, match="with a range of units") as exc:
        load(BASE.replace("units: 2", "units: {max: 3}") + "s0: [0, 1, 0]\n")
    assert exc.value.key == "s0"


def test_behaviour_without_the_behaviour_module_is_a_spec_error():
    try:  # the hook imports lazily; without the module it says so
        import verify.models.threshold.behaviour  # noqa: F401
        pytest.skip("the behaviour module is present (issue 12)")
    except ModuleNotFoundError:
        pass
    with pytest.raises(SpecError, match="behaviours are not supported"):
        load("model: threshold-rnn\nunits: 1\ninputs: 1\nbehaviour: {}\n")
