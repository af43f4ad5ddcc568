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

from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Any

import numpy as np
from hypothesis import find
from hypothesis.errors import NoSuchExample

from verify.errors import ExitCode, SpecError
from verify.input import limits
from verify.input.yamldoc import Node
from verify.models.lstm.batch import (
    Prepared,
    TimeUp,
    check_time,
    confirm,
    confirm_on,
    constant_batches,
    failing_instances,
    first_failing,
    hypothesis_storage_elsewhere,
    precise_instance,
    prepare,
    settings_for,
    simplify_values,
)
from verify.models.lstm.expr import Array, ExprError, ExprLimitError, ShapeError
from verify.models.lstm.formula_spec import (
    Entry,
    FormulaSpec,
    check_define_name,
    dry_run,
    evaluate_claim,
    load_spec,
    make_entry,
)
from verify.models.lstm.hints import find_hint
from verify.models.lstm.instance import (
    BASE_NAMES,
    MAX_SIZE,
    TARGETS,
    Instance,
    close,
    fit_shape,
    instances,
    to_json,
)
from verify.models.lstm.layouts import COLUMN, Layout
from verify.models.lstm.precision import RTOL as PRECISE_RTOL
from verify.models.lstm.precision import reads
from verify.outcome import Options, Outcome


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
    if not fit_shape(tuple(got.shape), tuple(expected.shape), inst.layout.loose_vectors):
        return Mismatch(f"shape mismatch: the formula gives shape {_shape(got)} but "
                        f"{entry.name} has shape {inst.shape_text(entry.name)}", got)
    got = got.reshape(expected.shape)
    if close(got, expected):
        return None
    with np.errstate(all="ignore"):  # inf - inf in a wrong formula is simply the worst
        err = np.where(np.isfinite(got), np.abs(got - expected), np.inf)
    at = tuple(int(k) for k in np.unravel_index(int(np.argmax(err)), err.shape))
    want_v, got_v = float(expected[at]), float(got[at])
    digits = next((p for p in range(6, 18) if f"{want_v:.{p}g}" != f"{got_v:.{p}g}"), 17)
    return Mismatch(f"wrong value: at entry {list(at)} expected {want_v:.{digits}g}, "
                    f"got {got_v:.{digits}g}", got, at)


def _shape(a: Array) -> str:
    return "scalar ()" if a.ndim == 0 else str(tuple(int(n) for n in a.shape))


@dataclass(frozen=True)
class Survey:
    """What one shared run of drawn instances found."""

    failing: dict[str, Instance]  # the first failing instance of each failing claim
    checked: int  # instances on which every claim was judged
    timed_out: bool  # the deadline stopped the run before options.examples instances


def survey(spec: FormulaSpec, options: Options, deadline: float | None = None,
           prepared: Prepared | None = None) -> Survey:
    """The grid instances (``options.examples`` drawn by hypothesis, fewer when
    ``deadline``, a :func:`time.monotonic` value, passes first), every claim judged on all
    of them at once; each failing claim with the first instance, in draw order, it fails on."""
    found = prepared or prepare(spec.layout, options, deadline)
    failing = {entry.name: inst for entry in spec.claims
               if (inst := first_failing(spec, entry, found.grid_batches)) is not None}
    return Survey(failing, found.checked, found.timed_out)


def shrink(spec: FormulaSpec, entry: Entry, options: Options,
           deadline: float | None = None) -> Instance | None:
    """The smallest instance hypothesis finds on which the claim is wrong, or None (also
    when ``deadline`` passes first: a half-done search proves nothing)."""

    def fails(inst: Instance) -> bool:
        check_time(deadline)
        return judge(spec, entry, inst) is not None

    try:
        return find(instances(spec.layout), fails, settings=settings_for(options),
                    random=Random(options.seed))
    except (NoSuchExample, TimeUp):
        return None


def shrink_greedy(inst: Instance, fails: Callable[[Instance], bool]) -> Instance:
    """A smaller, rounder instance that still fails: the smallest sizes first (leading
    entries kept), then each drawn tensor set to zero or rounded to halves while the claim
    still fails. For failures hypothesis's grid cannot reach (sizes over 3, off-grid
    values), so a counterexample stays readable."""
    best = inst
    pairs = sorted(((d, h) for d in range(1, inst.input_size + 1)
                    for h in range(1, inst.hidden_size + 1)), key=lambda p: (sum(p), p))
    for d, h in pairs:
        if (d, h) == (inst.input_size, inst.hidden_size):
            break
        candidate = inst.cut(d, h)
        if fails(candidate):
            best = candidate
            break
    def simpler(name: str, value: Array) -> tuple[Array, ...]:
        # f_next is a forget gate value, in (0, 1): its simplest value is 1/2
        return ((np.full_like(value, 0.5) if name == "f_next" else np.zeros_like(value)),
                np.round(value * 2) / 2)

    def rebuilt(drawn: dict[str, Array]) -> Instance:
        return Instance(best.input_size, best.hidden_size, drawn, best.layout, best.origin)

    return rebuilt(simplify_values(best.drawn, lambda drawn: fails(rebuilt(drawn)), simpler))


def _counterexample(spec: FormulaSpec, entry: Entry, inst: Instance,
                    mismatch: Mismatch) -> dict[str, Any]:
    env = inst.environment
    read = spec.base_names(entry)
    layout = spec.layout
    also = sorted({layout.rename[n] for n in reads(_column_target(layout, entry.name))
                   if n in layout.rename} - set(read), key=layout.names.index)
    if {"dc_next", "f_next"} <= set(read):  # dc = f_next * dc_next: read, in other words
        also = [n for n in also if n != "dc"]
    out: dict[str, Any] = {
        "input_size": inst.input_size, "hidden_size": inst.hidden_size,
        "values": {n: to_json(env[n]) for n in read},
        "reference_reads": {n: to_json(env[n]) for n in also if n not in ("H", "D")},
        "expected": to_json(inst.reference[entry.name]),
        "got": None if mismatch.got is None else to_json(mismatch.got),
        "expected_shape": list(inst.reference[entry.name].shape),
        "got_shape": None if mismatch.got is None else list(mismatch.got.shape),
        "entry": None if mismatch.entry is None else list(mismatch.entry),
        "instance": {n: to_json(v) for n, v in inst.drawn.items()},
        "values_from": inst.origin,
    }
    return out


def _column_target(layout: Layout, target: str) -> str:
    """The column target whose reference formula a layout's target is made of (for the
    names a dropped term reads; stacked targets read all gates: dx stands for them)."""
    if layout is COLUMN or target in COLUMN.targets and layout.names == COLUMN.names:
        return target
    for column, name in (("dc_prev", ("dprev_c", "dc_prev")), ("dh_prev", ("dprev_h",
                         "da_prev")), ("dx", ("dxt",)), ("dc_total", ("dnext_c_total",))):
        if target in name:
            return column
    return "dx" if target in COLUMN.targets else {"dg": "dcbar"}.get(target, "dx")


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


def judge_entry(prepared: Prepared, spec: FormulaSpec, entry: Entry,
                deadline: float | None = None, greedy: bool = False) -> dict[str, Any]:
    """The verdict of one claim on a prepared instance set: the grid first (a failure there
    is shrunk by hypothesis, as always, or greedily when ``greedy``), then the continuous
    instances and those made of the formula's own constants, then the high-precision
    confirmation."""
    failing = first_failing(spec, entry, prepared.grid_batches)
    if (failing is not None and not greedy) or prepared.timed_out:
        return check_target(spec, entry, prepared.options, failing, deadline)
    if failing is None:
        failing = _confirmed_off_grid(prepared, spec, entry)
    if failing is not None:
        inst = shrink_greedy(failing, lambda i: judge(spec, entry, i) is not None)
        mismatch = judge(spec, entry, inst)
        assert mismatch is not None
        result: dict[str, Any] = {
            "verdict": "incorrect", "line": entry.line, "reason": mismatch.reason,
            "counterexample": _counterexample(spec, entry, inst, mismatch)}
        hint = find_hint(spec, entry, inst)
        if hint:
            result["hint"] = hint
        return result
    off = confirm(prepared, spec, entry)
    if off is None:
        return {"verdict": "correct", "line": entry.line}
    inst, worst = off
    got = evaluate_claim(spec, entry, inst.environment).reshape(
        inst.reference[entry.name].shape)
    err = np.abs(got - inst.reference[entry.name])
    at = tuple(int(k) for k in np.unravel_index(int(np.argmax(err)), err.shape))
    mismatch = Mismatch("wrong value: agrees in float64 to 1e-8, but computed with 50 digits "
                        f"it differs from the reference by {worst:.1e} relative to the "
                        f"largest entry (allowed: {PRECISE_RTOL:.0e}); worst at entry "
                        f"{list(at)}", got, at)
    return {"verdict": "incorrect", "line": entry.line, "reason": mismatch.reason,
            "counterexample": _counterexample(spec, entry, inst, mismatch)}


def _confirmed_off_grid(prepared: Prepared, spec: FormulaSpec, entry: Entry) -> Instance | None:
    """The first continuous (or formula-constant) instance the claim fails on in float64
    *and* at 50 digits: off the grid, values reach where float64 alone could mislead (an
    overflow, a cancellation), so a failure there counts only when confirmed. Up to
    three are tried; None if none is confirmed (then the claim goes on to be confirmed
    or refuted on the 50-digit instances)."""
    candidates: list[Instance] = failing_instances(
        spec, entry, prepared.wide_batches + constant_batches(spec, entry, prepared.options),
        limit=3)
    for inst in candidates:
        if confirm_on([precise_instance(inst)], spec, entry) is not None:
            return inst
    return None


@dataclass(frozen=True)
class FormulaVerdict:
    """The verdict on one formula for one target (for graders: see :func:`judge_formula`)."""

    target: str
    verdict: str  # correct | incorrect | error
    reason: str | None = None
    hint: str | None = None
    counterexample: dict[str, Any] | None = None


def judge_formula(prepared: Prepared, target: str, text: str,
                  defines: dict[str, str] | None = None, *,
                  shrink: str = "hypothesis") -> FormulaVerdict:
    """Judge one formula text for one target against a prepared instance set (see
    :func:`verify.models.lstm.batch.prepare`; prepare once per question, judge many
    answers). A formula that cannot be used (syntax, unknown name, unknown target) is
    verdict ``error`` with the reason; nothing is ever raised for a student's text.

    ``shrink="hypothesis"`` gives the counterexample ``verify check`` gives;
    ``shrink="greedy"`` a small one found in a few milliseconds (same verdicts)."""
    if shrink not in ("hypothesis", "greedy"):
        raise ValueError(f"shrink={shrink!r} must be 'hypothesis' or 'greedy'")
    layout = prepared.layout
    try:
        if target not in layout.targets:
            raise ExprError(f"unknown target {target!r}; targets: {', '.join(layout.targets)}")
        known = list(layout.names)
        entries = []
        for name, formula in (defines or {}).items():
            problem = check_define_name(name, layout)
            if problem:
                raise ExprError(problem)
            entries.append(make_entry(name, formula, known, layout))
            known.append(name)
        entry = make_entry(target, text, known, layout)
        spec = FormulaSpec("<answer>", None, tuple(entries), (entry,), layout)
        dry_run(spec)
        with hypothesis_storage_elsewhere():
            result = judge_entry(prepared, spec, entry, greedy=shrink == "greedy")
    except (ExprError, SpecError) as exc:
        return FormulaVerdict(target, "error", str(getattr(exc, "message", exc)))
    return FormulaVerdict(target, result["verdict"], result.get("reason"), result.get("hint"),
                          result.get("counterexample"))


def check_spec(node: Node, options: Options) -> Outcome:
    """Handler for ``model: lstm-cell`` (see :mod:`verify.registry`)."""
    from verify.models.lstm.render import render  # report stage; imported late, as models do

    deadline = limits.deadline(options.timeout)
    spec = load_spec(node)
    try:
        with hypothesis_storage_elsewhere():
            prepared = prepare(spec.layout, options, deadline)
            found = Survey({}, prepared.checked, prepared.timed_out)
            targets = {entry.name: judge_entry(prepared, spec, entry, deadline)
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
        "meaning": {name: spec.layout.targets[name] for name in targets},
        "layout": spec.layout.name,
        "correct_means": prepared.meaning(),
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


__all__ = ["BASE_NAMES", "MAX_SIZE", "TARGETS", "Entry", "FormulaSpec", "FormulaVerdict",
           "Instance", "Prepared", "Survey", "check_spec", "check_target", "evaluate_claim",
           "find_hint", "instances", "judge", "judge_entry", "judge_formula", "load_spec",
           "prepare", "shrink", "shrink_greedy", "survey"]
