"""The window-formula grammar: precedence, references, the bound, errors with columns."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.input import window
from verify.input.window import WindowError, evaluate, parse

# x[t-j] (j = 0, 1, 2) as bits of a 1-input window; pre-computed by hand below
WINDOWS = [[(a,), (b,), (c,)] for a, b, c in itertools.product((0, 1), repeat=3)]


@pytest.mark.parametrize(("text", "truth"), [
    # (x[t], x[t-1], x[t-2]) -> value, written out by hand
    ("x[t] xor x[t-1]", lambda a, b, c: a ^ b),
    ("not x[t] and x[t-1]", lambda a, b, c: (1 - a) & b),          # not binds tightest
    ("x[t] or x[t-1] and x[t-2]", lambda a, b, c: a | (b & c)),    # and before or
    ("x[t] xor x[t-1] and x[t-2]", lambda a, b, c: a ^ (b & c)),   # and before xor
    ("x[t] or x[t-1] xor x[t-2]", lambda a, b, c: a | (b ^ c)),    # xor before or
    ("(x[t] or x[t-1]) and x[t-2]", lambda a, b, c: (a | b) & c),
    ("not not x[t-2]", lambda a, b, c: c),
    ("1 and not 0", lambda a, b, c: 1),
    ("x[t-0][0] xor x[ t - 2 ]", lambda a, b, c: a ^ c),
])
def test_formulas_mean_what_the_precedence_says(text, truth):
    f = parse(text)
    for w in WINDOWS:
        assert evaluate(f, w) == truth(w[0][0], w[1][0], w[2][0]), (text, w)


def test_depth_and_entries():
    f = parse("x[t][1] and not x[t-3][0]")
    assert window.depth(f) == 3
    assert [(r.lag, r.index) for r in window.refs(f)] == [(0, 1), (3, 0)]
    assert evaluate(f, [(0, 1), (0, 0), (1, 1), (0, 0)]) == 1
    assert evaluate(f, [(0, 1), (0, 0), (1, 1), (1, 0)]) == 0


@pytest.mark.parametrize(("text", "column", "words"), [
    ("x[t] xor", 9, "ends where a value was expected"),
    ("x[t+1]", 4, "future"),
    (f"x[t-{window.MAX_WINDOW + 1}]", 5, "past the window bound"),
    ("x[t] x[t-1]", 6, "after a complete formula"),
    ("(x[t] or 1", 11, "expected ')'"),
    ("2 and x[t]", 1, "the only constants are 0 and 1"),
    ("y[t]", 1, "unexpected 'y'"),
    ("x[t] & x[t-1]", 6, "unexpected character '&'"),
    ("and x[t]", 1, "operators go between values"),
    ("x[s]", 3, "expected 't'"),
    ("x[t-]", 5, "whole number after 't-'"),
    ("x[t][a]", 6, "entry number"),
])
def test_errors_name_the_column(text, column, words):
    with pytest.raises(WindowError, match=re.escape(words)) as info:
        parse(text)
    assert info.value.column == column


def test_deep_nesting_is_refused_not_a_crash():
    with pytest.raises(WindowError, match="nested more than"):
        parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(WindowError, match="nested more than"):
        parse("not " * 500 + "1")


# -- random formulas against an evaluator written here ------------------------------------

def _formulas():  # (text, function of the window) pairs, fully parenthesised
    leaf = st.one_of(
        st.sampled_from([("0", lambda w: 0), ("1", lambda w: 1)]),
        st.tuples(st.integers(0, 3), st.integers(0, 1)).map(
            lambda p: (f"x[t-{p[0]}][{p[1]}]", lambda w, p=p: w[p[0]][p[1]])))

    def extend(inner):
        ops = {"and": lambda a, b: a & b, "or": lambda a, b: a | b,
               "xor": lambda a, b: a ^ b}
        binary = st.tuples(inner, st.sampled_from(sorted(ops)), inner).map(
            lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})",
                       lambda w, t=t: ops[t[1]](t[0][1](w), t[2][1](w))))
        negation = inner.map(lambda f: (f"not {f[0]}", lambda w, f=f: 1 - f[1](w)))
        return st.one_of(binary, negation)

    return st.recursive(leaf, extend, max_leaves=12)


@given(_formulas(), st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=4,
                             max_size=4))
def test_random_formulas_evaluate_like_python(formula, win):
    text, fn = formula
    assert evaluate(parse(text), win) == fn(win)
