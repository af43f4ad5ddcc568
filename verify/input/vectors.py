"""Stage: spec. Exact sequences of vectors (2-D series), with a float64 shadow.

A threshold-rnn sequence has one input vector (length d) and one output vector (length
m) per step, and may be 10**6 steps long. Building 4 * 10**6 Fractions up front would
take seconds, so :class:`VectorSeries` keeps the numbers as arrays and makes the exact
values on demand: ``approx`` is a (T, d) float64 array that orders like the exact values
(rounding is monotone), ``ints`` the same as int64 when every entry is a modest integer,
and ``series[t]`` the exact vector x_(t+1) as a tuple of Fractions. It behaves like the
``tuple[tuple[Fraction, ...], ...]`` the data contract names (len, index, iterate,
compare), so code that reads plain tuples works on it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from verify.input.exact import Series, to_float


class VectorSeries(Sequence[tuple[Fraction, ...]]):
    """T exact vectors of length d: ``approx`` (T, d) float64, ``ints`` (T, d) int64 or None."""

    __slots__ = ("_exact", "approx", "ints")

    def __init__(self, approx: np.ndarray, exact: Callable[[int], tuple[Fraction, ...]],
                 ints: np.ndarray | None = None) -> None:
        self.approx = np.asarray(approx, dtype=np.float64)
        if self.approx.ndim != 2:
            raise ValueError("a vector series is a 2-D (steps x entries) array")
        self.ints = ints
        self._exact = exact

    @property
    def width(self) -> int:
        return int(self.approx.shape[1])

    def __len__(self) -> int:
        return int(self.approx.shape[0])

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return tuple(self._exact(k) for k in range(*i.indices(len(self))))
        k = int(i)
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(i)
        return self._exact(k)

    def __iter__(self) -> Iterator[tuple[Fraction, ...]]:
        return (self._exact(k) for k in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == tuple(b) for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash((len(self), self.width))

    def __repr__(self) -> str:
        return f"VectorSeries({len(self)} x {self.width})"

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def from_ints(cls, values: np.ndarray) -> VectorSeries:
        ints = np.asarray(values, dtype=np.int64)
        return cls(ints.astype(np.float64),
                   lambda k: tuple(Fraction(int(v)) for v in ints[k]), ints)

    @classmethod
    def from_floats(cls, values: np.ndarray) -> VectorSeries:
        """Binary floats (from .npy) are exact dyadic rationals: taken as they are."""
        arr = np.asarray(values, dtype=np.float64)
        flat = Series.from_floats(arr.reshape(-1))  # validates; integers become ints
        if flat.ints is not None:
            return cls.from_ints(flat.ints.reshape(arr.shape))
        return cls(arr, lambda k: tuple(Fraction(float(v)) for v in arr[k]))

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Fraction]], width: int) -> VectorSeries:
        """Exact rows (from YAML lists); every row must have ``width`` entries."""
        vals = [tuple(Fraction(v) for v in r) for r in rows]
        flat = [v for r in vals for v in r]
        if all(v.denominator == 1 and abs(v.numerator) < 2**53 for v in flat):
            arr = np.array([int(v) for v in flat], dtype=np.int64).reshape(len(vals), width)
            return cls.from_ints(arr)
        approx = np.array([to_float(v) for v in flat], dtype=np.float64).reshape(
            len(vals), width)
        return cls(approx, vals.__getitem__)



class OutputTable(Sequence[tuple[int, ...]]):
    """T output vectors of length m with entries 0, 1 or -1 (``?``), as an int8 array."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.int8)
        if self.values.ndim != 2:
            raise ValueError("an output table is a 2-D (steps x outputs) array")

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return tuple(tuple(int(v) for v in r) for r in self.values[i])
        return tuple(int(v) for v in self.values[int(i)])

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        return (tuple(int(v) for v in r) for r in self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == tuple(b) for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(self.values.shape)

    def __repr__(self) -> str:
        return f"OutputTable({len(self)} x {self.values.shape[1]})"
