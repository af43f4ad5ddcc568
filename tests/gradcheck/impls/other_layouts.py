"""Correct cells written by hand in the other layouts' conventions, independently of
verify (plain NumPy), to show that each built-in layout accepts correct code."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --- pytorch: rows, w_ih (4H, D) in gate order i, f, g, o, two biases -------------------
def lstm_cell_forward(x, hx, cx, w_ih, w_hh, b_ih, b_hh):
    gates = x @ w_ih.T + b_ih + hx @ w_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    cy = f * cx + i * g
    hy = o * np.tanh(cy)
    return hy, cy, (x, hx, cx, w_ih, w_hh, i, f, g, o, cy)


def lstm_cell_backward(grad_hy, grad_cy, cache):
    x, hx, cx, w_ih, w_hh, i, f, g, o, cy = cache
    tc = np.tanh(cy)
    dc = grad_cy + grad_hy * o * (1 - tc ** 2)
    dgates = np.hstack([dc * g * i * (1 - i), dc * cx * f * (1 - f), dc * i * (1 - g ** 2),
                        grad_hy * tc * o * (1 - o)])
    db = dgates.sum(axis=0)
    return (dgates @ w_ih, dgates @ w_hh, dc * f, dgates.T @ x, dgates.T @ hx, db, db)


def gru_cell_forward(x, hx, w_ih, w_hh, b_ih, b_hh):
    gi = x @ w_ih.T + b_ih
    gh = hx @ w_hh.T + b_hh
    i_r, i_z, i_n = np.split(gi, 3, axis=1)
    h_r, h_z, h_n = np.split(gh, 3, axis=1)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    hy = (1 - z) * n + z * hx
    return hy, (x, hx, w_ih, w_hh, r, z, n, h_n)


def gru_cell_backward(grad_hy, cache):
    x, hx, w_ih, w_hh, r, z, n, h_n = cache
    dn = grad_hy * (1 - z) * (1 - n ** 2)
    dz = grad_hy * (hx - n) * z * (1 - z)
    dr = dn * h_n * r * (1 - r)
    dgi = np.hstack([dr, dz, dn])
    dgh = np.hstack([dr, dz, dn * r])
    return (dgi @ w_ih, dgh @ w_hh + grad_hy * z, dgi.T @ x, dgh.T @ hx,
            dgi.sum(axis=0), dgh.sum(axis=0))


# --- seed: the homework's notation, one example, separate W_g, U_g, b_g ------------------
def seed_lstm_cell_forward(x, h_prev, c_prev, params):
    p = params
    i = sigmoid(p["W_i"] @ x + p["U_i"] @ h_prev + p["b_i"])
    f = sigmoid(p["W_f"] @ x + p["U_f"] @ h_prev + p["b_f"])
    o = sigmoid(p["W_o"] @ x + p["U_o"] @ h_prev + p["b_o"])
    cbar = np.tanh(p["W_c"] @ x + p["U_c"] @ h_prev + p["b_c"])
    c = f * c_prev + i * cbar
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, p, i, f, o, cbar, c)


def seed_lstm_cell_backward(dh, dc, cache):
    x, h_prev, c_prev, p, i, f, o, cbar, c = cache
    dc_total = dc + dh * o * (1 - np.tanh(c) ** 2)
    dz = {"i": dc_total * cbar * i * (1 - i), "f": dc_total * c_prev * f * (1 - f),
          "o": dh * np.tanh(c) * o * (1 - o), "c": dc_total * i * (1 - cbar ** 2)}
    grads = {"dx": sum(p[f"W_{g}"].T @ dz[g] for g in "ifoc"),
             "dh_prev": sum(p[f"U_{g}"].T @ dz[g] for g in "ifoc"),
             "dc_prev": dc_total * f}
    for g in "ifoc":
        grads[f"dW_{g}"] = np.outer(dz[g], x)
        grads[f"dU_{g}"] = np.outer(dz[g], h_prev)
        grads[f"db_{g}"] = dz[g]
    return grads


# --- column: columns (D, B), stacked W (4H, D), gate order i, f, o, g ------------------
def column_lstm_step_forward(x, h_prev, c_prev, W, U, b):
    H = h_prev.shape[0]
    a = W @ x + U @ h_prev + b
    i, f, o, g = sigmoid(a[:H]), sigmoid(a[H:2 * H]), sigmoid(a[2 * H:3 * H]), np.tanh(a[3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, W, U, i, f, o, g, c)


def column_lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, W, U, i, f, o, g, c = cache
    tc = np.tanh(c)
    dct = dc + dh * o * (1 - tc ** 2)
    da = np.vstack([dct * g * i * (1 - i), dct * c_prev * f * (1 - f), dh * tc * o * (1 - o),
                    dct * i * (1 - g ** 2)])
    return W.T @ da, U.T @ da, dct * f, da @ x.T, da @ h_prev.T, da.sum(axis=1, keepdims=True)


# --- dlai: columns, Wf (n_a, n_a + n_x) on [a_prev; xt], dicts in and out ---------------
def dlai_lstm_cell_forward(xt, a_prev, c_prev, parameters):
    p = parameters
    concat = np.concatenate([a_prev, xt], axis=0)
    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    a_next = ot * np.tanh(c_next)
    z = p["Wy"] @ a_next + p["by"]
    yt_pred = np.exp(z) / np.exp(z).sum(axis=0)
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p)


def dlai_lstm_cell_backward(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_next.shape[0]
    dot = da_next * np.tanh(c_next) * ot * (1 - ot)
    dc = dc_next + ot * (1 - np.tanh(c_next) ** 2) * da_next
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.concatenate([a_prev, xt], axis=0)
    grads = {"dWf": dft @ concat.T, "dWi": dit @ concat.T, "dWc": dcct @ concat.T,
             "dWo": dot @ concat.T, "dbf": dft.sum(axis=1, keepdims=True),
             "dbi": dit.sum(axis=1, keepdims=True), "dbc": dcct.sum(axis=1, keepdims=True),
             "dbo": dot.sum(axis=1, keepdims=True)}
    dconcat = (p["Wf"].T @ dft + p["Wi"].T @ dit + p["Wc"].T @ dcct + p["Wo"].T @ dot)
    grads.update({"da_prev": dconcat[:n_a], "dxt": dconcat[n_a:], "dc_prev": dc * ft})
    return grads


def dlai_rnn_cell_forward(xt, a_prev, parameters):
    p = parameters
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    yt_pred = p["Wya"] @ a_next + p["by"]
    return a_next, yt_pred, (a_next, a_prev, xt, p)


def dlai_rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, p = cache
    dtanh = da_next * (1 - a_next ** 2)
    return {"dxt": p["Wax"].T @ dtanh, "da_prev": p["Waa"].T @ dtanh,
            "dWax": dtanh @ xt.T, "dWaa": dtanh @ a_prev.T,
            "dba": dtanh.sum(axis=1, keepdims=True)}


def dlai_rnn_forward(x, a0, parameters):
    _, m, T_x = x.shape
    a = np.zeros((a0.shape[0], m, T_x))
    a_next, caches = a0, []
    for t in range(T_x):
        a_next, _, cache = dlai_rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        caches.append(cache)
    return a, None, (caches, x)


def dlai_rnn_backward(da, caches):
    caches, x = caches
    n_a, m, T_x = da.shape
    gradients = {"dx": np.zeros(x.shape), "dWax": 0, "dWaa": 0, "dba": 0}
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        g = dlai_rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        gradients["dx"][:, :, t] = g["dxt"]
        da_prevt = g["da_prev"]
        for k in ("dWax", "dWaa", "dba"):
            gradients[k] = gradients[k] + g[k]
    gradients["da0"] = da_prevt
    return gradients


# --- sequences, as loops over the steps above -------------------------------------------
def lstm_forward(input, h0, c0, w_ih, w_hh, b_ih, b_hh):  # pytorch: (T, B, D)
    h, c, caches, outs = h0, c0, [], []
    for x in input:
        h, c, cache = lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
        caches.append(cache)
    return np.stack(outs), caches


def lstm_backward(grad_output, caches):
    dh, dc = np.zeros_like(grad_output[0]), np.zeros_like(grad_output[0])
    grads, dxs = None, []
    for t in reversed(range(len(caches))):
        dx, dh, dc, *dparams = lstm_cell_backward(grad_output[t] + dh, dc, caches[t])
        dxs.append(dx)
        grads = dparams if grads is None else [a + b for a, b in zip(grads, dparams)]
    return (np.stack(dxs[::-1]), dh, dc, *grads)


def column_lstm_forward(xs, h0, c0, W, U, b):  # column: (T, D, B)
    h, c, caches, hs = h0, c0, [], []
    for x in xs:
        h, c, cache = column_lstm_step_forward(x, h, c, W, U, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def column_lstm_backward(dhs, caches):
    dh, dc = np.zeros_like(dhs[0]), np.zeros_like(dhs[0])
    grads, dxs = None, []
    for t in reversed(range(len(caches))):
        dx, dh, dc, *dparams = column_lstm_step_backward(dhs[t] + dh, dc, caches[t])
        dxs.append(dx)
        grads = dparams if grads is None else [a + b for a, b in zip(grads, dparams)]
    return (np.stack(dxs[::-1]), dh, dc, *grads)


# --- cs231n-style GRU step: Wx (D, 3H) in the order r, z, n, one bias -------------------
def gru_step_forward(x, prev_h, Wx, Wh, b):
    H = prev_h.shape[1]
    ax, ah = x @ Wx + b, prev_h @ Wh
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    next_h = (1 - z) * n + z * prev_h
    return next_h, (x, prev_h, Wx, Wh, r, z, n, ah[:, 2 * H:])


def gru_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, r, z, n, hn = cache
    dn = dnext_h * (1 - z) * (1 - n ** 2)
    dz = dnext_h * (prev_h - n) * z * (1 - z)
    dr = dn * hn * r * (1 - r)
    dax = np.hstack([dr, dz, dn])
    dah = np.hstack([dr, dz, dn * r])
    return (dax @ Wx.T, dah @ Wh.T + dnext_h * z, x.T @ dax, prev_h.T @ dah, dax.sum(axis=0))


def dlai_lstm_forward(x, a0, parameters):  # dlai: x (n_x, m, T_x), c0 = 0
    n_a, m = a0.shape
    T_x = x.shape[2]
    a, c = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x))
    a_next, c_next, caches = a0, np.zeros((n_a, m)), []
    for t in range(T_x):
        a_next, c_next, _, cache = dlai_lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t], c[:, :, t] = a_next, c_next
        caches.append(cache)
    return a, None, c, (caches, x)


def dlai_lstm_backward(da, caches):
    caches, x = caches
    n_a, m, T_x = da.shape
    grads = {"dx": np.zeros(x.shape)}
    da_prevt, dc_prevt = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        g = dlai_lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        grads["dx"][:, :, t] = g["dxt"]
        da_prevt, dc_prevt = g["da_prev"], g["dc_prev"]
        for k in ("dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo"):
            grads[k] = grads.get(k, 0) + g[k]
    grads["da0"] = da_prevt
    return grads


def seed_lstm_forward(xs, h0, c0, params):  # seed: one example, xs (T, D)
    h, c, caches, hs = h0, c0, [], []
    for x in xs:
        h, c, cache = seed_lstm_cell_forward(x, h, c, params)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def seed_lstm_backward(dhs, caches):
    dh, dc = np.zeros_like(dhs[0]), np.zeros_like(dhs[0])
    grads, dxs = {}, []
    for t in reversed(range(len(caches))):
        g = seed_lstm_cell_backward(dhs[t] + dh, dc, caches[t])
        dxs.append(g.pop("dx"))
        dh, dc = g.pop("dh_prev"), g.pop("dc_prev")
        grads = {k: grads.get(k, 0) + v for k, v in g.items()}
    return {"dxs": np.stack(dxs[::-1]), "dh0": dh, "dc0": dc, **grads}
