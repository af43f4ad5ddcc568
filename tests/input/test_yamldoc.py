"""The YAML document layer: safe composition, line numbers, and hostile files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.errors import SpecError
from verify.input.yamldoc import MAX_DEPTH, Node, load_file, parse_text


def error_of(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_text(text, "spec.yaml")
    assert info.value.path == "spec.yaml"
    return info.value


def test_keeps_source_text_and_lines() -> None:
    root = parse_text("model: step-rnn\n\nx: 0.1\ny: [1e400, '1/3']\n", "s.yaml")
    fields = dict(root.items())
    assert fields["x"].text() == "0.1" and fields["x"].line == 3
    ys = fields["y"].elements()
    assert [y.text() for y in ys] == ["1e400", "1/3"]
    assert ys[1].key == "y[1]" and ys[1].line == 4


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("a: [1, 2\n", 2, "YAML syntax error"),
    ("a:\n\tb: 1\n", 2, "a tab character in the indentation"),
    ("a:\n  b: 1\n\tc: 2\n", 3, "YAML indents with spaces only"),
    ('a: ["w1 \\le 0"]\n', 1, "backslash starts an escape, and \\le is not one"),
    ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
    ("- 1\n- 2\n", 1, "must be a mapping"),
    ("just text\n", 1, "must be a mapping"),
    ("", 1, "empty"),
    ("# only a comment\n", 1, "empty"),
    ("a: 1\n---\nb: 2\n", 3, "several YAML documents"),
    ("a: 1\nb: \x00\n", 2, "NUL"),
    ("a: b\n\nc: \"\x07\"\n", 3, "character YAML does not allow"),
    ("a: &x 1\nb: *x\n", 1, "anchors and aliases"),
    ("a: 1\nb: *x\n", 2, "anchors and aliases"),
    ("a: &a [*a]\n", 1, "anchors and aliases"),
    ("a: !!binary aGVsbG8=\n", 1, "YAML tag"),
    ("a: !custom 1\n", 1, "YAML tag"),
    ("? [1, 2]\n: x\n", 1, "keys must be plain"),
])
def test_refusals_name_a_line(text: str, line: int, needle: str) -> None:
    err = error_of(text)
    assert needle in err.message
    assert err.line == line


def test_duplicate_keys_found_in_nested_mappings() -> None:
    err = error_of("claim:\n  witness: {w1: 1, b: 2, w1: 3}\n")
    assert "duplicate key 'w1'" in err.message
    assert err.line == 2 and err.key == "claim.witness.w1"
    err = error_of("sequences:\n  - input: [1]\n    input: [2]\n")
    assert err.line == 3 and err.key == "sequences[0].input"


def test_tag_errors_name_the_key() -> None:
    err = error_of("a:\n  b: [1, !!binary aGVsbG8=]\n")
    assert err.key == "a.b[1]" and err.line == 2


def test_unknown_and_missing_keys() -> None:
    root = parse_text("model: x\ninptu: [1]\n", "s.yaml")
    with pytest.raises(SpecError, match="unknown key 'inptu'") as info:
        root.mapping(allowed={"model", "input"})
    assert info.value.line == 2
    with pytest.raises(SpecError, match="missing required key 'input'"):
        root.mapping(allowed={"model", "inptu", "input"}, required={"input"})


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for tag in ("!!python/object/apply:os.system", "!!python/object/apply:subprocess.call"):
        spec = tmp_path / "evil.yaml"
        command = f"touch {marker}" if "os" in tag else f"[touch, {marker}]"
        spec.write_text(f"model: step-rnn\ninput: {tag} [\"{command}\"]\n")
        with pytest.raises(SpecError, match="YAML tag") as info:
            load_file(spec)
        assert info.value.line == 2
    spec.write_text("model: !!python/name:os.system\n")
    with pytest.raises(SpecError, match="YAML tag"):
        load_file(spec)
    assert not marker.exists()


def test_billion_laughs_is_refused_fast() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    start = time.perf_counter()
    err = error_of("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert "aliases" in err.message and err.line == 1


def test_deep_nesting_is_refused_not_a_crash() -> None:
    # libyaml's own composer segfaults on this (C recursion)
    depth = 100_000
    err = error_of("a: " + "[" * depth + "]" * depth + "\n")
    # our own limit, or (PyYAML >= 6.0.4) libyaml's parser refusing first: both say so
    assert (f"more than {MAX_DEPTH}" in err.message
            or "maximum nesting depth" in err.message) and err.line == 1
    ok = parse_text("a: " + "[" * 10 + "]" * 10 + "\n", "s.yaml")
    assert ok.is_mapping


def test_implicit_timestamps_stay_text() -> None:
    root = parse_text("name: 2024-01-01\n", "s.yaml")
    assert dict(root.items())["name"].text() == "2024-01-01"


def test_load_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_file(tmp_path / "missing.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"model: step-rnn\nname: caf\xe9\n")
    with pytest.raises(SpecError, match="not UTF-8") as info:
        load_file(bad)
    assert info.value.line == 2 and info.value.path == str(bad)


def test_node_text_refuses_collections() -> None:
    root = parse_text("a: [1]\n", "s.yaml")
    node: Node = dict(root.items())["a"]
    with pytest.raises(SpecError, match="expected a single value, found a list"):
        node.text()


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # load_file's job; tested above
    try:
        root = parse_text(text, "junk.yaml")
    except SpecError as err:
        assert err.path == "junk.yaml" and err.message
    else:
        assert root.is_mapping


@settings(deadline=None, max_examples=100)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!? \n\"'#|>%@`1.")), max_size=80))
def test_yaml_like_junk_never_crashes(text: str) -> None:
    try:
        root = parse_text(text, "junk.yaml")
    except SpecError as err:
        assert err.message
    else:
        assert root.is_mapping
        list(root.items())  # may raise SpecError for duplicate keys, nothing else


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)  # reading it would block forever: nobody writes
    with pytest.raises(SpecError, match="not a regular file"):
        load_file(fifo)
    with pytest.raises(SpecError, match="this is a directory, not a spec file; `verify check "
                                        "DIR` searches"):
        load_file(tmp_path)
