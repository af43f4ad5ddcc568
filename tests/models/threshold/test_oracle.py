"""The per-unit feasibility oracle: answers from its pools must be the exact answers."""

from __future__ import annotations

from fractions import Fraction

from network_helpers import make_spec

from verify.models.threshold.oracle import UnitOracle
from verify.models.threshold.table import UnitSystem

F = Fraction


def key(x: int, s: int) -> tuple:
    return ("state", 0, (F(x),), (s,))


def test_cores_and_witnesses_answer_only_what_they_imply() -> None:
    spec = make_spec([("0", "0")])  # one unit, one input, nonstrict
    oracle = UnitOracle(spec, 1, ("state", 0), None, lambda k: k)
    b = {xs: oracle.bit(key(*xs)) for xs in ((0, 0), (1, 0), (0, 1), (1, 1))}
    ones, zeros = b[1, 0] | b[0, 1], b[0, 0] | b[1, 1]  # XOR: not separable
    w, core = oracle.check(ones, zeros)
    assert w is None and core is not None and oracle.solves == 1
    # the same question again, and a superset of it: answered by the stored core
    assert oracle.check(ones, zeros)[1] is core and oracle.solves == 1
    # a subset (drop 11 -> 0) is separable: the core must not answer it
    w, core2 = oracle.check(ones, b[0, 0])
    assert core2 is None and w is not None and oracle.solves == 2
    # the pool witness really separates those points (checked here by hand: z >= 0 iff 1)
    for (x, s), want in (((1, 0), 1), ((0, 1), 1), ((0, 0), 0)):
        z = w[0] * x + w[1] * s + w[2]
        assert int(z >= 0) == want
    # a question the pool witness answers needs no new solve
    assert oracle.check(b[1, 0], b[0, 0])[0] is not None and oracle.solves == 2


def test_core_multipliers_prove_infeasibility() -> None:
    spec = make_spec([("0", "0")], step="strict")
    oracle = UnitOracle(spec, 1, ("state", 0), None, lambda k: k)
    bits = [oracle.bit(key(x, s)) for x, s in ((0, 0), (1, 0), (0, 1), (1, 1))]
    _, core = oracle.check(bits[1] | bits[2], bits[0] | bits[3])
    assert core is not None
    system = UnitSystem(oracle.params, core.entries, core.system.bounds, True).system()
    total = [sum((lam * r.coefficients[i] for lam, r in zip(core.multipliers, system.rows)),
                 F(0)) for i in range(len(system.params))]
    assert total == [0] * len(system.params)
    assert any(lam > 0 and r.strict for lam, r in zip(core.multipliers, system.rows))
