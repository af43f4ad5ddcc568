"""Stage: checker. TRUSTED. Threshold networks: simulation, witnesses, verify-certificate/2.

The one core of every threshold model: step-rnn specs are judged here too, as the
one-unit, one-input observed network (:mod:`verify.trusted.checker`).

Reads a ``model: threshold-rnn`` spec through plain attributes only (``shape``, ``step``,
``weights``, ``bias``, ``fixed``, ``sequences``) and certificates as the printed JSON
dicts (numbers as strings "p/q"), exactly, with :class:`fractions.Fraction`. It never
searches: a proof tree is *replayed* (README, "Hidden states and proofs").

Replay. A branch holds a partial transition table over entries ``("state", i, x, sigma)``
(unit i's value for input x after state sigma), ``("s0", j, i)`` (a free initial value)
and ``("readout", o, s)``. At every node the checker simulates the sequences in the
certificate's ``order`` (default 0, 1, ...) -- for each sequence j: its s0 units
i = 0..k-1; then each step t: state units
i = 0..k-1 (entry at (x_t, s_(t-1))), then readout units o = 0..m-1 whose output is not
"?" (entry at s_t) -- looking each entry up. An unassigned entry whose value an output
at that step dictates (an observed unit, a readout) is assigned that value (any fitting
network has it); the first unassigned entry no output dictates stops the run and must be
the node's split; an assigned entry contradicting an output stops it as a clash. Hence a
prover can split only on the entry the run reached, and every row a leaf cites is
re-derived from entries assigned on its own branch.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from verify.input.exact import to_float
from verify.trusted.core import CheckFailure, check_motzkin, signed_row
from verify.trusted.core import is_strict as _strict
from verify.trusted.core import step as _step

FORMAT = "verify-certificate/2"
BLOCK = 16384  # rows judged at once by the vectorised observed check
DONT_CARE = -1
Key = tuple[Any, ...]


@dataclass(frozen=True)
class StepTrace:
    sequence: int
    t: int                              # 1-based
    x: tuple[Fraction, ...]
    s_prev: tuple[int, ...]
    z: tuple[Fraction, ...]             # per state unit
    s: tuple[int, ...]
    y: tuple[int, ...]                  # the network's outputs
    expected: tuple[int, ...]           # the spec's (DONT_CARE for "?")

    def differs(self) -> list[int]:
        return [o for o, (g, e) in enumerate(zip(self.y, self.expected)) if e not in (g, -1)]


def _dot(a: Any, b: Any) -> Fraction:
    return sum((p * q for p, q in zip(a, b)), Fraction(0))


# -- witnesses ------------------------------------------------------------------------

def _steps(spec: Any, net: Any, s0: Any) -> Iterator[StepTrace]:
    strict, shape = _strict(spec), spec.shape
    for j, seq in enumerate(spec.sequences):
        s = tuple(int(v) for v in s0[j])
        for t, (x, want) in enumerate(zip(seq.inputs, seq.outputs), start=1):
            z = tuple(_dot(w, x) + _dot(u, s) + bi for w, u, bi in zip(net.W, net.U, net.b))
            new = tuple(_step(v, strict) for v in z)
            if shape.readout is not None:
                y = tuple(_step(_dot(v, new) + c, strict) for v, c in zip(net.V, net.c))
            else:
                y = tuple(new[i] for i in shape.observe)
            yield StepTrace(j, t, tuple(x), s, z, new, y, tuple(want))
            s = new


def simulate(spec: Any, net: Any, s0: Any) -> list[list[StepTrace]]:
    """Every step of every sequence under these weights and initial states, exactly."""
    runs: list[list[StepTrace]] = [[] for _ in spec.sequences]
    for step in _steps(spec, net, s0):
        runs[step.sequence].append(step)
    return runs


def first_difference(spec: Any, net: Any, s0: Any) -> StepTrace | None:
    """The first step (first sequence, then first t) where an output (not "?") differs."""
    located = _observed_first_bad(spec, net, s0)
    if located is False:
        return next((step for step in _steps(spec, net, s0) if step.differs()), None)
    if located is None:
        return None
    j, t = located  # the outputs fix the states, so step t sees s_(t-1) as they say
    seq, strict, pos = spec.sequences[j], _strict(spec), _state_columns(spec)
    prev = tuple(s0[j]) if t == 1 else tuple(int(seq.outputs[t - 2][p]) for p in pos)
    x = tuple(seq.inputs[t - 1])
    z = tuple(_dot(w, x) + _dot(u, prev) + bi for w, u, bi in zip(net.W, net.U, net.b))
    new = tuple(_step(v, strict) for v in z)
    return StepTrace(j, t, x, prev, z, new, tuple(new[i] for i in spec.shape.observe),
                     tuple(seq.outputs[t - 1]))


def _state_columns(spec: Any) -> list[int]:
    return [list(spec.shape.observe).index(i) for i in range(len(spec.shape.observe))]


def _times(a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``a @ m.T`` column by column (BLAS is slow for (T, 4) x (4, 4) here); any
    summation order is within the rounding bound."""
    out = np.zeros((a.shape[0], m.shape[0]))
    for j in range(m.shape[1]):
        out += a[:, j:j + 1] * m[:, j]
    return out


def _observed_first_bad(spec: Any, net: Any, s0: Any) -> tuple[int, int] | None | Literal[False]:
    """Every unit observed, no "?": the first (sequence, t) these weights get wrong, or
    None; False when the spec is not of this kind (then :func:`_steps` simulates).

    The outputs fix every state, so each step is judged on its own, vectorised. Integer
    inputs: each unit's row (W[i], U[i], b[i]) times the lcm of its denominators is
    integral with the same signs, so z is an integer computed exactly in float64 while
    every partial sum stays below 2^53. Otherwise z in float64 with a rounding bound that
    holds for any summation order (|error| <= gamma * sum |terms|, inputs and weights each
    rounded once), the sign taken only where |z| exceeds it, every other step decided in
    Fraction. If no step is wrong the outputs' states are the run's states (induction
    from s0); otherwise the first wrong step is where the run first differs."""
    shape, k = spec.shape, len(net.b)
    if shape.readout is not None or sorted(shape.observe) != list(range(k)) or k == 0:
        return False
    rows = [[Fraction(v) for v in (*w, *u, c)] for w, u, c in zip(net.W, net.U, net.b)]
    whole = [[v * math.lcm(*(f.denominator for f in r)) for v in r] for r in rows]
    size = max(sum(abs(v) for v in r) for r in whole)
    mats = [np.array([[to_float(v) for v in r] for r in m]) for m in (rows, whole)]
    if not np.isfinite(mats[0]).all() or any(0 < abs(v) < 2.0**-1022 for r in rows for v in r):
        return False  # beyond float64, or subnormal (its rounding error is not relative)
    n = mats[0].shape[1]
    with np.errstate(all="ignore"):  # an overflowing sum makes tiny inf: all exact, no warning
        gamma, tiny = (n + 4) * 2.0**-52, n * 2.0**-1070 * (1 + np.abs(mats[0]).sum())
    pos, strict = _state_columns(spec), _strict(spec)
    for j, seq in enumerate(spec.sequences):
        y = np.asarray(getattr(seq.outputs, "values", seq.outputs), dtype=np.int64)
        if y.size == 0:
            continue
        if (y < 0).any():
            return False
        states = y.reshape(len(seq.outputs), -1)[:, pos]
        prev = np.vstack([np.asarray(s0[j], dtype=np.int64).reshape(1, k), states[:-1]])
        ints = getattr(seq.inputs, "ints", None)
        exact = ints is not None and size * (1 + max(-int(ints.min()), int(ints.max()))) < 2**53
        x = np.asarray(ints, dtype=np.float64) if exact else getattr(seq.inputs, "approx", None)
        x = np.array([[to_float(v) for v in row] for row in seq.inputs]) if x is None else x
        m = mats[1] if exact else mats[0]
        for a in range(0, len(x), BLOCK):  # blocks: small temporaries, an early first wrong
            xb, pb = x[a:a + BLOCK], prev[a:a + BLOCK]
            ones = np.ones((len(xb), 1))
            with np.errstate(all="ignore"):
                z = _times(np.hstack([xb, pb, ones]), m)
                got = (z >= 0 if exact and not strict else z > 0).astype(np.int64)
                # near-ties, and anything that overflowed (NaN, inf), are decided exactly
                todo = np.zeros(0, np.int64) if exact else np.flatnonzero(~(np.abs(z) > gamma
                    * _times(np.hstack([np.abs(xb), pb, ones]), np.abs(m)) + tiny).all(axis=1))
            for t in todo:
                point = (*seq.inputs[a + int(t)], *map(int, pb[t]), 1)
                got[t] = [_step(_dot(r, point), strict) for r in rows]
            wrong = (got != states[a:a + BLOCK]).any(axis=1)
            if wrong.any():
                return j, a + int(np.flatnonzero(wrong)[0]) + 1
    return None


def names(spec: Any, units: int, kind: str, index: int) -> list[str]:
    """The weights of one unit, in row order: W[i][*], U[i][*], b[i] or V[o][*], c[o]."""
    if kind == "state":
        return ([f"W[{index}][{j}]" for j in range(spec.shape.inputs)]
                + [f"U[{index}][{j}]" for j in range(units)] + [f"b[{index}]"])
    return [f"V[{index}][{j}]" for j in range(units)] + [f"c[{index}]"]


def _parse_name(name: str) -> tuple[str, tuple[int, ...]]:
    return name[0], tuple(int(p) for p in name[2:-1].split("]["))


def _domain(spec: Any, block: str) -> Any:
    return spec.bias if block in ("b", "c") else spec.weights


def check_witness(spec: Any, units: int, net: Any, s0: Any) -> None:
    shape, k = spec.shape, units
    m = shape.readout or 0
    want = {"W": (k, shape.inputs), "U": (k, k), "b": (k,), "V": (m, k), "c": (m,)}
    for block, dims in want.items():
        rows = getattr(net, block)
        flat = [((n,), v) for n, v in enumerate(rows)] if len(dims) == 1 else [
            ((n, c), v) for n, r in enumerate(rows) for c, v in enumerate(r)]
        if len(rows) != dims[0] or (len(dims) == 2 and any(len(r) != dims[1] for r in rows)):
            raise CheckFailure(f"{block} has the wrong shape: a {k}-unit network needs {dims}")
        for idx, v in flat:
            name, fixed = block + "".join(f"[{i}]" for i in idx), spec.fixed.get((block, idx))
            if fixed is not None and v != fixed:
                raise CheckFailure(f"{name} = {v}, but the spec fixes it to {fixed}")
            if not _domain(spec, block).contains(Fraction(v)):
                raise CheckFailure(f"{name} = {v} is outside the spec's weight domain")
    if not shape.readout and any(i >= k for i in shape.observe):
        raise CheckFailure(f"observe names a unit a {k}-unit network lacks")
    if len(s0) != len(spec.sequences):
        raise CheckFailure("the witness gives s0 for the wrong number of sequences")
    for j, (seq, v) in enumerate(zip(spec.sequences, s0)):
        if len(v) != k or any(b not in (0, 1) or (a is not None and a != b)
                              for a, b in zip(seq.s0, v)):
            raise CheckFailure(f"sequence {j}: s0 = {list(v)} is not allowed by the spec")
    bad = first_difference(spec, net, s0)
    if bad is not None:
        o = bad.differs()[0]
        raise CheckFailure(f"sequence {bad.sequence}, t={bad.t}: output {o} is {bad.y[o]}, "
                           f"expected {bad.expected[o]} (z = {', '.join(map(str, bad.z))})")


# -- verify-certificate/2 -------------------------------------------------------------

def _key(entry: Any) -> Key:
    """An ENTRY as printed -> the table key (ValueError/KeyError/TypeError if malformed)."""
    if "s0" in entry:
        return ("s0", int(entry["s0"]["sequence"]), int(entry["s0"]["unit"]))
    kind, i = entry["unit"]["kind"], int(entry["unit"]["index"])
    if kind == "state":
        return ("state", i, tuple(Fraction(v) for v in entry["input"]),
                tuple(int(v) for v in entry["previous"]))
    return ("readout", i, tuple(int(v) for v in entry["state"]))


def show(key: Key) -> str:
    if key[0] == "s0":
        return f"s0 of unit {key[2]} in sequence {key[1]}"
    if key[0] == "state":
        return (f"unit {key[1]} at input ({', '.join(map(str, key[2]))}) after state "
                f"{''.join(map(str, key[3]))}")
    return f"readout {key[1]} at state {''.join(map(str, key[2]))}"


@dataclass
class Branch:
    table: dict[Key, int]
    bounds: dict[str, tuple[Fraction | None, Fraction | None]]   # from integer branches
    cursor: tuple[int, int, tuple[int, ...] | None]  # (position in the order, t done, s_t)
    path: str
    seen: dict[Key, tuple[int, int]] | None = None   # for provers: entry -> first (j, t)


class Replay:
    def __init__(self, spec: Any, units: int, order: Any = None) -> None:
        self.spec, self.k, self.strict = spec, units, _strict(spec)
        n = len(spec.sequences)
        self.order = list(range(n)) if order is None else order
        if sorted(self.order) != list(range(n)) or not all(
                isinstance(j, int) for j in self.order):
            raise CheckFailure(f"order must list each of the {n} sequences once")
        self.m = spec.shape.readout or 0
        self.observed: dict[int, list[int]] = {}
        if spec.shape.readout is None:
            for o, i in enumerate(spec.shape.observe):
                if i >= units:
                    raise CheckFailure(f"observe names unit {i}, a {units}-unit network "
                                       "lacks it")
                self.observed.setdefault(i, []).append(o)

    def advance(self, br: Branch) -> tuple[str, Any]:
        """Run the simulation on (and assigning outputs' entries into) ``br`` until it
        needs a split ("split", key), meets a clash ("clash", (j, t, o)) or ends."""
        p, t, s = br.cursor
        table = br.table
        while p < len(self.order):
            j = self.order[p]
            seq = self.spec.sequences[j]
            if s is None:
                vals = []
                for i in range(self.k):
                    init = seq.s0[i] if seq.s0[i] is not None else table.get(("s0", j, i))
                    if init is None:
                        return "split", ("s0", j, i)
                    vals.append(init)
                s, t = tuple(vals), 0
                br.cursor = (p, 0, s)
            if t == len(seq.inputs):
                p, t, s = p + 1, 0, None
                br.cursor = (p, 0, None)
                continue
            x, y = tuple(seq.inputs[t]), seq.outputs[t]
            new: list[int] = []
            for i in range(self.k):
                key, wants = ("state", i, x, s), [(o, y[o]) for o in self.observed.get(i, ())
                                                  if y[o] != DONT_CARE]
                v = table.get(key)
                if br.seen is not None:
                    br.seen.setdefault(key, (j, t + 1))
                if v is None and not wants:
                    return "split", key
                for o, w in wants:
                    if v is None:
                        v = table[key] = w
                    elif v != w:
                        return "clash", (j, t + 1, o)
                assert v is not None  # assigned, or dictated by an output just above
                new.append(v)
            s, t = tuple(new), t + 1
            for o in range(self.m):
                if y[o] != DONT_CARE:
                    v = table.setdefault(("readout", o, s), y[o])
                    if br.seen is not None:
                        br.seen.setdefault(("readout", o, s), (j, t))
                    if v != y[o]:
                        return "clash", (j, t, o)
            br.cursor = (p, t, s)
        return "end", None

    def states(self, br: Branch, j: int, t: int) -> tuple[Any, Any]:
        """(s_(t-1), s_t) of sequence j under the branch's table, by lookups only (s_t may
        hold None: entries not assigned on this branch)."""
        if not (0 <= j < len(self.spec.sequences) and 1 <= t <= len(
                self.spec.sequences[j].inputs)):
            raise CheckFailure(f"there is no step t={t} in sequence {j}")
        seq = self.spec.sequences[j]
        s = tuple(seq.s0[i] if seq.s0[i] is not None else br.table.get(("s0", j, i))
                  for i in range(self.k))
        for step in range(t):
            if None in s:
                raise CheckFailure(f"sequence {j}, t={t}: the table on this branch does not "
                                   f"determine the state at t={step}")
            prev = s
            s = tuple(br.table.get(("state", i, tuple(seq.inputs[step]), prev))
                      for i in range(self.k))
        return prev, s

    def row(self, br: Branch, r: Any,
            unit: tuple[str, int]) -> tuple[list[Fraction], Fraction, bool]:
        """A cited ROW re-derived on this branch, as (coefficients, constant, strict)."""
        params = names(self.spec, self.k, *unit)
        if "bound" in r:
            name, value, rel = r["bound"], Fraction(r["value"]), r["relation"]
            if name not in params:
                raise CheckFailure(f"bound on {name}, which is not a weight of this unit")
            block, idx = _parse_name(name)
            dom, fix = _domain(self.spec, block), self.spec.fixed.get((block, idx))
            low, high = br.bounds.get(name, (None, None))
            ok = (rel == ">=" and any(v is not None and value <= v for v in (dom.low, fix, low))
                  ) or (rel == "<=" and any(v is not None and value >= v
                                            for v in (dom.high, fix, high)))
            if not ok:
                raise CheckFailure(f"{name} {rel} {value} does not follow from the weight "
                                   "domain, the fixed entries or this branch's bounds")
            sign = 1 if rel == ">=" else -1
            return [Fraction(sign * (p == name)) for p in params], -sign * value, False
        j, t = int(r["sequence"]), int(r["t"])
        kind, i = r["unit"]["kind"], int(r["unit"]["index"])
        if (kind, i) != unit:
            raise CheckFailure(f"sequence {j}, t={t}: a row of {kind} unit {i} in a "
                               f"certificate over {unit[0]} unit {unit[1]}")
        prev, s = self.states(br, j, t)
        key: Key
        if kind == "state":
            key = ("state", i, tuple(self.spec.sequences[j].inputs[t - 1]), prev)
            point = list(key[2]) + list(prev) + [1]
        else:
            if None in s:
                raise CheckFailure(f"sequence {j}, t={t}: the table on this branch does not "
                                   f"determine the state at t={t}")
            key = ("readout", i, s)
            point = list(s) + [1]
        v = br.table.get(key)
        if v is None:
            raise CheckFailure(f"sequence {j}, t={t}: {show(key)} is not assigned on this "
                               "branch")
        coeffs, strict = signed_row(point, v, self.strict)
        printed = {n: Fraction(c) for n, c in r["coefficients"].items() if Fraction(c) != 0}
        if printed != {n: c for n, c in zip(params, coeffs) if c} or (
                r["relation"] == ">") != strict:
            want = " + ".join(f"{c}*{n}" for n, c in zip(params, coeffs) if c)
            raise CheckFailure(f"sequence {j}, t={t}: on this branch {show(key)} is {v}, which "
                               f"requires {want} {'>' if strict else '>='} 0, not the row "
                               "printed")
        return list(coeffs), Fraction(0), strict

    def leaf(self, br: Branch, body: Any) -> None:
        unit = (body["unit"]["kind"], int(body["unit"]["index"]))
        if unit[0] not in ("state", "readout") or not 0 <= unit[1] < (
                self.k if unit[0] == "state" else self.m):
            raise CheckFailure(f"there is no {unit[0]} unit {unit[1]}")
        rows = [self.row(br, r, unit) for r in body["rows"]]
        check_motzkin([(tuple(c), const, st) for c, const, st in rows],
                      [Fraction(r["multiplier"]) for r in body["rows"]], irreducible=False)

    def node(self, br: Branch, node: Any) -> list[tuple[Branch, Any]]:
        """Check one node; return its children (branch, node) to check."""
        event, what = self.advance(br)
        if "motzkin" in node:
            self.leaf(br, node["motzkin"])
            return []
        if "clash" in node:
            c = node["clash"]
            got = (int(c["sequence"]), int(c["t"]), int(c["output"]))
            if event != "clash" or what != got:
                raise CheckFailure(f"clash at sequence {got[0]}, t={got[1]}, output {got[2]}"
                                   f", but on this branch the simulation {_says(event, what)}")
            return []
        cases = node["cases"]
        if "split" in node:
            key = _key(node["split"]["entry"])
            if event != "split" or key != what:
                raise CheckFailure(f"split on {show(key)}, but on this branch the simulation "
                                   + _says(event, what))
            if sorted(int(c["value"]) for c in cases) != [0, 1]:
                raise CheckFailure(f"the split on {show(key)} needs exactly the cases 0 and "
                                   f"1, not {[c['value'] for c in cases]}")
            return [(Branch({**br.table, key: int(c["value"])}, br.bounds, br.cursor,
                             f"{br.path} / {show(key)} = {c['value']}"), c["proof"])
                    for c in cases]
        return self.branch(br, node["branch"], cases)

    def branch(self, br: Branch, body: Any, cases: Any) -> list[tuple[Branch, Any]]:
        """Integer weights: W <= v in case "<=", W >= v + 1 in case ">="."""
        name, v = body["weight"], Fraction(body["value"])
        block = name[0]
        if not _domain(self.spec, block).integer or v.denominator != 1 or not any(
                name in names(self.spec, self.k, kind, i)
                for kind, n in (("state", self.k), ("readout", self.m)) for i in range(n)):
            raise CheckFailure(f"branch on {name} = {v}: only an integer weight of the "
                               "network may be branched on, at an integer")
        if sorted(c["side"] for c in cases) != ["<=", ">="]:
            raise CheckFailure(f"the branch on {name} needs exactly the cases <= and >=")
        low, high = br.bounds.get(name, (None, None))
        out = []
        for c in cases:
            bound = (low, v) if c["side"] == "<=" else (v + 1, high)
            out.append((Branch(dict(br.table), {**br.bounds, name: bound}, br.cursor,
                                f"{br.path} / {name} {c['side']} {v}"), c["proof"]))
        return out


def _says(event: str, what: Any) -> str:
    if event == "split":
        return f"next needs {show(what)}"
    if event == "clash":
        return f"first clashes at sequence {what[0]}, t={what[1]}, output {what[2]}"
    return "reaches the end without a clash or an unassigned entry"


def check_certificate(spec: Any, cert: Any) -> None:
    """Check that no ``cert["units"]``-unit network in the spec's domains fits the spec."""
    if not isinstance(cert, dict) or cert.get("format") != FORMAT:
        raise CheckFailure(f"not a {FORMAT} certificate")
    units = cert.get("units")
    if not isinstance(units, int) or units < 1:
        raise CheckFailure(f"units must be a positive integer, not {units!r}")
    replay = Replay(spec, units, cert.get("order"))
    todo = [(Branch({}, {}, (0, 0, None), "root"), cert["proof"])]
    while todo:
        br, node = todo.pop()
        try:
            todo.extend(replay.node(br, node))
        except CheckFailure as exc:
            raise CheckFailure(f"at {br.path}: {exc}") from None
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            raise CheckFailure(f"at {br.path}: malformed node ({exc!r})") from None


# -- fewest units ---------------------------------------------------------------------

def smallest_units(spec: Any) -> int:
    """The fewest units worth asking about: ``units: {min}``, and every observed unit."""
    observed = 0 if spec.shape.readout is not None else 1 + max(spec.shape.observe, default=-1)
    return int(max(spec.min_units, observed, 1))


def monotone_in_units(spec: Any) -> bool:
    """Does k units fitting imply k + 1 units fitting? Yes when a dead unit is allowed:
    zero weights into it, out of it and to the readout (its bias is then anything: its
    state is constant and ignored), i.e. 0 is an allowed weight and no fixed W/U/V entry
    is non-zero."""
    return spec.weights.contains(Fraction(0)) and all(
        v == 0 for (block, _), v in spec.fixed.items() if block in ("W", "U", "V"))


def check_fewest(spec: Any, units: int, net: Any, s0: Any, refutations: dict[int, Any]) -> None:
    """``units`` is the fewest: a witness for it, and a certificate for k - 1 (monotone
    specs) or for every k from :func:`smallest_units` to ``units - 1``."""
    check_witness(spec, units, net, s0)
    lowest = smallest_units(spec)
    if units < lowest:
        raise CheckFailure(f"{units} units is below the smallest count asked about, {lowest}")
    needed = range(units - 1 if monotone_in_units(spec) else lowest, units)
    for k in needed:
        if k < lowest:
            continue
        cert = refutations.get(k)
        if cert is None or cert.get("units") != k:
            raise CheckFailure(f"fewest units {units} needs a proof that {k} units cannot")
        check_certificate(spec, cert)
