"""The built-in layouts: how CS231n, PyTorch, deeplearning.ai, the seed homework and
column-vector code lay out their arrays and call their functions.

Stage: gradcheck (layouts); untrusted bookkeeping. Each entry builds user arrays from
the canonical ones of :mod:`verify.gradcheck.cells` (see :mod:`.convention`).

=========  ====================================================================
cs231n     rows (N, D); ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,); gates i, f, o, g;
           sequences (N, T, D), c0 = 0. GRU: r, z, n in (D, 3H), one bias.
pytorch    rows (B, D); ``w_ih`` (4H, D), ``w_hh`` (4H, H), ``b_ih``, ``b_hh``; gates
           i, f, g, o (GRU r, z, n); sequences (T, B, D), as ``torch.nn.LSTM``.
dlai       columns (n_x, m); ``Wf`` (n_a, n_a + n_x) on ``[a_prev; xt]``, ``bf`` (n_a, 1),
           a ``parameters`` dict in, a ``gradients`` dict out; sequences (n_x, m, T).
seed       the homework's notation, one example: ``x`` (D,), ``W_i`` (H, D), ``U_i``
           (H, H), ``b_i`` (H,) in a ``params`` dict; gradients in a dict.
column     columns (D, B); stacked ``W`` (4H, D), ``U`` (4H, H), ``b`` (4H, 1); gates
           i, f, o, g; sequences (T, D, B).
=========  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from verify.gradcheck.cells import CELLS, Sizes
from verify.gradcheck.convention import (
    CACHE,
    IGNORED,
    Builder,
    Canon,
    ExtraShape,
    Group,
    Layout,
    Signature,
)
from verify.models.lstm.cell import Array

LAYOUTS: tuple[str, ...] = ("cs231n", "pytorch", "dlai", "seed", "column")
GATE_ALIASES = {"g": "c", "cbar": "c"}  # what code calls the LSTM candidate
DEFAULT_ORDER = {
    ("lstm", "cs231n"): ("i", "f", "o", "c"), ("lstm", "pytorch"): ("i", "f", "c", "o"),
    ("lstm", "column"): ("i", "f", "o", "c"),
}
LSTM_USER_GATE = {"i": "i", "f": "f", "o": "o", "c": "g"}


def _order(cell: str, layout: str, order: Sequence[str] | None) -> tuple[str, ...]:
    if order is not None:
        return tuple(GATE_ALIASES.get(g, g) for g in order)
    return DEFAULT_ORDER.get((cell, layout), CELLS[cell].gates)


def _param(kind: str, gate: str) -> str:
    return f"{kind}_{gate}" if gate else kind


def _stack(kind: str, order: tuple[str, ...], *, axis: int, transpose: bool,
           zero: frozenset[str] = frozenset()) -> Builder:
    """The gate blocks of ``W``, ``U`` or ``b`` in ``order``, side by side along ``axis``."""
    def build(c: Canon) -> Array:
        blocks = [c.zero(_param(kind, g)) if g in zero else c[_param(kind, g)] for g in order]
        return np.concatenate([b.T if transpose else b for b in blocks], axis=axis)
    return build


def _take(name: str, *, axes: tuple[int, ...] | None = None, index: Any = ...) -> Builder:
    """The canonical array ``name``, its axes permuted, then indexed (``0``: drop a batch
    of one; ``(slice(None), None)``: a column)."""
    def build(c: Canon) -> Array:
        a = c[name] if axes is None else c[name].transpose(axes)
        return np.asarray(a[index])
    return build


def _hidden_then_input(gate: str) -> Builder:
    """dlai's ``W_g`` acting on ``[a_prev; xt]``: ``[U_g | W_g]``."""
    def build(c: Canon) -> Array:
        return np.concatenate([c[f"U_{gate}"], c[f"W_{gate}"]], axis=1)
    return build


def _name(cell: str, kind: str, step_word: str, direction: str) -> str:
    return f"{cell}_{step_word}_{direction}" if kind == "step" else f"{cell}_{direction}"


def cs231n(cell: str, kind: str, order: Sequence[str] | None = None) -> Layout:
    gates = _order(cell, "cs231n", order)
    x, h, c_ = ("x", "prev_h", "prev_c") if kind == "step" else ("x", "h0", "c0")
    outs = ("next_h", "next_c") if kind == "step" else ("h",)
    canon_in = ("x", "h_prev", "c_prev") if kind == "step" else ("xs", "h0", "c0")
    time = (1, 0, 2)
    arrays: dict[str, Builder] = {
        x: _take("x") if kind == "step" else _take("xs", axes=time),
        h: _take(canon_in[1]),
        c_: _take(canon_in[2]),
        "Wx": _stack("W", gates, axis=1, transpose=True),
        "Wh": _stack("U", gates, axis=1, transpose=True),
        "b": _stack("b", gates, axis=0, transpose=False),
    }
    if kind == "step":
        arrays.update({"next_h": _take("h"), "next_c": _take("c")})
    else:
        arrays["h"] = _take("hs", axes=time)
    states = (x, h, c_) if cell == "lstm" and kind == "step" else (x, h)
    outputs = outs if cell == "lstm" else outs[:1]
    fwd = Signature(_name(cell, kind, "step", "forward"),
                    (*states, "Wx", "Wh", "b"), (*outputs, CACHE))
    bwd = Signature(_name(cell, kind, "step", "backward"),
                    (*("d" + o for o in outputs), CACHE),
                    tuple("d" + n for n in (*states, "Wx", "Wh", "b")))
    return Layout("cs231n", cell, kind, arrays, fwd, bwd, _gate_names(cell), gate_order=gates)


def pytorch(cell: str, kind: str, order: Sequence[str] | None = None) -> Layout:
    gates = _order(cell, "pytorch", order)
    step = kind == "step"
    data = ("x", "hx", "cx") if step else ("input", "h0", "c0")
    outs = ("hy", "cy") if step else ("output",)
    canon = ("x", "h_prev", "c_prev") if step else ("xs", "h0", "c0")
    states = data if cell == "lstm" else data[:2]
    outputs = outs if cell == "lstm" or not step else outs[:1]
    # torch's hidden bias: b = b_ih + b_hh for every gate but the GRU candidate's.
    hidden_bias = {g: ("bh_n" if (cell, g) == ("gru", "n") else _param("b", g)) for g in gates}
    arrays: dict[str, Builder] = {
        **{u: _take(n) for u, n in zip(data, canon)},
        "w_ih": _stack("W", gates, axis=0, transpose=False),
        "w_hh": _stack("U", gates, axis=0, transpose=False),
        "b_ih": _stack("b", gates, axis=0, transpose=False),
        "b_hh": lambda c: np.concatenate([c[hidden_bias[g]] if hidden_bias[g] == "bh_n"
                                          else c.zero(hidden_bias[g]) for g in gates]),
    }
    if step:
        arrays.update({"hy": _take("h"), "cy": _take("c")})
    else:
        arrays["output"] = _take("hs")
    params = ("w_ih", "w_hh", "b_ih", "b_hh")
    fwd = Signature(_name(cell, kind, "cell", "forward"), (*states, *params), (*outputs, CACHE))
    bwd = Signature(_name(cell, kind, "cell", "backward"),
                    (*("grad_" + o for o in outputs), CACHE),
                    tuple("grad_" + n for n in (*states, *params)))
    return Layout("pytorch", cell, kind, arrays, fwd, bwd, _gate_names(cell), gate_order=gates)


DLAI_PARAMS = {"lstm": {"f": "f", "i": "i", "c": "c", "o": "o"}, "rnn": {"": "a"}}


def dlai(cell: str, kind: str, order: Sequence[str] | None = None) -> Layout:
    if cell == "gru":
        raise ValueError("the dlai layout has no GRU (the course's notebooks build RNN and "
                         "LSTM cells); use --layout cs231n or pytorch, or a mapping file")
    step = kind == "step"
    time = (2, 1, 0)  # canonical (T, B, D) -> dlai (n_x, m, T_x)
    arrays: dict[str, Builder] = {}
    if step:
        arrays.update({u: _take(n, axes=(1, 0)) for u, n in (
            ("xt", "x"), ("a_prev", "h_prev"), ("c_prev", "c_prev"), ("a_next", "h"),
            ("c_next", "c"))})
    else:
        arrays.update({"x": _take("xs", axes=time), "a0": _take("h0", axes=(1, 0)),
                       "a": _take("hs", axes=time), "c": _take("cs", axes=time)})
    names: list[str] = []
    if cell == "lstm":
        for g in ("f", "i", "c", "o"):
            arrays[f"W{g}"] = _hidden_then_input(g)
            arrays[f"b{g}"] = _take(f"b_{g}", index=(slice(None), None))
            names += [f"W{g}", f"b{g}"]
    else:
        arrays.update({"Wax": _take("W"), "Waa": _take("U"),
                       "ba": _take("b", index=(slice(None), None))})
        names += ["Waa", "Wax", "ba"]
    extras: dict[str, ExtraShape] = {"Wya" if cell == "rnn" else "Wy": _output_layer,
                                     "by": lambda s: (2, 1)}
    params = Group((*names, *extras))
    grads = Group(tuple("d" + n for n in names))
    if step:
        state = ("xt", "a_prev", "c_prev") if cell == "lstm" else ("xt", "a_prev")
        outs = ("a_next", "c_next") if cell == "lstm" else ("a_next",)
        fwd = Signature(f"{cell}_cell_forward", (*state, params), (*outs, IGNORED, CACHE))
        bwd = Signature(f"{cell}_cell_backward", (*("d" + o for o in outs), CACHE),
                        (Group((*("d" + s for s in state), *grads.keys)),))
    else:
        returned: tuple[str, ...] = ("a", IGNORED, "c") if cell == "lstm" else ("a", IGNORED)
        fwd = Signature(f"{cell}_forward", ("x", "a0", params), (*returned, CACHE))
        bwd = Signature(f"{cell}_backward", ("da", CACHE), (Group(("dx", "da0", *grads.keys)),))
    return Layout("dlai", cell, kind, arrays, fwd, bwd, _gate_names(cell), extras)


def seed(cell: str, kind: str, order: Sequence[str] | None = None) -> Layout:
    step = kind == "step"
    params = CELLS[cell].params
    arrays: dict[str, Builder] = {p: _take(p) for p in params}
    state, outs = _plain_names(cell, step)
    for n in (*state, *outs):  # one example: the batch axis of one is dropped
        arrays[n] = _take(n, index=0 if step or n in ("h0", "c0") else (slice(None), 0))
    word = "cell"
    fwd = Signature(_name(cell, kind, word, "forward"), (*state, Group(params)), (*outs, CACHE))
    bwd = Signature(_name(cell, kind, word, "backward"), (*("d" + o for o in outs), CACHE),
                    (Group(tuple("d" + n for n in (*state, *params))),))
    return Layout("seed", cell, kind, arrays, fwd, bwd, _gate_names(cell), batched=False)


def column(cell: str, kind: str, order: Sequence[str] | None = None) -> Layout:
    gates = _order(cell, "column", order)
    step = kind == "step"
    state, outs = _plain_names(cell, step)
    bias = _stack("b", gates, axis=0, transpose=False)
    arrays: dict[str, Builder] = {
        "W": _stack("W", gates, axis=0, transpose=False),
        "U": _stack("U", gates, axis=0, transpose=False),
        "b": lambda c: bias(c)[:, None],
    }
    for n in (*state, *outs):  # columns: (D, B), sequences (T, D, B)
        arrays[n] = _take(n, axes=(1, 0) if step or n in ("h0", "c0") else (0, 2, 1))
    fwd = Signature(_name(cell, kind, "step", "forward"), (*state, "W", "U", "b"),
                    (*outs, CACHE))
    bwd = Signature(_name(cell, kind, "step", "backward"), (*("d" + o for o in outs), CACHE),
                    tuple("d" + n for n in (*state, "W", "U", "b")))
    return Layout("column", cell, kind, arrays, fwd, bwd, _gate_names(cell), gate_order=gates)


def _plain_names(cell: str, step: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Canonical names, used as they are by the seed and column layouts."""
    state = ("x", "h_prev", "c_prev") if step else ("xs", "h0", "c0")
    outs = ("h", "c") if step else ("hs",)
    return (state, outs) if cell == "lstm" else (state[:2], outs[:1])


def _output_layer(s: Sizes) -> tuple[int, ...]:
    return (2, s.hidden)  # dlai's Wy: 2 outputs


def _gate_names(cell: str) -> dict[str, str]:
    return LSTM_USER_GATE if cell == "lstm" else {g: g for g in CELLS[cell].gates}


FACTORIES: dict[str, Callable[..., Layout]] = {
    "cs231n": cs231n, "pytorch": pytorch, "dlai": dlai, "seed": seed, "column": column}


def layout(name: str, cell: str, kind: str, order: Sequence[str] | None = None) -> Layout:
    """A built-in layout; ValueError naming the choices for an unknown one."""
    if name not in FACTORIES:
        raise ValueError(f"layout={name!r} is not one of {', '.join(LAYOUTS)}")
    if cell not in CELLS:
        raise ValueError(f"cell={cell!r} is not one of {', '.join(CELLS)}")
    if kind not in ("step", "sequence"):
        raise ValueError(f"kind={kind!r} must be 'step' or 'sequence'")
    return FACTORIES[name](cell, kind, order)


def find_by_name(layout_name: str, function: str) -> tuple[str, str] | None:
    """(cell, kind) whose backward (or forward) function has this name in the layout."""
    for cell in CELLS:
        for kind in ("step", "sequence"):
            try:
                lay = layout(layout_name, cell, kind)
            except ValueError:
                continue
            if function in (lay.backward.name, lay.forward.name):
                return cell, kind
    return None


def extra_values(lay: Layout, sizes: Sizes) -> dict[str, Array]:
    """Values for arrays outside the model (dlai's output layer), fixed, never checked."""
    rng = np.random.default_rng(7)
    return {n: rng.uniform(-1, 1, size=shape(sizes)) for n, shape in lay.extras.items()}
