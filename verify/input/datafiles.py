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
import stat
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from verify.errors import SpecError
from verify.input import limits
from verify.input.exact import Series
from verify.input.limits import MAX_DATA_BYTES, MAX_STEPS
from verify.input.yamldoc import Node

SUFFIXES = (".npy", ".csv", ".txt")
MAX_NAME_CHARS = 255


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

@dataclass(frozen=True)
class DataFile:
    """A data file, resolved: ``full`` is its real path (symlinks followed), ``node`` the
    ``file`` key (for errors), ``inside`` whether it lies in the spec's folder. Messages
    quote contents only of files inside it, and then only a short sanitized prefix."""

    full: Path
    node: Node
    name: str  # as the spec wrote it, shortened and sanitized for messages
    inside: bool


def data_path(node: Node, base: Path) -> DataFile:
    """The file a ``{file: ...}`` mapping names, relative to ``base`` (the spec's folder).

    Refused (SpecError on the ``file`` key): names that are not short text, files that do
    not exist, resolve outside the spec's folder (by ``..``, an absolute path or a symlink)
    unless ``--allow-outside-data``, are not regular files (devices, FIFOs, folders), have
    an unknown suffix or exceed MAX_DATA_BYTES. The file's contents are never quoted here.
    """
    parts = node.mapping(allowed={"file"}, required={"file"})
    fnode = parts["file"]
    if not fnode.is_scalar:
        raise fnode.error(f"expected a single value, found a {fnode.kind_name()}")
    if fnode.is_null:
        raise fnode.error("expected a value, found nothing")
    text = fnode.text()
    name = _sanitize(text, 60)
    if len(text) > MAX_NAME_CHARS or "\x00" in text:
        raise fnode.error(f"data file name {name} is too long or not a file name; give a "
                          f"path of at most {MAX_NAME_CHARS} characters")
    path = Path(text)
    if path.suffix.lower() not in SUFFIXES:
        raise fnode.error(f"unsupported data file {name}: use .npy, .csv or .txt")
    full = path if path.is_absolute() else base / path
    try:
        # outside first, existing or not: the answer must not tell what exists elsewhere
        real = full.resolve()
        inside = real.is_relative_to(base.resolve())
    except (OSError, RuntimeError):  # a loop of symlinks, a name too long
        raise fnode.error(f"data file {name} cannot be resolved to a file") from None
    if not inside and not limits.allow_outside_data():
        raise fnode.error(f"data file {name} lies outside the spec's folder (through '..', "
                          "an absolute path or a symbolic link); move it beside the spec, "
                          "or pass --allow-outside-data")
    try:
        info = real.stat()
    except OSError:
        raise fnode.error(f"data file {name} does not exist; paths are relative to the "
                          "spec file's folder") from None
    if not stat.S_ISREG(info.st_mode):  # devices and FIFOs could block or never end
        raise fnode.error(f"data file {name} is not a regular file; paths are relative to "
                          "the spec file's folder")
    if info.st_size > MAX_DATA_BYTES:
        raise fnode.error(f"data file {name} is larger than {MAX_DATA_BYTES // 2**20} MiB "
                          f"(at most {MAX_STEPS:,} steps per spec)")
    return DataFile(real, fnode, name, inside)


def _sanitize(text: str, limit: int = 24) -> str:
    """A short, printable, quoted rendering of untrusted text for messages."""
    shown = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return repr(shown + ("…" if len(text) > limit else ""))


def read_numbers(node: Node, base: Path) -> Series:
    """A 1-D series of exact numbers from the file ``node`` (``{file: ...}``) names."""
    f = data_path(node, base)
    if f.full.suffix.lower() == ".npy":
        return _npy_series(_load_npy(f, ndim=1), f)
    data = _read_bytes(f)
    digits = _single_digits(data)
    if digits is not None:
        return Series.from_ints(digits)
    text, tokens = _tokens(data, f)
    try:
        return Series.from_texts(tokens)
    except ValueError as exc:
        raise _token_error(f, text, str(exc)) from None


def read_bits(node: Node, base: Path) -> np.ndarray:
    """A 1-D series of 0/1 outputs (``int8``) from the file ``node`` names."""
    f = data_path(node, base)
    if f.full.suffix.lower() == ".npy":
        arr = _load_npy(f, ndim=1)
        bad = np.flatnonzero((arr != 0) & (arr != 1))
        if bad.size:
            i = int(bad[0])
            shown = f" is {arr[i]!r}" if f.inside else ""
            raise f.node.error(f"{f.name}: element {i + 1}{shown}; outputs must be 0 or 1")
        return arr.astype(np.int8)
    data = _read_bytes(f)
    digits = _single_digits(data)
    if digits is not None and (digits.size == 0 or int(digits.max()) <= 1):
        return digits.astype(np.int8)
    text, tokens = _tokens(data, f)
    if not set(tokens) <= {"0", "1"}:
        i = next(i for i, t in enumerate(tokens) if t not in ("0", "1"))
        raise _token_error(f, text, f"element {i + 1} ({_sanitize(tokens[i])}): outputs "
                                    "must be 0 or 1")
    return (np.frombuffer("".join(tokens).encode("ascii"), dtype=np.uint8) - 48
            ).astype(np.int8)


def read_table(node: Node, base: Path) -> Table:
    """A 2-D table of exact numbers (rows = steps, columns = entries) from the file
    ``node`` names: a 2-D ``.npy`` (a 1-D one is a single column), or a ``.csv``/``.txt``
    with one row per non-blank line, every row with the same number of entries."""
    f = data_path(node, base)
    if f.full.suffix.lower() == ".npy":
        arr = _load_npy(f, ndim=2)
        table = arr.reshape(arr.shape[0], -1) if arr.ndim == 2 else arr.reshape(-1, 1)
        flat = _npy_series(np.ascontiguousarray(table).reshape(-1), f)
        return Table(flat, int(table.shape[0]), int(table.shape[1]))
    text, tokens = _tokens(_read_bytes(f), f)
    widths = [w for w in (len(line.replace(",", " ").split()) for line in text.splitlines())
              if w]
    cols = widths[0] if widths else 0
    for r, w in enumerate(widths):
        if w != cols:
            raise f.node.error(f"{f.name}: row {r + 1} has {w} entries but row 1 has "
                               f"{cols}; give every row (line) the same number of entries")
    try:
        flat = Series.from_texts(tokens)
    except ValueError as exc:
        raise _token_error(f, text, str(exc)) from None
    return Table(flat, len(widths), cols)


# -- .npy -----------------------------------------------------------------------------

def _load_npy(f: DataFile, *, ndim: int) -> np.ndarray:
    try:
        # allow_pickle=False: a .npy can otherwise carry pickled objects, i.e. code;
        # mmap_mode: read the header (shape, dtype) before any data is loaded
        arr = np.load(f.full, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, EOFError) as exc:
        why = type(exc).__name__ if not f.inside else (
            _sanitize(str(exc).splitlines()[0], 80) if str(exc) else type(exc).__name__)
        raise f.node.error(f"cannot read {f.name} as a .npy array: {why}") from None
    if not isinstance(arr, np.ndarray):  # an .npz archive under a .npy name
        getattr(arr, "close", lambda: None)()
        raise f.node.error(f"{f.name} is not a single .npy array")
    if arr.ndim != 1 and not (ndim == 2 and arr.ndim == 2):
        want = ("a sequence must be a 1-D array (flatten it)" if ndim == 1 else
                "vector inputs are a 2-D array, one row per step")
        raise f.node.error(f"{f.name} has shape {arr.shape}; {want}")
    if arr.dtype.kind not in "biuf" or (arr.dtype.kind == "f" and arr.dtype.itemsize > 8):
        raise f.node.error(f"{f.name} holds {arr.dtype} values; use a bool, integer "
                           "or float (up to float64) array")
    if arr.shape[0] > MAX_STEPS:
        raise f.node.error(f"{f.name} has {arr.shape[0]:,} steps; at most {MAX_STEPS:,} "
                           "per spec")
    return np.array(arr)  # now load the data (bounded by MAX_DATA_BYTES)


def _npy_series(arr: np.ndarray, f: DataFile) -> Series:
    if arr.dtype.kind == "f":
        try:
            return Series.from_floats(arr)
        except ValueError as exc:
            raise f.node.error(f"{f.name}: {exc}") from None
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) >= 2**63:
        return Series.from_fractions([Fraction(int(v)) for v in arr])
    return Series.from_ints(arr.astype(np.int64))


# -- .csv / .txt --------------------------------------------------------------------------

_CHUNK = 1 << 20
_SEPARATORS = np.frombuffer(b", \t\r\n\x0b\x0c", dtype=np.uint8)  # what split() splits on


def _read_bytes(f: DataFile) -> bytes:
    """The file's bytes, streamed in chunks and refused as soon as a chunk shows binary
    data (a NUL byte) or the values counted so far pass MAX_STEPS: memory stays within the
    file's size (at most MAX_DATA_BYTES) plus one chunk's work."""
    chunks: list[bytes] = []
    values = 0
    after_sep = True  # the byte before this chunk was a separator (or there was none)
    try:
        with open(f.full, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                limits.check_deadline()
                if b"\x00" in chunk:
                    raise f.node.error(f"{f.name} holds binary data (NUL bytes), not text; "
                                       "a .csv/.txt holds numbers separated by commas or "
                                       "whitespace")
                is_sep = np.isin(np.frombuffer(chunk, dtype=np.uint8), _SEPARATORS)
                values += int(np.count_nonzero(~is_sep[1:] & is_sep[:-1])) + int(
                    after_sep and not is_sep[0])
                after_sep = bool(is_sep[-1])
                if values > MAX_STEPS:
                    raise f.node.error(f"{f.name} holds more than {MAX_STEPS:,} values; that "
                                       "is the limit of steps per spec")
                chunks.append(chunk)
                if sum(map(len, chunks)) > MAX_DATA_BYTES:  # grew since it was measured
                    raise f.node.error(f"data file {f.name} is larger than "
                                       f"{MAX_DATA_BYTES // 2**20} MiB")
    except OSError as exc:
        raise f.node.error(f"cannot read {f.name}: {exc.strerror or type(exc).__name__}"
                           ) from None
    return b"".join(chunks).removeprefix(b"\xef\xbb\xbf")  # spreadsheets save a BOM


def _single_digits(data: bytes) -> np.ndarray | None:
    """Fast path (milliseconds for 10**6 values) for files such as ``0,1,1,0`` or one
    digit per line; None when the file holds anything else (the general reader decides)."""
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


def _tokens(data: bytes, f: DataFile) -> tuple[str, list[str]]:
    """Numbers separated by commas and/or whitespace; an empty field is an error. (The
    values were counted while reading, so the list built here is bounded.)"""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise f.node.error(f"{f.name} line {line} is not UTF-8 text; a data file holds "
                           "numbers separated by commas or whitespace") from None
    empty = _empty_field(data)
    if empty is not None:
        line = data.count(b"\n", 0, empty) + 1
        raise f.node.error(f"{f.name} line {line}: empty field (two commas with nothing "
                           "between them, or a comma at the start or end)")
    return text, text.replace(",", " ").split()


def _token_error(f: DataFile, text: str, message: str) -> SpecError:
    """The reader's complaint about element k, with its line; for a file outside the spec's
    folder, without any of its contents."""
    m = re.match(r"element (\d+)", message)
    where = ""
    if m:
        k = int(m.group(1))
        for j, tok in enumerate(re.finditer(r"[^,\s]+", text), start=1):
            if j == k:
                where = f" line {text.count(chr(10), 0, tok.start()) + 1}"
                break
        if not f.inside:
            message = f"element {k} is not a number this reader accepts"
    elif not f.inside:
        message = "not a list of numbers"
    return f.node.error(f"{f.name}{where}: {message}")
