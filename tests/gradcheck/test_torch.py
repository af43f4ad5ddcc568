"""With torch installed: the pytorch layout's expectations equal torch.nn's cells (an
independent oracle for the layout and the LSTM, GRU and RNN references), and a custom
torch.autograd.Function is checked through apply and autograd, in float64."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradcheck_helpers import EXAMPLES, check_in_process
from hypothesis import given, settings

from verify.testing import assert_gradients_match, cell_instances

torch = pytest.importorskip("torch", reason="torch is optional: pip install 'verify[torch]'")

MODULES = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn": torch.nn.RNNCell}


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_pytorch_layout_expectations_equal_torch_nn_cells(cell: str) -> None:
    @settings(max_examples=15, deadline=None)
    @given(cell_instances(cell=cell, layout="pytorch"))
    def check(inst) -> None:
        args = [torch.tensor(a, dtype=torch.float64, requires_grad=True)
                for a in inst.forward_args]
        *state, w_ih, w_hh, b_ih, b_hh = args
        module = MODULES[cell](w_ih.shape[1], w_hh.shape[1], dtype=torch.float64)
        with torch.no_grad():
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                                   (w_ih, w_hh, b_ih, b_hh)):
                getattr(module, name).copy_(value)
        outs = module(state[0], tuple(state[1:]) if cell == "lstm" else state[1])
        outs = outs if isinstance(outs, tuple) else (outs,)
        names = [n for n in inst.expected if not n.startswith("grad_")]
        upstream = [torch.tensor(u) for u in inst.upstream_args]
        loss = sum((o * u).sum() for o, u in zip(outs, upstream))
        loss.backward()
        ours = {n: o.detach().numpy() for n, o in zip(names, outs)}
        params = {"grad_w_ih": module.weight_ih.grad, "grad_w_hh": module.weight_hh.grad,
                  "grad_b_ih": module.bias_ih.grad, "grad_b_hh": module.bias_hh.grad}
        ours.update({k: v.numpy() for k, v in params.items()})
        ours.update({f"grad_{n}": a.grad.numpy()
                     for n, a in zip(("x", "hx", "cx"), state)})
        assert_gradients_match(ours, inst.expected, rtol=1e-10, atol=1e-12)
    check()


def test_a_correct_autograd_function_passes() -> None:
    report = check_in_process(f"{EXAMPLES / 'torch_lstm_function.py'}:LSTMCellFunction",
                              layout_name="pytorch", examples=25)
    assert report.autograd and report.status == "correct"
    assert report.names["backward"].endswith("LSTMCellFunction.backward")


def test_a_buggy_autograd_function_is_caught_with_a_hint(tmp_path: Path) -> None:
    source = (EXAMPLES / "torch_lstm_function.py").read_text()
    buggy = source.replace("dc = grad_cy + grad_hy * o * (1 - tc ** 2)", "dc = grad_cy")
    assert buggy != source
    (tmp_path / "fn.py").write_text(buggy)
    report = check_in_process(f"{tmp_path / 'fn.py'}:LSTMCellFunction", layout_name="pytorch")
    assert report.status == "incorrect" and report.autograd
    f = report.groups[0].findings[0]
    assert f.kind == "gradient" and (f.name or "").startswith("grad_")
    assert "grad_cy + grad_hy * o" in (f.hint or "")
