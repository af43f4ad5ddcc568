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
import warnings
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import NoReturn

import numpy as np

from verify.input.limits import (
    BIG_DIGITS,
    MAX_NUMBER_DIGITS,
    MAX_WRITTEN_DIGITS,
    LimitExceeded,
    charge_digits,
)

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
MAX_EXPONENT = MAX_NUMBER_DIGITS  # 1e9999 is fine; 1e999999999 would take forever to expand


def number_size(s: str) -> int:
    """Digits of the exact value of a number text that matched the grammar (within one):
    written digits plus the exponent's magnitude, or the larger side of a ratio. Reads the
    exponent's own digits only when it is short enough to matter."""
    if "/" in s:
        num, den = s.split("/")
        return max(sum(c.isdigit() for c in num), sum(c.isdigit() for c in den))
    m = _EXPONENT.search(s)
    written = sum(c.isdigit() for c in (s[:m.start()] if m else s))
    if not m:
        return written
    exp = m.group(1).lstrip("0")
    if len(exp) > 9:  # any exponent with ten digits is far beyond every limit
        return 10**9
    return written + int(exp or "0")


def parse_number(text: str, *, charge: bool = True) -> Fraction:
    """Parse the source text of a number exactly; raise ValueError with a reason otherwise.

    Limits (verify.input.limits): at most MAX_WRITTEN_DIGITS digits written, at most
    MAX_NUMBER_DIGITS digits in the exact value; numbers above BIG_DIGITS digits are
    charged to the spec's budget. Linear in the length of ``text``.
    """
    s = text.strip()
    if len(s) > MAX_WRITTEN_DIGITS + 64 or not _NUMBER.fullmatch(s):
        low = s[:20].strip().lower().lstrip("+-")
        if low in {"nan", ".nan", "inf", ".inf", "infinity"}:
            raise ValueError(f"{_quote(text)} is not a finite number (NaN and infinity are "
                             "not allowed)")
        if len(s) > MAX_WRITTEN_DIGITS + 64 and _NUMBER.fullmatch(s):
            raise ValueError(f"{_quote(text)}: too many digits (at most "
                             f"{MAX_WRITTEN_DIGITS:,} written; use an exponent)")
        raise ValueError(f"{_quote(text)} is not a number (write e.g. 3, -0.25, 1e-3 or "
                         "\"1/3\")")
    size = number_size(s)
    if sum(c.isdigit() for c in s) > MAX_WRITTEN_DIGITS:
        raise ValueError(f"{_quote(text)}: too many digits (at most {MAX_WRITTEN_DIGITS:,} "
                         "written; use an exponent)")
    m = _EXPONENT.search(s)
    if m and size > MAX_NUMBER_DIGITS:
        raise ValueError(f"{_quote(text)}: exponent too large (at most "
                         f"{MAX_NUMBER_DIGITS:,} digits per number)")
    if size > MAX_NUMBER_DIGITS or charge:
        try:
            charge_digits(size if charge else MAX_NUMBER_DIGITS + 1, _quote(text))
        except LimitExceeded as exc:
            raise ValueError(str(exc)) from None
    if "/" in s:
        num, den = s.split("/")
        if int(den) == 0:
            raise ValueError(f"{_quote(text)} divides by zero")
        return Fraction(int(num), int(den))
    return Fraction(s)


def _quote(text: str, limit: int = 24) -> str:
    """A short, safe rendering of (possibly huge or hostile) input text for messages."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return repr(shown)


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
        _check_big_tokens(joined, toks)
        if not any(c in joined for c in ".eE/"):
            try:  # integers: numpy parses decimal strings to int64 in C
                ints = np.array(toks, dtype=np.int64)
            except OverflowError:
                pass  # huge integers: the general path below
            except ValueError:
                _raise_first_bad(toks)
            else:
                if max(-int(ints.min()), int(ints.max())) < 2**53:  # approx exact
                    # (Python ints: np.abs(-2**63) wraps round to -2**63)
                    return cls.from_ints(ints)
        if not any(c in joined for c in "eE/"):
            shadow = _fixed_point_shadow(joined, len(toks))
            if shadow is not None:
                return cls(shadow, lambda i: parse_number(toks[i], charge=False))
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
        return cls(approx, lambda i: parse_number(toks[i], charge=False))


def _check_big_tokens(joined: str, tokens: Sequence[str]) -> None:
    """Check now, against the limits and the spec's digit budget, every token that may be
    big (one with an exponent, or longer than BIG_DIGITS characters): the exact parse is
    lazy, and a refusal must name the element now, not surface later as a crash. One
    regular-expression pass over the joined text: linear."""
    if "e" not in joined and "E" not in joined and len(joined) <= BIG_DIGITS:
        return
    raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)  # validated ASCII
    bounds = np.concatenate(([-1], np.flatnonzero(raw == 10), [len(raw)]))
    candidates = set(np.flatnonzero(np.diff(bounds) - 1 > BIG_DIGITS).tolist())
    for m in _EXPONENT.finditer(joined):
        candidates.add(int(np.searchsorted(bounds, m.start())) - 1)
    for i in sorted(candidates):
        tok = tokens[i]
        try:
            if (not _NUMBER.fullmatch(tok) or len(tok) > MAX_WRITTEN_DIGITS
                    or number_size(tok) > BIG_DIGITS):
                parse_number(tok)  # the precise refusal, or the charge to the budget
        except ValueError as exc:
            raise ValueError(f"element {i + 1}: {exc}") from None


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
    if len(k) != count or (len(k) and max(-int(k.min()), int(k.max())) >= 2**53):
        return None
    return k.astype(np.float64) / float(10**d)


def _raise_first_bad(tokens: Sequence[str]) -> NoReturn:
    for i, tok in enumerate(tokens):
        try:
            parse_number(tok)
            if not tok or tok != tok.strip():
                raise ValueError(f"{_quote(tok)} is not a number")
        except ValueError as exc:
            raise ValueError(f"element {i + 1}: {exc}") from None
    raise ValueError("malformed number list")  # pragma: no cover - callers checked


# -- showing numbers ----------------------------------------------------------------------

SHOWN_DIGITS = 1_000  # beyond this, a number is shown abbreviated (≈1.0e+5000)


def show(q: Fraction | int, *, limit: int = SHOWN_DIGITS) -> str:
    """``str(q)`` when its numerator and denominator have at most ``limit`` digits, else an
    abbreviation such as ``≈1.0e+5000`` (two significant digits), computed with integer
    arithmetic only: a 4,300-digit integer is never converted to text (Python refuses to,
    and the conversion is quadratic)."""
    q = Fraction(q)
    bits = max(abs(q.numerator).bit_length(), q.denominator.bit_length())
    if bits * 0.30103 < limit - 1 or (bits * 0.30103 < limit + 1
                                      and max(abs(q.numerator), q.denominator) < 10**limit):
        return str(q)
    return abbreviate(q)


def abbreviate(q: Fraction) -> str:
    """``≈m.me±E``: q rounded down (in magnitude) to two significant digits."""
    if q == 0:
        return "0"
    n, d = abs(q.numerator), q.denominator
    e = int((n.bit_length() - d.bit_length()) * 0.30102999566398120)  # within 1 of log10
    for _ in range(4):  # fix e so that 10 <= n * 10**(1 - e) / d < 100
        m = n * 10 ** (1 - e) // d if e <= 1 else n // (d * 10 ** (e - 1))
        if m >= 100:
            e += 1
        elif m < 10:
            e -= 1
        else:
            break
    sign = "-" if q < 0 else ""
    return f"≈{sign}{m // 10}.{m % 10}e{e:+d}"
