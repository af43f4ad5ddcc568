"""Named linear systems with known answers, and independent exact checks of answers.

The checks here deliberately re-implement the Motzkin conditions instead of importing
``verify.linear.backends.certificate``, so a bug there cannot hide a bug in a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from verify.linear.system import BackendAnswer, LinearSystem, Row, Status

WB = ("w1", "w2", "b")
BIG = Fraction(10) ** 400
TINY = Fraction(1, 10**30)


Coef = int | Fraction


def system(params: Sequence[str], rows: Sequence[tuple[Sequence[Coef], bool]]) -> LinearSystem:
    return LinearSystem(tuple(params), tuple(
        Row(tuple(Fraction(c) for c in coefs), strict) for coefs, strict in rows))


def gt(*c: Coef) -> tuple[Sequence[Coef], bool]:
    return c, True


def ge(*c: Coef) -> tuple[Sequence[Coef], bool]:
    return c, False


@dataclass(frozen=True)
class Case:
    name: str
    system: LinearSystem
    status: Status
    max_core: int | None = None
    """Largest support an irreducible certificate can have here (not always unique)."""


CASES: tuple[Case, ...] = (
    Case("empty", system(WB, []), Status.FEASIBLE),
    Case("no_params_strict", system((), [gt()]), Status.INFEASIBLE, 1),
    Case("no_params_nonstrict", system((), [ge()]), Status.FEASIBLE),
    Case("all_nonstrict", system(WB, [ge(1, 0, 0), ge(-1, 0, 0), ge(0, -1, -1)]),
         Status.FEASIBLE),
    Case("zero_strict_row", system(WB, [ge(1, 1, 1), gt(0, 0, 0)]), Status.INFEASIBLE, 1),
    Case("zero_nonstrict_row", system(WB, [ge(0, 0, 0), gt(1, 0, 0)]), Status.FEASIBLE),
    # seed question 1(a): s0 = 0, inputs 0001010, outputs 0001111
    Case("seed_q1a", system(WB, [ge(0, 0, -1), ge(0, 0, -1), ge(0, 0, -1), gt(1, 0, 1),
                                 gt(0, 1, 1), gt(1, 1, 1), gt(0, 1, 1)]), Status.FEASIBLE),
    # seed question 1(b) with s0 = 0: b > 0 at t=1 contradicts -b >= 0 at t=5
    Case("seed_q1b_s0_0", system(WB, [gt(0, 0, 1), gt(0, 1, 1), gt(0, 1, 1), ge(-1, -1, -1),
                                      ge(0, 0, -1), ge(0, 0, -1), gt(1, 0, 1), gt(0, 1, 1)]),
         Status.INFEASIBLE, 4),  # {b>0, -b>=0}, or the four rows of the s0 = 1 argument
    # ... and with s0 = 1: (w2+b) + (w1+b) - (w1+w2+b) - b = 0, four rows needed
    Case("seed_q1b_s0_1", system(WB, [gt(0, 1, 1), gt(0, 1, 1), gt(0, 1, 1), ge(-1, -1, -1),
                                      ge(0, 0, -1), ge(0, 0, -1), gt(1, 0, 1), gt(0, 1, 1)]),
         Status.INFEASIBLE, 4),
    Case("three_rows", system(("x", "y"), [gt(1, 0), gt(0, 1), ge(-1, -1)]),
         Status.INFEASIBLE, 3),
    Case("opposite_strict", system(("x",), [gt(1), gt(-1)]), Status.INFEASIBLE, 2),
    Case("opposite_nonstrict", system(("x",), [ge(1), ge(-1)]), Status.FEASIBLE),
    Case("equality_then_strict", system(WB, [ge(1, 0, 0), ge(-1, 0, 0), gt(1, 1, 0),
                                             ge(0, 0, 1), ge(0, 0, -1)]), Status.FEASIBLE),
    Case("thirds", system(WB, [gt(Fraction(1, 3), Fraction(-2, 3), 0), gt(0, Fraction(1, 3), -1),
                               ge(Fraction(-1, 7), 0, Fraction(5, 3))]), Status.FEASIBLE),
    Case("duplicates", system(WB, [gt(1, 2, 3), gt(1, 2, 3), ge(2, 4, 6), gt(3, 6, 9),
                                   ge(-1, -2, -3), ge(-1, -2, -3)]), Status.INFEASIBLE, 2),
    Case("duplicates_feasible", system(WB, [gt(1, 2, 3), gt(2, 4, 6), ge(1, 2, 3),
                                            ge(0, 0, 1), ge(0, 0, 1)]), Status.FEASIBLE),
    Case("huge_infeasible", system(WB, [gt(BIG, 0, 1), ge(-TINY, 0, 0), ge(0, 0, -1)]),
         Status.INFEASIBLE, 3),
    Case("huge_feasible", system(WB, [gt(BIG, 0, 1), gt(TINY, 1, 1), ge(-1, -1, -1)]),
         Status.FEASIBLE),
    # x > y but x <= (1 + 10**-30) y: float64 sees 1 + 10**-30 == 1 and calls it infeasible
    Case("needs_exact_precision", system(("x", "y"), [gt(1, -1), ge(-1, 1 + TINY), gt(0, 1)]),
         Status.FEASIBLE),
    # the same gap closed: now infeasible, and float64 cannot tell the difference
    Case("needs_exact_precision_infeasible",
         system(("x", "y"), [gt(1, -1 - TINY), ge(-1, 1 + TINY), gt(0, 1)]),
         Status.INFEASIBLE, 2),
    Case("huge_scale_mix", system(WB, [gt(BIG, -BIG, 0), gt(0, TINY, -TINY),
                                       ge(-1, 0, 1)]), Status.INFEASIBLE, 3),
)


def dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b)), Fraction(0))


def witness_ok(sys_: LinearSystem, witness: Sequence[Fraction] | None) -> bool:
    if witness is None or len(witness) != len(sys_.params):
        return False
    if not all(isinstance(v, Fraction) for v in witness):
        return False
    return all(dot(r.coefficients, witness) > 0 if r.strict else
               dot(r.coefficients, witness) >= 0 for r in sys_.rows)


def certificate_ok(sys_: LinearSystem, lam: Sequence[Fraction] | None) -> bool:
    if lam is None or len(lam) != len(sys_.rows):
        return False
    if not all(isinstance(v, Fraction) and v >= 0 for v in lam):
        return False
    if sum((v for v, r in zip(lam, sys_.rows) if r.strict), Fraction(0)) <= 0:
        return False
    return all(sum((v * r.coefficients[j] for v, r in zip(lam, sys_.rows)), Fraction(0)) == 0
               for j in range(len(sys_.params)))


def support(lam: Sequence[Fraction]) -> list[int]:
    return [i for i, v in enumerate(lam) if v != 0]


def subsystem(sys_: LinearSystem, rows: Sequence[int]) -> LinearSystem:
    return LinearSystem(sys_.params, tuple(sys_.rows[i] for i in rows))


def irreducible(sys_: LinearSystem, lam: Sequence[Fraction]) -> bool:
    """Dropping any supported row leaves the supported rows feasible (exact backend)."""
    from verify.linear.backends.exact_backend import solve_exact

    rows = support(lam)
    for drop in rows:
        rest = subsystem(sys_, [i for i in rows if i != drop])
        if solve_exact(rest).status is not Status.FEASIBLE:
            return False
    return True


def assert_valid(sys_: LinearSystem, answer: BackendAnswer, expected: Status | None = None,
                 max_core: int | None = None) -> None:
    if expected is not None:
        assert answer.status is expected, answer
    if answer.status is Status.FEASIBLE:
        assert witness_ok(sys_, answer.witness), answer
        assert answer.multipliers is None
    elif answer.status is Status.INFEASIBLE:
        assert certificate_ok(sys_, answer.multipliers), answer
        assert answer.multipliers is not None
        assert irreducible(sys_, answer.multipliers), answer
        if max_core is not None:
            assert len(support(answer.multipliers)) <= max_core, answer
        assert answer.witness is None
    else:
        assert answer.witness is None and answer.multipliers is None
