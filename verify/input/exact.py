"""Stage: spec (part 2). Exact numbers and exact sequences.

Every number in a spec is read from its source *text* into a :class:`fractions.Fraction`
(``0.1`` is 1/10, ``"1/3"`` is 1/3, ``1e400`` is 10**400). A :class:`Series` holds a
sequence of exact rationals together with a float64 shadow that orders like the exact
values (rounding is monotone), so min/max and grouping can be vectorised and then
confirmed exactly on the few candidates that tie in float.
"""

from __future__ import annotations

import math
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import NoReturn

import numpy as np

_NUMBER = re.compile(
    r"""\s*[+-]?(
        (\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?      # decimal / scientific
        |\d+\s*/\s*\d+                          # ratio a/b
    )\s*""",
    re.VERBOSE | re.ASCII,  # ASCII: \d must not match Arabic-Indic or full-width digits
)
# Characters a number token of a .csv/.txt file may hold: deleting them must leave
# only the "\n" separators of the joined tokens (a C-speed check on a million tokens).
_DELETE_NUMBER_CHARS = str.maketrans("", "", "0123456789+-.eE/")
_EXPONENT = re.compile(r"[eE][+-]?(\d+)")
MAX_EXPONENT = 100_000  # 1e100000 is fine; 1e999999999 would take forever to expand


def parse_number(text: str) -> Fraction:
    """Parse the source text of a number exactly; raise ValueError with a reason otherwise."""
    s = text.strip()
    if not _NUMBER.fullmatch(s):
        low = s.strip().lower().lstrip("+-")
        if low in {"nan", ".nan", "inf", ".inf", "infinity"}:
            raise ValueError(f"{text!r} is not a finite number (NaN and infinity are not allowed)")
        raise ValueError(f"{text!r} is not a number (write e.g. 3, -0.25, 1e-3 or \"1/3\")")
    m = _EXPONENT.search(s)
    if m and int(m.group(1)) > MAX_EXPONENT:
        raise ValueError(f"{text!r}: exponent larger than {MAX_EXPONENT} is not supported")
    try:
        if "/" in s:
            num, den = s.split("/")
            if int(den) == 0:
                raise ValueError(f"{text!r} divides by zero")
            return Fraction(int(num), int(den))
        return Fraction(s)
    except ValueError as exc:
        if "digits" in str(exc):  # Python's int-from-string limit (4300 digits)
            raise ValueError(f"{text[:20]!r}...: too many digits (write it as a ratio or "
                             "with an exponent)") from None
        raise


def to_float(q: Fraction) -> float:
    """Round an exact rational to float64, saturating to +-inf (monotone)."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


class Series:
    """An exact sequence of rationals with a float64 shadow ``approx`` of the same order.

    ``approx`` is monotone in the exact values: ``a < b`` exactly implies
    ``approx[a] <= approx[b]``. ``exact(i)`` returns the exact value of element ``i``.
    ``ints`` is an int64 array when every element is an integer of modest size.
    """

    __slots__ = ("_exact", "approx", "ints")

    def __init__(self, approx: np.ndarray, exact: Callable[[int], Fraction],
                 ints: np.ndarray | None = None) -> None:
        self.approx = np.asarray(approx, dtype=np.float64)
        self.ints = ints
        self._exact = exact

    def __len__(self) -> int:
        return int(self.approx.shape[0])

    def exact(self, i: int) -> Fraction:
        return self._exact(int(i))

    def exact_all(self) -> list[Fraction]:
        return [self._exact(i) for i in range(len(self))]

    @classmethod
    def from_ints(cls, values: np.ndarray) -> Series:
        ints = np.asarray(values, dtype=np.int64)
        return cls(ints.astype(np.float64), lambda i: Fraction(int(ints[i])), ints)

    @classmethod
    def from_floats(cls, values: np.ndarray) -> Series:
        """Binary floats (e.g. from .npy) are exact dyadic rationals: take them as they are."""
        arr = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError("NaN or infinite values are not allowed")
        if np.all(arr == np.round(arr)) and (arr.size == 0 or np.max(np.abs(arr)) < 2**53):
            return cls.from_ints(arr.astype(np.int64))
        return cls(arr, lambda i: Fraction(float(arr[i])))

    @classmethod
    def from_fractions(cls, values: Sequence[Fraction]) -> Series:
        vals = list(values)
        if all(v.denominator == 1 and abs(v.numerator) < 2**53 for v in vals):
            return cls.from_ints(np.array([int(v) for v in vals], dtype=np.int64))
        approx = np.array([to_float(v) for v in vals], dtype=np.float64)
        return cls(approx, vals.__getitem__)

    @classmethod
    def from_texts(cls, tokens: Sequence[str]) -> Series:
        """Number texts (from .csv/.txt): decimals, scientific or ``a/b``, read exactly.

        Every token is validated now (one regular expression over the joined text, so a
        million tokens cost milliseconds); the exact parse of non-integers happens on
        demand. Raises ValueError naming the first bad element.
        """
        toks = list(tokens)
        if not toks:
            return cls.from_ints(np.zeros(0, dtype=np.int64))
        joined = "\n".join(toks)
        if joined.translate(_DELETE_NUMBER_CHARS).strip("\n") or "" in toks:
            _raise_first_bad(toks)
        if "e" in joined or "E" in joined:
            for m in _EXPONENT.finditer(joined):
                if int(m.group(1)) > MAX_EXPONENT:
                    i = joined.count("\n", 0, m.start())
                    raise ValueError(f"element {i + 1} ({toks[i]!r}): exponent larger than "
                                     f"{MAX_EXPONENT} is not supported")
        _parse_long_tokens(joined, toks)
        if not any(c in joined for c in ".eE/"):
            try:  # integers: numpy parses decimal strings to int64 in C
                ints = np.array(toks, dtype=np.int64)
            except OverflowError:
                pass  # huge integers: the general path below
            except ValueError:
                _raise_first_bad(toks)
            else:
                if int(np.max(np.abs(ints))) < 2**53:  # as from_fractions: approx exact
                    return cls.from_ints(ints)
        if not any(c in joined for c in "eE/"):
            shadow = _fixed_point_shadow(joined, len(toks))
            if shadow is not None:
                return cls(shadow, lambda i: parse_number(toks[i]))
        try:
            # With the character check above, float() accepts exactly parse_number's
            # decimal grammar; it is correctly rounded, hence monotone in the exact
            # value, and 1e400 saturates to inf exactly like to_float.
            if "/" not in joined:  # numpy runs the same correctly rounded parse in C
                approx = np.array(toks, dtype=np.float64)
            else:
                approx = np.array([float(t) if "/" not in t else to_float(parse_number(t))
                                   for t in toks], dtype=np.float64)
        except ValueError:
            _raise_first_bad(toks)
        return cls(approx, lambda i: parse_number(toks[i]))


def _parse_long_tokens(joined: str, tokens: Sequence[str]) -> None:
    """Parse now every token longer than Python's int-from-string limit (4300 digits by
    default): the exact parse is otherwise lazy, and its "too many digits" refusal would
    surface later, as a crash, instead of naming the element. Shorter tokens cannot hit it.
    """
    limit = sys.get_int_max_str_digits()
    if not limit or len(joined) <= limit:
        return
    raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)  # validated ASCII
    bounds = np.concatenate(([-1], np.flatnonzero(raw == 10), [len(raw)]))
    for i in np.flatnonzero(np.diff(bounds) - 1 > limit):
        try:
            parse_number(tokens[int(i)])
        except ValueError as exc:
            raise ValueError(f"element {int(i) + 1}: {exc}") from None


def _fixed_point_shadow(joined: str, count: int) -> np.ndarray | None:
    """The float shadow of "\\n"-joined tokens that all read ``[+-]digits.digits`` with the
    same number d of digits after the dot (``-1.250000``), or None.

    Such a token is exactly k / 10**d with k its digits. Validating the layout with a few
    array operations and parsing k in C is ~10x faster than a float parse per token, and
    k / 10**d (both exact doubles when |k| < 2**53, d <= 15) is the correctly rounded
    value of k / 10**d, i.e. float(token).
    """
    raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)  # validated ASCII
    dots = np.flatnonzero(raw == 46)
    if len(dots) != count:
        return None
    ends = np.append(np.flatnonzero(raw == 10), len(raw))
    starts = np.concatenate(([0], ends[:-1] + 1))
    d = int(ends[0] - dots[0] - 1)
    if d > 15 or not (np.all(dots >= starts) and np.all(ends - dots - 1 == d)):
        return None  # not one dot per token with d digits after it
    signs = np.flatnonzero((raw == 43) | (raw == 45))
    owner = np.searchsorted(starts, signs, side="right") - 1  # token of each sign
    if not np.all(starts[owner] == signs):
        return None  # a sign that does not open its token (hence also two signs)
    signed = np.zeros(count, dtype=np.int64)
    signed[owner] = 1
    if np.any(ends - starts - signed - 1 == 0):
        return None  # a token with no digit at all ("." or "-.")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns (and stops) on unmatched text
        try:
            k = np.fromstring(joined.replace(".", ""), dtype=np.int64, sep="\n")
        except (ValueError, DeprecationWarning):
            return None
    if len(k) != count or (len(k) and int(np.max(np.abs(k))) >= 2**53):
        return None
    return k.astype(np.float64) / float(10**d)


def _raise_first_bad(tokens: Sequence[str]) -> NoReturn:
    for i, tok in enumerate(tokens):
        try:
            parse_number(tok)
            if not tok or tok != tok.strip():
                raise ValueError(f"{tok!r} is not a number")
        except ValueError as exc:
            raise ValueError(f"element {i + 1}: {exc}") from None
    raise ValueError("malformed number list")  # pragma: no cover - callers checked
