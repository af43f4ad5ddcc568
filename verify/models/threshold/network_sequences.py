"""Stage: spec. The ``sequences:`` of a threshold-rnn spec: input and output vectors.

Part of the loader (:mod:`verify.models.threshold.network_load`). An input is a list with
one vector per step, each a digit string (``"01"``: x = (0, 1)) or a list of numbers; a
single digit string stands for a one-input sequence (``"0110"``); ``{file: x.npy}`` holds
a (T, d) array (or a 1-D one when d = 1), ``.csv``/``.txt`` one step per line. Outputs
are the same with entries 0, 1 or ``?``. Long digit-string lists take a NumPy path.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

from verify.input.datafiles import Table, read_table
from verify.input.vectors import OutputTable, VectorSeries
from verify.input.yamldoc import Node
from verify.models.threshold.load import _BOOL, _element, _number, _text
from verify.models.threshold.network import DONT_CARE, NetSequence

SEQUENCE_KEYS = {"name", "input", "output", "s0"}
_HINT = ('one vector per step: a digit string such as "01" or a list of numbers such as '
         "[0.5, -1]; or {file: name.npy | name.csv | name.txt}")


def load_sequences(node: Node, declared: int | None, outputs: int,
                   s0: tuple[int | None, ...], base: Path,
                   read_s0: Callable[[Node], tuple[int | None, ...]]
                   ) -> tuple[tuple[NetSequence, ...], int]:
    """The examples, and d (declared, or taken from the first input vector)."""
    entries = node.elements() if not node.is_null else []
    if not entries:
        raise node.error("sequences is empty; give at least one {input: ..., output: ...}")
    out = []
    d = declared
    for entry in entries:
        parts = entry.mapping(allowed=SEQUENCE_KEYS, required={"input", "output"})
        if "name" in parts and not parts["name"].is_null:
            _text(parts["name"])
        own = read_s0(parts["s0"]) if "s0" in parts else s0
        inputs = read_inputs(parts["input"], d, base)
        d = inputs.width
        outs = read_outputs(parts["output"], outputs, base)
        if len(inputs) == 0:
            raise parts["input"].error("the input sequence is empty; give at least one step")
        if len(outs) != len(inputs):
            raise parts["output"].error(
                f"output has {len(outs)} steps but input has {len(inputs)}; give exactly "
                "one output vector per input vector")
        # VectorSeries / OutputTable behave as the contract's tuples of tuples (lazily)
        out.append(NetSequence(inputs=inputs, outputs=outs, s0=own,  # type: ignore[arg-type]
                               line=entry.line))
    assert d is not None
    return tuple(out), d


# -- inputs ---------------------------------------------------------------------------------

def read_inputs(node: Node, d: int | None, base: Path) -> VectorSeries:
    if node.is_mapping:
        return _file_inputs(node, d, base)
    if node.is_scalar:
        digits = _digits(node, "input")
        _width(node, 1, d, "input")
        return VectorSeries.from_ints(digits.reshape(-1, 1))
    raws = node.raw.value
    fast = _digit_rows(node)
    if fast is not None:
        _width(node, fast.shape[1] if len(fast) else (d or 1), d, "input", first=True)
        return VectorSeries.from_ints(fast)
    rows = []
    for i in range(len(raws)):
        e = _element(node, i)
        vec = _number_vector(e)
        d = _width(e, len(vec), d, "input")
        rows.append(vec)
    return VectorSeries.from_rows(rows, d or 1)


def _number_vector(node: Node) -> list[Fraction]:
    if node.is_sequence:
        return [_number(e) for e in node.elements()]
    if node.is_scalar and node.raw.tag != _BOOL and not node.is_null:
        text = node.text().strip()
        if text.isascii() and text.isdigit():
            return [Fraction(int(c)) for c in text]
    return [_number(node)]  # one number: a one-input step (errors name the element)


def _digit_rows(node: Node) -> np.ndarray | None:
    """Every element a digit string of one length: a (T, d) int array, else None."""
    raws = node.raw.value
    texts = [r.value if isinstance(r.value, str) and r.tag != "tag:yaml.org,2002:bool"
             else None for r in raws]
    if not texts or None in texts:
        return None
    width = len(texts[0])  # type: ignore[arg-type]
    if width == 0 or any(len(t) != width for t in texts):  # type: ignore[arg-type]
        return None
    joined = "".join(texts)  # type: ignore[arg-type]
    if not joined.isascii():
        return None
    digits = np.frombuffer(joined.encode("ascii"), dtype=np.uint8) - np.uint8(48)
    if int(digits.max()) > 9:
        return None
    return digits.astype(np.int64).reshape(len(texts), width)


def _width(node: Node, got: int, want: int | None, what: str, first: bool = False) -> int:
    if want is not None and got != want:
        where = f"{what} vectors have" if first else f"this {what} vector has"
        raise node.error(f"{where} {got} entries, but each {what} needs {want} "
                         f"({'inputs' if what == 'input' else 'outputs'}: {want})")
    return got


def _digits(node: Node, what: str) -> np.ndarray:
    text = "".join(_text(node).split()) if node.raw.tag != _BOOL else ""
    if not text or not text.isascii() or not text.isdigit():
        raise node.error(f"{what} must be a list with {_HINT}")
    return (np.frombuffer(text.encode("ascii"), dtype=np.uint8) - 48).astype(np.int64)


def _file_inputs(node: Node, d: int | None, base: Path) -> VectorSeries:
    table = read_table(node, base)
    _width(node, table.cols, d, "input", first=True)
    return vector_series(table)


def vector_series(table: Table) -> VectorSeries:
    """A data file's table as a :class:`VectorSeries` (no copy of the exact values)."""
    flat = table.flat
    ints = None if flat.ints is None else flat.ints.reshape(table.rows, table.cols)
    return VectorSeries(table.approx, table.row, ints)


# -- outputs --------------------------------------------------------------------------------

_OUT = {"0": 0, "1": 1, "?": DONT_CARE}


def read_outputs(node: Node, m: int, base: Path) -> OutputTable:
    if node.is_mapping:
        return _file_outputs(node, m, base)
    if node.is_scalar:
        text = "".join(_text(node).split()) if node.raw.tag != _BOOL else ""
        vals = [_OUT.get(c) for c in text]
        if not text or None in vals:
            raise node.error('output must be a list with one vector per step, entries 0, 1 '
                             'or ? (e.g. ["01", "1?"]), or one string such as "01?1"')
        _width(node, 1, m, "output")
        return OutputTable(np.array(vals, dtype=np.int8).reshape(-1, 1))
    rows = []
    for i in range(len(node.raw.value)):
        e = _element(node, i)
        vec = _output_vector(e)
        _width(e, len(vec), m, "output")
        rows.append(vec)
    return OutputTable(np.array(rows, dtype=np.int8).reshape(len(rows), m))


def _output_vector(node: Node) -> list[int]:
    entries = node.elements() if node.is_sequence else None
    if entries is None:
        if node.raw.tag == _BOOL or node.is_null or node.is_mapping:
            raise node.error("an output vector is a string such as \"01?\" or a list of 0, 1 "
                             "and ?")
        text = node.text().strip()
        vals = [_OUT.get(c) for c in text]
        if not text or None in vals:
            raise node.error(f"output entries are 0, 1 or ? (any value), not {text[:40]!r}")
        return vals  # type: ignore[return-value]
    out = []
    for e in entries:
        word = e.text().strip() if e.is_scalar and e.raw.tag != _BOOL else ""
        if word not in _OUT:
            raise e.error("output entries are 0, 1 or ? (any value is fine there)")
        out.append(_OUT[word])
    return out


def _file_outputs(node: Node, m: int, base: Path) -> OutputTable:
    table = read_table(node, base)
    _width(node, table.cols, m, "output", first=True)
    values = table.approx
    ok = (values == 0) | (values == 1)
    if not ok.all():  # (the position is looked for only then: a 10^6-step file is fine)
        i, j = (int(v) for v in np.argwhere(~ok)[0])
        raise node.error(f"the output file's step {i + 1}, entry {j} is {table.exact(i, j)}; "
                         "outputs in data files are 0 or 1")
    return OutputTable(values.astype(np.int8))
