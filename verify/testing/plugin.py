"""The pytest plugin (entry point ``pytest11``: ``verify = verify.testing.plugin``).

Stage: testing API; thin on purpose, the logic is :func:`verify.gradcheck.check.check`.
It provides the ``gradcheck`` fixture, a function that checks a backward and fails the
test with the same report ``verify gradcheck`` prints::

    def test_my_lstm(gradcheck):
        gradcheck("my_lstm.py:lstm_step_backward")                 # in a child, time-limited
        gradcheck(lstm_step_backward, forward=lstm_step_forward)   # functions: in process
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from verify.gradcheck.check import SHRINK_SECONDS, Report, Request, check
from verify.gradcheck.command import DEFAULT_TIMEOUT
from verify.gradcheck.command import forward_name as conventional_forward
from verify.gradcheck.layouts import find_by_name
from verify.gradcheck.layouts import layout as make_layout
from verify.gradcheck.render import render_text
from verify.gradcheck.usercode import UserCode, load_code


def _name_of(fn: Any) -> str:
    return str(getattr(fn, "__name__", fn)).rpartition(":")[2].rpartition(".")[2]


def run_gradcheck(backward: str | Callable[..., Any], *,
                  forward: str | Callable[..., Any] | None = None, cell: str | None = None,
                  layout: str = "cs231n", kind: str | None = None, examples: int = 100,
                  timeout: float = DEFAULT_TIMEOUT, shrink_seconds: float = SHRINK_SECONDS
                  ) -> Report:
    """Check ``backward`` (``"file.py:function"`` runs in a child process with ``timeout``;
    a function object runs in this process) and return the report. ``shrink_seconds``
    bounds the search for a smaller failing instance."""
    name = _name_of(backward)
    found = find_by_name(layout, name)
    cell = cell or (found[0] if found else "lstm")
    kind = kind or (found[1] if found and found[0] == cell else "step")
    lay = make_layout(layout, cell, kind)
    forward_name = _name_of(forward) if forward is not None else conventional_forward(lay, name)
    if isinstance(backward, str):
        target = backward
        if isinstance(forward, str):
            forward_name = forward
        return check(Request(target, lay, forward_name, examples, timeout,
                             shrink_seconds=shrink_seconds))
    if forward is None or isinstance(forward, str):
        module = getattr(backward, "__module__", "")
        forward_fn = load_code(f"{module}:{name}", forward or forward_name).forward
    else:
        forward_fn = forward
    code = UserCode(forward_fn, backward, forward_name, name)
    return check(Request(name, lay, forward_name, examples, timeout,
                         shrink_seconds=shrink_seconds), code=code)


@pytest.fixture
def gradcheck() -> Callable[..., Report]:
    """``gradcheck(backward, *, forward=None, cell=None, layout="cs231n", kind=None,
    examples=100, timeout=60, shrink_seconds=8)``: fails the test with verify's report
    unless correct."""

    def run(backward: str | Callable[..., Any], **options: Any) -> Report:
        report = run_gradcheck(backward, **options)
        if report.status != "correct":
            pytest.fail(render_text(report), pytrace=False)
        return report

    return run


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gradcheck: tests that check backward code with "
                            "verify's gradcheck fixture")
