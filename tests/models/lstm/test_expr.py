"""Tests of the formula evaluator: what it accepts, what it refuses, and its bounds."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.models.lstm.cell import sigmoid
from verify.models.lstm.expr import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_NODES,
    MAX_TEXT,
    ExprError,
    ExprLimitError,
    ShapeError,
    evaluate,
    parse,
)

RNG = np.random.default_rng(7)
ENV = {
    "x": RNG.normal(size=3),          # D = 3
    "h": RNG.normal(size=2),          # H = 2
    "W": RNG.normal(size=(2, 3)),
    "U": RNG.normal(size=(2, 2)),
    "d_i": RNG.normal(size=2),
}


def run(text: str) -> np.ndarray:
    return evaluate(parse(text), ENV)


@pytest.mark.parametrize(("text", "expected"), [
    ("W.T @ d_i", ENV["W"].T @ ENV["d_i"]),
    ("W @ x + U @ h", ENV["W"] @ ENV["x"] + ENV["U"] @ ENV["h"]),
    ("d_i @ W", ENV["d_i"] @ ENV["W"]),  # the row-vector way of writing W.T @ d_i
    ("h * (1 - h**2) / 2", ENV["h"] * (1 - ENV["h"] ** 2) / 2),
    ("-h + +h - 2.5e-1", -ENV["h"] + ENV["h"] - 0.25),
    ("sigmoid(h) * tanh(h) * exp(h)", sigmoid(ENV["h"]) * np.tanh(ENV["h"]) * np.exp(ENV["h"])),
    ("log(exp(x)) + sqrt(x**2)", ENV["x"] + np.abs(ENV["x"])),
    ("outer(d_i, x)", np.outer(ENV["d_i"], ENV["x"])),
    ("sum(x) ** -1", 1 / np.sum(ENV["x"])),
    ("(h * h) ** 0.5", np.abs(ENV["h"])),
])
def test_allowed_constructs_compute_what_numpy_computes(text: str, expected: np.ndarray) -> None:
    got = run(text)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)


def test_free_names_are_collected() -> None:
    assert parse("W.T @ d_i + tanh(x) * 2").names == frozenset({"W", "d_i", "x"})


@pytest.mark.parametrize(("text", "fragment"), [
    ("__import__('os')", "only these functions"),
    ("__import__('os').system('true')", "only these functions"),
    ("x.__class__", ".__class__"),
    ("x.__class__.__mro__", "not allowed"),
    ("().__class__", "not allowed"),
    ("_secret", "starting with '_'"),
    ("x.shape", ".shape"),
    ("np.exp(x)", "only these functions"),
    ("np.pi", ".pi"),
    ("lambda: 1", "lambda"),
    ("(lambda y: y)(x)", "only these functions"),
    ("[v for v in x]", "comprehensions"),
    ("x[0]", "indexing"),
    ("x if x else h", "if/else"),
    ("x < h", "comparisons"),
    ("x and h", "and/or"),
    ("(y := x)", "assignment"),
    ("tanh(x, x)", "takes 1 argument"),
    ("outer(x)", "takes 2 arguments"),
    ("tanh(x=1)", "keyword"),
    ("tanh(*x)", "unpacking"),
    ("eval('1')", "only these functions"),
    ("getattr(x, 'T')", "only these functions"),
    ("tanh", "is a function"),
    ("'text'", "constant"),
    ("True", "constant"),
    ("1j", "constant"),
    ("1e999", "too large"),
    ("x % 2", "Mod"),
    ("x // 2", "FloorDiv"),
    ("~x", "Invert"),
    ("not x", "Not"),
    ("x ** h", "literal number"),
    (f"x ** {MAX_EXPONENT + 1}", "literal number"),
    ("9**9**9**9", "literal number"),
    ("(x", "syntax error"),
    ("x = 1", "syntax error"),
    ("", "empty"),
    ("x\x00", "syntax error"),
])
def test_refused_constructs(text: str, fragment: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text", ["1if x else 2", "2in x", "x*1or 2", '"\\d"'])
def test_refusing_a_formula_prints_no_python_warning(text: str) -> None:
    """Python's parser warns about '1if' or an invalid escape; the formula is refused anyway,
    so the user should see our message only, not a SyntaxWarning on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ExprError):
            parse(text)
    assert [str(w.message) for w in caught] == []


def test_power_tower_is_refused_at_once() -> None:
    start = time.perf_counter()
    with pytest.raises(ExprError):
        parse("9**9**9**9**9**9")
    assert time.perf_counter() - start < 0.5


def test_size_bounds() -> None:
    with pytest.raises(ExprError, match="characters"):
        parse("x + " * (MAX_TEXT // 4) + "x")
    with pytest.raises(ExprError, match="nested too deeply"):
        parse("-" * (MAX_DEPTH + 5) + "x")
    with pytest.raises(ExprError, match="nested"):
        parse("(" * 250 + "x" + ")" * 250)  # the parser's own limit, same message
    wide = "x"
    for _ in range(8):  # a balanced product of 256 x's: 511 nodes, depth 9
        wide = f"({wide})*({wide})"
    assert len(wide) <= MAX_TEXT and 2 * 256 - 1 > MAX_NODES
    with pytest.raises(ExprError, match="parts"):
        parse(wide)


def test_huge_outer_chain_is_refused_before_computing() -> None:
    nest = "x"
    for _ in range(5):  # 3 ** 32 elements if computed
        nest = f"outer({nest}, {nest})"
    start = time.perf_counter()
    with pytest.raises(ExprLimitError):
        run(nest)
    assert time.perf_counter() - start < 1.0


def test_shape_errors_name_the_shapes() -> None:
    with pytest.raises(ShapeError, match=r"\(2, 3\) @ \(2,\)"):
        run("W @ d_i")
    with pytest.raises(ShapeError, match="do not match"):
        run("x * h")
    with pytest.raises(ShapeError, match="scalar"):
        run("sum(x) @ W")


def test_floating_point_trouble_is_nan_or_inf_not_an_exception() -> None:
    assert np.isnan(run("log(-1 - x**2)")).all()
    assert np.isinf(run("x / 0")).all()


ALPHABET = list("xWhd_i()+-*/@.T ,0123456789") + ["**", "tanh(", "outer(", "sum(", "__"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join))
def test_fuzz_only_documented_errors(text: str) -> None:
    """Whatever the text, the evaluator refuses (ExprError), fails on shapes (ShapeError)
    or returns a float64 array: never another exception."""
    try:
        formula = parse(text)
    except ExprError:
        return
    assert all(n.isidentifier() and not n.startswith("_") for n in formula.names)
    env = {**ENV, **{n: np.ones(2) for n in formula.names if n not in ENV}}
    try:
        value = evaluate(formula, env)
    except (ShapeError, ExprLimitError):
        return
    assert value.dtype == np.float64
