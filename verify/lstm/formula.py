"""Stage: LSTM gradient checking. Judge hand-derived gradient formulas of one LSTM cell.

A ``model: lstm-cell`` spec names helper quantities under ``define:`` and claimed
gradients under ``claim:``; every claim is compared with the reference backward pass
(:func:`verify.lstm.cell.cell_backward`) on instances drawn by hypothesis, which also
shrinks a failure to a small counterexample. Verdicts come from float64 comparisons, so
this stage is untrusted in the project's sense: "correct" means "agreed on every drawn
instance"; "incorrect" comes with an instance anyone can recompute, and, when a common
mistake explains it, a hint.

Formulas are evaluated by :mod:`verify.lstm.expr` (whitelisted, bounded, never ``eval``).
Shapes are column-vector and unbatched: ``x`` is (D,), ``h_prev`` (H,), ``W_g`` (H, D).
"""

from __future__ import annotations

import difflib
import keyword
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from random import Random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, find, given, seed, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
from hypothesis.errors import NoSuchExample

from verify.errors import ExitCode, SpecError
from verify.lstm.cell import GATES, LSTMParams, cell_backward, cell_forward
from verify.lstm.expr import (
    FUNCTIONS,
    Array,
    ExprError,
    ExprLimitError,
    Formula,
    ShapeError,
    evaluate,
    parse,
)
from verify.outcome import Options, Outcome
from verify.yamldoc import Node

MAX_SIZE = 3  # input and hidden sizes are drawn from 1..MAX_SIZE
RTOL, ATOL = 1e-8, 1e-10  # float64 rounding of these small formulas stays far below

_GATE_VAR = {"i": "i", "f": "f", "o": "o", "c": "cbar"}
_GATE_OUT = {"i": "di", "f": "df", "o": "do", "c": "dcbar"}
_DERIV = {"i": "i*(1-i)", "f": "f*(1-f)", "o": "o*(1-o)", "c": "(1-cbar**2)"}

TARGET_MEANING: dict[str, str] = {
    "dx": "dL/dx_t", "dh_prev": "dL/dh_{t-1}", "dc_prev": "dL/dc_{t-1}",
    "dc_total": "dL/dc_t, all paths (dc + the path through h_t)",
    **{_GATE_OUT[g]: f"dL/d{_GATE_VAR[g]}_t, at the gate output" for g in GATES},
    **{f"dz_{g}": f"dL/dz_{g}, at the pre-activation z_{g} = W_{g} x + U_{g} h_prev + b_{g}"
       for g in GATES},
    **{f"d{k}_{g}": f"dL/d{k}_{g}" for k in ("W", "U", "b") for g in GATES},
}
TARGETS: tuple[str, ...] = tuple(TARGET_MEANING)
_SYMBOLIC_SHAPE = {"dx": "(D,)", **{f"dW_{g}": "(H, D)" for g in GATES},
                   **{f"dU_{g}": "(H, H)" for g in GATES}}

_DERIVED = ("i", "f", "o", "cbar", "c", "h", "tanh_c")
_PARAMS = tuple(f"{k}_{g}" for k in ("W", "U", "b") for g in GATES)
BASE_NAMES: tuple[str, ...] = ("x", "h_prev", "c_prev", *_DERIVED, *_PARAMS,
                               "dh", "dc", "dc_next", "f_next")
_NAMES_HELP = ("x, h_prev, c_prev, i, f, o, cbar, c, h, tanh_c, W_g, U_g, b_g (g = i, f, o, c), "
               "dh, dc, dc_next, f_next")


def _drawn_shapes(d: int, h: int) -> dict[str, tuple[int, ...]]:
    """What an instance draws; ``dc = f_next * dc_next`` is derived, as in the seed."""
    return {"x": (d,), "h_prev": (h,), "c_prev": (h,),
            **{f"W_{g}": (h, d) for g in GATES}, **{f"U_{g}": (h, h) for g in GATES},
            **{f"b_{g}": (h,) for g in GATES}, "dh": (h,), "dc_next": (h,), "f_next": (h,)}


def close(got: Array, want: Array) -> bool:
    if got.shape != want.shape or not np.all(np.isfinite(got)):
        return False
    atol = ATOL * (1.0 + float(np.max(np.abs(want), initial=0.0)))
    return bool(np.all(np.abs(got - want) <= atol + RTOL * np.abs(want)))


def to_json(a: Array) -> Any:
    """Nested lists of floats; inf/nan as strings so the JSON stays standard."""
    if a.ndim == 0:
        v = float(a) + 0.0  # no "-0.0"
        return v if np.isfinite(v) else str(v)
    return [to_json(row) for row in a]


@dataclass(frozen=True, eq=False)
class Instance:
    """Sizes and drawn values of one test case; forward and reference computed lazily."""

    input_size: int
    hidden_size: int
    drawn: dict[str, Array]

    @classmethod
    def filled(cls, d: int, h: int, value: float) -> Instance:
        return cls(d, h, {n: np.full(s, value) for n, s in _drawn_shapes(d, h).items()})

    @classmethod
    def random(cls, d: int, h: int, rng: np.random.Generator) -> Instance:
        drawn = {n: rng.normal(size=s) for n, s in _drawn_shapes(d, h).items()}
        drawn.update(LSTMParams.random(d, h, rng=rng, scale=1.0).flat())
        drawn["f_next"] = rng.uniform(0.05, 0.95, size=h)
        return cls(d, h, drawn)

    @cached_property
    def _forward(self) -> tuple[dict[str, Array], dict[str, Array]]:
        v = self.drawn
        params = LSTMParams.from_flat({n: v[n] for n in _PARAMS})
        _, _, cache = cell_forward(v["x"], v["h_prev"], v["c_prev"], params)
        dc = v["f_next"] * v["dc_next"]
        env = {**v, **{n: getattr(cache, n) for n in _DERIVED}, "dc": dc}
        g = cell_backward(v["dh"], dc, cache)
        ref = {"dx": g.dx, "dh_prev": g.dh_prev, "dc_prev": g.dc_prev, "dc_total": g.dc_total,
               **g.d_gates, **{f"d{k}_{gate}": getattr(g, "d" + k)[gate]
                               for k in ("W", "U", "b") for gate in GATES}}
        return env, ref

    @property
    def environment(self) -> dict[str, Array]:
        return self._forward[0]

    @property
    def reference(self) -> dict[str, Array]:
        return self._forward[1]

    def shape_text(self, target: str) -> str:
        actual = str(tuple(int(n) for n in self.reference[target].shape))
        return f"{_SYMBOLIC_SHAPE.get(target, '(H,)')} = {actual}"


def _value(nibble: int) -> float:
    """0, 0.5, -0.5, 1, -1, ..., -3.5, 4: small nibbles (hypothesis shrinks to 0) are small."""
    return ((nibble + 1) // 2) * (1.0 if nibble % 2 else -1.0) / 2 + 0.0  # + 0.0: no "-0"


_VALUES = np.array([_value(k) for k in range(16)])
_LAYOUT = _drawn_shapes(MAX_SIZE, MAX_SIZE)
_LAYOUT_VALUES = sum(int(np.prod(s)) for s in _LAYOUT.values())
_LAYOUT_BYTES = (_LAYOUT_VALUES + 1) // 2


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    """Sizes 1..MAX_SIZE (often different, so a transposition shows), values in
    {-3.5, ..., 4} step 1/2 (pre-activations reach tens: gates saturate too).

    Values are the nibbles of one byte string laid out for the largest sizes and cut down
    to the drawn ones: one short draw keeps generating and shrinking fast (hypothesis's
    cost grows with the number of choices), and shrinking a size keeps the surviving
    entries' values, so sizes and values both shrink well.
    """
    d = draw(st.integers(1, MAX_SIZE))
    h = draw(st.integers(1, MAX_SIZE))
    raw = np.frombuffer(draw(st.binary(min_size=_LAYOUT_BYTES, max_size=_LAYOUT_BYTES)),
                        dtype=np.uint8)
    nibbles = np.stack([raw & 15, raw >> 4], axis=1).reshape(-1)
    drawn: dict[str, Array] = {}
    pos = 0
    for name, shape in _LAYOUT.items():
        n = int(np.prod(shape))
        block = nibbles[pos:pos + n].reshape(shape)
        pos += n
        cut = block[:h, :d] if name.startswith("W_") else block[:h, :h] if name.startswith(
            "U_") else block[:d] if name == "x" else block[:h]
        # f_next is a forget gate value, in (0, 1)
        drawn[name] = (1 + cut % 9) / 10 if name == "f_next" else _VALUES[cut]
    return Instance(d, h, drawn)


_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Entry:
    """One ``define:`` or ``claim:`` line: a name, its formula and where it was written."""

    name: str
    formula: Formula
    line: int
    key: str


@dataclass(frozen=True)
class FormulaSpec:
    path: str
    name: str | None
    defines: tuple[Entry, ...]
    claims: tuple[Entry, ...]

    def closure(self, entry: Entry) -> tuple[Entry, ...]:
        """The defines ``entry`` reads, directly or not, in definition order."""
        wanted = set(entry.formula.names)
        for define in reversed(self.defines):
            if define.name in wanted:
                wanted |= define.formula.names
        return tuple(d for d in self.defines if d.name in wanted)

    def base_names(self, entry: Entry) -> list[str]:
        """The instance quantities ``entry`` reads, directly or through its defines."""
        read = set(entry.formula.names)
        for define in self.closure(entry):
            read |= define.formula.names
        return [n for n in BASE_NAMES if n in read]


# -- loading ------------------------------------------------------------------------------

def _suggest(name: str, known: list[str]) -> str:
    close_names = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close_names)}?)" if close_names else ""


def _parse_entry(name: str, node: Node, known: list[str]) -> Entry:
    if node.is_null or not node.is_scalar:
        raise node.error(f"{name!r} needs a formula (a single line such as 'W_i.T @ d_i')")
    try:
        formula = parse(node.text())
    except ExprError as exc:
        raise node.error(f"cannot use this formula: {exc}") from None
    for used in sorted(formula.names):
        if used not in known:
            raise node.error(f"unknown name {used!r}{_suggest(used, known)}. Available names: "
                             f"{_NAMES_HELP}" + ("" if len(known) == len(BASE_NAMES) else
                                                 ", and defined above: "
                                                 + ", ".join(known[len(BASE_NAMES):])))
    return Entry(name, formula, node.line, node.key)


def load_spec(root: Node) -> FormulaSpec:
    """Validate a ``model: lstm-cell`` spec; every problem is a :class:`SpecError`."""
    fields = root.mapping(allowed={"model", "name", "description", "define", "claim"},
                          required={"model", "claim"})
    known = list(BASE_NAMES)
    defines: list[Entry] = []
    if "define" in fields and not fields["define"].is_null:
        for name, node in fields["define"].items():
            if not _IDENTIFIER.fullmatch(name) or keyword.iskeyword(name):
                raise node.error(f"{name!r} is not a usable name: use letters, digits and _, "
                                 "starting with a letter")
            if name in BASE_NAMES or name in FUNCTIONS:
                what = "function" if name in FUNCTIONS else "given quantity"
                raise node.error(f"{name!r} is already a {what}; choose another name for "
                                 "the definition")
            defines.append(_parse_entry(name, node, known))
            known.append(name)
    claim_node = fields["claim"]
    claims: list[Entry] = []
    for name, node in claim_node.items():
        if name not in TARGETS:
            raise node.error(f"unknown target {name!r}{_suggest(name, list(TARGETS))}. "
                             f"Claimable targets: {', '.join(TARGETS)}")
        claims.append(_parse_entry(name, node, known))
    if not claims:
        raise claim_node.error("'claim:' must name at least one gradient (e.g. 'dx: ...')")
    spec_name = fields["name"].text() if "name" in fields else None
    spec = FormulaSpec(root.path, spec_name, tuple(defines), tuple(claims))
    _dry_run(spec)
    return spec


def _dry_run(spec: FormulaSpec) -> None:
    """Evaluate everything once at the largest sizes, so size limits fail as spec errors
    here (element counts only grow with the sizes) rather than halfway through a search."""
    inst = Instance.filled(MAX_SIZE, MAX_SIZE, 0.5)
    env: dict[str, Array] = dict(inst.environment)
    for entry in (*spec.defines, *spec.claims):
        if not entry.formula.names <= env.keys():
            continue  # reads a define that failed on shapes; the claim will say so
        try:
            value = evaluate(entry.formula, env)
        except ExprLimitError as exc:
            raise SpecError(f"cannot use this formula: {exc}", path=spec.path,
                            line=entry.line, key=entry.key) from None
        except ShapeError:
            continue
        if entry in spec.defines:
            env[entry.name] = value


# -- judging ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mismatch:
    reason: str
    got: Array | None  # None when the formula could not be evaluated (shapes)
    entry: tuple[int, ...] | None = None  # the worst entry, for a wrong value


Substitute = Callable[[str, Array], Array]


def evaluate_claim(spec: FormulaSpec, entry: Entry, env: dict[str, Array],
                   substitute: Substitute | None = None) -> Array:
    """The claimed value on one environment; ShapeError names the define that failed.

    ``substitute(name, value)`` may replace a define's value (hints re-evaluate claims
    with one quantity swapped for the right one to name the student's mistake).
    """
    env = dict(env)
    for define in spec.closure(entry):
        try:
            value = evaluate(define.formula, env)
        except ShapeError as exc:
            raise ShapeError(f"in define {define.name}: {exc}") from None
        env[define.name] = value if substitute is None else substitute(define.name, value)
    return evaluate(entry.formula, env)


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


def survey(spec: FormulaSpec, options: Options) -> dict[str, Instance]:
    """One shared run of ``options.examples`` drawn instances, on each of which every claim
    is judged (the forward and backward pass are computed once per instance). Returns the
    first failing instance of each failing claim."""
    failing: dict[str, Instance] = {}

    @seed(options.seed)
    @_settings(options)
    @given(instances())
    def judge_all(inst: Instance) -> None:
        for entry in spec.claims:
            if entry.name not in failing and judge(spec, entry, inst) is not None:
                failing[entry.name] = inst

    judge_all()
    return failing


def shrink(spec: FormulaSpec, entry: Entry, options: Options) -> Instance | None:
    """The smallest instance hypothesis finds on which the claim is wrong, or None."""
    try:
        return find(instances(), lambda inst: judge(spec, entry, inst) is not None,
                    settings=_settings(options), random=Random(options.seed))
    except NoSuchExample:
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


# -- hints: name a common mistake when a re-evaluation with one substitution matches ------

_PROBES = tuple(Instance.random(d, h, np.random.default_rng(280 + d * 10 + h))
                for d, h in ((3, 2), (2, 3), (3, 3)))


def _holds(values: Callable[[Instance], Array], want: str, probes: list[Instance]) -> bool:
    """True when ``values`` equals reference ``want`` on every probe instance."""
    for inst in probes:
        try:
            if not close(values(inst), inst.reference[want]):
                return False
        except ShapeError:
            return False
    return True


def _with_full_dc(inst: Instance) -> dict[str, Array]:
    full = inst.reference["dc_total"]
    return {**inst.environment, "dc": full, "dc_next": full / inst.environment["f_next"]}


def _with_transposed_matrices(inst: Instance) -> dict[str, Array]:
    env = dict(inst.environment)
    env.update({n: env[n].T for n in _PARAMS if n[0] in "WU"})
    return env


def _gate_swap(inst: Instance, swapped: list[set[str]]) -> Substitute:
    """Replace a define equal to dL/d(gate output) by dL/d(pre-activation) of that gate;
    note what was replaced in a new set per instance (the caller keeps what all share)."""
    seen: set[str] = set()
    swapped.append(seen)

    def substitute(name: str, value: Array) -> Array:
        for g in GATES:
            if close(value, inst.reference[_GATE_OUT[g]]):
                seen.add(f"{name} (= {_GATE_OUT[g]}, needs * {_DERIV[g]})")
                return inst.reference[f"dz_{g}"]
        return value
    return substitute


def _other_target_hint(target: str, other: str) -> str:
    for g in GATES:
        if (target, other) == (_GATE_OUT[g], f"dz_{g}"):
            return (f"this is dz_{g} (dL/dz_{g}, at the pre-activation z_{g}); {target} is "
                    f"dL/d{_GATE_VAR[g]}_t at the gate output, without the factor {_DERIV[g]}")
        if (target, other) == (f"dz_{g}", _GATE_OUT[g]):
            return (f"this is {other}, the gradient at the gate output; dz_{g} also needs the "
                    f"activation's derivative, the factor {_DERIV[g]}")
    return f"this equals the reference {other} ({TARGET_MEANING[other]}), not {target}"


def find_hint(spec: FormulaSpec, entry: Entry, cex: Instance) -> str | None:
    """A one-line explanation in a student's terms, or None. A hint must hold on the
    counterexample and on three fixed random instances, so coincidences do not count."""
    probes = [cex, *_PROBES]
    target = entry.name
    reads = set(spec.base_names(entry))
    if reads & {"dc", "dc_next"} and _holds(
            lambda inst: evaluate_claim(spec, entry, _with_full_dc(inst)), target, probes):
        return ("forgot the path through h_t: the formula uses dc (arriving from c_{t+1} "
                "only) where the full dL/dc_t = dc + dh*o*(1-tanh(c)**2) is needed")
    swapped: list[set[str]] = []
    if _holds(lambda inst: evaluate_claim(spec, entry, inst.environment,
                                          _gate_swap(inst, swapped)), target, probes):
        common = set.intersection(*swapped[1:])  # the random probes: no coincidences
        if common:
            return ("gradient at the gate output used where the pre-activation gradient is "
                    f"needed: {'; '.join(sorted(common))}")
    if reads & set(_PARAMS) and _holds(
            lambda inst: evaluate_claim(spec, entry, _with_transposed_matrices(inst)),
            target, probes):
        return ("off by a transposition: with every W_g and U_g transposed the formula matches "
                "(column convention: dx = W_i.T @ dz_i + ..., dh_prev = U_i.T @ dz_i + ...)")

    def claimed(inst: Instance) -> Array:
        return evaluate_claim(spec, entry, inst.environment)

    for other in TARGETS:
        if other != target and _holds(claimed, other, probes):
            return _other_target_hint(target, other)
    if _holds(lambda inst: claimed(inst).T, target, probes):
        return (f"the result is the transpose of {target}, which has shape "
                f"{_SYMBOLIC_SHAPE.get(target, '(H,)')}: swap the factors, e.g. "
                "outer(dz_i, x) rather than outer(x, dz_i)")
    if _holds(lambda inst: -claimed(inst), target, probes):
        return "the sign is flipped"
    return None


def check_target(spec: FormulaSpec, entry: Entry, options: Options,
                 failing: Instance | None) -> dict[str, Any]:
    """The verdict of one claim, given the survey's first failing instance (or None)."""
    if failing is None:
        return {"verdict": "correct", "line": entry.line}
    inst = shrink(spec, entry, options) or failing  # a rare failure may elude a new search
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
    """Handler for ``model: lstm-cell`` (see :mod:`verify.models`)."""
    from verify.report.lstm_text import render  # report stage; imported late, as models do

    spec = load_spec(node)
    try:
        with _hypothesis_storage_elsewhere():
            failing = survey(spec, options)
            targets = {entry.name: check_target(spec, entry, options, failing.get(entry.name))
                       for entry in spec.claims}
    except ExprLimitError as exc:  # not expected after _dry_run; still a spec problem
        raise SpecError(f"cannot use this formula: {exc}", path=spec.path) from None
    verdict = ("correct" if all(t["verdict"] == "correct" for t in targets.values())
               else "incorrect")
    payload: dict[str, Any] = {
        "name": spec.name,
        "claim": {"verdict": verdict, "targets": targets},
        "examples": options.examples,
        "meaning": {name: TARGET_MEANING[name] for name in targets},
    }
    code = ExitCode.OK if verdict == "correct" else ExitCode.CLAIM_INCORRECT
    return Outcome(spec.path, "checked", code, payload, render(spec.path, payload))


__all__ = ["BASE_NAMES", "TARGETS", "Entry", "FormulaSpec", "Instance", "check_spec",
           "check_target", "evaluate_claim", "find_hint", "instances", "judge", "load_spec",
           "shrink", "survey"]
