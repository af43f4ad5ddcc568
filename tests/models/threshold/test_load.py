"""Loading step-RNN specs: the accepted forms, exact values, and every refusal."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.errors import SpecError
from verify.input.yamldoc import parse_text
from verify.models.threshold.load import load_rnn_path, load_rnn_spec
from verify.models.threshold.spec import RnnSpec, StepKind

DATA = Path(__file__).parent / "data" / "load"
F = Fraction


def load_text(text: str, directory: Path | None = None) -> RnnSpec:
    path = str((directory or Path("/nonexistent")) / "spec.yaml")
    return load_rnn_spec(parse_text(text, path))


def load_error(text: str, directory: Path | None = None) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_text(text, directory)
    err = info.value
    assert err.path is not None and err.path.endswith("spec.yaml")
    return err


# -- accepted specs ---------------------------------------------------------------------------

def test_seed_q1a() -> None:
    spec = load_rnn_path(str(DATA / "q1a.yaml"))
    assert spec.name == "Q1(a)" and spec.model == "step-rnn" and spec.step is StepKind.STRICT
    (seq,) = spec.sequences
    assert seq.inputs.exact_all() == [0, 0, 0, 1, 0, 1, 0]
    assert seq.outputs.tolist() == [0, 0, 0, 1, 1, 1, 1] and seq.outputs.dtype == np.int8
    assert seq.s0 == 0 and seq.line == 6
    assert spec.claim is not None and spec.claim.realizable is True
    assert spec.claim.witness == {"w1": F(1), "w2": F(2), "b": F(-1)}
    assert spec.claim.witness_s0 is None and spec.claim.because is None
    assert spec.claim.line == 9


def test_seed_q1b_digit_strings_and_because() -> None:
    spec = load_rnn_path(str(DATA / "q1b.yaml"))
    (seq,) = spec.sequences
    assert seq.inputs.exact_all() == [0, 0, 0, 1, 0, 0, 1, 0]
    assert seq.outputs.tolist() == [1, 1, 1, 0, 0, 0, 1, 1]
    claim = spec.claim
    assert claim is not None and claim.realizable is False and claim.because is not None
    first, second = claim.because
    assert first.coefficients == {"w1": 1, "w2": 1, "b": 1} and first.relation == "<="
    assert second.coefficients == {"w1": 1, "w2": 0, "b": 1} and second.relation == ">"
    assert (first.line, second.line) == (8, 9)


def test_files_sequences_and_exact_numbers() -> None:
    spec = load_rnn_path(str(DATA / "files.yaml"))
    assert spec.step is StepKind.NONSTRICT
    first, second = spec.sequences
    assert first.inputs.exact_all() == [F(1, 2), F(1, 3), F(-2), F(7, 10)]
    assert first.outputs.tolist() == [1, 0, 1, 1]
    assert first.s0 is None and second.s0 == 1  # top-level free, overridden per sequence
    assert second.inputs.exact_all() == [F(1, 10), F(1, 3), F(10) ** 400, F(-5, 2)]
    assert second.inputs.approx[2] == np.inf  # the float shadow saturates; exact does not
    claim = spec.claim
    assert claim is not None
    assert claim.witness == {"w1": F(1, 2), "w2": F(-3, 4), "b": F(3, 100)}
    assert claim.witness_s0 == (0, 1)


def test_defaults_and_options() -> None:
    spec = load_text("model: step-rnn\ninput: [1]\noutput: [1]\n")
    assert spec.step is StepKind.STRICT and spec.claim is None
    assert spec.sequences[0].s0 == 0 and spec.name is None
    spec = load_text("model: step-rnn\ns0: 1\ninput: [1]\noutput: [1]\n"
                     "claim: {realizable: true, witness: {w1: 0, w2: 1, b: 0, s0: 1}}\n")
    assert spec.sequences[0].s0 == 1
    assert spec.claim is not None and spec.claim.witness_s0 == (1,)
    spec = load_text("model: step-rnn\ninput: [1]\noutput: [1]\nclaim: {realizable: false}\n")
    assert spec.claim is not None and spec.claim.realizable is False
    assert spec.claim.because is None and spec.claim.witness is None


def test_digit_string_forms() -> None:
    spec = load_text('model: step-rnn\ninput: "0901 23"\noutput: >-\n  0101\n  10\n')
    seq = spec.sequences[0]
    assert seq.inputs.exact_all() == [0, 9, 0, 1, 2, 3]
    assert seq.outputs.tolist() == [0, 1, 0, 1, 1, 0]
    spec = load_text("model: step-rnn\ninput: 0001\noutput: 0011\n")  # unquoted works too
    assert spec.sequences[0].outputs.tolist() == [0, 0, 1, 1]


def test_numpy_files(tmp_path: Path) -> None:
    np.save(tmp_path / "f.npy", np.array([0.1, 2.0, -0.5]))
    np.save(tmp_path / "i.npy", np.array([3, -4, 5], dtype=np.int16))
    np.save(tmp_path / "b.npy", np.array([True, False, True]))
    np.save(tmp_path / "o.npy", np.array([1.0, 0.0, 1.0], dtype=np.float32))
    spec = load_text("model: step-rnn\nsequences:\n"
                     "  - {input: {file: f.npy}, output: {file: b.npy}}\n"
                     "  - {input: {file: i.npy}, output: {file: o.npy}}\n"
                     f"  - {{input: {{file: {tmp_path / 'b.npy'}}}, output: [1, 1, 0]}}\n",
                     tmp_path)
    a, b, c = spec.sequences
    assert a.inputs.exact(0) == F(0.1)  # the binary double, exactly, not 1/10
    assert a.outputs.tolist() == [1, 0, 1] and b.outputs.tolist() == [1, 0, 1]
    assert b.inputs.exact_all() == [3, -4, 5]
    assert c.inputs.exact_all() == [1, 0, 1]  # absolute paths are allowed


def test_million_step_digit_string_loads_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    xs = (rng.integers(0, 10, 10**6).astype(np.uint8) + 48).tobytes().decode()
    ys = (rng.integers(0, 2, 10**6).astype(np.uint8) + 48).tobytes().decode()
    spec_path = tmp_path / "long.yaml"
    spec_path.write_text(f'model: step-rnn\ninput: "{xs}"\noutput: "{ys}"\n')
    (tmp_path / "y.csv").write_text(",".join(ys))
    (tmp_path / "files.yaml").write_text("model: step-rnn\ninput: {file: y.csv}\n"
                                         "output: {file: y.csv}\n")
    spec = load_rnn_path(str(spec_path))
    files = load_rnn_path(str(tmp_path / "files.yaml"))
    seq = spec.sequences[0]
    assert len(seq.inputs) == 10**6 and seq.inputs.exact(5) == int(xs[5])
    assert seq.outputs[-1] == int(ys[-1]) and len(files.sequences[0].outputs) == 10**6
    # speed is measured in bench/long_sequences.py, not asserted here


# -- refusals ---------------------------------------------------------------------------------

HEAD = "model: step-rnn\n"
SEQ = "input: [0, 1]\noutput: [0, 1]\n"


def test_too_many_digits_is_a_spec_error() -> None:
    err = load_error(HEAD + f"input: [1, 0.{'1' * 5000}]\noutput: [1, 0]\n")
    assert "too many digits" in err.message and err.key == "input[1]", str(err)


@pytest.mark.parametrize(("text", "line", "key", "needle"), [
    (HEAD + SEQ + "inptu: [1]\n", 4, "inptu", "unknown key 'inptu'"),
    (HEAD + "sequences:\n  - {input: [1], output: [1], s1: 0}\n", 3, "sequences[0].s1",
     "unknown key 's1'"),
    (HEAD + SEQ + "claim:\n  realizable: true\n  proof: x\n", 6, "claim.proof", "unknown key"),
    (HEAD + SEQ + "claim:\n  witness: {w1: 1, w2: 1, b: 1, w3: 0}\n", 5, "claim.witness.w3",
     "unknown key 'w3'"),
    (HEAD + SEQ + "sequences: []\n", 2, "input", "not both"),
    (HEAD + "name: x\n", 1, "input", "missing required key 'input'"),
    (HEAD + "input: [1]\n", 1, "output", "missing required key 'output'"),
    ("input: [1]\noutput: [1]\n", 1, "model", "missing required key 'model'"),
    (HEAD + "sequences: []\n", 2, "sequences", "sequences is empty"),
    (HEAD + "input: [0, 1, 0]\noutput: [0, 1]\n", 3, "output", "has 2 values but input has 3"),
    (HEAD + "input: []\noutput: []\n", 2, "input", "input sequence is empty"),
    (HEAD + "input: ''\noutput: ''\n", 2, "input", "input is empty"),
    (HEAD + "input:\noutput: [1]\n", 2, "input", "input is empty"),
    (HEAD + "input: [0, 1]\noutput: [0, 2]\n", 3, "output[1]", "outputs must be 0 or 1"),
    (HEAD + "input: [0, 1]\noutput: [0, 1.0]\n", 3, "output[1]", "outputs must be 0 or 1"),
    (HEAD + "input: [0, 1]\noutput: [true, false]\n", 3, "output[0]", "not true"),
    (HEAD + "input: [0, 1]\noutput: '0120'\n", 3, "output", "character 3"),
    (HEAD + "input: [0, 1]\noutput: '01a'\n", 3, "output", "must be a sequence"),
    (HEAD + "input: [0, .nan]\noutput: [0, 1]\n", 2, "input[1]", "not a finite number"),
    (HEAD + "input: [.inf, 0]\noutput: [0, 1]\n", 2, "input[0]", "not a finite number"),
    (HEAD + "input: [0, 'nan']\noutput: [0, 1]\n", 2, "input[1]", "not a finite number"),
    (HEAD + "input:\n  - 0\n  - -inf\noutput: [0, 1]\n", 4, "input[1]", "not a finite"),
    (HEAD + "input: [0, true]\noutput: [0, 1]\n", 2, "input[1]", "boolean true"),
    (HEAD + "input: [0, ~]\noutput: [0, 1]\n", 2, "input[1]", "found nothing"),
    (HEAD + "input: [0, [1, 2]]\noutput: [0, 1]\n", 2, "input[1]", "nested lists"),
    (HEAD + "input: [0, 0x1F]\noutput: [0, 1]\n", 2, "input[1]", "not a number"),
    (HEAD + "input: 1.5\noutput: [1]\n", 2, "input", "must be a sequence"),
    (HEAD + "input: true\noutput: [1]\n", 2, "input", "boolean"),
    (HEAD + "s0: 2\n" + SEQ, 2, "s0", "s0 must be 0, 1 or free"),
    (HEAD + "s0: true\n" + SEQ, 2, "s0", "s0 must be 0, 1 or free"),
    (HEAD + "s0: [0]\n" + SEQ, 2, "s0", "s0 must be 0, 1 or free"),
    (HEAD + "sequences:\n  - input: [1]\n    output: [1]\n    s0: 0.5\n", 5, "sequences[0].s0",
     "s0 must be 0, 1 or free"),
    (HEAD + "step: lenient\n" + SEQ, 2, "step", "step must be strict"),
    ("model: lstm-cell\n" + SEQ, 1, "model", "step-rnn"),
    (HEAD + "name: [1]\n" + SEQ, 2, "name", "single value"),
    (HEAD + SEQ + "claim: {realizable: yes}\n", 4, "claim.realizable", "true or false"),
    (HEAD + SEQ + "claim: {realizable: 'true'}\n", 4, "claim.realizable", "true or false"),
    (HEAD + SEQ + "claim:\n", 4, "claim", "claim is empty"),
    (HEAD + SEQ + "claim: {}\n", 4, "claim.realizable", "needs 'realizable"),
    (HEAD + SEQ + "claim:\n  realizable: false\n  witness: {w1: 1, w2: 1, b: 1}\n", 6,
     "claim.witness", "drop one of them"),
    (HEAD + SEQ + "claim:\n  realizable: true\n  because: ['b > 0']\n", 6, "claim.because",
     "drop one of them"),
    (HEAD + SEQ + "claim:\n  witness: {w1: 1, w2: 1}\n", 5, "claim.witness.b",
     "missing required key 'b'"),
    (HEAD + SEQ + "claim:\n  witness: {w1: true, w2: 1, b: 0}\n", 5, "claim.witness.w1",
     "boolean"),
    (HEAD + SEQ + "claim:\n  witness: {w1: .nan, w2: 1, b: 0}\n", 5, "claim.witness.w1",
     "not a finite number"),
    (HEAD + SEQ + "claim:\n  witness: {w1: 1, w2: 1, b: 0, s0: 2}\n", 5, "claim.witness.s0",
     "0 or 1"),
    (HEAD + SEQ + "claim:\n  witness: {w1: 1, w2: 1, b: 0, s0: [0, 1]}\n", 5,
     "claim.witness.s0", "2 values for 1 sequences"),
    (HEAD + SEQ + "claim:\n  because:\n    - b > 0\n    - w1*w2 > 0\n", 7, "claim.because[1]",
     "non-linear"),
    (HEAD + SEQ + "claim:\n  because: []\n", 5, "claim.because", "because is empty"),
])
def test_refusals(text: str, line: int, key: str, needle: str) -> None:
    err = load_error(text)
    assert needle in err.message, err.message
    assert (err.line, err.key) == (line, key), str(err)


class _Evil:
    """Pickles to a call of os.system: loading it with pickle would run the command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (self.command,)


def _write_data_files(d: Path) -> Path:
    np.save(d / "two_d.npy", np.zeros((2, 3)))
    np.save(d / "complex.npy", np.array([1 + 2j]))
    np.save(d / "nan.npy", np.array([0.5, np.nan]))
    np.save(d / "twos.npy", np.array([0, 2, 1]))
    np.save(d / "empty.npy", np.zeros(0))
    marker = d / "pwned"
    np.save(d / "evil.npy", np.array([_Evil(f"touch {marker}")], dtype=object),
            allow_pickle=True)
    (d / "fake.npy").write_bytes(b"definitely not numpy")
    (d / "junk.csv").write_text("1, 2\n3, x4\n")
    (d / "gap.csv").write_text("1, 2,\n3,, 4\n")
    (d / "twos.txt").write_text("0\n1\n2\n")
    (d / "latin.csv").write_bytes(b"1\n\xe9\n")
    (d / "data.bin").write_text("1")
    (d / "folder.csv").mkdir()
    return marker


@pytest.mark.parametrize(("where", "value", "needle"), [
    ("input", "missing.npy", "does not exist"),
    ("input", "folder.csv", "not a regular file"),
    ("input", "data.bin", "use .npy, .csv or .txt"),
    ("input", "two_d.npy", "1-D"),
    ("input", "complex.npy", "complex128"),
    ("input", "nan.npy", "NaN"),
    ("input", "evil.npy", "cannot read"),
    ("input", "fake.npy", "cannot read"),
    ("input", "junk.csv", "line 2"),
    ("input", "gap.csv", "line 2: empty field"),
    ("input", "latin.csv", "line 2 is not UTF-8"),
    ("output", "twos.npy", "element 2"),
    ("output", "twos.txt", "line 3"),
    ("input", "empty.npy", "input sequence is empty"),
])
def test_data_file_refusals(tmp_path: Path, where: str, value: str, needle: str) -> None:
    marker = _write_data_files(tmp_path)
    other = "output" if where == "input" else "input"
    text = f"{HEAD}{where}: {{file: {value}}}\n{other}: [0, 1, 1]\n"
    err = load_error(text, tmp_path)
    assert needle in err.message, err.message
    assert err.line == 2
    if needle != "input sequence is empty":
        assert err.key == f"{where}.file" and value in str(err)
    assert not marker.exists()  # the pickled os.system call never ran


def test_data_file_key_refusals(tmp_path: Path) -> None:
    err = load_error(HEAD + "input: {path: x.csv}\noutput: [1]\n", tmp_path)
    assert "unknown key 'path'" in err.message and err.key == "input.path"


# -- through the command line: exit 2, file and line named, no traceback ------------------------

_BOMB = "".join([f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" if i else
                 "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" for i in range(10)])

CLI_CASES: list[tuple[str, bytes, int]] = [
    ("syntax", b"model: step-rnn\ninput: [0, 1\noutput: [0, 1]\n", 3),
    ("unknown_key", b"model: step-rnn\ninput: [0]\noutput: [0]\nclaims: {}\n", 4),
    ("seq_unknown_key", b"model: step-rnn\nsequences:\n  - {input: [0], ouput: [0]}\n", 3),
    ("tag", b"model: step-rnn\ninput: !!python/object/apply:os.system ['touch PWNED']\n", 2),
    ("bomb", _BOMB.encode(), 1),  # the first anchor is refused before any alias is used
    ("nul", b"model: step-rnn\ninput: [0]\x00\n", 2),
    ("latin1", b"model: step-rnn\n\nname: caf\xe9\n", 3),
    ("junk", bytes(range(256)) * 4, 2),  # the first non-UTF-8 byte follows one newline
    ("control", b"model: step-rnn\n\x1b[31mred\n", 2),
    ("top_list", b"- model: step-rnn\n", 1),
    ("duplicate", b"model: step-rnn\ninput: [0]\noutput: [0]\noutput: [1]\n", 4),
    ("bool_number", b"model: step-rnn\ninput: [0, false]\noutput: [0, 1]\n", 2),
    ("nested", b"model: step-rnn\ninput: [[0, 1]]\noutput: [0]\n", 2),
    ("empty", b"", 1),
    ("two_docs", b"model: step-rnn\n---\nmodel: step-rnn\n", 3),
    ("unknown_model", b"model: gru\ninput: [0]\noutput: [0]\n", 1),
    ("lengths", b"model: step-rnn\ninput: [0, 1]\noutput: [0]\n", 3),
    ("s0", b"model: step-rnn\ns0: maybe\ninput: [0]\noutput: [0]\n", 2),
    ("nan", b"model: step-rnn\ninput: [.NaN]\noutput: [0]\n", 2),
    ("inf_text", b"model: step-rnn\ninput: ['inf']\noutput: [0]\n", 2),
    ("outputs", b"model: step-rnn\ninput: [0]\noutput: [0.5]\n", 3),
    ("deep", b"model: step-rnn\ninput: " + b"[" * 50_000 + b"]" * 50_000 + b"\n", 2),
    ("because", b"model: step-rnn\ninput: [0]\noutput: [0]\nclaim:\n  because: ['2b > 0']\n",
     5),
]


@pytest.mark.parametrize(("name", "content", "line"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_reports_spec_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch, name: str, content: bytes,
                                 line: int) -> None:
    from verify.cli import main

    monkeypatch.chdir(tmp_path)  # the tag case would create ./PWNED if it ever ran
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content)
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert f"{path}:{line}" in text, text
    assert "Traceback" not in text and "INTERNAL" not in text
    assert not (tmp_path / "PWNED").exists()


def test_cli_json_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from verify.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text("model: step-rnn\ninput: [0]\noutput: [2]\n")
    assert main(["check", "--format", "json", str(path)]) == 2
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "error"
    assert record["error"]["line"] == 3 and record["error"]["key"] == "output[0]"


def test_cli_accepts_the_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    from verify.cli import main

    code = main(["check", str(DATA / "q1b.yaml"), str(DATA / "files.yaml")])
    out = capsys.readouterr().out
    # Both claims are incorrect, by hand: q1b's two inequalities are satisfied together by
    # w1 = 0, w2 = -1, b = 1; files.yaml's witness (w1 = 1/2, w2 = -3/4, b = 3/100, s0 = 0 for
    # sequence 0, inputs 0.5, 1/3, -2, outputs 1, 0, 1) gives z = 28/100 (1), then
    # 1/6 - 3/4 + 3/100 < 0 (0), then at t=3 z = -1 + 3/100 = -97/100 < 0: 0 where 1 is
    # wanted. Exit 1: judged, not a spec error or a crash.
    assert code == 1, out
    assert "error:" not in out
    assert out.count("claim: INCORRECT") == 2 and "claims: 2 incorrect" in out
    assert "fails at sequence 0, t=3: z = w1*x + w2*s + b = 1/2*-2 + -3/4*0 + 3/100 = " \
           "-97/100" in out


# -- fuzz: any mix of known keys and odd values gives an RnnSpec or a SpecError -----------------

_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(
        ["0101", "free", "strict", "nonstrict", "1/3", "nan", "w1 + b > 0", "2w1 > 0", ""]),
        st.floats(allow_nan=True, allow_infinity=True)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(
                                ["input", "output", "s0", "file", "realizable", "witness",
                                 "because", "w1", "w2", "b"]), inner, max_size=4)),
    max_leaves=12,
)


@settings(deadline=None, max_examples=150)
@given(st.dictionaries(st.sampled_from(["name", "step", "s0", "input", "output", "sequences",
                                        "claim", "extra"]), _values, max_size=5))
def test_fuzzed_specs_load_or_fail_cleanly(fields: dict[str, object]) -> None:
    text = yaml.safe_dump({"model": "step-rnn", **fields})
    try:
        spec = load_text(text)
    except SpecError as err:
        assert err.message and err.path is not None
    else:
        for seq in spec.sequences:
            assert len(seq.inputs) == len(seq.outputs) > 0
            assert set(seq.outputs.tolist()) <= {0, 1}


def test_data_files_saved_with_a_utf8_bom_load(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(b"\xef\xbb\xbf0.5,1,2\n")
    (tmp_path / "y.csv").write_bytes(b"\xef\xbb\xbf1,0,1\n")
    (tmp_path / "s.yaml").write_text("model: step-rnn\ninput: {file: x.csv}\n"
                                     "output: {file: y.csv}\n")
    seq = load_rnn_path(str(tmp_path / "s.yaml")).sequences[0]
    assert seq.inputs.exact_all() == [Fraction(1, 2), 1, 2]
    assert seq.outputs.tolist() == [1, 0, 1]
