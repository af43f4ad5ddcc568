"""Stage: spec (input). Data files a spec names with ``{file: name.npy | name.csv | name.txt}``.

Trusted in the same sense as the loaders that call it: the checker re-checks answers
against what is read here, so it reads exactly and refuses anything doubtful, naming
the file key. Three readers, one per shape of data:

- :func:`read_numbers`: a 1-D series of exact numbers (a :class:`Series`);
- :func:`read_bits`: a 1-D series of 0/1 outputs (an ``int8`` array);
- :func:`read_table`: a 2-D table of exact numbers for vector inputs, rows = time steps,
  columns = entries (a :class:`Table`): a 2-D ``.npy`` or a ``.csv``/``.txt`` with one
  row per line.

``.npy`` float arrays are taken as their exact binary values; ``.csv``/``.txt`` hold
numbers separated by commas and/or whitespace, read exactly from their text (``0.1``
is 1/10). Files of single digits take numpy fast paths (a million steps in milliseconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from verify.errors import SpecError
from verify.input.exact import Series
from verify.input.yamldoc import Node

MAX_DATA_BYTES = 512 * 2**20
SUFFIXES = (".npy", ".csv", ".txt")


@dataclass(frozen=True)
class Table:
    """A 2-D table of exact numbers, rows = time steps, columns = entries, stored as one
    row-major :class:`Series` (``flat``) of ``rows * cols`` values."""

    flat: Series
    rows: int
    cols: int

    @property
    def approx(self) -> np.ndarray:
        """The float64 shadow, shape (rows, cols), ordered like the exact values."""
        return self.flat.approx.reshape(self.rows, self.cols)

    def exact(self, t: int, j: int) -> Fraction:
        return self.flat.exact(t * self.cols + j)

    def row(self, t: int) -> tuple[Fraction, ...]:
        return tuple(self.flat.exact(t * self.cols + j) for j in range(self.cols))

    def exact_rows(self) -> tuple[tuple[Fraction, ...], ...]:
        return tuple(self.row(t) for t in range(self.rows))

    def column(self, j: int) -> Series:
        """Entry ``j`` of every row, as a 1-D series."""
        flat, cols = self.flat, self.cols
        ints = None if flat.ints is None else flat.ints.reshape(self.rows, cols)[:, j]
        return Series(self.approx[:, j], lambda t: flat.exact(t * cols + j), ints)


# -- public readers -----------------------------------------------------------------------

def data_path(node: Node, base: Path) -> tuple[Path, Node]:
    """The file a ``{file: ...}`` mapping names (relative to ``base``, the spec's folder),
    after checking it is a regular file of a known kind and size; and the ``file`` node,
    for error messages."""
    parts = node.mapping(allowed={"file"}, required={"file"})
    fnode = parts["file"]
    if not fnode.is_scalar:
        raise fnode.error(f"expected a single value, found a {fnode.kind_name()}")
    if fnode.is_null:
        raise fnode.error("expected a value, found nothing")
    path = Path(fnode.text())
    full = path if path.is_absolute() else base / path
    if not full.is_file():  # also refuses devices and FIFOs, which could block forever
        why = "does not exist" if not full.exists() else "is not a regular file"
        raise fnode.error(f"data file {str(full)!r} {why}; paths are relative to the "
                          "spec file's folder")
    if full.suffix.lower() not in SUFFIXES:
        raise fnode.error(f"unsupported data file {path.name!r}: use .npy, .csv or .txt")
    if full.stat().st_size > MAX_DATA_BYTES:
        raise fnode.error(f"data file {path.name!r} is larger than "
                          f"{MAX_DATA_BYTES // 2**20} MiB")
    return full, fnode


def read_numbers(node: Node, base: Path) -> Series:
    """A 1-D series of exact numbers from the file ``node`` (``{file: ...}``) names."""
    full, fnode = data_path(node, base)
    if full.suffix.lower() == ".npy":
        arr = _load_npy(full, fnode, ndim=1)
        return _npy_series(arr, full, fnode)
    digits = _single_digit_file(full, fnode)
    if digits is not None:
        return Series.from_ints(digits)
    text, tokens = _read_tokens(full, fnode)
    try:
        return Series.from_texts(tokens)
    except ValueError as exc:
        raise _token_error(fnode, full, text, str(exc)) from None


def read_bits(node: Node, base: Path) -> np.ndarray:
    """A 1-D series of 0/1 outputs (``int8``) from the file ``node`` names."""
    full, fnode = data_path(node, base)
    if full.suffix.lower() == ".npy":
        arr = _load_npy(full, fnode, ndim=1)
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


def read_table(node: Node, base: Path) -> Table:
    """A 2-D table of exact numbers (rows = steps, columns = entries) from the file
    ``node`` names: a 2-D ``.npy`` (a 1-D one is a single column), or a ``.csv``/``.txt``
    with one row per non-blank line, every row with the same number of entries."""
    full, fnode = data_path(node, base)
    if full.suffix.lower() == ".npy":
        arr = _load_npy(full, fnode, ndim=2)
        table = arr.reshape(arr.shape[0], -1) if arr.ndim == 2 else arr.reshape(-1, 1)
        flat = _npy_series(np.ascontiguousarray(table).reshape(-1), full, fnode)
        return Table(flat, int(table.shape[0]), int(table.shape[1]))
    text, tokens = _read_tokens(full, fnode)
    widths = [len(line.replace(",", " ").split()) for line in text.splitlines()]
    widths = [w for w in widths if w]
    cols = widths[0] if widths else 0
    for r, w in enumerate(widths):
        if w != cols:
            raise fnode.error(f"{full.name!r}: row {r + 1} has {w} entries but row 1 has "
                              f"{cols}; give every row (line) the same number of entries")
    try:
        flat = Series.from_texts(tokens)
    except ValueError as exc:
        raise _token_error(fnode, full, text, str(exc)) from None
    return Table(flat, len(widths), cols)


# -- .npy -----------------------------------------------------------------------------

def _load_npy(full: Path, fnode: Node, *, ndim: int) -> np.ndarray:
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
    if arr.ndim != 1 and not (ndim == 2 and arr.ndim == 2):
        want = ("a sequence must be a 1-D array (flatten it)" if ndim == 1 else
                "vector inputs are a 2-D array, one row per step")
        raise fnode.error(f"{full.name!r} has shape {arr.shape}; {want}")
    if arr.dtype.kind not in "biuf" or (arr.dtype.kind == "f" and arr.dtype.itemsize > 8):
        raise fnode.error(f"{full.name!r} holds {arr.dtype} values; use a bool, integer "
                          "or float (up to float64) array")
    return arr


def _npy_series(arr: np.ndarray, full: Path, fnode: Node) -> Series:
    if arr.dtype.kind == "f":
        try:
            return Series.from_floats(arr)
        except ValueError as exc:
            raise fnode.error(f"{full.name!r}: {exc}") from None
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) >= 2**63:
        return Series.from_fractions([Fraction(int(v)) for v in arr])
    return Series.from_ints(arr.astype(np.int64))


# -- .csv / .txt --------------------------------------------------------------------------

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
