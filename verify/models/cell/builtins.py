"""Stage: cell gradient checking (spec). Named built-in cells, each its forward equations.

``cell: <name>`` in a ``model: cell`` spec stands for the equations below, exactly as if
they had been written under ``forward:``. Shapes use the size names D (input) and H
(hidden); ``[]`` is a scalar. Untrusted text, parsed like any spec's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class CellText:
    """A cell as a spec writes it: equations and the shapes of what they read."""

    summary: str
    forward: tuple[tuple[str, str], ...]
    inputs: Mapping[str, tuple[str, ...]]
    params: Mapping[str, tuple[str, ...]]
    outputs: tuple[str, ...]
    states: Mapping[str, str]  # recurrent input -> the output it carries to the next step


def _gates(*gates: str) -> dict[str, tuple[str, ...]]:
    return {**{f"W_{g}": ("H", "D") for g in gates}, **{f"U_{g}": ("H", "H") for g in gates},
            **{f"b_{g}": ("H",) for g in gates}}


_STATE = {"x": ("D",), "h_prev": ("H",)}

BUILTINS: dict[str, CellText] = {
    "rnn-tanh": CellText(
        "vanilla RNN: h = tanh(W x + U h_prev + b)",
        (("a", "W @ x + U @ h_prev + b"), ("h", "tanh(a)")),
        _STATE, {"W": ("H", "D"), "U": ("H", "H"), "b": ("H",)}, ("h",), {"h_prev": "h"}),
    "gru": CellText(
        "GRU as in Cho et al. (2014): reset before U_h, h = z * h_prev + (1 - z) * hbar",
        (("z", "sigmoid(W_z @ x + U_z @ h_prev + b_z)"),
         ("r", "sigmoid(W_r @ x + U_r @ h_prev + b_r)"),
         ("hbar", "tanh(W_h @ x + U_h @ (r * h_prev) + b_h)"),
         ("h", "z * h_prev + (1 - z) * hbar")),
        _STATE, _gates("z", "r", "h"), ("h",), {"h_prev": "h"}),
    "gru-pytorch": CellText(
        "GRU as torch.nn.GRUCell: n = tanh(W_n x + b_in + r * (U_n h_prev + b_hn)), "
        "h = (1 - z) * n + z * h_prev",
        (("r", "sigmoid(W_r @ x + U_r @ h_prev + b_r)"),
         ("z", "sigmoid(W_z @ x + U_z @ h_prev + b_z)"),
         ("n", "tanh(W_n @ x + b_in + r * (U_n @ h_prev + b_hn))"),
         ("h", "(1 - z) * n + z * h_prev")),
        _STATE, {**_gates("r", "z"), "W_n": ("H", "D"), "U_n": ("H", "H"), "b_in": ("H",),
                 "b_hn": ("H",)}, ("h",), {"h_prev": "h"}),
    "lstm-peephole": CellText(
        "LSTM with peepholes (Gers & Schmidhuber): p_i, p_f see c_prev, p_o sees c",
        (("i", "sigmoid(W_i @ x + U_i @ h_prev + p_i * c_prev + b_i)"),
         ("f", "sigmoid(W_f @ x + U_f @ h_prev + p_f * c_prev + b_f)"),
         ("cbar", "tanh(W_c @ x + U_c @ h_prev + b_c)"),
         ("c", "f * c_prev + i * cbar"),
         ("o", "sigmoid(W_o @ x + U_o @ h_prev + p_o * c + b_o)"),
         ("h", "o * tanh(c)")),
        {**_STATE, "c_prev": ("H",)},
        {**_gates("i", "f", "o", "c"), "p_i": ("H",), "p_f": ("H",), "p_o": ("H",)},
        ("h", "c"), {"h_prev": "h", "c_prev": "c"}),
    "lstm-scalar": CellText(
        "bias-free scalar LSTM (a Toronto homework): every quantity a number",
        (("i", "sigmoid(w_ix * x + w_ih * h_prev)"), ("f", "sigmoid(w_fx * x + w_fh * h_prev)"),
         ("o", "sigmoid(w_ox * x + w_oh * h_prev)"), ("g", "tanh(w_gx * x + w_gh * h_prev)"),
         ("c", "f * c_prev + i * g"), ("h", "o * tanh(c)")),
        {"x": (), "h_prev": (), "c_prev": ()},
        {f"w_{g}{s}": () for g in "ifog" for s in "xh"}, ("h", "c"),
        {"h_prev": "h", "c_prev": "c"}),
}

__all__ = ["BUILTINS", "CellText"]
