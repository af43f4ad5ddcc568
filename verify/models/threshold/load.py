"""Stage: spec (part 5). Turn a composed ``model: step-rnn`` spec into an :class:`RnnSpec`.

Trusted: the checker re-checks every answer against what this module produces, so a
misread here could not be caught later; hence exact text parsing and strict
validation of untrusted input, once. Every later stage may assume lengths match,
outputs are 0/1 and numbers are exact and finite. Every refusal is a
:class:`SpecError` naming the file, line and key and saying what to write instead.
Numbers are read from their YAML source text (``0.1`` is exactly 1/10); sequences
written as digit strings or integer files take numpy fast paths, because they may be
a million steps long.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from verify.errors import SpecError
from verify.input import limits
from verify.input.datafiles import read_bits, read_numbers
from verify.input.exact import Series, parse_number
from verify.input.ineq import Inequality, parse_inequality
from verify.input.limits import MAX_STEPS
from verify.input.yamldoc import Node, load_file
from verify.models.threshold.model_keys import (
    THRESHOLD_KEYS,
    THRESHOLD_WITNESS_KEYS,
    refuse_foreign,
)
from verify.models.threshold.spec import PARAMS, Claim, RnnSpec, Sequence, StepKind

MODEL = "step-rnn"
TOP_KEYS = {"name", "description", "model", "step", "s0", "input", "output", "sequences",
            "claim"}
SEQUENCE_KEYS = {"name", "input", "output", "s0"}
CLAIM_KEYS = {"realizable", "witness", "because"}
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQUENCE_HINT = ('write a list such as [0, 1, 0.5], a string of digits such as "0101", '
                  "or {file: name.npy | name.csv | name.txt}")


def load_rnn_path(path: str) -> RnnSpec:
    """Read, compose and validate a step-RNN spec file."""
    return load_rnn_spec(load_file(path))


def open_spec(root: Node, model: str, allowed: set[str], foreign: dict[str, str],
              other_model: str) -> tuple[dict[str, Node], str | None]:
    """The checks every threshold-model spec starts with: keys of the other model named as
    such, only ``allowed`` keys, the right ``model:``; returns the fields and the name
    (``description`` is read and checked, then ignored)."""
    refuse_foreign(root, foreign, other_model)
    fields = root.mapping(allowed=allowed, required={"model"})
    found = _text(fields["model"])
    if found != model:
        raise fields["model"].error(f"this loader reads 'model: {model}' specs, not {found!r}")
    name = None
    if "name" in fields and not fields["name"].is_null:
        name = _text(fields["name"])
    if "description" in fields and not fields["description"].is_null:
        _text(fields["description"])
    return fields, name


def load_rnn_spec(root: Node) -> RnnSpec:
    """Validate a composed spec (a mapping) into an :class:`RnnSpec`."""
    fields, name = open_spec(root, MODEL, TOP_KEYS, THRESHOLD_KEYS, "threshold-rnn")
    step = StepKind.STRICT
    if "step" in fields:
        word = _text(fields["step"])
        if word not in {k.value for k in StepKind}:
            raise fields["step"].error(
                f"step must be strict (step(z) = 1 iff z > 0) or nonstrict (iff z >= 0), "
                f"not {word!r}")
        step = StepKind(word)
    s0 = _s0(fields["s0"]) if "s0" in fields else 0
    base = Path(root.path).parent
    sequences = _sequences(root, fields, s0, base)
    claim = _claim(fields["claim"], len(sequences)) if "claim" in fields else None
    return RnnSpec(path=root.path, name=name, model=MODEL, step=step,
                   sequences=tuple(sequences), claim=claim)


# -- sequences ----------------------------------------------------------------------------

def _sequences(root: Node, fields: dict[str, Node], s0: int | None,
               base: Path) -> list[Sequence]:
    top = [k for k in ("input", "output") if k in fields]
    if "sequences" in fields:
        if top:
            raise fields[top[0]].error(
                "give either top-level input/output (one example) or 'sequences:' "
                "(several examples), not both")
        entries = fields["sequences"].elements() if not fields["sequences"].is_null else []
        if not entries:
            raise fields["sequences"].error(
                "sequences is empty; give at least one {input: ..., output: ...}")
        out = []
        steps = 0
        for entry in entries:
            parts = entry.mapping(allowed=SEQUENCE_KEYS, required={"input", "output"})
            if "name" in parts and not parts["name"].is_null:
                _text(parts["name"])
            own_s0 = _s0(parts["s0"]) if "s0" in parts else s0
            out.append(_sequence(parts["input"], parts["output"], own_s0, entry.line, base))
            steps += len(out[-1].outputs)
            if steps > MAX_STEPS:
                raise entry.error(f"the sequences have more than {MAX_STEPS:,} steps in all; "
                                  "that is the limit per spec")
        return out
    if len(top) < 2:
        missing = "input" if "input" not in fields else "output"
        raise root.error(f"missing required key {missing!r}: give input: and output: "
                         "(or a 'sequences:' list of them)", key=missing)
    return [_sequence(fields["input"], fields["output"], s0, fields["input"].line, base)]


def _sequence(inp: Node, out: Node, s0: int | None, line: int, base: Path) -> Sequence:
    inputs = _inputs(inp, base)
    outputs = _outputs(out, base)
    if len(inputs) == 0:
        raise inp.error("the input sequence is empty; give at least one value")
    if len(inputs) > MAX_STEPS:
        raise inp.error(f"{len(inputs):,} steps; at most {MAX_STEPS:,} per spec")
    if len(outputs) != len(inputs):
        raise out.error(f"output has {len(outputs)} values but input has {len(inputs)}; "
                        "give exactly one output per input")
    return Sequence(inputs=inputs, outputs=outputs, s0=s0, line=line)


def _inputs(node: Node, base: Path) -> Series:
    if node.is_mapping:
        return read_numbers(node, base)
    if node.is_sequence:
        return _input_list(node)
    return Series.from_ints(_digit_string(node, "input"))


def _outputs(node: Node, base: Path) -> np.ndarray:
    if node.is_mapping:
        return read_bits(node, base)
    if node.is_sequence:
        return _output_list(node)
    digits = _digit_string(node, "output")
    if digits.size and int(digits.max()) > 1:
        i = int(np.flatnonzero(digits > 1)[0])
        raise node.error(f"character {i + 1} of the output string is {int(digits[i])}; "
                         "outputs are 0 or 1")
    return digits.astype(np.int8)


def _digit_string(node: Node, what: str) -> np.ndarray:
    """``"0001010"`` (whitespace ignored) as uint8 digit values, without Python lists."""
    if node.is_null:
        raise node.error(f"{what} is empty; {_SEQUENCE_HINT}")
    if node.raw.tag == _BOOL:
        raise node.error(f"{what} is a boolean ({node.text()}); {_SEQUENCE_HINT}")
    text = node.text()
    digits = _ascii_digits(text)
    if digits is None:
        text = "".join(text.split())
        digits = _ascii_digits(text)
    if not text:
        raise node.error(f"{what} is empty; {_SEQUENCE_HINT}")
    if digits is None:
        raise node.error(f"{what} must be a sequence, not the single value {text[:40]!r}; "
                         f"{_SEQUENCE_HINT}")
    return digits


def _ascii_digits(text: str) -> np.ndarray | None:
    if not text.isascii():  # O(1) in CPython
        return None
    # bytes below "0" wrap around to large values, so one max() finds any non-digit
    digits = np.frombuffer(text.encode("ascii"), dtype=np.uint8) - np.uint8(48)
    return digits if digits.size == 0 or int(digits.max()) <= 9 else None


def _input_list(node: Node) -> Series:
    raws = node.raw.value
    texts: list[str] = []
    for i, raw in enumerate(raws):
        if not isinstance(raw.value, str) or raw.tag in (_BOOL, _NULL):
            _number(_element(node, i))  # raises the precise error
        if raw.style and len(raw.value) > 1 and raw.value.isdigit():
            raise _quoted_digits(_element(node, i))
        texts.append(raw.value.strip())
    try:
        with limits.recharge():  # the slow path below charges the same numbers again
            return Series.from_texts(texts)
    except ValueError:
        pass
    # Slow path: find the element at fault (with its line), or accept texts that
    # parse_number allows but the token grammar does not (such as "1 / 3").
    return Series.from_fractions([_number(_element(node, i)) for i in range(len(raws))])


def _output_list(node: Node) -> np.ndarray:
    raws = node.raw.value
    texts = [raw.value if isinstance(raw.value, str) else None for raw in raws]
    if set(texts) <= {"0", "1"}:
        joined = "".join(texts)  # type: ignore[arg-type]
        return (np.frombuffer(joined.encode("ascii"), dtype=np.uint8) - 48).astype(np.int8)
    return np.array([_output_value(_element(node, i)) for i in range(len(raws))],
                    dtype=np.int8)


def _element(node: Node, i: int) -> Node:
    return Node(node.raw.value[i], node.path, f"{node.key}[{i}]")


def _output_value(node: Node) -> int:
    if node.is_sequence or node.is_mapping:
        raise node.error("nested lists are not allowed: outputs are a flat list of 0 and 1")
    if node.raw.tag == _BOOL:
        raise node.error(f"write 1 or 0, not {node.text()} (outputs are the numbers 0 and 1)")
    text = node.text().strip()
    if node.raw.style and len(text) > 1 and text.isdigit():
        raise _quoted_digits(node)
    if text not in ("0", "1"):
        raise node.error(f"outputs must be 0 or 1, not {text[:40]!r}")
    return int(text)


def _quoted_digits(node: Node) -> SpecError:
    """``["01", "10"]``: the numbers 1 and 10, or the digits of two strings? Not guessed."""
    text = node.text()
    return node.error(
        f'the quoted "{text}" inside a list is ambiguous (the number {int(text)}, or the '
        f'digits {", ".join(text)}?): inside a list write numbers unquoted, e.g. '
        f'[{", ".join(text)}], or give the whole sequence as one string, e.g. "{text}"')


def _number(node: Node) -> Fraction:
    """One exact number from its source text; booleans, nulls and lists are refused."""
    if node.is_sequence or node.is_mapping:
        raise node.error(f"expected a number, found a {node.kind_name()} "
                         "(nested lists are not allowed)")
    if node.is_null:
        raise node.error("expected a number, found nothing")
    if node.raw.tag == _BOOL:
        raise node.error(f"expected a number, found the boolean {node.text()}")
    try:
        return parse_number(node.text())
    except ValueError as exc:
        raise node.error(str(exc)) from None


# -- scalars ------------------------------------------------------------------------------

def _text(node: Node) -> str:
    if not node.is_scalar:
        raise node.error(f"expected a single value, found a {node.kind_name()}")
    if node.is_null:
        raise node.error("expected a value, found nothing")
    return node.text()


def _s0(node: Node, hint: str = "; free lets the solver choose the initial state"
        ) -> int | None:
    """0, 1 or free (None); ``hint`` ends the message for anything else."""
    text = node.text().strip() if node.is_scalar and not node.is_null else None
    if node.raw.tag == _BOOL or text not in ("0", "1", "free"):
        shown = text if text is not None else node.kind_name()
        raise node.error(f"s0 must be 0, 1 or free (found {shown!r}){hint}")
    return None if text == "free" else int(text)


def _bool(node: Node) -> bool:
    if node.raw.tag == _BOOL and node.text().lower() in ("true", "false"):
        return node.text().lower() == "true"
    shown = node.text() if node.is_scalar else node.kind_name()
    raise node.error(f"expected true or false, found {shown!r}")


# -- claim --------------------------------------------------------------------------------

def _claim(node: Node, n_sequences: int) -> Claim:
    if node.is_null:
        raise node.error("claim is empty; give realizable: true or false (with a witness "
                         "or a because list, if you like)")
    parts = node.mapping(allowed=CLAIM_KEYS)
    realizable = _bool(parts["realizable"]) if "realizable" in parts else None
    witness = witness_s0 = because = None
    if "witness" in parts:
        if realizable is False:
            raise parts["witness"].error("a witness shows realizability, but the claim says "
                                         "realizable: false; drop one of them")
        witness, witness_s0 = _witness(parts["witness"], n_sequences)
        realizable = True
    if "because" in parts:
        if realizable is True:
            raise parts["because"].error(
                "'because' argues unrealizability, but the claim says realizable"
                f"{': true' if 'witness' not in parts else ' (it has a witness)'}; "
                "drop one of them")
        because = _because(parts["because"])
        realizable = False
    if realizable is None:
        raise node.error("the claim needs 'realizable: true' or 'realizable: false'",
                         key=f"{node.key}.realizable")
    return Claim(realizable=realizable, witness=witness, witness_s0=witness_s0,
                 because=because, line=node.line)


def _witness(node: Node, n_sequences: int) -> tuple[dict[str, Fraction], tuple[int, ...] | None]:
    refuse_foreign(node, THRESHOLD_WITNESS_KEYS, "threshold-rnn")
    parts = node.mapping(allowed={*PARAMS, "s0"}, required=set(PARAMS))
    values = {p: _number(parts[p]) for p in PARAMS}
    if "s0" not in parts:
        return values, None
    s0node = parts["s0"]
    if s0node.is_sequence:
        entries = s0node.elements()
        if len(entries) != n_sequences:
            raise s0node.error(f"witness s0 lists {len(entries)} values for {n_sequences} "
                               "sequences; give one per sequence (or a single 0 or 1)")
        return values, tuple(_witness_s0(e) for e in entries)
    return values, (_witness_s0(s0node),) * n_sequences


def _witness_s0(node: Node) -> int:
    text = node.text().strip() if node.is_scalar and node.raw.tag != _BOOL else None
    if text not in ("0", "1"):
        raise node.error("a witness fixes s0 to 0 or 1 (leave s0 out to let the spec's "
                         "s0 stand)")
    return int(text)


def _because(node: Node) -> tuple[Inequality, ...]:
    entries = node.elements() if node.is_sequence else [node]
    if not entries or node.is_null:
        raise node.error('because is empty; list inequalities such as "w1 + b > 0"')
    out = []
    for entry in entries:
        text = _text(entry)
        out.append(parse_inequality(text, params=PARAMS, line=entry.line, path=entry.path,
                                    key=entry.key))
    return tuple(out)
