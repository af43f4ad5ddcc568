"""Hypothesis-generated hostile specs through the CLI: whatever the text, the answer is a
documented exit code (never 4), no traceback, nothing on stderr, no file written, bounded
time and memory (see hostile.run_cli)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hostile import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_digits = st.integers(0, 9).map(str)
huge_numbers = st.one_of(
    st.integers(0, 12_000).map(lambda e: f"1e{e}"),
    st.integers(0, 12_000).map(lambda e: f"-3.5e-{e}"),
    st.integers(1, 6_000).map(lambda n: "9" * n),
    st.tuples(st.integers(1, 5_000), st.integers(0, 5_000)).map(
        lambda p: f'"{"7" * p[0]}/{"3" * p[1] or "0"}"'),
    st.sampled_from(["1e999999999999", ".nan", "-.inf", "0x10", "1_000", "١٢", "1/0",
                     "1e", "--1", "+.5", "5.", "1e-0"]),
)
odd_scalars = st.one_of(
    huge_numbers,
    st.sampled_from(["!!bool 1", "!!null 1", "!!str 0", "!!binary aGk=", "&a 1", "*a",
                     "true", "null", "~", "''", '"\\x00"', "? x", "{file: /dev/zero.csv}",
                     "{file: ../x.csv}", "{file: ''}", "{file: [a]}", "free", "2024-01-01"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).map(repr),
)
sequences = st.one_of(
    st.lists(st.one_of(st.sampled_from(["0", "1"]), odd_scalars), max_size=12).map(
        lambda xs: "[" + ", ".join(xs) + "]"),
    st.text("01 \t2", max_size=40).map(lambda s: f'"{s}"'),
    odd_scalars,
)
inequality_tokens = st.sampled_from(["w1", "w2", "b", "+", "-", "*", "/", "(", ")", "<",
                                     "<=", ">", ">=", "=", "1e9999", "1e99999", "0", "2",
                                     "x", "≤", "·", " ", "2w1", "0.5", ".", "**"])
inequalities = st.lists(inequality_tokens, max_size=40).map(lambda ts: repr("".join(ts)))
claims = st.one_of(
    st.builds(lambda w1, w2, b: f"claim:\n  witness: {{w1: {w1}, w2: {w2}, b: {b}}}\n",
              huge_numbers, huge_numbers, huge_numbers),
    st.builds(lambda w1, b: f"claim:\n  witness: {{w1: {w1}, w2: 1, b: {b}, s0: 1}}\n",
              st.sampled_from(["1", "-1", "1e4400", "1/3", "0"]),
              st.sampled_from(["0", "-1e4400", "1e-4400", "-1/2"])),
    st.lists(inequalities, max_size=4).map(
        lambda qs: "claim:\n  because: [" + ", ".join(qs) + "]\n"),
    st.sampled_from(["claim: {realizable: !!bool true}\n", "claim:\n", "claim: []\n",
                     "claim: {realizable: yes}\n"]),
)


big_but_allowed = st.one_of(
    st.sampled_from(["0", "1", "-2", "0.5", "1/3", "1e4400", "-1e-4400", "1.7e308"]),
    st.integers(0, 9_999).map(lambda e: f"1e{e}"), st.integers(1, 4_300).map(lambda n: "9" * n))


def _well_formed(draw: st.DrawFn) -> str:
    """A valid spec with big (allowed) numbers: parsing, solving, checking, claims and
    reports are all reached."""
    entries = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 6))
        xs = draw(st.lists(big_but_allowed, min_size=n, max_size=n))
        ys = draw(st.lists(st.sampled_from("01"), min_size=n, max_size=n))
        s0 = draw(st.sampled_from(["0", "1", "free"]))
        entries.append(f'  - {{input: [{", ".join(xs)}], output: "{"".join(ys)}", s0: {s0}}}\n')
    step = draw(st.sampled_from(["strict", "nonstrict"]))
    claim = draw(st.one_of(
        st.just(""),
        st.builds(lambda w1, w2, b: f"claim:\n  witness: {{w1: {w1}, w2: {w2}, b: {b}}}\n",
                  big_but_allowed, big_but_allowed, big_but_allowed),
        st.lists(st.builds(lambda a, b, rel: f'"{a}*w1 + {b}*b {rel} 0"', big_but_allowed,
                           big_but_allowed, st.sampled_from([">", ">=", "<", "<="])),
                 min_size=1, max_size=3).map(
            lambda qs: "claim:\n  because: [" + ", ".join(qs) + "]\n"),
        st.sampled_from(["claim: {realizable: true}\n", "claim: {realizable: false}\n"])))
    return f"model: step-rnn\nstep: {step}\nsequences:\n" + "".join(entries) + claim


@st.composite
def hostile_specs(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 2)) == 0:
        return _well_formed(draw)
    length = draw(st.integers(1, 12))
    head = draw(st.sampled_from(["model: step-rnn\n", "model: step-rnn\n", "",
                                 "model: lstm-cell\n", "model: !!str step-rnn\n"]))
    body = f"input: {draw(sequences)}\noutput: {draw(sequences)}\n"
    if draw(st.booleans()):
        body = f'input: "{"0" * length}"\noutput: "{"1" * length}"\n'
    extra = draw(st.lists(st.sampled_from(["s0: free\n", "step: nonstrict\n", "s0: 2\n",
                                           "step: !!python/object:os.system x\n",
                                           "name: " + "n" * 5000 + "\n", "sequences: []\n"]),
                          max_size=2))
    tail = draw(st.one_of(st.just(""), claims))
    return head + body + "".join(extra) + tail


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile_specs())
def test_hostile_specs_get_an_answer_or_a_named_error(capsys: pytest.CaptureFixture[str],
                                                       text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "s.yaml"
        spec.write_text(text, encoding="utf-8", errors="surrogatepass")
        run_cli(capsys, spec)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300), st.sampled_from([".csv", ".txt", ".npy"]))
def test_hostile_data_files(capsys: pytest.CaptureFixture[str], data: bytes,
                            suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"x{suffix}").write_bytes(data)
        spec = Path(folder) / "s.yaml"
        spec.write_text(f"model: step-rnn\ninput: {{file: x{suffix}}}\n"
                        f"output: {{file: x{suffix}}}\n")
        run = run_cli(capsys, spec)
        if run.code == 2:  # the message quotes at most a short prefix of the contents
            assert len(run.out) < 1000, run.out
