"""Test helpers: complex-step numerical gradients and a mismatch report that names the entry.

A failing gradient check says which tensor, which gate, which index and which time step,
with the analytic and numeric values of the worst entry, instead of dumping matrices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

STEP = 1e-20
"""Complex step: f'(x) = Im f(x + ih) / h has no cancellation error, so h can be tiny."""

GATE_NAMES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o",
              "c": "candidate cbar"}

GATE_OF_OUTPUT_GRADIENT = {"di": "i", "df": "f", "do": "o", "dcbar": "c"}

# Tensors with a leading time axis (sequence inputs); everything else is per step or summed.
TIME_AXIS_TENSORS = frozenset({"xs", "dhs"})


def complex_step_gradient(loss: Callable[[dict[str, Array]], complex],
                          inputs: Mapping[str, Array], name: str) -> Array:
    """d loss / d inputs[name], entry by entry, by complex-step differentiation.

    ``loss`` receives every input as complex128 and must be holomorphic in each entry
    (no abs, no conj, no comparisons on the perturbed values).
    """
    base = {k: np.asarray(v, dtype=np.complex128) for k, v in inputs.items()}
    target = base[name]
    grad = np.empty(target.shape, np.float64)
    for index in np.ndindex(target.shape):
        perturbed = target.copy()
        perturbed[index] += 1j * STEP
        grad[index] = np.imag(loss({**base, name: perturbed})) / STEP
    return grad


@dataclass(frozen=True)
class Mismatch:
    """The worst entry of one tensor whose analytic and numeric gradients disagree."""

    tensor: str
    index: tuple[int, ...]
    analytic: float
    numeric: float
    tolerance: float

    @property
    def gate(self) -> str | None:
        if self.tensor in GATE_OF_OUTPUT_GRADIENT:
            return GATE_NAMES[GATE_OF_OUTPUT_GRADIENT[self.tensor]]
        kind, _, gate = self.tensor.partition("_")
        return GATE_NAMES.get(gate) if kind in ("W", "U", "b", "dz") else None

    def where(self) -> str:
        """Human description of the tensor, gate and time step of the entry."""
        parts = [f"tensor {self.tensor}"]
        if self.gate:
            parts.append(self.gate)
        parts.append(f"index {self.index}")
        if self.tensor in TIME_AXIS_TENSORS:
            parts.append(f"time step t={self.index[0]}")
        elif self.tensor[:1] in ("W", "U", "b"):
            parts.append("(summed over batch and time steps)")
        return ", ".join(parts)

    def __str__(self) -> str:
        return (f"{self.where()}: analytic {self.analytic:.10g} vs numeric {self.numeric:.10g} "
                f"(|diff| {abs(self.analytic - self.numeric):.3g} > tol {self.tolerance:.3g})")


def worst_mismatch(tensor: str, analytic: Array, numeric: Array, *, rtol: float,
                   atol: float) -> Mismatch | None:
    """The entry exceeding ``atol + rtol * |numeric|`` by most, or None if all are close."""
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    if analytic.shape != numeric.shape:
        raise AssertionError(f"tensor {tensor}: analytic gradient has shape {analytic.shape}, "
                             f"numeric {numeric.shape}")
    tolerance = atol + rtol * np.abs(numeric)
    excess = np.abs(analytic - numeric) - tolerance
    excess = np.where(np.isnan(analytic) | np.isnan(numeric), np.inf, excess)
    if excess.size == 0 or excess.max() <= 0:
        return None
    index = tuple(int(k) for k in np.unravel_index(int(np.argmax(excess)), excess.shape))
    return Mismatch(tensor, index, float(analytic[index]), float(numeric[index]),
                    float(tolerance[index]))


def find_mismatches(analytic: Mapping[str, Array], numeric: Mapping[str, Array], *,
                    rtol: float = 1e-8, atol: float = 1e-10) -> list[Mismatch]:
    """One :class:`Mismatch` per disagreeing tensor, worst (largest |diff|) first."""
    missing = set(numeric) - set(analytic)
    if missing:
        raise AssertionError(f"no analytic gradient for {sorted(missing)}")
    found = [m for name in numeric
             if (m := worst_mismatch(name, analytic[name], numeric[name], rtol=rtol, atol=atol))]
    return sorted(found, key=lambda m: -abs(m.analytic - m.numeric))


def assert_gradients_match(analytic: Mapping[str, Array], numeric: Mapping[str, Array], *,
                           rtol: float = 1e-8, atol: float = 1e-10, context: str = "") -> None:
    """Raise AssertionError naming the worst entry of every tensor that disagrees."""
    mismatches = find_mismatches(analytic, numeric, rtol=rtol, atol=atol)
    if mismatches:
        where = f" ({context})" if context else ""
        names = ", ".join(m.tensor for m in mismatches)
        lines = [f"gradient mismatch{where} in {len(mismatches)} tensor(s): {names}"]
        lines += [f"  {m}" for m in mismatches]
        raise AssertionError("\n".join(lines))
