"""Public testing API: hypothesis strategies for RNN/LSTM/GRU instances in a course's
layout, an assertion that names the wrong entry, and (in :mod:`verify.testing.plugin`,
registered as a pytest plugin) the ``gradcheck`` fixture.

Stage: testing API over :mod:`verify.gradcheck`; the logic lives there, this module only
validates arguments and presents it. Example::

    from hypothesis import given
    from verify.testing import assert_gradients_match, lstm_instances

    @given(lstm_instances(layout="cs231n"))
    def test_step(inst):
        next_h, next_c, cache = lstm_step_forward(*inst.forward_args)
        grads = lstm_step_backward(*inst.upstream_args, cache)
        assert_gradients_match(dict(zip(inst.gradient_names, grads)), inst.expected)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from verify.gradcheck.convention import Layout
from verify.gradcheck.instances import Instance, instances
from verify.gradcheck.layouts import LAYOUTS
from verify.gradcheck.layouts import layout as make_layout

Array = np.ndarray[Any, Any]


@dataclass(frozen=True, eq=False)
class CellInstance:
    """One drawn test case in a layout's own names and shapes (fresh copies each time)."""

    instance: Instance

    @property
    def layout(self) -> Layout:
        return self.instance.layout

    @property
    def arrays(self) -> dict[str, Array]:
        """Every array the layout's functions take, by name (``x``, ``Wx``, ``dnext_h``...)."""
        return {k: np.array(v) for k, v in self.instance.user_values().items()}

    @property
    def forward_args(self) -> tuple[Any, ...]:
        """The forward's arguments, in the layout's order (dicts for dict arguments)."""
        from verify.gradcheck.usercode import build_args

        return tuple(build_args(self.layout.forward.args, self.arrays))

    @property
    def upstream_args(self) -> tuple[Array, ...]:
        """The backward's arguments before the cache (``dnext_h, dnext_c`` in CS231n)."""
        values = self.arrays
        return tuple(values[n] for n in self.layout.upstream())

    @property
    def gradient_names(self) -> tuple[str, ...]:
        """The backward's return values, in order (``dx, dprev_h, ...`` in CS231n)."""
        return tuple(self.layout.gradients())

    @property
    def expected(self) -> dict[str, Array]:
        """Reference outputs and gradients under the layout's names (``next_h``, ``dWx``...)."""
        outs = {n: self.instance.expected_output(n) for n in self.layout.outputs()}
        return {**outs, **{g: self.instance.expected_gradient(g) for g in self.gradient_names}}

    def __repr__(self) -> str:
        return f"CellInstance({self.layout.cell} {self.layout.kind}, {self.instance.text()})"


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgument(f"{name}={value!r} must be an integer >= {low}.")


def cell_instances(*, cell: str = "lstm", layout: str = "cs231n", kind: str = "step",
                   gate_order: Sequence[str] | None = None, max_batch: int = 3,
                   max_size: int = 4, max_steps: int = 4) -> st.SearchStrategy[CellInstance]:
    """Instances of ``cell`` in ``layout``: batch, input and hidden sizes from 1, input size
    never equal to hidden size, saturated gates in some, reference outputs and gradients."""
    if layout not in LAYOUTS:
        raise InvalidArgument(f"layout={layout!r} must be one of {', '.join(LAYOUTS)}.")
    if kind not in ("step", "sequence"):
        raise InvalidArgument(f"kind={kind!r} must be 'step' or 'sequence'.")
    _check_int("max_batch", max_batch, 1)
    _check_int("max_size", max_size, 2)  # input != hidden needs two sizes
    _check_int("max_steps", max_steps, 1)
    try:
        lay = make_layout(layout, cell, kind, gate_order)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    if gate_order is not None and sorted(lay.gate_order) != sorted(lay.reference.gates):
        raise InvalidArgument(f"gate_order={list(gate_order)!r} must name each {cell} gate "
                              f"once: {', '.join(lay.gate_names.values())}.")
    return instances(lay, max_batch=max_batch, max_size=max_size,
                     max_steps=max_steps).map(CellInstance)


def lstm_instances(*, layout: str = "cs231n", kind: str = "step", **options: Any
                   ) -> st.SearchStrategy[CellInstance]:
    """LSTM instances; ``lstm_instances(layout="cs231n")``. Options as :func:`cell_instances`."""
    return cell_instances(cell="lstm", layout=layout, kind=kind, **options)


def gru_instances(*, layout: str = "cs231n", kind: str = "step", **options: Any
                  ) -> st.SearchStrategy[CellInstance]:
    return cell_instances(cell="gru", layout=layout, kind=kind, **options)


def rnn_instances(*, layout: str = "cs231n", kind: str = "step", **options: Any
                  ) -> st.SearchStrategy[CellInstance]:
    return cell_instances(cell="rnn", layout=layout, kind=kind, **options)


def _mismatch(name: str, got: Any, want: Any, rtol: float, atol: float) -> str | None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"{name} has shape {got.shape}, expected {want.shape}"
    with np.errstate(invalid="ignore"):
        excess = np.abs(got - want) - (atol + rtol * np.abs(want))
    excess = np.where(np.isnan(got) != np.isnan(want), np.inf, np.nan_to_num(excess, nan=-1.0))
    if excess.size == 0 or excess.max() <= 0:
        return None
    at = tuple(int(k) for k in np.unravel_index(int(np.argmax(excess)), excess.shape))
    label = f"{name}[{', '.join(map(str, at))}]" if at else name
    bad = int((excess > 0).sum())
    return (f"{label}: got {got[at]:.10g}, expected {want[at]:.10g} "
            f"(|diff| {abs(got[at] - want[at]):.3g}; {bad} of {excess.size} entries differ)")


def assert_gradients_match(actual: Mapping[str, Any] | Any, expected: Mapping[str, Any] | Any,
                           *, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """AssertionError naming, for every array that differs, its worst entry and both values.

    ``actual`` and ``expected`` are arrays, or dicts of arrays; with dicts, every key of
    ``actual`` must be in ``expected`` (extra expected keys, e.g. outputs, are ignored).
    """
    if rtol < 0 or atol < 0:
        raise InvalidArgument(f"rtol={rtol!r} and atol={atol!r} must not be negative.")
    if not isinstance(actual, Mapping):
        actual, expected = {"array": actual}, {"array": expected}
    if not isinstance(expected, Mapping):
        raise InvalidArgument("expected must be a dict when actual is a dict")
    missing = [k for k in actual if k not in expected]
    if missing:
        raise InvalidArgument(f"no expected value for {', '.join(map(str, missing))}; "
                              f"expected has {', '.join(map(str, expected))}")
    problems = [p for k in actual if (p := _mismatch(str(k), actual[k], expected[k], rtol, atol))]
    if problems:
        raise AssertionError("gradients differ:\n  " + "\n  ".join(problems))


__all__ = ["CellInstance", "assert_gradients_match", "cell_instances", "gru_instances",
           "lstm_instances", "rnn_instances"]
