"""The batched evaluator: a batch gives what each instance gives alone; slices, stacking."""

from __future__ import annotations

import numpy as np
import pytest

from verify.models.lstm.expr import ExprError, ShapeError, evaluate, parse
from verify.models.lstm.expr_eval import evaluate_batch

RNG = np.random.default_rng(11)
B = 5
BATCH = {"x": RNG.normal(size=(B, 3)), "h": RNG.normal(size=(B, 2)),
         "W": RNG.normal(size=(B, 2, 3)), "S": RNG.normal(size=(B, 3, 8)),
         "H": np.full(B, 2.0), "D": np.full(B, 3.0)}


@pytest.mark.parametrize("text", [
    "W.T @ h + x * 2", "h @ W", "outer(h, x) * sum(x)", "tanh(W @ x) ** 2 - 1 / (1 + h)",
    "S[:, 0:H].T @ x", "S[:, 2*H:3*H]", "concatenate(h, x, h)", "hstack(x, x)",
    "sigmoid(x) * exp(-x) + sqrt(x**2) + log(1 + x**2)", "x @ x",
])
def test_batch_equals_each_instance_alone(text: str) -> None:
    formula = parse(text)
    batched = evaluate_batch(formula, BATCH)
    for k in range(B):
        alone = evaluate(formula, {n: v[k] for n, v in BATCH.items()})
        np.testing.assert_allclose(batched[k], alone, rtol=1e-14)


def test_slices_mean_what_numpy_means() -> None:
    env = {n: v[0] for n, v in BATCH.items()}
    np.testing.assert_array_equal(evaluate(parse("S[:, 2*H:3*H]"), env), env["S"][:, 4:6])
    np.testing.assert_array_equal(evaluate(parse("S[1:, :D]"), env), env["S"][1:, :3])
    np.testing.assert_array_equal(evaluate(parse("x[-2:]"), env), env["x"][-2:])
    np.testing.assert_array_equal(evaluate(parse("concatenate(h, x)"), env),
                                  np.concatenate([env["h"], env["x"]]))


@pytest.mark.parametrize(("text", "fragment"), [
    ("x[0]", "indexing"), ("x[0:h]", None), ("x[0:1.5]", "whole numbers"),
    ("x[0:H/2]", "whole numbers"), ("x[tanh(H):]", "whole numbers"), ("x[:, :, :]", "indexing"),
    ("concatenate(x)", "2 to 8 arguments"),
])
def test_refused_slices(text: str, fragment: str | None) -> None:
    if fragment is None:  # a name that is not a whole number is caught when evaluating
        with pytest.raises(ShapeError, match="whole number"):
            evaluate(parse(text), {n: v[0] for n, v in BATCH.items()})
        return
    with pytest.raises(ExprError, match=fragment):
        parse(text)


def test_shape_errors_on_slices_and_stacks() -> None:
    env = {n: v[0] for n, v in BATCH.items()}
    with pytest.raises(ShapeError, match="empty"):
        evaluate(parse("x[5:]"), env)
    with pytest.raises(ShapeError, match="cannot stack"):
        evaluate(parse("concatenate(W, x)"), env)
    with pytest.raises(ShapeError, match="2 slices"):
        evaluate(parse("x[:, 0:1]"), env)
