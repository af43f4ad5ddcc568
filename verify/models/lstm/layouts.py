"""Stage: LSTM gradient checking (layouts). The names and shapes people write LSTM
gradients in, mapped onto the one reference cell.

The reference LSTM (:mod:`verify.models.lstm.cell`) is in the column form of the seed
homework: ``i = sigmoid(W_i @ x + U_i @ h_prev + b_i)`` with ``W_i`` of shape (H, D). A
``layout:`` key in a spec picks the names a student's formulas read and the targets they
claim:

* ``column`` (default): the column form, today's names.
* ``seed``: the seed's row-vector notation, ``z_i = x W_i + h_prev U_i + b_i`` with ``W_i``
  of shape (D, H), so ``dL/dx = dL/dz_i · W_i^T`` is ``d_i @ W_i.T``.
* ``cs231n``: ``lstm_step_backward``: rows (1, n), stacked ``Wx`` (D, 4H), ``Wh`` (H, 4H),
  ``b`` (4H,), gate order i, f, o, g, ``a = x @ Wx + prev_h @ Wh + b``.
* ``pytorch``: ``nn.LSTMCell``: ``W_ih`` (4H, D), ``W_hh`` (4H, H), ``b_ih``, ``b_hh``
  (4H,), gate order i, f, g, o; vectors (n,).
* ``dlai``: the deeplearning.ai notebook: columns (n, 1), ``concat = [a_prev; xt]``,
  ``Wf`` (n_a, n_a + n_x), and ``dft``, ``dit``, ``dcct``, ``dot`` are gradients at the
  pre-activations, as the notebook defines them.

Every map works on arrays with a leading batch axis and on any dtype (float64, complex,
``mpmath`` objects). Untrusted: a change of names, no arithmetic beyond stacking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from verify.models.lstm.cell import GATES
from verify.models.lstm.expr import Array

Env = dict[str, Array]
GATE_VAR = {"i": "i", "f": "f", "o": "o", "c": "cbar"}


def _t(a: Array) -> Array:
    return np.swapaxes(a, -1, -2)


def _row(a: Array) -> Array:
    return a[:, None, :]


def _col(a: Array) -> Array:
    return a[:, :, None]


def _cat(arrays: list[Array], axis: int) -> Array:
    return np.concatenate(arrays, axis=axis)


def _z(e: Mapping[str, Array], g: str) -> Array:
    """The pre-activation ``W_g x + U_g h_prev + b_g`` of gate ``g``, per instance."""
    return np.asarray(np.matmul(e[f"W_{g}"], e["x"][:, :, None])[:, :, 0]
                      + np.matmul(e[f"U_{g}"], e["h_prev"][:, :, None])[:, :, 0] + e[f"b_{g}"])


@dataclass(frozen=True, eq=False)
class Layout:
    """One way of writing the cell: names, targets, shapes, and the maps onto them."""

    name: str
    summary: str
    names: tuple[str, ...]
    targets: dict[str, str]  # target -> meaning
    shapes: dict[str, str]  # target -> symbolic shape (default "(H,)")
    env: Callable[[Mapping[str, Array]], Env]  # column environment -> this layout's
    reference: Callable[[Mapping[str, Array]], Env]  # column reference -> this layout's
    full_dc: Callable[[Mapping[str, Array], Mapping[str, Array]], Env]  # see hints
    matrices: tuple[str, ...]  # weights, for the "off by a transposition" hint
    gate_pairs: dict[str, tuple[str, str]] = field(default_factory=dict)  # out -> (dz, deriv)
    stacked: tuple[str, ...] = ()  # names whose gate blocks may be swapped by mistake
    order: str = ""  # the gate order of the stacked blocks, e.g. "ifog"
    stack_axis: dict[str, int] = field(default_factory=dict)  # name -> sample axis of blocks
    rename: dict[str, str] = field(default_factory=dict)  # column name -> this layout's
    loose_vectors: bool = False  # (n,), (1, n), (n, 1) are the same vector

    def shape_of(self, target: str) -> str:
        return self.shapes.get(target, "(H,)")


_COLUMN_NAMES = ("x", "h_prev", "c_prev", "i", "f", "o", "cbar", "c", "h", "tanh_c",
                 *(f"{k}_{g}" for k in ("W", "U", "b") for g in GATES),
                 "dh", "dc", "dc_next", "f_next", "H", "D")
_COLUMN_TARGETS: dict[str, str] = {
    "dx": "dL/dx_t", "dh_prev": "dL/dh_{t-1}", "dc_prev": "dL/dc_{t-1}",
    "dc_total": "dL/dc_t, all paths (dc + the path through h_t)",
    **{f"d{'cbar' if g == 'c' else g}": f"dL/d{GATE_VAR[g]}_t, at the gate output"
       for g in GATES},
    **{f"dz_{g}": f"dL/dz_{g}, at the pre-activation z_{g} = W_{g} x + U_{g} h_prev + b_{g}"
       for g in GATES},
    **{f"d{k}_{g}": f"dL/d{k}_{g}" for k in ("W", "U", "b") for g in GATES},
}
_DERIV = {"i": "i*(1-i)", "f": "f*(1-f)", "o": "o*(1-o)", "c": "(1-cbar**2)"}
_COLUMN_GATE_PAIRS = {f"d{'cbar' if g == 'c' else g}": (f"dz_{g}", _DERIV[g]) for g in GATES}


def _same(e: Mapping[str, Array]) -> Env:
    return dict(e)


def _column_full_dc(e: Mapping[str, Array], ref: Mapping[str, Array]) -> Env:
    full = ref["dc_total"]
    return {"dc": full, "dc_next": full / e["f_next"]}


COLUMN = Layout(
    "column", "column vectors, W_g of shape (H, D): z_g = W_g @ x + U_g @ h_prev + b_g",
    _COLUMN_NAMES, _COLUMN_TARGETS,
    {"dx": "(D,)", **{f"dW_{g}": "(H, D)" for g in GATES}, **{f"dU_{g}": "(H, H)" for g in GATES}},
    _same, _same, _column_full_dc,
    tuple(f"{k}_{g}" for k in "WU" for g in GATES), _COLUMN_GATE_PAIRS,
    rename={**{n: n for n in _COLUMN_NAMES}, "tanh_c": "c"})


def _seed_env(e: Mapping[str, Array]) -> Env:
    out = dict(e)
    out.update({f"{k}_{g}": _t(e[f"{k}_{g}"]) for k in "WU" for g in GATES})
    return out


def _seed_ref(r: Mapping[str, Array]) -> Env:
    out = dict(r)
    out.update({f"d{k}_{g}": _t(r[f"d{k}_{g}"]) for k in "WU" for g in GATES})
    return out


SEED = Layout(
    "seed", "the seed's row-vector notation, W_g of shape (D, H): z_g = x W_g + h_prev U_g "
    "+ b_g, so dL/dx = dL/dz_i · W_i^T is written d_i @ W_i.T",
    _COLUMN_NAMES, _COLUMN_TARGETS,
    {"dx": "(D,)", **{f"dW_{g}": "(D, H)" for g in GATES}, **{f"dU_{g}": "(H, H)" for g in GATES}},
    _seed_env, _seed_ref, _column_full_dc, COLUMN.matrices, _COLUMN_GATE_PAIRS,
    rename=COLUMN.rename)

_CS_ORDER = ("i", "f", "o", "c")  # CS231n's i, f, o, g


def _cs_env(e: Mapping[str, Array]) -> Env:
    return {
        "x": _row(e["x"]), "prev_h": _row(e["h_prev"]), "prev_c": _row(e["c_prev"]),
        "Wx": _cat([_t(e[f"W_{g}"]) for g in _CS_ORDER], 2),
        "Wh": _cat([_t(e[f"U_{g}"]) for g in _CS_ORDER], 2),
        "b": _cat([e[f"b_{g}"] for g in _CS_ORDER], 1),
        "a": _row(_cat([_z(e, g) for g in _CS_ORDER], 1)),
        "i": _row(e["i"]), "f": _row(e["f"]), "o": _row(e["o"]), "g": _row(e["cbar"]),
        "next_c": _row(e["c"]), "next_h": _row(e["h"]),
        "dnext_h": _row(e["dh"]), "dnext_c": _row(e["dc"]), "H": e["H"], "D": e["D"]}


def _cs_ref(r: Mapping[str, Array]) -> Env:
    return {
        "dx": _row(r["dx"]), "dprev_h": _row(r["dh_prev"]), "dprev_c": _row(r["dc_prev"]),
        "dWx": _cat([_t(r[f"dW_{g}"]) for g in _CS_ORDER], 2),
        "dWh": _cat([_t(r[f"dU_{g}"]) for g in _CS_ORDER], 2),
        "db": _cat([r[f"db_{g}"] for g in _CS_ORDER], 1),
        "da": _row(_cat([r[f"dz_{g}"] for g in _CS_ORDER], 1)),
        "dnext_c_total": _row(r["dc_total"]),
        "di": _row(r["di"]), "df": _row(r["df"]), "do": _row(r["do"]), "dg": _row(r["dcbar"]),
        "dai": _row(r["dz_i"]), "daf": _row(r["dz_f"]), "dao": _row(r["dz_o"]),
        "dag": _row(r["dz_c"])}


CS231N = Layout(
    "cs231n", "CS231n lstm_step_backward: rows (1, n), Wx (D, 4H), Wh (H, 4H), b (4H,), "
    "gate blocks i, f, o, g, a = x @ Wx + prev_h @ Wh + b",
    ("x", "prev_h", "prev_c", "Wx", "Wh", "b", "a", "i", "f", "o", "g", "next_c", "next_h",
     "dnext_h", "dnext_c", "H", "D"),
    {"dx": "dL/dx", "dprev_h": "dL/dprev_h", "dprev_c": "dL/dprev_c", "dWx": "dL/dWx",
     "dWh": "dL/dWh", "db": "dL/db", "da": "dL/da, at the pre-activations (blocks i, f, o, g)",
     "dnext_c_total": "dL/dnext_c, all paths (dnext_c + the path through next_h)",
     "di": "dL/di, at the gate output", "df": "dL/df, at the gate output",
     "do": "dL/do, at the gate output", "dg": "dL/dg, at the candidate g",
     "dai": "dL/da_i (= da[:, 0:H])", "daf": "dL/da_f (= da[:, H:2*H])",
     "dao": "dL/da_o (= da[:, 2*H:3*H])", "dag": "dL/da_g (= da[:, 3*H:4*H])"},
    {"dx": "(1, D)", "dWx": "(D, 4H)", "dWh": "(H, 4H)", "db": "(4H,)", "da": "(1, 4H)",
     **{n: "(1, H)" for n in ("dprev_h", "dprev_c", "dnext_c_total", "di", "df", "do", "dg",
                              "dai", "daf", "dao", "dag")}},
    _cs_env, _cs_ref,
    lambda e, r: {"dnext_c": _row(r["dc_total"])},
    ("Wx", "Wh"),
    {"di": ("dai", "i*(1-i)"), "df": ("daf", "f*(1-f)"), "do": ("dao", "o*(1-o)"),
     "dg": ("dag", "(1-g**2)")},
    stacked=("Wx", "Wh", "b", "a"), order="ifog",
    stack_axis={"Wx": 1, "Wh": 1, "b": 0, "a": 1},
    rename={"x": "x", "h_prev": "prev_h", "c_prev": "prev_c", "i": "i", "f": "f", "o": "o",
            "cbar": "g", "c": "next_c", "tanh_c": "next_c", "h": "next_h", "dh": "dnext_h",
            "dc": "dnext_c", **{f"{k}_{g}": n for k, n in (("W", "Wx"), ("U", "Wh"))
                                for g in GATES}},
    loose_vectors=True)

_PT_ORDER = ("i", "f", "c", "o")  # PyTorch's i, f, g, o


def _pt_env(e: Mapping[str, Array]) -> Env:
    b = _cat([e[f"b_{g}"] for g in _PT_ORDER], 1)
    return {
        "x": e["x"], "h_prev": e["h_prev"], "c_prev": e["c_prev"],
        "W_ih": _cat([e[f"W_{g}"] for g in _PT_ORDER], 1),
        "W_hh": _cat([e[f"U_{g}"] for g in _PT_ORDER], 1),
        "b_ih": b, "b_hh": b * 0,
        "i": e["i"], "f": e["f"], "g": e["cbar"], "o": e["o"], "c": e["c"], "h": e["h"],
        "dh": e["dh"], "dc": e["dc"], "H": e["H"], "D": e["D"]}


def _pt_ref(r: Mapping[str, Array]) -> Env:
    db = _cat([r[f"dz_{g}"] for g in _PT_ORDER], 1)
    return {
        "dx": r["dx"], "dh_prev": r["dh_prev"], "dc_prev": r["dc_prev"],
        "dc_total": r["dc_total"],
        "dW_ih": _cat([r[f"dW_{g}"] for g in _PT_ORDER], 1),
        "dW_hh": _cat([r[f"dU_{g}"] for g in _PT_ORDER], 1),
        "db_ih": db, "db_hh": db, "dgates": db,
        "di": r["di"], "df": r["df"], "dg": r["dcbar"], "do": r["do"]}


PYTORCH = Layout(
    "pytorch", "torch.nn.LSTMCell: W_ih (4H, D), W_hh (4H, H), b_ih, b_hh (4H,), gate blocks "
    "i, f, g, o; gates = W_ih @ x + b_ih + W_hh @ h_prev + b_hh (b_hh is drawn as 0)",
    ("x", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih", "b_hh", "i", "f", "g", "o", "c", "h",
     "dh", "dc", "H", "D"),
    {"dx": "dL/dx", "dh_prev": "dL/dh_prev", "dc_prev": "dL/dc_prev",
     "dc_total": "dL/dc, all paths", "dW_ih": "dL/dW_ih", "dW_hh": "dL/dW_hh",
     "db_ih": "dL/db_ih", "db_hh": "dL/db_hh",
     "dgates": "dL/dgates, at the pre-activations (blocks i, f, g, o)",
     "di": "dL/di, at the gate output", "df": "dL/df, at the gate output",
     "dg": "dL/dg, at the candidate g", "do": "dL/do, at the gate output"},
    {"dx": "(D,)", "dW_ih": "(4H, D)", "dW_hh": "(4H, H)", "db_ih": "(4H,)", "db_hh": "(4H,)",
     "dgates": "(4H,)"},
    _pt_env, _pt_ref, lambda e, r: {"dc": r["dc_total"]}, ("W_ih", "W_hh"),
    stacked=("W_ih", "W_hh", "b_ih"), order="ifgo",
    stack_axis={"W_ih": 0, "W_hh": 0, "b_ih": 0},
    rename={"x": "x", "h_prev": "h_prev", "c_prev": "c_prev", "i": "i", "f": "f", "o": "o",
            "cbar": "g", "c": "c", "tanh_c": "c", "h": "h", "dh": "dh", "dc": "dc",
            **{f"{k}_{g}": n for k, n in (("W", "W_ih"), ("U", "W_hh")) for g in GATES}})

_DL = {"f": "f", "i": "i", "c": "c", "o": "o"}


def _dl_env(e: Mapping[str, Array]) -> Env:
    out = {
        "xt": _col(e["x"]), "a_prev": _col(e["h_prev"]), "c_prev": _col(e["c_prev"]),
        "concat": _col(_cat([e["h_prev"], e["x"]], 1)),
        "ft": _col(e["f"]), "it": _col(e["i"]), "cct": _col(e["cbar"]), "ot": _col(e["o"]),
        "c_next": _col(e["c"]), "a_next": _col(e["h"]),
        "da_next": _col(e["dh"]), "dc_next": _col(e["dc"]), "n_a": e["H"], "n_x": e["D"]}
    for g in GATES:
        out[f"W{g}"] = _cat([e[f"U_{g}"], e[f"W_{g}"]], 2)
        out[f"b{g}"] = _col(e[f"b_{g}"])
    return out


def _dl_ref(r: Mapping[str, Array]) -> Env:
    out = {"dxt": _col(r["dx"]), "da_prev": _col(r["dh_prev"]), "dc_prev": _col(r["dc_prev"]),
           "dft": _col(r["dz_f"]), "dit": _col(r["dz_i"]), "dcct": _col(r["dz_c"]),
           "dot": _col(r["dz_o"])}
    for g in GATES:
        out[f"dW{g}"] = _cat([r[f"dU_{g}"], r[f"dW_{g}"]], 2)
        out[f"db{g}"] = _col(r[f"dz_{g}"])
    return out


DLAI = Layout(
    "dlai", "deeplearning.ai lstm_cell_backward: columns (n, 1), concat = [a_prev; xt], "
    "W_g (n_a, n_a + n_x) acting on concat; dft, dit, dcct, dot are at the pre-activations",
    ("xt", "a_prev", "c_prev", "concat", *(f"W{g}" for g in GATES), *(f"b{g}" for g in GATES),
     "ft", "it", "cct", "ot", "c_next", "a_next", "da_next", "dc_next", "n_a", "n_x"),
    {"dxt": "dL/dxt", "da_prev": "dL/da_prev", "dc_prev": "dL/dc_prev",
     **{f"dW{g}": f"dL/dW{g}" for g in GATES}, **{f"db{g}": f"dL/db{g}" for g in GATES},
     "dft": "dL/d(pre-activation of ft), as the notebook's dft",
     "dit": "dL/d(pre-activation of it), as the notebook's dit",
     "dcct": "dL/d(pre-activation of cct), as the notebook's dcct",
     "dot": "dL/d(pre-activation of ot), as the notebook's dot"},
    {"dxt": "(n_x, 1)", **{f"dW{g}": "(n_a, n_a + n_x)" for g in GATES},
     **{n: "(n_a, 1)" for n in ("da_prev", "dc_prev", "dft", "dit", "dcct", "dot",
                                *(f"db{g}" for g in GATES))}},
    _dl_env, _dl_ref, lambda e, r: {"dc_next": _col(r["dc_total"])},
    tuple(f"W{g}" for g in GATES),
    rename={"x": "xt", "h_prev": "a_prev", "c_prev": "c_prev", "i": "it", "f": "ft",
            "o": "ot", "cbar": "cct", "c": "c_next", "tanh_c": "c_next", "h": "a_next",
            "dh": "da_next", "dc": "dc_next",
            **{f"{k}_{g}": f"W{g}" for k in "WU" for g in GATES}},
    loose_vectors=True)

LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (COLUMN, SEED, CS231N, PYTORCH, DLAI)}


def swap_blocks(layout: Layout, env: Mapping[str, Array], first: int, second: int) -> Env:
    """``env`` with the gate blocks ``first`` and ``second`` of every stacked name swapped
    (what a formula reads if it slices the wrong block)."""
    out = dict(env)
    for name in layout.stacked:
        value = env[name]
        axis = 1 + layout.stack_axis[name]
        n = value.shape[axis] // 4
        blocks = [np.take(value, range(k * n, (k + 1) * n), axis=axis) for k in range(4)]
        blocks[first], blocks[second] = blocks[second], blocks[first]
        out[name] = np.concatenate(blocks, axis=axis)
    return out


def swap_concat_halves(env: Mapping[str, Array]) -> Env:
    """The dlai environment as if concat were [xt; a_prev] (the two weight parts swapped)."""
    out = dict(env)
    na = int(np.asarray(env["n_a"]).reshape(-1)[0])
    for g in GATES:
        w = env[f"W{g}"]
        out[f"W{g}"] = np.concatenate([w[:, :, na:], w[:, :, :na]], axis=2)
    out["concat"] = np.concatenate([env["xt"], env["a_prev"]], axis=1)
    return out


__all__ = ["COLUMN", "CS231N", "DLAI", "LAYOUTS", "PYTORCH", "SEED", "Layout", "swap_blocks",
           "swap_concat_halves"]
