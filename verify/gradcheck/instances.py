"""Test instances for people's code: drawn canonically, handed out in the user's layout.

Stage: gradcheck (instances). Float64 references, untrusted in the project's sense.

An :class:`Instance` holds sizes and the canonical inputs and upstream gradients; it
gives the user's arrays (:meth:`Instance.user_values`), the reference outputs and
gradients in the user's layout, and describes any user entry in the reference's terms.
:func:`instances` is the hypothesis strategy: batch, input and hidden sizes from 1, the
input size never equal to the hidden size (so a transposed matrix cannot pass), values
on a grid that shrinks to 0, and saturated gates (weights four times larger) in some.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.gradcheck.cells import Sizes
from verify.gradcheck.convention import Labels, Layout, labels
from verify.gradcheck.layouts import extra_values
from verify.models.lstm.cell import Array

GATE_WORDS = {"i": "input gate i", "f": "forget gate f", "o": "output gate o",
              "c": "candidate", "r": "reset gate r", "z": "update gate z", "n": "candidate n"}


@dataclass(frozen=True, eq=False)
class Instance:
    layout: Layout
    sizes: Sizes
    canonical: dict[str, Array]  # inputs and upstream gradients, by canonical name

    @cached_property
    def labels(self) -> Labels:
        return labels(self.layout, self.sizes)

    @cached_property
    def _reference(self) -> tuple[dict[str, Array], dict[str, Array]]:
        cell, kind = self.layout.reference, self.layout.kind
        outs = cell.forward(kind, self.canonical)
        up = {n: self.canonical[n] for n in cell.upstream(kind, self.sizes)}
        return outs, cell.backward(kind, self.canonical, up)

    @cached_property
    def _flat(self) -> Array:
        return self.labels.flatten({**self.canonical, **self._reference[0]})

    def user_values(self) -> dict[str, Array]:
        """Every array the user's functions take: forward inputs (with extras) and upstream."""
        names = [*self.layout.inputs(), *self.layout.upstream()]
        return {**{n: self.labels.values(n, self._flat) for n in names},
                **extra_values(self.layout, self.sizes)}

    def forward_values(self) -> dict[str, Array]:
        up = self.layout.upstream()
        return {k: v for k, v in self.user_values().items() if k not in up}

    def upstream_values(self) -> dict[str, Array]:
        return {k: self.labels.values(k, self._flat) for k in self.layout.upstream()}

    def expected_output(self, name: str) -> Array:
        return self.labels.values(name, self._flat)

    def expected_gradient(self, grad_name: str) -> Array:
        flat = self.labels.flatten(self._reference[1])
        return self.labels.gradient(self.layout.forward_of(grad_name), flat)

    def where(self, user_array: str, index: tuple[int, ...]) -> dict[str, Any]:
        """The canonical entry behind a user entry: name, index, gate and time step."""
        name, at = self.labels.canonical_entry(int(self.labels.user[user_array][index]))
        gate = name.rpartition("_")[2] if name[:1] in "WUb" and "_" in name else None
        gate = "n" if name == "bh_n" else gate
        out: dict[str, Any] = {"canonical": name, "canonical_index": list(at)}
        if gate:
            out["gate"] = self.layout.gate_names.get(gate, gate)
            out["gate_text"] = GATE_WORDS.get(gate, gate)
        if name in ("xs", "hs", "cs", "dhs"):
            out["time_step"] = at[0]
        if name[:1] in "WUb" and self.layout.kind == "sequence":
            out["summed"] = "summed over the batch and all time steps"
        return out

    def text(self) -> str:
        return self.sizes.text(self.layout.kind)

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.sizes.batch, "input": self.sizes.input,
                "hidden": self.sizes.hidden,
                **({"steps": self.sizes.steps} if self.layout.kind == "sequence" else {}),
                "arrays": {n: np.asarray(v).tolist() for n, v in self.user_values().items()}}


def _grid_values(raw: Array) -> Array:
    """Bytes to ``{0, 1, -1, 2, -2, ..., 6, -6}``: small bytes (hypothesis shrinks to 0) are small."""
    k = raw.astype(np.int64) % 13
    return ((k + 1) // 2 * np.where(k % 2 == 1, 1, -1)).astype(np.float64)


@st.composite
def instances(draw: st.DrawFn, layout: Layout, *, max_batch: int = 3, max_size: int = 4,
              max_steps: int = 4) -> Instance:
    """Instances of ``layout``'s cell. Inputs the user's signature cannot set (c0 in
    CS231n's ``lstm_forward``) are zero, as the layout assumes.

    All values come from ONE byte string laid out for the largest sizes and cut down to
    the drawn ones (as :func:`verify.models.lstm.instance.instances` does): hypothesis's
    cost grows with the number of draws, and shrinking a size keeps the other values.
    """
    hidden = draw(st.integers(1, max_size))
    inputs = draw(st.integers(1, max(1, max_size - 1)).map(lambda d: d if d < hidden else d + 1))
    batch = draw(st.integers(1, max_batch)) if layout.batched else 1
    steps = draw(st.integers(1, max_steps)) if layout.kind == "sequence" else 1
    sizes = Sizes(batch, inputs, hidden, steps)
    largest = Sizes(max_batch, max_size, max_size, max_steps)
    cell, kind = layout.reference, layout.kind
    saturated = draw(st.booleans())
    param_scale = 1.0 if saturated else 0.25  # weights up to 6: pre-activations in the tens
    shapes = {**cell.inputs(kind, sizes), **cell.upstream(kind, sizes)}
    big = {**cell.inputs(kind, largest), **cell.upstream(kind, largest)}
    total = sum(int(np.prod(s)) for s in big.values())
    raw = np.frombuffer(draw(st.binary(min_size=total, max_size=total)), dtype=np.uint8)
    values: dict[str, Array] = {}
    pos = 0
    for name, shape in shapes.items():
        n = int(np.prod(big[name]))
        block = _grid_values(raw[pos:pos + n]).reshape(big[name])
        pos += n
        cut = block[tuple(slice(0, k) for k in shape)] + 0.0
        values[name] = cut * (param_scale if name in cell.params else 0.5)
    return settable(layout, sizes, values)


def settable(layout: Layout, sizes: Sizes, values: dict[str, Array]) -> Instance:
    """The instance with canonical inputs the user's signature cannot set set to zero."""
    lab = labels(layout, sizes)
    used: set[str] = set()
    for n in layout.inputs():
        for label in np.unique(lab.user[n]):
            if label >= 0:  # zero-valued entries do not set their canonical entry
                used.add(lab.canonical_entry(int(label))[0])
    for name in layout.reference.inputs(layout.kind, sizes):
        if name not in used:
            values[name] = np.zeros_like(values[name])
    return Instance(layout, sizes, values)


__all__ = ["GATE_WORDS", "Instance", "instances", "settable"]
