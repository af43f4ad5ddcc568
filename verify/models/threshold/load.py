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

import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from verify.errors import SpecError
from verify.input.exact import Series, parse_number
from verify.input.ineq import parse_inequality
from verify.models.threshold.model_keys import (
    THRESHOLD_KEYS,
    THRESHOLD_WITNESS_KEYS,
    refuse_foreign,
)
from verify.models.threshold.spec import PARAMS, Claim, Inequality, RnnSpec, Sequence, StepKind
from verify.input.yamldoc import Node, load_file

MODEL = "step-rnn"
TOP_KEYS = {"name", "description", "model", "step", "s0", "input", "output", "sequences",
            "claim"}
SEQUENCE_KEYS = {"name", "input", "output", "s0"}
CLAIM_KEYS = {"realizable", "witness", "because"}
MAX_DATA_BYTES = 512 * 2**20
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQUENCE_HINT = ('write a list such as [0, 1, 0.5], a string of digits such as "0101", '
                  "or {file: name.npy | name.csv | name.txt}")


def load_rnn_path(path: str) -> RnnSpec:
    """Read, compose and validate a step-RNN spec file."""
    return load_rnn_spec(load_file(path))


def load_rnn_spec(root: Node) -> RnnSpec:
    """Validate a composed spec (a mapping) into an :class:`RnnSpec`."""
    refuse_foreign(root, THRESHOLD_KEYS, "threshold-rnn")
    fields = root.mapping(allowed=TOP_KEYS, required={"model"})
    model = _text(fields["model"])
    if model != MODEL:
        raise fields["model"].error(f"this loader reads 'model: {MODEL}' specs, not {model!r}")
    name = None
    if "name" in fields and not fields["name"].is_null:
        name = _text(fields["name"])
    if "description" in fields and not fields["description"].is_null:
        _text(fields["description"])
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
    return RnnSpec(path=root.path, name=name, model=model, step=step,
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
        for entry in entries:
            parts = entry.mapping(allowed=SEQUENCE_KEYS, required={"input", "output"})
            if "name" in parts and not parts["name"].is_null:
                _text(parts["name"])
            own_s0 = _s0(parts["s0"]) if "s0" in parts else s0
            out.append(_sequence(parts["input"], parts["output"], own_s0, entry.line, base))
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
    if len(outputs) != len(inputs):
        raise out.error(f"output has {len(outputs)} values but input has {len(inputs)}; "
                        "give exactly one output per input")
    return Sequence(inputs=inputs, outputs=outputs, s0=s0, line=line)


def _inputs(node: Node, base: Path) -> Series:
    if node.is_mapping:
        return _file_inputs(node, base)
    if node.is_sequence:
        return _input_list(node)
    return Series.from_ints(_digit_string(node, "input"))


def _outputs(node: Node, base: Path) -> np.ndarray:
    if node.is_mapping:
        return _file_outputs(node, base)
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
        texts.append(raw.value.strip())
    try:
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
    if text not in ("0", "1"):
        raise node.error(f"outputs must be 0 or 1, not {text[:40]!r}")
    return int(text)


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


# -- data files ---------------------------------------------------------------------------

def _data_path(node: Node, base: Path) -> tuple[Path, Node]:
    parts = node.mapping(allowed={"file"}, required={"file"})
    fnode = parts["file"]
    path = Path(_text(fnode))
    full = path if path.is_absolute() else base / path
    if not full.is_file():  # also refuses devices and FIFOs, which could block forever
        why = "does not exist" if not full.exists() else "is not a regular file"
        raise fnode.error(f"data file {str(full)!r} {why}; paths are relative to the "
                          "spec file's folder")
    if full.suffix.lower() not in (".npy", ".csv", ".txt"):
        raise fnode.error(f"unsupported data file {path.name!r}: use .npy, .csv or .txt")
    if full.stat().st_size > MAX_DATA_BYTES:
        raise fnode.error(f"data file {path.name!r} is larger than "
                          f"{MAX_DATA_BYTES // 2**20} MiB")
    return full, fnode


def _load_npy(full: Path, fnode: Node) -> np.ndarray:
    try:
        # allow_pickle=False: a .npy can otherwise carry pickled objects, i.e. code
        arr = np.load(full, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise fnode.error(f"cannot read {full.name!r} as a .npy array: "
                          f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                          ) from None
    if not isinstance(arr, np.ndarray):  # an .npz archive under a .npy name
        getattr(arr, "close", lambda: None)()
        raise fnode.error(f"{full.name!r} is not a single .npy array")
    if arr.ndim != 1:
        raise fnode.error(f"{full.name!r} has shape {arr.shape}; a sequence must be a 1-D "
                          "array (flatten it)")
    if arr.dtype.kind not in "biuf" or (arr.dtype.kind == "f" and arr.dtype.itemsize > 8):
        raise fnode.error(f"{full.name!r} holds {arr.dtype} values; use a bool, integer "
                          "or float (up to float64) array")
    return arr


def _file_inputs(node: Node, base: Path) -> Series:
    full, fnode = _data_path(node, base)
    if full.suffix.lower() == ".npy":
        arr = _load_npy(full, fnode)
        if arr.dtype.kind == "f":
            try:
                return Series.from_floats(arr)
            except ValueError as exc:
                raise fnode.error(f"{full.name!r}: {exc}") from None
        if arr.dtype == np.uint64 and arr.size and int(arr.max()) >= 2**63:
            return Series.from_fractions([Fraction(int(v)) for v in arr])
        return Series.from_ints(arr.astype(np.int64))
    digits = _single_digit_file(full, fnode)
    if digits is not None:
        return Series.from_ints(digits)
    text, tokens = _read_tokens(full, fnode)
    try:
        return Series.from_texts(tokens)
    except ValueError as exc:
        raise _token_error(fnode, full, text, str(exc)) from None


def _file_outputs(node: Node, base: Path) -> np.ndarray:
    full, fnode = _data_path(node, base)
    if full.suffix.lower() == ".npy":
        arr = _load_npy(full, fnode)
        bad = np.flatnonzero((arr != 0) & (arr != 1))
        if bad.size:
            i = int(bad[0])
            raise fnode.error(f"{full.name!r}: element {i + 1} is {arr[i]!r}; outputs "
                              "must be 0 or 1")
        return arr.astype(np.int8)
    digits = _single_digit_file(full, fnode)
    if digits is not None and (digits.size == 0 or int(digits.max()) <= 1):
        return digits.astype(np.int8)
    text, tokens = _read_tokens(full, fnode)
    if not set(tokens) <= {"0", "1"}:
        i = next(i for i, t in enumerate(tokens) if t not in ("0", "1"))
        raise _token_error(fnode, full, text,
                           f"element {i + 1} ({tokens[i][:40]!r}): outputs must be 0 or 1")
    return (np.frombuffer("".join(tokens).encode("ascii"), dtype=np.uint8) - 48
            ).astype(np.int8)


def _single_digit_file(full: Path, fnode: Node) -> np.ndarray | None:
    """Fast path (milliseconds for 10**6 values) for files such as ``0,1,1,0`` or one
    digit per line; None when the file holds anything else (the general reader decides)."""
    data = _read_bytes(full, fnode)
    if _digits_and_separators(data[:4096]) is None:
        return None  # decided by the first 4 KiB: no need to scan 10 MB of decimals
    digits = _digits_and_separators(data)
    if digits is None or _empty_field(data) is not None:
        return None  # the general reader reports an empty field
    return digits


def _digits_and_separators(data: bytes) -> np.ndarray | None:
    """The digits, if ``data`` is single digits separated by commas or whitespace."""
    raw = np.frombuffer(data, dtype=np.uint8)
    is_digit = (raw >= 48) & (raw <= 57)
    is_sep = (raw == 44) | (raw == 32) | (raw == 10) | (raw == 13) | (raw == 9)
    if not np.all(is_digit | is_sep) or np.any(is_digit[1:] & is_digit[:-1]):
        return None
    return raw[is_digit] - np.uint8(48)


def _empty_field(data: bytes) -> int | None:
    """Offset of a comma that opens or closes an empty field, if any."""
    stripped = data.strip()
    if stripped.startswith(b","):
        return data.index(b",")
    if stripped.endswith(b","):
        return data.rindex(b",")
    m = re.search(rb",[ \t\r\n]*,", data)  # \s* + \Z here would be quadratic-ish
    return m.end() - 1 if m else None


def _read_bytes(full: Path, fnode: Node) -> bytes:
    try:
        data = full.read_bytes()
    except OSError as exc:
        raise fnode.error(f"cannot read {full.name!r}: {exc.strerror or exc}") from None
    return data.removeprefix(b"\xef\xbb\xbf")  # spreadsheets often save a UTF-8 BOM


def _read_tokens(full: Path, fnode: Node) -> tuple[str, list[str]]:
    """Numbers separated by commas and/or whitespace; an empty field is an error."""
    data = _read_bytes(full, fnode)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise fnode.error(f"{full.name!r} line {line} is not UTF-8 text; a data file "
                          "holds numbers separated by commas or whitespace") from None
    empty = _empty_field(data)
    if empty is not None:
        line = data.count(b"\n", 0, empty) + 1
        raise fnode.error(f"{full.name!r} line {line}: empty field (two commas with nothing "
                          "between them, or a comma at the start or end)")
    return text, text.replace(",", " ").split()


def _token_error(fnode: Node, full: Path, text: str, message: str) -> SpecError:
    m = re.match(r"element (\d+)", message)
    where = ""
    if m:
        k = int(m.group(1))
        for j, tok in enumerate(re.finditer(r"[^,\s]+", text), start=1):
            if j == k:
                where = f" line {text.count(chr(10), 0, tok.start()) + 1}"
                break
    return fnode.error(f"{full.name!r}{where}: {message}")


# -- scalars ------------------------------------------------------------------------------

def _text(node: Node) -> str:
    if not node.is_scalar:
        raise node.error(f"expected a single value, found a {node.kind_name()}")
    if node.is_null:
        raise node.error("expected a value, found nothing")
    return node.text()


def _s0(node: Node) -> int | None:
    text = node.text().strip() if node.is_scalar and not node.is_null else None
    if node.raw.tag == _BOOL or text not in ("0", "1", "free"):
        shown = text if text is not None else node.kind_name()
        raise node.error(f"s0 must be 0, 1 or free (found {shown!r}); free lets the "
                         "solver choose the initial state")
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
