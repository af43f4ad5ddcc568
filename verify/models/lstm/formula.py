"""Stage: LSTM gradient checking. Judge hand-derived gradient formulas of one LSTM cell.

A ``model: lstm-cell`` spec names helper quantities under ``define:`` and claimed
gradients under ``claim:`` (loaded by :mod:`verify.models.lstm.formula_spec`); every claim is
compared with the reference backward pass on instances drawn by hypothesis
(:mod:`verify.models.lstm.instance`), which also shrinks a failure to a small counterexample.
Verdicts come from float64 comparisons, so this stage is untrusted in the project's sense:
"correct" means "agreed on every drawn instance"; "incorrect" comes with an instance
anyone can recompute, and, when a common mistake explains it, a hint
(:mod:`verify.models.lstm.hints`).

This module holds the flow: survey all claims on one run of drawn instances, shrink each
failure, judge, and build the payload of :func:`check_spec`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from random import Random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, find, given, seed, settings
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
from hypothesis.errors import NoSuchExample

from verify.errors import ExitCode, SpecError
from verify.models.lstm.expr import Array, ExprLimitError, ShapeError
from verify.models.lstm.formula_spec import Entry, FormulaSpec, evaluate_claim, load_spec
from verify.models.lstm.hints import find_hint
from verify.models.lstm.instance import (
    BASE_NAMES,
    MAX_SIZE,
    TARGET_MEANING,
    TARGETS,
    Instance,
    close,
    instances,
    to_json,
)
from verify.outcome import Options, Outcome
from verify.input.yamldoc import Node


@dataclass(frozen=True)
class Mismatch:
    reason: str
    got: Array | None  # None when the formula could not be evaluated (shapes)
    entry: tuple[int, ...] | None = None  # the worst entry, for a wrong value


def judge(spec: FormulaSpec, entry: Entry, inst: Instance) -> Mismatch | None:
    """None when the claim agrees with the reference on ``inst``."""
    expected = inst.reference[entry.name]
    try:
        got = evaluate_claim(spec, entry, inst.environment)
    except ShapeError as exc:
        return Mismatch(f"shape mismatch: {exc}", None)
    if got.shape != expected.shape:
        return Mismatch(f"shape mismatch: the formula gives shape {_shape(got)} but "
                        f"{entry.name} has shape {inst.shape_text(entry.name)}", got)
    if close(got, expected):
        return None
    with np.errstate(all="ignore"):  # inf - inf in a wrong formula is simply the worst
        err = np.where(np.isfinite(got), np.abs(got - expected), np.inf)
    at = tuple(int(k) for k in np.unravel_index(int(np.argmax(err)), err.shape))
    return Mismatch(f"wrong value: at entry {list(at)} expected {float(expected[at]):.6g}, "
                    f"got {float(got[at]):.6g}", got, at)


def _shape(a: Array) -> str:
    return "scalar ()" if a.ndim == 0 else str(tuple(int(n) for n in a.shape))


def _settings(options: Options) -> settings:
    # No example database and derandomized, so checking a spec is reproducible; quiet, so
    # hypothesis prints nothing of its own.
    return settings(database=None, derandomize=True, deadline=None,
                    max_examples=options.examples, verbosity=Verbosity.quiet,
                    phases=(Phase.generate, Phase.shrink), print_blob=False,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False)


@contextmanager
def _hypothesis_storage_elsewhere() -> Iterator[None]:
    """Hypothesis caches the constants of local modules under ./.hypothesis even with no
    database; point its storage at a temporary directory so checking writes nothing in
    the user's directory, and put the previous location back afterwards."""
    previous = storage_directory(intent_to_write=False).home_directory
    with tempfile.TemporaryDirectory(prefix="verify-hypothesis-") as tmp:
        set_hypothesis_home_dir(tmp)
        try:
            yield
        finally:
            set_hypothesis_home_dir(previous)


class _TimeUp(BaseException):
    """The time limit ran out. A BaseException, like KeyboardInterrupt, so hypothesis does
    not take it for a failing example to shrink and replay but stops drawing at once."""


def _check_time(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise _TimeUp


@dataclass(frozen=True)
class Survey:
    """What one shared run of drawn instances found."""

    failing: dict[str, Instance]  # the first failing instance of each failing claim
    checked: int  # instances on which every claim was judged
    timed_out: bool  # the deadline stopped the run before options.examples instances


def survey(spec: FormulaSpec, options: Options, deadline: float | None = None) -> Survey:
    """One shared run of ``options.examples`` drawn instances, on each of which every claim
    is judged (the forward and backward pass are computed once per instance). Drawing stops
    early when ``deadline`` (a :func:`time.monotonic` value) passes."""
    failing: dict[str, Instance] = {}
    checked = 0

    @seed(options.seed)
    @_settings(options)
    @given(instances())
    def judge_all(inst: Instance) -> None:
        nonlocal checked
        _check_time(deadline)
        for entry in spec.claims:
            if entry.name not in failing and judge(spec, entry, inst) is not None:
                failing[entry.name] = inst
        checked += 1

    try:
        judge_all()
    except _TimeUp:
        return Survey(failing, checked, timed_out=True)
    return Survey(failing, checked, timed_out=False)


def shrink(spec: FormulaSpec, entry: Entry, options: Options,
           deadline: float | None = None) -> Instance | None:
    """The smallest instance hypothesis finds on which the claim is wrong, or None (also
    when ``deadline`` passes first: a half-done search proves nothing)."""

    def fails(inst: Instance) -> bool:
        _check_time(deadline)
        return judge(spec, entry, inst) is not None

    try:
        return find(instances(), fails, settings=_settings(options),
                    random=Random(options.seed))
    except (NoSuchExample, _TimeUp):
        return None


def _counterexample(spec: FormulaSpec, entry: Entry, inst: Instance,
                    mismatch: Mismatch) -> dict[str, Any]:
    env = inst.environment
    out: dict[str, Any] = {
        "input_size": inst.input_size, "hidden_size": inst.hidden_size,
        "values": {n: to_json(env[n]) for n in spec.base_names(entry)},
        "expected": to_json(inst.reference[entry.name]),
        "got": None if mismatch.got is None else to_json(mismatch.got),
        "expected_shape": list(inst.reference[entry.name].shape),
        "got_shape": None if mismatch.got is None else list(mismatch.got.shape),
        "entry": None if mismatch.entry is None else list(mismatch.entry),
        "instance": {n: to_json(v) for n, v in inst.drawn.items()},
    }
    return out


def check_target(spec: FormulaSpec, entry: Entry, options: Options,
                 failing: Instance | None, deadline: float | None = None) -> dict[str, Any]:
    """The verdict of one claim, given the survey's first failing instance (or None)."""
    if failing is None:
        return {"verdict": "correct", "line": entry.line}
    # a rare failure may elude a new search, and time may run out: keep the survey's then
    inst = shrink(spec, entry, options, deadline) or failing
    mismatch = judge(spec, entry, inst)
    assert mismatch is not None  # find() only returns instances that fail
    result: dict[str, Any] = {"verdict": "incorrect", "line": entry.line,
                              "reason": mismatch.reason,
                              "counterexample": _counterexample(spec, entry, inst, mismatch)}
    hint = find_hint(spec, entry, inst)
    if hint:
        result["hint"] = hint
    return result


def check_spec(node: Node, options: Options) -> Outcome:
    """Handler for ``model: lstm-cell`` (see :mod:`verify.registry`)."""
    from verify.models.lstm.render import render  # report stage; imported late, as models do

    deadline = None if options.timeout is None else time.monotonic() + options.timeout
    spec = load_spec(node)
    try:
        with _hypothesis_storage_elsewhere():
            found = survey(spec, options, deadline)
            targets = {entry.name: check_target(spec, entry, options,
                                                found.failing.get(entry.name), deadline)
                       for entry in spec.claims}
    except ExprLimitError as exc:  # not expected after _dry_run; still a spec problem
        raise SpecError(f"cannot use this formula: {exc}", path=spec.path) from None
    if found.timed_out:  # fewer instances than asked for: agreement is not a verdict
        why = (f"agreed on all {found.checked} instances drawn before the time limit, "
               f"fewer than the {options.examples} asked for")
        targets = {name: t if t["verdict"] == "incorrect" else
                   {"verdict": "unknown", "line": t["line"], "reason": why}
                   for name, t in targets.items()}
    verdict = _overall(targets)
    payload: dict[str, Any] = {
        "name": spec.name,
        "claim": {"verdict": verdict, "targets": targets},
        "examples": found.checked,
        "meaning": {name: TARGET_MEANING[name] for name in targets},
    }
    if found.timed_out:
        payload["timed_out"] = True
    if verdict == "unknown":  # every unknown outcome says why (README: "unknown (with reason)")
        payload["reason"] = next(t["reason"] for t in targets.values()
                                 if t["verdict"] == "unknown")
    code = {"correct": ExitCode.OK, "incorrect": ExitCode.CLAIM_INCORRECT,
            "unknown": ExitCode.UNKNOWN}[verdict]
    status = "unknown" if verdict == "unknown" else "checked"
    return Outcome(spec.path, status, code, payload, render(spec.path, payload))


def _overall(targets: dict[str, dict[str, Any]]) -> str:
    verdicts = {t["verdict"] for t in targets.values()}
    return ("incorrect" if "incorrect" in verdicts else "unknown" if "unknown" in verdicts
            else "correct")


__all__ = ["BASE_NAMES", "MAX_SIZE", "TARGETS", "Entry", "FormulaSpec", "Instance", "Survey",
           "check_spec", "check_target", "evaluate_claim", "find_hint", "instances", "judge",
           "load_spec", "shrink", "survey"]
