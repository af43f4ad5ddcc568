"""The AD reference of ``model: cell`` agrees with complex-step derivatives on random cells:
the built-ins with random sizes and values, and random compositions of every operation."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from verify.models.cell.autodiff import Equation, gradients
from verify.models.cell.builtins import BUILTINS
from verify.models.lstm.expr import Array, parse

STEP = 1e-30


def complex_step(equations: tuple[Equation, ...], env: dict[str, Array],
                 upstream: dict[str, Array], name: str) -> Array:
    """dL/d env[name] with L = sum(upstream[o] * o), by complex-step, entry by entry."""
    out = np.zeros(env[name].shape)
    for idx in np.ndindex(env[name].shape[1:]):
        shifted = {k: v.astype(complex) for k, v in env.items()}
        shifted[name] = shifted[name].copy()
        shifted[name][(slice(None), *idx)] += STEP * 1j
        scope, _ = gradients(equations, shifted, {})
        loss = sum((scope[o] * upstream[o]).reshape(len(env[name]), -1).sum(axis=1)
                   for o in upstream)
        out[(slice(None), *idx)] = np.asarray(loss).imag / STEP
    return out


def draw_env(cell_name: str, sizes: dict[str, int], rng: np.random.Generator
             ) -> tuple[tuple[Equation, ...], dict[str, Array], dict[str, Array],
                        dict[str, tuple[str, ...]]]:
    text = BUILTINS[cell_name]
    shapes = {**text.inputs, **text.params}
    env: dict[str, Array] = {n: rng.normal(size=(2, *(sizes[s] for s in shape)))
                             for n, shape in shapes.items()}
    env.update({s: np.full(2, float(n)) for s, n in sizes.items()})
    equations = tuple((n, parse(t)) for n, t in text.forward)
    scope, _ = gradients(equations, env, {})
    upstream = {o: np.asarray(rng.normal(size=scope[o].shape)) for o in text.outputs}
    return equations, env, upstream, shapes


@settings(max_examples=12)
@given(st.sampled_from(sorted(BUILTINS)), st.integers(1, 4), st.integers(1, 4),
       st.integers(0, 2**32 - 1))
def test_builtin_cells_agree_with_complex_step(name: str, d: int, h: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    equations, env, upstream, shapes = draw_env(name, {"D": d, "H": h}, rng)
    _, grads = gradients(equations, env, upstream)
    for param in shapes:
        want = complex_step(equations, env, upstream, param)
        got = np.broadcast_to(grads.get(param, np.zeros_like(want)), want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"{name}: {param}")


UNARY = ["sigmoid({})", "tanh({})", "exp(0.3 * {})", "log(1 + {}**2)", "sqrt(2 + {}**2)",
         "({})**3", "-{}", "1 / (2 + {}**2)"]
BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / (3 + {}**2)"]


@settings(max_examples=25)
@given(st.lists(st.tuples(st.integers(0, len(UNARY) - 1), st.integers(0, len(BINARY) - 1)),
                min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_random_compositions_agree_with_complex_step(ops: list[tuple[int, int]],
                                                     seed: int) -> None:
    """Chains mixing every elementwise rule with @, .T, outer, sum, slices and stacking."""
    rng = np.random.default_rng(seed)
    env = {"x": rng.normal(size=(2, 3)), "v": rng.normal(size=(2, 4)),
           "M": rng.normal(size=(2, 4, 3)), "N": rng.normal(size=(2, 3, 4)),
           "H": np.full(2, 4.0)}
    eqs = [("a", "M @ x + N.T @ x + x @ N + v")]
    for k, (u, b) in enumerate(ops):
        prev = "a" if k == 0 else f"e{k - 1}"
        eqs.append((f"e{k}", BINARY[b].format(UNARY[u].format(prev), f"{prev}[0:H]")))
    last = f"e{len(ops) - 1}"
    eqs.append(("y", (f"hstack({last}[0:2], {last}[2:H]) * sum(outer(v, x)) "
                     f"+ concatenate(v[0:1], v[1:H]) + (outer({last}, x) @ x)")))
    equations = tuple((n, parse(t)) for n, t in eqs)
    upstream = {"y": rng.normal(size=(2, 4))}
    scope, grads = gradients(equations, env, upstream)
    # nested exp can overflow (then both sides are inf/nan, nothing to compare)
    assume(all(np.all(np.abs(scope[n]) < 1e8) for n, _ in eqs))
    for name in ("x", "v", "M", "N"):
        want = complex_step(equations, env, upstream, name)
        np.testing.assert_allclose(grads[name], want, rtol=1e-9, atol=1e-11, err_msg=name)
