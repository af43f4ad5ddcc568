"""Stage: backend (untrusted). z3 over exact rationals.

One solver per call; each row is guarded by a Boolean assumption so an UNSAT answer
comes with an unsat core, minimised by z3 (``core.minimize``) and then by deletion
until every row of it is needed. Multipliers are computed exactly from the core with
our own Fraction linear algebra. A model or a core that fails the exact re-check is
never passed on: the exact backend answers instead (and the note says so). z3's
``unknown`` (timeout) becomes Status.UNKNOWN.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

from verify.input.limits import int_text
from verify.linear.backends.certificate import (
    certificate_on_support,
    check_shape,
    is_witness,
    normalise,
)
from verify.linear.backends.exact_backend import fall_back_to_exact
from verify.linear.system import BackendAnswer, LinearSystem, Status


def _value(z3: Any, value: Any) -> Fraction | None:
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    return None  # algebraic numbers cannot arise in linear arithmetic; refuse anyway


def _remaining_ms(deadline: float | None) -> int | None:
    if deadline is None:
        return None
    return max(1, int((deadline - time.monotonic()) * 1000))


class Z3Backend:
    name = "z3"

    def solve(self, system: LinearSystem, *, timeout: float | None = None) -> BackendAnswer:
        # z3 speaks decimal text both ways; every number is bounded at parse time
        # (verify.input.limits), so lift Python's 4,300-digit int <-> text limit here only
        with int_text():
            return self._solve(system, timeout=timeout)

    def _solve(self, system: LinearSystem, *, timeout: float | None = None) -> BackendAnswer:
        import z3

        check_shape(system)
        if not any(row.strict for row in system.rows):
            return BackendAnswer(Status.FEASIBLE,
                                 witness=tuple(Fraction(0) for _ in system.params),
                                 note="z3: no strict row, theta = 0")
        deadline = None if timeout is None else time.monotonic() + timeout
        ctx = z3.Context()  # private context: safe when called from several threads
        theta = [z3.Real(f"theta_{j}", ctx) for j in range(len(system.params))]
        guards = [z3.Bool(f"row_{i}", ctx) for i in range(len(system.rows))]
        solver = z3.Solver(ctx=ctx)
        solver.set("core.minimize", True)
        for guard, row in zip(guards, system.rows):
            terms = [_rational_ctx(z3, c, ctx) * t
                     for c, t in zip(row.coefficients, theta) if c != 0]
            lhs = z3.Sum(terms) if terms else z3.RealVal(0, ctx)
            atom = lhs > 0 if row.strict else lhs >= 0
            solver.add(z3.Implies(guard, atom))
        index = {g.get_id(): i for i, g in enumerate(guards)}

        def check(assumed: list[int]) -> tuple[Any, list[int]]:
            ms = _remaining_ms(deadline)
            if ms is not None:
                solver.set("timeout", ms)
            result = solver.check(*[guards[i] for i in assumed])
            if result != z3.unsat:
                return result, []
            return result, sorted(index[g.get_id()] for g in solver.unsat_core())

        result, core = check(list(range(len(system.rows))))
        if result == z3.unknown:
            return BackendAnswer(Status.UNKNOWN,
                                 note=f"z3: unknown ({solver.reason_unknown()})")
        if result == z3.sat:
            model = solver.model()
            values = [_value(z3, model.eval(t, model_completion=True)) for t in theta]
            if all(v is not None for v in values):
                witness = tuple(v for v in values if v is not None)
                if is_witness(system, witness):
                    return BackendAnswer(Status.FEASIBLE, witness=normalise(witness),
                                         note="z3: sat")
            return fall_back_to_exact(system, deadline, "z3 model failed the exact re-check")
        core, complete = _shrink(core, check, z3)
        multipliers = certificate_on_support(system, core, deadline=deadline)
        if multipliers is None:
            return fall_back_to_exact(system, deadline, "z3 core gave no exact certificate")
        note = f"z3: unsat, core of {sum(m != 0 for m in multipliers)} rows"
        if not complete:
            note += " (deletion pass cut short by the timeout; minimised exactly)"
        return BackendAnswer(Status.INFEASIBLE, multipliers=multipliers, note=note)


def _rational_ctx(z3: Any, q: Fraction, ctx: Any) -> Any:
    # from the exact text: a float would round 10**400 or 1/3
    return z3.RealVal(f"{q.numerator}/{q.denominator}", ctx)


def _shrink(core: list[int], check: Any, z3: Any) -> tuple[list[int], bool]:
    """Deletion-based minimisation: drop each row whose removal keeps the core UNSAT.

    ``check(rows)`` returns z3's result and, when UNSAT, the (smaller) core it found.
    """
    kept = list(core)
    for i in list(core):
        if i not in kept:
            continue
        result, smaller = check([j for j in kept if j != i])
        if result == z3.unsat:
            kept = smaller
        elif result == z3.unknown:
            return kept, False
    return kept, True

