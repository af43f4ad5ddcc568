"""How a user's arrays are made of the reference's: call signatures and entry labels.

Stage: gradcheck (layouts). Untrusted, exact integer bookkeeping only.

A :class:`Layout` says how the user's functions are called (:class:`Signature`) and how
each user array is built from the canonical arrays of :mod:`verify.gradcheck.cells`
(a *builder*: transposes, concatenations, reshapes, nothing that computes). Builders are
applied to arrays of entry ids, never to values: every user entry then has a *label*,
the canonical entry it holds, and values, expected gradients and the description of a
wrong entry ("gate block f, time step t=2") all follow from the labels. An entry built
with ``c.zero(name)`` depends on that canonical entry but holds 0 (e.g. torch's second
bias ``b_hh``: b = b_ih + b_hh, so its gradient is b's and its value may be 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.gradcheck.cells import CELLS, Cell, Sizes
from verify.models.lstm.cell import Array

CACHE = "cache"  # a returned value passed on, as it is, to the backward function
IGNORED = "_"  # a returned value nobody checks (e.g. dlai's yt_pred)


@dataclass(frozen=True)
class Group:
    """A dict argument or return value whose keys are array names (dlai's ``parameters``)."""

    keys: tuple[str, ...]


Slot = str | Group


@dataclass(frozen=True)
class Signature:
    """How one user function is called: positional ``args``, ``returns`` as a tuple (a
    single slot also matches a bare value)."""

    name: str
    args: tuple[Slot, ...]
    returns: tuple[Slot, ...]

    def names(self, slots: tuple[Slot, ...]) -> Iterator[str]:
        for slot in slots:
            yield from (slot.keys if isinstance(slot, Group) else (slot,))


class Canon(Mapping[str, Array]):
    """Canonical id arrays as a builder sees them; ``zero(name)``: same labels, value 0."""

    def __init__(self, ids: Mapping[str, Array]) -> None:
        self._ids = dict(ids)

    def __getitem__(self, name: str) -> Array:
        return self._ids[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def zero(self, name: str) -> Array:
        return -self._ids[name] - 1


Builder = Callable[[Canon], Array]
ExtraShape = Callable[[Sizes], tuple[int, ...]]


def strip_d(name: str) -> str:
    """The forward name a gradient's name refers to: ``dWx -> Wx``, ``grad_hy -> hy``."""
    return name[5:] if name.startswith("grad_") else name.removeprefix("d")


@dataclass(frozen=True)
class Layout:
    name: str  # cs231n | pytorch | dlai | seed | column | a mapping file's path
    cell: str
    kind: str  # step | sequence
    arrays: Mapping[str, Builder]  # user array name -> built from the canonical arrays
    forward: Signature
    backward: Signature
    gate_names: Mapping[str, str] = field(default_factory=dict)  # canonical gate -> user's name
    extras: Mapping[str, ExtraShape] = field(default_factory=dict)  # arrays outside the model
    batched: bool = True  # False: batch fixed at 1, the batch axis dropped
    grad_of: Mapping[str, str] = field(default_factory=dict)  # backward name -> forward name
    gate_order: tuple[str, ...] = ()  # canonical gates in the order the stacked blocks hold them

    @property
    def reference(self) -> Cell:
        return CELLS[self.cell]

    def forward_of(self, grad_name: str) -> str:
        return self.grad_of.get(grad_name, strip_d(grad_name))

    def inputs(self) -> list[str]:
        """The forward's array arguments that the model defines (extras excluded)."""
        return [n for n in self.forward.names(self.forward.args) if n in self.arrays]

    def outputs(self) -> list[str]:
        return [n for n in self.forward.names(self.forward.returns) if n in self.arrays]

    def upstream(self) -> dict[str, str]:
        """Backward array arguments -> the forward output each is the gradient of."""
        return {n: self.forward_of(n) for n in self.backward.names(self.backward.args)
                if n != CACHE}

    def gradients(self) -> dict[str, str]:
        """Backward return names -> the forward input each is the gradient of."""
        return {n: self.forward_of(n) for n in self.backward.names(self.backward.returns)
                if n not in (CACHE, IGNORED)}


@dataclass(frozen=True, eq=False)
class Labels:
    """For one layout and sizes: the canonical entry behind every entry of every user array."""

    names: tuple[str, ...]  # canonical array names in id order
    offsets: tuple[int, ...]
    shapes: tuple[tuple[int, ...], ...]
    user: dict[str, Array]  # user array name -> int labels (negative: zero-valued, see Canon)

    def canonical_entry(self, label: int) -> tuple[str, tuple[int, ...]]:
        label = label if label >= 0 else -label - 1
        k = int(np.searchsorted(self.offsets, label, side="right")) - 1
        index = np.unravel_index(label - self.offsets[k], self.shapes[k])
        return self.names[k], tuple(int(i) for i in index)

    def values(self, name: str, flat: Array) -> Array:
        lab = self.user[name]
        return np.where(lab >= 0, flat[np.where(lab >= 0, lab, -lab - 1)], 0).astype(flat.dtype)

    def gradient(self, name: str, flat_grad: Array) -> Array:
        lab = self.user[name]
        return flat_grad[np.where(lab >= 0, lab, -lab - 1)]

    def flatten(self, canonical: Mapping[str, Array], dtype: Any = np.float64) -> Array:
        """One vector of every canonical array in id order (missing ones are zeros)."""
        parts = [np.asarray(canonical[n], dtype).ravel() if n in canonical
                 else np.zeros(int(np.prod(s)), dtype) for n, s in zip(self.names, self.shapes)]
        return np.concatenate(parts)


def labels(layout: Layout, sizes: Sizes) -> Labels:
    cell = layout.reference
    shapes = {**cell.inputs(layout.kind, sizes), **cell.outputs(layout.kind, sizes),
              **cell.upstream(layout.kind, sizes)}
    names = tuple(shapes)
    offsets, ids, total = [], {}, 0
    for n in names:
        size = int(np.prod(shapes[n]))
        offsets.append(total)
        ids[n] = np.arange(total, total + size).reshape(shapes[n])
        total += size
    canon = Canon(ids)
    # Upstream arrays are built like the output they are the gradient of, from d<name>.
    as_upstream = Canon({**ids, **{n[1:]: ids[n] for n in cell.upstream(layout.kind, sizes)}})
    user: dict[str, Array] = {}
    used = {*layout.forward.names(layout.forward.args), *layout.forward.names(layout.forward.returns)}
    for n, build in layout.arrays.items():
        if n in used:
            user[n] = np.asarray(build(canon))
    for n, out in layout.upstream().items():
        if out in layout.arrays:
            user[n] = np.asarray(layout.arrays[out](as_upstream))
    return Labels(names, tuple(offsets), tuple(shapes[n] for n in names), user)
