"""Stage: backend driver. Sends the reduced rows to a backend and builds a Result (untrusted).

Fixed-s0 specs are one solver call on at most a handful of rows. A free s0 is a case
split, done lazily: solve without the t = 1 rows of undecided sequences; if the weights
found also satisfy, for each such sequence, the t = 1 row of some s0, that is a witness;
otherwise split on a sequence whose t = 1 row fails for both values. A case whose
certificate does not use the split row proves the parent too, so the split is dropped.

Every backend answer is screened exactly; one that fails is replaced by the exact
backend's (and the note says so). ``unknown`` is passed on, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verify.input import limits
from verify.linear import backends
from verify.linear.result import (
    Certificate,
    CitedRow,
    Proof,
    Result,
    Split,
    Verdict,
    Witness,
    is_certificate,
    is_witness,
    satisfies,
    smallest_certificate,
)
from verify.linear.simplest import simplest_witness
from verify.linear.system import BackendAnswer, LinearSystem, Row, Status
from verify.models.threshold.reduce import Reduction


@dataclass(frozen=True)
class _Leaf:
    system: LinearSystem
    steps: tuple[tuple[int, int | None], ...]  # per row: (global step, s0 override)


class _Unknown(Exception):
    pass


def ask(backend_name: str, system: LinearSystem, timeout: float | None,
        notes: list[str]) -> BackendAnswer:
    """One backend call, screened exactly; a wrong answer is replaced by the exact backend's."""
    limits.check_deadline()  # the spec's whole --timeout bounds each call too
    left = limits.remaining()
    timeout = left if timeout is None or (left is not None and left < timeout) else timeout
    ans = backends.get(backend_name).solve(system, timeout=timeout)
    if "fell back" in ans.note:  # the backend replaced its own answer: say so
        notes.append(ans.note)
    if ans.status is Status.UNKNOWN:
        return ans
    ok = (is_witness(system, ans.witness) if ans.status is Status.FEASIBLE
          else is_certificate(system, ans.multipliers))
    if not ok:
        notes.append(f"{backend_name} returned an answer that failed the exact re-check; "
                     "used the exact backend instead")
        ans = backends.get("exact").solve(system, timeout=timeout)
    return ans


class Solver:
    def __init__(self, reduction: Reduction, backend_name: str, timeout: float | None):
        self.red = reduction
        self.table = reduction.table
        self.backend_name = backend_name
        self.timeout = timeout
        self.notes: list[str] = []

    # -- one system ---------------------------------------------------------------------
    def _system(self, assigned: dict[int, int]) -> _Leaf:
        rows: dict[Row, tuple[int, int | None]] = {}
        for rr in self.red.fixed:
            rows.setdefault(rr.row, (rr.step, None))
        for k in self.red.free_steps:
            j = int(self.table.seq[k])
            if j in assigned:
                rows.setdefault(self.table.row(k, assigned[j]), (k, assigned[j]))
        system = LinearSystem(self.table.spec.params, tuple(rows))
        return _Leaf(system, tuple(rows.values()))

    def _ask(self, system: LinearSystem) -> BackendAnswer:
        ans = ask(self.backend_name, system, self.timeout, self.notes)
        if ans.status is Status.UNKNOWN:
            raise _Unknown(ans.note or "the solver gave up")
        return ans

    def _certificate(self, leaf: _Leaf, lam: tuple[Fraction, ...]) -> Certificate:
        smaller = smallest_certificate(leaf.system)
        if smaller is not None and sum(1 for v in smaller if v) <= sum(1 for v in lam if v):
            lam = smaller
        cited = []
        for (k, _), row, v in zip(leaf.steps, leaf.system.rows, lam):
            if v:
                cited.append(CitedRow(int(self.table.seq[k]), int(self.table.t[k]),
                                      row.coefficients, row.strict, v))
        cited.sort(key=lambda r: (r.sequence, r.t))
        return Certificate(tuple(cited))

    # -- the search -----------------------------------------------------------------------
    def _prove(self, assigned: dict[int, int]) -> Witness | Proof:
        leaf = self._system(assigned)
        ans = self._ask(leaf.system)
        if ans.status is Status.INFEASIBLE:
            assert ans.multipliers is not None
            return self._certificate(leaf, ans.multipliers)
        assert ans.witness is not None
        theta = ans.witness
        choice = dict(assigned)
        stuck = None
        for k in self.red.free_steps:
            j = int(self.table.seq[k])
            if j in choice:
                continue
            good = [v for v in (0, 1) if satisfies(self.table.row(k, v), theta)]
            if good:
                choice[j] = good[0]
            elif stuck is None:
                stuck = j
        if stuck is None:
            full = self._system(choice).system
            return self._witness(simplest_witness(full, theta), choice)
        cases: list[tuple[int, Proof]] = []
        for value in (0, 1):
            sub = self._prove({**assigned, stuck: value})
            if isinstance(sub, Witness):
                return sub
            if not _uses(sub, stuck):
                return sub
            cases.append((value, sub))
        return Split(stuck, tuple(cases))

    def _witness(self, theta: tuple[Fraction, ...], choice: dict[int, int]) -> Witness:
        spec = self.table.spec
        s0 = tuple(s.s0 if s.s0 is not None else choice.get(j, 0)
                   for j, s in enumerate(spec.sequences))
        return Witness(dict(zip(spec.params, theta)), s0)

    def run(self) -> Result:
        try:
            found = self._prove({})
        except _Unknown as exc:
            return Result(Verdict.UNKNOWN, self.backend_name, note=str(exc))
        note = "; ".join(dict.fromkeys(self.notes))
        conflict = None
        if self.red.conflict is not None:
            a, b = self.red.conflict
            conflict = ((int(self.table.seq[a]), int(self.table.t[a])),
                        (int(self.table.seq[b]), int(self.table.t[b])))
        if isinstance(found, Witness):
            return Result(Verdict.REALIZABLE, self.backend_name, witness=found, note=note)
        return Result(Verdict.UNREALIZABLE, self.backend_name, proof=found,
                      conflict=conflict, note=note)


def _uses(proof: Proof, sequence: int) -> bool:
    """Does this proof rest on the t = 1 row of ``sequence`` (or split on it)?"""
    if isinstance(proof, Certificate):
        return any(r.sequence == sequence and r.t == 1 for r in proof.rows)
    return proof.sequence == sequence or any(_uses(p, sequence) for _, p in proof.cases)


def solve(reduction: Reduction, backend_name: str = "z3",
          timeout: float | None = None) -> Result:
    return Solver(reduction, backend_name, timeout).run()
