"""A custom ``torch.autograd.Function`` for one LSTM step, with a hand-written backward,
in PyTorch's layout (gates i, f, g, o; two biases). Check it with

    verify gradcheck examples/gradcheck/torch_lstm_function.py:LSTMCellFunction --layout pytorch
"""

import torch


class LSTMCellFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, hx, cx, w_ih, w_hh, b_ih, b_hh):
        gates = x @ w_ih.T + b_ih + hx @ w_hh.T + b_hh
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        cy = f * cx + i * g
        hy = o * cy.tanh()
        ctx.save_for_backward(x, hx, cx, w_ih, w_hh, i, f, g, o, cy)
        return hy, cy

    @staticmethod
    def backward(ctx, grad_hy, grad_cy):
        x, hx, cx, w_ih, w_hh, i, f, g, o, cy = ctx.saved_tensors
        tc = cy.tanh()
        dc = grad_cy + grad_hy * o * (1 - tc ** 2)
        dgates = torch.cat([dc * g * i * (1 - i), dc * cx * f * (1 - f),
                            dc * i * (1 - g ** 2), grad_hy * tc * o * (1 - o)], dim=1)
        db = dgates.sum(dim=0)
        return (dgates @ w_ih, dgates @ w_hh, dc * f, dgates.T @ x, dgates.T @ hx, db, db)
